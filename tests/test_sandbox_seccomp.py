"""The sandbox's seccomp filter (nested_snippets/runner/seccomp.py), tried from inside:
each denied system call fails with its errno, SysV shared memory can no longer hold
memory past the run's limit, and what snippets and strace need still works."""

from __future__ import annotations

import re
import struct
import textwrap
from pathlib import Path

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import sandbox, seccomp
from nested_snippets.runner.run import execute, fake_host
from nested_snippets.runner.sandbox import Limits

LIMITS = Limits(seconds=30, output_bytes=256 * 1024, memory_bytes=1 << 30, processes=48)


def _python(script: str, limits: Limits = LIMITS) -> list[str]:
    """Run ``script`` with the machine's python3 inside a sandbox; its output lines."""
    command = "python3 - <<'EOF'\n" + textwrap.dedent(script) + "EOF"
    with fake_host(Scenario(arch="amd", kernel="6.6")) as host:
        got = execute(host, command, limits)
    assert got.status == 0, got
    return got.output


SYSCALL = """\
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(nr, *args):
    args = [ctypes.c_long(a) for a in args]
    return libc.syscall(ctypes.c_long(nr), *args), ctypes.get_errno()
"""


def test_sysv_shared_memory_cannot_hold_memory_past_the_limit():
    """Measured before the filter (2026-12-02): four 48 MiB segments, filled and
    detached, ran under a 64 MiB limit (the watch counts mapped pages only)."""
    script = """\
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    made = 0
    for _ in range(4):
        seg = libc.shmget(0, 48 << 20, 0o1600)
        if seg < 0:
            print("shmget:", ctypes.get_errno())
            continue
        at = libc.shmat(seg, None, 0)
        ctypes.memset(at, 1, 48 << 20)
        libc.shmdt(ctypes.c_void_p(at))
        made += 1
    print("made", made)
    """
    small = Limits(seconds=30, output_bytes=64 * 1024, memory_bytes=64 << 20, processes=48)
    assert _python(script, small) == ["shmget: 38"] * 4 + ["made 0"]  # ENOSYS


def test_ipcmk_says_the_kernel_has_no_sysv_ipc():
    with fake_host(Scenario(arch="amd", kernel="6.6")) as host:
        got = execute(host, "ipcmk -M 1M; echo $?; ipcmk -Q; echo $?; ipcmk -S 1; echo $?")
    assert got.output == [
        "ipcmk: create share memory failed: Function not implemented", "1",
        "ipcmk: create message queue failed: Function not implemented", "1",
        "ipcmk: create semaphore failed: Function not implemented", "1",
    ], got  # fmt: skip


# fmt: off
DENIED = {
    # authored: the errno each call must give inside (arguments are all zero, so even
    # an allowed call could change nothing)
    **{name: 38 for name in ("shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd",
                             "msgrcv", "msgctl", "semget", "semop", "semctl", "semtimedop",
                             "clone3", "ustat", "memfd_secret", "io_setup")},  # ENOSYS  # fmt: skip
    **{name: 1 for name in ("keyctl", "add_key", "request_key", "bpf", "perf_event_open",
                            "userfaultfd", "io_uring_setup", "io_uring_enter",
                            "io_uring_register", "kexec_load", "kexec_file_load",
                            "init_module", "finit_module", "delete_module", "mount",
                            "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount",
                            "fspick", "open_tree", "move_mount", "mount_setattr", "setns",
                            "syslog", "process_vm_readv", "process_vm_writev",
                            "pidfd_getfd", "fanotify_init", "name_to_handle_at",
                            "open_by_handle_at")},  # EPERM  # fmt: skip
}
# fmt: on


def test_every_denied_call_fails_with_its_errno():
    assert set(DENIED) == set(seccomp.SYSCALLS) - {
        "clone", "ptrace", "setsockopt", "sched_setaffinity", "sched_setscheduler",
        "sched_setparam", "sched_setattr", "setpriority", "ioprio_set", "prlimit64",
        "seccomp", "socket", "socketpair",
    }  # fmt: skip
    column = {62: 0, 183: 1}[seccomp.elf_machine(sandbox.pid1.PERL)]
    names = sorted(n for n in DENIED if seccomp.SYSCALLS[n][column] is not None)
    numbers = [seccomp.SYSCALLS[n][column] for n in names]
    script = SYSCALL + f"for nr in {numbers!r}:\n    print(*call(nr, 0, 0, 0, 0, 0, 0))\n"
    got = _python(script)
    assert dict(zip(names, got, strict=True)) == {n: f"-1 {DENIED[n]}" for n in names}


