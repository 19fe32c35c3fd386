"""The CPUs of fake hosts: the flags they advertise and their /proc/cpuinfo text.

x86 flag names are the kernel's (``arch/x86/kernel/cpu/capflags.c``); the lists are
trimmed to what KVM looks at plus enough context to look real.
"""

from __future__ import annotations

_X86_COMMON = [
    "fpu",
    "vme",
    "de",
    "pse",
    "tsc",
    "msr",
    "pae",
    "mce",
    "cx8",
    "apic",
    "sep",
    "mtrr",
    "pge",
    "mca",
    "cmov",
    "pat",
    "pse36",
    "clflush",
    "mmx",
    "fxsr",
    "sse",
    "sse2",
    "ht",
    "syscall",
    "nx",
    "pdpe1gb",
    "rdtscp",
    "lm",
    "constant_tsc",
    "rep_good",
    "nopl",
    "xtopology",
    "cpuid",
    "pni",
    "pclmulqdq",
    "ssse3",
    "fma",
    "cx16",
    "pcid",
    "sse4_1",
    "sse4_2",
    "x2apic",
    "movbe",
    "popcnt",
    "aes",
    "xsave",
    "avx",
    "f16c",
    "rdrand",
    "lahf_lm",
    "abm",
    "3dnowprefetch",
    "fsgsbase",
    "bmi1",
    "avx2",
    "smep",
    "bmi2",
    "erms",
    "invpcid",
    "rdseed",
    "adx",
    "smap",
    "clflushopt",
    "xsaveopt",
    "xsavec",
    "xgetbv1",
    "xsaves",
    "arat",
]
_INTEL_VIRT = ["vmx", "tpr_shadow", "flexpriority", "ept", "vpid", "ept_ad", "vnmi"]
_INTEL_VMX_FEATURES = [
    "vnmi",
    "preemption_timer",
    "posted_intr",
    "invvpid",
    "ept_x_only",
    "ept_ad",
    "ept_1gb",
    "flexpriority",
    "apicv",
    "tsc_offset",
    "vtpr",
    "mtf",
    "vapic",
    "ept",
    "vpid",
    "unrestricted_guest",
    "vapic_reg",
    "vid",
    "ple",
    "shadow_vmcs",
    "pml",
    "ept_mode_based_exec",
    "tsc_scaling",
]
"""Names from arch/x86/include/asm/vmxfeatures.h.  arch/x86/kernel/cpu/proc.c prints
them on a separate ``vmx flags`` line (CONFIG_X86_VMX_FEATURE_NAMES); the header
arrived with the VMX feature-detection series of the 5.6 merge window: it is in the
5.10 sources of the kernel data and not in the 5.3 ones."""
_AMD_VIRT = [
    "svm",
    "npt",
    "lbrv",
    "svm_lock",
    "nrip_save",
    "tsc_scale",
    "vmcb_clean",
    "flushbyasid",
    "decodeassists",
    "pausefilter",
    "pfthreshold",
    "avic",
    "v_vmsave_vmload",
    "vgif",
]

CPU = {
    "intel": ("GenuineIntel", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", 6, 106),
    "amd": ("AuthenticAMD", "AMD EPYC 7763 64-Core Processor", 25, 1),
}
"""The default CPU of each x86 fake host: (vendor_id, model name, family, model)."""


class CpuModel:
    """A specific CPU for a fake host, e.g. the one a real-kernel guest reported.

    ``flags`` are as /proc/cpuinfo lists them; the vendor's virtualization flag is
    removed when the scenario says the CPU does not expose it.
    """

    __slots__ = ("vendor", "name", "family", "model", "flags")

    def __init__(self, vendor: str, name: str, family: int, model: int, flags: tuple[str, ...]):
        self.vendor, self.name, self.family, self.model = vendor, name, family, model
        self.flags = tuple(flags)

    def __repr__(self) -> str:
        return f"CpuModel({self.name!r}, {len(self.flags)} flags)"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, CpuModel)
            and repr(self) == repr(other)
            and (self.flags == other.flags)
        )

    def __hash__(self) -> int:
        return hash((self.name, self.flags))


def row(arch: str, model: CpuModel | None) -> tuple[str, str, int, int]:
    """(vendor_id, model name, family, model) of a host's CPU."""
    if model is not None:
        return model.vendor, model.name, model.family, model.model
    return CPU[arch]


