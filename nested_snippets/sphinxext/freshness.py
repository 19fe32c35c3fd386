"""``.. data-freshness::``: how far the data reaches and when it was extracted.

Prints "Kernel data through Linux X (N releases), QEMU data through Y, extracted on
DATE": the newest release with a data file, and the newest ``extracted_on`` date in
the data's provenance.  Nothing in the sentence is typed by hand.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from nested_snippets import kernel as kdata


def _qemu() -> tuple[str, str] | None:
    """(newest QEMU release with data, its extraction date), when QEMU data exists."""
    try:
        from nested_snippets import qemu as qdata  # type: ignore[attr-defined]
    except ImportError:
        return None
    latest = getattr(qdata, "latest", None)
    extracted = getattr(qdata, "extracted_on", None)
    if not callable(latest):
        return None
    return latest(), extracted() if callable(extracted) else ""


def sentence() -> str:
    releases = kdata.versions()
    dates = [str(kdata.load(v).provenance.get("extracted_on", "")) for v in releases]
    text = f"Kernel data through Linux {releases[-1]} ({len(releases)} releases from {releases[0]})"
    q = _qemu()
    if q is not None:
        text += f", QEMU data through {q[0]}"
        dates.append(q[1])
    return text + f"; extracted on {max(d for d in dates if d) or 'an unknown date'}."


class DataFreshness(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        for path in kdata.DATA_DIR.glob("*.json"):
            self.env.note_dependency(str(path))
        return [nodes.paragraph("", sentence(), classes=["nested-freshness"])]


def setup(app: Sphinx) -> None:
    app.add_directive("data-freshness", DataFreshness)
