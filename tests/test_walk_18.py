"""New-reader walk 18 leftovers and walk 18c (enable nesting on an AMD host, then on
an Arm64 host): findings pinned to the page sources and the built site.  The browser
findings are in tests/browser/test_walk_18.py.

Whitespace is normalised, so rewrapping a paragraph does not break these.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.fact_findings import page_text as _text


def _search_index(built_site: Path) -> dict:
    raw = (built_site / "html" / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(raw[raw.index("(") + 1 : raw.rindex(")")])


def _section_ids(built_site: Path, docname: str) -> set[str]:
    html = (built_site / "html" / f"{docname}.html").read_text(encoding="utf-8")
    return set(re.findall(r'<section id="([^"]+)"', html))


def test_search_hits_for_index_entries_land_on_their_section(built_site):
    """Hits for "nested=1", "vmx flag missing" or NESTED_KVM_GUIDE_URL linked to
    #index-0: a target just under the heading, or in mid-paragraph, that names
    nothing. They link to the section that holds the entry; definitions keep theirs."""
    index = _search_index(built_site)
    docs = index["docnames"]
    generated = []
    for entry, hits in index["indexentries"].items():
        for doc, anchor, _main in hits:
            docname = docs[doc]
            if re.fullmatch(r"index-\d+", anchor):
                generated.append((entry, docname, anchor))
            elif not anchor.startswith(("envvar-", "cmdoption-")):
                assert anchor in _section_ids(built_site, docname), (entry, docname, anchor)
    assert not generated, generated
    expected = {
        "nested=1": ("how-to/enable-x86", "enable-nesting-until-the-next-reboot"),
        "vmx flag missing": ("troubleshooting", "l1-cannot-load-kvm-no-vmx-or-svm"),
    }
    for entry, (docname, section) in expected.items():
        ((doc, anchor, main),) = index["indexentries"][entry]
        assert (docs[doc], anchor, main) == (docname, section, True), entry
    # the general index still links each entry's own target
    genindex = (built_site / "html" / "genindex.html").read_text(encoding="utf-8")
    assert 'href="how-to/enable-x86.html#index-0"' in genindex
    guide_url = [a for _d, a, _m in index["indexentries"]["nested_kvm_guide_url"]]
    assert "envvar-NESTED_KVM_GUIDE_URL" in guide_url


def _paragraphs(built_site: Path, page: str) -> list[str]:
    html = (built_site / "html" / page).read_text(encoding="utf-8")
    html = html[html.index("<article") : html.index("</article>")]
    texts = (re.sub(r"<[^>]+>", "", p) for p in re.findall(r"<p>(.*?)</p>", html, re.S))
    return [" ".join(t.split()) for t in texts]


def test_the_cli_reference_has_no_wall_of_text(built_site):
    """cli.rst had paragraphs of 150 to 416 words (--running, report, the hostile-input
    rules): each is now split where its subject changes, or made a list."""
    long = [(len(p.split()), p[:60]) for p in _paragraphs(built_site, "reference/cli.html")
            if len(p.split()) > 125]  # fmt: skip
    assert not long, long
    files = _paragraphs(built_site, "reference/cli.html")
    assert "Each read is capped." in files
    assert "Writes a Markdown report:" in files


def test_enable_x86_says_the_intel_default_boundaries_once(built_site):
    """The page said "up to 4.19 kvm_intel shipped with nested off ... turned it on for
    4.20", then "In short, nested is N up to 4.19 and Y from 4.20": each boundary, and
    each default, is now said once, by the same roles."""
    enable = _text("how-to/enable-x86.rst")
    assert "In short" not in enable
    for role in (":kernel-until:`x86/kvm_intel nested default=N`",
                 ":kernel-since:`x86/kvm_intel nested default=Y`",
                 ":kernel-default:`x86/kvm_intel nested@<4.20`",
                 ":kernel-default:`x86/kvm_intel nested@>=4.20`",
                 ":kernel-default:`x86/kvm_amd nested@all`"):  # fmt: skip
        assert enable.count(role) == 1, role
    html = (built_site / "html" / "how-to" / "enable-x86.html").read_text(encoding="utf-8")
    html = html[html.index("<article") : html.index("</article>")]
    prose = " ".join(
        re.sub(r"<[^>]+>", "", p) for p in re.findall(r"<p>(.*?)</p>", html, re.S)
        if "Run on the fake host" not in p
    )  # fmt: skip
    prose = " ".join(prose.split())
    assert prose.count("4.19") == 1 and prose.count("4.20") == 1, prose


def _between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def test_walk18c_m1_the_home_quick_check_says_what_to_do_next():
    """An AMD reader saw 0 on the home page and got no next step; an Arm64 reader was
    told to read "your vendor's" parameter, which Arm64 does not have."""
    home = _text("index.rst")
    quick = _between(home, "Quick check: is nesting on?", "Where to start")
    after = quick[quick.index(".. snippet-tabs:: enable.check_nested") :]
    assert "``No such file or directory`` that the module is not loaded" in after
    # enable-x86 answers both (M2); the home page links no troubleshooting entry
    # (test_site_build: its messages would make it outrank Troubleshooting in search)
    assert ":ref:`enable-nested-x86` says what to do in either case" in after
    assert "This check is for Intel and AMD hosts" in quick
    assert ":doc:`how-to/arm64`" in quick


def test_walk18c_m2_enable_x86_says_what_a_missing_parameter_file_means():
    """The first step showed Y/1 and N/0 only; "No such file or directory" (the module
    not loaded) was answered only by "See Troubleshooting" at the page's end."""
    step = _between(_text("how-to/enable-x86.rst"), "Check whether nesting is on",
                    ".. snippet-tabs:: enable.check_nested_off")  # fmt: skip
    assert "``No such file or directory``" in step
    assert ":ref:`troubleshooting-not-loaded`" in step


