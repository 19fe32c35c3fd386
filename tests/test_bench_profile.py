"""``tools/bench_run.py profile`` sorts sampled processes into the kinds shared.py cites."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "bench_run", Path(__file__).resolve().parent.parent / "tools" / "bench_run.py"
)
bench_run = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench_run)


@pytest.mark.parametrize(
    ("comm", "span", "kind"),
    [
        ("python", 160.0, "Python: tests and tool servers"),
        ("python", 0.01, "Python: tool server's per-sandbox workers"),
        ("ld-linux-x86-64", 0.1, "strace (run by /usr's loader)"),
        ("strace", 0.1, "strace (run by /usr's loader)"),
        ("bwrap", 0.1, "bubblewrap"),
        ("perl", 0.1, "PID 1 (perl) and its forks before exec"),
        ("bash", 0.1, "bash (commands, fake tools' clients)"),
        ("kworker/u8:1-ev", 0.1, "kernel threads"),
        ("grep", 0.1, "other programs (snippets' commands)"),
        ("bashful", 0.1, "other programs (snippets' commands)"),
    ],
)
def test_each_process_lands_in_its_kind(comm: str, span: float, kind: str) -> None:
    assert bench_run._kind(comm, span) == kind


def test_floor_prints_the_cpu_of_a_bare_sandbox_and_of_a_zygote_run(capsys) -> None:
    """``floor`` (the figures shared.py's "Is a zygote the way out?" cites) runs both
    kinds of run as ``nobody`` and prints one positive CPU time for each."""
    if not Path("/usr/bin/bwrap").exists():
        pytest.skip("floor needs bubblewrap")
    bench_run.floor(2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("bare bubblewrap sandbox: "), lines
    assert [line.split(":")[0] for line in lines[2:]] == [
        "zygote, 0 files written", "zygote, 200 files written"]
    for line in lines[1:]:
        assert float(line.split(": ")[1].split(" ms")[0]) > 0, line
