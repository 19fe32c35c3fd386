"""Fact review 20b (2026-12-05): the guide's changes of 2026-12-05 (d8f5f56..2d1522c):
windows-l0-desktop's steps, the storage-access and kvm-ok entries, enable-x86's
kstrtobool values, verify's APICv text, arm64's built-in kvm parameters, the s390x
and POWER citations at 7.3.4, cli.rst's arm64 text and the search messages.

Each finding is pinned to the page text as in :mod:`tests.test_fact_review_19c`; the
CLI messages are checked by running the check on an aarch64 ``uname``.
"""

from __future__ import annotations

import os

import pytest

from nested_snippets.cli import lint, params
from nested_snippets.cli.hostfs import HostFS
from tests.fact_findings import assert_fixed, page_text
from tests.test_walk_15 import _section

CLI = "reference/cli.rst"
VERIFY = "how-to/verify.rst"
TS = "troubleshooting.rst"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    # M1: arm64's built-in kvm is in the kernel data as arm64/kvm since f2b7c16a; the
    # lint text was reworded that day, params' was not
    "m1-params-arm64": (CLI, "on a host whose architecture has no KVM parameter data "
                        "(``arm64``) params stops", "Arm64's ``kvm`` is built into the "
                        "kernel"),  # session 21: params and lint answer from arm64/kvm
    # L1: 7.3.4 names the function vmx_hardware_setup(); the page speaks for every
    # release, the source read only 7.3.4: 4.19.0 read too
    "l1-apicv-function": (VERIFY, "vmx.c hardware_setup() clears enable_apicv",
                          "vmx.c vmx_hardware_setup() clears enable_apicv"),
    "l1-apicv-419": (VERIFY, "", "The same test at 4.19.0 (ZDawnG/linux-4.19 "
                     "724fb8f20ece), in arch/x86/kvm/vmx.c"),
    # L2: a directory of QEMU's group, or owned by QEMU's user, is judged by other bits
    "l2-namei-bits": (TS, "and whose owner and group are not QEMU's, is the one",
                      "read the owner's three characters if QEMU's user owns it, the "
                      "group's if that user is in its group, and the last three otherwise"),
}  # fmt: skip


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding: str) -> None:
    assert_fixed(FINDINGS[finding])


@pytest.fixture
def aarch64(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine as ``uname -m`` aarch64."""
    real = os.uname()
    fake = os.uname_result((real.sysname, real.nodename, "6.6.0", real.version, "aarch64"))
    monkeypatch.setattr(os, "uname", lambda: fake)


def test_m1_lint_checks_arm64_with_its_data(aarch64: None) -> None:
    """The kernel data has arm64/kvm's parameters: "no KVM parameter data" was false;
    since session 21 lint checks them (tests/cli/test_arm64_data21.py)."""
    assert lint.host_arch(HostFS(None)) == "arm64"


def test_m1_params_lists_arm64(aarch64: None) -> None:
    assert params.choose_arch("kvm", None) == "arm64"


def test_storage_access_says_libvirts_default_user_is_root_elsewhere() -> None:
    """Fact review 20b, L4: libvirt 11.3.0's meson.build (lines 1714-1736) sets
    qemu_user to root on a distribution it does not recognise."""
    entry = _section(page_text("troubleshooting.rst"), "troubleshooting-storage-access")
    assert "does not recognise, unless told otherwise, runs QEMU as ``root``" in entry
    assert "``root`` otherwise, lines 1714-1736 of 11.3.0's" in entry
