"""Build a fake host: a directory with the fake root, its kernel state and nothing else.

Layout of a host directory ``HOST``::

    HOST/root/          what a snippet sees as / (bound read-write by the sandbox)
    HOST/state.marshal  the fake kernel (see :mod:`nested_snippets.fakehost.state`)

With ``disk_tree=True`` (``nested-kvm`` tests, which read a root from disk) the
kernel's trees (/sys/module, /proc, /lib/modules, /dev/kvm) are written under
``HOST/root``; the runner leaves them out, as its sandbox shows them from tmpfs
mounts that the tool server fills (:mod:`nested_snippets.runner.sandbox`).
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from nested_snippets import arches
from nested_snippets import kernel as kdata
from nested_snippets.fakehost import cpus, early_params, firmware, reads
from nested_snippets.fakehost import state as fk
from nested_snippets.fakehost.commands import PY_TOOLS, boot_modules, open_dev_kvm
from nested_snippets.fakehost.start import Given, ScenarioError
from nested_snippets.kernel import messages

HOSTNAME = "fakehost"
OWNER: list[tuple[int, int]] = []
"""(uid, gid) that must own what a host holds, when the runner builds hosts as root
for an unprivileged sandbox (set by :mod:`nested_snippets.runner.sandbox`)."""


def own(fd_or_path, dir_fd: int | None = None) -> None:
    if OWNER:
        uid, gid = OWNER[0]
        if isinstance(fd_or_path, int):
            os.fchown(fd_or_path, uid, gid)
        else:
            os.chown(fd_or_path, uid, gid, dir_fd=dir_fd, follow_symlinks=False)


def path_problem(shown: str) -> str:
    """Why ``shown`` cannot name a file of a fake host ("" when it can)."""
    if not shown.startswith("/") or "\0" in shown:
        return "not an absolute path"
    parts = shown.split("/")[1:]
    if not parts or any(p in ("", ".", "..") for p in parts):
        return "not a file path (an empty, '.' or '..' component)"
    try:
        shown.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid UTF-8"
    return ""


@dataclass(frozen=True)
class Scenario:
    """Where a host starts: architecture, kernel version and start state."""

    arch: str
    kernel: str
    given: Given = Given()
    cpu: cpus.CpuModel | None = None
    """A specific CPU (flags, model); default: the architecture's usual server CPU."""

    def __post_init__(self) -> None:
        try:
            kdata.resolve_version(self.kernel)
        except kdata.KernelDataError as exc:
            raise ScenarioError(str(exc)) from None


def release_for(kernel: str, arch: str) -> str:
    """``uname -r`` of a fake host of ``arch`` (a key of :mod:`nested_snippets.arches`):
    ``6.6.0-fake-amd64`` on x86, ``6.6.0-fake-s390x`` on IBM Z, ending like Debian's
    releases in the architecture's kernel flavour (:attr:`.Arch.debian_flavour`);
    ``6.1.192-fake-amd64`` for a build."""
    point = kernel if kernel.count(".") >= 2 else f"{kernel}.0"
    return f"{point}-fake-{arches.get(arch).debian_flavour}"