def test_walk18c_m3_arm64_checks_l1_before_l2():
    """The page went from starting L1 straight to starting L2: nothing said how to
    tell that L1 got EL2 and its KVM started (the verify page covers x86 only)."""
    between = _between(_text("how-to/arm64.rst"), ".. snippet:: arm64.l1_qemu",
                       ".. snippet:: arm64.l2_qemu")  # fmt: skip
    assert "``/dev/kvm`` exists in L1" in between
    assert ":ref:`troubleshooting-hyp-mode`" in between
    assert "``nested-kvm check`` (:ref:`install-checker`)" in between
    # the firmware path is Debian's and Ubuntu's (arm64.l1_qemu's docstring): said so
    assert "Debian's and Ubuntu's ``qemu-efi-aarch64`` package" in between


def test_walk18c_m4_verify_says_its_hand_checks_are_for_x86():
    """An Arm64 reader who followed "Verify that nesting works" found Intel and AMD
    checks only, with nothing saying where Arm64's are."""
    intro = _between(_text("how-to/verify.rst"), "Verify that nesting works", "On the host (L0)")
    assert "on Intel and AMD hosts" in intro
    assert ":doc:`arm64`" in intro and ":doc:`s390x`" in intro and ":doc:`power`" in intro


def test_walk18c_l1_how_to_index_descriptions_do_not_repeat_the_titles(built_site):
    """The index said "Make nested guests fast enough: make nested guests fast enough." and
    four more like it: each line now says what the page covers."""
    html = (built_site / "html" / "how-to" / "index.html").read_text(encoding="utf-8")
    html = html[html.index("<article") : html.index("</article>")]
    items = re.findall(r"<li><p>(.*?)</p>", html, re.S)
    assert len(items) >= 14, items
    repeated = []
    for item in items:
        text = " ".join(re.sub(r"<[^>]+>", "", item).replace("’", "'").split())
        titles = [" ".join(re.sub(r"<[^>]+>", "", t).replace("’", "'").split()) for t in
                  re.findall(r'<span class="doc">(.*?)</span>', item, re.S)]  # fmt: skip
        for title in titles[:1]:  # the item's subject; later links are in its text
            rest = text.split(title, 1)[1].lstrip(": ").rstrip(".").lower()
            if rest and (rest in title.lower() or
                         title.lower().startswith(rest[: len(rest) // 2])):  # fmt: skip
                repeated.append(text)
    assert not repeated, repeated


def test_walk18c_l3_start_l1_says_the_default_model_lacks_svm_too():
    """An AMD reader read "QEMU's default CPU model does not expose vmx" and nothing
    about svm. The default model (qemu64) has svm in its definition, which KVM's
    defaults switch off, in every QEMU release of the data."""
    from nested_snippets import qemu

    for version in qemu.versions():
        release = qemu.release(version)
        model = release.cpu_model("qemu64")
        assert (model.vmx, model.svm, release.kvm_flag("qemu64", "svm")) == (
            False, True, False), version  # fmt: skip
    intro = _between(_text("how-to/start-l1-qemu.rst"), "A guest can run KVM", "Pass the host")
    assert "does not expose ``vmx``, so" not in intro
    assert "it has no ``vmx``, and under KVM its ``svm`` is switched off" in intro
