"""No release number typed by hand in the pages (issue: right to the release).

A kernel or QEMU release, a "since" or an "until" in ``source/`` must come from
the data through a role (``kernel-since``, ``qemu-since``, ``snippet-kernels``,
...), from a snippet, from a reference table, or from a ``claim`` with a
source and date.  This test reads the built doctrees and fails on any other
version-like number in running text, naming ``file:line``.  Numbers with a unit
(``13.6 s``, ``2.19×``) are measurements, not releases; code, links and comments
are not prose.

A ``claim`` is for what no data can hold: its text must not name a kernel or
QEMU release inside the data's range (Linux 4.19 to the newest kernel data,
QEMU 4.0 to the newest QEMU data), since the data can say where such a fact
starts (add a probe: :mod:`nested_snippets.kernel.probes`,
``qemu.SOURCE_PROBES``). :data:`CLAIM_RELEASES_ALLOWED` lists the few that truly
cannot be data, each with the reason.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes

from nested_snippets import kernel, qemu
from nested_snippets.versions import version_key

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


# ----------------------------------------------------------------- releases in claims
SOURCE = Path(__file__).resolve().parent.parent / "source"
CLAIM = re.compile(r":claim:`(?P<body>[^`]+)`")
CLAIM_KEY = re.compile(r"^(?P<text>.+?)\s*<(?P<key>[^<>]+)>$", re.S)
# fmt: off
CLAIM_RELEASES_ALLOWED: dict[tuple[str, str, str], str] = {
    # (page, source key, number as typed): why no kernel or QEMU data can hold it
    ("explanation/migration-limits", "upstream-nested-doc", "5.3"):
        "upstream's page names Linux 5.3; nothing in the sources marks that release",
    ("how-to/live-migration", "upstream-nested-doc", "5.3"): "as above (upstream's page)",
    ("how-to/live-migration", "upstream-nested-doc", "4.2.0"):
        "quoted from upstream's page",
    ("reference/versions", "upstream-nested-doc", "5.3"): "as above (upstream's page)",
    ("reference/versions", "upstream-nested-doc", "4.2.0"): "as above (upstream's page)",
    ("troubleshooting", "sev-guest-stable", "4.19"):
        "a backport to the 4.19.y stable series, after the data's 4.19.0",
    ("troubleshooting", "sev-guest-stable", "5.10"):
        "a backport to the 5.10.y stable series, after the data's 5.10.0",
    ("how-to/distribution-kernels", "ubuntu-hwe", "6.8"): "the kernel Ubuntu ships",
    ("how-to/distribution-kernels", "pve-opt-in", "7.0"): "the kernel Proxmox offers",
    ("how-to/install-checker", "rhel9-python-versions", "9.2"): "a RHEL release",
    ("how-to/clouds", "ms-enable-nested", "8.0"): "a Hyper-V VM configuration version",
    ("how-to/clouds", "ms-enable-nested", "9.3"): "a Hyper-V VM configuration version",
    ("how-to/community-tests", "selftests-makefile", "6.18.2"):
        "names the tree read (tools/testing/selftests, not in the data)",
    ("how-to/community-tests", "selftests-makefile-7", "7.0.0"): "as above",
    ("how-to/community-tests", "selftests-makefile-7", "7.1.3"): "as above",
    ("how-to/community-tests", "selftests-nested-7", "7.0.0"): "as above",
    ("how-to/community-tests", "selftests-nested-7", "7.1.3"): "as above",
    ("troubleshooting", "linux-feat-ctl-c", "5.6.4"):
        "names a tree read (arch/x86/kernel/cpu/feat_ctl.c, not in the data)",
    ("troubleshooting", "linux-feat-ctl-c", "6.18.2"): "as above",
    ("how-to/arm64", "lima-5443", "11.1"):
        "a QEMU release newer than the data (listed missing), as Lima's change names it",
    ("how-to/builtin-kvm", "wsl-kernel-config", "5.15"):
        "the version of Microsoft's WSL kernel tree read, not of the kernel data",
    ("how-to/security", "linux-mmu-child-sp", "7.1.3"):
        "names the trees read (the fix is a stable backport)",
    ("how-to/security", "linux-mmu-child-sp", "6.18.2"): "as above",
}
# fmt: on
CVE_FIXED = {
    # a CVE record's stable releases: the data holds one point release a series
    "cve-2026-53359": ("6.1.177", "6.6.144", "6.12.95", "6.18.38", "7.1.3"),
    "cve-2026-46113": ("6.6.140", "6.12.88", "6.18.30", "7.0.7"),
    "cve-2026-64561": ("6.6.148", "6.12.101", "6.18.42", "7.1.6"),
    "cve-2026-80726": ("5.15.222", "6.1.183", "6.6.152", "6.12.104", "6.18.45", "7.1.9"),
}
CLAIM_RELEASES_ALLOWED |= {
    ("how-to/security", key, v): "a stable release the CVE record lists as fixed"
    for key, releases in CVE_FIXED.items() for v in releases
}  # fmt: skip
"""Kernel/QEMU-range numbers a claim may hold; the test fails on an entry no claim uses."""


def _in_range(number: str) -> bool:
    key = version_key(number)[:2]
    kernels, qemus = kernel.releases(), qemu.series()
    return (version_key(kernels[0]) <= key <= version_key(kernels[-1])
            or version_key(qemus[0]) <= key <= version_key(qemus[-1]))  # fmt: skip


def claimed_releases(pages: dict[str, str]) -> tuple[list[str], set[tuple[str, str, str]]]:
    """(``file:line`` of each claim naming a kernel or QEMU release in the data's range,
    the allow-list entries used), for ``pages``: docname -> reST text."""
    found, used = [], set()
    for page, text in sorted(pages.items()):
        for m in CLAIM.finditer(text):
            parts = CLAIM_KEY.match(m.group("body"))
            body, key = (parts["text"], parts["key"]) if parts else (m.group("body"), "")
            body = " ".join(body.split())
            allowed = {a.span() for rx in NON_CLAIMS for a in rx.finditer(body)}
            for v in VERSION.finditer(body):
                number = v.group(0).lstrip("v")
                if UNIT.match(body, v.end()) or any(a <= v.start() < b for a, b in allowed):
                    continue
                if not _in_range(number):
                    continue
                if (page, key, number) in CLAIM_RELEASES_ALLOWED:
                    used.add((page, key, number))
                    continue
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"source/{page}.rst:{line}: {number!r} in :claim:`{body}`")
    return found, used


def test_no_claim_names_a_release_the_data_can_give():
    pages = {str(p.relative_to(SOURCE).with_suffix("")): p.read_text(encoding="utf-8")
             for p in SOURCE.rglob("*.rst")}  # fmt: skip
    found, used = claimed_releases(pages)
    assert not found, (
        "a :claim: names a kernel or QEMU release inside the data's range; print it from "
        "the data (:kernel-since:`source FACT present`, :qemu-since:`FACT`), or add it to "
        "CLAIM_RELEASES_ALLOWED with the reason no data can hold it:\n" + "\n".join(found)
    )
    stale = sorted(set(CLAIM_RELEASES_ALLOWED) - used)
    assert not stale, f"allow-list entries no claim uses: {stale}"


def test_the_claim_check_finds_a_release_in_range():
    page = (
        "AMD.\n\nIt came in :claim:`Linux 5.8 <nsvm-nested-state>`, QEMU had it\n"
        "from :claim:`QEMU 3.1 <qemu-vmx-blocker>` and :claim:`Python 3.9 <py>`.\n"
    )
    found, _ = claimed_releases({"x": page})
    assert found == ["source/x.rst:3: '5.8' in :claim:`Linux 5.8`"], found
