"""Fact review 19b (live migration, performance, clouds, confidential VMs, distribution
kernels, community tests, how nesting works, migration limits, the architecture matrix
and the versions page).

Each finding of the review of 2026-12-05 is pinned to the page text, as in
:mod:`tests.test_fact_review_18`: the wrong or overstated wording is gone, the corrected
statement is there with its source key.  Whitespace is normalised.
"""

from __future__ import annotations

import re

import pytest

from tests.fact_findings import assert_fixed, page_text

CLOUDS = "how-to/clouds.rst"
CONF = "how-to/confidential-vms.rst"
LIVE = "how-to/live-migration.rst"
COMMUNITY = "how-to/community-tests.rst"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    # M1: Microsoft's Trusted launch page lists nested virtualization as unsupported
    # except on "most v5 VM size families" (azure-docs trusted-launch.md @ f5aec6f3),
    # so "Standard" does not rule Trusted launch out as the page inferred
    "m1-no-inference": (CLOUDS, "this guide reads that as ruling out the other security "
                        "types, Trusted launch and Confidential VM",
                        "\"most v5 VM size families supported\" <azure-trusted-launch>`"),
    "m1-standard-still": (CLOUDS, "", "it must be \"Standard\" <ms-enable-nested>`"),
    # L1: the same inference on the confidential page; KVM's own refusal is the reason
    "l1-conf-azure": (CONF, "so a VM of security type \"Confidential VM\" cannot nest",
                      "does not mention the \"Confidential VM\" type"),
    # L2: a CPU model without vmx also avoids the 3.1-4.0 blocker (it is added only for
    # a CPU model with vmx: qemu-vmx-blocker)
    "l2-no-vmx-model": (LIVE, "The fix is a newer QEMU, not a change to the guest or to "
                        "the kernel.", "a CPU model without ``vmx``"),
    # L3: on Proxmox VE (a KVM L0 of your own) you do set nested on L0
    "l3-own-l0": (CLOUDS, "You cannot load modules or set ``nested`` on L0 here.",
                  "Unless L0 is a Linux KVM host of your own"),
    # L5: Microsoft moved its nesting pages to the Windows Server docs (August 2025)
    "l5-ms-moved": (CLOUDS, "", ":url: https://learn.microsoft.com/en-us/windows-server/"
                    "virtualization/hyper-v/enable-nested-virtualization"),
    # M2: 7.0.0 and 7.1.3 (Makefile.kvm) renamed two of the VMX programs the page runs
    "m2-renamed-7": (COMMUNITY, "a later mainline tree has no",
                     "the 7.0.0 and 7.1.3 trees have no vmx_set_nested_state_test"),
    # L4: the renamed tests skip naming both flags
    "l4-skip-either": (COMMUNITY, "", "kvm_cpu_has(X86_FEATURE_VMX) || "
                       "kvm_cpu_has(X86_FEATURE_SVM) <selftests-nested-7>`"),
}  # fmt: skip


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding):
    assert_fixed(FINDINGS[finding])


def test_the_trusted_launch_source_names_the_version_read():
    """M1: the new source says which version of Microsoft's page was read."""
    text = page_text(CLOUDS)
    entry = re.search(r"\.\. source:: azure-trusted-launch (.*?)(?=\.\. source::|$)", text)
    assert entry, "clouds.rst lacks the azure-trusted-launch source"
    assert "f5aec6f3" in entry.group(1) and ":read: 2026-12-05" in entry.group(1)


def _command(snippet_id: str) -> str:
    from nested_snippets import registry

    reg = registry.load()
    return "\n".join(body.command for label, body in reg.bodies()
                     if label.split("[")[0] == snippet_id)  # fmt: skip


def test_the_vmx_selftests_loop_names_both_spellings_and_skips_missing_programs():
    """M2: a program the tree lacks is reported as absent, not as FAILED."""
    command = _command("community_tests.selftests_vmx")
    for old, new in (("vmx_set_nested_state_test", "nested_set_state_test"),
                     ("vmx_close_while_nested_test", "nested_close_kvm_test")):
        assert f"x86/{old}" in command and f"x86/{new}" in command
    assert '[ -x "$t" ] ||' in command and "not in this tree" in command
