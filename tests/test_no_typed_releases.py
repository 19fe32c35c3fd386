"""No release number typed by hand in the pages (issue: right to the release).

A kernel or QEMU release, a "since" or an "until" in ``source/`` must come from
the data through a role (``kernel-since``, ``qemu-since``, ``snippet-kernels``,
...), from a snippet, from a reference table, or from a ``claim`` with a
source and date.  This test reads the built doctrees and fails on any other
version-like number in running text, naming ``file:line``.  Numbers with a unit
(``13.6 s``, ``2.19×``) are measurements, not releases; code, links and comments
are not prose.
"""

from __future__ import annotations

import re

from docutils import nodes

VERSION = re.compile(r"(?<![\w.\-/@])v?(\d{1,2})\.(\d{1,2})(?:\.\d{1,3})?(?![\w\-/]|\.\d)")
UNIT = re.compile(r"\s?(?:s|ms|µs|×|x|%|KB|MB|GB|KiB|MiB|GiB|px|rem|em|GHz|MHz)\b|×")
MARKED = {
    "nested-fact",  # kernel-since, kernel-until, qemu-*, snippet-kernels
    "nested-claim",  # :claim: with a source entry
    "nested-source",  # a source entry itself
    "nested-proof",  # generated proof line under a block
    "nested-reference",  # generated reference tables
    "nested-freshness",  # generated data-freshness line
}
NOT_PROSE = (nodes.literal_block, nodes.literal, nodes.comment, nodes.raw,
             nodes.reference, nodes.target, nodes.title)  # fmt: skip
NON_CLAIMS = (
    re.compile(r"Ubuntu \d\d\.\d\d"),  # a distribution's name, not a release claim
    re.compile(r"ARMv8\.\d"),  # an architecture revision
    re.compile(r"ISA \d\.\d"),  # POWER instruction-set revision
    re.compile(r"Python \d\.\d+"),  # the project's own requirement (pyproject, vermin test)
)
TAB_LABEL = re.compile(r"^Linux \d+\.\d+$")
"""A vendor/release tab's label over a generated table (the directive refuses a
release without data)."""
GENERATED = {"project-health": "tools/bench.py"}
"""Pages written by a tool from its measurements, not by hand."""


def _marked(node: nodes.Node) -> bool:
    parent = node.parent
    if "sphinx-tabs-tab" in parent.get("classes", []) and TAB_LABEL.match(node.astext()):
        return True
    while parent is not None:
        if isinstance(parent, NOT_PROSE):
            return True
        if isinstance(parent, nodes.Element) and MARKED & set(parent.get("classes", [])):
            return True
        parent = parent.parent
    return False


def typed_releases(doctrees: dict) -> list[str]:
    found = []
    for docname, tree in sorted(doctrees.items()):
        if docname in GENERATED:
            assert GENERATED[docname] in tree.astext(), f"{docname} no longer names its tool"
            continue
        for text in tree.findall(nodes.Text):
            if _marked(text):
                continue
            value = text.astext()
            allowed = {m.span() for rx in NON_CLAIMS for m in rx.finditer(value)}
            for m in VERSION.finditer(value):
                if UNIT.match(value, m.end()) or any(a <= m.start() < b for a, b in allowed):
                    continue
                line = getattr(text.parent, "line", None) or "?"
                snippet = value[max(0, m.start() - 30) : m.end() + 20].replace("\n", " ")
                found.append(f"source/{docname}.rst:{line}: {m.group(0)!r} in '…{snippet}…'")
    return found


def test_no_release_number_is_typed_in_the_pages(doctrees):
    found = typed_releases(doctrees)
    assert not found, "release numbers typed by hand (use a data role or :claim:):\n" + "\n".join(
        found
    )


def test_the_check_finds_a_typed_release():
    tree = nodes.document(None, None)
    para = nodes.paragraph()
    para += nodes.Text("Works from Linux 6.3 on. Took 13.6 s.")
    tree += para
    marked = nodes.inline("", "", classes=["nested-fact"])
    marked += nodes.Text("6.6")
    para += marked
    assert [f.split(": ", 1)[1] for f in typed_releases({"x": tree})] == [
        "'6.3' in '…Works from Linux 6.3 on. Took 13.6 s.…'"
    ]
