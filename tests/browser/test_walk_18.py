"""New-reader walk 18 leftovers and walk 18c in Chromium: a grouped tab chosen in
step 2 sets step 1's tab too."""

from __future__ import annotations

import pytest

from tests.browser.conftest import IN_CI, browser_unavailable
from tests.browser.test_site import TABLISTS, click_tab, selected_labels
from tests.browser.test_walk_16 import _distribution_sets

if browser_unavailable() and not IN_CI:
    pytest.skip(f"browser tests: {browser_unavailable()}", allow_module_level=True)

OTHERS = "Fedora / RHEL / Arch / openSUSE"
DEBIAN = "Debian / Ubuntu"


def _top(page, nth: int, label: str) -> float:
    tab = page.locator(TABLISTS).nth(nth).get_by_role("tab", name=label, exact=True)
    return tab.bounding_box()["y"]


def test_choosing_a_grouped_tab_in_step_2_selects_a_tab_it_covers_in_step_1(page, guide):
    """Choosing "Fedora / RHEL / Arch / openSUSE" in step 2 left step 1 on Debian,
    so step 1 showed the commands of a distribution the reader had ruled out."""
    page.goto(guide.url + "how-to/distributions.html")
    step1, step2 = _distribution_sets(page)
    assert selected_labels(page)[step1] == "Debian"
    page.locator(TABLISTS).nth(step2).scroll_into_view_if_needed()
    before = _top(page, step2, OTHERS)
    click_tab(page, OTHERS, nth=step2)
    chosen = selected_labels(page)
    assert (chosen[step1], chosen[step2]) == ("Fedora", OTHERS), chosen
    # step 1, above, changed height: the clicked tab stays where it was
    assert abs(_top(page, step2, OTHERS) - before) <= 2
    # a covered distribution chosen earlier is kept, not replaced by the first one
    click_tab(page, "RHEL", nth=step1)
    click_tab(page, DEBIAN, nth=step2)
    assert selected_labels(page)[step1] == "Debian"
    click_tab(page, OTHERS, nth=step2)
    assert selected_labels(page)[step1] == "RHEL"
    page.reload()  # remembered like any choice
    chosen = selected_labels(page)
    assert (chosen[step1], chosen[step2]) == ("RHEL", OTHERS), chosen


def test_a_grouped_choice_alone_is_remembered_for_step_1(page, guide):
    """Only step 2's tab chosen: after a reload step 1 still shows a tab it covers."""
    page.goto(guide.url + "how-to/distributions.html")
    step1, step2 = _distribution_sets(page)
    click_tab(page, OTHERS, nth=step2)
    page.reload()
    chosen = selected_labels(page)
    assert (chosen[step1], chosen[step2]) == ("Fedora", OTHERS), chosen
