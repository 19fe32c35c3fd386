"""Run snippet commands in a bubblewrap sandbox where the fake host is the whole machine.

Each run (one snippet's commands, or one :func:`~nested_snippets.runner.run.execute`)
gets a fresh ``bwrap --unshare-all`` sandbox: new user, mount, PID, network, IPC,
UTS and cgroup namespaces, no capabilities, uid 0 inside mapped to an unprivileged
uid outside (as root, the runner starts bwrap as :data:`SANDBOX_UID`).  Inside, the
snippet's literal text runs under bash and sees:

``/``
    a per-run tmpfs (:data:`TMPFS_BYTES`) into which the tool server copies the
    host's ``HOME/root`` before the first command and from which it copies back
    what the run leaves when its writes are kept
    (:mod:`nested_snippets.fakehost.rootcopy`): the host's files last between its
    runs, but a snippet never writes to the disk.  ``HOME/root`` is emptied by
    :func:`~nested_snippets.fakehost.host.recycle` before the directory serves
    another host.  ``/etc`` is built for the host (``passwd``, ``group``,
    ``hostname``, ``hosts``, ``alternatives`` and a copy of the machine's
    ``ld.so.cache`` bound read-only from the runner's template; ``modprobe.d`` and
    ``default/grub`` the host's own), never the machine's;
``/usr``
    the machine's, read-only, less its kernel modules and kmod configuration
    (:data:`MACHINE_CONFIG`, covered by empty tmpfs mounts); ``/usr/lib/locale`` shows
    a copy of the machine's (every entry, link and mode) with an archive built from
    its compiled locales added, where the machine has no archive (:data:`LOCALES`);
    ``/bin`` and ``/sbin`` link into it, ``/lib64`` shows ``/usr/lib64`` (a read-only
    bind, :data:`LOADER_DIRS`) and ``/lib`` is a tmpfs holding the fake ``modules``
    and the multiarch library directories of ``/usr/lib`` (where ``ld.so`` looks),
    read-only binds as well;
``/sys/module``, ``/proc``, ``/lib/modules``, ``/dev/kvm``
    the fake kernel's trees on per-run tmpfs mounts (no procfs, no sysfs), filled by
    the tool server before the snippet starts;
``/dev``
    a small tmpfs with null, zero, full, random, urandom and tty bound in (all
    writable, as on the machine: :data:`DEVICES` says why), a small ``/dev/shm`` (no
    ``pts``), and ``fd``, ``stdin``, ``stdout``, ``stderr`` linking into
    ``/proc/self/fd``, which does not exist (``/proc`` is the fake kernel's): a
    command using them or process substitution (``<(...)``) is refused
    (:data:`NEEDS_PROC_SELF`) instead of failing with "No such file or directory";
``/tmp``, ``/run``
    small per-run tmpfs mounts (so ``/tmp`` never reaches the disk);
``/usr/local``
    an empty read-only tmpfs (the machine's own installs are not shown; read-only
    since 2026-12-02, before a snippet could plant ``/usr/local/bin/cat``), as are
    the tmpfs mounts over :data:`MACHINE_CONFIG`;
``/run/fakehost``
    ``bin`` (read-only: the fake tools, first on ``PATH``).  Each command's output
    goes to the runner through a pipe (:data:`SUPERVISOR`), never to a file.

The fake ``lsmod``, ``modprobe``, ``modinfo``, ``rmmod``, ``dmesg``, ``lscpu``,
``update-grub``, ``grubby``, ``sudo``, ``uname``, ``arch`` and ``systemd-detect-virt``
are also bound over
every file of ``/usr`` they resolve to (``/usr/bin/kmod`` behind ``lsmod``, ...), so
an explicit path, ``command -p`` or a rewritten ``PATH`` reaches the same fake:
there is no real one inside.  They reach the tool server through bash's
``/dev/tcp`` on the sandbox's own loopback (:mod:`nested_snippets.fakehost.toolserver`).
The host name is ``fakehost``; ``uname`` answers for the fake kernel and its
architecture (the ``uname(2)`` system call does not: see below).

Limits (:class:`Limits`) are rlimits set by the sandbox's first process (hard and
soft, which nothing inside can raise) plus a wall clock and a memory watch kept by
the runner (:func:`_watch`: it sums the memory of the sandbox's processes and the
socket and pipe buffers and memfds they hold every :data:`WATCH_TICK` seconds), which kill the
sandbox's whole PID namespace.  Each gives one :class:`LimitExceeded` starting
``stopped:`` and naming the limit (``stopped: CPU time limit 60 s exceeded (command
1: ...)``); the runner's callers
add the snippet's name.  A status of 137 the runner does not turn into such a
message is the snippet's own ``kill -9``.
Every tmpfs has a size (:data:`TMPFS_BYTES`, about 120 MiB in all) and at most
:data:`~nested_snippets.fakehost.rootcopy.MAX_ENTRIES` inodes.  After each
command the first process kills every other process of the sandbox, so nothing a
command leaves running can touch a later command's result.  Tool calls are bounded
by the tool server (at most ``MAX_CALLS`` connections at once per sandbox,
``MAX_ARGS`` arguments and ``MAX_REQUEST`` bytes a call, each call with its own time
limit, the sandbox's worker with memory and file-size rlimits; configuration files
are read only when regular and only up to a cap); a call over one of these gets one
line naming it from the fake tool, which exits 70 (since 2026-12-02; before, it
ended silently or with "Connection reset").

System calls pass a seccomp filter (:mod:`.seccomp`, since 2026-12-02), which
bubblewrap loads after its own mounts: SysV IPC, ``clone3`` and every call newer than
the runner's strace knows (:data:`.seccomp.UNKNOWN_TO_STRACE`, since 2026-12-03) fail
with ``ENOSYS``
(``memfd_secret`` and ``io_setup`` too, since 2026-12-05: the pages of the one escaped
the memory watch, the other took the machine's AIO budget, one for all its processes);
keys, ``bpf``, ``perf_event_open``, ``userfaultfd``, io_uring, module and kexec
calls, every mount call, ``setns``, ``syslog`` (the machine's kernel log, readable
where ``kernel.dmesg_restrict`` is 0), ``process_vm_readv``/``writev``,
``pidfd_getfd``, ``fanotify_init``, file handles, ``clone`` with ``CLONE_UNTRACED``,
``ptrace`` attaching and setting a socket's buffer sizes (``SO_SNDBUF``,
``SO_RCVBUF``, since 2026-12-02) fail with ``EPERM`` (strace, which starts its command with
``PTRACE_TRACEME``, still works).  Its cost, measured on 2026-12-02 (2 loaded cores,
runs alternated with and without it): none measurable on a run of ``lsmod | head
-2`` (44.6 against 44.7 ms of CPU time, medians of 45); ~7 % on ``find /usr/lib``,
which makes ~171,000 system calls (``strace -c``; 273 against 256 ms, medians of 21),
all of it the cost of having a filter at all (one that allows everything: 277 ms).
On an architecture the filter has no table for (x86_64 and aarch64 only), the
runner refuses to run.

What is *not* bounded or hidden, known and accepted for now (reviewed 2026-12-02):

* memory the watch cannot see: pages of a ``memfd`` that no process holds, only the
  queue of a unix socket it was sent on with ``SCM_RIGHTS`` (at most the uid's ``files``
  descriptors in flight, each capped by the file-size limit: 1 GiB with the defaults; a
  memfd a process holds is charged its blocks since 2026-12-05, before which unmapped
  ones were not counted at all), pipe buffers grown past :data:`PIPE_BYTES` (within the
  sandbox uid's budget, 64 MiB by default), the overshoot within one :data:`WATCH_TICK`
  (one process can open ``files`` sockets in it: ~200 MiB of buffers with the defaults),
  and the tool server's worker for the sandbox (outside it; one process with its own
  address-space limit); the tmpfs mounts are counted by their sizes
  (:data:`TMPFS_BYTES`), not by the watch.  Socket buffers are charged
  (:data:`SOCKET_BYTES` per socket, unix sockets held in flight included since
  2026-12-05, plus TCP queues read every :data:`QUEUE_EVERY` seconds while a TCP socket
  is open) since 2026-12-02: before, the watch counted none, and with ``SO_SNDBUF``/
  ``SO_RCVBUF`` raised (now denied by the filter) one snippet under a 256 MiB limit held
  5 GiB of the machine's memory until the wall clock stopped it (review of 2026-12-02;
  the figure accepted before, 88 MiB in 400 socket pairs, assumed default buffers).
  SysV shared memory, which had no cap (measured 2026-12-02: four 48 MiB segments filled and
  detached ran under a 64 MiB limit), is denied by the filter since that day;
* a parameter file of the fake ``/sys`` with mode 0444 can be ``chmod``-ed and then
  written by the snippet, which owns every file of the sandbox's tmpfs mounts (its
  user namespace maps one uid only).  The write is never kept (only writable
  parameters are harvested; the next run or module load shows the kernel's value),
  and without the ``chmod`` the write fails with EACCES as on a real kernel.  A real
  kernel lets root ``chmod`` the file too, but the write then fails with EIO: a
  read-only parameter's attribute has no ``store`` ("Do not allow runtime DAC changes
  to make param writable", ``add_sysfs_param()``, and ``module_attr_store()`` returns
  ``-EIO`` without one: kernel/params.c at 6.18.2, gfunkmonk/linux-6.18.2, read
  2026-12-04), which the fake cannot give.  Tried
  on 2026-12-02 (Linux 6.18, bubblewrap 0.8): a read-only bind mount over the file
  makes ``tee`` and ``>`` fail with EROFS (an ``O_TRUNC`` open checks the mount
  before the mode), not the kernel's EACCES; an idmapped mount that leaves the
  owner unmapped (``chmod``: EPERM, write: EACCES) is refused with EPERM when the
  tool server sets it from outside the sandbox, and from inside it needs an
  idmapping user namespace, which ``--disable-userns`` forbids creating; a second
  owner uid needs a second mapped uid, which only root can map;
* facts of the machine through system calls, which only a seccomp filter that
  rewrites results (a ``SECCOMP_RET_USER_NOTIF`` supervisor answering for the fake
  host: not written), a time namespace or ptrace could hide, none of which
  bubblewrap 0.8 offers without root: ``uname(2)`` gives the machine's kernel
  release and version and its architecture (``os.uname()``, ``perl``'s ``POSIX::uname``; the
  ``uname`` and ``arch`` commands are the fake ones and answer for the fake host);
  ``CLOCK_BOOTTIME`` and ``sysinfo(2)`` give the machine's uptime and memory.
  ``/proc/uptime`` and ``/proc/meminfo`` do not exist (the fake kernel models
  neither), so ``uptime`` and ``free`` fail rather than answer for the machine.
  ``nproc`` is the fake host's CPU count (:func:`_pin`) on a machine with at least
  that many CPUs; ``statfs`` of any writable place is the sandbox's tmpfs;
* the CPU itself: the ``CPUID`` instruction is not a system call, and no filter,
  namespace or fake file changes what it answers, so whatever a program learns by
  running it is the machine's CPU (vendor, model, feature bits, the hypervisor bit
  and leaf), not the fake host's ``/proc/cpuinfo``: ``gcc -march=native`` (checked
  2026-12-02: ``znver3`` on an AMD machine for any fake host), ``ld.so
  --list-diagnostics``, ``virt-what``'s helper, a snippet's own machine code.  Only
  ``systemd-detect-virt``, the usual way to ask "am I in a VM?", is a fake tool
  (``none`` on L0, ``kvm`` in an L1 guest: since 2026-12-02; the real one said
  ``kvm`` on an L0 fake host when the tests ran in a VM).  Hiding the rest would
  need a CPU that faults on ``CPUID`` (``arch_prctl(ARCH_SET_CPUID)``, Intel only)
  and a handler emulating it in every process: not written;
* one sandbox uid for every runner of the machine: :data:`SANDBOX_UID` is the same
  uid (64990 where it is free) for all processes of all test runs, and the kernel
  keeps some budgets per uid, not per namespace: pipe buffers
  (``fs.pipe-user-pages-soft``; measured 2026-12-02: one sandbox holding 64 MiB of
  pipes left another one 8 KiB pipes and a failing ``F_SETPIPE_SZ``), so concurrent
  sandboxes (xdist workers, other worktrees) can shrink each other's pipes.  No data
  crosses (each sandbox has its own namespaces and tmpfs mounts); separate uids per
  runner would need a free uid range known to every runner;
* strace itself, against a snippet that kills it (its parent, same uid): the
  record is then incomplete and vouches for nothing (the run is not shared by what
  it read), the command's file calls fail (strace's own filter has no tracer left to
  ask) and PID 1 ends it.  So a snippet can deny its own item the sharing, not
  forge it.

Where bubblewrap cannot make its namespaces the runner refuses to run anything
(:class:`SandboxUnavailable`, whose message names the fix); there is no unconfined
mode.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import pwd
import re
import secrets
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nested_snippets.fakehost import cpus, toolserver
from nested_snippets.fakehost import host as fakehost
from nested_snippets.fakehost.commands import PY_TOOLS
from nested_snippets.regular import read_regular
from nested_snippets.runner import pid1, seccomp

BWRAP = "bwrap"
HOSTNAME = fakehost.HOSTNAME
FAKE_TOOLS = (*PY_TOOLS, "sudo")
PATH = "/run/fakehost/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MAX_COMMAND = 100_000
"""Longest command text passed to bash (bytes); longer ones are refused."""
MAX_COMMANDS = 1_000_000
"""Most bytes a run's commands may hold together (each counted with its NUL and the
argument pointer): they are arguments of ``bwrap`` and PID 1, and Linux gives all of
an ``execve``'s arguments and environment at most a quarter of the stack rlimit
(``bprm_stack_limits`` in fs/exec.c: 2 MiB with the usual 8 MiB).  Before (review 14),
25 commands of 100,000 bytes made ``Popen`` raise ``OSError: Argument list too long``."""
ETC_FILES = ("passwd", "group", "hostname", "hosts", "os-release", "ld.so.cache")
LD_CACHE = "/etc/ld.so.cache"
"""Copied into the sandbox's ``/etc`` (at most :data:`LD_CACHE_BYTES`; empty where the
machine has none, which ``ld.so`` reads as no cache).  It names the machine's shared
libraries, all of them under the read-only ``/usr`` the sandbox shows anyway.  Without
it, ``ld.so`` looks for each library in every ``glibc-hwcaps`` and ``tls`` directory of
the multiarch ``/lib`` first: ~100 failed lookups a program, which under strace were
most of a record: measured 2026-12-03 on a traced run of six commands (``uname``,
``cat``, ``lscpu``, ``lsmod``, ``grep -H`` of every parameter, ``ls``; 12 runs, 2
loaded cores), 1,688 lines of record against 1,058 with the cache, and 151 against
138 ms of CPU in the sandbox's processes."""
LD_CACHE_BYTES = 16 << 20
LOCALES = "/usr/lib/locale"
"""Where the C library looks for compiled locales: the archive ``locale-archive`` first,
then one directory per locale.  Debian ships ``C.utf8`` as a directory and no archive
(``libc-bin``; the archive comes with the ``locales`` package), so each process that
calls ``setlocale`` under the sandbox's ``LANG=C.UTF-8`` opens and reads its 13
category files one by one, each after a failed try of the unnormalised name: 52 lines
of a traced record a process, a third of the whole record of the bug-report
commands.  Where the machine has no archive, :func:`_locales` builds one from the
machine's own locale directories with ``localedef --add-to-archive`` (glibc's own
tool, in ``libc-bin``), and the sandbox shows it in a copy of the machine's directory,
read-only: the same entries and locale data, one file opened a process.  Measured on 2026-12-04:
see :mod:`.shared`, "Where one run's CPU time goes"."""
LOCALEDEF = "/usr/bin/localedef"
LOCALEDEF_DIR = LOCALES.lstrip("/")
"""Where ``localedef --prefix=P`` keeps its archive below ``P`` (its compiled-in
locale directory)."""
OS_RELEASE = (
    'NAME="nested-kvm-guide fake host"\nID=nested-kvm-fakehost\n'
    'PRETTY_NAME="nested-kvm-guide fake host (not a distribution)"\n'
)
"""The fake host names no distribution: ``/etc/os-release`` and the machine's
``/usr/lib/os-release`` (under the read-only ``/usr``) both show this."""
MACHINE_CONFIG = ("/usr/lib/modules", "/usr/lib/modprobe.d", "/usr/local/lib/modprobe.d",
                  "/usr/lib/modules-load.d", "/usr/lib/depmod.d")  # fmt: skip
