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
