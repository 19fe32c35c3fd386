"""The sandbox's seccomp filter: system calls no snippet needs, denied with an errno.

A classic BPF program (``struct sock_filter`` instructions packed with :mod:`struct`),
handed to bubblewrap with ``--seccomp FD``; bubblewrap loads it as the last step
before it executes the sandbox's first process, after its own mounts, so it binds
every process of the sandbox and nothing of the set-up.  The namespaces stay the
walls; the filter is a limit (SysV IPC memory, which no rlimit or memory watch
counts) and a smaller attack surface:

* SysV IPC (``shmget`` ... ``semtimedop``): ``ENOSYS``, as on a kernel built without
  ``CONFIG_SYSVIPC``;
* every call newer than the runner's strace knows (:data:`UNKNOWN_TO_STRACE`):
  ``ENOSYS``, so that a traced run makes no call the record cannot show;
* ``clone3`` (whose flags no classic filter can read): ``ENOSYS``, on which the C
  library falls back to ``clone``;
* ``ustat`` (x86_64 only; aarch64 never had it): ``ENOSYS``, as on a kernel built
  without it: it answers a file system's free blocks and inodes by device number,
  which no traced call names (review of 2026-12-05, session 18: the /sys tmpfs's free
  inodes counted parameter files of rows the run never read);
* ``memfd_secret``: ``ENOSYS``, what a kernel without secret memory answers
  (review of 2026-12-05, session 21): its pages are mapped into no ``RssAnon`` or
  ``RssShmem``, so the runner's memory watch did not see them, and 16 processes held
  112 MiB under a 64 MiB limit, each within the machine's ``RLIMIT_MEMLOCK``;
* ``io_setup``: ``ENOSYS``, as on a kernel built without AIO (same review): the
  machine has one budget of AIO events for all its processes (``fs.aio-max-nr``), which
  one snippet took whole for as long as it ran;
* ``clone`` with ``CLONE_UNTRACED`` and ``ptrace`` ``PTRACE_ATTACH``/``PTRACE_SEIZE``:
  ``EPERM``, so that every process of a traced run stays under the runner's strace
  (``PTRACE_TRACEME``, with which strace starts its command, stays allowed) and no
  snippet process can take strace over;
* keys, ``bpf``, ``perf_event_open``, ``userfaultfd``, io_uring, module and kexec
  calls, every mount call, ``setns``, ``syslog`` (the machine's kernel log),
  ``process_vm_readv``/``writev``, ``pidfd_getfd``, ``fanotify_init`` and file
  handles: ``EPERM``, what a kernel gives where a sysctl or a missing capability
  forbids them;
* ``setsockopt`` of ``SO_SNDBUF``, ``SO_RCVBUF`` and their ``FORCE`` forms:
  ``EPERM`` (since 2026-12-02), so every socket keeps the machine's default buffers,
  which the runner's memory watch charges for (``sandbox.tree_memory``);
* changing the scheduling or limits of the sandbox's PID 1, which every later command
  of the run inherits (review 14, 2026-12-03: ``taskset -p 1 1`` made the next
  ``nproc`` say 1): ``EPERM`` for ``sched_setaffinity``, ``sched_setscheduler``,
  ``sched_setparam`` and ``sched_setattr`` of pid 1; ``setpriority`` and
  ``ioprio_set`` of process 1, of process group 0 or 1 (PID 1's, where every command
  runs) and of any user (so ``renice -u`` and ``ionice -u`` are refused: every
  command runs as PID 1's uid); ``prlimit64`` of pid 1 with a new limit (reading
  PID 1's limits stays allowed).  A command still changes its own (pid 0 or its own
  pid) and its children's;
* ``socket`` of a family other than ``AF_UNIX``, ``AF_INET``, ``AF_INET6`` and
  ``AF_NETLINK``: ``EAFNOSUPPORT``; of an IP protocol other than the default, ICMP,
  TCP, UDP and ICMPv6, or a netlink protocol other than ``NETLINK_ROUTE``:
  ``EPROTONOSUPPORT``; ``socketpair`` of another family than ``AF_UNIX``:
  ``EAFNOSUPPORT`` (since 2026-12-05), as on a kernel without them: the kernel would
  otherwise load the module of such a family or protocol for the snippet
  (:data:`INET_PROTOCOLS`);
* a seccomp filter of the snippet's own with a listener
  (``SECCOMP_FILTER_FLAG_NEW_LISTENER``): ``EPERM`` (since 2026-12-04), as its
  ``SECCOMP_RET_USER_NOTIF`` answers would hide file calls from strace.  Filters
  without one stay allowed: strace installs its own, and what they return for a
  call (an error, a trap, a trace) never lets the call read unseen.

A system call of another ABI than the machine's (i386 or x32 on x86_64, arm32 on
aarch64) gets ``ENOSYS``: none of the numbers below applies to it.  On an
architecture without a table here :func:`program` raises :class:`Unsupported` and
the runner refuses to run (one message): without the filter a snippet's SysV memory
would be unbounded and its system calls would answer differently from one machine
to the next.
"""

