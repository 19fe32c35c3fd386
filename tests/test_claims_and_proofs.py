"""Claims carry their source and read date; every block says what proves it."""

from __future__ import annotations

import re
from collections import Counter

from nested_snippets import proofs, registry
from nested_snippets.model import NotExecuted, SnippetError
from tests.test_sphinx_ext import _build, _site

SOURCE = """
.. source:: vendor-doc
   :title: Vendor guide, "Nesting"
   :url: https://example.invalid/nesting
   :read: 2026-11-01
"""


def test_a_claim_links_its_source_with_the_read_date(tmp_path):
    page = "A\n=\n\nIt nests on :claim:`three families <vendor-doc>`.\n" + SOURCE
    src = _site(tmp_path, {"a": page})
    proc = _build(src, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out/html/a.html").read_text()
    assert 'href="#source-vendor-doc"' in html
    assert 'title="Vendor guide, &quot;Nesting&quot;, read 2026-11-01"' in html
    assert 'id="source-vendor-doc"' in html and "(read 2026-11-01)" in html


def test_a_claim_from_another_page_links_there(tmp_path):
    pages = {"a": "A\n=\n" + SOURCE, "b": "B\n=\n\nSee :claim:`this <vendor-doc>`.\n"}
    src = _site(tmp_path, pages)
    proc = _build(src, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert 'href="a.html#source-vendor-doc"' in (tmp_path / "out/html/b.html").read_text()


def test_unknown_source_fails_the_build_naming_the_line(tmp_path):
    src = _site(tmp_path, {"a": "A\n=\n\nText.\n\nIt nests on :claim:`x <nope>`.\n"})
    proc = _build(src, tmp_path / "out")
    assert proc.returncode != 0
    assert "a.rst:6" in proc.stderr and "unknown source 'nope'" in proc.stderr


def test_a_source_without_read_date_fails(tmp_path):
    bad = SOURCE.replace("   :read: 2026-11-01\n", "")
    proc = _build(_site(tmp_path, {"a": "A\n=\n" + bad}), tmp_path / "out")
    assert proc.returncode != 0 and "needs :read:" in proc.stderr


def test_a_bad_date_fails(tmp_path):
    bad = SOURCE.replace("2026-11-01", "November")
    proc = _build(_site(tmp_path, {"a": "A\n=\n" + bad}), tmp_path / "out")
    assert proc.returncode != 0 and "YYYY-MM-DD" in proc.stderr


def test_wrong_examples_are_labelled_and_classed(tmp_path):
    page = "A\n=\n\n.. snippet:: troubleshooting.amd_y_conf\n"
    proc = _build(_site(tmp_path, {"a": page}), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out/html/a.html").read_text()
    assert "nested-snippet-fails" in html
    assert "Wrong — shown to fail, do not copy:" in html
    assert "nested-proof" in html


def test_every_variant_has_a_proof_and_kinds_are_counted():
    reg = registry.load()
    counts = proofs.counts(reg)
    assert counts["executed"] > 50, counts
    assert counts["validated"] > 5, counts
    assert sum(counts.values()) == len(list(reg.bodies()))


def test_a_transcript_names_its_release_span():
    snip = registry.load().get("enable.check_nested")
    text = proofs.proof(snip, "amd").text
    assert text.startswith("Run on the fake host for Linux 4.20–"), text


def test_not_executed_needs_a_source_and_a_date():
    for args in (("", "https://x", "2026-01-01"), ("why", "", "2026-01-01"), ("w", "s", "soon")):
        try:
            NotExecuted(*args)
        except SnippetError:
            continue
        raise AssertionError(f"NotExecuted{args} was accepted")


def test_the_freshness_line_names_the_newest_data_file(tmp_path):
    from nested_snippets.kernel import DATA_DIR

    names = [p.stem.removeprefix("linux-") for p in DATA_DIR.glob("linux-*.json")]
    newest = max(names, key=lambda v: [int(x) for x in v.split(".")])
    proc = _build(_site(tmp_path, {"a": "A\n=\n\n.. data-freshness::\n"}), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out/html/a.html").read_text()
    assert f"Kernel data through Linux {newest} ({len(names)} releases" in html


def test_the_freshness_line_names_qemu_releases_debian_ships_without_data(monkeypatch):
    from nested_snippets import qemu
    from nested_snippets.sphinxext import freshness

    rows = [{"version": v, "status": "x"} for v in ("9.2", "10.0")]
    rows += [{"version": v, "status": "missing"} for v in ("10.1", "10.2")]
    monkeypatch.setattr(qemu, "index", lambda: {"releases": rows})
    monkeypatch.setattr(qemu, "versions", lambda: ["9.2", "10.0"])
    text = freshness.sentence()
    assert (
        ", QEMU data through 10.0 (none for 10.1 and 10.2, which Debian ships: not read yet)."
        in text
    ), text
    monkeypatch.setattr(qemu, "index", lambda: {"releases": rows[:2]})
    assert ", QEMU data through 10.0. Newest extraction" in freshness.sentence()


def test_the_freshness_line_names_no_gap_when_every_release_has_data():
    from nested_snippets import kernel
    from nested_snippets.sphinxext import freshness

    text = freshness.sentence()
    assert kernel.missing() == [] and "whose sources were not found" not in text, text
    assert f"({len(kernel.releases())} releases from {kernel.releases()[0]})" in text, text


def test_the_freshness_line_names_the_missing_releases_and_when_it_was_checked(kernel_gap):
    """It names the releases without data and, as such, the newest extraction and the
    newest check of the sources (a missing release's search: "searched DATE"); on the
    data with a gap (``kernel_gap``: the data has none today)."""
    from nested_snippets import kernel
    from nested_snippets.sphinxext import freshness
    from nested_snippets.versions import spoken

    text = freshness.sentence()
    gap = [v for v in kernel.releases() if v not in kernel.versions()]
    assert gap, "no release without data: the check below proves nothing"
    assert f"none for {spoken(gap)}, whose sources were not found" in text, text
    searched = max(re.findall(r"searched (\d{4}-\d{2}-\d{2})",
                              " ".join(e.note or "" for e in kernel.index())))  # fmt: skip
    extracted, checked = freshness.dates()
    assert checked >= searched and f"newest check of the sources: {checked}." in text, text
    assert f"Newest extraction: {extracted}" in text and "extracted on" not in text, text


def test_kernel_since_prints_the_boundary_from_the_data(tmp_path):
    page = (
        "A\n=\n\nOn from Linux :kernel-since:`x86/kvm_intel nested default=Y`; "
        "arm64 accepts it from :kernel-since:`arm64/kvm-arm.mode accepts nested`.\n"
    )
    proc = _build(_site(tmp_path, {"a": page}), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out/html/a.html").read_text()
    assert "On from Linux <span" in html and ">4.20</span>" in html


def test_a_boundary_on_single_source_data_says_so_in_its_title(tmp_path):
    """audit17 gap 15: a boundary printed as exact can rest on a release whose data comes
    from one import that no second source confirmed; the hover text says which."""
    from nested_snippets import kernel
    from nested_snippets.sphinxext import facts

    status = {e.version: e.status for e in kernel.index()}
    assert (status["4.19"], status["4.20"]) == ("verified", "single-source"), status
    page = "A\n=\n\nOn from Linux :kernel-since:`x86/kvm_intel nested default=Y`.\n"
    proc = _build(_site(tmp_path, {"a": page}), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out/html/a.html").read_text()
    assert "the data of 4.20 comes from one source, not confirmed by a second" in html, html
    assert facts.sources_note("4.19", "5.0") == ""
    assert facts.sources_note(None, "4.20").endswith("4.20 comes from one source, not "
                                                      "confirmed by a second")  # fmt: skip


def test_a_false_since_is_a_build_error_at_its_line(tmp_path):
    page = "A\n=\n\nText.\n\nOff since :kernel-since:`x86/kvm_intel nested default=N`.\n"
    proc = _build(_site(tmp_path, {"a": page}), tmp_path / "out")
    assert proc.returncode != 0
    assert "a.rst:6" in proc.stderr and "does not hold in Linux" in proc.stderr


def test_the_proof_counts_name_the_blocks_the_pages_show(tmp_path):
    total = sum(proofs.shown_counts().values())
    assert total > len(list(registry.load().bodies())) / 2, total
    proc = _build(_site(tmp_path, {"a": "A\n=\n\n.. proof-counts::\n"}), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out/html/a.html").read_text()
    assert re.search(rf"The guide(’|')s pages show {total} code blocks", html), html


def test_the_proof_counts_match_the_proof_lines_of_the_site(doctrees):
    """S19: each kind's count is the number of proof lines a reader finds on the pages."""
    from docutils import nodes

    found: Counter[str] = Counter()
    for tree in doctrees.values():
        for para in tree.findall(nodes.paragraph):
            kinds = [c.removeprefix("nested-proof-") for c in para["classes"]
                     if c.startswith("nested-proof-")]  # fmt: skip
            found.update(kinds)
    assert sum(found.values()) > 100, found
    assert found == proofs.shown_counts(), (found, proofs.shown_counts())


def test_each_python_example_has_a_proof_line_and_is_counted(doctrees):
    """The contributing page's testcode/testoutput blocks say what runs them, as the
    snippets' blocks do, and the generated counts include them."""
    from docutils import nodes

    from nested_snippets import pages

    blocks = unproved = 0
    for tree in doctrees.values():
        for block in tree.findall(nodes.literal_block):
            if "testnodetype" not in block:
                continue
            blocks += 1
            after = block.parent[block.parent.index(block) + 1 :]
            if not (after and "nested-proof-doctest" in after[0].get("classes", [])):
                unproved += 1
    assert blocks >= 12, blocks
    assert unproved == 0, f"{unproved} of {blocks} example blocks have no proof line"
    assert proofs.shown_counts()[proofs.DOCTEST] == blocks == len(pages.doctest_blocks())



def test_a_qemu_query_is_not_said_to_check_a_model():
    """S21: ``-cpu help`` names no CPU model, so its proof line must not claim one."""
    from nested_snippets.bodies import CommandLine

    assert CommandLine("qemu-system-x86_64 -cpu help").cpu_models == []
    assert CommandLine("qemu-system-aarch64 -machine ?").machine_args == []
    assert CommandLine("qemu-system-x86_64 -cpu EPYC,svm=on").cpu_models == ["EPYC"]
    reg = registry.load()
    snip = reg.get("qemu.list_models")
    for era, key, _ in snip.bodies():
        text = proofs.proof(snip, key, era, reg).text
        assert "CPU model checked" not in text and "MODEL" not in text, text
        assert "names no model" in text, text
