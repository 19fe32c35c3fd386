"""What Intel and AMD hosts share: the x86 KVM modules and the common CPU flags.

Not an architecture itself (its name starts with ``_``); :mod:`.intel` and
:mod:`.amd` read it.  Flag names are the kernel's
(``arch/x86/kernel/cpu/capflags.c``), trimmed to what KVM looks at plus enough
context to look real.
"""

from __future__ import annotations

from nested_snippets.arches._row import ModuleSpec

COMMON_FLAGS = (
    "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce",
    "cx8", "apic", "sep", "mtrr", "pge", "mca", "cmov", "pat",
    "pse36", "clflush", "mmx", "fxsr", "sse", "sse2", "ht", "syscall",
    "nx", "pdpe1gb", "rdtscp", "lm", "constant_tsc", "rep_good", "nopl", "xtopology",
    "cpuid", "pni", "pclmulqdq", "ssse3", "fma", "cx16", "pcid", "sse4_1",
    "sse4_2", "x2apic", "movbe", "popcnt", "aes", "xsave", "avx", "f16c",
    "rdrand", "lahf_lm", "abm", "3dnowprefetch", "fsgsbase", "bmi1", "avx2", "smep",
    "bmi2", "erms", "invpcid", "rdseed", "adx", "smap", "clflushopt", "xsaveopt",
    "xsavec", "xgetbv1", "xsaves", "arat",
)

# _CPU_ALIAS: udev loads the vendor modules at boot through their CPU-feature modalias,
# MODULE_DEVICE_TABLE(x86cpu, vmx_cpu_id / svm_cpu_id) matching X86_FEATURE_VMX / _SVM:
# arch/x86/kvm/vmx.c and svm.c @ 4.19.0 (ZDawnG/linux-4.19), vmx/vmx.c and svm/svm.c
# @ 6.18.2 and 7.3.4 (Debian linux-source-7.3); Debian's 7.3.4 amd64 build: modinfo
# gives "cpu:type:x86,ven*fam*mod*:feature:*0085*" (kvm-intel) and "...*00C2*"
# (kvm-amd), and no alias for kvm.ko (read 2026-12-02).
MODULES = (
    ModuleSpec("irqbypass", "virt/lib/irqbypass.ko", size=16384),
    ModuleSpec("ccp", "drivers/crypto/ccp/ccp.ko", size=118784),
    ModuleSpec(
        "kvm", "arch/x86/kvm/kvm.ko", ("irqbypass",), "x86/kvm", size=1146880, author="Qumranet"
    ),
    ModuleSpec(
        "kvm_intel",
        "arch/x86/kvm/kvm-intel.ko",
        ("kvm",),
        "x86/kvm_intel",
        "vmx",
        vendor=True,
        vm_user=True,
        autoload="cpu",  # see _CPU_ALIAS
        size=380928,
        author="Qumranet",
    ),
    ModuleSpec(
        "kvm_amd",
        "arch/x86/kvm/kvm-amd.ko",
        ("kvm", "ccp"),
        "x86/kvm_amd",
        "svm",
        vendor=True,
        vm_user=True,
        autoload="cpu",  # see _CPU_ALIAS
        size=163840,
        author="Qumranet",
        no_hw_message="no_hw_support_amd",
        own_no_hw_message="amd_svm_unavailable",
        bios_off_message="disabled_by_bios_amd",
    ),
)
"""Both vendors' hosts have both vendor modules; only one can be loaded."""

SHARED: dict = {
    "kernel_arch": "x86",
    "machines": ("x86_64", "i686"),
    # Debian's flavour: linux-image-6.1.0-57-amd64, the kernel the real-kernel tier boots
    # (nested_snippets/realkernel/pinned.json)
    "debian_flavour": "amd64",
    "depends": ("kvm",),
    "cpuinfo_field": "flags",
    "qemu_binary": "qemu-system-x86_64",
    "anchor": "enable-nested-x86",
    "persistent_anchor": "enable-nested-persistent",
    "pages": {
        "enable-nested-x86": "how-to/enable-x86",
        "enable-nested-persistent": "how-to/enable-x86",
    },
    "modules": MODULES,
    "fake_l1_flags": ("hypervisor",),
}
"""What both x86 rows say alike (``Arch(**SHARED, ...)``)."""
