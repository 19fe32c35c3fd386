"""The tool server's worker (nested_snippets/fakehost/toolserver.py, since 2026-12-03):
one process per sandbox serves all its calls; it is replaced when it ends, dies with
the server, and an idle or half-sent connection holds up no other call."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import sandbox
from nested_snippets.runner.run import execute, fake_host
from tests.test_sandbox_hostile import LIMITS, _within


def _host():
    return fake_host(Scenario(arch="amd", kernel="6.6"))


def _children(pid: int) -> set[int]:
    """The live (not yet ended) children of process ``pid``."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    live = set()
    for child in map(int, text.split()):
        try:
            state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            live.add(child)
    return live


class _Watch(threading.Thread):
    """Samples the tool server's children while a run goes on."""

    def __init__(self, server: int):
        super().__init__(daemon=True)
        self.server, self.seen, self.done = server, set(), threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.seen |= _children(self.server)
            time.sleep(0.0005)


def test_the_calls_of_a_sandbox_are_served_by_one_process():
    """30 calls and the harvest that keeps the run's writes, one process: before, the
    server forked one per call (each lived ~7 ms, so the sampling saw many) and one
    for the harvest."""
    server = sandbox.base().server.proc.pid
    with _within(60), _host() as host:
        execute(host, "true", LIMITS)
        watch = _Watch(server)
        watch.start()
        try:
            got = execute(host, "for i in $(seq 30); do modinfo -F vermagic kvm; done", LIMITS)
        finally:
            watch.done.set()
            watch.join()
    assert got.output == ["6.6.0-fake-amd64 SMP mod_unload"] * 30, got
    assert len(watch.seen) == 1, watch.seen


def _kill_worker_during(
    command: str, after: float, then: str = "true"
) -> tuple[list[str], list[int], list[str]]:
    """Run ``command`` and kill the server's worker ``after`` seconds in; then run
    ``then`` on the same host: (the first's output, the killed pids, the second's)."""
    server = sandbox.base().server.proc.pid
    killed: list[int] = []

    def kill() -> None:
        time.sleep(after)
        for pid in _children(server):
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    with _within(60), _host() as host:
        killer = threading.Thread(target=kill, daemon=True)
        killer.start()
        got = execute(host, command, LIMITS)
        killer.join()
        after_it = execute(host, then, LIMITS)
    return got.output, killed, after_it.output


def test_a_worker_that_ends_is_replaced():
    """The worker is killed while the snippet sleeps between two calls: the second
    call is answered by a new worker that has entered the same sandbox (it sees the
    modules the first call removed gone: ``lsmod`` prints its header alone)."""
    out, killed, _then = _kill_worker_during(
        "sudo modprobe -r kvm_amd; lsmod | wc -l; sleep 3; lsmod | wc -l", after=1.5
    )
    assert killed, "no worker was running during the sleep"
    assert out == ["1", "1"], out


def test_workers_die_with_their_server(tmp_path: Path):
    """In another process (its own runner and server): the server is killed while a
    sandbox sleeps; its worker does not stay behind."""
    script = tmp_path / "orphan.py"
    script.write_text(textwrap.dedent("""\
        import os, signal, threading, time
        from pathlib import Path
        from nested_snippets.fakehost.host import Scenario
        from nested_snippets.runner import sandbox
        from nested_snippets.runner.run import execute, fake_host

        server = sandbox.base().server.proc.pid
        def kids():
            return Path(f"/proc/{server}/task/{server}/children").read_text().split()
        with fake_host(Scenario(arch="amd", kernel="6.6")) as host:
            run = threading.Thread(target=lambda: execute(host, "sleep 3"), daemon=True)
            run.start()
            time.sleep(1)
            workers = [int(p) for p in kids()]
            os.kill(server, signal.SIGKILL)
            time.sleep(1)
            alive = []
            for pid in workers:
                try:
                    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                except OSError:
                    continue
                if state != "Z":
                    alive.append(pid)
            print("workers", len(workers), "alive", len(alive), flush=True)
            os._exit(0)
        """))  # fmt: skip
    repo = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, cwd=repo, env={**os.environ, "PYTHONPATH": repo})  # fmt: skip
    assert "workers 1 alive 0" in out.stdout, (out.stdout, out.stderr[-2000:])


def test_a_half_sent_request_holds_up_no_other_call():
    """A connection that sent half a request waits its turn beside the snippet's own
    call, which is answered at once; the half one is closed after CALL_SECONDS."""
    script = (
        "exec 3<>/dev/tcp/127.0.0.1/4242; read -r hello <&3; printf 'lsmod\\0\\0' >&3; "
        "start=$EPOCHREALTIME; lsmod | head -1; end=$EPOCHREALTIME; "
        'echo "$hello $(( ${end/./} - ${start/./} < 2000000 ))"; '
        "timeout 15 cat <&3; echo closed $?"
    )
    with _within(60), _host() as host:
        got = execute(host, script, LIMITS)
    assert got.output == ["Module                  Size  Used by", "ok 1", "closed 0"], got


def test_one_recorder_per_call_in_one_process():
    """A worker notes each call's reads in that call's recorder: the audit hook is
    added once per process and hands over (in another process: the hook stays)."""
    probe = textwrap.dedent("""\
        import os
        from nested_snippets.fakehost import reads
        first, second = reads.Recorder(), reads.Recorder()
        def touch(path):
            try:
                os.listdir(path)
            except OSError:
                pass
        reads.audit_files(first)
        touch("/sys/module/nkg-first")
        reads.audit_files(second)
        touch("/sys/module/nkg-second")
        reads.audit_files(None)
        touch("/sys/module/nkg-none")
        reads.audit_files(first)
        touch("/proc/nkg-again")
        print(sorted(first.paths), sorted(second.paths))
        """)  # fmt: skip
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=60, cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    assert out.stdout.strip() == (
        "['/proc/nkg-again', '/sys/module/nkg-first'] ['/sys/module/nkg-second']"
    ), (out.stdout, out.stderr[-2000:])


def test_the_writes_are_kept_when_the_worker_ended_before_the_harvest():
    """The worker is killed while the command's last step sleeps: at detach a new
    worker keeps the writes (the next run sees the file and the module gone)."""
    out, killed, then = _kill_worker_during(
        "echo kept > /root/x; sudo modprobe -r kvm_amd; sleep 3",
        after=1.5,
        then="cat /root/x; lsmod | wc -l",
    )
    assert killed, "no worker was running during the sleep"
    assert (out, then) == ([], ["kept", "1"]), (out, then)


def test_a_harvest_asked_of_a_worker_that_just_ended_is_asked_of_a_new_one():
    """A worker that ended after the server's loop last looked has closed its control
    socket: the harvest order fails (EPIPE; a SOCK_SEQPACKET socket raises no SIGPIPE,
    by which the server would die), and the server asks a new worker.  In another
    process: a sandbox whose worker's end is closed, and a stand-in for the new worker
    that answers ``0``."""
    probe = textwrap.dedent("""\
        import signal, socket
        from nested_snippets.fakehost import toolserver as ts
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        sb = object.__new__(ts._Sandbox)
        sb.control, gone = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        gone.close()
        def restart(others):
            sb.control, sb.standin = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            sb.standin.send(b"0")
        sb.restart = restart
        print(repr(sb.harvest([])))
        """)  # fmt: skip
    repo = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=60, cwd=repo)  # fmt: skip
    assert (out.returncode, out.stdout.strip()) == (0, "''"), (out.returncode, out.stderr[-2000:])
