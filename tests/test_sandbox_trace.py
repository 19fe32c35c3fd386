"""strace's record of a traced run, attacked from inside: the snippet can neither
reach it nor make a later item share its result by forging it (runner/pid1.py
``traced``, runner/shared.py ``complete``)."""

from __future__ import annotations

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.model import Command, Given, Transcript
from nested_snippets.runner import run, sandbox, shared
from nested_snippets.runner.run import fake_host
from nested_snippets.runner.sandbox import Limits

pytestmark = pytest.mark.skipif(not sandbox.can_trace(), reason="strace is not installed")
LIMITS = Limits(seconds=30, output_bytes=256 * 1024, memory_bytes=1 << 30, processes=48)
BENIGN = (
    r'99999 execve("/usr/bin/bash", ["bash"], 0x0 /* 9 vars */) = 0\n'
    r"99999 +++ exited with 0 +++\n"
)
"""A record that says the run read nothing of the trees."""
FORGE = (
    "for f in /run/nkg-trace /run/nkg-trace*; do printf '" + BENIGN + "' > \"$f\"; done; "
    "for fd in 3 4 5 6 7; do printf '" + BENIGN + "' >&$fd; done 2>/dev/null; true"
)
PROBE = "[ -e /sys/module/kvm/parameters/allow_unsafe_mappings ] && echo yes || echo no"


@pytest.fixture(autouse=True)
def _own_table():
    shared.forget()
    yield
    shared.forget()


def _traced(command: str, kernel: str = "6.12") -> sandbox.Result:
    with fake_host(Scenario(arch="intel", kernel=kernel)) as host:
        return sandbox.run(host.home, [command], LIMITS, trace=True)[0]


def test_the_record_has_no_name_and_no_descriptor_inside():
    got = _traced("ls /run; ls /run/nkg-trace* 2>&1 | wc -l; ls /proc/self/fd /dev/fd 2>&1 | "
                  "wc -l; echo x >&3; echo y >&4")  # fmt: skip
    lines = got.output.decode().splitlines()
    assert lines[:3] == ["fakehost", "1", "2"], lines  # only ls's "cannot access"
    assert "Bad file descriptor" in lines[-1], lines
    assert b'"/run/nkg-trace*"' in got.trace  # strace recorded the attempt


def test_writing_where_the_record_was_changes_nothing():
    got = _traced(f"{PROBE}; {FORGE}")
    text = got.trace.decode()
    assert got.output == b"no\n"
    assert not any(line.startswith("99999 ") for line in text.splitlines())  # no forged line
    got_paths = shared.read_paths([text], "R")
    assert got_paths is not None
    assert "/sys/module/kvm/parameters/allow_unsafe_mappings" in got_paths[0]


def test_filling_run_does_not_cut_the_record():
    """The record was a file of /run, whose 8 MiB a snippet can fill: strace's lines
    were then lost (while the snippet went on reading) and it wrote its errors into the
    command's output."""
    fill = "for i in $(seq 10); do head -c 1000K /dev/zero > /run/fill$i; done 2>/dev/null"
    nested = "/sys/module/kvm_intel/parameters/nested"
    got = _traced(f"{fill}; cat {nested} >/dev/null; echo $?; rm /run/fill*")
    assert got.output == b"0\n", got.output
    paths = shared.read_paths([got.trace.decode()], "R")
    assert paths is not None and nested in paths[0]


def _item(kernel: str, shown: str) -> str:
    body = Transcript((Command(f"{PROBE}; {FORGE}", (shown,)),))
    return run.run_item(Scenario("intel", kernel, Given()), [(body, f"probe on {kernel}")])


def test_a_forged_record_does_not_make_a_later_release_share_a_wrong_result():
    """6.13 adds the parameter: had the first run's record been replaced by one that
    read nothing, 6.13 would share 6.12's "no" and the wrong expectation would pass."""
    assert _item("6.12", "no") == "ran"
    with pytest.raises(run.Mismatch, match=r"\+yes"):
        _item("6.13", "no")


def test_killing_strace_leaves_a_record_that_vouches_for_nothing():
    """strace is the command's parent: once it is gone the command's file calls fail
    (strace's own filter has no tracer left to ask), PID 1 ends the command, and the
    record has no end."""
    got = _traced("kill -9 $PPID; cat /proc/version; sleep 1; cat /proc/version")
    assert b"Linux version" not in got.output, got.output
    assert shared.read_paths([got.trace.decode()], "R") is None


def test_a_process_killed_by_a_signal_still_has_its_end():
    """``seq | head -1`` ends seq with SIGPIPE: strace writes that end only for the
    signals it shows, so a record without it would never vouch for such a run."""
    got = _traced("seq 100000 | head -1; cat /proc/version >/dev/null")
    assert got.output == b"1\n"
    assert b"+++ killed by SIGPIPE +++" in got.trace
    paths = shared.read_paths([got.trace.decode()], "R")
    assert paths is not None and "/proc/version" in paths[0]
