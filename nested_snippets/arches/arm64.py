"""Arm64: KVM is built in; nesting is the boot option ``kvm-arm.mode=nested``."""

from __future__ import annotations

from nested_snippets.arches._row import Arch, ModuleSpec

ARCH = Arch(
    key="arm64",
    label="Arm64",
    order=50,
    kernel_arch="arm64",
    machines=("aarch64", "arm64"),
    # Debian's flavour: linux-image-6.1.0-20-arm64 (packages.debian.org/bookworm/
    # linux-image-arm64, read 2026-12-04; arm64-16k and rt-arm64 are the other flavours)
    debian_flavour="arm64",
    module="",  # KVM is built into arm64 kernels; nesting is a boot option
    cpu_flag="",
    cpuinfo_field="Features",
    nested_on="",
    nested_off="",
    extension="FEAT_NV2",
    qemu_binary="qemu-system-aarch64",
    anchor="nested-arm64",
    pages={"nested-arm64": "how-to/arm64"},
    cpu_check="none",
    cpu_note="Arm64 /proc/cpuinfo does not show FEAT_NV2",
    nested_cmdline="kvm-arm.mode=nested",
    verdict_l0=("dev-kvm", "nested"),
    verdict_l1=("dev-kvm",),
    early_params=("kvm-arm.mode",),
    kvm_caps=("cap-arm-el2",),
    # arch/arm64/kvm/Kconfig: "config KVM" (4.19) / "menuconfig KVM" (7.3) is a bool;
    # arch/arm64/kvm/Makefile links virt/kvm's kvm_main.o into "obj-$(CONFIG_KVM) +=
    # kvm.o" (obj-$(CONFIG_KVM_ARM_HOST) in 4.19), so KBUILD_MODNAME is kvm and
    # param_sysfs_builtin() (kernel/params.c, 4.19 to 7.0) shows its parameters in
    # /sys/module/kvm/parameters
    builtin_code=(ModuleSpec("kvm", "arch/arm64/kvm/kvm.ko", data_key="arm64/kvm"),),
)
