"""New-reader walk 21 in Chromium: an AMD EPYC owner whose L1 says
"kvm: no hardware support" searches for it. The Troubleshooting hit opened the
page at "KVM: entry failed, hardware error 0x80000021" (its heading holds two of
the three searched words), not at the entry whose kernel log prints the message."""

from __future__ import annotations

import pytest

from tests.browser.conftest import IN_CI, browser_unavailable
from tests.browser.test_site import _wait_heading_in_view, search_results

if browser_unavailable() and not IN_CI:
    pytest.skip(f"browser tests: {browser_unavailable()}", allow_module_level=True)

PHONE = {"width": 390, "height": 844}
NO_VMX = "troubleshooting-no-vmx"


def open_page_hit(page, guide, query: str, path: str) -> None:
    """Search for `query` and open the hit for page `path` as a whole (not a heading
    hit on it, whose link has a #fragment)."""
    search_results(page, guide, query)
    hrefs = page.eval_on_selector_all(
        "#search-results ul.search li > a", "as => as.map(a => a.getAttribute('href'))"
    )
    assert path in hrefs, hrefs
    page.locator("#search-results ul.search li > a").nth(hrefs.index(path)).click()
    page.wait_for_url(f"**/{path}*")


@pytest.mark.parametrize("query", ["kvm: no hardware support",
                                   "kvm: no hardware support for 'kvm_amd'"])  # fmt: skip
def test_a_pasted_kernel_message_lands_on_the_entry_that_prints_it(page, guide, query):
    page.set_viewport_size(PHONE)
    open_page_hit(page, guide, query, "troubleshooting.html")
    page.wait_for_function(f"() => location.hash === '#{NO_VMX}'")
    _wait_heading_in_view(page, NO_VMX)


def test_a_message_in_an_entrys_title_still_lands_on_it(page, guide):
    """A message that an entry is titled with still lands on that entry."""
    open_page_hit(page, guide, "kvm: disabled by bios", "troubleshooting.html")
    page.wait_for_function("() => location.hash === '#troubleshooting-disabled-by-bios'")


def test_a_kernel_message_lists_the_entry_whose_log_prints_it_first(page, guide):
    """The entry that only mentions the message in its Symptom paragraph (libvirt's
    host-model) was listed first; the entry whose kernel log shows it comes first."""
    search_results(page, guide, "kvm: no hardware support")
    first = page.locator("#search-results ul.search li > a").first
    assert first.get_attribute("href") == f"troubleshooting.html#{NO_VMX}"


def test_gcp_finds_the_google_section_of_the_cloud_page(page, guide):
    """A cloud user types "GCP nested": no page had the word."""
    open_page_hit(page, guide, "GCP nested", "how-to/clouds.html")
    page.wait_for_function("() => location.hash === '#clouds-gce'")


def _notes(page) -> list[str]:
    return page.eval_on_selector_all(
        ".nested-tab-note", "ns => ns.filter(n => n.offsetParent).map(n => n.innerText)"
    )


def test_a_tab_set_without_the_readers_architecture_says_so(page, guide):
    """An Arm64 (or IBM Z) reader's bug report page showed the Intel tab of the x86-only
    dmidecode/x86info step, selected as if chosen, with nothing to say why."""
    page.goto(guide.url + "how-to/bug-report.html?vendor=arm64")
    assert _notes(page) == [
        "No Arm64 tab here: this step is for Intel and AMD.",  # dmidecode on L0
        "No Arm64 tab here: this step is for Intel, AMD and IBM Z (s390x).",  # in L1
    ]
    # the s390x reader gets a note for the L0 step only: L1's has an IBM Z tab
    page.goto(guide.url + "how-to/bug-report.html?vendor=s390x")
    assert _notes(page) == ["No IBM Z (s390x) tab here: this step is for Intel and AMD."]
    # choosing Intel answers the question: the notes go
    page.get_by_role("tab", name="Intel", exact=True).first.click()
    assert _notes(page) == []


def test_a_page_without_the_readers_architecture_says_so_once(page, guide):
    """The tutorial is for Intel and AMD: one note for the page, not one per step."""
    page.goto(guide.url + "tutorial/first-nested-guest.html?vendor=arm64")
    assert _notes(page) == ["No Arm64 tab on this page: its steps are for Intel and AMD."]
    first = page.locator(".sphinx-tabs").first
    assert first.evaluate("b => b.previousElementSibling.className") == "nested-tab-note"
