"""New-reader walk 19b (a VMware Workstation user on Windows 11 whose Ubuntu VM has no
/dev/kvm; KubeVirt VMs Pending on nodes that are cloud VMs; nested N again after a
reboot despite /etc/modprobe.d; libvirt's Permission denied on a qcow2 on Fedora and
on Ubuntu): findings pinned to the page sources.  The browser findings (where a
search hit lands, highlighting, the search page's hint) are in
tests/browser/test_walk_19b.py.

Whitespace is normalised, so rewrapping a paragraph does not break these.
"""

from __future__ import annotations

from tests.fact_findings import page_text as _text
from tests.test_walk_15 import _section


def test_m1_the_vmware_section_names_the_missing_dev_kvm():
    """The reader's symptom is "no /dev/kvm"; the section said only that the flag is
    missing, so "VMware Workstation /dev/kvm" did not list the page at all (Sphinx's
    search lists a page only if it has every word)."""
    section = _section(_text("how-to/windows-hyperv.rst"), "windows-l0-desktop")
    what = section[section.index("**What you see.**") : section.index("* **VMware.**")]
    assert "and so is ``/dev/kvm``" in what
    assert ":ref:`troubleshooting-no-vmx`" in what


def test_m2_enable_x86_sends_a_reboot_reset_to_the_initramfs_entry():
    """ "If nested is still off after a reboot" linked only the top of Troubleshooting,
    some 60 entries, not the entry about the initramfs's old copy of modprobe.d."""
    text = _text("how-to/enable-x86.rst")
    after = text[text.index("If ``nested`` is still off after a reboot") :]
    after = after[: after.index("What the tests prove")]
    assert ":ref:`troubleshooting-initramfs`" in after
    assert after.index(":ref:`troubleshooting-initramfs`") < after.index(":doc:`/troubleshooting`")


def test_l1_the_selinux_entry_sends_an_apparmor_reader_on():
    """An Ubuntu reader's search ("qcow2 permission denied ubuntu") opens the SELinux
    entry, which named AppArmor only about backing images, at its end."""
    entry = _section(_text("troubleshooting.rst"), "troubleshooting-selinux")
    symptom = entry[entry.index("**Symptom.**") : entry.index(".. entry-sources::")]
    assert '``apparmor="DENIED"`` lines instead' in symptom
    assert ":ref:`troubleshooting-apparmor`" in symptom


def test_l2_the_home_page_names_kubevirt():
    """A KubeVirt reader found no word of KubeVirt on the home page."""
    home = _text("index.rst")
    bullet = home[home.index("- Your L1 is a cloud instance") : home.index("- Windows, Hyper-V")]
    assert "run KubeVirt: :ref:`kubevirt`" in bullet


def test_l3_the_home_page_says_where_the_search_box_is_on_a_phone():
    """ "the search box is at the top of every page": on a phone it is in the menu
    behind ☰, and the top of the page has none."""
    home = " ".join(_text("index.rst").split())
    assert "the search box is at the top of every page" not in home
    assert "the search box heads the menu on every page" in home
    assert "behind ☰ at the top left on a phone" in home
