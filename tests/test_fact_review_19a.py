"""Fact review 19a (enable-x86, verify, arm64, power, s390x and their snippet modules).

Each finding of the review of 2026-12-05 is pinned as in :mod:`tests.test_fact_review_18`:
the wrong wording is gone from the page, the corrected statement is there with its
source key or role.  The snippet-side findings are checked against the kernel and
QEMU data, not against typed text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nested_snippets
from nested_snippets import kernel, qemu, registry
from tests.fact_findings import assert_fixed, page_text

POWER = "how-to/power.rst"
ARM64 = "how-to/arm64.rst"
TROUBLE = "troubleshooting.rst"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    # M1: QEMU asks KVM for KVM_CAP_PPC_NESTED_HV once (kvm_arch_init) and only enables it
    # at each reset, so an L1 rebooting after nested=N exits with "Error enabling ..."
    "m1-power-reboot-message": (
        POWER, "until it reboots: then QEMU exits with :qemu-message:`nested-hv-kvm-lacks@10.2`",
        "fails, and QEMU exits with :qemu-message:`nested-hv-enable-fails@10.2`"),
    "m1-power-asked-once": (
        POWER, "The value is read each time QEMU resets an L1 machine",
        "the nested capability once, when QEMU starts, and keeps the answer "
        "<qemu-ppc-kvm-nested-cap>`"),
    "m1-power-entry": (POWER, "", "``Error enabling cap-nested-hv with KVM``"),
    "m1-power-source": (POWER, "", ".. source:: qemu-ppc-kvm-nested-cap"),
    "m1-power-reset-source": (
        POWER, "cap_nested_kvm_hv_apply() asks KVM each time",
        "cap_nested_kvm_hv_apply() enables the capability in KVM each time"),
    "m1-trouble-symptom": (
        TROUBLE, "QEMU checks the capability again at every reset",
        ":qemu-message:`nested-hv-enable-fails@10.2`, because :claim:`QEMU asks KVM only "
        "once, when it starts <qemu-ppc-kvm-nested-cap>`"),
    # M2: arm64-nv-enabled reads the headers; it is no pull request and says no "finally"
    "m2-arm64-claim": (
        ARM64, "switched nested virtualization on <arm64-nv-enabled>`",
        "first release whose KVM reports KVM_CAP_ARM_EL2 and accepts the EL2 vCPU feature "
        "<arm64-nv-enabled>`"),
    "m2-trouble-claim": (
        TROUBLE, "the KVM/arm64 pull request for that release <arm64-nv-enabled>",
        "first release whose KVM reports KVM_CAP_ARM_EL2 and accepts the EL2 vCPU feature "
        "<arm64-nv-enabled>`"),
    # L1: QEMU checks the POWER9 level before it looks at KVM's (stored) answer
    "l1-power9-before": (POWER, "(:claim:`before it asks KVM <qemu-spapr-caps>`)",
                         "(:claim:`before it looks at KVM's answer <qemu-spapr-caps>`)"),
}  # fmt: skip


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding):
    assert_fixed(FINDINGS[finding])


def _enables(m: dict) -> bool:
    """The error QEMU sets when its KVM_ENABLE_CAP of the nested capability fails."""
    return m["call"] == "error_setg" and "set_cap_nested" in (m["condition"] or "")


def test_the_reboot_message_is_the_enable_call_of_every_release():
    """The message is the one QEMU sets when KVM_ENABLE_CAP fails, in every release."""
    for version in qemu.versions():
        cap = qemu.release(version).spapr_cap("nested-hv")
        if cap is None:
            continue
        (msg,) = [m for m in cap["apply_messages"] if _enables(m)]
        assert qemu.message(f"nested-hv-enable-fails@{version}")[0] == msg["message"]
    assert qemu.message("nested-hv-enable-fails@10.2")[0] == "Error enabling cap-nested-hv with KVM"
    assert "nested-hv-enable-fails@10.2" in page_text(POWER)


REG = registry.load()


def _avic_file(version: str) -> str:
    source = kernel.module("x86", "kvm_amd", version).param("avic").source
    return source.split(":")[0].removeprefix("arch/x86/kvm/")


def test_amd_extras_eras_name_the_file_the_data_has_for_avic():
    """M3: the eras said avic was in svm/svm.c @ 5.11.0 and 5.12.9; it is in svm/avic.c."""
    snip = REG.get("verify.l0_amd_extras")
    for one in snip.eras:
        inside = [v for v in kernel.versions() if one.kernels.contains(v)]
        for version in (inside[0], inside[-1]):
            assert _avic_file(version) in one.because, (one.kernels.spec, version)
    assert "avic still an int @ 5.12.9 (svm/svm.c)" not in " ".join(e.because for e in snip.eras)


def test_the_s390x_row_dates_the_hpage_check_from_the_data():
    """L2: the arches comment said the nested/hpage check is gone in 7.1; it is 7.0."""
    from nested_snippets.kernel import messages

    assert messages.message("s390_nested_hpage", "7.0") == ""
    assert messages.message("s390_nested_hpage", "6.19") != ""
    text = (package_root() / "arches" / "s390x.py").read_text(encoding="utf-8")
    assert "the check is gone in 7.1" not in text and "gone from 7.0" in text


def package_root() -> Path:
    """The ``nested_snippets`` package directory."""
    return Path(nested_snippets.__file__).parent
