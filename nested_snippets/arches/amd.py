"""AMD-V (SVM), also Hygon's CPUs (kvm_amd)."""

from __future__ import annotations

from nested_snippets.arches import _x86
from nested_snippets.arches._row import Arch

VIRT_FLAGS = (
    "svm", "npt", "lbrv", "svm_lock", "nrip_save", "tsc_scale",
    "vmcb_clean", "flushbyasid", "decodeassists", "pausefilter", "pfthreshold", "avic",
    "v_vmsave_vmload", "vgif",
)

ARCH = Arch(
    **_x86.SHARED,
    key="amd",
    label="AMD",
    order=20,
    module="kvm_amd",
    cpu_flag="svm",
    vendor_ids=("AuthenticAMD", "HygonGenuine"),  # Hygon Dhyana: an AMD Zen licensee
    nested_on="1",  # int parameter (arch/x86/kvm/svm/svm.c)
    nested_off="0",
    extension="AMD-V",
    tuning=(
        ("npt", ("L0", "L1"), "nested guests fall back to shadow paging, which is slow"),
        ("avic", ("L0",), ""),
    ),
    kvm_caps=("cap-nested-state", "cap-exception-payload"),
    fake_cpu=("AuthenticAMD", "AMD EPYC 7763 64-Core Processor", 25, 1),
    fake_flags=(*_x86.COMMON_FLAGS, "perfctr_core"),
    fake_virt_flags=VIRT_FLAGS,
    # arch/x86/kernel/cpu/amd.c init_amd() @ v6.18.2 (commit 7deda2ce5b33, v6.7)
    firmware_off_message="amd_svm_disabled_boot",
    firmware_off_clears=("svm",),
)