from __future__ import annotations

import errno
import functools
import struct

# Syscall numbers: Linux's arch/x86/entry/syscalls/syscall_64.tbl (x86_64) and
# include/uapi/asm-generic/unistd.h (aarch64), checked against the uapi headers of
# Debian's linux-libc-dev 6.1.187 on 2026-12-02 (tests/test_sandbox_seccomp.py
# compares them with the headers wherever they are installed).
SYSCALLS: dict[str, tuple[int, int | None]] = {
    # name: (x86_64, aarch64; None: the architecture has no such call)
    "shmget": (29, 194), "shmat": (30, 196), "shmdt": (67, 197), "shmctl": (31, 195),
    "msgget": (68, 186), "msgsnd": (69, 189), "msgrcv": (70, 188), "msgctl": (71, 187),
    "semget": (64, 190), "semop": (65, 193), "semctl": (66, 191), "semtimedop": (220, 192),
    "clone3": (435, 435), "clone": (56, 220), "ptrace": (101, 117),
    "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218),
    "bpf": (321, 280), "perf_event_open": (298, 241), "userfaultfd": (323, 282),
    "io_uring_setup": (425, 425), "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
    "kexec_load": (246, 104), "kexec_file_load": (320, 294),
    "init_module": (175, 105), "finit_module": (313, 273), "delete_module": (176, 106),
    "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41),
    "fsopen": (430, 430), "fsconfig": (431, 431), "fsmount": (432, 432),
    "fspick": (433, 433), "open_tree": (428, 428), "move_mount": (429, 429),
    "mount_setattr": (442, 442), "setns": (308, 268), "syslog": (103, 116),
    "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "pidfd_getfd": (438, 438), "fanotify_init": (300, 262),
    "name_to_handle_at": (303, 264), "open_by_handle_at": (304, 265),
    "setsockopt": (54, 208),
    "sched_setaffinity": (203, 122), "sched_setscheduler": (144, 119),
    "sched_setparam": (142, 118), "sched_setattr": (314, 274),
    "setpriority": (141, 140), "ioprio_set": (251, 30), "prlimit64": (302, 261),
    "seccomp": (317, 277), "ustat": (136, None), "socket": (41, 198),
    "socketpair": (53, 199), "memfd_secret": (447, 447), "io_setup": (206, 0),
}  # fmt: skip
SYSV = ("shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl",
        "semget", "semop", "semctl", "semtimedop")  # fmt: skip
