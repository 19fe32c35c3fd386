"""What to collect for a bug report about a nested setup.

Shown on ``source/how-to/bug-report.rst``.  The list follows upstream's "Reporting
bugs from nested setups" with its ``/sys/cpuinfo`` corrected to ``/proc/cpuinfo``.
The collection commands run on the fake host (L0 and L1); the version commands
need a real QEMU or libvirt and are only syntax-checked.
"""

from nested_snippets.arches import ARCHES, X86, Arch
from nested_snippets.model import Given, command_line, procedure, snippet, transcript

EVERY_ARCH = tuple(ARCHES)
_LOG = "/var/log/libvirt/qemu/l1.log"
_L2_LOG = "/var/log/libvirt/qemu/l2.log"


def _dir(level: str) -> str:
    return f"nested-report-{level.lower()}"


def _collect(level: str, a: Arch):
    """Upstream's generic list, on every architecture's fake host.  On Arm64 KVM is
    always built in and the nesting switch is on the kernel command line
    (``cmdline.txt``); its built-in kvm still has ``/sys/module/kvm/parameters``
    (halt_poll_ns and the others of virt/kvm/kvm_main.c, which arm64's kvm.o links:
    ``Arch.builtin_code``), so the grep line copies them there too."""
    d = _dir(level)
    listed = ["cmdline.txt", "cpuinfo.txt", "dmesg.txt", "kvm-parameters.txt", "lscpu.txt",
              "lsmod.txt", "uname.txt"]  # fmt: skip
    return transcript(
        f"$ mkdir {d}\n"
        f"$ uname -a > {d}/uname.txt\n"
        f"$ cat /proc/cmdline > {d}/cmdline.txt\n"
        f"$ cat /proc/cpuinfo > {d}/cpuinfo.txt\n"
        f"$ lscpu > {d}/lscpu.txt\n"
        f"$ lsmod > {d}/lsmod.txt\n"
        f"$ grep -H . /sys/module/kvm*/parameters/* > {d}/kvm-parameters.txt\n"
        f"$ sudo dmesg > {d}/dmesg.txt\n"
        f"$ ls {d}\n" + "\n".join(listed)
    )


collect_l0 = snippet(lambda a: _collect("L0", a), arches=EVERY_ARCH)
collect_l1 = snippet(lambda a: _collect("L1", a), given=Given(level="L1"), arches=EVERY_ARCH)

libvirt_log = snippet(
    transcript(
        f"""
        $ sudo cat {_LOG} > nested-report-l0/l1.log
        """,
        silent=True,
    ),
    given=Given(
        files={
            _LOG: "2025-01-01 00:00:00.000+0000: starting up\n",
            "/root/nested-report-l0/.keep": "",
        }
    ),
    arch="intel",
)
"""``sudo cat`` with the shell's redirection, not ``sudo cp``: libvirt's logs are
root's and mode 0600 (virtlogd's ``DEFAULT_MODE 0600``, libvirt
src/logging/log_handler.c), so a ``sudo cp`` copy stays root's 0600 and the final
``tar``, run as the user, cannot read it.  The redirection makes the copy the user's."""

libvirt_log_l1 = snippet(
    transcript(
        f"""
        $ sudo cat {_L2_LOG} > nested-report-l1/l2.log
        """,
        silent=True,
    ),
    given=Given(
        level="L1",
        files={
            _L2_LOG: "2025-01-01 00:00:00.000+0000: starting up\n",
            "/root/nested-report-l1/.keep": "",
        },
    ),
    arch="intel",
)
"""In L1: L2's QEMU command line, from L1's libvirt (the same ownership reasoning)."""


def _versions(level: str, a: Arch):
    d = _dir(level)
    return command_line(f"""
        {a.qemu_binary} --version > {d}/qemu-version.txt; \\
            virsh --connect qemu:///system version > {d}/libvirt-version.txt
    """)


versions_l0 = snippet(lambda a: _versions("L0", a), arches=EVERY_ARCH)
versions_l1 = snippet(lambda a: _versions("L1", a), arches=EVERY_ARCH)
"""The QEMU binary is the row's ``qemu_binary``: each tab names its own."""


def _x86(d: str) -> str:
    return f"sudo dmidecode > {d}/dmidecode.txt; \\\n    sudo x86info -a > {d}/x86info.txt"


_EXTRA_L0 = {"x86": _x86}
_EXTRA_L1 = {"x86": _x86, "s390": lambda d: f"cat /proc/sysinfo > {d}/sysinfo.txt"}
"""Upstream's per-architecture lists ("x86-specific info to collect": ``x86info -a``
and ``dmidecode`` from L0 and L1; "s390x-specific info to collect": ``/proc/sysinfo``
from L1, which also describes L0), keyed by the row's ``kernel_arch``; upstream lists
nothing more for POWER or Arm64 (running-nested-guests.rst @ v6.18.2).  The fake host
has no dmidecode, x86info or /proc/sysinfo, so these are only syntax-checked."""

_EXTRA_L0_ARCHES = tuple(k for k in EVERY_ARCH if ARCHES[k].kernel_arch in _EXTRA_L0)
_EXTRA_L1_ARCHES = tuple(k for k in EVERY_ARCH if ARCHES[k].kernel_arch in _EXTRA_L1)
assert set(X86) <= set(_EXTRA_L0_ARCHES), "every x86 vendor has upstream's x86 list"

extra_l0 = snippet(
    lambda a: command_line(_EXTRA_L0[a.kernel_arch](_dir("L0"))), arches=_EXTRA_L0_ARCHES
)
extra_l1 = snippet(
    lambda a: command_line(_EXTRA_L1[a.kernel_arch](_dir("L1"))), arches=_EXTRA_L1_ARCHES
)

copy_from_l1 = snippet(
    command_line("scp -r l1.example.org:nested-report-l1 ."),
)
"""Run on L0: L1's directory was made inside L1 and must be copied out before packing."""

report_l0 = snippet(
    command_line("nested-kvm report -o nested-report-l0/nested-kvm-report.md"),
)
"""The checker's report (source/reference/cli.rst, "nested-kvm report"); not run here:
the checker has its own tests (tests/cli)."""

report_l1 = snippet(
    command_line("nested-kvm report -o nested-report-l1/nested-kvm-report.md"),
)

tarball = snippet(
    command_line("tar -czf nested-report.tar.gz nested-report-l0 nested-report-l1"),
)

l0 = procedure(
    [collect_l0, libvirt_log],
    given=Given(files={_LOG: "2025-01-01 00:00:00.000+0000: starting up\n"}),
)
