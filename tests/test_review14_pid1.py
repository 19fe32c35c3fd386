"""Review 14 of the Perl PID 1 (``runner/pid1.pl``, commits c92c63f and d684be6), as a
hostile snippet would attack it: through the real runner, traced and not."""

from __future__ import annotations

import platform
import shutil
import signal

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import sandbox, shared
from nested_snippets.runner.run import fake_host, run_commands


def _run(commands: list[str], trace: bool) -> list[tuple[list[str], int]]:
    with fake_host(Scenario(arch="intel", kernel="6.6")) as host:
        return [
            (o.output, o.status)
            for o in run_commands(host, commands, keep_writes=False, trace=trace)
        ]


@pytest.mark.parametrize("trace", [False, True], ids=["untraced", "traced"])
@pytest.mark.parametrize("limit", ["--nproc=1:1", "--nofile=10:10"])
def test_a_command_that_lowers_pid1s_limits_cannot_invent_the_next_results(trace, limit):
    """``prlimit --pid 1`` is allowed to a process of PID 1's uid (the kernel checks no
    dumpable flag for it).  Before: PID 1 could no longer fork (or open the traced
    command's pipes) and wrote status 137 (traced with ``--nofile``: 125) and no
    output for each later command, which never ran; the Python PID 1 ended instead.
    Then (d684be6) the run ended with :class:`.sandbox.LimitExceeded`; since review 14
    break 9 the seccomp filter refuses the call (``EPERM``) and the run goes on."""
    (out, _), second = _run([f"prlimit --pid 1 {limit}; echo lowered $?", "echo second"], trace)
    assert out[-1] == "lowered 1" and "Operation not permitted" in out[0], out
    assert second == (["second"], 0)


@pytest.fixture
def runner_ignores_hup_and_usr1():
    """The runner started where SIGHUP and SIGUSR1 are ignored (``nohup``; a
    non-interactive shell's ``&`` does the same to SIGINT and SIGQUIT): bubblewrap and
    the sandbox's perl inherit what is ignored, and so did every command."""
    before = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGHUP, signal.SIGUSR1)}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


@pytest.mark.parametrize("trace", [False, True], ids=["untraced", "traced"])
def test_a_command_gets_default_signals_whatever_the_runner_ignores(
    trace, runner_ignores_hup_and_usr1
):
    """The Python PID 1 set every signal to its default in each command's process;
    the Perl one passed on what bwrap inherited from the runner."""
    got = _run(["kill -HUP $$; echo survived", "kill -USR1 $$; echo survived"], trace)
    assert got == [([], 128 + signal.SIGHUP), ([], 128 + signal.SIGUSR1)]


# F_SETPIPE_SZ one page, F_SETFL O_NONBLOCK: on the pipe PID 1 writes into as well
NON_BLOCKING = (
    "perl -e 'fcntl(STDOUT, 1031, 4096) or die; fcntl(STDOUT, 4, 04000) or die'; echo set"
)


@pytest.mark.parametrize("trace", [False, True], ids=["untraced", "traced"])
def test_a_command_that_makes_the_output_pipe_non_blocking_cuts_no_record(trace):
    """The command's stdout is PID 1's own pipe (one open file, one O_NONBLOCK flag).
    Before: PID 1's writes then stopped at the first EAGAIN and dropped the rest
    silently (each record of a traced run cut after a page, the run otherwise
    complete); the Python PID 1 ended with BlockingIOError."""
    with fake_host(Scenario(arch="intel", kernel="6.6")) as host:
        got = run_commands(host, [NON_BLOCKING, "echo second"], keep_writes=False, trace=trace)
    assert [(o.output, o.status) for o in got] == [(["set"], 0), (["second"], 0)]
    if trace:
        assert all(o.trace.endswith(b" +++ exited with 0 +++\n") for o in got)


def test_many_long_commands_are_refused_not_an_oserror():
    """Each command under ``MAX_COMMAND`` but together over what ``execve`` takes."""
    with pytest.raises(sandbox.Refused, match="together"):
        _run(["echo " + "x" * 99_990] * 25, False)


