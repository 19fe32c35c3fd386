"""The tool server: the one process that changes fake hosts, each call confined to one.

The runner starts one server per process (:class:`Server`).  It imports every module
the fake tools need, drops to the sandbox's unprivileged uid when started as root,
and then waits for the runner's orders on its stdin:

``attach PID HOME``
    A sandbox (:mod:`nested_snippets.runner.sandbox`) for the host in ``HOME`` runs
    as process ``PID``, its mounts complete, its commands not yet released.  The
    server keeps that sandbox's user and mount namespaces open and, in one forked
    child, opens a TCP listener on 127.0.0.1:``PORT`` *inside the sandbox's own
    network namespace* (so nothing but that sandbox can reach it, and bash's
    ``/dev/tcp`` in the fake tools still works), then enters its mounts and makes the
    first call, :data:`FILL`: it fills the tmpfs trees (``/sys/module``, ``/proc``,
    ``/lib/modules``, ``/dev/kvm``) from ``HOME/state.marshal`` and copies the host's
    root in.  The answer comes when the trees are full.  (Until 2026-12-03 the
    sandbox's first process called ``_fill`` through the fake tools' client, which a
    snippet still may: it fills again.)
``detach PID 0|1``
    The sandbox has finished; with ``1`` the values written to writable parameters
    are kept in the state first.  Its listener and any call still running go.

Each connection on a listener is one tool call.  The child that filled the trees
stays as the sandbox's *worker* (:func:`_worker`) and serves every call of that
sandbox, one at a time, in its own process: it holds ``state.marshal`` of *that
listener's* host (opened before entering; the client never names a host) and has
entered the sandbox's user and mount namespaces with ``setns(2)`` (so it sees exactly
what the snippet sees: the fake host at the real paths, ``/usr`` read-only, nothing
else of the machine).  A call runs the tool, writes the state back through that
descriptor and replies.  Until 2026-12-03 the server forked a process per call, which
entered the namespaces itself: ~10 ms of CPU time a call against ~5 now (client
included; ``tools/bench_run.py single`` with 20 ``lsmod`` calls, see
``runner/shared.py``).  A worker that ends (a call over :data:`CALL_SECONDS`, a crash,
a kill) is replaced by another that enters the same way (``_Sandbox.restart``); a
worker dies with the server (``PR_SET_PDEATHSIG``) and is killed at detach.  Everything
a call runs is imported before it enters: from then on an import is an error
(:func:`_no_imports`), since the paths of the package and of the standard library
(under ``/root`` where Python is pyenv's) may hold what the snippet wrote there.
The server runs in isolated mode (``-I``: no current directory on its path) with
no variable of the runner's environment (:data:`BOOT`).

On each connection the server first sends a line: ``ok``, or why the call is refused
(:data:`BUSY`), which the client prints before it exits 70.
Request (client -> server): NUL-terminated fields: tool name, sudo flag (``1`` or
empty), argc, then argc arguments.  Reply: a line ``STATUS OUTLEN ERRLEN`` then the
stdout and stderr bytes.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import gc
import marshal
import os
import resource
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import traceback
from pathlib import Path

from nested_snippets.fakehost import rootcopy

PORT = 4242
"""Port of every sandbox's tool listener (each sandbox has its own network stack)."""
FILL = "_fill"
"""The first call of every sandbox, made by the server at attach, before any snippet
command: fill the tmpfs trees from the state (and finish a pending reboot)."""
CALL_SECONDS = 10
"""A tool call that takes longer (a client that never sends its request) is ended."""
MAX_REQUEST = 1 << 20
"""Bytes of one request; the client refuses a call whose arguments need more."""
MAX_ARGS = 10_000
"""Arguments of one call; the client refuses more."""
MAX_CALLS = 8
"""Connections of one sandbox open at once (served one after the other by its worker);
a further connection is answered with :data:`BUSY` and closed unserved (its client
says so and exits 70), so a snippet cannot make its worker hold connections without
end."""
BUSY = (
    f"the fake host's tool server runs at most {MAX_CALLS} calls of a sandbox at once "
    "(MAX_CALLS), and that many are still open: this call was refused"
)
ARG_BYTES = MAX_REQUEST - 4096
"""What the client lets the arguments take (their bytes and a NUL each)."""
READS = "reads.marshal"
"""Beside the state: what each tool call read (:mod:`.reads`), appended when it exists."""
REBOOT = "_reboot"
"""The record of a reboot between two sandboxes (the runner's, see ``FakeHost.reboot``)."""
HARVEST = "_harvest"
"""The record of the harvest when a sandbox whose writes are kept ends: it says why not
when it took a value the snippet wrote to a parameter into the state."""
KEEP_BOUND = "too much to keep: the root held "
"""How a detach answers for a root over a bound of :mod:`.rootcopy`."""
FILLED = b"filled"
"""A worker's answer to the server when the trees are full (else why not)."""
HARVEST_ORDER = b"harvest"
"""The server's order to a worker when its sandbox ends and its writes are kept: answered
``0``, or ``3`` and why (over a bound of :mod:`.rootcopy`), or ``1`` and why."""
CALL_MEMORY = 768 << 20
"""Address-space limit of one call's process (reads are capped far below it)."""

