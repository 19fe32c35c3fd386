"""New-reader walk 20b: three readers who arrive from a search.

* A Windows 11 user whose VirtualBox VM has no ``vmx``: the VirtualBox section of
  the cloud page gave only the Linux form of ``VBoxManage`` and no way to the
  Windows section (PowerShell, the full path, what Windows must stop running).
* A Proxmox VE admin nesting Proxmox VE: "KVM virtualisation configured, but not
  available" sent them to the ``-cpu host`` / libvirt fixes, never to Proxmox's own
  CPU type setting; the no-``vmx`` entry left Proxmox VE out too.
* A libvirt user whose L2 image is refused: the storage entry spoke of L1 only and
  did not say on which machine to run its commands.

The search findings of the walk are in tests/browser/test_walk_20b.py.
"""

from __future__ import annotations

from tests.fact_findings import page_text
from tests.test_walk_15 import _section


def test_the_virtualbox_section_leads_windows_readers_to_powershell() -> None:
    vbox = _section(page_text("how-to/clouds.rst"), "clouds-virtualbox")
    assert "On a Windows PC, :ref:`windows-l0-desktop` gives this command for PowerShell" in vbox


def test_the_proxmox_entry_names_proxmoxs_cpu_type_on_l0() -> None:
    entry = _section(page_text("troubleshooting.rst"), "troubleshooting-proxmox")
    fix = entry[entry.index("**Fix.**"):]
    assert ":ref:`clouds-proxmox`" in fix
    assert ":ref:`troubleshooting-nested-off`" in fix
    assert "on the node that is L0" in fix


def test_the_no_vmx_entry_names_proxmox_ve_as_l0() -> None:
    entry = _section(page_text("troubleshooting.rst"), "troubleshooting-no-vmx")
    assert "When L0 is Proxmox VE" in entry and ":ref:`clouds-proxmox`" in entry


def test_the_storage_entry_covers_l2_and_says_where_to_run() -> None:
    entry = _section(page_text("troubleshooting.rst"), "troubleshooting-storage-access")
    assert "**Symptom.** L1 does not start" not in entry
    assert "or L2 under libvirt in L1" in entry
    where = "on the machine whose libvirt starts the guest: L0 when L1 fails, L1 when L2 fails"
    assert where in entry
    assert "Then start L1 again" not in entry


def test_the_selinux_and_apparmor_entries_cover_l2_too() -> None:
    """Walk 20b, low: the same refusal stops L2 on L1, where the record is on L1."""
    text = page_text("troubleshooting.rst")
    for label in ("troubleshooting-selinux", "troubleshooting-apparmor"):
        symptom = _section(text, label).split("**Symptom.**", 1)[1][:200]
        assert "L1 does not start" not in symptom, label
        assert "L2 on L1" in symptom, label
