"""The architecture table: one row per vendor/architecture the guide covers.

Every per-vendor snippet variant is generated from this table, so a fact such as
"AMD's module is kvm_amd and its ``nested`` parameter prints 1" lives here and
nowhere else.  The values are *authored*: they are what the guide tells readers.
The fake host never reads ``nested_on``/``nested_off``; it derives what ``cat``
prints from the parameter types extracted from kernel sources
(:mod:`nested_snippets.kernel`), so a wrong row here makes a test fail.

Adding an architecture: add a row below, then snippet modules may name its key.
"""

from __future__ import annotations


class Arch:
    """What the guide says about one vendor or architecture.

    A plain class rather than a dataclass: ``nested-kvm`` imports this table on
    every run, and ``dataclasses`` would add its import time to each one.
    """

    __slots__ = ("key", "label", "kernel_arch", "module", "cpu_flag", "nested_on",
                 "nested_off", "extension", "qemu_binary", "depends")  # fmt: skip

    def __init__(self, *, key: str, label: str, kernel_arch: str, module: str, cpu_flag: str,
                 nested_on: str, nested_off: str, extension: str, qemu_binary: str,
                 depends: tuple[str, ...] = ()):  # fmt: skip
        self.key = key
        """Stable key used in snippet variants, tab ids and pytest ids (``intel``)."""
        self.label = label
        """Tab label shown to readers (``Intel``); tabs with the same label sync."""
        self.kernel_arch = kernel_arch
        """Directory under ``arch/`` in the kernel tree and kernel-data key (``x86``)."""
        self.module = module
        """The module that owns the ``nested`` parameter, as lsmod prints it."""
        self.cpu_flag = cpu_flag
        """The /proc/cpuinfo flag (x86 ``flags``, s390 ``features``) that L1 needs."""
        self.nested_on = nested_on
        """What ``cat /sys/module/<module>/parameters/nested`` prints when enabled."""
        self.nested_off = nested_off
        """... and when disabled."""
        self.extension = extension
        """The vendor's name for its virtualization extension."""
        self.qemu_binary = qemu_binary
        """The upstream QEMU system emulator for this architecture."""
        self.depends = depends
        """Modules loaded before :attr:`module` (modprobe pulls them in)."""

    def __repr__(self) -> str:
        return f"Arch(key={self.key!r})"

    @property
    def module_dash(self) -> str:
        """The module name as modprobe also accepts it (``kvm-intel``)."""
        return self.module.replace("_", "-")

    @property
    def conf_file(self) -> str:
        """The modprobe.d file the guide uses for persistent options."""
        return f"/etc/modprobe.d/{self.module}.conf"

    @property
    def nested_param_path(self) -> str:
        return f"/sys/module/{self.module}/parameters/nested"


ARCHES: dict[str, Arch] = {
    a.key: a
    for a in (
        Arch(
            key="intel",
            label="Intel",
            kernel_arch="x86",
            module="kvm_intel",
            cpu_flag="vmx",
            nested_on="Y",  # bool parameter (arch/x86/kvm/vmx/nested.c)
            nested_off="N",
            extension="VT-x",
            qemu_binary="qemu-system-x86_64",
            depends=("kvm",),
        ),
        Arch(
            key="amd",
            label="AMD",
            kernel_arch="x86",
            module="kvm_amd",
            cpu_flag="svm",
            nested_on="1",  # int parameter (arch/x86/kvm/svm/svm.c)
            nested_off="0",
            extension="AMD-V",
            qemu_binary="qemu-system-x86_64",
            depends=("kvm",),
        ),
        Arch(
            key="s390x",
            label="IBM Z (s390x)",
            kernel_arch="s390",
            module="kvm",
            cpu_flag="sie",
            nested_on="1",  # int parameter (arch/s390/kvm/kvm-s390.c)
            nested_off="0",
            extension="SIE",
            qemu_binary="qemu-system-s390x",
        ),
        Arch(
            key="power",
            label="IBM POWER",
            kernel_arch="powerpc",
            module="kvm_hv",
            cpu_flag="",  # POWER has no cpuinfo flag for this; see the POWER how-to
            nested_on="Y",  # bool parameter (arch/powerpc/kvm/book3s_hv.c)
            nested_off="N",
            extension="HV (hypervisor mode)",
            qemu_binary="qemu-system-ppc64",
            depends=("kvm",),
        ),
        Arch(
            key="arm64",
            label="Arm64",
            kernel_arch="arm64",
            module="",  # KVM is built into arm64 kernels; nesting is a boot option
            cpu_flag="",
            nested_on="",
            nested_off="",
            extension="FEAT_NV2",
            qemu_binary="qemu-system-aarch64",
        ),
    )
}

X86 = ("intel", "amd")
"""The vendors of the x86 procedures, in tab order."""


class UnknownArch(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def get(key: str) -> Arch:
    """Return the row for ``key`` or fail with a did-you-mean message."""
    try:
        return ARCHES[key]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(key, ARCHES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UnknownArch(
            f"unknown architecture {key!r} (known: {', '.join(ARCHES)}){hint}"
        ) from None
