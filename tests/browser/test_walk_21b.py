"""New-reader walk 21b in Chromium: a search for "ubuntu" listed "Enable nesting when
KVM is built into the kernel" (one "On Debian and Ubuntu" heading) above the
distributions page, whose Ubuntu tab is what the reader wanted; the Arch-only
dnsmasq paragraph showed under every distribution tab; on a phone the copy button
covered the end of a code block's long first line."""

from __future__ import annotations

import pytest

from tests.browser.conftest import IN_CI, browser_unavailable
from tests.browser.test_site import search_results

if browser_unavailable() and not IN_CI:
    pytest.skip(f"browser tests: {browser_unavailable()}", allow_module_level=True)

PHONE = {"width": 390, "height": 844}


def test_ubuntu_lists_the_distributions_page_first(page, guide):
    assert search_results(page, guide, "ubuntu")[0] == "how-to/distributions.html"


def test_the_arch_dnsmasq_note_shows_under_the_arch_tab_only(page, guide):
    page.goto(guide.url + "how-to/distributions.html")
    note = page.get_by_text("The line above also installs", exact=False)
    page.get_by_role("tab", name="Debian", exact=True).first.click()
    assert not note.is_visible()
    page.get_by_role("tab", name="Arch", exact=True).first.click()
    assert note.is_visible()


# Each copyable block scrolled to its right end: where its first line's text ends
# and where its copy button starts, in the viewport.
_FIRST_LINES = """() => [...document.querySelectorAll('div.highlight')].flatMap((box) => {
  const button = box.querySelector(':scope > button.copybtn');
  const pre = box.querySelector(':scope > pre');
  if (!button || !pre || !pre.offsetParent) return [];
  pre.scrollLeft = pre.scrollWidth;
  const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  range.setStart(pre, 0);
  let node;
  while ((node = walker.nextNode())) {
    const at = node.data.indexOf('\\n');
    if (at >= 0) { range.setEnd(node, at); break; }
    range.setEnd(node, node.data.length);
  }
  const rects = [...range.getClientRects()].filter((r) => r.width > 0);
  const b = button.getBoundingClientRect();
  const end = Math.max(...rects.map((r) => r.right));
  const top = Math.min(...rects.map((r) => r.top));
  const bottom = Math.max(...rects.map((r) => r.bottom));
  return [{line: range.toString(), end, top, bottom,
           left: b.left, btop: b.top, bbottom: b.bottom}];
})"""


@pytest.mark.parametrize("path", ["how-to/arm64.html", "how-to/distributions.html",
                                  "how-to/clouds.html"])  # fmt: skip
def test_the_copy_button_leaves_the_first_line_readable_on_a_phone(page, guide, path):
    page.set_viewport_size(PHONE)
    page.goto(guide.url + path)
    # every tab panel shown, so that each block has its size
    page.add_style_tag(content=".sphinx-tabs-panel[hidden] { display: block !important; }")
    lines = page.evaluate(_FIRST_LINES)
    assert lines
    covered = [
        ln["line"]
        for ln in lines
        if ln["end"] > ln["left"] + 0.5 and ln["bottom"] > ln["btop"] and ln["top"] < ln["bbottom"]
    ]
    assert covered == []
