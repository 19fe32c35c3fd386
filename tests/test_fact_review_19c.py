"""Fact review 19c (2026-12-05): the pages and snippets added that day (kubevirt,
windows-l0-desktop, the initramfs, SELinux and AppArmor entries, the firmware
boundaries, the day's fixes to clouds, community-tests, confidential-vms and
live-migration).

Each finding is pinned to the page text as in :mod:`tests.test_fact_review_18`: the
misleading wording is gone, the corrected statement is there with its source key.
Whitespace is normalised.
"""

from __future__ import annotations

import pytest

from tests.fact_findings import REPO, assert_fixed, page_text

KV = "how-to/kubevirt.rst"
CT = "how-to/community-tests.rst"
WIN = "how-to/windows-hyperv.rst"
TS = "troubleshooting.rst"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    # M1: virt-handler logs "device '/dev/kvm' is present." right after the warning,
    # whatever the check found (generic_device.go healthCheck() at d923fdb815cd), so a
    # reader grepping /dev/kvm sees both lines
    "m1-present-line": (KV, "", "Do not be misled by the line that follows it, "
                        "``device '/dev/kvm' is present.``"),
    "m1-present-claim": (KV, "", ":claim:`healthCheck() logs that line after the check "
                         "whatever the check found <kv-device-plugin>`"),
    "m1-source-title": (KV, "", "then \"device '%s' is present.\" logged in either case"),
    # L1: kubectl describe node | grep prints more than the two lines (Allocated resources)
    "l1-describe-lines": (KV, "It prints the node's capacity and its allocatable count.",
                          "Among the lines it prints are the node's capacity and its "
                          "allocatable count."),
    # L3: -F must be the backing image's real format; the knowledge base's trust rule
    "l3-backing-format": (TS, "", "``-F`` must be the backing image's real format"),
    "l3-kbase-trust": (TS, "", "trust that value only if the format is ``raw``, the "
                       "backing image has no ``backing file`` of its own, or that backing "
                       "file is correct and trusted"),
    # L4: where auditd runs, AppArmor's denials are audit records, not kernel log lines
    "l4-apparmor-auditd": (TS, "", "On a host where ``auditd`` runs, look in its log instead"),
    "l4-apparmor-source": (TS, "", "\"If auditd is used AppArmor integrates with it and its "
                           "records will be recorded with other audit messages\""),
    # L5: #6402 does not say where /dev/kvm and lsmod were looked at (a minikube install)
    "l5-6402-where": (KV, "one such report had /dev/kvm and kvm_intel loaded on the node",
                      "(it does not say where it ran those two commands)"),
    # L6: 7.0.0 and 7.1.3 renamed vmx_nested_tsc_scaling_test too (Makefile.kvm)
    "l6-tsc-scaling": (CT, "", ":claim:`Those two trees also list nested_tsc_scaling_test "
                       "in place of vmx_nested_tsc_scaling_test <selftests-makefile-7>`"),
    # L7: the WSL FAQ ties the Hypervisor Platform API to VirtualBox 6+, not to VMware
    "l7-wsl-faq-api": (WIN, "versions that support Hyper-V and WSL 2 through the Hypervisor "
                       "Platform API", "VirtualBox 6 and above use Windows' Hypervisor "
                       "Platform API to be compatible with Hyper-V <wsl-faq>`"),
}  # fmt: skip


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding):
    assert_fixed(FINDINGS[finding])


def test_the_present_line_follows_the_warning_in_the_page_order():
    """The warning is named before the line that must not mislead."""
    text = page_text(KV)
    warning = text.index("is not present, the device plugin can't expose it.")
    assert warning < text.index("``device '/dev/kvm' is present.``")


def test_the_handler_log_snippet_says_both_lines_come():
    """The snippet's note next to kubevirt.handler_log names the misleading line."""
    text = " ".join((REPO / "nested_snippets/snippets/kubevirt.py").read_text().split())
    assert "\"device '/dev/kvm' is present.\" all the same" in text
