"""Generated sentences about what backs the guide: data reach and proof counts.

``.. data-freshness::`` prints "Kernel data through Linux X (N releases), QEMU data
through Y, extracted on DATE": the newest release with a data file, and the newest
``extracted_on`` date in the data's provenance.  ``.. proof-counts::`` prints how
many code blocks each kind of check covers (:mod:`nested_snippets.proofs`), and
:func:`doctest_proof_lines` puts the line under each Python example.
Nothing in either sentence is typed by hand.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from nested_snippets import kernel as kdata
from nested_snippets import qemu as qdata


def sentence() -> str:
    releases = kdata.versions()
    dates = [str(kdata.load(v).provenance.get("extracted_on", "")) for v in releases]
    text = f"Kernel data through Linux {releases[-1]} ({len(releases)} releases from {releases[0]})"
    text += f", QEMU data through {qdata.latest()}"
    dates.append(qdata.extracted_on())
    return text + f"; extracted on {max(d for d in dates if d) or 'an unknown date'}."


class DataFreshness(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        for path in kdata.DATA_DIR.glob("*.json"):
            self.env.note_dependency(str(path))
        return [nodes.paragraph("", sentence(), classes=["nested-freshness"])]


PROOF_WORDS = {
    "executed": "run against the fake host",
    "validated": "checked by a real tool (kmod, QEMU, libvirt)",
    "syntax": "syntax-checked only",
    "not-executed": "not executable on a test machine (labelled, with their source)",
    "shown": "shown but applied by no test",
    "doctest": "Python examples run by Sphinx's doctest builder (code and output)",
}

DOCTEST_LINES = {
    "testcode": "Run by Sphinx's doctest builder (make doctest).",
    "testoutput": "Compared by Sphinx's doctest builder with what the example above prints.",
    "doctest": "Run by Sphinx's doctest builder (make doctest), output compared.",
}
"""The proof line under each Python example of a page (the directive's name -> line)."""


def doctest_proof_lines(app: Sphinx, doctree: nodes.document) -> None:
    """Put a proof line under each example block that the doctest builder runs, as
    the snippet directives do under theirs (``:hide:`` blocks are not shown)."""
    from nested_snippets.proofs import DOCTEST
    from nested_snippets.sphinxext import _explain_link

    for block in list(doctree.findall(nodes.literal_block)):
        text = DOCTEST_LINES.get(block.get("testnodetype", ""))
        if text is None:
            continue
        para = nodes.paragraph(classes=["nested-proof", f"nested-proof-{DOCTEST}"])
        para += nodes.Text(text + " ")
        para += _explain_link()
        block.parent.insert(block.parent.index(block) + 1, para)


def proof_sentence() -> str:
    from nested_snippets import proofs

    counts = proofs.shown_counts()
    total = sum(counts.values())
    parts = [f"{counts[k]} {w}" for k, w in PROOF_WORDS.items() if counts.get(k)]
    return (f"The guide's pages show {total} code blocks (each tab is one, and a block "
            "shown on two pages counts on each): " + ", ".join(parts)
            + ". The line under each block says which applies.")  # fmt: skip


class ProofCounts(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        from nested_snippets import registry

        for path in set(registry.load().files.values()):
            self.env.note_dependency(str(path))
        from nested_snippets.sphinxext import _explain_link  # set up after this module

        para = nodes.paragraph("", proof_sentence() + " ", classes=["nested-freshness"])
        para += _explain_link()
        return [para]


def setup(app: Sphinx) -> None:
    app.add_directive("data-freshness", DataFreshness)
    app.add_directive("proof-counts", ProofCounts)
    app.connect("doctree-read", doctest_proof_lines)
