"""IBM Z (s390x): SIE, the kvm module owns ``nested``."""

from __future__ import annotations

from nested_snippets.arches._row import Arch, ModuleSpec

ARCH = Arch(
    key="s390x",
    label="IBM Z (s390x)",
    order=30,
    kernel_arch="s390",
    machines=("s390x",),
    # Debian's flavour: linux-image-5.10.0-26-s390x (packages.debian.org/bullseye/
    # linux-image-5.10.0-26-s390x), and bookworm's linux-image-s390x provides
    # linux-latest-modules-6.1.0-18-s390x (packages.debian.org, read 2026-12-04)
    debian_flavour="s390x",
    module="kvm",
    cpu_flag="sie",
    cpuinfo_field="features",
    nested_on="1",  # int parameter (arch/s390/kvm/kvm-s390.c; kvm/s390/s390.c @ 7.3.4)
    nested_off="0",
    extension="SIE",
    qemu_binary="qemu-system-s390x",
    anchor="nested-s390x",
    pages={"nested-s390x": "how-to/s390x"},
    modules=(
        # No CPU-feature alias, so udev does not load it at boot: only
        # MODULE_ALIAS_MISCDEV(KVM_MINOR) and MODULE_ALIAS("devname:kvm")
        # (arch/s390/kvm/kvm-s390.c @ 4.19.0 and 6.18.2, kvm/s390/s390.c @ 7.3.4; read
        # 2026-12-02): modprobe, or the first open of /dev/kvm (libvirt probing QEMU)
        ModuleSpec("kvm", "arch/s390/kvm/kvm.ko", (), "s390/kvm", "sie", size=598016,
                   author="IBM Corporation", autoload="devname"),  # fmt: skip
    ),
    no_flag_fix="this LPAR does not offer SIE (interpretive execution) to Linux",
    extra_checks=("hpage",),
    fake_flags=("esan3", "zarch", "stfle", "msa", "ldisp", "eimm", "dfp", "edat", "etf3eh",
                "highgprs", "te", "vx"),  # fmt: skip
    no_flag_message="s390_no_sie",
    # the check is gone from 7.0 (the s390 gmap rewrite): messages.py has no errno there
    param_conflicts=(("nested", "hpage", "s390_nested_hpage"),),
)
