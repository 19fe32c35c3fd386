"""REVIEW s7 (adversarial review of sharing by read-set, commit aebd6c4).

The xfail(strict) tests are FAILING REPRODUCTIONS of limits that are not fixed (listed
in ``nested_snippets/runner/shared.py``, "Known limits"): each shows a (body, release
A, release B) where B uses A's shared result although B run in full prints something
else.  A fix turns one into an XPASS, which fails until its mark is dropped."""

from __future__ import annotations

import pytest

from nested_snippets.bodies import REBOOT
from nested_snippets.fakehost.host import Scenario
from nested_snippets.model import Command, Given, Transcript
from nested_snippets.runner import run, sandbox, shared

needs_strace = pytest.mark.skipif(not sandbox.can_trace(), reason="strace cannot trace here")


@pytest.fixture(autouse=True)
def _own_table():
    shared.forget()
    yield
    shared.forget()


def _size_item(kernel: str, steps_before: list) -> str:
    body = Transcript((Command("wc -c < /proc/version", ("55",)),))
    steps = [*steps_before, (body, f"size of /proc/version on {kernel}")]
    return run.run_item(Scenario("intel", kernel, Given()), steps)


@needs_strace
@pytest.mark.parametrize("reboot_first", [False, True], ids=["one sandbox", "after a reboot"])
def test_a_tree_file_holding_the_release_differs_in_size_by_its_length(reboot_first):
    """Fixed (REVIEW s7 D3): look() compares a tree file's text with the release
    replaced by a placeholder, so /proc/version looked the same on 4.20 and 5.0 while
    its size differs (55 bytes, 54): the release's length is now part of what items
    share by, so 5.0 runs in full and shows its own size."""
    before = (
        [(Transcript((Command("true", ()),)), "first"), (REBOOT, "reboot")] if reboot_first else []
    )
    assert _size_item("4.20", before) == "ran"  # "4.20.0-fake-amd64": 55 bytes
    with pytest.raises(run.Mismatch, match=r"\+54"):
        _size_item("5.0", before)  # "5.0.0-fake-amd64": 54 bytes


def _pair(arch: str, command: str, shown: tuple[str, ...], first: str, then: str):
    """Run one command on ``first`` (it must run) and then on ``then``: (how the second
    ran, what re-running every shared item in full found)."""
    body = Transcript((Command(command, shown),))
    assert run.run_item(Scenario(arch, first, Given()), [(body, first)]) == "ran"
    how = run.run_item(Scenario(arch, then, Given()), [(body, then)])
    return how, shared.check_pairs(seed=1, count=shared.MIN_CHECKED)


TRACED = "python3 -c 'import ctypes; print(ctypes.CDLL(None).ptrace(0, 0, 0, 0))'"


def known_limit(reason: str):
    """A reproduction of a limit not fixed: needs strace, fails until fixed."""

    def mark(test):
        xfail = pytest.mark.xfail(strict=True, reason=f"REVIEW s7 break: {reason}")
        return needs_strace(xfail(test))

    return mark


@known_limit(
    "the first run of a group runs under strace and a snippet can see that "
    "(PTRACE_TRACEME fails: -1 traced, 0 not), so the result it records is not the one "
    "a full run gives; same for timing (`cat F | sudo tee F` races differently traced)"
)
def test_review_s7_a_snippet_that_sees_it_is_traced():
    how, done = _pair("intel", TRACED, ("-1",), "6.10", "6.11")
    assert how == "ran" and done.failures == [], (how, done.failures)


INODE = "stat -c %i /sys/module/kvm/parameters/halt_poll_ns"


def test_an_inode_number_of_the_trees_tells_nothing():
    """Fixed in part (REVIEW s7 G1): tmpfs numbers inodes one after the other per mount,
    so ``stat -c %i`` of a parameter's file counted the files written before it (31 on
    6.10, 32 on 6.11: kvm_amd's parameters, rows the run never read) and a shared run
    could show the wrong one.  Each tree now starts its numbers at a random place, so
    two runs of one release differ too and no snippet can show a number as meaningful
    (left: the difference between two numbers, see shared.py "Known limits")."""
    seen = set()
    for _ in range(4):  # all four alike: chance (1/64)**3
        with run.fake_host(Scenario("amd", "6.10", Given())) as host:
            seen.add(tuple(run.execute(host, INODE).output))
    assert len(seen) > 1, seen


@needs_strace
def test_a_pid_is_the_same_traced_and_untraced():
    """Fixed (REVIEW s7 E3): strace's own processes take PIDs in the sandbox's PID
    namespace, so ``echo $$`` was 7 in the traced first run and 3 in a full run; an
    untraced command is now preceded by as many short-lived processes
    (``sandbox.TRACE_PIDS``), so the shared item and its full run agree."""
    how, done = _pair("intel", "echo $$; sleep 0 & echo $!", ("7", "8"), "6.10", "6.11")
    assert (how, len(done.checked), done.failures) == ("shared", 1, [])


FILL_SYS = "i=0; while : 2>/dev/null > /sys/module/kvm/f$i; do i=$((i+1)); done; echo $i"


@known_limit(
    "how many files still fit in the /sys tmpfs (MAX_ENTRIES inodes) counts the files "
    "written there, kvm_amd's parameters among them, whose rows the run never read "
    "(4039 on 6.10, 4038 on 6.11)"
)
def test_review_s7_inodes_left_on_a_tree():
    how, done = _pair("amd", FILL_SYS, ("4039",), "6.10", "6.11")
    assert how == "ran" and done.failures == [], (how, done.failures)
