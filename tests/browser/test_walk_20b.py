"""New-reader walk 20b in Chromium: readers who paste the message they got.

* "KVM virtualisation configured, but not available", the Proxmox VE entry's heading
  but for its prefix, listed the Troubleshooting page and the CLI page above the
  entry: Sphinx lists a heading that is twice the query or less itself, with a score
  below the heading hits the scorer adds.
* The message as Proxmox VE prints it, with "Either disable in VM configuration or
  enable in BIOS.", listed only the top of the Troubleshooting page.
* libvirt's "Cannot access storage file '/home/.../l2.qcow2' (as uid:..., gid:...):
  Permission denied", pasted whole, listed nothing: no page has the reader's path.
The page findings are in tests/test_walk_20b.py.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import IN_CI, browser_unavailable
from tests.browser.test_site import _wait_heading_in_view, search_results

if browser_unavailable() and not IN_CI:
    pytest.skip(f"browser tests: {browser_unavailable()}", allow_module_level=True)

PROXMOX = "troubleshooting-proxmox"
TASK_ERROR = ("TASK ERROR: KVM virtualisation configured, but not available. "
              "Either disable in VM configuration or enable in BIOS.")  # fmt: skip
LIBVIRT = ("error: Cannot access storage file '/home/bob/images/l2.qcow2' "
           "(as uid:64055, gid:64055): Permission denied")  # fmt: skip


def _first_hit(page):
    return page.locator("#search-results ul.search li > a").first


def test_most_of_an_entrys_heading_lists_the_entry_first(page, guide):
    search_results(page, guide, "KVM virtualisation configured, but not available")
    first = _first_hit(page)
    assert first.get_attribute("href") == f"troubleshooting.html#{PROXMOX}"
    first.click()
    page.wait_for_url(f"**/troubleshooting.html#{PROXMOX}")
    _wait_heading_in_view(page, PROXMOX)


def test_a_message_pasted_whole_lands_on_its_entry_on_a_phone(page, guide):
    page.set_viewport_size({"width": 375, "height": 812})
    search_results(page, guide, TASK_ERROR)
    first = _first_hit(page)
    assert first.get_attribute("href") == "troubleshooting.html#troubleshooting-proxmox"
    first.click()
    page.wait_for_url("**/troubleshooting.html#troubleshooting-proxmox")
    _wait_heading_in_view(page, "troubleshooting-proxmox")


def test_a_message_with_the_readers_path_offers_a_search_without_it(page, guide):
    from tests.browser.test_walk_20 import _search

    summary = _search(page, guide, LIBVIRT)
    assert "leave some out" in summary.inner_text()
    link = summary.get_by_role("link")
    assert link.inner_text() == LIBVIRT.replace("'/home/bob/images/l2.qcow2' ", "")
    link.click()
    page.wait_for_url("**/search.html?q=*")
    page.locator("#search-results ul.search li").first.wait_for()
    href = _first_hit(page).get_attribute("href")
    assert href == "troubleshooting.html#troubleshooting-storage-access", href