"""Directories of ``/usr`` that describe the machine's kernel, not the fake host's."""
MERGED = ("bin", "sbin", "lib64", "lib32", "libx32")
LOADER_DIRS = ("lib64", "lib32", "libx32")
"""Merged-``/usr`` links (:func:`_merged_links`) that the sandbox shows as read-only
binds of their targets, not as links; so are ``/lib``'s multiarch library directories.
The kernel finds an executable's dynamic loader by its ``PT_INTERP``
(``/lib64/ld-linux-x86-64.so.2``) and the loader its libraries by the ``ld.so`` cache
(``/lib/x86_64-linux-gnu/libc.so.6``): through these.  As links on the writable ``/``
and ``/lib`` tmpfs, a command replaced ``/lib64`` with a directory of its own and the
next command, which PID 1 starts as ``/usr/bin/bash``, was run by the command's loader
(attack17 #4); a mount point cannot be unlinked, renamed or replaced (``EBUSY``; the
seccomp filter denies every mount call) and these are read-only.  ``ls -l /lib64``
shows a directory, as on a system without merged ``/usr``."""


class Refused(Exception):
    """The runner will not run this text (before anything has run)."""


class SandboxUnavailable(RuntimeError):
    """This machine cannot make the sandbox; the message names the fix."""


class LimitExceeded(Exception):
    """A run went over one of its :class:`Limits`."""


