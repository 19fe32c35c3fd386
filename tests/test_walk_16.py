"""New-reader walk 16 (a first visit in Chromium, also at 375 px): findings pinned to
the page sources and the built site.  The browser findings (M3, M6, L9) are in
tests/browser/test_walk_16.py.

Whitespace is normalised, so rewrapping a paragraph does not break these.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "source"


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", (SOURCE / page).read_text(encoding="utf-8"))


def _html_text(built_site: Path, page: str) -> str:
    html = (built_site / "html" / page).read_text(encoding="utf-8")
    html = html[html.index("<article") : html.index("</article>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_m2_the_how_to_index_says_what_verify_does_and_where_l2_starts():
    """It promised "check L0 and L1, then start L2"; the verify page starts no L2."""
    index = _text("how-to/index.rst")
    assert "then start L2" not in index
    line = index[index.index("- :doc:`verify`") :]
    line = line[: line.index("When L0 is not yours")]
    assert "L0's KVM allows nesting and that L1 can run KVM" in line
    assert "L2 is started at the end of :doc:`start-l1-qemu`" in line
    assert "Start the nested guest (L2)" in _text("how-to/start-l1-qemu.rst")
    assert "start l2" not in _text("how-to/verify.rst").lower()


def test_m3_both_distribution_tab_sets_are_group_tabs():
    """Plain tabs do not sync: step 1's tabs and step 2's grouped ones are group tabs
    (nested-kvm.js selects "Fedora / RHEL / Arch / openSUSE" for Fedora)."""
    text = (SOURCE / "how-to/distributions.rst").read_text(encoding="utf-8")
    assert not re.search(r"^\s*\.\. tab::", text, re.M)
    for label in ("Debian", "Fedora", "openSUSE", "Debian / Ubuntu",
                  "Fedora / RHEL / Arch / openSUSE"):  # fmt: skip
        assert f".. group-tab:: {label}\n" in text, label


def test_m5_how_to_pages_summarise_the_release_tables_and_link_them(built_site):
    """enable-x86 and verify each embedded two 45-row tables (about 90 source links
    before the steps at 375 px); the reference page keeps them."""
    for page in ("how-to/enable-x86.rst", "how-to/verify.rst"):
        assert "kernel-param-history" not in _text(page), page
    enable = _text("how-to/enable-x86.rst")
    assert ":kernel-default:`x86/kvm_amd nested@all` in every release of the data" in enable
    assert ":ref:`Since which version <versions-nested-x86>`" in enable
    verify = _text("how-to/verify.rst")
    assert ":kernel-default:`x86/kvm_intel enable_shadow_vmcs@all`" in verify
    assert ":ref:`Since which version <versions-x86-extras>`" in verify
    versions = _text("reference/versions.rst")
    for param in ("x86/kvm_intel nested", "x86/kvm_amd nested",
                  "x86/kvm_intel enable_shadow_vmcs", "x86/kvm_amd npt"):  # fmt: skip
        assert f".. kernel-param-history:: :param: {param}" in versions, param
    for page in ("how-to/enable-x86.html", "how-to/verify.html"):
        html = (built_site / "html" / page).read_text(encoding="utf-8")
        assert "nested-reference" not in html, page
        assert html.count('class="reference external') < 40, page
    text = _html_text(built_site, "how-to/enable-x86.html")
    assert "nested was N, off, up to Linux 4.19;" in text  # said once: walk 18
    assert "made it Y from Linux 4.20." in text
    assert "kvm_amd’s nested is 1 in every release of the data" in text


def test_l1_readers_words_find_the_entry_and_the_enabling_page(built_site):
    """The query "vmx flag missing" listed only the troubleshooting page; "nested=1" ranked
    confidential-vms first. Index entries (main ones, which Sphinx's search lists
    above the full-text results) link the entry and the step."""
    raw = (built_site / "html" / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(raw[raw.index("(") + 1 : raw.rindex(")")])
    docs = index["docnames"]
    entries = index["indexentries"]
    for query, page in (("vmx flag missing", "troubleshooting"),
                        ("svm flag missing", "troubleshooting"),
                        ("nested=1", "how-to/enable-x86")):  # fmt: skip
        ((doc, anchor, main),) = entries[query]
        assert (docs[doc], main) == (page, True), query
        html = (built_site / "html" / f"{page}.html").read_text(encoding="utf-8")
        assert f'id="{anchor}"' in html
    entry = _text("troubleshooting.rst")
    entry = entry[entry.index(".. _troubleshooting-no-vmx:") :]
    assert "the ``vmx`` flag (Intel) or the ``svm`` flag (AMD) is missing" in entry[:600]


def test_l2_verify_says_the_avic_change_once_and_agrees_with_the_claim(built_site):
    """Verify said "From Linux 5.13 or 5.14 both are bool", then "so 5.13 has it": the data's gap
    was said by the releases with data around it (a role), then a claim settled it.  Since
    5.13 has data (Ubuntu's 5.13.0 orig tarball) the data itself says 5.13, with the commit."""
    verify = _text("how-to/verify.rst")
    assert ":kernel-first:`x86/kvm_amd avic type=bool` (:claim:`commit 28a4aa1160d7" in verify
    assert ":kernel-between:`x86/kvm_amd avic type=bool`" not in verify
    assert ":kernel-until:`x86/kvm_amd avic type=int`" not in verify
    text = _html_text(built_site, "how-to/verify.html")
    assert "5.13 or 5.14" not in text and "between 5.12 and 5.14" not in text
    assert "became a bool in 5.13 (commit 28a4aa1160d7" in text


def test_l2_kernel_between_refuses_a_change_that_is_not_in_a_gap(tmp_path):
    from tests.test_sphinx_ext import _build, _site

    page = "A\n=\n\nIt changed :kernel-between:`x86/kvm_intel nested default=Y`.\n"
    proc = _build(_site(tmp_path, {"a": page}), tmp_path / "out")
    assert proc.returncode != 0
    assert "not in a gap of the data: write :kernel-first:" in proc.stderr


def test_l6_the_redaction_rules_are_lists_not_two_long_paragraphs(built_site):
    html = (built_site / "html" / "reference" / "cli.html").read_text(encoding="utf-8")
    start = html.index("Secrets are replaced by")
    end = html.index("Each command runs without a shell")
    section = html[start:end]
    longest = max(len(re.sub(r"<[^>]+>", "", p).split())
                  for p in re.findall(r"<p>(.*?)</p>", section, re.S))  # fmt: skip
    assert longest < 250, longest
    assert section.count("<li>") >= 40
    for heading in ("Names that count.", "Where such a name’s value is redacted:",
                    "Forms of particular tools", "Other forms, whatever the name:",
                    "How words and values are read:"):  # fmt: skip
        assert heading in re.sub(r"<[^>]+>", "", section), heading


def test_l7_the_home_page_says_where_to_start_before_the_test_statistics(built_site):
    home = _text("index.rst")
    assert home.index("Where to start") < home.index(".. proof-counts::")
    assert home.index("Where to start") < home.index(".. data-freshness::")
    text = _html_text(built_site, "index.html")
    assert text.index("Where to start") < text.index("code blocks")


def test_l10_enable_x86_names_the_verify_section_in_words():
    """The link ":ref:`verify-l0`" rendered as "(On the host (L0))" mid-sentence."""
    enable = _text("how-to/enable-x86.rst")
    assert "(:ref:`verify-l0`)" not in enable
    assert "(see :ref:`the host checks on the verify page <verify-l0>`)" in enable
