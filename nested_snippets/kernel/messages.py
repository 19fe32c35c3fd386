"""Kernel log lines the fake host prints, per kernel version, with their sources.

Each entry is the text ``dmesg`` shows after the timestamp, i.e. including the
``pr_fmt`` prefix. Prefix rules that matter here:

* ``printk(KERN_x "...")`` ignores ``pr_fmt``; only the ``pr_*`` macros apply it.
* Before v6.3 ``arch/x86/kvm/x86.c`` and ``vmx/vmx.c`` had no ``pr_fmt`` and hard-coded
  ``"kvm: "``; ``svm.c`` had ``pr_fmt`` ``"SVM: "`` but printed the lines below with
  plain ``printk`` (hence ``"kvm: Nested ..."`` and a bare ``"has_svm: ..."``).
* From v6.3 (commit "KVM: x86: Unify pr_fmt to use module name for all KVM modules")
  every KVM x86 file uses ``KBUILD_MODNAME ": "``: ``x86.c`` is built into ``kvm.ko``
  (prefix ``kvm:``), ``vmx/*.c`` into ``kvm-intel.ko`` (``kvm_intel:``), ``svm/*.c`` into
  ``kvm-amd.ko`` (``kvm_amd:``).
* From v6.3 (commit "KVM: x86: Do VMX/SVM support checks directly in vendor code") the
  "is VMX/SVM there?" check runs in ``vmx_init()``/``svm_init()``, which return
  ``-EOPNOTSUPP`` (modprobe: "Operation not supported").
* ``kernel/params.c`` and ``kernel/module.c`` (``kernel/module/main.c`` from v5.19) have
  no ``pr_fmt``; their lines start with the module name themselves.

Versions were checked in release trees 4.19.1, 4.20, 5.0.1, 5.3.1, 5.10.7, 5.15.24,
6.1.20, 6.3.8, 6.4, 6.5, 6.6, 6.12, 6.16.1, 6.18.2 and 7.1.3. ``since`` is the first
release with the text. A key whose variants have a ``probe`` is bound to the sources of
every release with data (``tests/test_messages.py``: the wording the fake host logs is
the one whose C text the release's files hold, written by
``tools/extract_kernel_messages.py``); for the other keys, where a change fell between
two checked releases, the ``source`` says so and names the patch.

A template may hold ``\\n`` when one event logs several lines. An empty template means
nothing is logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from nested_snippets.versions import version_key


@dataclass(frozen=True)
class Variant:
    """One wording of a message, valid from ``since`` until the next variant."""

    since: str
    """First kernel version with this text ("0" = every version we model before)."""
    template: str
    """``str.format`` template of the dmesg line(s), pr_fmt prefix included."""
    errno: str | None
    """Errno name the failing call returns (module init unless stated), or None."""
    source: str
    """Kernel file and version (or commit) the text was read from."""
    probe: tuple[str, ...] = ()
    """C source fragments (string literals as written) that all appear in a release's
    scanned files (the KVM files, feat_ctl.c, amd.c: tools/extract_kernel_messages.py)
    exactly when it logs this wording; () for wordings outside them (checked by hand)
    and for "logs nothing" when the other wordings are gone."""
    absent: tuple[str, ...] = ()
    """Fragments whose presence rules this wording out (an older check still there)."""


_SVM_FMT = '#define pr_fmt(fmt) "SVM: " fmt'
"""svm.c's pr_fmt before 6.3 (from 6.3 KBUILD_MODNAME, "kvm_amd: ")."""

_FEAT_CTL_VMX = '"VMX (%s TXT) disabled by BIOS\\n"'
"""feat_ctl.c's boot line when the firmware locked IA32_FEAT_CTL with VMX off (from 5.6)."""

_AMD_SVM_VM_CR = '"SVM disabled (by BIOS) in MSR_VM_CR\\n"'
"""amd.c's boot line when VM_CR.SVMDIS is set (from 6.7); kvm_amd's own line ends in
"on CPU %d", so this fragment does not match it."""

