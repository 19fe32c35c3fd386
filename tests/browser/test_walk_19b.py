"""New-reader walk 19b in Chromium (a VMware Workstation user on Windows 11 without
/dev/kvm in the Ubuntu VM; KubeVirt VMs Pending on cloud nodes; nested N again after
a reboot; libvirt's Permission denied on a qcow2 under SELinux or AppArmor).

* A search hit for an exact message with a dotted or hyphenated word (``VT-x``,
  ``devices.kubevirt.io/kvm``, ``l1.qcow2``, ``modprobe.d``) opened the page at its
  top: the query splitter joins such words (``vtx``), and the landing looked for the
  joined word in the page's text, where it is written with its ``-`` or ``.``.
* A one-letter word in the query (the ``t`` of "can't", the ``N`` of "nested is N")
  threw "parent.getBBox is not a function" on the page opened from the hit: Sphinx's
  highlighter wrapped the letter inside an SVG icon's ``<title>`` and stopped there,
  so the query's later words were not highlighted either.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import IN_CI, browser_unavailable
from tests.browser.test_site import open_hit

if browser_unavailable() and not IN_CI:
    pytest.skip(f"browser tests: {browser_unavailable()}", allow_module_level=True)


@pytest.mark.parametrize(
    ("query", "path", "anchor"),
    [
        ("Insufficient devices.kubevirt.io/kvm", "how-to/kubevirt.html", "kubevirt-problems"),
        ("VT-x is not available (VERR_VMX_NO_VMX)", "troubleshooting.html",
         "troubleshooting-no-vmx"),
        ("Could not open '/var/lib/libvirt/images/l1.qcow2': Permission denied",
         "troubleshooting.html", "troubleshooting-selinux"),
        ("nested off after a reboot modprobe.d initramfs", "troubleshooting.html",
         "troubleshooting-initramfs"),
    ],
)  # fmt: skip
def test_a_hit_for_a_message_with_a_dotted_or_hyphenated_word_lands_on_it(
    page, guide, query, path, anchor
):
    page.set_viewport_size({"width": 375, "height": 812})
    open_hit(page, guide, query, path)
    page.wait_for_function(f"() => location.hash === '#{anchor}' && scrollY > 300")


@pytest.mark.parametrize("words", ["t kubevirt", "n kubevirt", "mode kubevirt"])
def test_a_one_letter_or_icon_word_does_not_stop_the_highlighting(page, guide, words):
    """The page fixture fails the test on any uncaught exception; the word after the
    one that met an icon is highlighted too."""
    page.goto(f"{guide.url}how-to/kubevirt.html?highlight={words.replace(' ', '%20')}")
    page.wait_for_function(
        "() => [...document.querySelectorAll('span.highlighted')]"
        ".some((s) => s.textContent.toLowerCase() === 'kubevirt')"
    )


def test_a_pasted_message_with_the_readers_own_path_is_explained(page, guide):
    """A message with the reader's own file name matched no page, and Sphinx's answer
    asked for spelling and "enough categories"; the page says what to leave out."""
    page.goto(f"{guide.url}search.html?q=Could%20not%20open%20%27/home/alice/vm.qcow2%27")
    page.wait_for_function(
        "() => /No page has/.test(document.querySelector('#search-results')?.innerText || '')",
        timeout=20000,
    )
    hint = page.locator("article .nested-search-hint")
    assert hint.is_visible()
    text = " ".join(hint.inner_text().split())
    assert "every word" in text and "your own file names" in text, text


@pytest.mark.parametrize(
    ("query", "path"),
    [("vmware ubuntu no /dev/kvm", "troubleshooting.html"),
     ("kubevirt pending cloud", "how-to/kubevirt.html")],
)  # fmt: skip
def test_a_hit_never_lands_on_the_pages_list_of_sources(page, guide, query, path):
    """Words spread over a page's entries are all in its Sources list (titles,
    addresses): the hit opened that list, at the foot of the page."""
    page.set_viewport_size({"width": 375, "height": 812})
    open_hit(page, guide, query, path)
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    assert page.evaluate("location.hash") != "#sources"
