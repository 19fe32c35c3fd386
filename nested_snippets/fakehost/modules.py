"""Which kernel modules exist on each fake host, and what they depend on.

Dependencies and sizes follow a Debian kernel build (measured on 6.1.0-amd64 under
QEMU, see ``tests/fixtures/realkernel``); sizes are only ever compared after
normalisation, since they vary with every build.
"""

from __future__ import annotations


class ModuleSpec:
    """One module file (a plain class: fake tools import this on every run)."""

    __slots__ = (
        "name",
        "path",
        "depends",
        "data_key",
        "needs_flag",
        "vendor",
        "size",
        "license",
        "author",
    )

    def __init__(
        self,
        name: str,
        path: str,
        depends: tuple[str, ...] = (),
        data_key: str | None = None,
        needs_flag: str | None = None,
        vendor: bool = False,
        size: int = 16384,
        license: str = "GPL",
        author: str | None = None,
    ):
        self.name = name
        self.path = path
        """Path below ``/lib/modules/<release>/kernel``."""
        self.depends = depends
        self.data_key = data_key
        """Key into the kernel data (``x86/kvm_intel``); None: no parameters modelled."""
        self.needs_flag = needs_flag
        """CPU flag without which the module refuses to load."""
        self.vendor = vendor
        """An x86 vendor module: only one of them can be loaded at a time."""
        self.size = size
        self.license = license
        self.author = author


_X86 = (
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
        size=163840,
        author="Qumranet",
    ),
)
_S390 = (
    ModuleSpec(
        "kvm", "arch/s390/kvm/kvm.ko", (), "s390/kvm", "sie", size=598016, author="IBM Corporation"
    ),
)
_POWER = (
    ModuleSpec("kvm", "arch/powerpc/kvm/kvm.ko", (), None, size=253952),
    ModuleSpec("kvm_hv", "arch/powerpc/kvm/kvm-hv.ko", ("kvm",), "powerpc/kvm_hv", size=458752),
)

BY_ARCH: dict[str, dict[str, ModuleSpec]] = {
    "intel": {m.name: m for m in _X86},
    "amd": {m.name: m for m in _X86},
    "s390x": {m.name: m for m in _S390},
    "power": {m.name: m for m in _POWER},
    "arm64": {},  # KVM is always built in on arm64
}