@dataclass(frozen=True)
class Limits:
    seconds: float = 30.0
    output_bytes: int = 1 << 20
    memory_bytes: int = 2 << 30
    processes: int = 256
    cpu_seconds: int = 60
    files: int = 1024
    """Open files per process (``ulimit -n``)."""


@dataclass(frozen=True)
class Result:
    output: bytes
    status: int
    trace: bytes | None = None
    """What strace recorded of the command, when run with ``trace`` (see :data:`TRACE`)."""


def _sandbox_ids() -> tuple[int, int]:
    """The unprivileged uid/gid snippets run as outside their namespace."""
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    taken = {p.pw_uid for p in pwd.getpwall()}
    uid = next(u for u in range(64_990, 60_000, -1) if u not in taken)
    return uid, uid


SANDBOX_UID, SANDBOX_GID = _sandbox_ids()
"""As root: the highest free uid below 64 991, used for this uid only by the sandbox."""


# --------------------------------------------------------------- availability


@functools.cache
def check() -> None:
    """Raise :class:`SandboxUnavailable` (one message, naming the fix) if bwrap fails."""
    if shutil.which(BWRAP) is None:
        raise SandboxUnavailable(
            "the snippet sandbox needs bubblewrap, which is not installed: "
            "install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install "
            "bubblewrap)"
        )
    try:
        seccomp.program(pid1.PERL)
    except seccomp.Unsupported as exc:
        pid1.check_perl(SandboxUnavailable)  # a missing perl is the message to give first
        raise SandboxUnavailable(str(exc)) from None
    rules = _filter_fd()
    argv = [BWRAP, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", *_merged_links_args(),
            "--seccomp", str(rules), "/usr/bin/true"]  # fmt: skip
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd="/",
                              pass_fds=(rules,), **_drop())  # fmt: skip
    finally:
        os.close(rules)
    if proc.returncode != 0:
        raise SandboxUnavailable(_diagnose(proc.stderr.strip().splitlines()[-1:] or [""]))
    pid1.check_perl(SandboxUnavailable)


def _filter_fd() -> int:
    """A pipe holding the seccomp filter (:mod:`.seccomp`), for ``bwrap --seccomp FD``
    (which reads it to its end); the caller closes it."""
    rules = seccomp.program(pid1.PERL)
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, rules)  # a few hundred bytes: far below a pipe's buffer
    finally:
        os.close(write_end)
    return read_end