ENOSYS_CALLS = (*SYSV, "clone3", "ustat", "memfd_secret", "io_setup")
UNKNOWN_TO_STRACE = 451
"""System calls from this number on (the same in both tables since Linux 5.1) fail with
``ENOSYS``, as on a kernel that predates them: strace 6.1, the runner's tracer, knows
none of them (``strace -e trace=cachestat`` and ``fchmodat2``, ``getxattrat``: "invalid
system call", checked 2026-12-03 on Linux 6.18), so it would not record them, and
several look a path up (``fchmodat2`` 452, ``getxattrat`` 464, ``listxattrat`` 465,
``file_getattr`` 468): ``getxattrat(AT_FDCWD, "/sys/module/kvm_amd", ...)`` told
whether a module was loaded without a trace of it (review of 2026-12-03, session 10).
The last number strace 6.1 knows is 450 (``set_mempolicy_home_node``)."""
PID1_SCHEDULING = ("sched_setaffinity", "sched_setscheduler", "sched_setparam", "sched_setattr")
"""Calls whose first argument is the pid they change (0: the caller)."""
ARGUMENT_RULES = ("clone", "ptrace", "setsockopt", *PID1_SCHEDULING, "setpriority",
                  "ioprio_set", "prlimit64", "seccomp", "socket", "socketpair")  # fmt: skip
"""Calls denied for some arguments only (see :func:`program`)."""
EPERM_CALLS = tuple(n for n in SYSCALLS if n not in (*ENOSYS_CALLS, *ARGUMENT_RULES))

ARCHES = {  # ELF e_machine of the machine's perl: (name, AUDIT_ARCH_*, table column)
    62: ("x86_64", 0xC000003E, 0),
    183: ("aarch64", 0xC00000B7, 1),
}
"""AUDIT_ARCH_* values: include/uapi/linux/audit.h (EM_X86_64 or EM_AARCH64, with
__AUDIT_ARCH_64BIT and __AUDIT_ARCH_LE)."""
X32_BIT = 0x40000000
CLONE_UNTRACED = 0x00800000
PTRACE_ATTACH, PTRACE_SEIZE = 16, 0x4206
SECCOMP_FILTER_FLAG_NEW_LISTENER = 8
"""include/uapi/linux/seccomp.h (Linux 5.0 and later)."""

# classic BPF (include/uapi/linux/filter.h, linux/seccomp.h)
LD_ABS_W = 0x20  # BPF_LD | BPF_W | BPF_ABS
JEQ, JGE, JSET = 0x15, 0x35, 0x45  # BPF_JMP | BPF_K with JEQ, JGE, JSET
RET = 0x06  # BPF_RET | BPF_K
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
NR, ARCH, ARG0, ARG1, ARG2 = 0, 4, 16, 24, 32  # offsets in struct seccomp_data
# (args: the little-endian low word, all the kernel reads of an int argument)
SOL_SOCKET = 1
PRIO_PROCESS, PRIO_PGRP, PRIO_USER = 0, 1, 2  # include/uapi/linux/resource.h
IOPRIO_WHO_PROCESS, IOPRIO_WHO_PGRP, IOPRIO_WHO_USER = 1, 2, 3  # include/uapi/linux/ioprio.h
AF_UNIX, AF_INET, AF_INET6, AF_NETLINK = 1, 2, 10, 16  # include/linux/socket.h
INET_PROTOCOLS = (0, 1, 6, 17, 58)
"""IPPROTO_IP (the type's default), ICMP, TCP, UDP, ICMPV6 (include/uapi/linux/in.h,
in6.h): the protocols of the families every kernel builds in.  Any other family, IP
protocol or netlink protocol but NETLINK_ROUTE (0) may be a module, which the kernel
loads on demand for any caller (``request_module("net-pf-%d")`` in ``__sock_create()``,
``"net-pf-%d-proto-%d-type-%d"`` in ``inet_create()``, ``"net-pf-%d-proto-%d"`` in
``netlink_create()``; net/socket.c, net/ipv4/af_inet.c, net/netlink/af_netlink.c at
6.18.2): a snippet must not make the machine's kernel load a module (review of
2026-12-05, session 18)."""
BUFFER_SIZES = (7, 8, 32, 33)
"""SO_SNDBUF, SO_RCVBUF, SO_SNDBUFFORCE, SO_RCVBUFFORCE (include/uapi/asm-generic/
socket.h, which x86_64 and aarch64 both use)."""


