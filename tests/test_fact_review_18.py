"""Fact review 18 (18a: windows-hyperv, distributions, security, builtin-kvm; 18b:
start-l1-qemu, start-l1-libvirt, the tutorial, terminology, bug-report).

Each finding of the two reviews of 2026-12-05 is pinned to the page text, as in
:mod:`tests.test_fact_review_17`: the wrong or overstated wording is gone, the
corrected statement is there with its source key or role.  Whitespace is normalised.
The snippet-side fixes (the ``default`` network started, the built-in transcripts'
start state, Arch's package line) are pinned on the snippet registry below.
"""

from __future__ import annotations

import pytest

from nested_snippets import registry
from tests.fact_findings import assert_fixed, page_text

DIST = "how-to/distributions.rst"
BUILTIN = "how-to/builtin-kvm.rst"
SEC = "how-to/security.rst"
WIN = "how-to/windows-hyperv.rst"
QEMU = "how-to/start-l1-qemu.rst"
LIBVIRT = "how-to/start-l1-libvirt.rst"
TUT = "tutorial/first-nested-guest.rst"
TERMS = "explanation/terminology.rst"
BUG = "how-to/bug-report.rst"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    # 18a H1: Debian 12 and Arch ship the default network without the autostart link
    "a-h1-start-default": (DIST, "", ".. snippet:: distributions.start_network"),
    "a-h1-debian-source": (DIST, "", "autostart directory <debian-libvirt-network>`"),
    "a-h1-arch-source": (DIST, "", "libvirt's own installation creates <arch-libvirt-pkgbuild>`"),
    "a-h1-error": (DIST, "", "\"Requested operation is not valid: network 'default' is not "
                   "active\""),
    "a-h1-error-source": (DIST, "", "these words <libvirt-network-inactive>`"),
    # 18a M1: built-in KVM has the module's default (Intel from 4.20, AMD always)
    "a-m1-default": (BUILTIN, "", "nesting is on for Intel from Linux "
                     ":kernel-since:`x86/kvm_intel nested default=Y` and for AMD in every "
                     "release"),
    "a-m1-only-if-off": (BUILTIN, "", "Follow this page only if it says ``N`` or ``0``"),
    "a-m1-transcript-state": (BUILTIN, "", "on a kernel booted with "
                              "``kvm_intel.nested=0 kvm_amd.nested=0``"),
    # 18a M2: modprobe.d does nothing for a built-in KVM
    "a-m2-builtin-off": (SEC, "", "put ``kvm_intel.nested=0`` or ``kvm_amd.nested=0`` on "
                         "the kernel command line instead"),
    # 18a L1: faf6b75 was a precaution
    "a-l1-faf6b75": (SEC, "from copying another control field from L1 for the same reason",
                     "no feature in that field was exploitable yet"),
    # 18a L2: the Arch line installs iptables-nft (pinned on the snippet below)
    "a-l2-iptables": (DIST, "On Arch, install ``dnsmasq`` yourself",
                      "also installs ``dnsmasq`` and ``iptables-nft``"),
    # 18a L3: osinfo-db, not virt-install, lacks ubuntu24.04
    "a-l3-osinfo": (DIST, "With a newer virt-install you may take",
                    "know ubuntu24.04 <debian-osinfo-db>`"),
    # 18a L4: the modules.builtin/modinfo checks need /lib/modules; sysfs does not
    "a-l4-lib-modules": (BUILTIN, "", "which custom and WSL kernels often lack"),
    "a-l4-sysfs-check": (BUILTIN, "", ".. snippet-tabs:: builtin.sysfs_not_lsmod"),
    # 18a L5: Microsoft's support statement for nested Hyper-V on KVM
    "a-l5-ms-support": (WIN, "", "\"can not provide end-to-end support\""),
    "a-l5-ms-source": (WIN, "", ".. source:: ms-kvm-nested-support"),
    # 18a unverifiable 5: the Arch source is the extra repository
    "a-u5-arch-extra": (DIST, "packages/extra-staging/", "packages/extra/x86_64/libvirt"),
    # 18b M1: a visible flag is not proof on Intel < 5.6 and AMD < 6.7 (both boundaries
    # bound to feat_ctl.c and amd.c since session 19: tests/test_firmware_hides_flag.py)
    "b-m1-intel": (TUT, "", "hides ``vmx`` when the firmware switched VT-x off only from "
                   "Linux :kernel-since:`source firmware-vmx-off-hides-flag present`"),
    "b-m1-amd": (TUT, "", ":kernel-since:`source firmware-svm-off-hides-flag present`"),
    "b-m1-dmesg": (TUT, "", ":ref:`troubleshooting-disabled-by-bios`"),
    # 18b M2: Arm64's built-in kvm has parameters
    "b-m2-arm64": (BUG, "is built into the kernel and has no module parameters to copy",
                   "/sys/module/kvm/parameters, such as halt_poll_ns"),
    "b-m2-source": (BUG, "", ".. source:: linux-kvm-main-arm64"),
    # 18b L1: kvm_default_props moved to kvm-cpu.c in 6.1
    "b-l1-kvm-cpu": (QEMU, "target/i386/kvm/kvm-cpu.c from 6.0)",
                     "target/i386/kvm/kvm-cpu.c from 6.1;"),
    # 18b L2: the v10.2.0 doc spells Ctrl+a
    "b-l2-ctrl-a": (TUT, "\"Ctrl-a x\"", "\"Ctrl+a x\", Exit emulator"),
    # 18b L3: cap-nested-hv is a pseries machine capability
    "b-l3-cap": (TERMS, "a virtual EL2 on Arm64, ``cap-nested-hv`` on POWER)",
                 "``pseries`` machine's ``cap-nested-hv=on`` capability"),
    # 18b L4: the default model has no svm under KVM either
    "b-l4-svm": (QEMU, "", "under KVM its ``svm`` is switched off"),
    # 18b L5: host-model migrates to hosts that provide the model's features
    # (fact review s21b: the features libvirt added go with the model)
    "b-l5-host-model": (LIBVIRT, "migrated to hosts with the same or a newer CPU:",
                        "whose CPU provides every feature of that definition"),
    # 18b L6: -enable-kvm and -machine accel=kvm select KVM too
    "b-l6-accel": (BUG, "have been started with ``-accel kvm`` or libvirt's",
                   "(``-enable-kvm``, ``-machine accel=kvm``;"),
    # 18b L7: only this page's options are claimed to be the same for qemu-kvm
    "b-l7-qemu-kvm": (QEMU, "); the options are the same.",
                      "the options used on this page are the same"),
    # 18b L8: the unsourced "KVM does not support well" is gone
    "b-l8-third-level": (QEMU, "which KVM does not support well",
                         "a third level that this guide does not cover"),
    # 18b L9: lsmod sizes differ between builds
    "b-l9-lsmod": (TERMS, "", "the module sizes that ``lsmod`` prints differ between "
                   "kernel builds"),
}  # fmt: skip


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding):
    assert_fixed(FINDINGS[finding])