CLIENT = rf"""#!/bin/bash
# A fake tool of the fake host: forwards its call to the runner's tool server,
# which listens in this sandbox's own network namespace (toolserver.py).
LC_ALL=C
fail() {{ printf '%s: %s\n' "${{0##*/}}" "$1" >&2; exit 70; }}
[ "$#" -le {MAX_ARGS} ] || fail "the fake host's tool server takes at most {MAX_ARGS} \
arguments in one call (MAX_ARGS); this call has $#"
size=0; for arg; do size=$((size + ${{#arg}} + 1)); done
[ "$size" -le {ARG_BYTES} ] || fail "the fake host's tool server takes at most {ARG_BYTES} \
bytes of arguments in one call (MAX_REQUEST); this call has $size"
exec 3<>/dev/tcp/127.0.0.1/{PORT} || exit 70
IFS= read -r hello <&3 || fail "the fake host's tool server closed the call unanswered"
[ "$hello" = ok ] || fail "$hello"
printf '%s\0' "${{0##*/}}" "${{FAKEHOST_SUDO:-}}" "$#" "$@" >&3
IFS=' ' read -r status outlen errlen <&3 || exit 70
if [ "$outlen" -gt 0 ]; then IFS= read -r -d '' -N "$outlen" out <&3; printf '%s' "$out"; fi
if [ "$errlen" -gt 0 ]; then IFS= read -r -d '' -N "$errlen" err <&3; printf '%s' "$err" >&2; fi
exit "$status"
"""
SUDO = '#!/bin/sh\n# The fake host\'s sudo: the fake tools honour it.\nFAKEHOST_SUDO=1 exec "$@"\n'

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
NS_GET_USERNS = 0xB701
PR_SET_PDEATHSIG = 1


class ServerError(RuntimeError):
    pass


# ------------------------------------------------------------------ server side


def _setns(fd: int, kind: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, kind) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


def _enter(user_fd: int | None, mnt_fd: int) -> None:
    """Become part of a sandbox's filesystem view (root and cwd: its /), importing
    nothing from then on (:func:`_no_imports`); ``user_fd`` None: already in its user
    namespace."""
    _no_imports()
    if user_fd is not None:
        _setns(user_fd, CLONE_NEWUSER)
    _setns(mnt_fd, CLONE_NEWNS)
    os.chdir("/")


class _NoImports:
    """The only finder once a process has entered a sandbox's view, where every path
    (``/``, the package's, the standard library's when it is not under ``/usr``) may
    hold what the snippet wrote: an import not yet done is an error, never its code."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        raise ImportError(f"no import inside a sandbox's view (module {name!r})")


def _no_imports() -> None:
    sys.meta_path[:] = [_NoImports]
    sys.path[:] = []
    sys.path_hooks[:] = []
    sys.path_importer_cache.clear()


def _open_state(home: str) -> int:
    dir_fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        return os.open("state.marshal", os.O_RDWR | os.O_NOFOLLOW, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)


def _open_root(home: str) -> int:
    """The host's root on disk (opened before entering a sandbox, where it is not
    visible)."""
    dir_fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        return os.open("root", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)


TMPFS = ("/", "/tmp", "/run", "/dev/shm", "/dev", "/sys", "/proc", "/lib")
"""The sandbox's writable tmpfs mounts (sandbox.TMPFS_BYTES gives their sizes; the
read-only ones, ``/usr/local`` and those over the machine's kernel configuration, are
not remounted: that would make them writable)."""
MS_NOSUID, MS_NODEV, MS_REMOUNT = 2, 4, 32


def _limit_inodes() -> None:
    """Give each tmpfs of the sandbox at most ``rootcopy.MAX_ENTRIES`` inodes
    (bubblewrap sets only their size; each inode costs kernel memory).  The call
    has entered the sandbox's user namespace, which owns these mounts."""
    libc = ctypes.CDLL(None, use_errno=True)
    data = f"nr_inodes={rootcopy.MAX_ENTRIES}".encode()
    for path in TMPFS:
        if libc.mount(None, path.encode(), None, MS_REMOUNT | MS_NOSUID | MS_NODEV, data):
            err = ctypes.get_errno()
            raise OSError(err, f"cannot limit the inodes of {path}: {os.strerror(err)}")


