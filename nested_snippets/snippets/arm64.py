"""Nesting on Arm64: boot L0 with ``kvm-arm.mode=nested``, start L1 with EL2.

Shown on ``source/how-to/arm64.rst``.  KVM is always built into arm64 kernels, so
there is no module parameter: the switch is the early boot parameter
``kvm-arm.mode``.  Its accepted values per version are in the kernel data
(``boot_params["arm64/kvm-arm.mode"]``, from ``arch/arm64/kvm/arm.c``
``early_kvm_mode_cfg()``): ``protected`` from 5.11, ``nvhe`` from 5.12, ``none``
from 5.16 (5.16.10 in the data), ``nested`` from 6.3 (the data has 6.2.0 without it and 6.3.8
with it; no 6.3.0 import was found).  A value the parser does not know makes the
kernel log ``Malformed early option 'kvm-arm.mode'`` (``init/main.c``) and boot in
its default mode (see ``nested_snippets/fakehost/early_params.py``).

The snippets use Fedora's ``grubby`` (one command for every installed kernel).
"""

from nested_snippets.model import REBOOT, Given, command_line, procedure, snippet, transcript

ARM64 = "arm64"

add_mode = snippet(
    transcript(
        """
        $ sudo grubby --update-kernel=ALL --args="kvm-arm.mode=nested"
        """,
        silent=True,
    ),
    arch=ARM64,
)
"""Runs on every release: grubby writes the option whatever the kernel; whether the
kernel accepts it is the next step's check (``check_mode``)."""

check_mode = snippet(
    transcript(
        """
        $ grep -o 'kvm-arm\\.mode=[^ ]*' /proc/cmdline
        kvm-arm.mode=nested
        $ sudo dmesg | grep -c -E 'Malformed early option|(KVM is|HYP mode) not available'
        0
        """,
        status={1: 1},
    ),
    given=Given(cmdline="kvm-arm.mode=nested"),
    arch=ARM64,
    kernels=">=6.3",
    because="early_kvm_mode_cfg() accepts 'nested' in arm.c @ 6.3.8 and every later release "
    "with data, not @ 6.2.0 (kernel data boot_params)",
)
"""``grep -c`` prints 0 and exits 1 when nothing matches: that is the good outcome.  The
three lines it counts say nesting is not on: the parser rejected the value
(``Malformed early option``, init/main.c: a value it does not know, or ``nested`` on a
kernel not in VHE mode, after a WARN_ON in ``early_kvm_mode_cfg()``), or the kernel runs
without EL2, say in a VM started without ``virtualization=on``, and ignored the option
(``KVM is not available. Ignoring kvm-arm.mode``, ``pr_warn_once`` in
``early_kvm_mode_cfg()``) and then did not start KVM (``kvm [1]: HYP mode not
available``, ``kvm_info`` in ``kvm_arm_init()``), both arch/arm64/kvm/arm.c @ 6.18.2
(gfunkmonk/linux-6.18.2@57dc26c9).  The fake host models neither EL1 hosts nor these
two lines (``fakehost/early_params.py``), so on it only the first pattern can match."""

too_old = snippet(
    transcript("""
        $ grep -o 'kvm-arm\\.mode=[^ ]*' /proc/cmdline
        kvm-arm.mode=nested
        $ sudo dmesg | grep 'Malformed early option'
        [    0.000000] Malformed early option 'kvm-arm.mode'
    """),
    given=Given(cmdline="kvm-arm.mode=nested"),
    arch=ARM64,
    kernels=">=5.11,<6.3",
    because="kvm-arm.mode exists from 5.11 (arm.c @ 5.11.0; absent @ 5.10.0) and its "
    "parser returns -EINVAL for 'nested' up to 6.2.0 (kernel data boot_params)",
)

enable = procedure(
    [add_mode, REBOOT, check_mode],
    arches=(ARM64,),
    kernels=">=6.3",
    because="'nested' is accepted from 6.3 on (kernel data: not @ 6.2.0, @ 6.3.8)",
)

l1_qemu = snippet(
    command_line("""
        qemu-system-aarch64 -accel kvm -machine virt,virtualization=on,gic-version=3 \\
            -cpu host -smp 4 -m 8G -nographic \\
            -bios /usr/share/AAVMF/AAVMF_CODE.fd \\
            -drive file=l1.qcow2,if=virtio
    """),
)
"""``virtualization=on`` gives the guest EL2; with ``-accel kvm`` QEMU needs the host
kernel's ``KVM_CAP_ARM_EL2`` (QEMU ``hw/arm/virt.c`` ``machvirt_init()``).  The
firmware path is Debian's and Ubuntu's ``qemu-efi-aarch64`` package; Fedora ships
``/usr/share/edk2/aarch64/QEMU_EFI.fd``."""

l2_qemu = snippet(
    command_line("""
        qemu-system-aarch64 -accel kvm -machine virt,gic-version=3 -cpu host \\
            -smp 2 -m 2G -nographic -bios /usr/share/AAVMF/AAVMF_CODE.fd \\
            -drive file=l2.qcow2,if=virtio
    """),
)
"""Run inside L1."""
