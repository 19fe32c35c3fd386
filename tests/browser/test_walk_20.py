"""New-reader walk 20 in Chromium (375 and 1280 px): someone whose L2 will not start
on an AMD laptop under Ubuntu, and someone who wants nesting on a cloud VM.  A search
with a word no page has ("AMD laptop", "GCP nested virtualization") listed nothing
under Sphinx's advice to select "enough categories", which this site has none of.
The phone tables and headings of the walk are tested in test_site.py
(test_tables_read_on_a_phone_with_no_word_cut) and test_walk_19.py
(test_no_heading_breaks_mid_word_on_a_phone)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import IN_CI, browser_unavailable
from tests.browser.test_site import _wait_heading_in_view, search_results

if browser_unavailable() and not IN_CI:
    pytest.skip(f"browser tests: {browser_unavailable()}", allow_module_level=True)


def _search(page, guide, query: str):
    page.goto(guide.url + "search.html?q=" + query.replace(" ", "+"))
    page.wait_for_function(
        r"""() => { const p = document.querySelector('#search-results p.search-summary');
                   return p && /\S/.test(p.innerText)
                     && !/^(Preparing|Searching)/.test(p.innerText); }""",
        timeout=20000,
    )
    return page.locator("#search-results p.search-summary")


def test_a_word_on_no_page_is_named_and_a_search_without_it_offered(page, guide):
    summary = _search(page, guide, "AMD laptop")
    text = summary.inner_text()
    assert "categories" not in text
    assert "No page has the word \u201claptop\u201d." in text, text
    link = summary.get_by_role("link", name="AMD")
    link.click()
    page.wait_for_url("**/search.html?q=AMD")
    # Sphinx lists the hits one by one: wait for more than five, not for the first
    page.wait_for_function(
        "() => document.querySelectorAll('#search-results ul.search li').length > 5",
        timeout=20000,
    )


def test_a_query_whose_words_are_on_no_one_page_says_to_leave_some_out(page, guide):
    """Both words are indexed, on different pages: no word to name, no link."""
    text = _search(page, guide, "selinux graviton").inner_text()
    assert "categories" not in text
    assert "No page has all of these words" in text, text
    assert page.locator("#search-results p.search-summary a").count() == 0


def test_a_short_word_is_never_named_as_why_nothing_was_found(page, guide):
    """Sphinx lists a page that has every word of three letters or more even without
    the shorter ones, so "qz" (on no page) cannot be why "qz selinux graviton" finds
    nothing: the two long words are on different pages (fact review 20b, low)."""
    text = _search(page, guide, "qz selinux graviton").inner_text()
    assert "\u201cqz\u201d" not in text, text
    assert "No page has all of these words" in text, text


def test_one_unknown_word_alone_is_named(page, guide):
    """It was "GCP", which the clouds page names since session 21."""
    summary = _search(page, guide, "Hetzner")
    assert summary.inner_text() == "No page has the word \u201cHetzner\u201d."
    assert summary.locator("a").count() == 0


def test_a_word_joined_by_dots_is_named_as_typed(page, guide):
    """The search looks for "vm.qcow2" as "vmqcow2" (sphinxext/search.py); the reader
    typed the first. The search offered instead keeps the path's words some page has."""
    summary = _search(page, guide, "Could not open '/home/alice/vm.qcow2'")
    text = summary.inner_text()
    assert "No page has the word \u201cvm.qcow2\u201d." in text, text
    href = summary.locator("a").get_attribute("href")
    assert href.endswith("?q=Could%20not%20open%20home%20alice"), href


def test_kvm_oks_no_extensions_line_lands_on_its_entry(page, guide):
    """Ubuntu's kvm-ok in an L1 without svm prints "INFO: Your CPU does not support KVM
    extensions": the guide had no entry for it, and its first hit opened the top of
    the troubleshooting page. It lands on the entry, on a phone too."""
    page.set_viewport_size({"width": 375, "height": 812})
    found = search_results(page, guide, "INFO: Your CPU does not support KVM extensions")
    assert found[0] == "troubleshooting.html", found
    page.locator("#search-results ul.search li > a").first.click()
    page.wait_for_url("**/troubleshooting.html#troubleshooting-kvm-ok-no-extensions")
    _wait_heading_in_view(page, "troubleshooting-kvm-ok-no-extensions")


@pytest.mark.parametrize("query", ["L2 will not start", "L2 won't start"])
def test_l2_will_not_start_lists_the_sections_that_start_l2_first(page, guide, query):
    """"will" was a required word (not a stop word, unlike "won't"), and "won't" was
    split at its apostrophe into the required words "won" and "t": the Arm64 and the
    terminology pages came first. Both phrasings now search for "L2" and "start"."""
    search_results(page, guide, query)
    hits = page.eval_on_selector_all(
        "#search-results ul.search li > a", "as => as.map(a => a.getAttribute('href'))"
    )
    assert hits[:2] == [
        "tutorial/first-nested-guest.html#start-the-nested-guest-l2",
        "how-to/start-l1-qemu.html#start-the-nested-guest-l2",
    ], hits[:5]


def test_a_stop_word_contraction_is_not_a_required_word(page, guide):
    search_results(page, guide, "kvm doesn't work")
    first = page.locator("#search-results ul.search li > a").first
    assert first.get_attribute("href") == "troubleshooting.html#troubleshooting-create-vm"


def test_a_query_of_stop_words_alone_says_so(page, guide):
    text = _search(page, guide, "will not").inner_text()
    assert text.startswith("Words as common as these are not searched for"), text