TREE_MOUNTS = ("/sys", "/proc", "/lib", "/dev")
"""The tmpfs mounts that show the fake kernel's trees."""
INODE_SHIFT = 64
"""Each tree's inode numbers start this many places apart at most (see :func:`_shift_inodes`)."""


def _shift_inodes() -> None:
    """Start each tree's inode numbers at a random place (0 to ``INODE_SHIFT - 1``
    files made and removed first).  tmpfs numbers inodes one after the other per mount,
    so a file's number would count the files written before it, parameters of other
    modules among them: no run may show it (``stat -c %i``) as if it meant something
    (review s7 G1; ``nested_snippets/runner/shared.py``, "Known limits")."""
    for mount in TREE_MOUNTS:
        for n in range(os.urandom(1)[0] % INODE_SHIFT):
            name = f"{mount}/.nkg-shift-{n}"
            os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
            os.unlink(name)


ODD_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket",
             stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}  # fmt: skip


class OddParameter(Exception):
    """A writable parameter of the fake ``/sys/module`` is no longer a file."""


def _odd_parameters(state) -> list[tuple[str, str]]:
    """(path, kind) of each writable parameter the snippet replaced with something
    :func:`.state.harvest` must not read (it reads whatever opens: a FIFO with a
    writer gives EAGAIN, a directory EISDIR); a removed file or a link is skipped
    there already."""
    odd = []
    for mod in state.loaded:
        table = state.params_of(mod.name)
        for name in mod.params:
            if name in table and table[name]["perm"] & 0o222:
                path = f"/sys/module/{mod.name}/parameters/{name}"
                try:
                    kind = stat.S_IFMT(os.lstat(path).st_mode)
                except OSError:
                    continue
                if kind in ODD_KINDS:
                    odd.append((path, ODD_KINDS[kind]))
    return odd


def _load(fd: int):
    from nested_snippets.fakehost import state as fk

    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return fk.State.from_bytes(b"".join(chunks))


def _store(fd: int, state) -> None:
    from nested_snippets.fakehost import state as fk

    fk.rewrite(fd, state.to_bytes())


def _bind_when_up(listener: socket.socket) -> None:
    """Bind to the sandbox's loopback, which bubblewrap may still be bringing up: it
    reports the child's pid before the child has configured ``lo``."""
    for _ in range(200):
        try:
            listener.bind(("127.0.0.1", PORT))
            return
        except OSError as exc:
            if exc.errno != errno.EADDRNOTAVAIL:
                raise
            time.sleep(0.01)
    listener.bind(("127.0.0.1", PORT))


