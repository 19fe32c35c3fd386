#!/usr/bin/env python3
"""Time ``nested-kvm check`` against ``virt-host-validate qemu`` and ``kvm-ok``.

Each round runs every tool once, in turn, so that load from other processes hits
them alike; the report gives, per tool, the median wall time and the median CPU time
(user + system of the child) over the rounds, and each tool's ratio to
``nested-kvm check``.  Output is discarded and exit statuses are ignored: a host that
is not ready takes as long to check.  The target is ``nested-kvm check`` at most 3x
``virt-host-validate qemu`` (wall time).  ``nested-kvm check`` includes the KVM probe
(open ``/dev/kvm``, create and destroy a VM, ask capabilities) when this user may open
``/dev/kvm``; ``--no-probe`` and the zipapp (``build/nested-kvm.pyz``, if built, run
with ``-I`` by the interpreter the virtual environment is made from) are shown for
comparison.

Because the timed runs discard their output, ``check --json`` is run once first to
confirm that the probe runs here (its ``kvm-api`` and ``kvm-create-vm`` checks are
in the output and not skipped): without it ``nested-kvm check`` would be timed
without its slowest part, and the target is then reported as not measured.

Python's own start-up is shown as a baseline (``python -c pass``).  The children run
without ``PYTHONDONTWRITEBYTECODE`` so that, as after ``pip install``, compiled
bytecode is used; the warm-up round writes it.  Tools that are not installed are
reported and left out (Debian: ``apt-get install libvirt-clients cpu-checker``).

Usage: python tools/bench_check.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = 3.0
OURS = "nested-kvm check"
BASELINE = "python -c pass (baseline)"


def nested_kvm() -> list[str]:
    script = Path(sys.executable).parent / "nested-kvm"
    if script.exists():
        return [str(script), "check"]
    found = shutil.which("nested-kvm")
    return [found, "check"] if found else [sys.executable, "-m", "nested_snippets.cli", "check"]


PROBE_CHECKS = ("kvm-api", "kvm-create-vm")
"""The checks of the KVM probe that every run of it gives (nested_snippets/cli/checks.py,
``_Checker.probe``); its capability checks follow them, ``kvm-probe`` is its SKIP."""


def probe_ran(output: str) -> tuple[bool, str]:
    """Did ``nested-kvm check --json`` (its standard output) run the KVM probe?
    (yes or no, and what shows it: the probe's checks, or why it did not run)."""
    try:
        checks = json.loads(output)["checks"]
        found = {c["id"]: c for c in checks}
    except (ValueError, KeyError, TypeError) as exc:
        return False, f"no check --json output to read ({type(exc).__name__})"
    skipped = found.get("kvm-probe")
    if skipped is not None:
        return False, f"kvm-probe {skipped.get('status')}: {skipped.get('value')}"
    missing = [c for c in PROBE_CHECKS if c not in found]
    if missing:
        return False, f"no {', '.join(missing)} check in the output"
    states = [f"{c} {found[c].get('status')}" for c in PROBE_CHECKS]
    if any(found[c].get("status") not in ("PASS", "WARN", "FAIL") for c in PROBE_CHECKS):
        return False, ", ".join(states)
    caps = [c["id"] for c in checks if str(c.get("id", "")).startswith("cap-")]
    return True, ", ".join(states) + f", {len(caps)} capabilities asked"


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="rounds (default 21)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    pyz = REPO / "build" / "nested-kvm.pyz"
    candidates = {
        OURS: nested_kvm(),
        "nested-kvm check --no-probe": [*nested_kvm(), "--no-probe"],
        # the interpreter itself: "python3" on PATH may be a wrapper such as a pyenv
        # shim (a shell script that costs a second here), which is not the zipapp's cost
        "nested-kvm.pyz check": [os.path.realpath(sys.executable), "-I", str(pyz), "check"],
        "virt-host-validate qemu": ["virt-host-validate", "qemu"],
        "kvm-ok": ["kvm-ok"],
        BASELINE: [sys.executable, "-c", "pass"],
    }
    tools = {}
    for name, argv in candidates.items():
        if name.startswith("nested-kvm.pyz") and not pyz.exists():
            print(f"{name}: build/nested-kvm.pyz not built (make pyz), left out")
        elif shutil.which(argv[0]) or Path(argv[0]).exists():
            tools[name] = argv
        else:
            print(f"{name}: not installed, left out")
    if OURS not in tools:
        return 1
    # once, with its output: does the probe run here? (the timed runs discard output)
    first = subprocess.run(
        [*tools[OURS], "--json"], capture_output=True, text=True, cwd=REPO, env=env
    )
    probed, why = probe_ran(first.stdout)
    print(f"probe: ran ({why})" if probed else f"probe: NOT run ({why}) — target not measured")
    for argv in tools.values():  # warm-up: page cache, bytecode
        run_once(argv, env)
    walls: dict[str, list[float]] = {name: [] for name in tools}
    cpus: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(args.runs):
        for name, argv in tools.items():
            wall, cpu = run_once(argv, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    wall_med = {n: statistics.median(v) for n, v in walls.items()}
    cpu_med = {n: statistics.median(v) for n, v in cpus.items()}
    print(
        f"{'command':<28} {'wall median':>12} {'wall min':>9} {'CPU median':>11} {'check / it':>11}"
    )
    for name in tools:
        ratio = wall_med[OURS] / wall_med[name]
        print(
            f"{name:<28} {wall_med[name] * 1e3:>10.1f}ms {min(walls[name]) * 1e3:>7.1f}ms "
            f"{cpu_med[name] * 1e3:>9.1f}ms {ratio:>10.2f}x"
        )
    print(
        f"rounds: {args.runs}, interleaved; load average {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    vhv = "virt-host-validate qemu"
    if vhv in tools:
        print(target_line(wall_med[OURS], wall_med[vhv], cpu_med[OURS], cpu_med[vhv], probed))
    return 0


def target_line(wall: float, vhv_wall: float, cpu: float, vhv_cpu: float, probed: bool) -> str:
    """The verdict on the target; never "met" for a run without the KVM probe."""
    vhv = "virt-host-validate qemu"
    if not probed:
        verdict = "not measured (the KVM probe did not run)"
    else:
        verdict = "met" if wall <= TARGET * vhv_wall else "MISSED"
    return (
        f"target {OURS} <= {TARGET:g}x {vhv}: {verdict} "
        f"({wall / vhv_wall:.2f}x wall, {cpu / vhv_cpu:.2f}x CPU)"
    )


if __name__ == "__main__":
    sys.exit(main())
