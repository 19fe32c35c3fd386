"""Review of 2026-12-03 (session 10): a hostile snippet against the strace record and
:func:`nested_snippets.runner.shared.read_paths`.  Each test is a way to learn
something of the trees that the record did not name; the record must then name it or
vouch for nothing (``read_paths`` is None)."""

from __future__ import annotations

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import sandbox, shared
from nested_snippets.runner.run import fake_host
from nested_snippets.runner.sandbox import Limits

LIMITS = Limits(seconds=30, output_bytes=256 * 1024, memory_bytes=1 << 30, processes=48)
LOADED, ABSENT = "/sys/module/kvm_intel", "/sys/module/kvm_amd"
"""On an Intel fake host."""
needs_strace = pytest.mark.skipif(not sandbox.can_trace(), reason="strace is not installed")


def _traced(command: str) -> tuple[str, str]:
    with fake_host(Scenario(arch="intel", kernel="6.12")) as host:
        got = sandbox.run(host.home, [command], LIMITS, trace=True)[0]
    return got.output.decode(), got.trace.decode("utf-8", "replace")


def _names_or_refuses(trace: str, path: str) -> bool:
    read = shared.read_paths([trace], "R")
    return read is None or path in read[0]


PY_SYSCALL = (
    "python3 -c 'import ctypes, os, sys\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "for p in sys.argv[2:]:\n"
    "    r = libc.syscall(int(sys.argv[1]), -100, p.encode(), {args})\n"
    "    print(r, os.strerror(ctypes.get_errno()))' {nr} {paths}"
)


@needs_strace
@pytest.mark.parametrize(
    ("call", "nr", "args"),
    [("listxattrat", 465, "0, None, 0"), ("fchmodat2", 452, "0o755, 0")],
)
def test_a_call_strace_does_not_know_tells_nothing(call, nr, args):
    """strace 6.1 records none of the calls added after Linux 6.1, some of which look
    a path up: whether a module is loaded showed without a trace of it."""
    out, _trace = _traced(PY_SYSCALL.format(args=args, nr=nr, paths=f"{LOADED} {ABSENT}"))
    lines = out.splitlines()
    assert len(lines) == 2, out
    assert lines[0] == lines[1], (call, lines)  # the same answer, present or absent


UNIX = (
    "python3 -c 'import socket, sys\n"
    "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
    "try:\n"
    "    {call}\n"
    '    print("ok")\n'
    "except OSError as e:\n"
    "    print(e.errno)'"
)


@needs_strace
@pytest.mark.parametrize(
    "call", ['s.bind("{path}")', 's.sendto(b"x", "{path}")'], ids=["bind", "sendto"]
)
def test_a_unix_socket_name_is_in_the_record(call):
    """``bind`` and ``sendto`` of an ``AF_UNIX`` path look it up (ENOENT where a
    directory on the way is absent), and were not traced."""
    path = f"{ABSENT}/sock"
    out, trace = _traced(UNIX.format(call=call.format(path=path)))
    assert out.strip() == "2", out  # ENOENT: kvm_amd is not loaded
    assert _names_or_refuses(trace, path), shared.read_paths([trace], "R")


SPLIT_CLONE = """\
9     execve("/usr/bin/python3", ["python3", "x.py"], 0x5571dad11580 /* 11 vars */) = 0
9     clone(child_stack=0x7f519f04ef70, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|\
CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID <unfinished ...>
8     newfstatat(AT_FDCWD, "/x", 0x7ffd1fd0a3a0, 0) = -1 ENOENT (No such file or directory)
9     <... clone resumed>, parent_tid=[11], tls=0x7f519f04f6c0, child_tidptr=0x7f519f04f990) = 11
11    chdir("/" <unfinished ...>
11    <... chdir resumed>)              = 0
11    +++ exited with 0 +++
9     newfstatat(AT_FDCWD, "sys/module/kvm/parameters/allow_unsafe_mappings", \
0x7ffc5d0d0a40, 0) = -1 ENOENT (No such file or directory)
9     +++ exited with 0 +++
8     +++ exited with 0 +++
"""
"""A thread (CLONE_FS) changes the directory of the whole process; its clone was cut by
another process's line, so the flags are on the first line only (the form taken from
a traced run of ``( for ...; do test -e /x; done ) & python3 -c '...'`` whose thread
called ``os.chdir("/")``)."""


def test_a_thread_made_by_a_cut_clone_shares_the_directory():
    read = shared.read_paths([SPLIT_CLONE], "R")
    assert read is None or "/sys/module/kvm/parameters/allow_unsafe_mappings" in read[0], read


@needs_strace
def test_an_interpreter_named_by_a_script_is_in_the_record():
    """The kernel looks up a script's ``#!`` interpreter (and an ELF's PT_INTERP)
    without a call naming it: ENOENT (127) where the path is absent, EACCES (126)
    where it is a directory or a file of the trees."""
    path = f"{ABSENT}/parameters"
    out, trace = _traced(f"printf '#!{path}\\n' > /root/s; chmod +x /root/s; /root/s; echo $?")
    assert out.splitlines()[-1] == "127", out
    assert _names_or_refuses(trace, path), shared.read_paths([trace], "R")


@needs_strace
@pytest.mark.parametrize(
    "command",
    [
        "cat /usr/bin/X11/../../sys/module/kvm_intel/parameters/nested",
        "cd -P /usr/bin/X11/../..; cat sys/module/kvm_intel/parameters/nested",
        "mkdir /proc/self /proc/self/fd; cat /dev/f''d/../../cmdline >/dev/null && echo Y",
    ],
    ids=["name", "cd", "dev-fd"],
)
def test_a_dotdot_after_a_link_goes_up_from_where_the_link_leads(command):
    """``/usr/bin/X11`` is a link to ``.`` (Debian's x11-common; the test is skipped
    where it is not), ``/dev/fd`` one to ``/proc/self/fd``: ``..`` after them is not
    what ``os.path.normpath`` makes of it."""
    if "X11" in command and sandbox.os.readlink("/usr/bin/X11") != ".":
        pytest.skip("/usr/bin/X11 is not a link to . here")
    out, trace = _traced(command)
    assert out == "Y\n", out
    read = shared.read_paths([trace], "R")
    assert read is None or any(p.startswith(("/sys/module/kvm_intel", "/proc/cmdline"))
                               for p in read[0]), read  # fmt: skip