class _Sandbox:
    def __init__(self, home: str, pid: int, others: list[int]):
        ns = f"/proc/{pid}/ns/"
        self.home = home
        self.mnt = os.open(ns + "mnt", os.O_RDONLY)
        # the user namespace that owns the mounts (bwrap --disable-userns puts the
        # sandbox's processes in a child of it, where they cannot make another)
        self.user = fcntl.ioctl(self.mnt, NS_GET_USERNS)
        self.worker = self.pidfd = -1
        self.control: socket.socket | None = None  # the worker's end is its control
        try:
            net = os.open(ns + "net", os.O_RDONLY)
            try:
                self.listener = self._listen(net, others)
            finally:
                os.close(net)
        except BaseException:  # the sandbox is never served: keep none of its namespaces
            os.close(self.user)  # (its mounts would hold its tmpfs pages, review 12)
            os.close(self.mnt)
            raise

    def fds(self) -> list[int]:
        """The descriptors this sandbox holds in the server (a worker of another
        sandbox closes them)."""
        control = self.control.fileno() if self.control else -1
        held = (self.mnt, self.user, self.pidfd, self.listener.fileno(), control)
        return [fd for fd in held if fd >= 0]

    def _listen(self, net_fd: int, others: list[int]) -> socket.socket:
        """Make the listener in a child that joins the sandbox's network namespace,
        then fills the sandbox's trees (:data:`FILL`) in the same child: the first
        call of every sandbox, made at attach, when the sandbox's mounts are complete
        (its first process has said it runs, see ``sandbox.run``), without a process
        in the sandbox, a connection or a fork of its own.  The child then stays as the
        sandbox's worker (:func:`_worker`), which serves every later call."""
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        server = os.getpid()
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                parent.close()
                _become_worker(server, others)
                fd = _open_state(self.home)
                disk = _open_root(self.home)
                record = _open_reads(self.home)
                _setns(self.user, CLONE_NEWUSER)
                _setns(net_fd, CLONE_NEWNET)
                listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                _bind_when_up(listener)
                listener.listen(16)
                socket.send_fds(child, [b"ok"], [listener.fileno()])
                _enter(None, self.mnt)
                signal.alarm(CALL_SECONDS)
                filled, _out, err = _run(FILL, [], False, fd, disk, record)
                signal.alarm(0)
                child.send(err.encode()[:500] if filled else FILLED)
                if not filled:  # the runner's attach is answered: the worker serves
                    status = _worker(listener, child, fd, disk, record)
            except BaseException as exc:  # reported to the runner as one line
                # walk_tb, not extract_tb: that reads the source file, by a path the
                # snippet may have planted a FIFO at (review 13)
                frame, line = list(traceback.walk_tb(exc.__traceback__))[-1]
                where = f"{frame.f_code.co_name}:{line}"
                with contextlib.suppress(OSError):
                    child.send(f"{exc!r} at {where}".encode()[:500])
            finally:
                os._exit(status)
        child.close()
        try:
            msg, fds, _flags, _addr = socket.recv_fds(parent, 1024, 1)
            if fds:  # then the fill's answer: FILLED, or why it failed
                msg += parent.recv(1024)
        except BaseException:
            parent.close()
            raise
        listener = socket.socket(fileno=fds[0]) if fds else None
        if listener is not None and msg == b"ok" + FILLED:
            self.listener = listener  # (for fds())
            self._watch(pid, parent)
            return listener
        parent.close()
        _pid, status = os.waitpid(pid, 0)
        if listener is None:
            raise ServerError(msg.decode(errors="replace") or "the sandbox helper died")
        listener.close()
        why = msg.removeprefix(b"ok").decode(errors="replace").strip()
        if not why and os.WIFSIGNALED(status):
            why = f"the fill was killed by {signal.Signals(os.WTERMSIG(status)).name}"
            if os.WTERMSIG(status) == signal.SIGALRM:
                why += f" (it took longer than {CALL_SECONDS} s, CALL_SECONDS)"
        raise ServerError(f"the sandbox's trees could not be filled: {why or status}")

    def _watch(self, pid: int, control: socket.socket) -> None:
        self.worker, self.control = pid, control
        self.pidfd = os.pidfd_open(pid)

    def restart(self, others: list[int]) -> None:
        """The worker has ended (a call over :data:`CALL_SECONDS`, or killed): start
        another, which enters the sandbox's namespaces as the first one did."""
        self._end_worker()
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        server = os.getpid()
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                parent.close()
                _become_worker(server, others)
                fd = _open_state(self.home)
                disk = _open_root(self.home)
                record = _open_reads(self.home)
                _enter(self.user, self.mnt)
                status = _worker(self.listener, child, fd, disk, record)
            finally:
                os._exit(status)
        child.close()
        self._watch(pid, parent)

    def _end_worker(self) -> int:
        """Kill the worker (if it still runs) and forget it; its wait status (-1: none
        to wait for)."""
        status = -1
        if self.worker > 0:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.worker, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                status = os.waitpid(self.worker, 0)[1]
            os.close(self.pidfd)
            self.control.close()
        self.worker, self.pidfd, self.control = -1, -1, None
        return status

    def harvest(self, others: list[int]) -> str:
        """Keep what the sandbox wrote: writable parameters into the state, its root
        into the host's directory on disk.  The worker does it (after the call it may be
        serving) and ends; one that has ended first is replaced for it.  Returns "" or
        the problem."""
        for attempt in (1, 2):
            try:
                self.control.send(HARVEST_ORDER)
                answer = self.control.recv(512)
            except OSError:
                answer = b""
            if answer or attempt == 2:
                break
            self.restart(others)  # it had ended (a call's alarm, a kill) before it heard
        if not answer:
            return f"the harvest ended with status {self._end_worker()}"
        code, why = answer[:1], answer[1:].decode(errors="replace")
        if code == b"3":
            return f"{KEEP_BOUND}{why}"
        if code != b"0":
            return why or "the harvest failed"
        return ""

    def close(self) -> None:
        self._end_worker()
        self.listener.close()
        os.close(self.user)
        os.close(self.mnt)


