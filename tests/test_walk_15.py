"""New-reader walk 15 (an admin whose L1 runs on Xen, Hyper-V, VMware or a cloud):
findings pinned to the page sources.

Whitespace is normalised, so rewrapping a paragraph does not break these.
"""

from __future__ import annotations

import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "source"


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", (SOURCE / page).read_text(encoding="utf-8"))


def _section(text: str, label: str) -> str:
    start = text.index(f".. _{label}:")
    nxt = text.find(".. _", start + 5)
    return text[start : nxt if nxt != -1 else len(text)]


def test_m1_the_cloud_page_points_to_the_checker():
    """The cloud page never named nested-kvm check, which names L0 and links back here."""
    check = _section(_text("how-to/clouds.rst"), "clouds-check")
    assert "``nested-kvm check``, run in L1" in check
    assert ":ref:`install-checker`" in check


def test_m2_no_vmx_fixes_send_cloud_and_other_hypervisor_readers_to_the_cloud_page():
    """troubleshooting-no-vmx (the cpu-flag link) and verify-l1 only said -cpu host."""
    no_vmx = _section(_text("troubleshooting.rst"), "troubleshooting-no-vmx")
    assert "Xen), the switch is that platform's: :ref:`clouds`" in no_vmx
    verify = _section(_text("how-to/verify.rst"), "verify-l1")
    assert "check the switch that :ref:`clouds` names for it instead" in verify


def test_m3_the_cli_reference_says_what_cpu_flag_advises_under_each_l0():
    cli = _text("reference/cli.rst")
    row = cli[cli.index("* - ``cpu-flag``") : cli.index("* - ``l0``")]
    assert "the fix depends on L0" in row and ":ref:`clouds`" in row


def test_l1_verify_l1_is_linked_by_what_it_is_not_by_its_bare_title():
    """':ref:`verify-l1`' rendered as 'check with In the guest hypervisor (L1)'."""
    clouds = _text("how-to/clouds.rst")
    assert ":ref:`verify-l1`" not in clouds
    assert clouds.count(":ref:`the L1 checks on the verify page <verify-l1>`") == 5


def test_l2_lscpu_vendor_lines_are_hedged_alike_for_vmware_hyperv_and_xen():
    """Xen's line said 'not checked'; VMware's and Hyper-V's, equally unchecked, did not."""
    clouds = _text("how-to/clouds.rst")
    for label, name, where in (
        ("clouds-vmware", "VMware", "an ESXi VM"),
        ("clouds-hyperv", "Microsoft", "a Hyper-V VM"),
    ):
        body = _section(clouds, label)
        assert f"lscpu in L1 should report ``{name}`` (not checked on {where} here)" in body
    assert "not checked on a Xen guest here" in _section(clouds, "clouds-xen")
    check = _section(clouds, "clouds-check")
    assert "``VMware`` under ESXi and ``Xen`` under Xen" in check


def test_l3_the_home_page_names_the_hypervisors_of_the_cloud_page():
    """An L1 on Hyper-V saw 'Windows, Hyper-V or WSL 2 as L1?' named, not its own case."""
    home = _text("index.rst")
    bullet = home[home.index("- Your L1 is a cloud instance") : home.index("- Windows, Hyper-V")]
    assert "(Hyper-V, VMware ESXi, VirtualBox, Xen)" in bullet
    assert "or under Proxmox VE" in bullet  # KVM-based, not another hypervisor (s21c)


def test_m4_the_not_kvm_entry_links_the_cloud_page_and_names_esxi_s_setting_as_it_does():
    """troubleshooting-not-kvm gave VMware Workstation's label as "VMware's" (the cloud
    page names ESXi's) and did not link the page that has every platform's switch."""
    entry = _section(_text("troubleshooting.rst"), "troubleshooting-not-kvm")
    assert ":ref:`clouds` gives the setting of each platform" in entry
    assert '"Expose hardware assisted virtualization to the guest OS"' in entry
    assert "VMware Workstation calls its setting" in entry
    assert "Xen (``nestedhvm``)" in entry and "VirtualBox, Xen or a cloud" in entry


def test_l4_the_how_to_index_lists_xen_among_the_cloud_page_platforms():
    line = _text("how-to/index.rst")
    assert "Hyper-V, VirtualBox and Xen as L0" in line
