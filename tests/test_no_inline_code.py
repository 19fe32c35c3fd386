"""Every code block in the guide comes from a snippet module (or is a testcode example)."""

from __future__ import annotations

from docutils import nodes


def _is_doctest_example(node: nodes.literal_block) -> bool:
    return "testnodetype" in node.attributes


def test_every_literal_block_comes_from_a_snippet(doctrees):
    inline = []
    shown = 0
    for docname, tree in sorted(doctrees.items()):
        for node in tree.findall(nodes.literal_block):
            if node.get("snippet_id"):
                shown += 1
            elif not _is_doctest_example(node):
                inline.append(f"{node.source or docname}:{node.line}: {node.astext()[:60]!r}")
    assert shown > 0, "no snippet blocks found at all: the check would prove nothing"
    assert not inline, "code blocks not taken from a snippet module:\n" + "\n".join(inline)


def test_inline_code_is_detected(tmp_path):
    """The check above can fail: a page with a plain literal block is caught."""
    import pickle

    from tests.conftest import sphinx_build

    src = tmp_path / "src"
    src.mkdir()
    (src / "index.rst").write_text("Title\n=====\n\nA block::\n\n    $ cat /etc/x\n")
    out = tmp_path / "out"
    assert sphinx_build(src, out, "-q").returncode == 0
    tree = pickle.loads((out / "doctrees" / "index.doctree").read_bytes())
    blocks = [n for n in tree.findall(nodes.literal_block) if not n.get("snippet_id")]
    assert len(blocks) == 1 and blocks[0].line == 6
