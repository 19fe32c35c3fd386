"""The real-kernel tier: one QEMU boot per Debian kernel runs every AMD snippet.

Prerequisites are fetched by the tier itself (kernel packages into
``build/realkernel-cache``; QEMU with apt-get when running as root).  Without QEMU
the tier skips with one reason, except under ``CI=true`` where that is a failure.
``NKG_REALKERNEL_KERNELS=bookworm`` limits the kernels; ``NKG_REALKERNEL=0`` skips.
The tier's wall time is written to ``build/realkernel-timing.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from nested_snippets.realkernel import CACHE, RealKernelUnavailable, boot, kernels, plan
from nested_snippets.realkernel.differential import TierRun, run_kernel

HERE = Path(__file__).resolve().parent
TIMING = CACHE.parent / "realkernel-timing.json"
_runs: dict[str, TierRun | Exception] = {}
_elapsed: dict[str, float] = {"wall": 0.0}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip, or fail under CI: a CI machine must have everything the tier needs."""
    if in_ci():
        pytest.fail(f"real-kernel tier (CI=true): {reason}", pytrace=False)
    pytest.skip(f"real-kernel tier: {reason}")


def _install_qemu() -> None:
    if shutil.which(boot.QEMU) or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "qemu-system-x86",
                    "busybox-static", "kmod", "cpio"], env=env, capture_output=True,
                   timeout=900)  # fmt: skip


def tier_run(target: str) -> TierRun:
    """The (cached) run of every case on ``target``'s kernel; skips/fails if impossible."""
    if os.environ.get("NKG_REALKERNEL") == "0":
        pytest.skip("real-kernel tier disabled by NKG_REALKERNEL=0")
    if target not in _runs:
        try:
            _install_qemu()
            boot.qemu_binary()
            _runs[target] = run_kernel(kernels.fetch(target))
        except RealKernelUnavailable as exc:
            _runs[target] = exc
    got = _runs[target]
    if isinstance(got, Exception):
        unavailable(str(got))
    assert isinstance(got, TierRun)
    return got


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.realkernel)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        metafunc.parametrize("target", kernels.selected_targets())
    if "case_id" in metafunc.fixturenames:
        # cases a TCG guest can never reproduce are listed in the summary, not skipped
        metafunc.parametrize("case_id", [c.id for c in plan.all_cases() if not c.skip])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    start = time.monotonic()
    yield
    if item.get_closest_marker("realkernel"):
        _elapsed["wall"] += time.monotonic() - start


def pytest_terminal_summary(terminalreporter) -> None:
    if not _elapsed["wall"]:
        return
    boots = {t: {"release": r.kernel.release, "package": r.kernel.image.package,
                 "version": r.kernel.version, "boot_seconds": round(r.boot.seconds, 2)}
             for t, r in _runs.items() if isinstance(r, TierRun)}  # fmt: skip
    record = {"wall_seconds": round(_elapsed["wall"], 2), "kernels": boots,
              "skipped": {t: str(e) for t, e in _runs.items() if isinstance(e, Exception)}}
    TIMING.parent.mkdir(parents=True, exist_ok=True)
    TIMING.write_text(json.dumps(record, indent=2) + "\n")
    terminalreporter.section("real-kernel tier")
    terminalreporter.write_line(f"wall time {record['wall_seconds']} s (written to {TIMING})")
    for target, info in boots.items():
        terminalreporter.write_line(
            f"  {target}: {info['package']} {info['version']}: boot {info['boot_seconds']} s")
    fake_only: dict[str, list[str]] = {}
    for case in plan.all_cases():
        if case.skip:
            fake_only.setdefault(case.skip, []).append(case.id)
    for why, ids in sorted(fake_only.items()):
        terminalreporter.write_line(f"  fake host only ({why}): {len(ids)}: {', '.join(ids)}")
