"""IBM POWER: KVM-HV (kvm_hv owns ``nested``; POWER9 or later)."""

from __future__ import annotations

from nested_snippets.arches._row import Arch, ModuleSpec

ARCH = Arch(
    key="power",
    label="IBM POWER",
    order=40,
    kernel_arch="powerpc",
    machines=("ppc64le", "ppc64"),
    # Debian's flavour (Debian architecture ppc64el): linux-image-6.1.0-37-powerpc64le
    # (packages.debian.org/bookworm/linux-image-powerpc64le, read 2026-12-04; -64k pages:
    # powerpc64le-64k from 6.12)
    debian_flavour="powerpc64le",
    module="kvm_hv",
    depends=("kvm",),
    cpu_flag="",  # POWER has no cpuinfo flag for this; see the POWER how-to
    nested_on="Y",  # bool parameter (arch/powerpc/kvm/book3s_hv.c)
    nested_off="N",
    extension="HV (hypervisor mode)",
    qemu_binary="qemu-system-ppc64",
    anchor="nested-power",
    pages={"nested-power": "how-to/power"},
    modules=(
        # No CPU-feature alias, so udev loads neither at boot.  book3s_hv.c (kvm_hv) and
        # book3s_pr.c (kvm_pr, not modelled) have only MODULE_ALIAS_MISCDEV(KVM_MINOR) and
        # MODULE_ALIAS("devname:kvm"); book3s.c (kvm) has them only under
        # CONFIG_KVM_BOOK3S_32_HANDLER (@ 4.19.0, 6.18.2 and 7.3.4; read 2026-12-02).
        ModuleSpec("kvm", "arch/powerpc/kvm/kvm.ko", (), None, size=253952),
        ModuleSpec("kvm_hv", "arch/powerpc/kvm/kvm-hv.ko", ("kvm",), "powerpc/kvm_hv",
                   size=458752, vm_user=True, autoload="devname"),  # fmt: skip
    ),
    cpu_check="power-generation",
    l1_module_fix=(
        "nested-power",
        "start L1 with -machine pseries,cap-nested-hv=on on an L0 whose kvm_hv "
        "has nested=Y, then modprobe kvm_hv",
    ),
    verdict_l1=("kvm-module", "dev-kvm"),
    kvm_caps=("cap-ppc-nested-hv",),
)