def _kib(size: int) -> int:
    """``size`` in bytes, cut to whole KiB, at least one (the unit of the limits since
    PID 1 was a shell, whose ``ulimit`` counts KiB)."""
    return max(1, size // 1024) * 1024


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _exists(path: str) -> bool:
    return os.path.exists(path)


def _diagnose(stderr: list[str]) -> str:
    said = f" (bwrap said: {stderr[0]})" if stderr[0] else ""
    if "Unknown option" in stderr[0] or "unrecognized option" in stderr[0]:
        return (
            "the snippet sandbox needs bubblewrap 0.8 or newer (for --disable-userns): "
            f"upgrade the bubblewrap package{said}"
        )
    if _read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1":
        return (
            "the snippet sandbox cannot create a user namespace: Ubuntu's AppArmor "
            "restricts unprivileged user namespaces (kernel.apparmor_restrict_"
            "unprivileged_userns=1); allow them for bwrap with an AppArmor profile "
            "granting 'userns', or run: sudo sysctl kernel.apparmor_restrict_"
            f"unprivileged_userns=0{said}"
        )
    if _read("/proc/sys/user/max_user_namespaces") == "0":
        return (
            "the snippet sandbox cannot create a user namespace: user.max_user_namespaces "
            f"is 0; run: sudo sysctl user.max_user_namespaces=10000{said}"
        )
    if _read("/proc/sys/kernel/unprivileged_userns_clone") == "0":
        return (
            "the snippet sandbox cannot create a user namespace: run: sudo sysctl "
            f"kernel.unprivileged_userns_clone=1{said}"
        )
    if _exists("/.dockerenv") or _exists("/run/.containerenv"):
        return (
            "the snippet sandbox cannot create namespaces inside this container: its "
            "seccomp profile blocks unshare/clone of user namespaces (and mount needs "
            "them); run the container with a seccomp profile that allows them, e.g. "
            "podman/docker --security-opt seccomp=unconfined, or "
            f"--security-opt systempaths=unconfined for /proc{said}"
        )
    return f"the snippet sandbox (bubblewrap) does not work on this machine{said}"


def _drop() -> dict:
    """Popen arguments that start bwrap as the sandbox's uid when the runner is root
    (setuid from root clears every capability; bwrap sets no_new_privs itself)."""
    if os.geteuid() != 0:
        return {}
    return {"user": SANDBOX_UID, "group": SANDBOX_GID, "extra_groups": []}


def _merged_links() -> dict[str, str]:
    """Top-level links of a merged-/usr system (``bin -> usr/bin``, ...)."""
    links = {}
    for name in MERGED:
        try:
            target = os.readlink(f"/{name}")
        except OSError:
            continue
        if target.lstrip("/").startswith("usr/"):
            links[name] = target.lstrip("/")
    return links


def _merged_links_args() -> list[str]:
    args = []
    for name, target in _merged_links().items():
        args += ["--symlink", target, f"/{name}"]
    return args


# --------------------------------------------------------------- the process's base


@dataclass
class Base:
    """This process's directory (hosts, tools, /etc template) and tool server."""

    path: Path
    server: toolserver.Server
    static_args: list[str]


_BASE: list[Base] = []


def base() -> Base:
    if _BASE:
        return _BASE[0]
    check()
    path = Path(tempfile.mkdtemp(prefix="nkg-"))
    atexit.register(shutil.rmtree, path, True)
    tools = path / "bin"
    tools.mkdir()
    (tools / "_fake_tool").write_text(toolserver.CLIENT)
    (tools / "sudo").write_text(toolserver.SUDO)
    for name in (*PY_TOOLS, toolserver.FILL):
        os.symlink("_fake_tool", tools / name)
    for f in tools.iterdir():
        if not f.is_symlink():
            f.chmod(0o555)
    etc = path / "etc"
    etc.mkdir()
    (etc / "passwd").write_text(
        f"root:x:0:0:root:/root:{ROOT_SHELL}\nnobody:x:65534:65534:nobody:/nonexistent:"
        "/usr/sbin/nologin\n"
    )
    (etc / "group").write_text("root:x:0:\nnogroup:x:65534:\n")
    (etc / "hostname").write_text(f"{HOSTNAME}\n")
    (etc / "hosts").write_text(f"127.0.0.1\tlocalhost\n127.0.1.1\t{HOSTNAME}\n")
    (etc / "os-release").write_text(OS_RELEASE)
    (etc / "ld.so.cache").write_bytes(_ld_cache())
    alternatives = etc / "alternatives"
    alternatives.mkdir()
    if os.path.isdir("/etc/alternatives"):
        for entry in os.scandir("/etc/alternatives"):
            target = os.readlink(entry.path) if entry.is_symlink() else ""
            if target.startswith("/usr/"):
                os.symlink(target, alternatives / entry.name)
    for f in etc.iterdir():
        if f.is_file():
            f.chmod(0o444)
    locales = _locales(path / "locale")
    if os.geteuid() == 0:
        # only now: what root writes above is written in a directory no other user can
        # enter, so a process of the sandbox's uid cannot plant a link there first (review s16)
        os.chown(path, SANDBOX_UID, SANDBOX_GID)
        fakehost.OWNER[:] = [(SANDBOX_UID, SANDBOX_GID)]
    server = toolserver.Server(SANDBOX_UID, SANDBOX_GID)
    atexit.register(server.close)
    _BASE.append(Base(path, server, _static_args(tools, etc, locales)))
    return _BASE[0]


TMPFS_BYTES = {
    "/": 16 << 20,
    "/tmp": 64 << 20,
    "/run": 8 << 20,
    "/sys": 8 << 20,
    "/proc": 4 << 20,
    "/dev": 1 << 20,
    "/dev/shm": 16 << 20,
    "/lib": 1 << 20,
    "hidden": 64 << 10,
}
"""Size of each tmpfs a sandbox mounts (tmpfs pages count against no rlimit, so each
is capped; together about 120 MiB per sandbox).  ``hidden``: the empty ones that
cover the machine's kernel configuration."""
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
"""The machine's devices, bound as they are (mode 0666).  ``random`` and ``urandom``
stay writable: a write mixes bytes into the machine's entropy pool without crediting
any entropy, which every user of the machine may do, and a read-only mount cannot
prevent it (the kernel exempts device nodes from a mount's read-only flag: with
``--remount-ro`` on them, ``test -w /dev/urandom`` still succeeded, 2026-12-02)."""


def _ld_cache() -> bytes:
    """The machine's ``ld.so`` cache, read without following a link (b"" when absent,
    not a regular file or larger than :data:`LD_CACHE_BYTES`)."""
    try:
        data = read_regular(LD_CACHE, LD_CACHE_BYTES + 1, beneath=os.path.dirname(LD_CACHE))
    except OSError:
        return b""
    return data if len(data) <= LD_CACHE_BYTES else b""


def _locales(out: Path) -> Path | None:
    """A directory to show at :data:`LOCALES`: a copy of the machine's (every entry, its
    links as links, its modes) and an archive built from its compiled locales; None
    where the machine has an archive of its own, no compiled locale, or no
    ``localedef``, or where building or copying fails (the sandbox then shows the
    machine's directory as it is, which is only slower to trace).  Before review s16
    only the compiled locales were copied, made 0444, and a link to a file in one of
    them made this raise (``os.chmod`` with ``follow_symlinks=False``) and no snippet
    ran."""
    if os.path.lexists(f"{LOCALES}/locale-archive") or not os.path.isfile(LOCALEDEF):
        return None
    try:
        entries = sorted(os.listdir(LOCALES))
    except OSError:
        return None
    names = [
        n for n in entries
        if not os.path.islink(f"{LOCALES}/{n}") and os.path.isfile(f"{LOCALES}/{n}/LC_CTYPE")
    ]  # fmt: skip
    if not names:
        return None
    prefix = out.with_name(out.name + "-build")
    made = False
    try:
        (prefix / LOCALEDEF_DIR).mkdir(parents=True)
        archive = prefix / LOCALEDEF_DIR / "locale-archive"
        if _localedef(prefix, "--add-to-archive", *(f"{LOCALES}/{n}" for n in names)) is None:
            return None
        # localedef adds "xx_YY" as "xx_YY.utf8" too, and "C.UTF-8" as "C.utf8" only: an
        # archive naming a locale the machine lacks would make the sandbox's `locale -a`
        # list it and setlocale accept it (review s16)
        printed = _localedef(prefix, "--list-archive") or b""
        listed = set(printed.decode(errors="surrogateescape").split())
        extra = sorted(listed - set(names))
        if not listed & set(names) or (
            extra and _localedef(prefix, "--delete-from-archive", *extra) is None
        ):
            return None  # (an incomplete locale is left out with status 0)
        if not archive.is_file():
            return None
        out.mkdir()
        made = True
        for n in entries:  # a FIFO or device raises shutil.SpecialFileError, an OSError
            where = f"{LOCALES}/{n}"
            if os.path.islink(where):
                os.symlink(os.readlink(where), out / n)
            elif os.path.isdir(where):
                shutil.copytree(where, out / n, symlinks=True)
            else:
                shutil.copy2(where, out / n)
        os.replace(archive, out / "locale-archive")
        os.chmod(out / "locale-archive", 0o444)
        shutil.copystat(LOCALES, out)
    except (OSError, subprocess.SubprocessError):
        if made:
            shutil.rmtree(out, ignore_errors=True)
        return None
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
    return out


def _localedef(prefix: Path, *args: str) -> bytes | None:
    """What ``localedef --prefix=PREFIX ARGS`` printed; None where it failed."""
    done = subprocess.run(
        [LOCALEDEF, f"--prefix={prefix}", *args],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    return done.stdout if done.returncode == 0 else None


def _tmpfs(path: str, key: str | None = None) -> list[str]:
    perms = ["--perms", "1777"] if path in ("/tmp", "/dev/shm") else []
    return [*perms, "--size", str(TMPFS_BYTES[key or path]), "--tmpfs", path]


def _dev_args() -> list[str]:
    """A small /dev of its own (bubblewrap's ``--dev`` tmpfs has no size limit)."""
    args = _tmpfs("/dev")
    for name in DEVICES:
        if os.path.exists(f"/dev/{name}"):
            args += ["--dev-bind", f"/dev/{name}", f"/dev/{name}"]
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):  # fmt: skip
        args += ["--symlink", target, f"/dev/{name}"]
    return args + _tmpfs("/dev/shm")


def _static_args(tools: Path, etc: Path, locales: Path | None = None) -> list[str]:
    """The bwrap arguments every sandbox shares (after its root is bound)."""
    args = ["--ro-bind", "/usr", "/usr"]
    views = {}  # a directory of /usr bound elsewhere too (LOADER_DIRS): where
    for name, target in _merged_links().items():
        if name in LOADER_DIRS and os.path.isdir(f"/{target}"):
            args += ["--ro-bind", f"/{target}", f"/{name}"]
            views[f"/{target}/"] = f"/{name}/"
        else:
            args += ["--symlink", target, f"/{name}"]
    args += ["--dir", "/root", *_tmpfs("/lib")]
    if locales is not None:
        args += ["--ro-bind", str(locales), LOCALES]
    for entry in sorted(os.listdir("/usr/lib")):  # the multiarch library directories
        if "-linux-" in entry and os.path.isdir(f"/usr/lib/{entry}"):
            args += ["--ro-bind", f"/usr/lib/{entry}", f"/lib/{entry}"]
            views[f"/usr/lib/{entry}/"] = f"/lib/{entry}/"
    args += ["--dir", "/lib/modules"]
    for mine in MACHINE_CONFIG:  # the machine's modules and kmod configuration: hidden
        if os.path.isdir(mine):
            args += [*_tmpfs(mine, "hidden"), "--remount-ro", mine]
    args += [*_tmpfs("/usr/local", "hidden"), "--remount-ro", "/usr/local",
             *_tmpfs("/proc"), *_tmpfs("/sys"),
             "--dir", "/sys/module", *_dev_args(), *_tmpfs("/tmp"), *_tmpfs("/run"),
             "--ro-bind", str(tools), "/run/fakehost/bin"]  # fmt: skip
    args += ["--dir", "/etc"]  # else bubblewrap makes it 0700 for the binds below
    for name in ETC_FILES:
        args += ["--ro-bind", str(etc / name), f"/etc/{name}"]
    args += ["--ro-bind", str(etc / "alternatives"), "/etc/alternatives"]
    if os.path.isfile("/usr/lib/os-release"):  # else the machine's distribution shows
        args += ["--ro-bind", str(etc / "os-release"), "/usr/lib/os-release"]
    shadowed = set()
    for name in FAKE_TOOLS:
        for d in ("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"):
            real = os.path.realpath(os.path.join(d, name))
            if os.path.isfile(real) and real.startswith("/usr/") and real not in shadowed:
                shadowed.add(real)
                args += ["--ro-bind", str(tools / name), real]
                # a bind's source is the machine's directory: the view shows no fake
                args += [
                    arg
                    for usr, view in views.items()
                    if real.startswith(usr)
                    for arg in ("--ro-bind", str(tools / name), view + real[len(usr) :])
                ]
    for real in ("/usr/bin/busybox",):  # a multi-call binary with its own uname, lsmod...
        if os.path.isfile(real):
            args += ["--ro-bind", str(tools / "_fake_tool"), real]
    return args


MOUNT_POINTS = {
    **{
        d: "dir"
        for d in (
            "usr",
            "lib",
            "proc",
            "sys",
            "dev",
            "run",
            "etc",
            "root",
            "tmp",
            "etc/alternatives",
        )
    },  # fmt: skip
    **{f"etc/{f}": "file" for f in ETC_FILES},
}
"""Where each run mounts something in the host's root; checked before every run."""


def kept_paths() -> tuple[str, ...]:
    """What recycling a host directory keeps: the mount points and merged-/usr links."""
    return (*MOUNT_POINTS, *_merged_links())


def prepare_root(root: Path) -> None:
    """Make every mount point of ``root`` the plain directory, file or link it must be.

    A snippet may have replaced one with a link (bubblewrap would follow it while
    setting up the next run); nothing runs in the host while this checks.
    """
    st = os.lstat(root)
    if (st.st_mode & 0o170000) == 0o040000 and st.st_mode & 0o7777 != 0o755:
        os.chmod(root, 0o755)  # ``chmod 000 /`` in the last run: bwrap could not enter it
    expected = {**MOUNT_POINTS, **{n: ("link", t) for n, t in _merged_links().items()}}
    for rel, kind in expected.items():
        path = os.path.join(root, rel)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            st = None
        if st is not None:
            fmt = st.st_mode & 0o170000
            ok = (
                (kind == "dir" and fmt == 0o040000)
                or (kind == "file" and fmt == 0o100000)
                or (
                    kind != "dir"
                    and kind != "file"
                    and fmt == 0o120000
                    and os.readlink(path) == kind[1]
                )  # fmt: skip
            )
            if ok and (kind != "dir" or st.st_mode & 0o7777 == 0o755):
                continue
            if ok:  # a snippet took the mode away: bwrap could not enter it
                os.chmod(path, 0o755)
                continue
            if fmt == 0o040000:
                fakehost._rmtree(path)
            else:
                os.unlink(path)
        if kind == "dir":
            os.mkdir(path, 0o755)
        elif kind == "file":
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644))
        else:
            os.symlink(kind[1], path)
        fakehost.own(path)


