"""PID 1 of a snippet sandbox: runs its commands one after the other and writes their results.

The machine's own ``python3`` runs this file's text inside the sandbox (see
:data:`nested_snippets.runner.sandbox.SUPERVISOR`), so it imports only the standard
library.  Before anything else it makes itself non-dumpable
(``prctl(PR_SET_DUMPABLE, 0)``): a process of the same uid without ``CAP_SYS_PTRACE``
in its user namespace (every snippet process) can then neither ptrace it nor read its
memory or environment, so the run's random mark, which it reads from a pipe and keeps
only in its own memory (never in a child's environment or arguments), stays secret.
A forked child is non-dumpable too until it executes the command's ``bash``.

Then it sets the run's rlimits on itself (hard and soft, inherited by every command),
says that it runs (a line on descriptor ``NKG_READY``: bubblewrap's mounts are then
complete, and the tool server fills the fake trees), waits for the runner's go (the
mark, on descriptor ``NKG_GO``) and runs each argument as
``bash --noprofile --norc -c TEXT`` in ``/root`` (under strace when ``NKG_TRACE``
holds its command line: :func:`traced`), with stdout and stderr on the runner's
pipe.  After each command it kills every other process of its PID namespace and
reaps them all, then writes ``MARK E I STATUS`` and its children's CPU times in the
format of bash's ``times``; with strace, ``MARK T I`` and the record.  Exit statuses
96, 98 and 99 say which step of the setup failed.
"""

from __future__ import annotations

import _ctypes
import _signal
import os
import resource
import sys

PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4
FILL_PIDS = 1
"""Process IDs taken where this process ran the fake ``_fill`` client until
2026-12-03 (one ``bash``): the tool server now fills the trees at attach, and each
command still shows the process IDs it showed (``echo $$``)."""
TRACE_FILE = "/run/nkg-trace"
GATE = (
    "echo >&4; exec 4>&-; read -r go <&3 || exit 125; exec 3<&-; "
    'exec bash --noprofile --norc -c "$1"'
)
"""The program strace starts (``sh -c GATE sh COMMAND``): it says that it runs on
descriptor 4, waits for the go on 3, closes both and executes the command's ``bash``
as :func:`spawn` would (same ``argv[0]``, ``PATH`` search and environment).  Measured
on 2026-12-02 (medians of 30 to 40 traced runs of one ``cat``, alternated with the
former design, a record file strace wrote in ``/run``; 2 loaded cores): a traced run
costs 4 to 10 ms more CPU time with this ``sh`` gate (three measurements), 11 ms
with a ``bash`` gate (one); wall time the same within noise."""
MAX_MARK = 128
SHELL = ("bash", "--noprofile", "--norc", "-c")
COMMAND_ENV = {"PWD": "/root", "OLDPWD": "/root", "SHLVL": "1"}
"""What the shell that ran the commands before exported to them (kept the same)."""


class _ULong(_ctypes._SimpleCData):
    _type_ = "L"


class _Int(_ctypes._SimpleCData):
    _type_ = "i"


class _LibcFunction(_ctypes.CFuncPtr):
    _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO
    _restype_ = _Int


class _Libc:
    def __init__(self) -> None:
        self._handle = _ctypes.dlopen(None, 0)  # what CFuncPtr looks a name up in


def undumpable() -> None:
    """Make this process non-dumpable, or raise OSError.

    Through ``_ctypes``, the C half of :mod:`ctypes`, as the other imports are the
    C halves ``_signal`` (``signal`` imports ``enum``) and ``resource``: each
    sandbox starts this file, and the full modules cost each start ~10 ms of CPU
    time (2026-12-02, 2 loaded cores: ``python3 -I -S`` with this file's former
    imports 31 ms of CPU, with these 20 ms, with none 13 ms)."""
    prctl = _LibcFunction(("prctl", _Libc()))
    zero = _ULong(0)
    if prctl(PR_SET_DUMPABLE, zero, zero, zero, zero) != 0:
        raise OSError(_ctypes.get_errno(), "prctl(PR_SET_DUMPABLE)")
    if prctl(PR_GET_DUMPABLE, zero, zero, zero, zero) != 0:
        raise OSError(0, "still dumpable")