MESSAGES: dict[str, tuple[Variant, ...]] = {
    # --- module parameters (every architecture) -------------------------------------
    "unknown_param": (
        Variant(
            "0",
            "{module}: unknown parameter '{param}' ignored",
            None,
            "kernel/module.c unknown_module_param_cb() @ v4.19..v5.15 (pr_warn, no pr_fmt)",
        ),
        Variant(
            "5.19",
            "{module}: unknown parameter '{param}' ignored",
            None,
            "kernel/module/main.c unknown_module_param_cb() @ v6.1, v6.6, v6.12, v6.18, v7.1",
        ),
    ),
    "invalid_value": (
        Variant(
            "0",
            "{module}: `{value}' invalid for parameter `{param}'",
            "EINVAL",
            "kernel/params.c parse_args() @ v4.19..v7.1 (unchanged); errno from param_set_*",
        ),
    ),
    "value_too_large": (
        Variant(
            "0",
            "{module}: `{value}' too large for parameter `{param}'",
            "ENOSPC",
            "kernel/params.c parse_args() @ v4.19..v7.1 (unchanged)",
        ),
    ),
    # --- x86: modprobe kvm_intel on a CPU without VMX (e.g. an L1 guest w/o nested) ---
    "no_hw_support": (
        Variant(
            "0",
            "kvm: no hardware support",
            "EOPNOTSUPP",
            "arch/x86/kvm/x86.c kvm_arch_init() @ v4.19, v4.20, v5.3, v5.10, v5.15",
            probe=('"kvm: no hardware support\\n"',),
        ),
        Variant(
            "5.16",
            "kvm: no hardware support for '{module}'",
            "EOPNOTSUPP",
            "arch/x86/kvm/x86.c @ v6.1; patch 'KVM: x86: Add vendor name to kvm_x86_ops, "
            "use it for error messages' (posted 2021-10-18, first in v5.16; 5.15 old text)",
            probe=("\"kvm: no hardware support for '%s'\\n\"",),
        ),
        Variant(
            "6.3",
            "kvm_intel: VMX not supported by CPU {cpu}",
            "EOPNOTSUPP",
            "arch/x86/kvm/vmx/vmx.c kvm_is_vmx_supported()/vmx_init() @ v6.3.8, v6.6, v6.12, "
            "v6.16.1, v6.18.2, v7.1.3",
            probe=('"VMX not supported by CPU %d\\n"',),
        ),
    ),
    # --- x86: modprobe kvm_amd on a CPU that is not AMD/Hygon ------------------------
    "no_hw_support_amd": (
        Variant(
            "0",
            "has_svm: not amd\nkvm: no hardware support",
            "EOPNOTSUPP",
            "arch/x86/kvm/svm.c has_svm() + arch/x86/include/asm/virtext.h + x86.c @ v4.19",
            probe=(
                '"not amd"',
                '"kvm: no hardware support\\n"',
            ),
        ),
        Variant(
            "4.20",
            "has_svm: not amd or hygon\nkvm: no hardware support",
            "EOPNOTSUPP",
            "arch/x86/include/asm/virtext.h cpu_has_svm() @ v4.20, v5.3, v5.10, v5.15",
            probe=(
                '"not amd or hygon"',
                '"kvm: no hardware support\\n"',
            ),
        ),
        Variant(
            "5.16",
            "has_svm: not amd or hygon\nkvm: no hardware support for '{module}'",
            "EOPNOTSUPP",
            "arch/x86/kvm/svm/svm.c has_svm() + x86.c @ v6.1",
            probe=(
                '"not amd or hygon"',
                "\"kvm: no hardware support for '%s'\\n\"",
            ),
        ),
        Variant(
            "6.3",
            "kvm_amd: SVM not supported by CPU {cpu}, not amd or hygon",
            "EOPNOTSUPP",
            "arch/x86/kvm/svm/svm.c kvm_is_svm_supported() @ v6.3.8, v6.4, v6.5",
            probe=(
                '"SVM not supported by CPU %d, %s\\n"',
                '"not amd or hygon"',
            ),
        ),
        Variant(
            "6.6",
            "kvm_amd: CPU {cpu} isn't AMD or Hygon",
            "EOPNOTSUPP",
            "arch/x86/kvm/svm/svm.c __kvm_is_svm_supported() @ v6.6, v6.12, v6.16.1, v6.18.2, "
            "v7.1.3",
            probe=('"CPU %d isn\'t AMD or Hygon\\n"',),
        ),
    ),
    # --- x86: modprobe kvm_amd on an AMD CPU without the SVM flag (L1 guest) ---------
    "amd_svm_unavailable": (
        Variant(
            "0",
            "has_svm: svm not available\nkvm: no hardware support",
            "EOPNOTSUPP",
            "arch/x86/include/asm/virtext.h cpu_has_svm() + x86.c @ v4.19..v5.15",
            probe=(
                '"svm not available"',
                '"kvm: no hardware support\\n"',
            ),
        ),
        Variant(
            "5.16",
            "has_svm: svm not available\nkvm: no hardware support for '{module}'",
            "EOPNOTSUPP",
            "arch/x86/include/asm/virtext.h + arch/x86/kvm/x86.c @ v6.1",
            probe=(
                '"svm not available"',
                "\"kvm: no hardware support for '%s'\\n\"",
            ),
        ),
        Variant(
            "6.3",
            "kvm_amd: SVM not supported by CPU {cpu}, svm not available",
            "EOPNOTSUPP",
            "arch/x86/kvm/svm/svm.c kvm_is_svm_supported() @ v6.3.8, v6.4, v6.5",
            probe=(
                '"SVM not supported by CPU %d, %s\\n"',
                '"svm not available"',
            ),
        ),
        Variant(
            "6.6",
            "kvm_amd: SVM not supported by CPU {cpu}",
            "EOPNOTSUPP",
            "arch/x86/kvm/svm/svm.c __kvm_is_svm_supported() @ v6.6..v7.1.3",
            probe=('"SVM not supported by CPU %d\\n"',),
        ),
    ),
    # --- x86: VT-x disabled by firmware, modprobe kvm_intel ---------------------------
    "disabled_by_bios": (
        Variant(
            "0",
            "kvm: disabled by bios",
            "EOPNOTSUPP",
            "arch/x86/kvm/x86.c kvm_arch_init() @ v4.19..v5.15",
            probe=('"kvm: disabled by bios\\n"',),
        ),
        Variant(
            "5.16",
            "kvm: support for '{module}' disabled by bios",
            "EOPNOTSUPP",
            "arch/x86/kvm/x86.c @ v6.1 (same patch as no_hw_support 5.16)",
            probe=("\"kvm: support for '%s' disabled by bios\\n\"",),
        ),
        Variant(
            "6.3",
            "kvm_intel: VMX not enabled (by BIOS) in MSR_IA32_FEAT_CTL on CPU {cpu}",
            "EOPNOTSUPP",
            "arch/x86/kvm/vmx/vmx.c kvm_is_vmx_supported() @ v6.3.8..v6.18.2",
            probe=('"VMX not enabled (by BIOS) in MSR_IA32_FEAT_CTL on CPU %d\\n"',),
        ),
        Variant(
            "7.1",
            "kvm_intel: VMX not fully enabled on CPU {cpu}.  Check kernel logs and/or BIOS",
            "EOPNOTSUPP",
            "arch/x86/kvm/vmx/vmx.c __kvm_is_vmx_supported() @ v7.1.3; patch 'x86/virt: "
            "Force-clear X86_FEATURE_VMX if configuring root VMCS fails' (2026-02); absent "
            "in 6.18.2, 6.19.6 and 7.0.0 (data), so first in 7.1",
            probe=('"VMX not fully enabled on CPU %d.  Check kernel logs and/or BIOS\\n"',),
        ),
    ),
    # --- x86: SVM disabled by firmware, modprobe kvm_amd -------------------------------
    "disabled_by_bios_amd": (
        Variant(
            "0",
            "kvm: disabled by bios",
            "EOPNOTSUPP",
            "arch/x86/kvm/x86.c kvm_arch_init() + svm.c is_disabled() @ v4.19..v5.15",
            probe=('"kvm: disabled by bios\\n"',),
        ),
        Variant(
            "5.16",
            "kvm: support for '{module}' disabled by bios",
            "EOPNOTSUPP",
            "arch/x86/kvm/x86.c @ v6.1",
            probe=("\"kvm: support for '%s' disabled by bios\\n\"",),
        ),
        Variant(
            "6.3",
            "kvm_amd: SVM disabled (by BIOS) in MSR_VM_CR on CPU {cpu}",
            "EOPNOTSUPP",
            "arch/x86/kvm/svm/svm.c kvm_is_svm_supported() @ v6.3.8, v6.4, v6.5, v6.6",
            probe=('"SVM disabled (by BIOS) in MSR_VM_CR on CPU %d\\n"',),
        ),
        Variant(
            "6.7",
            "kvm_amd: SVM not supported by CPU {cpu}",
            "EOPNOTSUPP",
            "commit 7deda2ce5b33 'x86/cpu: Clear SVM feature if disabled by BIOS' (tip "
            "2023-09, v6.7): boot logs 'SVM disabled (by BIOS) in MSR_VM_CR' once and clears "
            "the flag; svm.c @ v6.12..v7.1.3",
            probe=('"SVM not supported by CPU %d\\n"',),
            absent=('"SVM disabled (by BIOS) in MSR_VM_CR on CPU %d\\n"',),
        ),
    ),
    # --- x86: firmware disabled VT-x/SVM, logged at boot by the CPU setup code -------
    "feat_ctl_vmx_disabled": (
        Variant("0", "", None, "no feat_ctl.c before the 5.6 VMX feature series"),
        Variant(
            "5.6",
            "x86/cpu: VMX (outside TXT) disabled by BIOS",
            None,
            "arch/x86/kernel/cpu/feat_ctl.c init_ia32_feat_ctl() @ v5.6.4 and v6.18.2 "
            "(pr_fmt 'x86/cpu: '; 'inside TXT' when booted through tboot); bound to "
            "feat_ctl.c for every release with data (probes.py firmware-vmx-off-hides-flag)",
            probe=(_FEAT_CTL_VMX,),
        ),
    ),
    "amd_svm_disabled_boot": (
        Variant("0", "", None, "init_amd() did not check VM_CR before commit 7deda2ce5b33"),
        Variant(
            "6.7",
            "SVM disabled (by BIOS) in MSR_VM_CR",
            None,
            "arch/x86/kernel/cpu/amd.c init_amd() @ v6.18.2 (pr_notice_once, no pr_fmt); "
            "commit 7deda2ce5b33 'x86/cpu: Clear SVM feature if disabled by BIOS' (v6.7); "
            "bound to amd.c for every release with data (probes.py firmware-svm-off-hides-flag)",
            probe=(_AMD_SVM_VM_CR,),
        ),
    ),
    # --- x86: second vendor module while the other one is loaded -----------------------
    "already_loaded_vendor": (
        Variant(
            "0",
            "kvm: already loaded the other module",
            "EEXIST",
            "arch/x86/kvm/x86.c kvm_arch_init() @ v4.19..v5.15",
            probe=('"kvm: already loaded the other module\\n"',),
        ),
        Variant(
            "5.16",
            "kvm: already loaded vendor module '{module}'",
            "EEXIST",
            "arch/x86/kvm/x86.c @ v6.1 (printk text), v6.3+ via pr_fmt KBUILD_MODNAME=kvm; "
            "@ v6.6, v6.12, v6.18.2, v7.1.3. {module} is the module ALREADY loaded. From "
            "v6.3 the vendor CPU check runs first, so on real hardware the other vendor's "
            "module fails with its no_hw_support line instead",
            probe=("already loaded vendor module '%s'\\n\"",),
        ),
    ),
    # --- x86: AMD load-time line when nested != 0 (default 1) -------------------------
    "amd_nested_enabled": (
        Variant(
            "0",
            "kvm: Nested Virtualization enabled",
            None,
            "arch/x86/kvm/svm.c svm_hardware_setup() printk @ v4.19..v5.3; svm/svm.c @ v5.10, "
            "v5.15, v6.1",
            probe=('"kvm: Nested Virtualization enabled\\n"',),
        ),
        Variant(
            "6.3",
            "kvm_amd: Nested Virtualization enabled",
            None,
            "arch/x86/kvm/svm/svm.c svm_hardware_setup() pr_info @ v6.3.8..v7.1.3",
            probe=('"Nested Virtualization enabled\\n"',),
        ),
    ),
    # --- s390 --------------------------------------------------------------------------
    # --- kvm_amd informational lines at load (svm_hardware_setup()) ------------------
    # Bound to svm.c's format strings; the prefix is svm.c's pr_fmt "SVM: " before 6.3
    # (printk(KERN_INFO ...) ignores it) and KBUILD_MODNAME from 6.3 (probe _SVM_FMT).
    # Measured under QEMU TCG -cpu max (nested_snippets/fixtures/realkernel/*.json
    # "kvm_amd_load"): Debian 6.1.192, 6.12.118 and 7.3.4.
    "amd_npt_enabled": (
        Variant(
            "0",
            "kvm: Nested Paging enabled",
            None,
            'arch/x86/kvm/svm.c svm_hardware_setup() printk(KERN_INFO "kvm: Nested Paging '
            'enabled\\n") (no pr_fmt) @ v4.19..v5.6.4',
            probe=('"kvm: Nested Paging enabled\\n"',),
        ),
        Variant(
            "5.7",
            "SVM: kvm: Nested Paging enabled",
            None,
            'arch/x86/kvm/svm/svm.c pr_info("kvm: Nested Paging %sabled\\n", ...) with pr_fmt '
            '"SVM: " @ 5.7.14..6.2; measured on Debian 6.1.192',
            probe=('"kvm: Nested Paging %sabled\\n"',),
        ),
        Variant(
            "6.3",
            "kvm_amd: Nested Paging enabled",
            None,
            'arch/x86/kvm/svm/svm.c pr_info("Nested Paging %sabled\\n", ...), pr_fmt '
            "KBUILD_MODNAME (as for amd_nested_enabled) @ 6.3.8..6.13.0; measured on 6.12.118",
            probe=('"Nested Paging %sabled\\n"',),
        ),
        Variant(
            "6.14",
            "kvm_amd: Nested Paging enabled",
            None,
            'arch/x86/kvm/svm/svm.c pr_info("Nested Paging %s\\n", str_enabled_disabled(...)) '
            "@ 6.14.0..7.3.4 (same text); measured on 7.3.4",
            probe=('"Nested Paging %s\\n"',),
        ),
    ),
    "amd_npt_disabled": (
        Variant(
            "0",
            "kvm: Nested Paging disabled",
            None,
            'arch/x86/kvm/svm.c svm_hardware_setup() printk(KERN_INFO "kvm: Nested Paging '
            'disabled\\n") @ v4.19..v5.6.4: only when npt=0 is given on a CPU with NPT '
            "(a CPU without NPT logs nothing: amd_npt_unsupported)",
            probe=('"kvm: Nested Paging disabled\\n"',),
        ),
        Variant(
            "5.7",
            "SVM: kvm: Nested Paging disabled",
            None,
            'arch/x86/kvm/svm/svm.c pr_info("kvm: Nested Paging %sabled\\n", ...) @ 5.7.14..6.2; '
            "real-kernel-under-qemu.md: -cpu qemu64 on Debian 6.1.192 printed it",
            probe=('"kvm: Nested Paging %sabled\\n"',),
        ),
        Variant(
            "6.3",
            "kvm_amd: Nested Paging disabled",
            None,
            'arch/x86/kvm/svm/svm.c pr_info("Nested Paging %sabled\\n", ...) @ 6.3.8..6.13.0',
            probe=('"Nested Paging %sabled\\n"',),
        ),
        Variant(
            "6.14",
            "kvm_amd: Nested Paging disabled",
            None,
            'arch/x86/kvm/svm/svm.c pr_info("Nested Paging %s\\n", ...) @ 6.14.0..7.3.4',
            probe=('"Nested Paging %s\\n"',),
        ),
    ),
    "amd_npt_unsupported": (
        Variant(
            "0",
            "",
            None,
            "arch/x86/kvm/svm.c svm_hardware_setup() @ v4.19..v5.6.4: a CPU without NPT "
            "clears npt_enabled before the 'disabled' line, which needs npt_enabled",
        ),
        Variant(
            "5.7",
            "SVM: kvm: Nested Paging disabled",
            None,
            "as amd_npt_disabled 5.7: one pr_info() for both cases",
            probe=('"kvm: Nested Paging %sabled\\n"',),
        ),
        Variant(
            "6.3",
            "kvm_amd: Nested Paging disabled",
            None,
            "as amd_npt_disabled 6.3",
            probe=('"Nested Paging %sabled\\n"',),
        ),
        Variant(
            "6.14",
            "kvm_amd: Nested Paging disabled",
            None,
            "as amd_npt_disabled 6.14",
            probe=('"Nested Paging %s\\n"',),
        ),
    ),
    "amd_vgif": (
        Variant(
            "0",
            "SVM: Virtual GIF supported",
            None,
            'arch/x86/kvm/svm.c, svm/svm.c pr_info("Virtual GIF supported\\n") with pr_fmt '
            '"SVM: " @ v4.19..6.2; measured on Debian 6.1.192',
            probe=('"Virtual GIF supported\\n"', _SVM_FMT),
        ),
        Variant(
            "6.3",
            "kvm_amd: Virtual GIF supported",
            None,
            "arch/x86/kvm/svm/svm.c, pr_fmt KBUILD_MODNAME @ 6.3.8..7.3.4; measured on "
            "Debian 6.12.118 and 7.3.4",
            probe=('"Virtual GIF supported\\n"',),
            absent=(_SVM_FMT,),
        ),
    ),
    "amd_pmu_disabled": (
        Variant("0", "", None, "svm.c has no PMU line before 5.17 (enable_pmu came in 5.17)"),
        Variant(
            "5.17",
            "SVM: PMU virtualization is disabled",
            None,
            'arch/x86/kvm/svm/svm.c pr_info("PMU virtualization is disabled\\n") with pr_fmt '
            '"SVM: " @ 5.17.0..6.2; measured on Debian 6.1.192',
            probe=('"PMU virtualization is disabled\\n"', _SVM_FMT),
        ),
        Variant(
            "6.3",
            "kvm_amd: PMU virtualization is disabled",
            None,
            "arch/x86/kvm/svm/svm.c, pr_fmt KBUILD_MODNAME @ 6.3.8..7.3.4; measured on "
            "Debian 6.12.118 and 7.3.4",
            probe=('"PMU virtualization is disabled\\n"',),
            absent=(_SVM_FMT,),
        ),
    ),
    "s390_nested_hpage": (
        Variant(
            "0",
            "kvm-s390: nested (vSIE) and hpage (huge page backing) can currently not be "
            "activated concurrently",
            "EINVAL",
            "arch/s390/kvm/kvm-s390.c kvm_s390_init() @ v4.19, v4.20, v5.0.1 (no trailing "
            "newline in source; still its own dmesg line)",
            probe=(
                '"nested (vSIE) and hpage (huge page backing) can currently not be activated '
                'concurrently"',
            ),
        ),
        Variant(
            "5.1",
            "kvm-s390: A KVM host that supports nesting cannot back its KVM guests with huge pages",
            "EINVAL",
            "arch/s390/kvm/kvm-s390.c kvm_s390_init(): in every release with data from 5.1.0 "
            "to 6.19.6; 5.0.0 has the older text",
            probe=(
                '"A KVM host that supports nesting cannot back its KVM guests with huge pages\\n"',
            ),
        ),
        Variant(
            "7.0",
            "",
            None,
            "arch/s390/kvm/kvm-s390.c @ 7.0.0 (single-source import), 7.1.3, 7.2.6 and "
            "arch/s390/kvm/s390/s390.c @ 7.3.4: no nested/hpage check (s390 gmap rewrite); "
            "6.19.6 still has it",
        ),
    ),
    "s390_no_sie": (
        Variant(
            "0",
            "kvm-s390: SIE not available",
            "ENODEV",
            "arch/s390/kvm/kvm-s390.c kvm_s390_init() @ v4.19, v4.20, v5.0.1",
            probe=('"SIE not available\\n"',),
        ),
        Variant(
            "5.1",
            "kvm-s390: SIE is not available",
            "ENODEV",
            "arch/s390/kvm/kvm-s390.c kvm_s390_init() @ 5.1.0..7.2.6, s390/s390.c @ 7.3.4 "
            "(5.0.0 has the older text)",
            probe=('"SIE is not available\\n"',),
        ),
    ),
    # --- POWER -------------------------------------------------------------------------
    "ppc_nested_power8": (
        Variant(
            "0",
            "",
            "ENODEV",
            "arch/powerpc/kvm/book3s_hv.c kvmhv_enable_nested() @ v4.20, v6.1, v6.18.2: "
            "kvm_hv loads with nested=1 and logs nothing; KVM_ENABLE_CAP(KVM_CAP_PPC_NESTED_HV) "
            "fails with ENODEV without CPU_FTR_ARCH_300 (POWER9); errno is the ioctl's",
        ),
    ),
    # --- early kernel parameters (arm64 kvm-arm.mode; see fakehost/early_params.py) ---
    "early_param_malformed": (
        Variant(
            "0",
            "Malformed early option '{param}'",
            None,
            "init/main.c do_early_param(): pr_warn when an early_param() handler returns "
            "non-zero (no pr_fmt); arch/arm64/kvm/arm.c early_kvm_mode_cfg() returns -EINVAL "
            "for an unknown value @ v5.15.24, v6.1.20, v6.6, v6.12, v7.1.3",
        ),
    ),
}