def test_ptrace_attach_and_untraced_clones_are_denied_while_fork_threads_and_traceme_work():
    column = {62: 0, 183: 1}[seccomp.elf_machine(sandbox.pid1.PERL)]
    ptrace, clone = seccomp.SYSCALLS["ptrace"][column], seccomp.SYSCALLS["clone"][column]
    script = (
        SYSCALL
        + f"""\
import signal, threading, time
child = os.fork()
if child == 0:
    time.sleep(5)
    os._exit(0)
print("attach", *call({ptrace}, 16, child, 0, 0))
print("seize", *call({ptrace}, 0x4206, child, 0, 0))
os.kill(child, signal.SIGKILL); os.waitpid(child, 0)
pid, err = call({clone}, 0x00800000 | signal.SIGCHLD, 0, 0, 0, 0)
if pid == 0:
    os._exit(0)
print("untraced clone", -1 if pid < 0 else "made", err)
if pid > 0:
    os.waitpid(pid, 0)
child = os.fork()
if child == 0:
    call({ptrace}, 0, 0, 0, 0)  # PTRACE_TRACEME: the parent traces it
    os.kill(os.getpid(), signal.SIGSTOP)
    os._exit(0)
_, status = os.waitpid(child, 0)
print("traceme stopped", os.WIFSTOPPED(status))
call({ptrace}, 7, child, 0, 0)  # PTRACE_CONT
print("traceme exit", os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]))
t = threading.Thread(target=lambda: print("thread ran"))
t.start(); t.join()
"""
    )
    assert _python(script) == [
        "attach -1 1", "seize -1 1", "untraced clone -1 1",
        "traceme stopped True", "traceme exit 0", "thread ran",
    ]  # fmt: skip


@pytest.mark.skipif(not sandbox.can_trace(), reason="strace is not installed")
def test_strace_still_follows_every_process():
    with fake_host(Scenario(arch="amd", kernel="6.6")) as host:
        got = sandbox.run(host.home, ["(cat /proc/version) & wait; echo ok"], LIMITS, trace=True)
    assert got[0].output == b"Linux version 6.6.0-fake-amd64 (fake@fakehost) #1 SMP\nok\n"
    assert b'"/proc/version"' in got[0].trace, got[0].trace


def test_an_architecture_without_a_table_is_refused_with_one_message(tmp_path):
    ppc = tmp_path / "python3"
    ppc.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(11) + (21).to_bytes(2, "little") + bytes(40))
    with pytest.raises(seccomp.Unsupported, match=r"x86_64 and aarch64 only.*ELF machine 21.*"
                       r"add its numbers to nested_snippets/runner/seccomp\.py"):  # fmt: skip
        seccomp.program(str(ppc))


HEADERS = {
    0: Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
    1: Path("/usr/include/asm-generic/unistd.h"),
}


@pytest.mark.parametrize("column", [0, 1], ids=["x86_64", "aarch64"])
def test_the_numbers_are_the_kernel_headers(column):
    header = HEADERS[column]
    if not header.is_file():
        pytest.skip(f"{header} is not installed (Debian: linux-libc-dev)")
    defined = dict(re.findall(r"#define __NR_(\w+)\s+(\d+)\b", header.read_text()))
    for name, numbers in {**seccomp.SYSCALLS, **sandbox.pid1.SYSCALLS}.items():
        if numbers[column] is None:  # the architecture has no such call
            assert name not in defined, (header, name)
            continue
        assert defined.get(name) == str(numbers[column]), (header, name)


def test_the_filter_program_is_whole_instructions():
    """Whole instructions, at most BPF_MAXINSNS (4096, include/uapi/linux/bpf_common.h),
    every jump landing inside the program and the last instruction a return.  (Until
    review s21 the bound was 255 instructions, so that no jump could be too long for
    its 8-bit offset; the binary search keeps each jump short at any length, and
    ``struct.pack`` refuses a longer one when the program is built.)"""
    code = seccomp.program(sandbox.pid1.PERL)
    assert len(code) % 8 == 0 and len(code) // 8 <= 4096, len(code)
    insns = [struct.unpack_from("=HBBI", code, at) for at in range(0, len(code), 8)]
    for pc, (op, jt, jf, _k) in enumerate(insns):
        if op & 0x07 == 0x05:  # BPF_JMP
            assert pc + 1 + max(jt, jf) < len(insns), pc
    assert insns[-1][0] == 0x06  # BPF_RET


