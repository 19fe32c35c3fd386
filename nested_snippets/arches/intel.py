"""Intel VT-x (and the x86 CPUs served by kvm_intel)."""

from __future__ import annotations

from nested_snippets.arches import _x86
from nested_snippets.arches._row import Arch

VIRT_FLAGS = (
    "vmx", "tpr_shadow", "flexpriority", "ept", "vpid", "ept_ad", "vnmi",
)
VMX_FEATURES = (
    "vnmi", "preemption_timer", "posted_intr", "invvpid", "ept_x_only", "ept_ad",
    "ept_1gb", "flexpriority", "apicv", "tsc_offset", "vtpr", "mtf",
    "vapic", "ept", "vpid", "unrestricted_guest", "vapic_reg", "vid",
    "ple", "shadow_vmcs", "pml", "ept_mode_based_exec", "tsc_scaling",
)
"""``VMX_FEATURES``: names from arch/x86/include/asm/vmxfeatures.h.
arch/x86/kernel/cpu/proc.c prints them on a separate ``vmx flags`` line
(CONFIG_X86_VMX_FEATURE_NAMES); the header arrived with the VMX feature-detection
series of the 5.6 merge window: it is in the 5.10 sources of the kernel data and
not in the 5.3 ones."""

ARCH = Arch(
    **_x86.SHARED,
    key="intel",
    label="Intel",
    order=10,
    module="kvm_intel",
    cpu_flag="vmx",
    vendor_ids=("GenuineIntel", "CentaurHauls", "Shanghai"),  # Zhaoxin/VIA implement VMX
    nested_on="Y",  # bool parameter (arch/x86/kvm/vmx.c to 4.20, vmx/vmx.c from 5.0)
    nested_off="N",
    extension="VT-x",
    tuning=(
        ("ept", ("L0", "L1"), "nested guests fall back to shadow paging, which is slow"),
        ("enable_shadow_vmcs", ("L0",), "each VMREAD/VMWRITE of L1 exits to L0"),
        ("enable_apicv", ("L0",), "guest interrupts are virtualized in software"),
    ),
    kvm_caps=("cap-nested-state", "cap-exception-payload", "cap-hyperv-evmcs"),
    fake_cpu=("GenuineIntel", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", 6, 106),
    # a hardware PMU (arch_perfmon on Intel, perfctr_core on AMD): see fakehost/runtime.py
    fake_flags=(*_x86.COMMON_FLAGS, "arch_perfmon"),
    fake_virt_flags=(*VIRT_FLAGS, *(f"vmx:{f}" for f in VMX_FEATURES)),
    # arch/x86/kernel/cpu/feat_ctl.c init_ia32_feat_ctl() (5.6.4 and 6.18.2 trees):
    # init_vmx_capabilities() is skipped, so the synthetic flags and the vmx line go too
    firmware_off_message="feat_ctl_vmx_disabled",
    firmware_off_clears=(*VIRT_FLAGS, "vmx:*"),
)
