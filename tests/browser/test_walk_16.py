"""New-reader walk 16 in Chromium: distribution tabs that follow each other, the
phone header's drawer toggles by keyboard, the back-to-top pill over tables."""

from __future__ import annotations

import pytest

from tests.browser.conftest import IN_CI, browser_unavailable
from tests.browser.test_site import (
    TABLISTS,
    click_tab,
    run_axe,
    selected_labels,
    visible_panels,
)

if browser_unavailable() and not IN_CI:
    pytest.skip(f"browser tests: {browser_unavailable()}", allow_module_level=True)

GROUPED = {
    "Debian": "Debian / Ubuntu",
    "Ubuntu": "Debian / Ubuntu",
    "Fedora": "Fedora / RHEL / Arch / openSUSE",
    "RHEL": "Fedora / RHEL / Arch / openSUSE",
    "Arch": "Fedora / RHEL / Arch / openSUSE",
    "openSUSE": "Fedora / RHEL / Arch / openSUSE",
}


def _distribution_sets(page) -> tuple[int, int]:
    """Indexes of step 1's tab set (one tab per distribution) and step 2's."""
    labels = page.eval_on_selector_all(
        TABLISTS, "ls => ls.map(l => [...l.querySelectorAll('[role=tab]')]"
        ".map(t => t.textContent.trim()))",
    )  # fmt: skip
    step1 = next(i for i, tabs in enumerate(labels) if "Fedora" in tabs)
    step2 = next(i for i, tabs in enumerate(labels) if "Debian / Ubuntu" in tabs)
    return step1, step2


def test_m3_choosing_a_distribution_selects_its_grouped_tab_in_step_2(page, guide):
    """Choosing Fedora in step 1 left step 2 on "Debian / Ubuntu"."""
    page.goto(guide.url + "how-to/distributions.html")
    step1, step2 = _distribution_sets(page)
    for choice in ["Fedora", "Ubuntu", "openSUSE", "Debian", "Arch", "RHEL"]:
        click_tab(page, choice, nth=step1)
        chosen = selected_labels(page)
        assert chosen[step1] == choice
        assert chosen[step2] == GROUPED[choice], (choice, chosen)
        assert GROUPED[choice] in visible_panels(page)
    page.reload()  # the choice is remembered like a vendor
    chosen = selected_labels(page)
    assert (chosen[step1], chosen[step2]) == ("RHEL", GROUPED["RHEL"]), chosen


def test_m3_a_remembered_distribution_keeps_the_remembered_vendor(page, guide):
    """The page has vendor tabs too: choosing a distribution after AMD keeps AMD."""
    page.goto(guide.url + "how-to/distributions.html")
    step1, step2 = _distribution_sets(page)
    vendor = next(i for i, s in enumerate(selected_labels(page)) if s == "Intel")
    click_tab(page, "AMD", nth=vendor)
    click_tab(page, "Arch", nth=step1)
    page.reload()
    chosen = selected_labels(page)
    assert (chosen[step1], chosen[step2], chosen[vendor]) == (
        "Arch", GROUPED["Arch"], "AMD"), chosen  # fmt: skip


def _tab_to(page, selector: str, presses: int = 30) -> None:
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def test_m6_phone_header_toggles_work_by_keyboard_alone(chromium, guide, axe_js):
    """At 375 px Furo's menu and "on this page" toggles were <label>s Tab skipped:
    no navigation and no search for a keyboard user."""
    ctx = chromium.new_context(viewport={"width": 375, "height": 800})
    page = ctx.new_page()
    try:
        page.goto(guide.url + "how-to/verify.html")
        assert run_axe(page, axe_js) == []  # a <label> may not be role=button
        _tab_to(page, "label.nav-overlay-icon > button")
        attrs = page.evaluate(
            "(() => { const e = document.activeElement; return [e.tagName,"
            " e.getAttribute('aria-label'), e.getAttribute('aria-expanded'),"
            " getComputedStyle(e).outlineStyle]; })()"
        )
        assert attrs[:3] == ["BUTTON", "Site navigation and search", "false"], attrs
        assert attrs[3] == "solid", attrs
        page.keyboard.press("Enter")
        assert page.evaluate("document.getElementById('__navigation').checked")
        assert page.evaluate("document.activeElement.classList.contains('sidebar-search')")
        expanded = "document.querySelector('.nav-overlay-icon > button').ariaExpanded"
        assert page.evaluate(expanded) == "true"
        page.keyboard.press("Escape")  # closes, back on the button
        assert not page.evaluate("document.getElementById('__navigation').checked")
        assert page.evaluate("document.activeElement.matches('label.nav-overlay-icon > button')")
        page.keyboard.press(" ")  # Space opens too; then search from the keyboard
        page.keyboard.type("nested")
        page.keyboard.press("Enter")
        page.wait_for_url("**/search.html?q=nested*")
        page.go_back()
        page.wait_for_load_state()
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.evaluate("window.scrollTo(0, 0)")
        _tab_to(page, "label.toc-header-icon > button")
        assert page.evaluate("document.activeElement.getAttribute('aria-label')") == (
            "Contents of this page"
        )
        page.keyboard.press(" ")
        assert page.evaluate("document.getElementById('__toc').checked")
        assert page.evaluate("!!document.activeElement.closest('.toc-drawer')")
        page.keyboard.press("Enter")  # follows the first contents link
        assert page.evaluate("location.hash") != ""
    finally:
        ctx.close()


@pytest.mark.parametrize("path", ["reference/cli.html", "how-to/verify.html",
                                  "reference/versions.html"])  # fmt: skip
def test_l9_back_to_top_pill_covers_no_text_on_a_phone(chromium, guide, path):
    """At 375 px the pill hung below the header, over the table being read. It sits
    in the header bar, clear of its buttons; and nothing makes the page scroll
    sideways (long commands scroll inside their block)."""
    ctx = chromium.new_context(viewport={"width": 375, "height": 800})
    page = ctx.new_page()
    try:
        page.goto(guide.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        page.evaluate("window.scrollTo(0, 3000)")
        page.wait_for_timeout(200)
        page.mouse.move(180, 400)
        page.mouse.wheel(0, -300)  # scrolling up shows the pill
        page.wait_for_function("document.documentElement.classList.contains('show-back-to-top')")
        boxes = page.evaluate(
            """(() => {
                const r = (s) => { const e = document.querySelector(s);
                  const b = e.getBoundingClientRect();
                  return [b.left, b.top, b.right, b.bottom]; };
                return { pill: r('.back-to-top'), header: r('header.mobile-header'),
                         left: r('.header-left'), right: r('.header-right') };
            })()"""
        )
        pill, header = boxes["pill"], boxes["header"]
        assert pill[2] > pill[0], boxes  # shown
        assert header[1] <= pill[1] and pill[3] <= header[3], boxes
        assert pill[0] >= boxes["left"][2] and pill[2] <= boxes["right"][0], boxes
    finally:
        ctx.close()
