"""The CPUs of fake hosts: the flags they advertise and their /proc/cpuinfo text.

The flags and CPUs are each architecture's (:mod:`nested_snippets.arches`); this
module renders them in the /proc/cpuinfo layout of each kernel architecture.
"""

from __future__ import annotations

from nested_snippets import arches


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


def row(arch: str, model: CpuModel | None) -> tuple[str, str, int, int] | None:
    """(vendor_id, model name, family, model) of a host's CPU; None: its cpuinfo shows none."""
    if model is not None:
        return model.vendor, model.name, model.family, model.model
    return arches.get(arch).fake_cpu


def flags(arch: str, level: str, virt: bool, model: CpuModel | None = None) -> list[str]:
    """The CPU flags of a host.  ``virt``: the vendor's virtualization flag is exposed.

    Inside an L1 guest the ``hypervisor`` flag is set; whether ``vmx``/``svm`` (and
    the features that ride on them) appear depends on how L1 was started.  With a
    ``model``, its own flags are used.
    """
    a = arches.get(arch)
    if model is not None:
        return [f for f in model.flags if virt or f != a.cpu_flag]
    out = list(a.fake_flags)
    if virt:
        out += a.fake_virt_flags
    if level == "L1":
        out += a.fake_l1_flags
    return out


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
    ``model_row``: (vendor_id, model name, family, model), default the row's CPU.
    An architecture of another kernel lists its ``cpuinfo_field`` per processor.
    """
    a = arches.get(arch)
    if a.kernel_arch == "x86":
        vendor, model, family, model_no = model_row or a.fake_cpu
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
    if a.kernel_arch == "s390":
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
    if a.kernel_arch == "powerpc":
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
    if a.kernel_arch != "arm64":
        return "".join(
            f"processor\t: {n}\n{a.cpuinfo_field}\t: {' '.join(flag_list)}\n\n" for n in range(ncpu)
        )
    return "".join(
        f"processor\t: {n}\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull "
        "sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\n"
        "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\n"
        "CPU part\t: 0xd40\nCPU revision\t: 1\n\n"
        for n in range(ncpu)
    )