_DEFAULT_FIELDS: dict[str, dict[str, object]] = {
    "no_hw_support": {"module": "kvm_intel", "cpu": 0},
    "no_hw_support_amd": {"module": "kvm_amd", "cpu": 0},
    "amd_svm_unavailable": {"module": "kvm_amd", "cpu": 0},
    "disabled_by_bios": {"module": "kvm_intel", "cpu": 0},
    "disabled_by_bios_amd": {"module": "kvm_amd", "cpu": 0},
}
"""Fields filled in when the caller does not give them (CPU 0 is where modprobe runs)."""


def variant(key: str, version: str) -> Variant:
    """The newest variant of ``key`` whose ``since`` is not after ``version``."""
    wanted = version_key(version)
    chosen = None
    for candidate in MESSAGES[key]:
        if version_key(candidate.since) <= wanted:
            chosen = candidate
    if chosen is None:
        raise KeyError(f"{key} has no variant for kernel {version}")
    return chosen


def message(key: str, version: str, **fields: object) -> str:
    """The dmesg text for ``key`` on kernel ``version`` ("" when nothing is logged)."""
    values = {**_DEFAULT_FIELDS.get(key, {}), **fields}
    return variant(key, version).template.format(**values)


def errno_for(key: str, version: str) -> str | None:
    """Errno name returned for ``key`` on kernel ``version``, or None."""
    return variant(key, version).errno