def test_the_sandbox_is_started_with_the_filter(monkeypatch):
    seen = []
    popen = sandbox.subprocess.Popen

    def spy(argv, **kw):
        seen.append(argv)
        return popen(argv, **kw)

    monkeypatch.setattr(sandbox.subprocess, "Popen", spy)
    with fake_host(Scenario(arch="amd", kernel="6.6")) as host:
        execute(host, "true")
    argv = seen[-1]
    assert argv.index("--seccomp") < argv.index(sandbox.pid1.PERL)


def _verdict(code: bytes, nr: int, arch: int, arg0: int = 0, *more: int) -> int:
    """What the classic BPF program ``code`` returns for one system call (an
    interpreter of the few instructions a filter of this kind uses)."""
    args = (arg0, *more, *(0,) * (5 - len(more)))
    data = struct.pack("<iI", nr, arch) + bytes(8) + struct.pack("<6Q", *args)
    insns = [struct.unpack_from("=HBBI", code, at) for at in range(0, len(code), 8)]
    pc, acc = 0, 0
    while True:
        op, jt, jf, k = insns[pc]
        if op == 0x20:
            acc = struct.unpack_from("<I", data, k)[0]
        elif op == 0x06:
            return k
        else:
            taken = {0x15: acc == k, 0x35: acc >= k, 0x45: bool(acc & k)}[op]
            pc += jt if taken else jf
        pc += 1


def _filter_for(machine: int, tmp_path) -> tuple[bytes, int, int]:
    """(the filter for an executable of ELF ``machine``, its table column, its AUDIT_ARCH),
    built from a stub that has only the ELF header's fields the filter reads."""
    exe = tmp_path / "perl"
    exe.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(11) + machine.to_bytes(2, "little") + bytes(40))
    column, audit = {62: (0, 0xC000003E), 183: (1, 0xC00000B7)}[machine]
    return seccomp.program(str(exe)), column, audit


@pytest.mark.parametrize("machine", [62, 183], ids=["x86_64", "aarch64"])
def test_every_number_gets_the_authored_verdict(machine, tmp_path):
    code, column, audit = _filter_for(machine, tmp_path)
    number = {name: nrs[column] for name, nrs in seccomp.SYSCALLS.items()}
    allow, eperm, enosys = 0x7FFF0000, 0x50001, 0x50026
    want = {number[name]: 0x50000 | err for name, err in DENIED.items() if number[name] is not None}
    want[number["socket"]] = want[number["socketpair"]] = 0x50000 | 97  # AF_UNSPEC
    for nr in range(600):  # from 451 (cachestat, Linux 6.5) on: unknown to strace 6.1
        otherwise = allow if nr < 451 else enosys
        assert _verdict(code, nr, audit) == want.get(nr, otherwise), (machine, nr)
    clone, ptrace = number["clone"], number["ptrace"]
    assert _verdict(code, clone, audit, 0x01200011) == allow  # fork()'s flags
    assert _verdict(code, clone, audit, 0x00800000 | 17) == eperm  # CLONE_UNTRACED
    assert _verdict(code, clone, audit, (1 << 32) | 17) == allow
    for request, verdict in ((0, allow), (7, allow), (16, eperm), (0x4206, eperm),
                             (0x4207, allow), (24, allow)):  # fmt: skip
        assert _verdict(code, ptrace, audit, request) == verdict, request
    setsockopt = number["setsockopt"]
    for level, option, verdict in ((1, 7, eperm), (1, 8, eperm), (1, 32, eperm),
                                   (1, 33, eperm), (1, 2, allow), (1, 9, allow),
                                   (6, 7, allow), (0, 8, allow), (1 | 1 << 32, 7, eperm),
                                   (1, 7 | 1 << 32, eperm)):  # fmt: skip
        assert _verdict(code, setsockopt, audit, 3, level, option) == verdict, (level, option)
    for name in ("sched_setaffinity", "sched_setscheduler", "sched_setparam", "sched_setattr"):
        for pid, verdict in ((1, eperm), (0, allow), (2, allow), (1 | 1 << 32, eperm)):
            assert _verdict(code, number[name], audit, pid) == verdict, (name, pid)
    # setpriority: PRIO_PROCESS 0, PRIO_PGRP 1, PRIO_USER 2; ioprio_set: one more each
    for name, base in (("setpriority", 0), ("ioprio_set", 1)):
        for which, who, verdict in ((0, 1, eperm), (0, 0, allow), (0, 7, allow),
                                    (1, 0, eperm), (1, 1, eperm), (1, 7, allow),
                                    (2, 0, eperm), (2, 1000, eperm), (3, 1, allow),
                                    (0, 1 | 1 << 32, eperm)):  # fmt: skip
            got = _verdict(code, number[name], audit, base + which, who, 19)
            assert got == verdict, (name, which, who)
    prlimit = number["prlimit64"]
    for pid, new, verdict in ((1, 0, allow), (1, 0x7FFF0000, eperm), (1, 1 << 40, eperm),
                              (0, 0x7FFF0000, allow), (7, 0x7FFF0000, allow)):  # fmt: skip
        assert _verdict(code, prlimit, audit, pid, 7, new, 0x7FFF1000) == verdict, (pid, new)
    # seccomp(SECCOMP_SET_MODE_FILTER, flags, prog): a listener (flag 8) is refused,
    # other flags (TSYNC 1, LOG 2, SPEC_ALLOW 4) and operations are not (review s17)
    for op, flags, verdict in ((1, 8, eperm), (1, 8 | 1, eperm), (1, 0, allow), (1, 1, allow),
                               (1, 2 | 4, allow), (0, 0, allow), (3, 0, allow)):  # fmt: skip
        assert _verdict(code, number["seccomp"], audit, op, flags, 0) == verdict, (op, flags)
    assert _verdict(code, 39, 0x40000003) == enosys  # i386 (AUDIT_ARCH_I386) or arm32
    if machine == 62:
        assert _verdict(code, 0x40000000 | 39, audit) == enosys  # x32