# --------------------------------------------------------------- running

SUPERVISOR = pid1.SCRIPT
"""The sandbox's first process, PID 1 of its namespace (``bwrap --as-pid-1``), run as
``perl -e SUPERVISOR -- COMMAND...`` (:mod:`.pid1`).  No process of the snippet
can kill or stop it (the kernel delivers to a namespace's init only the signals it
handles, and it handles none), so ``kill -9 -1`` ends the command that sent it and
the next command still runs.

Each command writes straight into the pipe the runner reads (nothing lands on a
disk), between a begin and an end line that carry a random mark.  The runner hands
the mark to PID 1 through the go pipe; PID 1 keeps it in its own memory only (no
environment, no argument) and is non-dumpable (``prctl(PR_SET_DUMPABLE, 0)`` before
anything else), so a command, which runs as the same uid but has no capability,
can neither ptrace it nor read its memory, and cannot forge a result.  After each
command PID 1 kills and reaps every other process of the sandbox (nothing a command
left running can write into a later command's result), then writes the status, the
signal that ended the command (0 for an exit: ``exit 153`` is no SIGXFSZ) and its
children's CPU times (as bash's ``times``), which tell a kill by the CPU limit from
the snippet's own ``kill -9``."""


TRACE = (
    "/usr/bin/strace -f --quiet=attach,personality -y -s 4096 --seccomp-bpf -e signal=!SIGCHLD "
    "-e trace=%file,getdents64,connect,bind,sendto,sendmsg,sendmmsg,fchdir,clone,fork,vfork,"
    "fstatfs,fstatfs64"
)
"""With ``trace``: each command runs under strace, which records the files it named,
its connections, the Unix socket names it bound or sent to (``bind`` and ``sendto``
of an ``AF_UNIX`` path look the path up, which ``ENOENT`` or success tells; review of
2026-12-03, session 10), the processes it made and how each ended (``signal=!SIGCHLD``: strace
writes "killed by" only for the signals it shows), and each ``fstatfs`` (a file
system's free space asked through a descriptor, which ``%file`` leaves out: review of
2026-12-05, session 18; a record holding one vouches for nothing, as ``statfs``);
PID 1 writes that record
(at most the output limit) after the command's end line, after a ``T`` line
(:attr:`Result.trace`, for :mod:`nested_snippets.runner.shared`).  No process of the
snippet can reach the record (:mod:`.pid1`, traced commands: a FIFO whose name is gone before
the command starts; the seccomp filter denies ``ptrace`` attaching, ``pidfd_getfd``,
``process_vm_writev`` and untraced clones), and a record in which a process has no
end (strace was killed, or the record cut) vouches for nothing
(:func:`.shared.read_paths`)."""


TRACE_PIDS = 4
"""Process IDs that strace takes in the sandbox's PID namespace before a traced
command starts (itself and the children it forks to probe the kernel; measured
with strace 6.1 on Linux 6.18, 2026-12-02: ``echo $$`` shows 7 traced and 3
untraced).  An untraced command is preceded by as many short-lived processes
(``pad`` in ``pid1.pl``), so both show the same PIDs (review s7 E3; tested by
``tests/test_review_s7_share.py``)."""


SETUP_FAILED = {
    99: "the sandbox's first process could not set its limits",
    98: "the sandbox's first process was not released",
    96: "the sandbox's first process could not make itself non-dumpable (prctl PR_SET_DUMPABLE)",
}
"""What each exit status of :mod:`.pid1`'s setup means."""
LIMITS_LOWERED = 95
"""PID 1's status when it could not fork a command or make its pipes, or set the run's
rlimits again before it (lowered by ``prlimit --pid 1``, which the kernel allows to
PID 1's uid; the seccomp filter refuses that since review 14, so this is a backstop):
the later commands did not run."""


def can_trace() -> bool:
    return os.path.isfile(TRACE.split()[0])


def _interpreter(path: str) -> str:
    """The ``PT_INTERP`` of a 64-bit little-endian ELF executable ("" if none)."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return ""
    if len(head) < 64 or head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
        return ""
    (phoff,) = struct.unpack_from("<Q", head, 0x20)
    size, count = struct.unpack_from("<HH", head, 0x36)
    for i in range(count):
        at = phoff + i * size
        if at + 0x28 > len(head):
            return ""
        if struct.unpack_from("<I", head, at)[0] == 3:  # PT_INTERP
            offset, _va, _pa, filesz = struct.unpack_from("<QQQQ", head, at + 8)
            return head[offset : offset + filesz].split(b"\0")[0].decode(errors="replace")
    return ""


@functools.cache
def trace_command() -> str:
    """:data:`TRACE` as PID 1 runs it (``NKG_TRACE``): strace's dynamic loader named by
    its real path under the read-only ``/usr``, without the loader cache and with the
    loader's own directory as the only library path.  Run by its ``PT_INTERP``
    (``/lib64/ld-linux-x86-64.so.2``), the loader and the libraries its cache names
    were reached through ``/lib64`` and ``/lib``, links and a tmpfs a command can
    change: a command could then run its own code as a later command's strace and
    write a record that vouches for files not read (review 14).  ``/etc/ld.so.preload``,
    which every loader reads, is checked by PID 1 (``pid1.pl``)."""
    return f"{_loaded(TRACE.split()[0])} {' '.join(TRACE.split()[1:])}"


@functools.cache
def gate_command() -> str:
    """The shell that runs :data:`.pid1`'s gate under strace (``NKG_GATE``), loaded as
    :func:`trace_command` loads strace: the gate runs while the record's name still
    exists, and through ``/lib64`` a command's own loader, run in the gate, opened the
    record by name and wrote into it (review 14).

    Its C library is preloaded by its path (:data:`GATE_PRELOAD`): the gate runs under
    strace, and a loader given only a library path looks for ``libc.so.6`` in each
    ``glibc-hwcaps`` and ``tls`` directory below it first, 20 lines of every traced
    command's record (28 against 8 for ``dash -c true``, 2026-12-04)."""
    shell = os.path.realpath(shutil.which("sh", path="/usr/bin") or "/usr/bin/sh")
    return _loaded(shell, GATE_PRELOAD)


