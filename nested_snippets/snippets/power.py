"""Nesting on IBM POWER: ``kvm_hv``'s ``nested`` and QEMU's ``cap-nested-hv``.

Shown on ``source/how-to/power.rst``.  Snippets run on a POWER fake host.  Facts:

* ``kvm_hv`` ``nested`` is a ``bool``, default ``Y``, mode 0644 (``S_IRUGO |
  S_IWUSR``) from 4.20 (``arch/powerpc/kvm/book3s_hv.c`` @ v4.20 line 127 .. @ v7.3.4
  line 131, Debian's linux-source-7.3); the 4.19.1 tree has no such parameter (kernel
  data).
* Root may change it at run time.  It is read for a VM with ``cap-nested-hv=on`` when
  QEMU starts (KVM_CHECK_EXTENSION of KVM_CAP_PPC_NESTED_HV, once, in
  ``target/ppc/kvm.c`` ``kvm_arch_init()``) and at each machine reset (KVM_ENABLE_CAP;
  both in ``arch/powerpc/kvm/powerpc.c``): ``kvmhv_enable_nested()``
  returns -EPERM when it is off and -ENODEV without ``CPU_FTR_ARCH_300`` (POWER9) or
  without radix (the ``if (!radix_enabled()) return -ENODEV;`` hunk in book3s_hv.c:
  absent @ v5.12.9 and v5.13.0, present @ v5.14.2, v5.15.0, v5.18, v6.6, v6.18.2
  and v7.3.4).  QEMU's capability check sees 0, not the errno; a failed KVM_ENABLE_CAP at a
  reboot is "Error enabling cap-nested-hv with KVM" (``hw/ppc/spapr_caps.c`` @ 10.2.0).
* QEMU's ``cap-nested-hv`` (``hw/ppc/spapr_caps.c``) calls that check and fails with
  "KVM implementation does not support Nested-HV" when it says no.
"""

from nested_snippets.model import Given, by_release, command_line, era, snippet, transcript

POWER = "power"

check_nested = snippet(
    by_release(
        era(
            "<4.20",
            transcript(
                """
                $ sudo modprobe kvm_hv
                $ cat /sys/module/kvm_hv/parameters/nested
                cat: /sys/module/kvm_hv/parameters/nested: No such file or directory
                """,
                status={1: 1},
            ),
            because="book3s_hv.c @ v4.19.1 has no 'nested' parameter",
        ),
        era(
            ">=4.20",
            transcript("""
                $ sudo modprobe kvm_hv
                $ cat /sys/module/kvm_hv/parameters/nested
                Y
            """),
            because="kvm_hv gained 'nested' (bool, default true) in 4.20 "
            "(book3s_hv.c @ v4.20:127)",
        ),
    ),
    given=Given(kvm="booted"),
    arch=POWER,
)
"""``modprobe`` first: udev does not load ``kvm_hv`` at boot (it has no CPU-feature
alias, see ``nested_snippets/arches/power.py``), so on a freshly booted host
``/sys/module/kvm_hv`` is missing until something loads it; where it is loaded already
``modprobe`` does nothing."""

check_mode = snippet(
    transcript("""
        $ ls -l /sys/module/kvm_hv/parameters/nested | cut -c1-10
        -rw-r--r--
    """),
    arch=POWER,
    kernels=">=4.20",
    because="module_param(nested, bool, S_IRUGO | S_IWUSR) in book3s_hv.c @ v4.20..v7.3.4",
)

runtime_off = snippet(
    transcript("""
        $ echo N | sudo tee /sys/module/kvm_hv/parameters/nested
        N
        $ cat /sys/module/kvm_hv/parameters/nested
        N
    """),
    arch=POWER,
    kernels=">=4.20",
    because="writable by root (0644) since the parameter appeared in 4.20",
)
"""Turning it off at run time affects the VMs that start or reboot afterwards: QEMU
applies ``cap-nested-hv`` at every machine reset (``spapr_machine_reset()`` ->
``spapr_caps_apply()`` with ``&error_fatal``, hw/ppc/spapr.c and spapr_caps.c @ 10.2.0),
so a running L1 keeps nesting until it reboots and then exits."""

runtime_on = snippet(
    transcript("""
        $ echo Y | sudo tee /sys/module/kvm_hv/parameters/nested
        Y
    """),
    given=Given(nested=False),
    arch=POWER,
    kernels=">=4.20",
    because="writable by root (0644) since the parameter appeared in 4.20",
)

l1_qemu = snippet(
    command_line("""
        qemu-system-ppc64 -accel kvm -machine pseries,cap-nested-hv=on -cpu host \\
            -smp 4 -m 8G -drive file=l1.qcow2,if=virtio -nographic
    """),
)

l2_qemu = snippet(
    command_line("""
        qemu-system-ppc64 -accel kvm -machine pseries -cpu host \\
            -smp 2 -m 2G -drive file=l2.qcow2,if=virtio -nographic
    """),
)
"""Run inside L1: L2 needs no capability of its own unless it, too, will nest."""

# ------------------------------------------------- PowerNV (bare metal) or PowerVM?

platform = snippet(
    transcript("""
        $ grep -E '^(platform|MMU)' /proc/cpuinfo
        platform\t: PowerNV
        MMU\t\t: Radix
    """),
    arch=POWER,
)
"""``platform`` is ``ppc_md.name`` (arch/powerpc/kernel/setup-common.c show_cpuinfo():
"PowerNV" from platforms/powernv/setup.c, "pSeries" from platforms/pseries/setup.c);
``MMU`` comes from pnv_show_cpuinfo()/pSeries_show_cpuinfo() (@ v5.6.4, v6.18.2)."""
