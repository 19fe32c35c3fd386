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