def resolved(version: str) -> dict[str, list]:
    """Every message of kernel ``version``: key -> [template, errno, default fields].

    A fake host's state carries this table, so its tools never look the version up.
    """
    table = {}
    for key in MESSAGES:
        try:
            chosen = variant(key, version)
        except KeyError:
            continue
        table[key] = [chosen.template, chosen.errno, dict(_DEFAULT_FIELDS.get(key, {}))]
    return table


# ------------------------------------------------------------------ bound to the sources


def probes() -> list[str]:
    """Every C fragment some variant is recognised by (for tools/extract_kernel_messages.py)."""
    out: list[str] = []
    for variants in MESSAGES.values():
        for v in variants:
            out += [f for f in v.probe + v.absent if f not in out]
    return out


def probed(key: str) -> bool:
    """Whether the sources tell this key's wordings apart (its texts are in scanned files)."""
    return any(v.probe for v in MESSAGES[key])


def in_sources(key: str, found: set[str] | dict[str, str]) -> Variant | None:
    """The variant a release's sources show, given the fragments found in them: the last
    variant whose probe is all there and nothing of its ``absent``; else the variant
    without a probe ("logs nothing"); None if the key has neither."""
    chosen = None
    for v in MESSAGES[key]:
        if v.probe and all(f in found for f in v.probe) and not any(f in found for f in v.absent):
            chosen = v
    if chosen is None:
        chosen = next((v for v in MESSAGES[key] if not v.probe), None)
    return chosen


def spans(key: str) -> list[tuple[Variant, str, str]]:
    """(variant, first, last) per wording: the oldest and newest data release whose
    sources show it (``data/linux-*.json`` ``messages``, written by
    tools/extract_kernel_messages.py). A boundary next to a release without data is
    named with :func:`nested_snippets.kernel.boundary`."""
    from nested_snippets import kernel

    seen: dict[int, list[str]] = {}
    for version in kernel.versions():
        v = in_sources(key, kernel.load(version).messages)
        if v is not None:
            seen.setdefault(MESSAGES[key].index(v), []).append(version)
    return [(MESSAGES[key][i], vs[0], vs[-1]) for i, vs in sorted(seen.items())]