def _become_worker(server: int, others: list[int]) -> None:
    """In a child just forked from the server (``server``: its pid): close what it
    inherited of other sandboxes (``others``: their namespaces, listeners and workers)
    and the runner's pipes (the runner must see the server's ends alone; 0 and 1 then
    name stderr), die with the server, and take the bounds of a worker."""
    for fd in others:
        with contextlib.suppress(OSError):
            os.close(fd)
    os.dup2(2, 0)
    os.dup2(2, 1)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != server:  # the server ended before the line above
        os._exit(1)
    _confine_worker()


def _confine_worker() -> None:
    """Bound a sandbox's worker: memory, no forks, small files (it writes only the fake
    kernel's trees).  Each call's time is bounded by an alarm (:func:`_worker`)."""
    for kind, value in (
        (resource.RLIMIT_AS, CALL_MEMORY),
        (resource.RLIMIT_FSIZE, 16 << 20),
        (resource.RLIMIT_NPROC, 0),
    ):
        resource.setrlimit(kind, (value, value))


def _parse_request(data: bytes) -> list[str] | None:
    """The request's fields once ``data`` holds all of them, else None; ValueError
    for a request no fake tool sends."""
    if len(data) > MAX_REQUEST:
        raise ValueError(f"request larger than {MAX_REQUEST} bytes (MAX_REQUEST)")
    fields = data.split(b"\0")
    if len(fields) <= 3:
        return None
    argc = int(fields[2])
    if argc < 0 or argc > MAX_ARGS:
        raise ValueError(f"bad argument count {argc} (at most {MAX_ARGS}: MAX_ARGS)")
    if len(fields) <= 3 + argc:
        return None
    return [f.decode("utf-8", "surrogateescape") for f in fields[: 3 + argc]]


class _Conn:
    """One connection of a worker: the request as it comes, then the answer as it goes."""

    def __init__(self, sock: socket.socket, now: float):
        self.sock, self.deadline = sock, now + CALL_SECONDS
        self.request = bytearray()
        self.answer: memoryview | None = None

    def fileno(self) -> int:
        return self.sock.fileno()


def _worker(
    listener: socket.socket, control: socket.socket, fd: int, disk: int, record: int
) -> int:
    """Serve a sandbox's calls, one at a time, in this process (which has entered the
    sandbox's view): no fork, no ``setns`` and no state file to open per call.

    At most :data:`MAX_CALLS` connections are open at once (a further one is answered
    :data:`BUSY` and closed); each must send its whole request within
    :data:`CALL_SECONDS` of its acceptance, and take its answer within as long after
    the call, else it is closed, so neither an idle connection nor a client that does
    not read its answer holds the worker or the snippet's other calls (review 13).
    A call runs under an alarm of :data:`CALL_SECONDS`, whose signal ends the worker:
    the server starts another (``_Sandbox.restart``).  When the server says on
    ``control`` that the sandbox has ended (:data:`HARVEST_ORDER`), it keeps the
    sandbox's writes (:func:`_harvest`), answers and returns; at the end of ``control``
    it returns."""
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # a client gone: an OSError, not death
    listener.setblocking(False)
    conns: list[_Conn] = []
    while True:
        now = time.monotonic()
        for conn in [c for c in conns if c.deadline <= now]:
            _close(conn, conns)
        reading = [c for c in conns if c.answer is None]
        sending = [c for c in conns if c.answer is not None]
        timeout = min((c.deadline for c in conns), default=now + 3600) - now
        ready, writable, _ = select.select(
            [control, listener, *reading], sending, [], max(timeout, 0)
        )
        for conn in writable:
            _send(conn, conns)
        for conn in ready:
            if isinstance(conn, _Conn) and conn in conns:
                _receive(conn, conns, fd, disk, record)
        if listener in ready:
            _accept(listener, conns)
        if control in ready:  # after the calls whose requests came with it
            if control.recv(64) != HARVEST_ORDER:
                return 0
            signal.alarm(CALL_SECONDS)
            control.send(_harvest(fd, disk, record))
            return 0


