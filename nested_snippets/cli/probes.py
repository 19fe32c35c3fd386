"""What ``check`` and ``report`` learn about a host, read-only, from its files.

Nothing here runs a program or opens a device, except that :mod:`.hypervisor` reads
the kernel log ``/dev/kmsg`` on this machine (read-only, non-blocking); each fact
notes where it came from.
"""

from __future__ import annotations

import os
import stat
from collections import namedtuple

from nested_snippets import arches
from nested_snippets.arches import ARCHES, Arch
from nested_snippets.cli import hypervisor
from nested_snippets.cli.errors import CliError
from nested_snippets.cli.escape import clip
from nested_snippets.cli.hostfs import HostFS, Unreadable
from nested_snippets.parsers import cpuinfo
from nested_snippets.parsers.modprobe_conf import normalize

DMI_FILES = ("sys_vendor", "product_name", "bios_vendor")
VIRTUAL_DMI = (
    "qemu",
    "kvm",
    "standard pc",
    "bochs",
    "virtualbox",
    "innotek",
    "vmware",
    "virtual machine",
    "xen",
    "google compute engine",
    "openstack",
    "parallels",
    "cloud hypervisor",
    "firecracker",
)
SOFTWARE_KVM = ("kvm_pvm",)
"""Modules that provide /dev/kvm without VT-x/AMD-V (PVM: KVM by paravirtualization)."""


DevKvm = namedtuple(
    "DevKvm",
    "present mode owner is_char can_rw kind why rdev",
    defaults=("", "", False, False, "", "", None),
)
"""/dev/kvm as ``stat`` shows it, and whether this user may open it read/write.
``kind``: "character device", "regular file", "fifo", ...; ``why``: when absent, the
symbolic link that was not followed (out of --root, a loop), else ""; ``rdev``: a
device's (major, minor), else None."""

_KINDS = (
    (stat.S_ISCHR, "character device"),
    (stat.S_ISREG, "regular file"),
    (stat.S_ISFIFO, "fifo"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISDIR, "directory"),
)


class Facts:
    """Everything ``check`` learnt about a host (a plain class: cheap at start-up)."""

    def __init__(
        self,
        *,
        cpu: cpuinfo.CpuInfo,
        arch: Arch | None,
        machine: str,
        release: str | None,
        level: str,
        level_given: bool,
        evidence: list[str],
        sys_module: bool,
        modules: dict[str, str],
        dev_kvm: DevKvm,
        software_kvm: str | None,
        cmdline: str | None,
        l0: hypervisor.L0 | None = None,
        cmdline_problem: str = "",
        modules_problem: str = "",
    ) -> None:
        self.cpu = cpu
        self.arch = arch
        self.machine = machine
        self.release = release
        self.level = level
        self.level_given = level_given
        self.evidence = evidence
        self.sys_module = sys_module
        self.modules = modules
        """module -> ``loaded`` | ``built-in`` | ``absent`` | ``unknown``."""
        self.dev_kvm = dev_kvm
        self.software_kvm = software_kvm
        self.cmdline = cmdline
        self.cmdline_problem = cmdline_problem
        """"/proc/cmdline: cannot read: why" when it is there but unreadable ("": read
        or missing)."""
        self.modules_problem = modules_problem
        """Why /proc/modules was not read although it is there ("larger than 4 MiB"):
        the states are then :data:`PRESENT` rather than loaded or built-in."""
        self.l0 = l0
        """What L0 seems to be (None: nothing says this host is a guest)."""


def read_cpuinfo(fs: HostFS) -> cpuinfo.CpuInfo:
    """The host's CPU; a missing, unreadable or garbled /proc/cpuinfo is a CliError."""
    try:
        # only the first processor's block is used: a prefix holds it whole (a host
        # with thousands of CPUs can have more than hostfs.MAX_READ of them)
        text = fs.read("/proc/cpuinfo", whole=False)
    except Unreadable as exc:
        raise CliError(f"cannot read {exc}") from None
    try:
        return cpuinfo.parse(text)
    except cpuinfo.CpuinfoError as exc:
        raise CliError(f"cannot understand /proc/cpuinfo: {exc}") from None


def release(fs: HostFS, problems: list[str] | None = None) -> str | None:
    """The running kernel release (``uname -r``): this machine's, or read below --root;
    why a file that should tell it could not be read is added to ``problems``."""
    return release_source(fs, problems)[0]