class FakeHost:
    """A fake host living in ``home``."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.root = self.home / "root"
        self.bin = self.home / "bin"
        """Tools for a host with its trees on disk (see :func:`_install_tools`)."""
        self.built: fk.State | None = None
        """The state as :meth:`create` left it (before anything ran)."""

    # ------------------------------------------------------------- creation
    @classmethod
    def create(cls, home: Path, scenario: Scenario, disk_tree: bool = True) -> FakeHost:
        """Build the host in ``home`` (new, or emptied by :func:`recycle`)."""
        host = cls(home)
        for d in ("", "etc", "etc/modprobe.d", "etc/default", "root", "tmp"):
            os.close(_safe_dir(host.root, d))
        os.chmod(host.root / "tmp", 0o1777, follow_symlinks=False)
        given = scenario.given
        version = kdata.data_version(scenario.kernel)
        release = release_for(version, scenario.arch)
        host.write_file(
            "/etc/default/grub",
            'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\n'
            f'GRUB_CMDLINE_LINUX="{given.cmdline}"\n',
        )
        for path, content in given.files.items():
            host.write_file(path, content)
        flags = cpus.flags(scenario.arch, given.level, given.cpu_flag, scenario.cpu)
        if not given.firmware_vt:
            flags = firmware.cpu_flags(scenario.arch, version, flags)
        cpuinfo = cpus.cpuinfo(
            scenario.arch,
            given.level,
            flags,
            vmx_flags_line=kdata.version_key(version) >= (5, 6),
            model_row=cpus.row(scenario.arch, scenario.cpu),
        )
        row = arches.get(scenario.arch)
        builtin = given.kvm == "builtin" or not row.modules
        cmdline = f"{fk.boot_args(release)} quiet"  # quiet: GRUB_CMDLINE_LINUX_DEFAULT
        if given.cmdline:
            cmdline += " " + given.cmdline
        params_data, early, log_messages = _kernel_tables(scenario.arch, version)
        state = fk.State(
            arch=scenario.arch,
            kernel=version,
            release=release,
            level=given.level,
            cpu_flags=flags,
            cpu_row=list(cpus.row(scenario.arch, scenario.cpu) or ()),
            builtin=builtin,
            cmdline=cmdline,
            params_data=params_data,
            cpuinfo=cpuinfo,
            machine=row.machine,
            early_values=early,
            messages=log_messages,
            # Up to 6.1 kvm_arch_init() tested "already loaded" before hardware support
            # (measured on 6.1: kvm_intel under TCG logs "already loaded vendor module");
            # from 6.3 the hardware check runs first, in the vendor module's own init.
            hw_first=kdata.version_key(version) >= (6, 3),
            firmware_vt=given.firmware_vt,
            bool_extra=kdata.bool_letters(version),
        )
        firmware.log_boot(state)
        if given.kvm != "unloaded":
            # the tree was just emptied (or is new): only the files written above exist
            boot_modules(state, host.root, nested=given.nested)
        if given.kvm == "loaded":  # on s390 and POWER: something opened /dev/kvm since
            open_dev_kvm(state, host.root, nested=given.nested)
        if given.vm_running:
            for mod in state.loaded:
                spec = state.modules.get(mod.name)  # None: built-in code (Arch.builtin_code)
                if spec is not None and spec.vm_user:
                    mod.users += 1
        if disk_tree:
            fk.materialize(state, host.root, full=True)
            _install_tools(host.bin)
        state.write(host.home)
        own(host.home / fk.STATE_FILE)
        host.built = state
        return host

    # ------------------------------------------------------------- access
    def path(self, shown: str) -> Path:
        """The real path of a path as the snippet names it (``/etc/...``)."""
        problem = path_problem(shown)
        if problem:
            raise ValueError(f"{problem}: {shown!r}")
        return self.root / shown.lstrip("/")

    def write_file(self, shown: str, content: str) -> None:
        """Create or replace a file, following no link a snippet may have planted."""
        self.path(shown)  # validates
        parent, _, name = shown.strip("/").rpartition("/")
        dir_fd = _safe_dir(self.root, parent)
        try:
            with _suppress_missing():
                st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                if (st.st_mode & 0o170000) == 0o040000:
                    shutil.rmtree(os.path.join(self.root, parent, name))
                else:
                    os.unlink(name, dir_fd=dir_fd)
            fd = os.open(
                name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=dir_fd
            )
            try:
                os.write(fd, content.encode("utf-8", "surrogateescape"))
                own(fd)
            finally:
                os.close(fd)
        finally:
            os.close(dir_fd)

    def state(self) -> fk.State:
        return fk.State.read(self.home)

    def reboot(self, rec: reads.Recorder | None = None) -> None:
        """Reboot: forget loaded modules and the log; boot again from the files.

        The boot itself (which reads the snippet-written /etc/modprobe.d) happens in
        the next sandbox of this host, confined like every fake tool call.  With
        ``rec``, what the reboot reads of the state is noted in it, as a tool call's
        reads are (:mod:`.reads`).
        """
        real = self.state()
        state = real if rec is None else reads.StateView(real, rec)
        if state.next_cmdline is not None:
            state.cmdline, state.next_cmdline = state.next_cmdline, None
        state.loaded.clear()
        state.dmesg.clear()
        state.clock = 4.0
        firmware.log_boot(state)
        state.boot_pending, state.boot_nested = True, None
        real.write(self.home)


def _kernel_tables(arch: str, version: str) -> tuple[dict, dict, dict]:
    """(parameter tables, early parameters, log messages) of a release, for the state.

    Shared by every host of this process: nothing changes them once built.  Keyed on
    the data reader too, so that a test that replaces it gets tables from its own.
    """
    return _tables(arch, version, kdata.module)


@functools.cache
def _tables(arch: str, version: str, module) -> tuple[dict, dict, dict]:
    params_data = {}
    row = arches.get(arch)
    for spec in (*row.modules, *row.builtin_code):
        if spec.data_key:
            data_arch, name = spec.data_key.split("/")
            params_data[spec.name] = fk.param_rows(module(data_arch, name, version))
    return params_data, early_params.early_values(arch, version), messages.resolved(version)


class _suppress_missing:
    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        return kind is not None and issubclass(kind, FileNotFoundError)


def _safe_dir(root: Path, rel: str) -> int:
    """Open (making as needed) ``root/rel`` without following links; returns an fd.

    A component that is not a directory (a planted link, FIFO or file) is removed.
    """
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    if not root.is_dir():
        root.mkdir(parents=True)
        own(root.parent)
        own(root)
    fd = os.open(root, flags)
    for part in [p for p in rel.split("/") if p]:
        if part in (".", ".."):
            os.close(fd)
            raise ValueError(f"bad path component {part!r} in {rel!r}")
        try:
            nxt = os.open(part, flags, dir_fd=fd)
        except FileNotFoundError:
            os.mkdir(part, 0o755, dir_fd=fd)
            own(part, dir_fd=fd)
            nxt = os.open(part, flags, dir_fd=fd)
        except OSError:
            st = os.stat(part, dir_fd=fd, follow_symlinks=False)
            if (st.st_mode & 0o170000) == 0o040000:  # a directory a snippet closed
                os.chmod(part, 0o755, dir_fd=fd, follow_symlinks=False)
            else:
                os.unlink(part, dir_fd=fd)
                os.mkdir(part, 0o755, dir_fd=fd)
                own(part, dir_fd=fd)
            nxt = os.open(part, flags, dir_fd=fd)
        os.close(fd)
        fd = nxt
    return fd


KEEP = ("etc", "etc/modprobe.d", "etc/default", "etc/default/grub", "root", "tmp")
"""What :func:`recycle` keeps (``create`` rewrites it); mount points the sandbox adds
are kept too (see :data:`nested_snippets.runner.sandbox.MOUNT_POINTS`)."""


def recycle(home: Path, keep: tuple[str, ...] = ()) -> None:
    """Empty a used host directory so that :meth:`FakeHost.create` can reuse it.

    Everything a snippet could have made or changed goes, links are never followed
    (a planted link is removed, not its target), and modes a snippet took away are
    restored first; only the directories and files of ``KEEP`` + ``keep`` stay, as
    the plain directories or files they must be.  Raises OSError when the directory
    cannot be emptied: the caller then discards it.
    """
    root = Path(home) / "root"
    kept = {*KEEP, *keep}
    _empty(str(root), "", kept)


def _empty(path: str, rel: str, kept: set[str]) -> None:
    st = os.lstat(path)
    if (st.st_mode & 0o170000) != 0o040000:
        raise OSError(f"{path} is not a directory")
    if st.st_mode & 0o700 != 0o700:
        os.chmod(path, 0o755)
    with os.scandir(path) as it:
        entries = list(it)
    for entry in entries:
        sub = f"{rel}/{entry.name}" if rel else entry.name
        if entry.is_dir(follow_symlinks=False):
            if sub in kept:
                _empty(entry.path, sub, kept)
            else:
                _rmtree(entry.path)
        elif sub in kept and entry.is_symlink():
            continue  # a mount point's link: the sandbox checks its target before use
        elif (
            sub in kept
            and entry.is_file(follow_symlinks=False)
            and (entry.stat(follow_symlinks=False).st_nlink == 1)
        ):
            _forget(entry.path)
            continue
        else:
            os.unlink(entry.path)
    if st.st_mode & 0o7777 != 0o755:
        os.chmod(path, 0o755)
    _forget(path)


def _forget(path: str) -> None:
    """Drop what a snippet may have attached to a kept entry: extended attributes
    (POSIX ACLs among them) and its times."""
    for name in os.listxattr(path, follow_symlinks=False):
        os.removexattr(path, name, follow_symlinks=False)
    os.utime(path, follow_symlinks=False)


def _rmtree(path: str) -> None:
    def restore_and_retry(func, p, _exc):
        parent = os.path.dirname(p)
        os.chmod(parent, 0o700)
        func(p)

    for dirpath, dirnames, _files in os.walk(path):
        for d in dirnames:
            full = os.path.join(dirpath, d)
            if not os.path.islink(full):
                os.chmod(full, 0o700)
    os.chmod(path, 0o700)
    shutil.rmtree(path, onerror=restore_and_retry)


def _install_tools(bin_dir: Path) -> None:
    """Fill ``bin_dir`` with the fake tools of a host whose trees are on disk.

    For tests of ``nested-kvm``, which run ``lscpu`` or ``dmesg`` from ``PATH`` with
    ``FAKEHOST`` set: the tools run unconfined on ``$FAKEHOST/root``.  The runner
    never uses these (its tools run in the sandbox through the tool server).
    """
    if bin_dir.is_dir():
        return
    bin_dir.mkdir(parents=True)
    launcher = bin_dir / "_fake_tool"
    launcher.write_text(
        f"#!{sys.executable} -SE\n"
        f"import sys\nsys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
        "from nested_snippets.fakehost.commands import main\nsys.exit(main())\n"
    )
    launcher.chmod(0o755)
    for name in PY_TOOLS:
        os.symlink("_fake_tool", bin_dir / name)
    sudo = bin_dir / "sudo"
    sudo.write_text('#!/bin/sh\nFAKEHOST_SUDO=1 exec "$@"\n')
    sudo.chmod(0o755)
    for name in ("cat", "grep", "head", "tail", "ls", "sort", "wc", "cut", "tr", "true", "echo",
                 "sleep", "printf", "uniq", "sed", "awk"):  # fmt: skip
        real = shutil.which(name, path="/usr/bin:/bin")
        if real:
            os.symlink(real, bin_dir / name)