def _drop_gone(conns: list[_Conn]) -> None:
    """Close the connections whose client has gone and sent nothing: a client that
    reads ``ok`` and closes at once has its next connection accepted before this loop
    saw it go (before, such storms got :data:`BUSY` answers; review 13)."""
    for conn in [c for c in conns if c.answer is None and not c.request]:
        try:
            gone = conn.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            gone = False
        except OSError:
            gone = True
        if gone:
            _close(conn, conns)


def _close(conn: _Conn, conns: list[_Conn]) -> None:
    conns.remove(conn)
    conn.sock.close()


def _receive(conn: _Conn, conns: list[_Conn], fd: int, disk: int, record: int) -> None:
    """Take what the client sent; once its request is whole, run the call and start
    sending its answer."""
    try:
        chunk = conn.sock.recv(65536)
    except OSError:
        chunk = b""
    if not chunk:  # the client went before its request was whole
        _close(conn, conns)
        return
    conn.request += chunk
    if b"\0" not in chunk and len(conn.request) <= MAX_REQUEST:
        return  # no field ended: parsing again would find what it found before
    signal.alarm(CALL_SECONDS)
    answer = _answer(bytes(conn.request), fd, disk, record)
    signal.alarm(0)
    if answer is not None:
        conn.answer, conn.deadline = memoryview(answer), time.monotonic() + CALL_SECONDS
        _send(conn, conns)


def _send(conn: _Conn, conns: list[_Conn]) -> None:
    """Send what the socket takes of the answer; close when all of it is sent."""
    try:
        conn.answer = conn.answer[conn.sock.send(conn.answer) :]
    except BlockingIOError:
        return
    except OSError:
        conn.answer = memoryview(b"")
    if not conn.answer:
        _close(conn, conns)


def _answer(data: bytes, fd: int, disk: int, record: int) -> bytes | None:
    """Run the call that ``data`` asks for; its answer, or None while the request is
    not yet whole."""
    try:
        request = _parse_request(data)
    except ValueError as exc:  # only a client other than the fake tools' sends these
        why = f"the fake host's tool server refused the call: {exc}\n".encode()
        return f"70 0 {len(why)}\n".encode() + why
    if request is None:
        return None
    name, sudo, _argc, *args = request
    status, out, err = _run(name, args, sudo == "1", fd, disk if name == FILL else -1, record)
    body_out = out.encode("utf-8", "surrogateescape")
    body_err = err.encode("utf-8", "surrogateescape")
    return f"{status} {len(body_out)} {len(body_err)}\n".encode() + body_out + body_err


def _accept(listener: socket.socket, conns: list[_Conn]) -> None:
    """Take every pending connection: each is told first whether it is served."""
    while True:
        try:
            sock, _addr = listener.accept()
        except OSError:  # none left (BlockingIOError), or a connection reset meanwhile
            return
        if len(conns) >= MAX_CALLS:
            _drop_gone(conns)
        busy = len(conns) >= MAX_CALLS
        try:
            # a fresh connection's buffer is empty: these few bytes never block
            sock.sendall(BUSY.encode() + b"\n" if busy else b"ok\n")
        except OSError:
            busy = True
        if busy:
            sock.close()  # the client has read nothing yet and sent nothing: no reset
            continue
        sock.setblocking(False)
        conns.append(_Conn(sock, time.monotonic()))


