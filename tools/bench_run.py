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

``file``: runs ``pytest -q -p no:cacheprovider -n 0 FILE`` with ``NKG_NO_SHARE=1``
(every item a full run) and prints its wall and CPU time (``getrusage`` of the
children: pytest, the tool server, every sandbox).

Each report starts with the date, the load average and the time of
``python3 -c 'sum(range(10**7))'`` (the machine's speed varies by half on shared
cores).  Usage: ``nice python tools/bench_run.py single|file [--runs N] [FILE]``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import statistics
import subprocess
import sys
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("single", "file"))
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
    if args.mode == "single":
        single(args.runs, args.command or ["lsmod | head -2"], not args.discard, args.trace)
    else:
        whole_file(args.file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
