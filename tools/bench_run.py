#!/usr/bin/env python3
"""The CPU time of one sandbox run, and of a snippet file run in full: the yardstick
of the performance design (``nested_snippets/runner/shared.py``).

``single``: runs ``lsmod | head -2`` (or each ``--command``, one after the other in
the same sandbox; ``--trace``: each under strace) ``--runs`` times in fresh
sandboxes of one fake host, keeping its writes (with ``--discard``, as an item of one
sandbox does: no harvest at the end) and prints the mean and median CPU time of a
run: this process's, its children's (bubblewrap and everything in the sandbox) and
the tool server's own and its calls' (read from ``/proc``), each a difference around
the run.

``profile``: runs the whole matrix (``pytest nested_snippets/snippets -n 2``) under
``perf record -F 1000`` (its own process tree; root, or a low enough
``kernel.perf_event_paranoid``) and prints
the CPU seconds of each kind of process, each divided by the matrix's runs: where the
time goes, by program rather than by guess (:func:`profile`).

``floor``: the CPU time of a run in a bare bubblewrap sandbox and in a "zygote" that
makes each run's namespaces by forking in one user namespace (:func:`floor`), as
``nobody``: where namespaces alone set the floor of a run.

``file``: runs ``pytest -q -p no:cacheprovider -n 0 FILE`` with ``NKG_NO_SHARE=1``
(every item a full run) and prints its wall and CPU time (``getrusage`` of the
children: pytest, the tool server, every sandbox).

Each report starts with the date, the load average and the time of
``python3 -c 'sum(range(10**7))'`` (the machine's speed varies by half on shared
cores).  Usage: ``nice python tools/bench_run.py single|profile|file|floor [--runs N] [FILE]``.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def yardstick() -> str:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "sum(range(10**7))"], check=True)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{stamp}, load {load}, yardstick {time.perf_counter() - start:.2f} s"


def _own() -> float:
    self = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return self.ru_utime + self.ru_stime + kids.ru_utime + kids.ru_stime


def _server(pid: int) -> float:
    """The tool server's CPU time and that of the calls it reaped (seconds)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def single(runs: int, commands: list[str], keep: bool, trace: bool = False) -> None:
    from nested_snippets.fakehost.host import Scenario
    from nested_snippets.runner import sandbox
    from nested_snippets.runner.run import fake_host, run_commands

    def execute(host, commands):
        return run_commands(host, commands, keep_writes=keep, trace=trace)[-1]


    print(yardstick())
    server = sandbox.base().server.proc.pid
    costs, walls = [], []
    with fake_host(Scenario("intel", "6.6")) as host:
        execute(host, commands)  # warm: the base, the caches
        for _ in range(runs):
            cpu0, srv0, wall0 = _own(), _server(server), time.perf_counter()
            out = execute(host, commands)
            walls.append(time.perf_counter() - wall0)
            # the server reaps a call's process after the run: wait for its ticks
            time.sleep(0.02)
            costs.append(_own() - cpu0 + _server(server) - srv0)
    assert out.status == 0, out
    print(
        f"single {' ; '.join(commands)!r} ({'kept' if keep else 'discarded'} writes"
        f"{', traced' if trace else ''}): {runs} runs, "
        f"CPU mean {statistics.fmean(costs) * 1e3:.1f} ms (the tool server's share is"
        f" counted in clock ticks: the mean holds it, not the median), "
        f"median {statistics.median(costs) * 1e3:.1f} ms "
        f"(quartiles {statistics.quantiles(costs)[0] * 1e3:.1f}-"
        f"{statistics.quantiles(costs)[2] * 1e3:.1f}), wall median "
        f"{statistics.median(walls) * 1e3:.1f} ms"
    )