def release_source(fs: HostFS, problems: list[str] | None = None) -> tuple[str | None, str]:
    """:func:`release` and where it was read: ``uname -r``, or the file below --root
    (``/proc/sys/kernel/osrelease``, ``/proc/version``, ``/lib/modules``); "" when
    nothing told it."""
    if fs.real:
        return os.uname().release, "uname -r"
    for shown in ("/proc/sys/kernel/osrelease", "/proc/version"):
        try:
            text = fs.read_optional(shown, limit=4096)
        except Unreadable as exc:
            if problems is not None:
                problems.append(str(exc))
            continue
        if text:
            words = text.split()
            if shown.endswith("osrelease") and words:
                return words[0], shown
            if len(words) >= 3 and words[:2] == ["Linux", "version"]:
                return words[2], shown
    try:
        dirs = fs.listdir("/lib/modules")
    except Unreadable:
        return None, ""
    dirs = [d for d in dirs if fs.is_dir(f"/lib/modules/{d}")]  # not a .keep beside it
    return (dirs[0], "/lib/modules") if len(dirs) == 1 else (None, "")


def machine(fs: HostFS, cpu: cpuinfo.CpuInfo) -> str:
    return os.uname().machine if fs.real else arches.machine_of(cpu.arch)


def _dmi(fs: HostFS) -> dict[str, str]:
    out = {}
    for name in DMI_FILES:
        try:
            text = fs.read_optional(f"/sys/class/dmi/id/{name}", limit=256)
        except Unreadable:
            continue
        if text and text.strip():
            out[name] = text.strip()
    return out


def guest_evidence(fs: HostFS, cpu: cpuinfo.CpuInfo) -> list[str]:
    """Why this host looks like a virtual machine (empty list: bare metal)."""
    found = []
    if "hypervisor" in cpu.flags:
        found.append("CPU flag 'hypervisor'")
    for name, value in _dmi(fs).items():
        if any(word in value.lower() for word in VIRTUAL_DMI):
            found.append(f"DMI {name} '{clip(value)}'")  # a word from a file: cut
    if cpu.arch == "powerpc" and cpu.platform == "pSeries":
        found.append("platform pSeries (a logical partition or KVM guest)")
    if cpu.arch == "s390":
        try:
            sysinfo = fs.read_optional("/proc/sysinfo", limit=65536) or ""
        except Unreadable:
            sysinfo = ""
        for line in sysinfo.splitlines():
            if "Control Program" in line and ("KVM" in line or "z/VM" in line):
                found.append(f"/proc/sysinfo '{' '.join(line.split())}'")
                break
    if cpu.arch == "arm64":
        try:
            compat = fs.read_optional("/proc/device-tree/compatible", limit=4096) or ""
        except Unreadable:
            compat = ""
        if "linux,dummy-virt" in compat:
            found.append("device tree 'linux,dummy-virt' (QEMU virt machine)")
    return found


def _proc_modules(fs: HostFS, problems: list[str] | None = None) -> set[str] | None:
    """The names in /proc/modules; None (and why, in ``problems``) if it was not read:
    it is read whole or not at all, since a cut one would hide loaded modules."""
    try:
        text = fs.read("/proc/modules", strict=False)
    except Unreadable as exc:
        if problems is not None and not exc.missing:
            problems.append(exc.reason.replace(", not read", ""))
        return None
    return {line.split()[0] for line in text.splitlines() if line.split()}


def _builtin(fs: HostFS, rel: str | None) -> set[str]:
    if not rel or "/" in rel:
        return set()
    try:
        text = fs.read_optional(f"/lib/modules/{rel}/modules.builtin", strict=False)
    except Unreadable:
        return set()
    names = set()
    for line in (text or "").splitlines():
        base = line.strip().rsplit("/", 1)[-1]
        if base.endswith(".ko"):
            names.add(normalize(base[:-3]))
    return names


PRESENT = "present (loaded or built in; /proc/modules not read)"
"""The state of a module in /sys/module when /proc/modules is missing or unreadable:
a loaded module and a built-in one with parameters both have /sys/module/NAME (Linux
kernel/params.c, ``param_sysfs_builtin`` -> ``kernel_add_sysfs_param`` ->
``locate_module_kobject`` creates it for each built-in module with a parameter;
torvalds/linux commit 94bd217e2d683719ab21a4ac117d8a1b91cbedc9, read 2026-12-03), so
only /proc/modules (or modules.builtin) tells which."""
AVAILABLE = ("loaded", "built-in", PRESENT)
"""The states in which a module's code runs: its parameters can be read."""


def module_states(
    fs: HostFS, names: list[str], rel: str | None, problems: list[str] | None = None
) -> dict[str, str]:
    """``loaded`` (in /proc/modules), ``built-in`` (modules.builtin, or in /sys/module
    without a /proc/modules entry), :data:`PRESENT` (in /sys/module when /proc/modules
    cannot be read: why goes into ``problems``), ``absent``, or ``unknown`` (no
    /sys/module)."""
    procmods = _proc_modules(fs, problems)
    builtin = _builtin(fs, rel)
    has_sys = fs.is_dir("/sys/module")
    out = {}
    for name in names:
        in_sys = fs.is_dir(f"/sys/module/{name}")
        if name in builtin:
            out[name] = "built-in"
        elif procmods is not None and name in procmods:
            out[name] = "loaded"
        elif in_sys:
            out[name] = PRESENT if procmods is None else "built-in"
        elif not has_sys:
            out[name] = "unknown"
        else:
            out[name] = "absent"
    return out