# authored: (domain, type, protocol) -> verdict; a family or protocol that may be a module
# must fail before the kernel asks for it (review s18: it loads it for any caller)
SOCKETS = {
    (1, 1, 0): "allow", (1, 2, 0): "allow",  # AF_UNIX stream, datagram
    (2, 1, 0): "allow", (2, 1, 6): "allow", (2, 2, 17): "allow", (2, 2, 1): "allow",
    (10, 1, 6): "allow", (10, 2, 58): "allow", (2, 0x80801, 6): "allow",  # CLOEXEC|NONBLOCK
    (16, 3, 0): "allow",  # NETLINK_ROUTE
    (2, 1, 132): 93, (10, 1, 132): 93, (2, 6, 33): 93,  # SCTP, DCCP: EPROTONOSUPPORT
    (16, 3, 4): 93, (16, 3, 21): 93,  # NETLINK_SOCK_DIAG, another netlink protocol
    (5, 2, 0): 97, (29, 3, 1): 97, (31, 5, 1): 97, (38, 5, 0): 97, (0, 1, 0): 97,
    # AppleTalk, CAN, Bluetooth, AF_ALG, AF_UNSPEC: EAFNOSUPPORT
}  # fmt: skip


@pytest.mark.parametrize("machine", [62, 183], ids=["x86_64", "aarch64"])
def test_sockets_of_families_and_protocols_that_may_be_modules_are_refused(machine, tmp_path):
    code, column, audit = _filter_for(machine, tmp_path)
    socket = seccomp.SYSCALLS["socket"][column]
    pair = seccomp.SYSCALLS["socketpair"][column]
    got = {args: _verdict(code, socket, audit, *args) for args in SOCKETS}
    want = {a: 0x7FFF0000 if v == "allow" else 0x50000 | v for a, v in SOCKETS.items()}
    assert got == want
    assert _verdict(code, pair, audit, 1, 1, 0) == 0x7FFF0000
    assert _verdict(code, pair, audit, 2, 1, 0) == 0x50000 | 97


def test_the_sockets_a_snippet_may_need_still_work():
    """Only the allowed kinds are made here: a refused family tried for real would make
    this machine's kernel load its module if the filter let it through."""
    script = """\
import socket
for args in ((socket.AF_UNIX, socket.SOCK_STREAM), (socket.AF_INET, socket.SOCK_STREAM),
             (socket.AF_INET6, socket.SOCK_DGRAM), (socket.AF_NETLINK, socket.SOCK_RAW, 0)):
    socket.socket(*args).close()
a, b = socket.socketpair()
print("made")
"""
    assert _python(script) == ["made"]