PERF_HZ = 1000
"""Samples a second and CPU for ``profile``: each sample stands for a millisecond."""
LONG_LIVED = 5.0
"""A Python process sampled over more seconds is a test process or a tool server; one
sampled over fewer is a tool server's per-sandbox worker (a fork, so still "python")."""
KINDS = (
    ("strace (run by /usr's loader)", re.compile(r"ld-linux.*|ld\.so.*|strace")),
    ("bubblewrap", re.compile(r"bwrap")),
    ("PID 1 (perl) and its forks before exec", re.compile(r"perl")),
    ("bash (commands, fake tools' clients)", re.compile(r"bash|sh|dash")),
    ("kernel threads", re.compile(r"kworker.*|ksoftirqd.*|rcu.*|kdamond.*|migration.*|kswapd.*")),
)


def _kind(comm: str, span: float) -> str:
    if comm.startswith("python"):
        return "Python: tests and tool servers" if span >= LONG_LIVED else (
            "Python: tool server's per-sandbox workers")
    if comm.startswith("perf"):
        return "perf itself"
    return next((name for name, pattern in KINDS if pattern.fullmatch(comm)),
                "other programs (snippets' commands)")


def profile() -> int:
    """Run the matrix under ``perf record`` and print CPU seconds by kind of process."""
    perf = shutil.which("perf")
    if perf is None:
        print("profile needs perf (Debian: apt-get install linux-perf)", file=sys.stderr)
        return 2
    print(yardstick())
    with tempfile.TemporaryDirectory(prefix="nkg-profile-") as work:
        data = os.path.join(work, "perf.data")
        proc = subprocess.run(
            [perf, "record", "-q", "-F", str(PERF_HZ), "-o", data, "--",
             sys.executable, "-m", "pytest", "nested_snippets/snippets", "-q", "-n", "2",
             "-p", "no:cacheprovider"],
            cwd=REPO, capture_output=True, text=True,
        )  # fmt: skip
        found = re.search(r"in \d+ items: (\d+) run", proc.stdout)
        if proc.returncode != 0 or found is None:
            print(f"the matrix failed under perf (status {proc.returncode}):\n"
                  f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}", file=sys.stderr)
            return 1
        script = subprocess.run([perf, "script", "-i", data, "-F", "pid,comm,time"],
                                capture_output=True, text=True, check=True).stdout
    runs = int(found.group(1))
    samples: collections.Counter[tuple[str, str]] = collections.Counter()
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for line in script.splitlines():
        fields = line.rsplit(None, 2)
        if len(fields) != 3 or fields[0].strip() in ("swapper", ""):
            continue
        comm, pid, stamp = fields[0].strip(), fields[1], float(fields[2].rstrip(":"))
        samples[(pid, comm)] += 1
        first.setdefault(pid, stamp)
        last[pid] = stamp
    kinds: collections.Counter[str] = collections.Counter()
    for (pid, comm), count in samples.items():
        kinds[_kind(comm, last[pid] - first[pid])] += count
    total = sum(kinds.values())
    print(f"profile of the matrix: {runs} runs, {total / PERF_HZ:.1f} s of CPU sampled "
          f"(perf adds its own cost)")
    for name, count in kinds.most_common():
        print(f"  {name:45s} {count / PERF_HZ:6.1f} s {100 * count / total:5.1f} %  "
              f"{count / PERF_HZ / runs * 1e3:5.1f} ms a run")
    return 0


