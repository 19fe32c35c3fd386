"""Generated sentences about what backs the guide: data reach and proof counts.

``.. data-freshness::`` prints "Kernel data through Linux X (N releases from W; none
for V, whose sources were not found), QEMU data through Y (none for Z, which Debian
ships: not read yet). Newest extraction: DATE; newest check of the sources: DATE":
the newest release with a data
file, the releases of the series without one, and the newest dates the data records
(:func:`dates`).  ``.. proof-counts::`` prints how
many code blocks each kind of check covers (:mod:`nested_snippets.proofs`), and
:func:`doctest_proof_lines` puts the line under each Python example.
Nothing in either sentence is typed by hand.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from nested_snippets import kernel as kdata
from nested_snippets import qemu as qdata
from nested_snippets.versions import spoken


def sentence() -> str:
    """What the data reaches, the releases it lacks and when it was last extracted and
    last checked (the newest dates the data records for each)."""
    releases = kdata.versions()
    gap = kdata.missing()
    text = f"Kernel data through Linux {releases[-1]} ({len(releases)} releases from {releases[0]}"
    text += f"; none for {spoken(gap)}, whose sources were not found)" if gap else ")"
    text += f", QEMU data through {qdata.latest()}"
    later = [v for v in qdata.missing() if qdata.key(v) > qdata.key(qdata.latest())]
    text += f" (none for {spoken(later)}, which Debian ships: not read yet)" if later else ""
    extracted, checked = dates()
    text += f". Newest extraction: {extracted or 'unknown'}"
    return text + (f"; newest check of the sources: {checked}." if checked else ".")


_SEARCHED = re.compile(r"searched (\d{4}-\d{2}-\d{2})")


def dates() -> tuple[str, str]:
    """(the newest date on which data was extracted or refreshed from sources, the
    newest date on which sources were looked for: a missing release's search in the
    kernel index, the read of Debian's QEMU versions); "" where the data has none."""
    extracted = [qdata.extracted_on(), kdata.newest_extraction()]
    checked = [m.group(1) for e in kdata.index() for m in _SEARCHED.finditer(e.note or "")]
    checked.append(str(qdata.index().get("debian_read_on", "")))
    return max(extracted, default=""), max(checked, default="")


class DataFreshness(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        for path in [*kdata.DATA_DIR.glob("*.json"), *qdata.DATA.glob("*.json")]:
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