REG = registry.load()


def _command(snippet_id: str) -> str:
    return "\n".join(body.command for label, body in REG.bodies()
                     if label.split("[")[0] == snippet_id)  # fmt: skip


def test_the_default_network_is_started_and_marked_for_autostart():
    command = _command("distributions.start_network")
    assert "net-start default" in command and "net-autostart default" in command
    assert "--connect qemu:///system" in command
    # shown before the L1 that connects to it
    text = page_text(DIST)
    assert text.index("distributions.start_network") < text.index("distributions.virt_install_l1")


def test_the_arch_line_installs_the_nat_dependencies():
    command = _command("distributions.install_arch")
    assert "dnsmasq" in command and "iptables-nft" in command
    assert "extra-staging" not in REG.get("distributions.install_arch").not_executed.source


def test_the_builtin_off_transcript_starts_from_a_command_line_that_says_so():
    """18a M1: N/0 on a built-in KVM holds on every release only when the command line
    switches nesting off, not as a built-in default."""
    given = REG.get("builtin.modprobe_refuses").given
    assert given.kvm == "builtin" and given.nested is None
    assert "kvm_intel.nested=0" in given.cmdline and "kvm_amd.nested=0" in given.cmdline


def test_the_sysfs_check_needs_no_lib_modules():
    snip = REG.get("builtin.sysfs_not_lsmod")
    assert snip.given.kvm == "builtin"
    for label, body in REG.bodies():
        if label.startswith("builtin.sysfs_not_lsmod"):
            assert "/lib/modules" not in body.text and "/sys/module/" in body.text