@functools.cache
def bash_path() -> str:
    """The machine's ``bash`` under the read-only ``/usr``, which PID 1 runs each command
    with by this path (``NKG_BASH``) and ``$0`` set to ``bash``: bash then searches
    ``PATH`` neither to be started nor to set ``$BASH`` for itself (11 of a traced
    ``true``'s 46 lines of record).  ``$0``, ``$BASH`` and bash's messages are those of a
    ``bash`` found on ``PATH``."""
    return os.path.realpath(shutil.which("bash", path="/usr/bin") or "/usr/bin/bash")


ROOT_SHELL = "/bin/bash"
"""root's shell in the sandbox's ``/etc/passwd``, and ``SHELL`` in each command's
environment, as a login sets it (bash, when ``SHELL`` is unset, asks the C library for
the user's entry: nscd's socket twice, ``nsswitch.conf``, ``passwd``, 7 lines of each
traced bash's record; session 17)."""


GATE_PRELOAD = "libc.so.6"
"""The one library the gate's ``dash`` needs (``DT_NEEDED``), loaded by ``--preload`` with
its path in the loader's directory; a shell that needs more finds the others by the
library path."""


def _loaded(program: str, preload: str = "") -> str:
    """``program`` run by its dynamic loader's real path under ``/usr``, without the
    loader cache and with the loader's own directory as the only library path (and
    ``preload``, a library of that directory, loaded first by its path where it exists
    and the loader knows ``--preload``, glibc 2.30 and later)."""
    loader = os.path.realpath(_interpreter(program) or "/nonexistent")
    if not loader.startswith("/usr/") or not os.path.isfile(loader):
        return program  # a static program (no loader), or one the sandbox does not show
    where = os.path.dirname(loader)
    first = ""
    if preload and os.path.isfile(f"{where}/{preload}") and _knows_preload(loader):
        first = f" --preload {where}/{preload}"
    return f"{loader} --inhibit-cache --library-path {where}{first} {program}"


@functools.cache
def _knows_preload(loader: str) -> bool:
    try:
        done = subprocess.run(
            [loader, "--help"], stdin=subprocess.DEVNULL, capture_output=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return b"--preload" in done.stdout


def run(
    home: Path, commands: list[str], limits: Limits, keep_writes: bool = True, trace: bool = False
) -> list[Result]:
    """Run ``commands`` one after the other in a fresh sandbox of the host in ``home``.

    Raises :class:`Refused` before running text bash cannot be given, and
    :class:`LimitExceeded` when a limit is hit.  Either way the sandbox is gone by
    then: its PID 1 and with it every process of its PID namespace have ended
    (:func:`_end`) before the tool server harvests the run and copies its root back.
    """
    for text in commands:
        _check_text(text)
    total = sum(len(text.encode()) + 9 for text in commands)
    if total > MAX_COMMANDS:
        raise Refused(
            f"the commands hold {total} bytes together (the limit is {MAX_COMMANDS}: they "
            "are the arguments of one program)"
        )
    b = base()
    home = Path(home)
    prepare_root(home / "root")
    info_r, info_w = os.pipe()
    ready_r, ready_w = os.pipe()  # PID 1 says it runs: the mounts are complete
    block_r, block_w = os.pipe()  # PID 1 waits on it for the mark (the trees are filled)
    rules = _filter_fd()
    argv = [
        BWRAP, "--unshare-all", "--unshare-user", "--disable-userns",
        "--die-with-parent", "--new-session", "--as-pid-1",
        "--uid", "0", "--gid", "0", "--hostname", HOSTNAME,
        "--info-fd", str(info_w), "--seccomp", str(rules),
        *_tmpfs("/"), *b.static_args, *_own_config(home / "root"),
        "--chdir", "/root",
        *pid1.argv(commands),
    ]  # fmt: skip
    mark = "nkg-" + secrets.token_hex(16)
    env = {
        "PATH": PATH,
        "HOME": "/root",
        "USER": "root",
        "LOGNAME": "root",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "dumb",
        "SHELL": ROOT_SHELL,  # as a login sets it; bash looks it up in passwd where unset
        "NKG_RLIMITS": pid1.rlimits(
            _kib(limits.output_bytes),
            _kib(limits.memory_bytes),
            limits.processes,
            limits.cpu_seconds,
            limits.files,
        ),
        "NKG_RECORD": str(_kib(limits.output_bytes)),  # a traced command's record, at most
        "NKG_SYSCALLS": pid1.syscalls(seccomp.ARCHES[seccomp.elf_machine(pid1.PERL)][2]),
        "NKG_GO": str(block_r),
        "NKG_READY": str(ready_w),
        "NKG_TRACE": trace_command() if trace else "",
        "NKG_GATE": gate_command(),
        "NKG_BASH": bash_path(),
        "NKG_PID_PAD": "" if trace else str(TRACE_PIDS),
        "NKG_FILL_PIDS": str(pid1.FILL_PIDS),
    }
    try:
        proc = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(info_w, block_r, ready_w, rules),
            start_new_session=True,
            cwd="/",
            **_drop(),
        )
    finally:
        os.close(info_w)
        os.close(block_r)
        os.close(ready_w)
        os.close(rules)
    attached = ready = False
    init = -1  # a pidfd of the sandbox's PID 1
    try:
        pid = _child_pid(info_r)
        init = _init_fd(pid, proc)
        try:
            if pid is None:
                raise toolserver.ServerError("bubblewrap gave no process id")
            ready = _ready(ready_r, limits.seconds)
            if not ready:
                raise toolserver.ServerError("the sandbox's first process did not start")
            b.server.attach(pid, home)  # and fills its trees
        except toolserver.ServerError as exc:
            os.close(block_w)
            block_w = -1
            _wait(proc, 30) or _kill(proc, init)
            if not ready and proc.returncode in SETUP_FAILED:  # PID 1 ended before it said
                raise SandboxUnavailable(SETUP_FAILED[proc.returncode]) from None  # it runs
            # a PID 1 that said it runs ends with 98 ("not released") once its go is
            # closed: the attach's reason is the one to give (review 12)
            if ready:
                why = str(exc).removeprefix("tool server: ").removeprefix("error ")
                raise SandboxUnavailable(f"the sandbox could not be set up: {why}") from None
            said = proc.stdout.read(2000).decode(errors="replace").strip()
            raise SandboxUnavailable(f"the sandbox could not be set up: {said or exc}") from None
        attached = True
        _pin(pid)
        os.write(block_w, f"{mark}\n".encode())
        os.close(block_w)
        block_w = -1
        cap = len(commands) * ((2 if trace else 1) * limits.output_bytes + 4096) + 65536
        ended, held, said = _watch(proc, pid, limits, cap)
        if not ended:
            _kill(proc, init)
            if held:
                raise LimitExceeded(
                    f"stopped: memory limit {limits.memory_bytes >> 20} MiB exceeded (the "
                    f"snippet's processes held {held >> 20} MiB at once, counting their "
                    "socket and pipe buffers and memfds)"
                )
            if len(said) > cap:
                _results(said, mark, limits)  # names the command
                raise LimitExceeded(f"stopped: output limit {limits.output_bytes} bytes exceeded")
            raise LimitExceeded(f"stopped: time limit {limits.seconds:g} s exceeded (wall clock)")
        results = _results(said, mark, limits)
        if proc.returncode == LIMITS_LOWERED:
            raise LimitExceeded(
                f"stopped: after command {len(results)}, the sandbox's first process could "
                "not start the next command (no process or pipe left, or its limits "
                "lowered): the later commands did not run"
            )
        if os.environ.get("NKG_DEBUG"):
            print("bwrap:", proc.returncode, said[:4096])
        if not results and proc.returncode in SETUP_FAILED:
            raise SandboxUnavailable(SETUP_FAILED[proc.returncode])
        if not results and proc.returncode != 0 and said:
            raise SandboxUnavailable(
                f"the sandbox failed: {said.decode(errors='replace').strip()[:500]}"
            )
        return results
    finally:
        if block_w >= 0:
            os.close(block_w)
        os.close(info_r)
        os.close(ready_r)
        if proc.poll() is None:
            _kill(proc, init)
        proc.stdout.close()
        gone = _end(init)
        if attached:
            _detach(b.server, pid, keep_writes and gone)
        if not gone:
            raise SandboxUnavailable(
                f"the sandbox's processes did not end within {END_SECONDS:g} s of SIGKILL: "
                "its writes were not kept"
            )


