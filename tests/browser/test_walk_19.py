"""New-reader walk 19 in Chromium, on a 375 px phone: the Arm64 page's FEAT_NV2 table
broke words mid-word, a search for "/dev/kvm" listed pages that mention it above the
troubleshooting entries titled with it, and a code block's copy button was invisible
on a touch screen (nothing hovers there)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import IN_CI, browser_unavailable
from tests.browser.test_site import SPLIT_WORDS_JS, _wait_heading_in_view, search_results

if browser_unavailable() and not IN_CI:
    pytest.skip(f"browser tests: {browser_unavailable()}", allow_module_level=True)

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def phone(chromium):
    ctx = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    yield ctx
    ctx.close()


def test_arm64_table_reads_on_a_phone(phone, guide):
    """Each row is a card the page's width: no word cut mid-word, nothing to scroll
    sideways, and every cell but the first says which column it is."""
    page = phone.new_page()
    page.goto(guide.url + "how-to/arm64.html")
    table = page.locator("article table").filter(has_text="What the source says")
    assert table.count() == 1
    assert table.evaluate(SPLIT_WORDS_JS) == []
    wrapper = table.locator("xpath=..")
    assert wrapper.evaluate("w => w.scrollWidth <= w.clientWidth + 1")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    cells = table.evaluate(
        """(t) => [...t.querySelectorAll("tbody tr")].map((tr) => [...tr.children].map((td) => {
              const r = td.getBoundingClientRect();
              return [r.left, r.right, getComputedStyle(td, "::before").content];
           }))"""
    )
    assert len(cells) >= 3
    for row in cells:
        assert all(left >= 0 and right <= PHONE["width"] for left, right, _ in row), row
        assert [label for _, _, label in row[1:]] == ['"Found in"', '"What the source says"']


def test_the_arm64_table_keeps_its_columns_on_a_desktop(page, guide):
    page.goto(guide.url + "how-to/arm64.html")
    table = page.locator("article table").filter(has_text="What the source says")
    assert table.locator("thead").is_visible()
    tops = table.locator("tbody tr").first.evaluate(
        "(tr) => [...tr.children].map((td) => Math.round(td.getBoundingClientRect().top))"
    )
    assert len(set(tops)) == 1, tops


def _dev_kvm_entries(guide) -> list[str]:
    """Labels of the troubleshooting entries whose headings hold /dev/kvm (entries are
    third-level headings, under the groups of session 21)."""
    text = (guide.root / "troubleshooting.html").read_text()
    found = re.findall(r'<span id="([^"]+)"></span><h3>(.*?)</h3>', text)
    return [anchor for anchor, heading in found if "/dev/kvm" in re.sub(r"<[^>]+>", "", heading)]


def test_dev_kvm_lists_the_troubleshooting_entries_first(page, guide):
    entries = _dev_kvm_entries(guide)
    assert len(entries) >= 3, entries
    search_results(page, guide, "/dev/kvm")
    hrefs = page.eval_on_selector_all(
        "#search-results ul.search li > a", "as => as.map(a => a.getAttribute('href'))"
    )
    first = hrefs[: len(entries)]
    assert sorted(first) == sorted(f"troubleshooting.html#{a}" for a in entries), hrefs
    assert first[0] == f"troubleshooting.html#{entries[0]}", hrefs  # The host has no /dev/kvm
    summary = page.locator("#search-results ul.search li").first.locator("p.context")
    assert "does not exist" in summary.inner_text(), "the hit shows its entry's text"
    page.set_viewport_size(PHONE)
    page.locator("#search-results ul.search li > a").first.click()
    page.wait_for_url(f"**/troubleshooting.html#{entries[0]}")
    _wait_heading_in_view(page, entries[0])


def test_no_vmx_lists_the_entry_for_an_l1_without_vmx_first(page, guide):
    """Walk goal "my L1 has no vmx": "no vmx" (one indexed word: "no" is a stopword)
    listed the live-migration page first and Troubleshooting second."""
    search_results(page, guide, "no vmx")
    first = page.locator("#search-results ul.search li > a").first
    assert first.inner_text() == "Troubleshooting > L1 cannot load KVM: no vmx or svm"
    assert first.get_attribute("href").startswith("troubleshooting.html#")


def test_a_whole_entry_title_is_listed_once(page, guide):
    """Sphinx lists the entry itself (by its section id): no second hit by its label."""
    search_results(page, guide, "Could not access KVM kernel module: Permission denied")
    titles = page.eval_on_selector_all(
        "#search-results ul.search li > a", "as => as.map(a => a.innerText)"
    )
    entry = "Troubleshooting > Could not access KVM kernel module: Permission denied"
    assert titles.count(entry) == 1, titles


def test_a_one_word_search_lists_no_headings(page, guide):
    """Headings are listed for two words or more: "kvm" alone, in some twenty
    troubleshooting headings, lists the page once."""
    search_results(page, guide, "kvm")
    hrefs = page.eval_on_selector_all(
        "#search-results ul.search li > a", "as => as.map(a => a.getAttribute('href'))"
    )
    assert "troubleshooting.html" in hrefs, hrefs
    assert not [h for h in hrefs if h.startswith("troubleshooting.html#")], hrefs


def _long_blocks(page) -> list[int]:
    """Indexes of the visible code blocks with a copy button that scroll sideways."""
    return page.evaluate(
        """() => [...document.querySelectorAll("div.highlight")].map((h, i) => {
              const pre = h.querySelector(":scope > pre");
              return pre && h.querySelector(":scope > button.copybtn") && pre.offsetParent
                && pre.scrollWidth > pre.clientWidth + 1 ? i : -1;
           }).filter((i) => i >= 0)"""
    )


BLOCK_JS = """(h) => {
  const pre = h.querySelector(":scope > pre"), button = h.querySelector("button.copybtn");
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.right, r.top]; };
  const range = document.createRange();
  range.selectNodeContents(pre);
  const textRight = Math.max(...[...range.getClientRects()].map((r) => r.right));
  return {overflow: getComputedStyle(pre).overflowX, opacity: getComputedStyle(button).opacity,
          button: box(button), pre: box(pre), textRight, scrollLeft: pre.scrollLeft};
}"""


@pytest.mark.parametrize("path", ["how-to/arm64.html", "reference/cli.html"])
def test_long_code_lines_scroll_inside_their_block_on_a_phone(phone, guide, path):
    """The block scrolls sideways, not the page; on a touch screen the copy button is
    shown without hovering, stays where it is while the block scrolls, no line ends
    under it, and a tap copies the command."""
    phone.grant_permissions(["clipboard-read", "clipboard-write"], origin=guide.url.rstrip("/"))
    page = phone.new_page()
    page.goto(guide.url + path)
    blocks = _long_blocks(page)
    assert blocks, f"{path}: no code block wider than a phone: nothing was tested"
    page.wait_for_timeout(400)  # the button's opacity transition is 0.3 s
    for i in blocks:
        block = page.locator("div.highlight").nth(i)
        block.scroll_into_view_if_needed()
        before = block.evaluate(BLOCK_JS)
        assert before["overflow"] in ("auto", "scroll"), before
        assert before["opacity"] == "1", before
        assert before["button"][0] >= 0 and before["button"][1] <= PHONE["width"], before
        block.locator(":scope > pre").evaluate("(pre) => { pre.scrollLeft = pre.scrollWidth; }")
        after = block.evaluate(BLOCK_JS)
        assert after["scrollLeft"] > 0, after
        assert after["button"] == before["button"], (before, after)
        assert after["textRight"] <= after["button"][0] + 0.5, after
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    block = page.locator("div.highlight").nth(blocks[0])
    block.locator("button.copybtn").tap()
    copied = page.evaluate("navigator.clipboard.readText()")
    shown = block.locator(":scope > pre").inner_text()
    assert copied and not copied.startswith("$") and copied.split()[0] in shown, copied


def test_no_heading_breaks_mid_word_on_a_phone(phone, guide):
    """Furo's 2.5em title broke "Troubleshooting" as "Troubleshooti" / "ng" at 375 px;
    a code name in a section title broke anywhere, "HCS_E_HYPERV_NOT_INSTA" / "LLED"
    (walk 20): it now wraps only after a ``_``, ``/``, ``.``, ``(`` or ``,``."""
    page = phone.new_page()
    split, named = {}, 0
    for path in guide.pages():
        page.goto(guide.url + path)
        named += page.locator("article :is(h2, h3, h4) code wbr").count()
        for heading in page.locator("article :is(h1, h2, h3, h4, h5, h6)").all():
            if words := heading.evaluate(SPLIT_WORDS_JS):
                split.setdefault(path, []).extend(words)
    assert not split, split
    assert named > 20, named


def test_the_phone_header_has_a_search_button(phone, guide):
    """The home page says the search box is at the top of every page; on a phone it
    was inside the closed menu. A header button opens the menu with the focus in the
    search box, whose search lists the /dev/kvm entries; the site's name keeps to one
    line beside the buttons."""
    page = phone.new_page()
    page.goto(guide.url + "how-to/arm64.html")
    header = page.locator("header.mobile-header")
    button = header.get_by_role("button", name="Search the guide")
    assert button.is_visible()
    brand = header.locator(".brand")
    assert brand.evaluate("(b) => b.getClientRects().length") == 1
    assert brand.bounding_box()["height"] < header.bounding_box()["height"]
    button.tap()
    box = page.locator("input.sidebar-search")
    page.wait_for_function("() => document.activeElement?.matches('input.sidebar-search')")
    # on screen once the drawer has slid in (250 ms)
    page.wait_for_function(
        "() => document.querySelector('input.sidebar-search').getBoundingClientRect().left >= 0"
    )
    box.fill("/dev/kvm")
    box.press("Enter")
    page.wait_for_url("**/search.html?q=*")
    page.wait_for_function(
        "() => /Search finished/.test(document.querySelector('#search-results')?.innerText || '')",
        timeout=20000,
    )
    first = page.locator("#search-results ul.search li > a").first
    assert first.get_attribute("href").startswith("troubleshooting.html#"), first.inner_text()


def test_the_header_search_button_works_from_the_keyboard(chromium, guide):
    ctx = chromium.new_context(viewport=PHONE)
    page = ctx.new_page()
    try:
        page.goto(guide.url + "how-to/arm64.html")
        button = page.get_by_role("button", name="Search the guide")
        button.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.activeElement?.matches('input.sidebar-search')")
        page.keyboard.press("Escape")
        page.wait_for_function(
            "() => document.activeElement?.classList.contains('nested-header-search')"
        )
        assert not page.evaluate("document.getElementById('__navigation').checked")
        page.set_viewport_size({"width": 1280, "height": 900})
        assert not button.is_visible()  # Furo's header, and the button, are phone-only
    finally:
        ctx.close()
