"""Review 14, break 9: a command that changed the scheduling of the sandbox's PID 1
(``runner/pid1.pl``) changed it for every later command of the run, which inherits it
from PID 1.  Through the real runner: each attack fails and the next command sees what
a run without it sees; a command changing its own scheduling still can."""

from __future__ import annotations

import os

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner.run import fake_host, run_commands

PROBE = "nproc; nice; chrt -p $$ | sed -n 's/.*policy: //p'; ionice -p $$; ulimit -Sn; ulimit -Su"
# struct sched_attr {u32 size, policy; u64 flags; s32 nice; u32 priority; u64 runtime,
# deadline, period} (include/uapi/linux/sched/types.h), policy 5 = SCHED_IDLE
SETATTR = (
    'perl -e \'my $a = pack("LLQlLQQQ", 48, 5, 0, 0, 0, 0, 0, 0);'
    " syscall({nr}, 1, $a, 0) == 0 or exit 1'"
)
SETATTR_NR = {"x86_64": 314, "aarch64": 274}  # syscall_64.tbl, asm-generic/unistd.h

ATTACKS = [
    "taskset -p 1 1",  # sched_setaffinity
    "renice -n 19 -p 1",  # setpriority(PRIO_PROCESS, 1)
    "renice -n 19 -g 0",  # setpriority(PRIO_PGRP, 0): PID 1's process group
    "renice -n 19 -g 1",
    "renice -n 19 -u $(id -u)",  # setpriority(PRIO_USER): PID 1 runs as the same uid
    "chrt -i -p 0 1",  # sched_setscheduler
    SETATTR.format(nr=SETATTR_NR.get(os.uname().machine, 0)),  # sched_setattr
    "ionice -c 3 -p 1",  # ioprio_set(IOPRIO_WHO_PROCESS, 1)
    "ionice -c 3 -P 0",  # ioprio_set(IOPRIO_WHO_PGRP, 0)
    "ionice -c 3 -P 1",
    "ionice -c 3 -u $(id -u)",  # ioprio_set(IOPRIO_WHO_USER)
    "prlimit --pid 1 --nofile=20:1024 --nproc=3:256",  # lowered soft limits, allowed hard
]


def _run(commands: list[str]) -> list[tuple[list[str], int]]:
    with fake_host(Scenario(arch="intel", kernel="6.6")) as host:
        got = run_commands(host, commands, keep_writes=False, trace=False)
    return [(o.output, o.status) for o in got]


@pytest.fixture(scope="module")
def unattacked() -> tuple[list[str], int]:
    return _run([PROBE])[0]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_command_cannot_change_pid1s_scheduling_for_the_later_ones(attack, unattacked):
    """Before: ``taskset -p 1 1`` made the next ``nproc`` say 1, ``renice`` made its
    ``nice`` say 19, ``chrt -i`` put it under SCHED_IDLE, ``ionice -c 3`` in the idle
    I/O class, and ``prlimit --pid 1`` gave it PID 1's lowered soft limits."""
    (_, status), later = _run([f"{attack} >/dev/null 2>&1", PROBE])
    assert status != 0
    assert later == unattacked


def test_reading_pid1s_limits_stays_allowed():
    ((out, status),) = _run(["prlimit --pid 1 --nofile --noheadings --raw"])
    assert status == 0 and out[0].split()[0] == "NOFILE", out


def test_a_command_can_still_change_its_own_scheduling(unattacked):
    nproc, nice = int(unattacked[0][0]), int(unattacked[0][1])
    got = _run(
        [
            "taskset -p 1 $$ >/dev/null && nproc",
            "nice -n 5 sh -c nice",
            "renice -n 19 -p $$ >/dev/null && nice",  # 19: whether -n adds or sets
            "chrt -i -p 0 $$ && chrt -p $$ | sed -n 's/.*policy: //p'",
            "ionice -c 3 -p $$ && ionice -p $$",
            "prlimit --pid $$ --nofile=20:1024 && ulimit -Sn",
            "prlimit --nofile=21:1024 sh -c 'ulimit -Sn'",
            PROBE,
        ]
    )
    assert got == [
        (["1"], 0),
        ([str(min(nice + 5, 19))], 0),
        (["19"], 0),
        (["SCHED_IDLE"], 0),
        (["idle"], 0),
        (["20"], 0),
        (["21"], 0),
        unattacked,
    ]
    assert nproc > 1 or pytest.skip("one CPU: taskset cannot show a change")