def _harvest(fd: int, disk: int, record: int) -> bytes:
    """In a worker whose sandbox has ended: take the values written to writable
    parameters into the state and copy the sandbox's root back to the host's directory
    on disk; the answer for the server (:data:`HARVEST_ORDER`)."""
    from nested_snippets.fakehost import reads
    from nested_snippets.fakehost import state as fk

    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        state = _load(fd)
        before = state.to_bytes() if record >= 0 else b""
        for path, _kind in _odd_parameters(state):  # never kept: the kernel's
            shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)
        fk.harvest(state, "/")
        if record >= 0:  # a value taken in is not one that the records explain
            rec = reads.Recorder()
            if state.to_json() != marshal.loads(before):  # not bytes: refs
                rec.refuse("the harvest took a value the snippet wrote to a parameter")
            os.write(record, rec.to_bytes(HARVEST))
        _store(fd, state)
        try:
            rootcopy.copy_out(disk)
        except rootcopy.TooMany as exc:
            return b"3" + str(exc).encode()[:200]
        return b"0"
    except Exception as exc:  # one line for the runner, naming the file
        return b"1" + f"{type(exc).__name__}: {exc}".encode()[:240]


def _open_reads(home: str) -> int:
    """The host's record of what tool calls read (``READS``), when the runner asked for
    one by creating it; else -1."""
    dir_fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        return os.open(READS, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW, dir_fd=dir_fd)
    except FileNotFoundError:
        return -1
    finally:
        os.close(dir_fd)


def _run(
    name: str, args: list[str], sudo: bool, fd: int, disk: int, record: int
) -> tuple[int, str, str]:
    """Run one tool call in a process that has entered its sandbox's view: the state
    through ``fd``, the host's root on disk through ``disk`` (for :data:`FILL`), the
    record of reads through ``record`` (-1: none asked); (status, stdout, stderr)."""
    from nested_snippets.fakehost import commands, reads
    from nested_snippets.fakehost import state as fk

    fcntl.flock(fd, fcntl.LOCK_EX)
    rec = reads.Recorder()
    try:
        state = _load(fd)
        before = state.to_bytes()
        if name == FILL:  # the sandbox's first call: its tmpfs trees are empty
            _limit_inodes()
            _shift_inodes()
            rootcopy.copy_in(disk)
            fk.materialize(state, "/", full=True)  # the trees as built (runner/shared.py)
            status, out, err = 0, "", ""
        else:
            odd = _odd_parameters(state)
            if odd:
                path, kind = odd[0]
                raise OddParameter(
                    f"{path} is {kind}, not the parameter file the fake kernel made "
                    "(the snippet replaced it): the fake tools read no value from it"
                )
            fk.harvest(state, "/")
            if state.to_json() != marshal.loads(before):  # not the bytes: marshal's refs
                rec.refuse("it took a value the snippet wrote to a parameter")
        # from here on, every read of the state and the trees is noted
        reads.audit_files(rec if record >= 0 else None)
        view = reads.StateView(state, rec)
        commands.boot(view, "/")
        if name != FILL:
            start = marshal.loads(before)
            status, out, err = commands.run(
                name, args, view, "/", sudo, lambda: reads.unchanged(state, start)
            )
        changed = state.to_bytes() != before
    except OddParameter as exc:
        status, out, err, changed = 70, "", f"fake {name}: {exc}\n", False
        rec.refuse("a parameter file was replaced")
    except Exception as exc:  # a bug in a fake tool: report it, as a crash would
        status, out, err, changed = 70, "", f"fake {name}: internal error: {exc!r}\n", False
        rec.refuse("internal error")
    reads.audit_files(None)
    if record >= 0:  # before the state: no change is saved without its record
        try:
            os.write(record, rec.to_bytes(name))  # under the state's lock: in order
        except OSError as exc:  # (the worker's file-size limit, review 13)
            status, out, err, changed = 70, "", f"fake {name}: internal error: {exc!r}\n", False
    if changed:
        _store(fd, state)
    fcntl.flock(fd, fcntl.LOCK_UN)  # the worker keeps the descriptor for its next call
    return status, out, err


def _drop_privileges(uid: int, gid: int) -> None:
    if os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    libc.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: the runner may inspect us