def test_commands_up_to_the_bound_still_run():
    n = sandbox.MAX_COMMANDS // 100_000 - 1
    text = "echo ${#BASH_EXECUTION_STRING} #" + "x" * 99_950
    assert _run([text] * n, False) == [([str(len(text))], 0)] * n


TRACE_ME = (
    'exec perl -e \'$| = 1; syscall({nr}, 0, 0, 0, 0) == 0 or die "no\\n"; print "asked\\n";'
    ' kill "USR1", $$; print "not reached\\n"; exit 3\''
)


def test_a_command_stopped_as_pid1s_tracee_does_not_end_with_0():
    """A command that asks its parent, PID 1, to trace it (``PTRACE_TRACEME``, which the
    filter allows for strace) stops at its next signal, and ``waitpid`` reports the
    stop.  Before: Perl's ``$?`` gives 0 for a stopped child and the command, which
    never reached ``exit 3``, ended with 0; now 128 + the signal, as bash gives a
    stopped job (the Python PID 1 gave the signal's number)."""
    from nested_snippets.runner import seccomp

    nr = seccomp.SYSCALLS["ptrace"][seccomp.ARCHES[seccomp.elf_machine("/usr/bin/perl")][2]]
    got = _run([TRACE_ME.format(nr=nr), "echo next"], False)
    assert got == [(["asked"], 128 + signal.SIGUSR1), (["next"], 0)]


# A snippet's code in strace's own process, by what the dynamic loader reads before
# strace runs: strace's interpreter /lib64/ld-linux-x86-64.so.2 (/lib64 is a link on
# the writable root) and /etc/ld.so.preload (/etc is writable).  Either one rewrites
# strace's "-e trace=%file,..." into "trace=execve": the record then holds no file the
# command opened, and vouches for a run that read nothing.
LOADER_C = r"""
static long sys3(long n, long a, long b, long c) { long r; __asm__ volatile("syscall"
  : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory"); return r; }
static int pre(const char *a, const char *p) { for (; *p; a++, p++) if (*a != *p) return 0;
  return 1; }
static char *nargv[4096];
void cmain(long *sp) {
  long argc = sp[0]; char **argv = (char **)(sp + 1); char **envp = argv + argc + 1;
  sys3(87, (long)"/lib64", 0, 0); sys3(88, (long)"usr/lib64", (long)"/lib64", 0);
  char **e = envp; while (*e) e++;
  for (long *av = (long *)(e + 1); av[0]; av += 2)  /* AT_EXECFN: not strace, run as it was */
    if (av[0] == 31 && !pre(argv[0], "/usr/bin/strace")) sys3(59, av[1], (long)argv, (long)envp);
  int j = 0; nargv[j++] = "/usr/lib64/ld-linux-x86-64.so.2";
  for (int i = 0; i < argc && j < 4090; i++)
    nargv[j++] = pre(argv[i], "trace=%file") ? "trace=execve" : argv[i];
  nargv[j] = 0; sys3(59, (long)nargv[0], (long)nargv, (long)envp); sys3(60, 99, 0, 0);
}
__asm__(".globl _start\n_start:\n mov %rsp,%rdi\n and $-16,%rsp\n call cmain\n hlt\n");
"""
PRELOAD_C = r"""
static int pre(const char *a, const char *p) { for (; *p; a++, p++) if (*a != *p) return 0;
  return 1; }
__attribute__((constructor)) static void forge(int argc, char **argv) {
  for (int i = 0; i < argc; i++) if (pre(argv[i], "trace=%file")) argv[i] = "trace=execve";
}
"""
PLANT = {
    "loader": "gcc -O1 -nostdlib -static -fno-stack-protector -o /tmp/ev/ld-linux-x86-64.so.2 "
    "/tmp/ev/e.c && ln -sfn /tmp/ev /lib64",
    "preload": "gcc -shared -fPIC -o /tmp/ev/f.so /tmp/ev/e.c && echo /tmp/ev/f.so > "
    "/etc/ld.so.preload",
}
PROBE = "read -r x < /sys/module/kvm_intel/parameters/nested; echo $x"
PLANTED = (["planted"], ["ln: failed to create symbolic link '/lib64/ev': Read-only file system"])
"""What the plant says: since attack17 #4 ``/lib64`` is a read-only bind (a mount point,
not a link), so the loader is not planted at all; still, a later command's strace and
gate must not be the plant's, however it got there."""


