"""Fact review 13 (how-to/s390x, power, arm64; the arm64 migration gap).

Each finding of the review (/work/facts12b/report.md) is pinned to the page text: the
imprecise or unsupported wording is gone, and the corrected statement is there with its
source key, role or snippet.  Whitespace is normalised, so rewrapping a paragraph does
not break these.
"""

from __future__ import annotations

import re

import pytest

from nested_snippets import registry
from tests.fact_findings import REPO, assert_fixed

S390 = "how-to/s390x.rst"
POWER = "how-to/power.rst"
ARM64 = "how-to/arm64.rst"
LIMITS = "explanation/migration-limits.rst"
TROUBLE = "troubleshooting.rst"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    "1-read-at-every-reset": (POWER, "That happens when L1 starts.", "<qemu-spapr-reset>"),
    "1-running-l1-until-reboot": (POWER, "not the ones already running",
                                  "keeps nesting after you turn ``nested`` off, until it reboots"),
    "1-troubleshooting-reboot": (TROUBLE, "", "exits when such an L1 reboots"),
    "2-nested-v2-l1": (POWER, "Either ``nested`` is ``N`` on L0, or L0 uses the hash MMU",
                       "runs as a nested-v2 guest"),
    "2-nested-v2-source": (POWER, "", "and when kvmhv_is_nestedv2()"),
    "3-radix-check-patch": (POWER, ":claim:`between 5.12 and 5.14 <",
                            "implement hash host / hash guest support"),
    "4-guest-mmu": (POWER, "available nested only under a PowerNV host with radix",
                    "available nested only in a pSeries guest that uses radix"),
    "5-prom-printf-console": (POWER, "", "so the line is not in dmesg) <linux-prom-init>"),
    "6-no-capability-bits": (POWER, "documents that API and its capability bits",
                             "naming POWER9 and POWER10 only as examples"),
    "7-hpage-only-for-1m-backing": (S390, "then turns this on for that guest",
                                    "<qemu-s390-hpage>"),
    "7-hpage-error": (S390, "", "Memory backing with 1M pages was specified, but KVM does not "
                      "support this memory backing"),
    "8-sief2": (S390, "a named CPU model without ``sie``", "<qemu-s390-sief2>"),
    "8-sief2-on": (S390, "", "``sief2=on``"),
    "9-not-available": (ARM64, "did not reject it:", "<arm64-kvm-arm-c>"),
    "9-positive-line": (ARM64, "", "VHE+NV2 mode initialized successfully"),
    "10-powervm-most": (POWER, "Most POWER servers run IBM's PowerVM", "<qemu-pseries-powervm>"),
    "11-powervm-nested-v2": (POWER, "A PowerVM that implements it is L0",
                             "<qemu-nested-papr-commit>"),
    "12-nv2-cpus": (ARM64, "Many Armv8 and Armv9 server CPUs lack it", "Not every Arm64 CPU"),
    "gap-arm64-migration": (ARM64, "", "<qemu-gicv3-nv-blocker>"),
    "gap-arm64-migration-limits": (LIMITS, "Not covered by this guide; we have not verified",
                                   "<qemu-gicv3-nv-blocker>"),
    "gap-always-works": (LIMITS, "with one exception on Intel", "On Arm64, QEMU blocks it"),
}  # fmt: skip


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding):
    assert_fixed(FINDINGS[finding])


@pytest.mark.parametrize(
    "key", ["qemu-spapr-reset", "qemu-pseries-powervm", "qemu-nested-papr-commit",
            "qemu-s390-hpage", "qemu-s390-sief2", "arm64-kvm-arm-c", "qemu-gicv3-nv-blocker"],
)  # fmt: skip
def test_each_new_source_is_defined_once_without_a_fragment(key):
    pages = [p for p in (POWER, S390, ARM64, LIMITS) if f".. source:: {key}\n" in
             (REPO / "source" / p).read_text(encoding="utf-8")]  # fmt: skip
    assert len(pages) == 1, (key, pages)
    text = (REPO / "source" / pages[0]).read_text(encoding="utf-8")
    entry = text[text.index(f".. source:: {key}\n") :].split("\n\n", 1)[0]
    url = re.search(r":url: (\S+)", entry).group(1)
    assert "#" not in url, url


def test_the_arm64_check_counts_the_lines_of_a_kernel_without_el2():
    """Finding 9: a kernel without EL2 logs "KVM is not available. Ignoring kvm-arm.mode"
    and "kvm [1]: HYP mode not available" (arch/arm64/kvm/arm.c @ 6.18.2); the check's
    pattern must match both, and still the parser's "Malformed early option"."""
    bodies = list(registry.load().get("arm64.check_mode").bodies())
    assert bodies
    for _, _, body in bodies:
        m = re.search(r"grep -c -E '([^']+)'", body.text)
        assert m, body.text
        pattern = re.compile(m.group(1))
        for line in ("KVM is not available. Ignoring kvm-arm.mode",
                     "kvm [1]: HYP mode not available",
                     "Malformed early option 'kvm-arm.mode'"):  # fmt: skip
            assert pattern.search(line), (pattern.pattern, line)
        assert not pattern.search("kvm [1]: VHE+NV2 mode initialized successfully")