def flags(arch: str, level: str, virt: bool, model: CpuModel | None = None) -> list[str]:
    """The CPU flags of a host.  ``virt``: the vendor's virtualization flag is exposed.

    Inside an L1 guest the ``hypervisor`` flag is set; whether ``vmx``/``svm`` (and
    the features that ride on them) appear depends on how L1 was started.  With a
    ``model``, its own flags are used.
    """
    if model is not None:
        return [f for f in model.flags if virt or f not in ("vmx", "svm", "sie")]
    if arch in ("intel", "amd"):
        out = list(_X86_COMMON)
        # a hardware PMU (arch_perfmon on Intel, perfctr_core on AMD): see runtime.py
        out.append("arch_perfmon" if arch == "intel" else "perfctr_core")
        if virt:
            out += _INTEL_VIRT if arch == "intel" else _AMD_VIRT
            if arch == "intel":
                out += [f"vmx:{f}" for f in _INTEL_VMX_FEATURES]
        if level == "L1":
            out.append("hypervisor")
        return out
    if arch == "s390x":
        out = [
            "esan3",
            "zarch",
            "stfle",
            "msa",
            "ldisp",
            "eimm",
            "dfp",
            "edat",
            "etf3eh",
            "highgprs",
            "te",
            "vx",
        ]
        return out + (["sie"] if virt else [])
    return []


def has_flag(flag_list: list[str], flag: str) -> bool:
    """Whether ``flag`` is set; VMX features are also found under their bare name."""
    return flag in flag_list or f"vmx:{flag}" in flag_list


NCPU = 2
"""CPUs of every fake host (its /proc/cpuinfo; the sandbox pins a run to as many)."""


def cpuinfo(
    arch: str,
    level: str,
    flag_list: list[str],
    ncpu: int = NCPU,
    vmx_flags_line: bool = True,
    model_row: tuple[str, str, int, int] | None = None,
) -> str:
    """Render /proc/cpuinfo for ``arch``.

    ``vmx_flags_line``: Linux 5.6 and later print VMX features on their own line.
    ``model_row``: (vendor_id, model name, family, model), default :data:`CPU`.
    """
    if arch in ("intel", "amd"):
        vendor, model, family, model_no = model_row or CPU[arch]
        plain = [f for f in flag_list if not f.startswith("vmx:")]
        vmx = [f[4:] for f in flag_list if f.startswith("vmx:")]
        blocks = []
        for n in range(ncpu):
            vmx_line = f"vmx flags\t: {' '.join(vmx)}\n" if vmx and vmx_flags_line else ""
            blocks.append(
                f"processor\t: {n}\nvendor_id\t: {vendor}\ncpu family\t: {family}\n"
                f"model\t\t: {model_no}\nmodel name\t: {model}\nstepping\t: 1\n"
                f"cpu MHz\t\t: 2000.000\ncache size\t: 512 KB\nphysical id\t: 0\n"
                f"siblings\t: {ncpu}\ncore id\t\t: {n}\ncpu cores\t: {ncpu}\n"
                f"flags\t\t: {' '.join(plain)}\n{vmx_line}bogomips\t: 4000.00\n"
            )
        return "\n".join(blocks) + "\n"
    if arch == "s390x":
        return (
            "vendor_id       : IBM/S390\n"
            f"# processors    : {ncpu}\n"
            "bogomips per cpu: 3241.00\n"
            f"features\t: {' '.join(flag_list)}\n"
            + "".join(
                f"processor {n}: version = FF,  identification = 0133E8,  machine = 8561\n"
                for n in range(ncpu)
            )
        )
    if arch == "power":
        return (
            "".join(
                f"processor\t: {n}\ncpu\t\t: POWER9 (architected), altivec supported\n"
                "clock\t\t: 2200.000000MHz\nrevision\t: 2.2 (pvr 004e 1202)\n\n"
                for n in range(ncpu)
            )
            + "timebase\t: 512000000\nplatform\t: PowerNV\nmodel\t\t: 9006-22P\n"
            # pnv_show_cpuinfo() (arch/powerpc/platforms/powernv/setup.c @ v5.6.4,
            # v6.18.2); a PowerVM LPAR prints "platform : pSeries" and "machine : CHRP"
            "machine\t\t: PowerNV 9006-22P\nfirmware\t: OPAL\nMMU\t\t: Radix\n"
        )
    return "".join(
        f"processor\t: {n}\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull "
        "sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\n"
        "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\n"
        "CPU part\t: 0xd40\nCPU revision\t: 1\n\n"
        for n in range(ncpu)
    )