def _owner(st: os.stat_result, fs: HostFS) -> str:
    if not fs.real:
        return f"{st.st_uid}:{st.st_gid}"
    import grp
    import pwd

    try:
        user = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        user = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return f"{user}:{group}"


def dev_kvm(fs: HostFS) -> DevKvm:
    st = fs.stat("/dev/kvm")
    if st is None:
        return DevKvm(False, why=_link_why(fs))
    return DevKvm(
        True,
        mode=stat.filemode(st.st_mode),
        owner=_owner(st, fs),
        is_char=stat.S_ISCHR(st.st_mode),
        can_rw=fs.access("/dev/kvm", os.R_OK | os.W_OK),
        kind=next((name for test, name in _KINDS if test(st.st_mode)), "special file"),
        rdev=(os.major(st.st_rdev), os.minor(st.st_rdev))
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
        else None,
    )


def _link_why(fs: HostFS) -> str:
    """Why a /dev/kvm that ``stat`` cannot see is there after all: a symbolic link
    out of --root, dangling or in a loop ("" when nothing is there)."""
    why = fs.outside("/dev/kvm")
    if why:
        return why
    path = fs.path("/dev/kvm")
    if not os.path.islink(path):
        return ""
    try:
        os.stat(path)
    except OSError as exc:
        reason = (exc.strerror or "cannot follow it").lower()
        return f"a symbolic link that cannot be followed ({reason})"
    return ""


def arch_row(cpu: cpuinfo.CpuInfo) -> Arch | None:
    return ARCHES.get(cpu.arch_key) if cpu.arch_key else None


def modules_of_interest(row: Arch | None) -> list[str]:
    if row is None:  # no row: x86 without vmx/svm
        rows = [a for a in ARCHES.values() if a.kernel_arch == "x86"]
        return list(dict.fromkeys(m for a in rows for m in (*a.depends, a.module)))
    mods = [*row.depends, row.module] if row.module else []
    return [m for m in mods if m]


CMDLINE_MAX = 1 << 20
"""The longest kernel command line read: s390's COMMAND_LINE_SIZE may be set up to
1 MiB (``range 896 1048576``, arch/s390/Kconfig, torvalds/linux 622021cd6c560ce7 "s390:
make command line configurable", as quoted on linux-kernel); x86's is 2 KiB.  A longer
/proc/cmdline is not read (it was read cut at 64 KiB: a nested= past it was missed)."""


def gather(fs: HostFS, level: str = "auto") -> Facts:
    """Read everything ``check`` needs.  Raises CliError if /proc/cpuinfo is unusable."""
    cpu = read_cpuinfo(fs)
    row = arch_row(cpu)
    rel = release(fs)
    evidence = guest_evidence(fs, cpu)
    names = modules_of_interest(row) + list(SOFTWARE_KVM)
    modules_problems: list[str] = []
    states = module_states(fs, names, rel, modules_problems)
    soft = next((m for m in SOFTWARE_KVM if states.get(m) in AVAILABLE), None)
    cmdline_problem = ""
    try:  # the kernel takes any bytes: one character per byte (kargs.SPACE)
        # whole or not at all: a nested= past a cut would be missed
        cmdline = fs.read_bytes("/proc/cmdline", CMDLINE_MAX, whole=True).decode("latin-1")
    except Unreadable as exc:
        cmdline = None
        if not exc.missing:
            cmdline_problem = f"{exc.shown}: cannot read: {exc.reason}"
    l0 = hypervisor.identify(fs, cpu.flags) if cpu.arch == "x86" or evidence else None
    if l0 is not None and l0.kind is not None:  # e.g. a Xen PV guest: no CPU flag, no DMI
        evidence += [e for e in l0.evidence if e not in evidence and "DMI" not in e]
    return Facts(
        cpu=cpu,
        arch=row,
        machine=machine(fs, cpu),
        release=rel,
        level=level if level != "auto" else ("L1" if evidence else "L0"),
        level_given=level != "auto",
        evidence=evidence,
        sys_module=fs.is_dir("/sys/module"),
        modules={m: s for m, s in states.items() if m not in SOFTWARE_KVM},
        dev_kvm=dev_kvm(fs),
        software_kvm=soft,
        cmdline=cmdline.strip() if cmdline is not None else None,
        l0=l0,
        cmdline_problem=cmdline_problem,
        modules_problem=modules_problems[0] if modules_problems else "",
    )
