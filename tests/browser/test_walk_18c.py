"""New-reader walk 18c in Chromium: a search hit for a page whose headings hold none of
the searched words opened the page at its top; it lands where the words are."""

from __future__ import annotations

import pytest

from tests.browser.conftest import IN_CI, browser_unavailable
from tests.browser.test_site import _wait_heading_in_view, open_hit

if browser_unavailable() and not IN_CI:
    pytest.skip(f"browser tests: {browser_unavailable()}", allow_module_level=True)


@pytest.mark.parametrize(
    ("query", "path", "anchor", "words"),
    [
        # an error code quoted in the Symptom paragraph, not in the entry's title
        ("VERR_VMX_IN_VMX_ROOT_MODE", "troubleshooting.html", "troubleshooting-virtualbox",
         "VERR_VMX_IN_VMX_ROOT_MODE"),
        # a bullet of "What can go wrong", far down the Windows page
        ("automatic repair", "how-to/windows-hyperv.html", "what-can-go-wrong",
         "Automatic Repair"),
        ("shadow mmu", "how-to/security.html", "what-nesting-adds-to-the-attack-surface",
         "shadow MMU"),
    ],
)  # fmt: skip
def test_a_hit_for_words_in_no_heading_lands_on_the_paragraph(page, guide, query, path,
                                                              anchor, words):  # fmt: skip
    page.set_viewport_size({"width": 375, "height": 812})
    open_hit(page, guide, query, path)
    page.wait_for_function(f"() => location.hash === '#{anchor}' && scrollY > 300")
    # once the (smooth) scrolling has stopped, the first paragraph with the words
    # starts on screen, below the phone's header
    page.wait_for_function(
        "() => { const y = scrollY, same = window._y === y; window._y = y; return same; }",
        polling=300,
        timeout=5000,
    )
    top, header = page.evaluate(
        """(words) => [
            [...document.querySelectorAll("article p")]
                .find((p) => p.textContent.includes(words)).getBoundingClientRect().top,
            document.querySelector("header.mobile-header").getBoundingClientRect().bottom,
        ]""",
        words,
    )
    assert header <= top < 812 / 2, (top, header)


def test_the_ci_fix_and_wsl_2_are_reached_by_their_words(page, guide):
    """ "github actions" opened Troubleshooting at its top; "wsl2 kvm" the built-in KVM
    page at its top, above the WSL 2 section."""
    page.set_viewport_size({"width": 375, "height": 812})
    open_hit(page, guide, "github actions", "troubleshooting.html")
    page.wait_for_function("() => location.hash === '#troubleshooting-ci-kvm'")
    _wait_heading_in_view(page, "troubleshooting-ci-kvm")
    open_hit(page, guide, "wsl2 kvm", "how-to/builtin-kvm.html")
    page.wait_for_function("() => location.hash === '#builtin-kvm-wsl'")
    _wait_heading_in_view(page, "builtin-kvm-wsl")
    # the words all in the opening part: the page stays at its top
    open_hit(page, guide, "power", "how-to/power.html")
    assert page.evaluate("location.hash") == "" and page.evaluate("scrollY") == 0


def test_home_links_reach_kvm_in_wsl_2_and_the_host_check(page, guide):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(guide.url)
    start = page.locator("article li").filter(has_text="KVM inside WSL 2 on your own")
    start.get_by_role("link", name="WSL 2 as L1", exact=True).click()
    page.wait_for_url("**/how-to/builtin-kvm.html#builtin-kvm-wsl")
    page.goto(guide.url + "how-to/windows-hyperv.html")
    wrong = page.locator("article li").filter(has_text="Automatic Repair after you enable")
    wrong.get_by_role("link", name="Check the host").click()
    page.wait_for_url("**/how-to/windows-hyperv.html#windows-hyperv-host")
    _wait_heading_in_view(page, "windows-hyperv-host")