def _pin(pid: int) -> None:
    """Run the sandbox on as many CPUs as the fake host has (``nproc`` and
    ``sched_getaffinity`` then agree with its /proc/cpuinfo), when this machine has
    that many."""
    mine = sorted(os.sched_getaffinity(0))
    if len(mine) >= cpus.NCPU:
        os.sched_setaffinity(pid, mine[: cpus.NCPU])


def _detach(server: toolserver.Server, pid: int, keep_writes: bool) -> None:
    try:
        server.detach(pid, keep_writes)
    except toolserver.ServerError as exc:
        why = str(exc).removeprefix("tool server: ").removeprefix("error ")
        if why.startswith(toolserver.KEEP_BOUND):
            raise LimitExceeded(
                f"stopped: limit of the host's files exceeded: the root (/ without /tmp and "
                f"the other mounts) held {why.removeprefix(toolserver.KEEP_BOUND)} "
                "(rootcopy.MAX_ENTRIES, MAX_BYTES, MAX_DEPTH)"
            ) from None
        raise SandboxUnavailable(f"the sandbox's writes could not be kept: {why}") from None


def _own_config(root: Path) -> list[str]:
    """Bind the host's own files of :data:`MACHINE_CONFIG` (a distribution's vendor
    ``/usr/lib/modprobe.d``, written by the scenario) over the empty tmpfs."""
    args = []
    for shown in MACHINE_CONFIG:
        real = os.path.join(root, shown.lstrip("/"))
        st = _lstat(real)
        if st is not None and (st.st_mode & 0o170000) == 0o040000 and _no_link_on(root, shown):
            args += ["--ro-bind", real, shown]
    return args


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None


def _no_link_on(root: Path, shown: str) -> bool:
    """No component of ``shown`` below ``root`` is a link (bwrap would follow it)."""
    path = str(root)
    for part in shown.strip("/").split("/"):
        path = os.path.join(path, part)
        st = _lstat(path)
        if st is None or (st.st_mode & 0o170000) != 0o040000:
            return False
    return True


NEEDS_PROC_SELF = re.compile(r"[<>]\(|/dev/(?:stdin|stdout|stderr|fd/)")
"""Process substitution and the ``/dev`` links into ``/proc/self/fd``: the sandbox's
``/proc`` is the fake kernel's files on a tmpfs, not procfs, so there is no
``/proc/self`` and these would fail with "No such file or directory"."""


def _check_text(text: str) -> None:
    if m := NEEDS_PROC_SELF.search(text):
        raise Refused(
            f"the command uses {m.group()!r}: process substitution and /dev/stdin, "
            "/dev/stdout, /dev/stderr and /dev/fd/N need /proc/self/fd, which the fake "
            "host's /proc (the fake kernel's files, not procfs) does not have; use a pipe, "
            ">&2 or a file in /tmp"
        )
    if "\0" in text:
        raise Refused("the command holds a NUL byte, which no shell command line can hold")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Refused(f"the command is not valid UTF-8 ({exc.reason})") from None
    if len(data) > MAX_COMMAND:
        raise Refused(f"the command is {len(data)} bytes long (the limit is {MAX_COMMAND})")


def _child_pid(fd: int) -> int | None:
    data = b""
    while True:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
        try:
            return int(json.loads(data)["child-pid"])
        except (ValueError, KeyError):
            continue
    return None


def _ready(fd: int, seconds: float) -> bool:
    """Whether the sandbox's first process said that it runs (a line on ``fd``) within
    ``seconds``; False when bubblewrap ended before it (the pipe's end)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(seconds * 1000)) and os.read(fd, 1) == b"\n"


def _wait(proc: subprocess.Popen, seconds: float) -> bool:
    """Wait for ``proc`` to end, at most ``seconds``; wakes as soon as it ends
    (``Popen.wait(timeout)`` polls with sleeps of up to 50 ms)."""
    pidfd = os.pidfd_open(proc.pid)
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        if not poller.poll(seconds * 1000):
            return False
    finally:
        os.close(pidfd)
    proc.wait()
    return True


WATCH_TICK = 0.05
"""How often (seconds) the runner measures a running sandbox's memory."""


def _watch(proc: subprocess.Popen, pid: int, limits: Limits, cap: int) -> tuple[bool, int, bytes]:
    """Wait for the sandbox to end within ``limits.seconds``, reading what it writes
    (at most ``cap`` bytes) while its processes hold at most ``limits.memory_bytes``
    in all (checked every :data:`WATCH_TICK`).

    Returns (ended, memory held when stopped for memory else 0, what it wrote).  The
    rlimits bound each process; this bounds their sum, which no rlimit does and only
    a cgroup would otherwise (the runner needs none)."""
    deadline = time.monotonic() + limits.seconds
    pidfd = os.pidfd_open(proc.pid)
    out = proc.stdout.fileno()
    said = bytearray()
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        poller.register(out, select.POLLIN)
        next_check = time.monotonic() + WATCH_TICK
        while True:
            now = time.monotonic()
            if now >= deadline:
                return False, 0, bytes(said)
            ready = poller.poll(max(0.0, min(deadline, next_check) - now) * 1000)
            for fd, _event in ready:
                if fd == out:
                    chunk = os.read(out, 1 << 16)
                    if not chunk:
                        poller.unregister(out)
                    said += chunk
                    if len(said) > cap:
                        return False, 0, bytes(said)
            if any(fd == pidfd for fd, _e in ready):
                proc.wait()
                while len(said) <= cap and (chunk := os.read(out, 1 << 16)):
                    said += chunk
                return True, 0, bytes(said)
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + WATCH_TICK
                held = tree_memory(pid)
                if held > limits.memory_bytes:
                    return False, held, bytes(said)
    finally:
        os.close(pidfd)


def _sysctl_int(name: str, default: int) -> int:
    try:
        return int(_read(f"/proc/sys/{name}"))
    except ValueError:
        return default


SOCKET_BYTES = _sysctl_int("net/core/wmem_default", 212_992)
"""What the watch charges for each socket a sandbox's process holds: the most its
send buffer queues (each socket keeps the machine's default size: the seccomp filter
denies ``SO_SNDBUF``/``SO_RCVBUF``).  TCP sockets, whose buffers grow by themselves,
are charged their queues as well (:func:`_queued`)."""
PIPE_BYTES = 64 << 10
"""What the watch charges for each pipe: Linux's default pipe buffer (a process may
grow its pipes with ``F_SETPIPE_SZ`` within its uid's budget,
``fs.pipe-user-pages-soft``: 64 MiB by default)."""


def tree_memory(pid: int) -> int:
    """Bytes of anonymous and shared memory held by ``pid`` and its descendants (every
    process of a sandbox descends from its PID 1, orphans included), with the socket
    and pipe buffers they hold open (:data:`SOCKET_BYTES`, :data:`PIPE_BYTES`) and the
    unix sockets they hold in flight (:func:`_in_flight`)."""
    total, todo, seen = 0, [pid], set()
    buffers: dict[str, int] = {}
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss(p)
        _buffers(p, buffers)
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{p}/task/{t}/children", "rb") as f:
                    todo += [int(c) for c in f.read().split()]
            except OSError:
                continue
    if buffers:
        _in_flight(pid, buffers)
    tcp = TCP in buffers.values()
    return total + sum(buffers.values()) + (_queued(pid) if tcp else 0)


def _in_flight(pid: int, buffers: dict[str, int]) -> None:
    """Note every unix socket of ``pid``'s network namespace (the sandbox's own), those
    in flight too: a socket sent with ``SCM_RIGHTS`` and closed is in no process's
    descriptor table, only in the queue of the socket it was sent on, with its own
    queue still full.  Before (review of 2026-12-05, session 21), 513 filled pairs held
    that way kept 114 MiB under a 64 MiB limit; the kernel bounds a uid's descriptors
    in flight by its ``RLIMIT_NOFILE``.  ``/proc/PID/net/unix`` lists them (its
    ``Inode`` column, the number ``socket:[N]`` names), read only while a process of
    the sandbox holds a socket: no socket can be in flight otherwise for longer than
    the kernel takes to collect it."""
    try:
        with open(f"/proc/{pid}/net/unix", "rb") as f:
            lines = f.read().splitlines()[1:]
    except OSError:
        return
    for line in lines:
        fields = line.split()
        if len(fields) > 6 and fields[6].isdigit():
            buffers.setdefault(f"socket:[{fields[6].decode()}]", SOCKET_BYTES)