class Unsupported(RuntimeError):
    """This machine's architecture has no table here."""


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def _deny(err: int) -> bytes:
    return _insn(RET, RET_ERRNO | err)


def elf_machine(path: str) -> int:
    """The ELF ``e_machine`` of a 64-bit little-endian executable, else 0."""
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return 0
    if len(head) < 20 or head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
        return 0
    return struct.unpack_from("<H", head, 18)[0]


def _search(blocks: list[tuple[int, list[bytes]]]) -> list[bytes]:
    """A binary search over the sorted syscall numbers (in the accumulator), each
    leaf a few comparisons; every path ends in a return.  Every system call passes
    the filter, so it costs ~7 comparisons instead of one for each rule."""
    if len(blocks) > 3:
        mid = len(blocks) // 2
        low = _search(blocks[:mid])
        return [_insn(JGE, blocks[mid][0], len(low), 0), *low, *_search(blocks[mid:])]
    code = []
    for number, block in blocks:
        code += [_insn(JEQ, number, 0, len(block)), *block]
    return [*code, _insn(RET, RET_ALLOW)]


def _reaches_pid1(process: int, pgrp: int, user: int) -> list[bytes]:
    """``setpriority``/``ioprio_set(which, who, ...)``: ``EPERM`` where ``who`` may
    take in PID 1: process 1, process group 0 or 1 (every command runs in PID 1's),
    any user (every command runs as PID 1's uid)."""
    return [
        _insn(LD_ABS_W, ARG0), _insn(JEQ, user, 7, 0), _insn(JEQ, process, 3, 0),
        _insn(JEQ, pgrp, 0, 4), _insn(LD_ABS_W, ARG1), _insn(JEQ, 0, 3, 0),
        _insn(LD_ABS_W, ARG1), _insn(JEQ, 1, 1, 0), _insn(RET, RET_ALLOW),
        _deny(errno.EPERM),
    ]  # fmt: skip


