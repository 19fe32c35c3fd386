"""Fact review 12 (performance, how-nesting-works, migration-limits, live-migration).

Each finding of the review (/work/facts12/report.md) is pinned to the page text: the
wrong or unsupported wording is gone, and the corrected statement is there with its
source key, role or snippet.  Whitespace is normalised, so rewrapping a paragraph does
not break these.
"""

from __future__ import annotations

import re

import pytest

from nested_snippets import registry
from tests.fact_findings import assert_fixed
from tests.fact_findings import page_text as _text

PERF = "how-to/performance.rst"
NESTING = "explanation/how-nesting-works.rst"
LIMITS = "explanation/migration-limits.rst"
LIVE = "how-to/live-migration.rst"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    "1-shadow-vmcs-fields": (NESTING, "on most VMCS fields", "fields L1 uses most often"),
    "1-shadow-vmcs-perf": (PERF, "without an exit to L0 for each access",
                           "<linux-vmcs-shadow-fields>"),
    "2-avic-nesting": (NESTING, "For L2 this depends on L0 emulating",
                       "AVIC never speeds up L2"),
    "2-avic-perf": (PERF, "older kernels switch AVIC off", "<linux-avic-nested>"),
    "3-unsourced-ranking": (PERF, "matters more than anything else", "every page-table change"),
    "4-qemu-between-hosts-limits": (LIMITS, "Upstream's page names a later QEMU release",
                                    "<qemu-vmx-features>"),
    "4-qemu-between-hosts-live": (LIVE, "The QEMU release is earlier than upstream's",
                                  "<qemu-vmx-features>"),
    "5-google-own-page": (PERF, "pub.dev/documentation/googleapis",
                          "cloud.google.com/compute/docs/instances/nested-virtualization/overview"),
    "6-l2-stalls": (PERF, "stalls as a whole", "<lkml-lock-holder>"),
    "7-npt-param": (PERF, "module parameters say what KVM actually uses. On Intel",
                    ":kernel-since:`x86/kvm_amd npt type=bool`"),
    "8-one-hypervisor": (NESTING, "support exactly one hypervisor", "On x86, the virtualization"),
    "9-svm-tlb-as-of": (NESTING, "On AMD, KVM still flushes", "<linux-svm-tlb-flush>"),
    "10-power9-or-later": (NESTING, "POWER9 and the Radix MMU are required", "POWER9 or later"),
    "11-ioctls-not-vmcs02": (LIMITS, "save and restore exactly that state",
                             "vmcs02 and vmcb02 are not in it"),
    "12-vmx-on-needs-qemu-limits": (LIMITS, "which refuse any guest with ``vmx``).",
                                    ":kernel-since:`x86/kvm enable_virt_at_load default=Y`"),
    "12-vmx-on-needs-qemu-live": (LIVE, "except with the two QEMU releases below",
                                  ":kernel-since:`x86/kvm enable_virt_at_load default=Y`"),
    "13-named-models": (LIMITS, "Named CPU models avoid both.", "every host supports all"),
    "14-nova-suspend": (LIMITS, "for the same reason as migration", "<nova-nested-limits>"),
    "15-save-check-one-sentence": (LIVE, "fails only when L0's kernel cannot save it",
                                   "only when L1 may have turned VMX on"),
    "16-svm-restore-silent": (LIVE, "restoring it failed for SVM",
                              "without reporting an error <qemu-svm-nested-format>"),
    "17-virsh-shutdown-wait": (LIVE, "", ".. snippet:: migration.l2_state"),
    "note-power-state": (LIMITS, "IBM POWER and Arm64", "<linux-ppc-kvm-nested>"),
}  # fmt: skip


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding):
    assert_fixed(FINDINGS[finding])


def test_the_shutdown_is_followed_by_the_state_check():
    text = _text(LIVE)
    assert text.index("migration.shutdown_l2") < text.index("migration.l2_state")
    body = next(iter(registry.load().get("migration.l2_state").bodies()))[2].text
    assert body.split()[-2:] == ["domstate", "l2"], body


def test_the_l1_grep_pattern_is_one_quoted_word():
    """Rendering: no two adjacent quoted strings ('...posted_intr''|hypervisor')."""
    for sid in ("performance.l0_intel_cpu", "performance.l1_intel_cpu"):
        for _, _, body in registry.load().get(sid).bodies():
            assert "''" not in body.text, (sid, body.text)
            assert re.search(r"grep -o -w -E '[a-z_|]+' /proc/cpuinfo", body.text), body.text
