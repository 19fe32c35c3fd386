"""What to collect for a bug report about a nested setup.

Shown on ``source/how-to/bug-report.rst``.  The list follows upstream's "Reporting
bugs from nested setups" with its ``/sys/cpuinfo`` corrected to ``/proc/cpuinfo``.
The collection commands run on the fake host (L0 and L1); the version commands
need a real QEMU or libvirt and are only syntax-checked.
"""

from nested_snippets.model import Given, command_line, procedure, snippet, transcript

_LOG = "/var/log/libvirt/qemu/l1.log"


def _collect(level: str):
    d = f"nested-report-{level.lower()}"
    return transcript(f"""
        $ mkdir {d}
        $ uname -a > {d}/uname.txt
        $ cat /proc/cmdline > {d}/cmdline.txt
        $ cat /proc/cpuinfo > {d}/cpuinfo.txt
        $ lscpu > {d}/lscpu.txt
        $ lsmod > {d}/lsmod.txt
        $ grep -H . /sys/module/kvm*/parameters/* > {d}/kvm-parameters.txt
        $ sudo dmesg > {d}/dmesg.txt
        $ ls {d}
        cmdline.txt
        cpuinfo.txt
        dmesg.txt
        kvm-parameters.txt
        lscpu.txt
        lsmod.txt
        uname.txt
    """)


collect_l0 = snippet(_collect("L0"), arch="intel")
collect_l1 = snippet(_collect("L1"), given=Given(level="L1"), arch="intel")

libvirt_log = snippet(
    transcript(
        f"""
        $ sudo cat {_LOG} > nested-report-l0/l1.log
        """,
        silent=True,
    ),
    given=Given(files={_LOG: "2025-01-01 00:00:00.000+0000: starting up\n",
                       "/root/nested-report-l0/.keep": ""}),
    arch="intel",
)
"""``sudo cat`` with the shell's redirection, not ``sudo cp``: libvirt's logs are
root's and mode 0600 (virtlogd's ``DEFAULT_MODE 0600``, libvirt
src/logging/log_handler.c), so a ``sudo cp`` copy stays root's 0600 and the final
``tar``, run as the user, cannot read it.  The redirection makes the copy the user's."""

versions = snippet(
    command_line("""
        qemu-system-x86_64 --version > nested-report-l0/qemu-version.txt; \\
            virsh --connect qemu:///system version > nested-report-l0/libvirt-version.txt
    """),
)

dmidecode = snippet(
    command_line("sudo dmidecode > nested-report-l0/dmidecode.txt"),
)

sysinfo_l1 = snippet(
    command_line("cat /proc/sysinfo > nested-report-l1/sysinfo.txt"),
)
"""s390x only, run in L1: upstream's "s390x-specific info to collect" asks for L1's
/proc/sysinfo, which also describes the levels below it (running-nested-guests.rst
@ v6.18.2).  The fake host has no /proc/sysinfo, so this is only syntax-checked."""

x86info = snippet(
    command_line("sudo x86info -a > nested-report-l0/x86info.txt"),
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
