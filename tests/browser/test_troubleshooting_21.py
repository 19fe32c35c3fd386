"""Session 21 in Chromium: one word typed alone, and the grouped troubleshooting page.

* ``VERR_VMX_NO_VMX`` (VirtualBox's code when it gets no VT-x) typed alone listed the
  troubleshooting page, whose link opens its top; the entry that quotes it was 40
  screens below. It now lands on the entry, as a pasted message does.
* "GCP" found no page; the clouds page names it.
* The overview links every entry; a link from it lands on its entry.
The page findings are in tests/test_troubleshooting_21.py.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import IN_CI, browser_unavailable
from tests.browser.test_site import _wait_heading_in_view, search_results

if browser_unavailable() and not IN_CI:
    pytest.skip(f"browser tests: {browser_unavailable()}", allow_module_level=True)


def _hrefs(page) -> list[str]:
    return page.eval_on_selector_all(
        "#search-results ul.search li > a", "as => as.map(a => a.getAttribute('href'))"
    )


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("VERR_VMX_NO_VMX", "troubleshooting-no-vmx"),
        ("0x80000021", "troubleshooting-entry-failed-0x80000021"),
        ("svirt_t", "troubleshooting-selinux"),
    ],
)
def test_one_identifier_typed_alone_lands_on_its_entry(page, guide, query, label):
    page.set_viewport_size({"width": 375, "height": 812})
    search_results(page, guide, query)
    assert _hrefs(page)[0] == f"troubleshooting.html#{label}", _hrefs(page)[:4]
    summary = page.locator("#search-results ul.search li").first.locator("p.context")
    assert summary.inner_text().strip(), "the hit shows its entry's text"
    page.locator("#search-results ul.search li > a").first.click()
    page.wait_for_url(f"**/troubleshooting.html#{label}")
    _wait_heading_in_view(page, label)


def test_an_identifier_many_entries_quote_lists_no_entry_first(page, guide):
    """kvm_intel is in 16 entries: none of them is the answer, the pages come first."""
    search_results(page, guide, "kvm_intel")
    hrefs = _hrefs(page)
    assert hrefs and not hrefs[0].startswith("troubleshooting.html#"), hrefs[:4]


def test_gcp_finds_the_clouds_page(page, guide):
    found = search_results(page, guide, "GCP")
    assert found[:1] == ["how-to/clouds.html"], found


def test_an_overview_link_lands_on_its_entry(page, guide):
    page.goto(guide.url + "troubleshooting.html")
    overview = page.locator("#find-your-symptom")
    links = overview.locator("a.reference.internal")
    assert links.count() >= 48
    overview.locator('a[href="#troubleshooting-proxmox"]').click()
    page.wait_for_url("**/troubleshooting.html#troubleshooting-proxmox")
    _wait_heading_in_view(page, "troubleshooting-proxmox")
