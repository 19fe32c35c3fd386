"""PID 1 reaps the orphans of a running command, as an init does (review of 2026-12-05,
session 18): before, it waited for the command alone, so every process that outlived
its parent stayed a zombie until the command ended and counted against the sandbox's
process limit, and a command that leaves many short-lived orphans ran out of forks
(``fork: retry: Resource temporarily unavailable``).  Traced and untraced commands
must behave alike (a traced run's result serves untraced items)."""

from __future__ import annotations

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import sandbox
from nested_snippets.runner.run import LIMITS, fake_host, run_commands

ORPHANS = 3 * LIMITS.processes
"""More orphans than the process limit allows zombies."""
COMMAND = (
    f"for i in $(seq {ORPHANS}); do (sleep 0.001 &); done; sleep 0.3; "
    "for i in 1 2 3; do (true) || echo no fork; done; echo done"
)


@pytest.mark.parametrize(
    "trace",
    [False, pytest.param(True, marks=pytest.mark.skipif(
        not sandbox.can_trace(), reason="strace is not installed"))],
    ids=["untraced", "traced"],
)  # fmt: skip
def test_orphans_that_end_are_reaped_while_the_command_runs(trace):
    with fake_host(Scenario("intel", "6.6")) as host:
        got = run_commands(host, [COMMAND], keep_writes=False, trace=trace)[0]
    assert (got.status, got.output) == (0, ["done"]), got
