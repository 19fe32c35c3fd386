"""Review 14 of the Perl PID 1 (``runner/pid1.pl``, commits c92c63f and d684be6), as a
hostile snippet would attack it: through the real runner, traced and not."""

from __future__ import annotations

import signal

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import sandbox
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
    output for each later command, which never ran; the Python PID 1 ended instead."""
    with pytest.raises(sandbox.LimitExceeded, match="limits of the sandbox's first process"):
        _run([f"prlimit --pid 1 {limit}; echo lowered $?", "echo second"], trace)


def test_a_command_that_lowers_pid1s_limits_and_restores_them_changes_nothing():
    """A soft limit lowered below the run's hard one is set back before the next command."""
    got = _run(
        ["prlimit --pid 1 --nofile=20:1024 --nproc=1:256; echo $?", "ulimit -Sn; echo ok"], False
    )
    assert got == [(["0"], 0), (["1024", "ok"], 0)]


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
