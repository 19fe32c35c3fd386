"""Fact review s21a (2026-12-05): power.rst, s390x.rst, arm64.rst, confidential-vms.rst,
kubevirt.rst, how-nesting-works.rst and architectures.rst against the kernel (6.3.8,
6.18.2, 7.0.0 and Debian's 7.3.4 sources), QEMU 10.2.0 and KubeVirt's sources.

Each finding is pinned to the page text as in :mod:`tests.test_fact_review_20b`: its
wrong wording is gone, and its corrected wording and source key are there.
"""

from __future__ import annotations

import pytest

from tests.fact_findings import REPO, assert_fixed, page_text

ARM64 = "how-to/arm64.rst"
POWER = "how-to/power.rst"
S390X = "how-to/s390x.rst"
CONFIDENTIAL = "how-to/confidential-vms.rst"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    # A1: early_kvm_mode_cfg() takes "nested" only "&& !WARN_ON(!is_kernel_in_hyp_mode())"
    # (arm.c @ 6.3.8, 6.18.2, 7.3.4): a kernel not at EL2 (nVHE) WARNs and the option is
    # "Malformed" (init/main.c do_early_param()); the page gave only an unknown value
    "a1-malformed-cause": (ARM64, "``Malformed early option``, when the kernel does not "
                           "know the value (below), and", "``Malformed early option``, "
                           "when the kernel does not know the value (below) or "
                           ":claim:`does not run in VHE mode"),
    "a1-source": (ARM64, "", ".. source:: arm64-nested-needs-vhe"),
    # A2: so "On a host without [FEAT_NV2], the kernel accepts the option" holds only
    # for a kernel running in VHE mode
    "a2-accepts-only-vhe": (ARM64, "On a host without it, the kernel accepts the option",
                            "On a host whose kernel runs in VHE mode but whose CPU lacks "
                            "it, the kernel accepts the option"),
    # P1: kvm-nested.rst names POWER9 and POWER10 as CPU versions "that are supported as
    # L2s", not as the L0's own CPU versions
    "p1-l2-versions": (POWER, "CPU versions an L0 may support <linux-kvm-nested-rst>`",
                       "examples of the CPU versions an L0 may support for its L2 "
                       "guests"),
    # S1: the causal sentence on the gmap rewrite had no source
    "s1-gmap-source": (S390X, "", ":claim:`the s390 guest-mapping (gmap) rewrite"),
    "s1-gmap-entry": (S390X, "", ".. source:: linux-s390-gmap-hpage"),
}  # fmt: skip


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding: str) -> None:
    assert_fixed(FINDINGS[finding])


def test_a1_the_vhe_source_names_the_warn_on_and_the_releases_read() -> None:
    """The new source entry quotes the test and names the trees it was read in."""
    text = page_text(ARM64)
    entry = text[text.index(".. source:: arm64-nested-needs-vhe"):][:900]
    assert '!WARN_ON(!is_kernel_in_hyp_mode())' in entry, entry
    for tree in ("6.3.8", "6.18.2", "7.3.4"):
        assert tree in entry, (tree, entry)


def test_c1_the_memory_encryption_line_of_an_sme_host_is_named() -> None:
    """C1: print_mem_encrypt_feature_info() prints "AMD SME" on a host with SME active
    (mem_encrypt.c @ 6.18.2, 7.3.4); the page listed only TDX and the SEV features, so
    a reader who ran the grep on L0 would take that line for a confidential guest."""
    assert_fixed((CONFIDENTIAL, "", 'encrypts its own memory with AMD\'s SME prints "AMD SME"'))


def test_p2_kvm_pr_is_among_the_causes_of_the_nested_hv_refusal() -> None:
    """P2: kvm_vm_ioctl_check_extension() answers KVM_CAP_PPC_NESTED_HV with
    ``!!(hv_enabled && ...)``, hv_enabled being is_kvmppc_hv_enabled(kvm) for a VM
    (powerpc.c @ 7.3.4 lines 538, 647-649): a KVM-PR guest gets 0 too, a cause the
    page's "Either ... or ..." list left out."""
    entry = page_text(POWER)
    entry = entry[entry.index("``KVM implementation does not support Nested-HV``"):]
    entry = entry[:entry.index("``Error enabling cap-nested-hv with KVM``")]
    assert "or L1 runs on KVM-PR, not KVM-HV" in entry, entry
    assert "<linux-ppc-nested-cap-pr>" in entry, entry


def test_s2_the_sief2_citation_quotes_the_code_and_no_local_path() -> None:
    """S2: the Source comment quoted "if (sclp.has_sief2 && nested)", a test no release
    read has (4.19.0, 6.18.2 and 7.3.4 return early on "!sclp.has_sief2 || ... ||
    !nested"), and cited a file outside the repository (/work/shared/notes)."""
    raw = (REPO / "source" / S390X).read_text(encoding="utf-8")
    assert "if (sclp.has_sief2 && nested)" not in raw
    assert "/work/shared" not in raw
    assert_fixed((S390X, "", '!sclp.has_64bscao || !test_facility(3) || !nested)" '
                 "(kvm-s390.c:455 @ 6.18.2"))


def test_c2_the_sev_guest_check_has_its_first_release() -> None:
    """C2: svm.c has no "KVM is unsupported when running as an SEV guest" check at
    5.10.0 (wqhot/linux-5.10) and has it at 5.11.0 (CompressionDuck/linux-5.11); the
    page said "checks for this case" for every release."""
    assert_fixed((CONFIDENTIAL, "KVM's AMD module checks for this case. When",
                  "KVM's AMD module checks for this case, from Linux :kernel-since:`source "
                  "sev-guest-refusal present` on"))


def test_p3_old_kernels_refused_nesting_on_the_first_power9_chips() -> None:
    """P3: before the radix check, kvmhv_enable_nested() returned -ENODEV when
    no_mixing_hpt_and_radix, set for POWER9 chips before DD2.02 (book3s_hv.c @ 4.20.0,
    5.12.9): a cause of "does not support Nested-HV" on those kernels the page left out."""
    assert_fixed((POWER, "", "refused nesting on the first POWER9 chips, which cannot "
                  "run hash and radix threads on one core <linux-book3s-hv-no-mixing>`"))
    assert_fixed((POWER, "", ".. source:: linux-book3s-hv-no-mixing"))