def serve(uid: int, gid: int) -> None:
    # everything a call needs is imported now: inside a sandbox's view the package's
    # and the standard library's paths may hold the snippet's files, so a call imports
    # nothing there (_enter: _no_imports)
    import re  # noqa: F401  (parsers.values imports it lazily)

    from nested_snippets import arches, kernel  # noqa: F401  (early_params: lazily)
    from nested_snippets.fakehost import commands, early_params, reads, state  # noqa: F401
    from nested_snippets.parsers import modprobe_conf, values  # noqa: F401

    gc.freeze()  # forked calls then copy fewer pages (the collector writes object headers)
    _drop_privileges(uid, gid)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sandboxes: dict[int, _Sandbox] = {}
    control = sys.stdin.buffer
    out = sys.stdout
    print("ready", file=out, flush=True)
    pending = b""
    while True:
        ready, _, _ = select.select([control, *[s.pidfd for s in sandboxes.values()]], [], [])
        for sb in list(sandboxes.values()):
            if sb.pidfd in ready:
                sb.restart(_others(sandboxes, sb))
        if control not in ready:
            continue
        chunk = os.read(control.fileno(), 4096)
        if not chunk:
            for sb in sandboxes.values():
                sb.close()
            return  # the runner has gone
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            print(one_line(_order(line.decode(), sandboxes)), file=out, flush=True)


def one_line(answer: str) -> str:
    """An answer as the one line the runner reads for its order: a message with a line
    break (the fill's ``...\\n``, a file name of the snippet's) would leave a line that
    answers the runner's next order (review 12: every later attach of the runner then
    failed, or was answered before its fill)."""
    return " ".join(answer.splitlines())


def _order(line: str, sandboxes: dict[int, _Sandbox]) -> str:
    verb, *rest = line.split(" ", 2)
    try:
        if verb == "attach":
            pid, home = int(rest[0]), rest[1]
            sandboxes[pid] = _Sandbox(home, pid, _others(sandboxes, None))
        elif verb == "detach":
            sb = sandboxes.pop(int(rest[0]))
            problem = sb.harvest(_others(sandboxes, sb)) if rest[1] == "1" else ""
            sb.close()
            if problem:
                return f"error {problem}"
        else:
            return f"error unknown order {verb!r}"
    except (OSError, ServerError, IndexError, ValueError, KeyError) as exc:
        return f"error {exc}"
    return "ok"


def _others(sandboxes: dict[int, _Sandbox], sb: _Sandbox | None) -> list[int]:
    """The server's descriptors of every sandbox but ``sb``."""
    return [fd for other in sandboxes.values() if other is not sb for fd in other.fds()]


# ------------------------------------------------------------------ runner side


BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from nested_snippets.fakehost.toolserver import main; main(sys.argv[2:])"
)
"""The server's start (``python -I -c BOOT PACKAGE_PARENT UID GID``): isolated mode
puts neither the current directory nor ``PYTHON*`` variables on its path."""


class Server:
    """The runner's handle on its tool server process."""

    def __init__(self, uid: int, gid: int):
        package_parent = str(Path(__file__).resolve().parents[2])
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", BOOT, package_parent, str(uid), str(gid)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd="/",
            env={"PATH": os.defpath},  # none of the runner's variables (CI tokens...)
        )
        if self.proc.stdout.readline().strip() != "ready":
            raise ServerError("the fake tool server did not start")
        self.unanswered = 0

    def order(self, line: str, wait: bool = True) -> None:
        """Send one order; with ``wait``, also read its answer (and earlier ones)."""
        if self.proc.poll() is not None:
            raise ServerError("the fake tool server has stopped")
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        self.unanswered += 1
        if not wait:
            return
        while self.unanswered:
            answer = self.proc.stdout.readline().strip()
            self.unanswered -= 1
            if answer != "ok":
                raise ServerError(f"tool server: {answer or 'no answer'}")

    def attach(self, pid: int, home: Path) -> None:
        if "\n" in str(home) or " " in str(home):
            raise ServerError(f"unusable host directory {home!r}")
        self.order(f"attach {pid} {home}")

    def detach(self, pid: int, keep_writes: bool) -> None:
        """Forget a finished sandbox; only waits when its writes are to be kept."""
        self.order(f"detach {pid} {int(keep_writes)}", wait=keep_writes)

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def main(args: list[str]) -> None:
    try:
        serve(int(args[0]), int(args[1]))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise


if __name__ == "__main__":
    main(sys.argv[1:])
