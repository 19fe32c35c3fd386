"""Session 19 troubleshooting entries: an old modprobe.d copy in the initramfs, SELinux
and AppArmor refusing QEMU the L1's disk.  Pins the quoted messages to the wording of
their sources, and each entry's commands to the document they follow.

The sources (read 2026-12-05) are named in the entries' "Sources" lines; what they say
is pinned here as constants, so a rewording of the page that drifts from them fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nested_snippets import registry
from tests.fact_findings import page_text as _text
from tests.test_walk_15 import _section

RAW = (Path(__file__).resolve().parents[1] / "source" / "troubleshooting.rst").read_text()

# cmusatyalab/vmnetx#26, the record as the report quotes it
VMNETX_AVC = (
    'avc: denied { getattr } for pid=13452 comm="qemu-kvm" name="/" dev=fuse ino=1 '
    "scontext=unconfined_u:unconfined_r:svirt_t:s0:c463,c524 "
    "tcontext=system_u:object_r:fusefs_t:s0 tclass=filesystem"
)
# dmacvicar/terraform-provider-libvirt#546, the kernel log line
TF_546_DENIED = (
    'audit: type=1400 audit(1548806964.776:22663): apparmor="DENIED" operation="open" '
    'profile="libvirt-e1ee5c06-1f3c-4fa9-baba-772dd011a8a5" '
    'name="/home/zack/home_vm_network/iso_image/os_image" pid=10369 comm="qemu-system-x86" '
    'requested_mask="r" denied_mask="r" fsuid=0 ouid=0'
)
# Linux security/selinux/avc.c avc_audit_pre_callback() at 6.14: "avc:  %s " then " {"
KERNEL_AVC_PREFIX = "avc:  denied"


def _entry(label: str) -> str:
    return _section(_text("troubleshooting.rst"), label)


@pytest.mark.parametrize(
    "label", ["troubleshooting-initramfs", "troubleshooting-selinux", "troubleshooting-apparmor"]
)
def test_each_entry_has_symptom_cause_fix_in_order_and_sources(label):
    entry = _entry(label)
    marks = ["**Symptom.**", "**Cause.**", "**Fix"]
    for mark in marks:
        assert mark in entry, (label, mark)
    assert entry.index(marks[0]) < entry.index(marks[1]) < entry.index(marks[2])
    assert ".. entry-sources::" in entry


def test_initramfs_entry_says_when_the_copy_matters_and_names_its_sources():
    entry = _entry("troubleshooting-initramfs")
    assert "That matters only if the KVM module is in the image" in entry
    assert "rebuilding it changes nothing" in entry
    for source in (
        "initramfs-tools 0.148.4",
        "0.142ubuntu25.8",
        "modules.d/90kernel-modules/module-setup.sh",
        "dracutdevs/dracut 5d2bda46f4e7",
        "dracut-ng/dracut-ng 20cc20d2ac9c",
        '``hostonly="yes"``',
        '"are always included in the initramfs, and are loaded early in the boot process"',
        '"are tried to be loaded early via modprobe"',
    ):
        assert source in entry, source
    for name in ("initramfs_kvm_debian", "initramfs_kvm_dracut", "initramfs_rebuild_debian",
                 "initramfs_rebuild_dracut"):
        assert f".. snippet:: troubleshooting_reported.{name}" in entry, name


def test_selinux_entry_quotes_the_record_and_the_kernel_wording():
    entry = _entry("troubleshooting-selinux")
    assert VMNETX_AVC in entry
    assert "cmusatyalab/vmnetx#26" in entry
    assert f"``{KERNEL_AVC_PREFIX}``" in RAW  # two blanks, as the kernel writes it
    assert "``Could not open '/path/to/l1.qcow2': Permission denied``" in entry
    assert ":qemu-message:`image-open-failed`" in entry  # util/osdep.c qemu_open_internal()
    for kept_on in ("virt_use_nfs", "virt_use_fusefs", "kvm_device_t",
                    '"harder, but more secure"'):
        assert kept_on in entry, kept_on


def test_apparmor_entry_quotes_the_denial_and_its_reports():
    entry = _entry("troubleshooting-apparmor")
    assert TF_546_DENIED in entry
    for report in ("terraform-provider-libvirt#546", "#97", "#126", "#1163", "#1354",
                   "Launchpad bug 1677398", "backing_chains.rst"):
        assert report in entry, report
    assert '``<disk type=\'file\'>``' in entry
    assert "(host protection only)" in entry


@pytest.mark.parametrize(
    "name, command, source",
    [
        ("initramfs_kvm_debian", "lsinitramfs /boot/initrd.img-$(uname -r)",
         "sources.debian.org/src/initramfs-tools/0.148.4/lsinitramfs.8"),
        ("initramfs_kvm_dracut", "sudo lsinitrd", "man/lsinitrd.1.asc"),
        ("initramfs_rebuild_debian", "sudo update-initramfs -u -k all",
         "initramfs-tools/0.148.4/update-initramfs.8"),
        ("initramfs_rebuild_dracut", "sudo dracut --force --regenerate-all",
         "man/dracut.8.asc"),
        ("selinux_avc_recent", "sudo ausearch -m avc -ts recent", "docs/ausearch.8"),
        ("selinux_virt_use_nfs", "sudo setsebool -P virt_use_nfs 1", "setsebool.8"),
        ("selinux_label_image_dir",
         "sudo semanage fcontext -a -e /var/lib/libvirt/images /srv/vms",
         "semanage-fcontext.8"),
        ("selinux_dev_kvm_label", "sudo restorecon -v /dev/kvm", "restorecon.8"),
        ("apparmor_denied", "sudo dmesg | grep 'apparmor=\"DENIED\"'",
         "terraform-provider-libvirt/issues/546"),
        ("backing_format_check", "qemu-img info", "docs/kbase/backing_chains.rst"),
        ("backing_format_fix", "qemu-img rebase -f qcow2 -F qcow2 -b",
         "docs/kbase/backing_chains.rst"),
    ],
)
def test_commands_are_declared_not_executed_with_their_source(name, command, source):
    snip = registry.load().get(f"troubleshooting_reported.{name}")
    assert command in snip.eras[0].variants[""].text
    assert snip.not_executed is not None, name
    assert source in snip.not_executed.source
    assert snip.not_executed.read == "2026-12-05"


def test_the_image_open_message_comes_from_the_qemu_data():
    """The SELinux entry's QEMU message is read from util/osdep.c in the QEMU data
    (format as QEMU 10.2.0's source writes it, pbo-linaro/qemu-ci 698104725e)."""
    from nested_snippets import qemu

    text, newest = qemu.message("image-open-failed@10.2")
    assert text == "Could not %s '%s'"
    assert qemu.release("10.2").printing(
        "Could not open '/path/to/l1.qcow2': Permission denied"
    )