def set_limits(env: dict[str, str]) -> int:
    """Set the run's rlimits (the ``NKG_*`` values, in KiB where bash's ``ulimit``
    counts KiB); returns the file-size limit in bytes."""
    fsize = int(env["NKG_FSIZE"]) * 1024
    cpu = int(env["NKG_CPU"])
    for kind, value in (
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, fsize),
        (resource.RLIMIT_AS, int(env["NKG_AS"]) * 1024),
        (resource.RLIMIT_NPROC, int(env["NKG_NPROC"])),
        (resource.RLIMIT_NOFILE, int(env["NKG_NOFILE"])),
    ):
        resource.setrlimit(kind, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    return fsize


def read_mark(fd: int) -> str:
    """The runner's go: one line, the run's mark ("" when the runner gave none)."""
    data = b""
    while b"\n" not in data and len(data) <= MAX_MARK:
        chunk = os.read(fd, MAX_MARK)
        if not chunk:
            return ""
        data += chunk
    return data.split(b"\n", 1)[0].decode("ascii", "replace").strip()


def say(data: bytes) -> None:
    """Write all of ``data`` to the runner's pipe."""
    view = memoryview(data)
    while view:
        view = view[os.write(1, view) :]


def _exec_child(argv: list[str], env: dict[str, str], cwd: str | None) -> None:
    """In a forked child: default signals, stderr on the pipe, then ``argv``."""
    try:
        for sig in _signal.valid_signals() - {_signal.SIGKILL, _signal.SIGSTOP}:
            _signal.signal(sig, _signal.SIG_DFL)
        os.dup2(1, 2)
        if cwd is not None:
            try:
                os.chdir(cwd)
            except OSError as exc:
                os.write(2, f"bash: cd: {cwd}: {exc.strerror}\n".encode())
                os._exit(1)
        os.execvpe(argv[0], argv, env)
    except OSError as exc:
        os.write(2, f"bash: {argv[0]}: {exc.strerror}\n".encode())
        os._exit(126 if isinstance(exc, PermissionError) else 127)
    finally:
        os._exit(127)


def status_of(wait_status: int) -> int:
    """An exit status as bash's ``$?`` gives it (128 + the signal when killed)."""
    if os.WIFSIGNALED(wait_status):
        return 128 + os.WTERMSIG(wait_status)
    return os.WEXITSTATUS(wait_status)


def spawn(argv: list[str], env: dict[str, str], cwd: str | None = None) -> int:
    """Run ``argv`` to its end; its status."""
    pid = os.fork()
    if pid == 0:
        _exec_child(argv, env, cwd)
    return status_of(os.waitpid(pid, 0)[1])


def pad(count: int) -> None:
    """Take ``count`` process IDs of the namespace (a child each, which exits at once),
    as strace's own processes take them before a traced command: a command then gets
    the same PIDs traced or not (``echo $$``), and a shared result from a traced run
    shows the PIDs a full run shows (see ``sandbox.TRACE_PIDS``)."""
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)


def clean() -> None:
    """Kill every other process of the namespace and reap them all (orphans are this
    process's children), until none is left."""
    while True:
        _kill_all()
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _kill_all() -> None:
    """SIGKILL to every other process of the namespace (ESRCH: there is none)."""
    try:
        os.kill(-1, _signal.SIGKILL)
    except ProcessLookupError:
        return


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        return


def times() -> bytes:
    """This process's and its children's CPU times as bash's ``times`` writes them."""
    t = os.times()

    def pair(user: float, system: float) -> str:
        return " ".join(f"{int(s // 60)}m{s % 60:.3f}s" for s in (user, system))

    return f"{pair(t.user, t.system)}\n{pair(t.children_user, t.children_system)}\n".encode()


