"""Fact review 17 (live migration, migration limits, confidential VMs).

Each finding of the review of 2026-12-04 (session 17: about 175 factual sentences of
five pages checked against QEMU and kernel commits, list archives and vendors' pages)
is pinned to the page text, as in :mod:`tests.test_fact_review_13b`: the wrong or
overstated wording is gone, the corrected statement is there with its source key or
role.  Whitespace is normalised.
"""

from __future__ import annotations

import pytest

from tests.fact_findings import assert_fixed

LIVE = "how-to/live-migration.rst"
LIMITS = "explanation/migration-limits.rst"
CONF = "how-to/confidential-vms.rst"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    # QEMU 3.1-4.0 add the blocker at vCPU init for any CPU model with vmx
    # (d98f26073b, target/i386/kvm.c kvm_arch_init_vcpu), VMX on or not
    "m1-idle-vmx-l1": (LIVE, "except on Intel with a QEMU older than "
                       ":qemu-since:`vmx-nested-state-migration` once L1's KVM has turned VMX on",
                       "refuse any guest whose CPU model has ``vmx``, VMX turned on or not"),
    # canonical/tdx#200 says "right now"; #426 (2026-07-10): "TD partitioning is not supported"
    "m2-tdx-short-answer": (CONF, "or isolated by Intel TDX does not get a working KVM inside it",
                            "cannot run upstream KVM as L1"),
    "m2-tdx-partitioning": (CONF, "", "\"TD partitioning is not supported.\" <canonical-tdx-426>`"),
    "l7-right-now": (CONF, "Nested virtualization is not supported in TDX guests",
                     "Nested virtualization is not supported right now in TDX guests"),
    # (fact review s21b added a fourth: AMD with QEMU 5.1 on a kernel with SVM nested state)
    "l3-three-exceptions": (LIMITS, "runs no L2 guest, with two exceptions",
                            "runs no L2 guest, with four exceptions"),
    "l4-first-version": (LIMITS, "[PATCH v3] docs/virt/kvm",
                         "\"[PATCH] docs/virt/kvm: Document running nested guests\""),
    "l5-upstream-text": (LIMITS, "", "\"even on older versions for s390x\""),
    # later fixes (e.g. the SMM ordering patch of 2023) make "correctly" too absolute
    "l6-svm-restore": (LIMITS, "restores it correctly from", "restoring it silently left"),
}  # fmt: skip


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding):
    assert_fixed(FINDINGS[finding])