def whole_file(path: str) -> None:
    print(yardstick())
    env = {**os.environ, "NKG_NO_SHARE": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", path],
        cwd=REPO, env=env, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    last = proc.stdout.strip().splitlines()[-1:] or ["?"]
    print(
        f"file {path}: {last[0]}; wall {wall:.1f} s, CPU {user + system:.1f} s "
        f"({user:.1f} user, {system:.1f} system)"
    )


ZYGOTE = r"""
import ctypes, os, resource, sys
libc = ctypes.CDLL(None, use_errno=True)
FLAGS = 0x00020000 | 0x20000000 | 0x08000000 | 0x04000000  # NEWNS NEWPID NEWIPC NEWUTS
def one(files):
    pid = os.fork()
    if pid == 0:
        if libc.unshare(FLAGS) or libc.mount(b"tmpfs", b"/mnt", b"tmpfs", 6, b"size=1m"):
            os._exit(1)
        for i in range(files):
            with open(f"/mnt/f{i}", "w") as f:
                f.write("Y\n")
        bash = os.fork()
        if bash == 0:
            os.execv("/bin/bash", ["bash", "--noprofile", "--norc", "-c", COMMAND])
        os._exit(os.waitstatus_to_exitcode(os.waitpid(bash, 0)[1]))
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
def cpu():
    s, c = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime
runs, files = int(sys.argv[1]), int(sys.argv[2])
assert one(files) == 0, "the namespace maker failed"
start = cpu()
for _ in range(runs):
    one(files)
print((cpu() - start) / runs)
"""
"""A process kept in one user namespace (with its capabilities there) that forks, for
each run, new mount, PID, IPC and UTS namespaces, mounts a tmpfs, writes ``files``
files into it and runs :data:`FLOOR_COMMAND`: what a "zygote" would pay a run."""
FLOOR_COMMAND = "cat /proc/version >/dev/null"
_BWRAP_BASE = ["--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
               "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
               "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/mnt"]  # fmt: skip
_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def floor(runs: int) -> None:
    """The CPU time of a run in a bare bubblewrap sandbox and in a zygote
    (:data:`ZYGOTE`), as the unprivileged user ``nobody``: where namespaces set the
    floor of a run, against ``single --discard --command true`` (the runner's)."""
    print(yardstick())
    unprivileged = _NOBODY if os.geteuid() == 0 else []
    bare = [*unprivileged, "bwrap", "--unshare-all", *_BWRAP_BASE,
            "/bin/bash", "--noprofile", "--norc", "-c", FLOOR_COMMAND]  # fmt: skip
    start = _own()
    for _ in range(runs):
        subprocess.run(bare, check=True)
    print(f"bare bubblewrap sandbox: {(_own() - start) / runs * 1000:.2f} ms CPU a run "
          f"({runs} runs, --unshare-all, bash -c {FLOOR_COMMAND!r})")  # fmt: skip
    with tempfile.TemporaryDirectory() as work:
        code = Path(work, "zygote.py")
        code.write_text(f"COMMAND = {FLOOR_COMMAND!r}\n" + ZYGOTE)
        os.chmod(work, 0o755)
        os.chmod(code, 0o644)
        for files in (0, 200):
            out = subprocess.run(
                [*unprivileged, "bwrap", "--unshare-all", *_BWRAP_BASE, "--ro-bind", work,
                 "/zygote", "--cap-add", "ALL", "--uid", "0", "--gid", "0",
                 "/usr/bin/python3", "-I", "-S", "/zygote/zygote.py", str(runs), str(files)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            print(f"zygote, {files} files written: {float(out.stdout) * 1000:.2f} ms CPU a run")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("single", "profile", "file", "floor"))
    parser.add_argument("file", nargs="?", default="nested_snippets/snippets/power.py")
    parser.add_argument("--runs", type=int, default=41)
    parser.add_argument(
        "--command", action="append", help="a command (given again: the next command of the "
        "same sandbox); default: lsmod | head -2"
    )  # fmt: skip
    parser.add_argument(
        "--discard", action="store_true", help="no harvest at the end, as a one-sandbox item"
    )
    parser.add_argument("--trace", action="store_true", help="each command under strace")
    args = parser.parse_args()
    if args.mode == "profile":
        return profile()
    if args.mode == "floor":
        floor(args.runs)
        return 0
    if args.mode == "single":
        single(args.runs, args.command or ["lsmod | head -2"], not args.discard, args.trace)
    else:
        whole_file(args.file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
