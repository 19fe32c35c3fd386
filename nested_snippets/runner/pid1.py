"""PID 1 of a snippet sandbox: runs its commands one after the other and writes their results.

The machine's ``perl`` runs :data:`SCRIPT` (``pid1.pl`` beside this file) as the
sandbox's first process (``bwrap --as-pid-1``): :func:`argv`, :func:`environment`.
Perl, not Python: this process starts once per sandbox, and ``perl -e`` with no module
starts in about a tenth of the CPU time of ``python3 -I -S`` with the C halves of
``ctypes``, ``signal`` and ``resource`` that the Python version of this process needed
(measured by ``tools/bench_run.py``; see :mod:`.shared`, "Where one run's CPU time
goes").  ``perl-base`` is essential in Debian and Ubuntu; :func:`check_perl` names the
package where it is missing.  The script uses core Perl built-ins only, and the system
calls Perl has no built-in for by number (:data:`SYSCALLS`, handed over in the
environment).

Before anything else it makes itself non-dumpable (``prctl(PR_SET_DUMPABLE, 0)``): a
process of the same uid without ``CAP_SYS_PTRACE`` in its user namespace (every
snippet process) can then neither ptrace it nor read its memory, so the run's random
mark, which it reads from a pipe and keeps only in its own memory (never in a child's
environment or arguments), stays secret.  (The seccomp filter denies ``ptrace``
attaching and ``process_vm_readv`` too, and the sandbox's ``/proc`` is the fake
host's, not a procfs.)

Then it sets the run's rlimits on itself (hard and soft, inherited by every command:
``NKG_RLIMITS``), says that it runs (a line on descriptor ``NKG_READY``: bubblewrap's
mounts are then complete, and the tool server fills the fake trees), waits for the
runner's go (the mark, on descriptor ``NKG_GO``), closes every other descriptor, and
runs each argument as ``bash --noprofile --norc -c -- TEXT`` in ``/root`` (under strace
when ``NKG_TRACE`` holds its command line), with stdout and stderr on the runner's
pipe.  While a command runs it reaps every orphan that ends, as an init does (their
zombies would count against the process limit: review of 2026-12-05, session 18),
also while it reads a traced command's record.  After each command it kills every
other process of its PID namespace and reaps them all, then writes ``MARK E I
STATUS`` and its children's CPU times in the format of bash's ``times``; with strace,
``MARK T I`` and the record.  Exit statuses 96, 98 and 99 say which step of the setup
failed (:data:`.sandbox.SETUP_FAILED`).

What a command can change in PID 1 and its pipe is undone or refused before the next
command (review 14): every signal is at its default (what the runner's starter
ignored, ``nohup`` or a shell's ``&``, would else reach every command); the rlimits
are set again before each command, and PID 1 ends with 95
(:data:`.sandbox.LIMITS_LOWERED`) where a command lowered them (``prlimit --pid 1``,
which the kernel allows to a process of PID 1's uid and the seccomp filter refuses
since review 14 break 9, as it refuses changing PID 1's scheduling) or where it
cannot fork or make a pipe, rather than write a status for a command that did not
run; the output pipe, whose open file the commands share, is made blocking again
before PID 1 writes (``O_NONBLOCK`` set by a command made its writes stop at the
first ``EAGAIN``).
A traced command runs untraced, with no record, when ``/etc/ld.so.preload`` exists:
every dynamic loader reads it, strace's too, and a command could plant its own code
in a later command's strace (the loader and libraries themselves are taken from
``/usr``: :func:`.sandbox.trace_command`; so is the gate's shell,
:func:`.sandbox.gate_command`, which runs while the record's name exists).

Traced commands: strace writes the record into a FIFO of ``/run`` (a random name) whose
reading end PID 1 opened first, and which it reads to the end while the command runs
(at most the output limit).  The traced program is a gate (``sh -c GATE sh COMMAND``)
that tells PID 1 that it runs (so strace has opened the FIFO) and waits; the FIFO's
name is then removed, and only then does the gate release the command's ``bash``.  So
no process of the snippet can reach the record: neither by name nor by descriptor (the
seccomp filter denies ``ptrace`` attaching, ``pidfd_getfd`` and ``process_vm_writev``);
the name carries a random part (nothing can be planted there first); and a pipe,
unlike a file, is not cut short when the snippet fills the file system.  The gate
costs 4 to 10 ms of CPU time less than a ``bash`` gate (2026-12-02, medians of 30 to 40
traced runs).  An untraced command is preceded by as many short-lived processes as
strace takes (``NKG_PID_PAD``, :data:`.sandbox.TRACE_PIDS`), so both show the same
process IDs.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
from pathlib import Path

PERL = "/usr/bin/perl"
SCRIPT = Path(__file__).with_name("pid1.pl").read_text()
FILL_PIDS = 1
"""Process IDs taken where PID 1 ran the fake ``_fill`` client until 2026-12-03 (one
``bash``): the tool server now fills the trees at attach, and each command still shows
the process IDs it showed (``echo $$``)."""
SYSCALLS: dict[str, tuple[int, int]] = {
    # name: (x86_64, aarch64), in the order pid1.pl reads them; the sources and the
    # test against the headers (tests/test_sandbox_seccomp.py) are those of .seccomp.SYSCALLS
    "prctl": (157, 167), "setrlimit": (160, 164), "dup3": (292, 24),
    "mknodat": (259, 33), "close_range": (436, 436),
}  # fmt: skip


def argv(commands: list[str]) -> list[str]:
    """The sandbox's first process and its arguments, the commands."""
    return [PERL, "-e", SCRIPT, "--", *commands]


def rlimits(
    output_bytes: int, memory_bytes: int, processes: int, cpu_seconds: int, files: int
) -> str:
    """The run's rlimits as ``NKG_RLIMITS`` (``KIND SOFT HARD`` separated by ``;``): a
    core size of 0, files up to the output limit, the address space, processes, open
    files, and CPU time (its hard limit a second above, so ``SIGXCPU`` comes first)."""
    rows = [
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_FSIZE, output_bytes, output_bytes),
        (resource.RLIMIT_AS, memory_bytes, memory_bytes),
        (resource.RLIMIT_NPROC, processes, processes),
        (resource.RLIMIT_NOFILE, files, files),
        (resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1),
    ]
    return ";".join(f"{kind} {soft} {hard}" for kind, soft, hard in rows)


def syscalls(column: int) -> str:
    """``NKG_SYSCALLS``: the numbers of :data:`SYSCALLS` in one architecture's column."""
    return " ".join(str(numbers[column]) for numbers in SYSCALLS.values())


def check_perl(sandbox_unavailable: type[Exception]) -> None:
    """Raise ``sandbox_unavailable`` (one message, naming the package) when the
    machine's perl cannot run :data:`SCRIPT`'s built-ins."""
    try:
        ok = shutil.which(PERL) is not None and subprocess.run(
            [PERL, "-e", "exit 0"],
            capture_output=True, timeout=30, env={"PATH": os.defpath},
        ).returncode == 0  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        ok = False
    if not ok:
        raise sandbox_unavailable(
            f"the snippet sandbox runs its first process with the machine's {PERL}, which "
            "is missing or broken: install it (Debian/Ubuntu: apt-get install perl-base; "
            "Fedora: dnf install perl-interpreter)"
        )