TCP = SOCKET_BYTES + 1
"""What :func:`_buffers` notes for a TCP socket (charged :data:`SOCKET_BYTES` too)."""
QUEUE_EVERY = 0.5
"""Seconds between two reads of the TCP queues (:func:`_queued`): a read of
``/proc/PID/net/tcp`` walks the machine's whole connection table (~3 ms here)."""
_QUEUED = [0, 0.0, 0]  # pid, when, bytes


def _buffers(pid: int, buffers: dict[str, int]) -> None:
    """Note each socket, pipe and memfd ``pid`` holds (by inode: one shared by many
    processes counts once); a TCP socket as :data:`TCP`, a memfd by its blocks (its
    pages are in no process's RSS unless mapped, and then they count twice: review of
    2026-12-05, session 21, before which 16 processes kept 240 MiB of unmapped memfds
    under a 64 MiB limit)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return
    for fd in fds:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:"):
            try:
                kind = os.getxattr(f"/proc/{pid}/fd/{fd}", "system.sockprotoname")
            except OSError:
                kind = b""
            buffers[link] = TCP if kind.startswith(b"TCP") else SOCKET_BYTES
        elif link.startswith("pipe:"):
            buffers[link] = PIPE_BYTES
        elif link.startswith("/memfd:"):
            with contextlib.suppress(OSError):
                st = os.stat(f"/proc/{pid}/fd/{fd}")
                buffers[f"memfd:{st.st_dev}:{st.st_ino}"] = st.st_blocks * 512


def _queued(pid: int) -> int:
    """Bytes queued on the TCP sockets of ``pid``'s network namespace (the sandbox's
    own): their send and receive queues, which TCP grows past the default buffer
    sizes by itself; read at most every :data:`QUEUE_EVERY` seconds."""
    now = time.monotonic()
    if _QUEUED[0] == pid and now - _QUEUED[1] < QUEUE_EVERY:
        return _QUEUED[2]
    total = 0
    for proto in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{proto}", "rb") as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 4:
                tx, _colon, rx = fields[4].partition(b":")
                with contextlib.suppress(ValueError):
                    total += int(tx, 16) + int(rx, 16)
    _QUEUED[:] = [pid, now, total]
    return total


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            text = f.read()
    except OSError:
        return 0
    kib = 0
    for line in text.splitlines():
        if line.startswith((b"RssAnon:", b"RssShmem:")):
            kib += int(line.split()[1])
    return kib << 10


def _kill(proc: subprocess.Popen, init: int = -1) -> None:
    """End the sandbox: its PID 1 (``init``, a pidfd) is sent SIGKILL first and
    bubblewrap, which waits for it, reaps it and exits (within :data:`END_SECONDS`);
    then, or where there is no ``init``, bwrap's process group is sent SIGKILL.

    Killing bwrap alone (before attack17 #3) left PID 1, in a session of its own
    (``--new-session``), to follow later by ``--die-with-parent``: the run's root was
    copied back while the snippet's processes still ran.  :func:`_end` waits for PID 1
    in every case; killed first, it is also reaped (by bwrap) before the detach, not
    left a zombie for whichever process adopts it."""
    if init >= 0:
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(init, signal.SIGKILL)
        if _wait(proc, END_SECONDS):
            return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _init_fd(pid: int | None, proc: subprocess.Popen) -> int:
    """A pidfd of the sandbox's PID 1 (``pid``, outside its namespace), or -1 where it
    has already ended.  Its parent must be bubblewrap (``proc``, not reaped yet), so the
    pidfd cannot name another process that took a reused ``pid``."""
    if pid is None:
        return -1
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return -1
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            ppid = int(f.read().rpartition(b")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        ppid = -1
    if ppid != proc.pid:
        os.close(fd)
        return -1
    return fd


END_SECONDS = 30.0
"""How long the runner waits for a sandbox's PID namespace to end once its PID 1 was
sent SIGKILL (processes die at once; one in an uninterruptible sleep only later)."""


def _end(init: int) -> bool:
    """Kill the sandbox's PID 1 (``init``, a pidfd, which this closes; -1: nothing to
    do) and wait, at most :data:`END_SECONDS`, until it has exited; False if it has not.

    When a PID namespace's init exits, the kernel kills every other process of the
    namespace and waits until all are gone before the init becomes a zombie
    (``zap_pid_ns_processes``, called from ``exit_notify`` via
    ``forget_original_parent``/``find_child_reaper``: "when the init process of a pid
    namespace is reaped all of the processes in the pid namespace are gone",
    kernel/pid_namespace.c), and a pidfd is readable only once its process is a
    zombie or reaped (``pidfd_poll``).  So readable here means no process of the
    sandbox runs.  Before (attack17 #3), a run stopped by a limit killed bwrap only,
    and its root was copied back while the snippet's processes still ran (and grew
    their files past :data:`.rootcopy.MAX_BYTES`)."""
    if init < 0:
        return True
    try:
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(init, signal.SIGKILL)
        poller = select.poll()
        poller.register(init, select.POLLIN)
        return bool(poller.poll(END_SECONDS * 1000))
    finally:
        os.close(init)


def _results(said: bytes, mark: str, limits: Limits) -> list[Result]:
    """Each command's output and status from what PID 1 wrote (see
    :data:`SUPERVISOR`); raises :class:`LimitExceeded` for a command stopped by the
    output or CPU limit."""
    begin, end = f"{mark} B ".encode(), f"\n{mark} E ".encode()
    results: list[Result] = []
    cpu_before = 0.0
    at = said.find(begin)
    while at >= 0:
        i = len(results) + 1
        start = said.find(b"\n", at) + 1
        stop = said.find(end, start)
        data = said[start:] if stop < 0 else said[start:stop]
        if len(data) >= limits.output_bytes:
            raise LimitExceeded(
                f"stopped: output limit {limits.output_bytes} bytes exceeded (command {i} "
                f"wrote {limits.output_bytes} bytes or more)"
            )
        if stop < 0:
            break
        head, *times = said[stop + len(end) :].split(b"\n", 3)[:3]
        code, ended_by = _status(head)
        if ended_by == signal.SIGXFSZ or (
            code == 128 + signal.SIGXFSZ and b"File size limit exceeded" in data  # bash's
        ):  # word for a program of the command that SIGXFSZ ended
            raise LimitExceeded(
                f"stopped: file size limit {limits.output_bytes} bytes exceeded (command {i})"
            )
        cpu = _children_cpu(b"\n".join(times))
        killed = code in (128 + signal.SIGKILL, 128 + signal.SIGXCPU)
        killed = killed or b"CPU time limit exceeded" in data  # bash's word for SIGXCPU
        # ``times`` reads low (about 0.75 of the limit was seen at a kill): a kill
        # after half the limit's CPU time is the limit, not the snippet's own kill
        if killed and cpu - cpu_before >= limits.cpu_seconds / 2:
            raise LimitExceeded(
                f"stopped: CPU time limit {limits.cpu_seconds} s exceeded (command {i}: "
                f"killed after {cpu - cpu_before:.1f} s of CPU time)"
            )
        cpu_before = cpu
        at = said.find(begin, stop)
        traced = said.find(f"{mark} T {i}\n".encode(), stop, None if at < 0 else at)
        trace = None
        if traced >= 0:
            trace = said[said.find(b"\n", traced) + 1 : None if at < 0 else at]
        results.append(Result(data, code, trace))
    return results


def _status(head: bytes) -> tuple[int, int]:
    """(the status, the signal that ended the command or 0) from the rest of an end line
    of PID 1 (``I STATUS SIGNAL``); -1 for a status that is not a number.  The signal
    tells a kill from an exit with the same status (``exit 153``, since review s21)."""
    fields = head.split()
    code = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else -1
    ended_by = int(fields[2]) if len(fields) > 2 and fields[2].isdigit() else 0
    return code, ended_by


def _children_cpu(times: bytes) -> float:
    """User + system seconds of PID 1's children, in the format of bash's ``times``
    (``0m0.004s 0m0.000s`` for the shell, then the same for its children)."""
    lines = times.decode("ascii", "replace").splitlines()
    total = 0.0
    for field in lines[1].split() if len(lines) > 1 else ():
        minutes, _m, seconds = field.rstrip("s").partition("m")
        try:
            total += int(minutes) * 60 + float(seconds)
        except ValueError:
            return 0.0
    return total
