"""Fact review 13a (how-to/enable-x86, how-to/verify, troubleshooting).

Each finding of the review (/work/facts13a/report.md) is pinned to the page text: the
wrong or imprecise wording is gone, and the corrected statement is there with its
source key, role or entry sources.  Whitespace is normalised, so rewrapping a
paragraph does not break these.
"""

from __future__ import annotations

import pytest

from tests.fact_findings import assert_fixed
from tests.fact_findings import page_text as _text

ENABLE = "how-to/enable-x86.rst"
VERIFY = "how-to/verify.rst"
TROUBLE = "troubleshooting.rst"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    "1-second-qemu-message": (TROUBLE, "", ":qemu-message:`vmx-save-error`"),
    "2-selftest-skip-on-amd": (TROUBLE, "``vmx`` to guests: nesting is off on that host. See",
                               "``kvm_cpu_has(X86_FEATURE_SVM)``"),
    "3-ebusy-until": (TROUBLE, "The error names why: ``Device or resource busy``",
                      ":kernel-until:`x86/kvm enable_virt_at_load absent`"),
    "3-eio-at-load": (TROUBLE, "", "``kvm: enabling virtualization on CPU0 failed``"),
    # 5.13 has data since 2026-12-05: the data says 5.13, with the commit as the claim
    "4-avic-bool-in-5.13": (VERIFY, "5.13 most likely has it",
                            ":kernel-first:`x86/kvm_amd avic type=bool` (:claim:`commit"),
    "5-modprobe-dirs": (ENABLE, "``/run/modprobe.d`` or ``/lib/modprobe.d`` may set it back",
                        "``/usr/lib/modprobe.d``"),
    "5-order-and-cmdline": (ENABLE, "", "<kmod-config-order>"),
    "6-tcg-fallback-said": (TROUBLE, "silently; so does any guest when",
                            "``falling back to tcg``"),
    "7-amd-releases": (TROUBLE, "completes. The failure comes afterwards",
                       # walk13 L11
                       "older than Linux :kernel-since:`source svm-nested-state present`"),
    "8-validate-warn": (TROUBLE, "significantly limited)``. **Cause.**",
                        "<libvirt-validate-warn>"),
    "9-irqbypass": (ENABLE, "also unloads ``kvm`` (and on AMD",
                    "``kvm`` and ``irqbypass``"),
    "10-haswell-sourced": (VERIFY, "(E5 v3)", "<upstream-nested-haswell>"),
}  # fmt: skip


def _section(page: str, title: str, end: str) -> str:
    text = _text(page)
    start = text.index(title)
    return text[start : text.index(end, start)]


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding):
    assert_fixed(FINDINGS[finding])


def test_the_migration_entry_lists_both_messages_before_its_cause():
    """Merge c697da7 dropped the second bullet; Cause and Fix speak of 'the second'."""
    entry = _section(TROUBLE, "Live migration fails with a nested guest", "**Cause.**")
    bullets = entry.split(" * ")[1:]
    assert len(bullets) == 2, entry
    assert ":qemu-message:`vmx-migration-blocker`" in bullets[0]
    assert ":qemu-since:`vmx-nested-state-migration`" in bullets[1]
    assert ":qemu-message:`vmx-save-error`" in bullets[1]


def test_the_eio_entry_names_the_other_hypervisor_with_its_sources():
    entry = _section(TROUBLE, "``could not insert 'kvm_intel': Input/output error``",
                     ".. _troubleshooting-")  # the next entry, whichever (session 21)
    assert ":kernel-since:`x86/kvm enable_virt_at_load default=Y`" in entry
    assert "VirtualBox" in entry and ":ref:`troubleshooting-create-vm`" in entry
    sources = entry[entry.index("**Symptom (second form).**") :]
    assert ".. entry-sources::" in sources and "kvm_main.c" in sources