@functools.cache
def program(executable: str) -> bytes:
    """The filter for the architecture ``executable`` (the sandbox's perl) runs on."""
    machine = elf_machine(executable)
    if machine not in ARCHES:
        raise Unsupported(
            f"the snippet sandbox's seccomp filter knows the system calls of x86_64 and "
            f"aarch64 only, and {executable} is of another architecture (ELF machine "
            f"{machine}): add its numbers to nested_snippets/runner/seccomp.py"
        )
    _name, audit, col = ARCHES[machine]
    nr = {name: numbers[col] for name, numbers in SYSCALLS.items() if numbers[col] is not None}
    code = [_insn(LD_ABS_W, ARCH), _insn(JEQ, audit, 1, 0), _deny(errno.ENOSYS),
            _insn(LD_ABS_W, NR)]  # fmt: skip
    if audit == 0xC000003E:  # x32 calls carry the x32 bit in their number
        code += [_insn(JSET, X32_BIT, 0, 1), _deny(errno.ENOSYS)]
    code += [_insn(JGE, UNKNOWN_TO_STRACE, 0, 1), _deny(errno.ENOSYS)]
    blocks = {nr[n]: [_deny(errno.ENOSYS)] for n in ENOSYS_CALLS if n in nr}
    blocks |= {nr[n]: [_deny(errno.EPERM)] for n in EPERM_CALLS if n in nr}
    # clone: CLONE_UNTRACED in the flags (its first argument in both tables)
    blocks[nr["clone"]] = [_insn(LD_ABS_W, ARG0), _insn(JSET, CLONE_UNTRACED, 0, 1),
                           _deny(errno.EPERM), _insn(RET, RET_ALLOW)]  # fmt: skip
    # ptrace: attaching to a process that is not yet one's tracee
    blocks[nr["ptrace"]] = [_insn(LD_ABS_W, ARG0), _insn(JEQ, PTRACE_ATTACH, 2, 0),
                            _insn(JEQ, PTRACE_SEIZE, 1, 0), _insn(RET, RET_ALLOW),
                            _deny(errno.EPERM)]  # fmt: skip
    # setsockopt: a socket's buffer sizes (level SOL_SOCKET), which would let one
    # socket queue up to net.core.wmem_max, beyond what the memory watch counts
    n = len(BUFFER_SIZES)
    blocks[nr["setsockopt"]] = [
        _insn(LD_ABS_W, ARG1), _insn(JEQ, SOL_SOCKET, 0, n + 1), _insn(LD_ABS_W, ARG2),
        *(_insn(JEQ, opt, n - i, 0) for i, opt in enumerate(BUFFER_SIZES)),
        _insn(RET, RET_ALLOW), _deny(errno.EPERM),
    ]  # fmt: skip
    # the scheduling of PID 1, which every later command of the run inherits
    for name in PID1_SCHEDULING:
        blocks[nr[name]] = [_insn(LD_ABS_W, ARG0), _insn(JEQ, 1, 0, 1), _deny(errno.EPERM),
                            _insn(RET, RET_ALLOW)]  # fmt: skip
    blocks[nr["setpriority"]] = _reaches_pid1(PRIO_PROCESS, PRIO_PGRP, PRIO_USER)
    blocks[nr["ioprio_set"]] = _reaches_pid1(IOPRIO_WHO_PROCESS, IOPRIO_WHO_PGRP,
                                             IOPRIO_WHO_USER)  # fmt: skip
    # prlimit64(1, resource, new_limit, old_limit) with a new limit (a 64-bit pointer)
    blocks[nr["prlimit64"]] = [
        _insn(LD_ABS_W, ARG0), _insn(JEQ, 1, 0, 4), _insn(LD_ABS_W, ARG2),
        _insn(JEQ, 0, 0, 3), _insn(LD_ABS_W, ARG2 + 4), _insn(JEQ, 0, 0, 1),
        _insn(RET, RET_ALLOW), _deny(errno.EPERM),
    ]  # fmt: skip
    # seccomp(op, flags, args) asking for a listener: a snippet's own filter could then
    # answer SECCOMP_RET_USER_NOTIF, which takes precedence over strace's RET_TRACE, for
    # a file call that its supervisor lets through unseen (review of 2026-12-04, session
    # 17: an open left out of a record that vouched for the run)
    blocks[nr["seccomp"]] = [_insn(LD_ABS_W, ARG1),
                             _insn(JSET, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0, 1),
                             _deny(errno.EPERM), _insn(RET, RET_ALLOW)]  # fmt: skip
    # socket(domain, type, protocol): the families and protocols every kernel builds
    # in; the others fail as on a kernel without them, before any module is asked for
    allow_at, n = 8 + len(INET_PROTOCOLS) + 3, len(INET_PROTOCOLS)
    blocks[nr["socket"]] = [
        _insn(LD_ABS_W, ARG0),
        _insn(JEQ, AF_UNIX, allow_at - 2, 0),
        _insn(JEQ, AF_INET, 3, 0),
        _insn(JEQ, AF_INET6, 2, 0),
        _insn(JEQ, AF_NETLINK, n + 3, 0),
        _deny(errno.EAFNOSUPPORT),
        _insn(LD_ABS_W, ARG2),
        *(_insn(JEQ, proto, n - i + 3, 0) for i, proto in enumerate(INET_PROTOCOLS)),
        _deny(errno.EPROTONOSUPPORT),
        _insn(LD_ABS_W, ARG2),
        _insn(JEQ, 0, 1, 0),  # NETLINK_ROUTE
        _deny(errno.EPROTONOSUPPORT),
        _insn(RET, RET_ALLOW),
    ]
    # socketpair: only AF_UNIX has pairs; another family would still be looked up
    blocks[nr["socketpair"]] = [_insn(LD_ABS_W, ARG0), _insn(JEQ, AF_UNIX, 1, 0),
                                _deny(errno.EAFNOSUPPORT), _insn(RET, RET_ALLOW)]  # fmt: skip
    code += _search(sorted(blocks.items()))
    return b"".join(code)
