"""REVIEW 13 (adversarial review of the tool server's one worker per sandbox, f87ac86).

Hostile snippets against nested_snippets/fakehost/toolserver.py's ``_worker``: the
child that fills a sandbox's trees stays and serves all its later calls, one at a
time.  The test of a client that never reads its answer was an xfail(strict) until the
worker sent answers from its loop (each within CALL_SECONDS, sendbuf13); the others
pin what held up against the attacks."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import sandbox
from nested_snippets.runner.run import execute, fake_host
from nested_snippets.runner.sandbox import Limits
from tests.test_sandbox_hostile import LIMITS, _within
from tests.test_toolserver_worker import _children


def _host(arch: str = "amd"):
    return fake_host(Scenario(arch=arch, kernel="6.6"))


def _server_fds() -> list[str]:
    return sorted(os.listdir(f"/proc/{sandbox.base().server.proc.pid}/fd"), key=int)


# A raw client that asks for ~2.3 MB of output (2000 times ``modinfo kvm``) and never
# reads it: the answer fills the socket's buffers.  Beforehand the same call, read, is
# timed (its duration depends on the machine's load); a call made just after the hog's
# waits for the hog's call, then must be answered although the hog's answer is unsent.
N = 2000
TIMED = "s=$EPOCHREALTIME; {}; e=$EPOCHREALTIME; echo $(( (${{e/./}} - ${{s/./}}) / 1000 )); "
HOG = (
    "hog() { exec 3<>/dev/tcp/127.0.0.1/4242; read -r h <&3; "
    f"{{ printf 'modinfo\\0\\0%s\\0' {N}; for i in $(seq {N}); do printf 'kvm\\0'; done; }} >&3; "
    "sleep 40; }; "
)
READ = f"modinfo $(for i in $(seq {N}); do echo kvm; done) | wc -c >/dev/null"


def test_a_client_that_never_reads_its_answer_holds_up_no_other_call():
    """The next call waits for the hog's call only: each answer is sent from the
    worker's loop as the socket takes it (sendbuf13).  A guard, not a reproduction:
    review 13 reproduced the stall of a blocking sendall (the next call waited for the
    call's 10 s alarm) with 9000 calls' answer, which on the loaded machine of
    2026-12-03 took longer than that alarm to compute; 2000 calls' answer still fit
    the sockets' buffers there, so this test passed before the change too."""
    script = TIMED.format(READ) + HOG + "hog & sleep 0.3; " + TIMED.format("lsmod | wc -l")
    big = Limits(seconds=60, output_bytes=1 << 20, memory_bytes=1 << 30, processes=48)
    with _within(90), _host() as host:
        got = execute(host, script + "kill %1", big)
    read_ms, lines, waited_ms = int(got.output[0]), got.output[1], int(got.output[2])
    assert lines == "5", got
    assert read_ms < 7000, f"the machine is too slow for this test: {got.output}"
    assert waited_ms < read_ms + 2000, got.output


def test_a_hog_whose_answer_is_unsent_leaves_nothing():
    """The same hog, its answer still unsent when its sandbox ends: the next run is
    answered by the next sandbox's worker, and the server then holds no child and no
    descriptor more than before (until sendbuf13 the hog's call ended the worker by
    its alarm, in the blocked sendall, and a new worker was started)."""
    big = Limits(seconds=60, output_bytes=1 << 20, memory_bytes=1 << 30, processes=48)
    with _within(90), _host() as host:
        execute(host, "true", LIMITS)
        before = _server_fds()
        got = execute(host, HOG + "hog & sleep 0.3; lsmod | wc -l; kill %1", big)
        assert got.output == ["5"], got
        assert execute(host, "lsmod | wc -l", LIMITS).output == ["5"]
        assert _server_fds() == before
    assert not _children(sandbox.base().server.proc.pid)


def test_a_connect_and_close_storm_leaves_the_next_call_served():
    """500 connections, each closed once the worker said ``ok``: none is refused as
    BUSY (on 2026-12-03 the worker counted a closed connection until its loop saw it
    go, and a fast client's next one was accepted first: a third to two thirds were
    refused, and the snippet's next call too), and the next run's call is served."""
    storm = (
        "n=0; for i in $(seq 500); do exec 3<>/dev/tcp/127.0.0.1/4242; read -r h <&3; "
        '[ "$h" = ok ] || n=$((n+1)); exec 3>&-; done; echo "busy $n"; '
    )
    with _within(60), _host() as host:
        got = execute(host, storm + "lsmod | wc -l", LIMITS)
        assert got.output == ["busy 0", "5"], got
        assert execute(host, "lsmod | wc -l", LIMITS).output == ["5"]


def test_later_calls_of_one_worker_answer_as_on_a_fresh_process():
    """State changes, a second ``_fill`` by the snippet, a reload with other options,
    an argument that is not UTF-8: the answers are main's (fork per call), written out
    here as main printed them on 2026-12-03."""
    script = (
        "modinfo -F vermagic kvm; _fill; echo fill=$?; lsmod | wc -l; "
        "sudo modprobe -r kvm_amd; _fill; echo fill=$?; lsmod | wc -l; "
        "sudo modprobe kvm_amd nested=0; cat /sys/module/kvm_amd/parameters/nested; "
        "sudo rmmod kvm_amd; sudo modprobe kvm_amd; cat /sys/module/kvm_amd/parameters/nested; "
        "modinfo $'\\xed\\xb2\\x80' 2>&1 | LC_ALL=C grep -c $'Module \\xed\\xb2\\x80 not found'"
    )
    with _within(60), _host() as host:
        got = execute(host, script, LIMITS)
    assert got.output == [
        "6.6.0-fake-amd64 SMP mod_unload",
        "fill=0",
        "5",
        "fill=0",
        "1",
        "0",
        "1",
        "1",
    ], got


def _links(pid: int) -> set[str]:
    links = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            links.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
    return links


def test_no_worker_holds_a_descriptor_of_another_sandbox():
    """Two sandboxes of two hosts at once: each worker holds its own host's files and
    its own sandbox's namespaces and listener, none of the other's."""
    server = sandbox.base().server.proc.pid
    homes: list[Path] = []
    done = threading.Event()

    def run(arch: str) -> None:
        with _host(arch) as host:
            homes.append(host.home)
            execute(host, "sleep 4; lsmod >/dev/null", LIMITS)
        done.set()

    runs = [threading.Thread(target=run, args=(a,), daemon=True) for a in ("amd", "intel")]
    with _within(60):
        for t in runs:
            t.start()
            time.sleep(1.5)
        time.sleep(1)
        workers = sorted(_children(server))
        seen = {pid: _links(pid) for pid in workers}
        for t in runs:
            t.join()
    assert len(workers) == 2, workers
    a, b = (seen[pid] for pid in workers)
    kinds = ("mnt:", "user:", "net:", "socket:", "anon_inode:[pidfd]", str(sandbox.base().path))
    assert not {link for link in a & b if link.startswith(kinds)}, (a, b)
    for links in (a, b):
        mine = [h for h in homes if any(link.startswith(f"{h}/") for link in links)]
        assert len(mine) == 1, (links, homes)
