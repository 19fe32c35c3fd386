"""When KVM is built into the kernel: modprobe cannot help; use the boot command line.

Shown on ``source/how-to/builtin-kvm.rst``.  Facts:

* kmod refuses to remove a built-in module with ``modprobe: FATAL: Module kvm_intel is
  builtin.`` (seen in microsoft/WSL#4193) and treats loading one as already done.
* A built-in module takes its parameters from the kernel command line as
  ``<module>.<parameter>=<value>`` (``Documentation/admin-guide/kernel-parameters.rst``,
  "module parameters ... of built-in modules").
* Built-in modules are listed in ``/lib/modules/$(uname -r)/modules.builtin`` by their
  object path, with dashes (``kernel/arch/x86/kvm/kvm-intel.ko``).
"""

from nested_snippets.arches import X86
from nested_snippets.model import REBOOT, Given, command_line, procedure, snippet, transcript

BUILTIN_OFF = Given(kvm="builtin", nested=False)
"""Nesting forced off at boot: the start of the end-to-end procedure below (on a real
host, Intel before 4.20 or a boot option that says ``nested=0``)."""

BOOTED_OFF = Given(kvm="builtin", cmdline="kvm_intel.nested=0 kvm_amd.nested=0")
"""A built-in KVM has the module's compile-time default (``nested`` on for Intel from
4.20, commit 1e58e5e59148, and for AMD in every release with data); the transcripts that
show it off start from a kernel command line that switches it off, which holds on
every release."""

is_builtin = snippet(
    lambda a: transcript(f"""
        $ grep {a.module_dash} /lib/modules/$(uname -r)/modules.builtin
        kernel/arch/x86/kvm/{a.module_dash}.ko
        $ modinfo -n {a.module}
        (builtin)
    """),
    arches=X86,
    given=BUILTIN_OFF,
)

modprobe_refuses = snippet(
    lambda a: transcript(
        f"""
        $ sudo modprobe -r {a.module}
        modprobe: FATAL: Module {a.module} is builtin.
        $ sudo modprobe {a.module} nested=1
        $ cat /sys/module/{a.module}/parameters/nested
        {a.nested_off}
        """,
        status={0: 1},
    ),
    arches=X86,
    given=BOOTED_OFF,
)

sysfs_not_lsmod = snippet(
    lambda a: transcript(
        f"""
        $ ls /sys/module/{a.module}/parameters/nested
        /sys/module/{a.module}/parameters/nested
        $ lsmod | grep -c '^{a.module} '
        0
        """,
        status={1: 1},
    ),
    arches=X86,
    given=Given(kvm="builtin"),
)
"""Needs no ``/lib/modules``: sysfs has the built-in module's parameters, lsmod (which
reads /proc/modules, loadable modules only) does not list it; grep -c exits 1 on no match."""

grubby_args = snippet(
    lambda a: transcript(
        f"""
        $ sudo grubby --update-kernel=ALL --args="{a.module}.nested=1"
        """,
        silent=True,
    ),
    arches=X86,
    given=BUILTIN_OFF,
)

update_grub = snippet(command_line("sudo update-grub"))
"""Not run: grub-mkconfig's output names the installed kernel files, which differ on
every host (and on every fake kernel version); the Fedora path runs end to end."""

cmdline_check = snippet(
    lambda a: transcript(f"""
        $ grep -o '{a.module}\\.nested=[^ ]*' /proc/cmdline
        {a.module}.nested=1
        $ cat /sys/module/{a.module}/parameters/nested
        {a.nested_on}
    """),
    arches=X86,
    given=Given(kvm="builtin", cmdline="kvm_intel.nested=1 kvm_amd.nested=1"),
)

fedora = procedure(
    [is_builtin, modprobe_refuses, grubby_args, REBOOT,
     cmdline_check],
    given=BUILTIN_OFF,
)

# ------------------------------------------- WSL 2 as L1 (KVM built into WSL's kernel)
# microsoft/WSL2-Linux-Kernel@c36adc7c7bb73441c4531aa121cfd9ed04e48099:
# arch/x86/configs/config-wsl builds CONFIG_KVM=y, CONFIG_KVM_INTEL=y and CONFIG_KVM_AMD=y.
# The Windows side (.wslconfig, wsl --shutdown) is in windows.py.

wsl_kvm_present = snippet(
    lambda a: transcript(
        """
        $ ls /dev/kvm
        /dev/kvm
        $ lsmod | grep -c kvm
        0
        """,
        status={1: 1},
    ),
    arches=X86,
    given=Given(kvm="builtin"),
)
"""Inside a WSL 2 distribution: the device is there, and lsmod lists no KVM module
because the modules are built in (lsmod reads /proc/modules, which has no built-in
module)."""