def traced(trace: list[str], command: str, env: dict[str, str], limit: int) -> tuple[int, bytes]:
    """Run ``command`` under strace; its status and strace's record (at most ``limit``
    bytes; empty when strace did not start the command).

    strace writes the record into a FIFO of ``/run`` whose reading end this process
    opened first, and which it reads to the end while the command runs.  The traced
    program is :data:`GATE`, which tells this process that it runs (so strace has
    opened the FIFO) and waits; the FIFO's name is then removed, and only then does
    the gate release the command's ``bash``.  So no process of the snippet can reach
    the record: neither by name nor by descriptor (the seccomp filter denies
    ``ptrace`` attaching, ``pidfd_getfd`` and ``process_vm_writev``); the name carries
    a random part (nothing can be planted there first); and a pipe, unlike a file, is
    not cut short when the snippet fills the file system."""
    path = f"{TRACE_FILE}-{os.urandom(8).hex()}"
    try:
        os.mkfifo(path, 0o600)
        record = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # no writer yet: no wait
    except OSError:
        _remove(path)
        return spawn([*SHELL, command], env, "/root"), b""
    os.set_blocking(record, True)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        go, ready = os.dup(go_r), os.dup(ready_w)  # above 4: dup2 below clobbers nothing
        os.dup2(go, 3)
        os.dup2(ready, 4)
        _exec_child([*trace, "-o", path, "sh", "-c", GATE, "sh", command], env, "/root")
    os.close(go_r)
    os.close(ready_w)
    started = os.read(ready_r, 1) == b"\n"
    os.close(ready_r)
    _remove(path)
    if started:
        os.write(go_w, b"\n")
    os.close(go_w)
    data = drain(record, limit) if started else b""  # to the end: strace has exited
    os.close(record)
    return status_of(os.waitpid(pid, 0)[1]), data


def drain(fd: int, limit: int) -> bytes:
    """Read ``fd`` to its end; the first ``limit`` bytes of what it gave."""
    chunks, kept = [], 0
    while chunk := os.read(fd, 1 << 16):
        if kept < limit:
            chunks.append(chunk[: limit - kept])
            kept += len(chunks[-1])
    return b"".join(chunks)


def main(commands: list[str]) -> int:
    try:
        undumpable()
    except (OSError, AttributeError):
        return 96
    _signal.signal(_signal.SIGINT, _signal.SIG_DFL)  # PID 1: a signal it does not handle is dropped
    config = dict(os.environ)
    env = {k: v for k, v in config.items() if not k.startswith("NKG_")}
    try:
        fsize = set_limits(config)
    except (OSError, ValueError, KeyError):
        return 99
    try:
        ready = int(config["NKG_READY"])
        os.write(ready, b"\n")
        os.close(ready)
        go = int(config["NKG_GO"])
        mark = read_mark(go)
        os.close(go)
    except (OSError, ValueError, KeyError):
        mark = ""
    if not mark:
        return 98
    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    pad(FILL_PIDS)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 2)
    os.close(quiet)
    trace = config.get("NKG_TRACE", "").split()
    pids = int(config.get("NKG_PID_PAD") or 0)
    shell_env = {**env, **COMMAND_ENV}
    for i, command in enumerate(commands, 1):
        say(f"{mark} B {i}\n".encode())
        if trace:
            status, record = traced(trace, command, shell_env, fsize)
        else:
            pad(pids)
            status = spawn([*SHELL, command], shell_env, "/root")
        clean()
        say(f"\n{mark} E {i} {status}\n".encode() + times())
        if trace:
            say(f"{mark} T {i}\n".encode() + record)
    return 0


if __name__ == "__main__":
    os._exit(main(sys.argv[1:]))  # nothing is buffered: no interpreter shutdown
