"""The sandbox's first process (``runner/pid1.pl``, run by the machine's perl): what a
command inherits from it, and that no command can end it."""

from __future__ import annotations

import re

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import pid1, sandbox
from nested_snippets.runner.run import fake_host, run_commands

SIGNALS = ("HUP INT QUIT ILL TRAP ABRT BUS FPE USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD "
           "CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS")  # fmt: skip


def _outputs(commands: list[str], trace: bool) -> list[list[str]]:
    with fake_host(Scenario(arch="intel", kernel="6.6")) as host:
        return [o.output for o in run_commands(host, commands, keep_writes=False, trace=trace)]


@pytest.mark.parametrize("trace", [False, True], ids=["untraced", "traced"])
def test_no_signal_a_command_sends_ends_pid1(trace):
    got = _outputs(
        [f"for s in {SIGNALS}; do kill -s $s 1 || echo refused $s; done; echo sent", "echo next"],
        trace,
    )
    assert got == [["sent"], ["next"]]


@pytest.mark.parametrize("trace", [False, True], ids=["untraced", "traced"])
def test_a_command_gets_the_environment_and_descriptors_of_a_login_shell(trace):
    """What ``bash -c`` in ``/root`` had when PID 1 was a shell: these variables only,
    and no descriptor beyond 0, 1 and 2 (the go and ready pipes, the filter and the
    record stay with PID 1)."""
    got = _outputs(
        ["env | sort; for fd in $(seq 3 64); do /usr/bin/true 2>/dev/null <&$fd && echo open "
         "$fd; /usr/bin/true 2>/dev/null >&$fd && echo open $fd; done; pwd; ulimit -c"],
        trace,
    )  # fmt: skip
    assert got == [[
        "HOME=/root", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "LOGNAME=root", "OLDPWD=/root",
        "PATH=/run/fakehost/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "PWD=/root", "SHELL=/bin/bash", "SHLVL=2", "TERM=dumb", "USER=root", "_=/usr/bin/env",
        "/root", "0",
    ]]  # fmt: skip


def test_pid1_reads_the_numbers_in_the_order_of_the_table():
    """``pid1.pl`` takes the numbers of ``NKG_SYSCALLS`` by position."""
    first = pid1.SCRIPT.splitlines()[
        next(
            i
            for i, ln in enumerate(pid1.SCRIPT.splitlines())
            if "NKG_SYSCALLS" in ln and ln.startswith("my (")
        )  # fmt: skip
    ]
    names = re.match(r"my \(([^)]*)\)", first).group(1).replace("$", "").lower().split(", ")
    assert names == list(pid1.SYSCALLS)


def test_the_sandbox_starts_perl_with_the_script_and_the_commands_after_a_double_dash():
    assert pid1.argv(["-e 1", "x"]) == [pid1.PERL, "-e", pid1.SCRIPT, "--", "-e 1", "x"]
    assert sandbox.SUPERVISOR == pid1.SCRIPT
