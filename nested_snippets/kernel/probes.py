"""Facts about a Linux release that its sources show, bound to C text found in them.

Each :class:`SourceFact` names the fragments (source text as written: a string
literal with its quotes, a function name, a line of code) that all appear in a
release's scanned files exactly when the fact holds.  ``tools/extract_kernel_messages.py``
records every fragment it finds, with ``path:line``, in the ``messages`` section of
``data/linux-<version>.json`` (beside the fragments of the log wordings of
:mod:`nested_snippets.kernel.messages`); the pages print where a fact starts or stops
with ``:kernel-since:`source NAME present``` (and ``kernel-first``/``kernel-until``),
never a release typed by hand (:mod:`nested_snippets.kernel.boundaries`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceFact:
    fragments: tuple[str, ...]
    """Source text that all appears in the release's scanned files when the fact holds."""
    where: str
    """The file (and function) the fragments are in, for the reader."""
    meaning: str
    """What the fact is, in words."""


SOURCE_FACTS: dict[str, SourceFact] = {
    "svm-nested-state": SourceFact(
        ("svm_get_nested_state",),
        "arch/x86/kvm/svm/nested.c (kvm_x86_nested_ops.get_state)",
        "KVM saves and restores the nested SVM state (KVM_GET/SET_NESTED_STATE on AMD)",
    ),
    "avic-off-for-svm-guests": SourceFact(
        ("nested && guest_cpuid_has(vcpu, X86_FEATURE_SVM)",),
        "arch/x86/kvm/svm.c, svm/svm.c: svm_cpuid_update()/svm_vcpu_after_set_cpuid()",
        "AVIC is inhibited (APICV_INHIBIT_REASON_NESTED) for a VM whose vCPUs have SVM",
    ),
    "avic-off-only-in-l2": SourceFact(
        ("avic_vcpu_get_apicv_inhibit_reasons",),
        "arch/x86/kvm/svm/avic.c: APICV_INHIBIT_REASON_NESTED while in guest mode only",
        "AVIC is held off only while a vCPU runs L2 (commit f44509f849fe)",
    ),
    "sev-guest-refusal": SourceFact(
        ('"KVM is unsupported when running as an SEV guest\\n"',),
        "arch/x86/kvm/svm/svm.c: svm_init()/kvm_is_svm_supported()",
        "kvm_amd refuses to load in an SEV guest",
    ),
    "arm64-el2-cap": SourceFact(
        ("case KVM_CAP_ARM_EL2:",),
        "arch/arm64/kvm/arm.c: kvm_vm_ioctl_check_extension()",
        "KVM/arm64 answers KVM_CAP_ARM_EL2: a guest vCPU can be started at EL2 (nested)",
    ),
    "ppc-nested-needs-radix": SourceFact(
        ("return -ENODEV;\n\tif (!radix_enabled())\n\t\treturn -ENODEV;",),
        "arch/powerpc/kvm/book3s_hv.c: kvmhv_enable_nested()",
        "kvm_hv refuses the nested capability when the host uses the hash MMU",
    ),
    "svm-nested-tlb-flush-todo": SourceFact(
        (
            "static void nested_svm_transition_tlb_flush(",
            "TODO: optimize unconditional TLB flush/MMU sync.  A partial list of",
        ),
        "arch/x86/kvm/svm/nested.c: nested_svm_transition_tlb_flush()",
        "KVM flushes the TLB on every L1<->L2 transition on AMD (its TODO lists what to fix)",
    ),
    "vmx-flags-line": SourceFact(
        ('"\\nvmx flags\\t:"',),
        "arch/x86/kernel/cpu/proc.c: show_cpuinfo()",
        'an Intel CPU\'s /proc/cpuinfo entry has a separate "vmx flags" line',
    ),
    "firmware-vmx-off-hides-flag": SourceFact(
        (
            'pr_err_once("VMX (%s TXT) disabled by BIOS\\n",\n\t\t\t\t    tboot ? "inside" : '
            '"outside");\n\t\tclear_cpu_cap(c, X86_FEATURE_VMX);',
        ),
        "arch/x86/kernel/cpu/feat_ctl.c: init_ia32_feat_ctl()",
        "when the firmware locked IA32_FEAT_CTL with VMX off, the kernel logs 'VMX (outside "
        "TXT) disabled by BIOS' at boot and clears vmx from /proc/cpuinfo",
    ),
    "firmware-svm-off-hides-flag": SourceFact(
        (
            'pr_notice_once("SVM disabled (by BIOS) in MSR_VM_CR\\n");\n'
            "\t\t\tclear_cpu_cap(c, X86_FEATURE_SVM);",
        ),
        "arch/x86/kernel/cpu/amd.c: init_amd()",
        "when the firmware set VM_CR.SVMDIS, the kernel logs 'SVM disabled (by BIOS) in "
        "MSR_VM_CR' at boot and clears svm from /proc/cpuinfo",
    ),
    "kstrtobool-t-f": SourceFact(
        (
            "\tcase 't':\n\tcase 'T':\n\tcase '1':\n\t\t*res = true;",
            "\tcase 'f':\n\tcase 'F':\n\tcase '0':\n\t\t*res = false;",
        ),
        "lib/kstrtox.c: kstrtobool() (lib/string.c strtobool() before Linux 4.6)",
        "a bool parameter also takes a value starting with t or T (true) and f or F (false)",
    ),
    "kstrtobool-e-d": SourceFact(
        (
            "\tcase 'e':\n\tcase 'E':\n\tcase 'y':\n\tcase 'Y':",
            "\tcase 'd':\n\tcase 'D':\n\tcase 'n':\n\tcase 'N':",
        ),
        "lib/kstrtox.c: kstrtobool()",
        "a bool parameter also takes a value starting with e or E (enable: true) and d or D "
        "(disable: false)",
    ),
}
"""Named facts the pages refer to (``:kernel-since:`source svm-nested-state present```)."""

BOOL_LETTERS = {"kstrtobool-t-f": "tTfF", "kstrtobool-e-d": "eEdD"}
"""Fact -> the first letters ``kstrtobool()`` reads when it holds, besides those every
release of the data reads (:data:`nested_snippets.parsers.values.STEADY`)."""


def fragments() -> list[str]:
    """Every fragment of every fact (for tools/extract_kernel_messages.py)."""
    out: list[str] = []
    for fact in SOURCE_FACTS.values():
        out += [f for f in fact.fragments if f not in out]
    return out


def holds(name: str, found: set[str] | dict[str, str]) -> bool:
    """Whether the fact holds in a release whose sources show the fragments ``found``."""
    return all(f in found for f in SOURCE_FACTS[name].fragments)


def bool_letters(found: set[str] | dict[str, str]) -> str:
    """The first letters besides :data:`~nested_snippets.parsers.values.STEADY` that
    ``kstrtobool()`` reads in a release whose sources show the fragments ``found``
    (the ``extra`` of :func:`nested_snippets.parsers.values.parse`)."""
    return "".join(letters for name, letters in BOOL_LETTERS.items() if holds(name, found))