@pytest.mark.skipif(platform.machine() != "x86_64" or not shutil.which("gcc"), reason="x86_64, gcc")
@pytest.mark.parametrize("way", ["loader", "preload"])
def test_a_command_cannot_run_its_code_in_a_later_commands_strace(way):
    source = LOADER_C if way == "loader" else PRELOAD_C
    plant = (
        f"mkdir -p /tmp/ev && cat > /tmp/ev/e.c <<'END'\n{source}END\n{PLANT[way]} && echo planted"
    )
    with fake_host(Scenario(arch="intel", kernel="6.6")) as host:
        got = run_commands(host, [plant, PROBE], keep_writes=False, trace=True)
    assert got[0].output in PLANTED and got[1].output == ["Y"], got
    paths = shared.read_paths([got[1].trace.decode(errors="replace")], "6.6")
    assert paths is None or "/sys/module/kvm_intel/parameters/nested" in paths[0]


INJECT_C = r"""
static long sys3(long n, long a, long b, long c) { long r; __asm__ volatile("syscall"
  : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory"); return r; }
static char buf[4096], path[300];
void cmain(long *sp) {
  long argc = sp[0]; char **argv = (char **)(sp + 1); char **envp = argv + argc + 1;
  char **e = envp; while (*e) e++;
  long fn = 0; for (long *av = (long *)(e + 1); av[0]; av += 2) if (av[0] == 31) fn = av[1];
  int d = sys3(2, (long)"/run", 0x10000, 0);
  long n = sys3(217, d, (long)buf, sizeof buf);
  for (long at = 0; at < n; at += *(unsigned short *)(buf + at + 16)) {
    char *name = buf + at + 19, *p = path; const char *r = "/run/";
    if (name[0] != 'n' || name[1] != 'k' || name[2] != 'g') continue;
    while (*r) *p++ = *r++; while (*name) *p++ = *name++; *p = 0;
    int w = sys3(2, (long)path, 01 | 04000, 0);
    if (w >= 0) sys3(1, w, (long)"INJECTED\n", 9);
  }
  sys3(87, (long)"/lib64", 0, 0); sys3(88, (long)"usr/lib64", (long)"/lib64", 0);
  sys3(59, fn, (long)argv, (long)envp); sys3(60, 99, 0, 0);
}
__asm__(".globl _start\n_start:\n mov %rsp,%rdi\n and $-16,%rsp\n call cmain\n hlt\n");
"""


@pytest.mark.skipif(platform.machine() != "x86_64" or not shutil.which("gcc"), reason="x86_64, gcc")
def test_a_planted_loader_cannot_reach_the_record_from_the_gate():
    """The gate (``sh -c GATE``) runs under strace while the record's name still
    exists.  Before: loaded by ``/lib64``'s loader, which a command replaced, it listed
    ``/run``, opened the record by name and wrote a line of its own into it."""
    plant = (
        f"mkdir -p /tmp/ev && cat > /tmp/ev/e.c <<'END'\n{INJECT_C}END\n{PLANT['loader']}"
        " && echo planted"
    )
    with fake_host(Scenario(arch="intel", kernel="6.6")) as host:
        got = run_commands(host, [plant, "echo probe"], keep_writes=False, trace=True)
    assert got[0].output in PLANTED and got[1].output == ["probe"], got
    assert b"INJECTED" not in got[1].trace and b"/run/nkg-trace" not in got[1].trace
