"""Hostile snippets against the fill at attach (review 12, 2026-12-03): since merge
a8e709f the tool server fills a sandbox's trees and copies the host's root in from the
child that makes its listener, after PID 1 says that it runs (``NKG_READY``)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from nested_snippets.fakehost import rootcopy
from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import sandbox
from nested_snippets.runner.run import execute, fake_host, run_commands
from nested_snippets.runner.sandbox import LimitExceeded, Limits, SandboxUnavailable
from tests.test_sandbox_hostile import LIMITS, _within

KEPT_TOO_MUCH = "stopped: limit of the host's files.*MiB in files"


def _host():
    return fake_host(Scenario(arch="amd", kernel="6.6"))


def _server_fds() -> list[str]:
    return sorted(os.listdir(f"/proc/{sandbox.base().server.proc.pid}/fd"), key=int)


def _server_children() -> list[str]:
    server = sandbox.base().server.proc.pid
    ps = ["ps", "-o", "pid=", "--ppid", str(server)]
    return subprocess.run(ps, capture_output=True, text=True).stdout.split()


# 200 KiB sparse files take no tmpfs space; 100 hard links of one 200 KiB file take
# 200 KiB: both measure 20 MiB, under rootcopy.MAX_BYTES (32 MiB) but over the 16 MiB
# of the next sandbox's / (sandbox.TMPFS_BYTES), where the fill writes each whole.
OVERSIZED = {
    "sparse": "mkdir /sp; for i in $(seq 100); do truncate -s 200K /sp/f$i; done",
    "hard links": (
        "mkdir /hl; head -c 200K /dev/zero > /hl/a; for i in $(seq 100); do ln /hl/a /hl/l$i; done"
    ),
}


@pytest.mark.parametrize("kind", OVERSIZED)
def test_a_root_the_next_sandbox_cannot_hold_is_not_kept(kind):
    """Before: the run kept the root, and every later run of the host failed at its
    fill ("the sandbox's first process was not released"): one snippet bricked the
    steps after it.  Now the run says which limit, and the next run works."""
    with _within(120), _host() as host:
        with pytest.raises(LimitExceeded, match=f"^{KEPT_TOO_MUCH}"):
            execute(host, OVERSIZED[kind], LIMITS)
        got = execute(host, "echo next; ls /sp /hl 2>/dev/null | wc -l", LIMITS)
        assert got.output == ["next", "0"]


def test_a_root_that_fits_is_still_kept_whole():
    """The bound is what the next sandbox holds, not less: 14 MiB of files come back."""
    big = Limits(seconds=30, output_bytes=8 << 20, memory_bytes=1 << 30, processes=48)
    with _within(120), _host() as host:
        execute(host, "head -c 7M /dev/zero > /root/a; head -c 7M /dev/zero > /root/b", big)
        got = execute(host, "stat -c %s /root/a /root/b", LIMITS)
        assert got.output == [str(7 << 20)] * 2


def test_a_fill_that_fails_says_why_and_leaves_nothing_in_the_server():
    """A root on disk the sandbox's / cannot hold (as one kept before the bound, or
    written there by anything but a run): the fill at attach fails.  The error names the
    fill and its cause, not PID 1's "was not released" (what PID 1 says when the runner
    closes its go after the failed attach); the server keeps no descriptor of the
    failed sandbox (its mount namespace, tmpfs pages and all) and no child."""
    with _within(120), _host() as host:
        execute(host, "true", LIMITS)
        before = _server_fds()
        (host.root / "big").mkdir()
        for i in range(20):
            (host.root / f"big/f{i}").write_bytes(bytes(1 << 20))
        with pytest.raises(SandboxUnavailable) as err:
            execute(host, "echo never", LIMITS)
        assert "could not be filled" in str(err.value), err.value
        assert "No space left on device" in str(err.value), err.value
        assert "Traceback" not in str(err.value)
        assert _server_fds() == before
        assert _server_children() == []


def test_a_failed_fill_does_not_answer_the_next_attach():
    """The server's answer to the failed attach is one line: before, the fill's message
    ended with a line break, and the empty line left behind answered the runner's next
    order, so every later sandbox of the runner failed ("no answer", then "not
    released"), of every host, or was released on the answer of an earlier order."""
    with _within(120), _host() as host:
        (host.root / "big").mkdir()
        for i in range(20):
            (host.root / f"big/f{i}").write_bytes(bytes(1 << 20))
        with pytest.raises(SandboxUnavailable):
            execute(host, "echo never", LIMITS)
        shutil.rmtree(host.root / "big")
        assert execute(host, "echo again", LIMITS).output == ["again"]
        with _host() as other:
            assert execute(other, "echo other", LIMITS).output == ["other"]
        assert _server_children() == []


def test_the_ready_descriptor_and_no_other_reaches_a_command():
    """No descriptor but 0, 1 and 2 is open in a command (fstat of every number up to
    the limit: /proc/self/fd is the fake /proc's), so neither NKG_READY's write end nor
    NKG_GO's read end is."""
    probe = (
        "python3 -S -c 'import os\nfor fd in range(1024):\n"
        "  try: os.fstat(fd); print(fd)\n  except OSError: pass'"
    )
    with _within(60), _host() as host:
        for trace in (False, True) if sandbox.can_trace() else (False,):
            got = run_commands(host, [probe], LIMITS, trace=trace)
            assert got[0].output == ["0", "1", "2"], (trace, got)


def test_fill_called_again_and_at_once_with_other_calls_changes_nothing():
    """A snippet may still call ``_fill`` (it fills again): repeated, and six at once
    with lsmod, the trees show the same modules and the host's state is unchanged."""
    script = (
        "for i in 1 2 3 4 5 6; do _fill & done; lsmod | wc -l & wait; _fill; echo $?; lsmod | wc -l"
    )
    with _within(60), _host() as host:
        state = host.state().to_json()
        got = execute(host, script, LIMITS)
        assert got.output == ["5", "0", "5"], got
        assert host.state().to_json() == state
        assert _server_children() == []


def test_links_planted_before_a_fill_are_not_followed(tmp_path):
    """Links in /sys/module and /root before a later ``_fill`` (and before the next
    run's fill from the kept root): neither writes through them."""
    script = (
        "chmod -R u+w /sys/module/kvm; rm -rf /sys/module/kvm; ln -s /tmp /sys/module/kvm;"
        " ln -s /tmp /root/etc; mkdir -p /tmp/parameters; _fill; echo $?;"
        " ls /tmp | wc -l; [ -L /sys/module/kvm ] && echo link || echo dir"
    )
    with _within(60), _host() as host:
        got = execute(host, script, LIMITS)
        assert got.output == ["0", "1", "dir"], got
        got = execute(host, "ls -ld /root/etc | cut -c1; ls /tmp | wc -l", LIMITS)
        assert got.output == ["l", "0"], got


def test_pids_match_traced_and_untraced():
    """``echo $$`` and a child's PIDs are those the sandbox showed before the fill moved
    to the server (7, 8 and 7, then 13: the code at 453b1bc, run on 2026-12-03)."""
    commands = ["echo $$; sh -c 'echo $$'; echo $BASHPID", "echo $$"]
    with _within(60), _host() as host:
        plain = [o.output for o in run_commands(host, commands, LIMITS)]
        assert plain == [["7", "8", "7"], ["13"]]
        if sandbox.can_trace():
            assert [o.output for o in run_commands(host, commands, LIMITS, trace=True)] == plain


def test_a_snippet_that_sleeps_forever_is_ended_whole():
    with _within(60), _host() as host:
        with pytest.raises(LimitExceeded, match="time limit 3 s"):
            execute(host, "(sleep infinity &); sleep infinity", Limits(seconds=3))
        assert _server_children() == []
        assert execute(host, "echo after", LIMITS).output == ["after"]


def test_measure_counts_what_a_copy_in_allocates(tmp_path):
    """Unit: each name of a file counts whole and page-rounded (a hard link as a copy,
    a sparse file whole) against the bound of the tree's file system."""
    live = tmp_path / "live"
    live.mkdir()
    (live / "a").write_bytes(b"x")
    for i in range(9):
        os.link(live / "a", live / f"l{i}")
    fd = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
    try:
        page = os.fstatvfs(fd).f_bsize
        rootcopy.measure(fd, os.fstat(fd).st_dev, capacity=10 * page)
        with pytest.raises(rootcopy.TooMany, match="MiB in files"):
            rootcopy.measure(fd, os.fstat(fd).st_dev, capacity=10 * page - 1)
    finally:
        os.close(fd)
