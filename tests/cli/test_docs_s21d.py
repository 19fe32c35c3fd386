"""Session 21d: claims of source/reference/cli.rst checked against the checker.
Each test failed on the text before its fix."""

from __future__ import annotations

import re

import pytest

from nested_snippets.cli import build_parser, report
from tests.conftest import REPO

PAGE = (REPO / "source/reference/cli.rst").read_text()
SYNOPSIS = PAGE[PAGE.index("Synopsis\n---") : PAGE.index("Description\n---")]
CHECKS = PAGE[PAGE.index("Checks\n~~~") : PAGE.index(".. _cli-kvm-probe:")]
LINT = PAGE[PAGE.index("nested-kvm lint\n-----") : PAGE.index("nested-kvm params\n-----")]
REPORT = PAGE[PAGE.index("nested-kvm report\n-----") : PAGE.index("nested-kvm lint\n-----")]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _synopsis(command: str) -> list[str]:
    """The synopsis lines of one command."""
    return [ln for ln in SYNOPSIS.splitlines() if ln.startswith(f"| ``nested-kvm {command}``")]


def _options(command: str) -> set[str]:
    """The long options of one command, as its argument parser has them (not --help)."""
    sub = build_parser()._subparsers._group_actions[0].choices[command]  # noqa: SLF001
    return {
        max(a.option_strings, key=len)
        for a in sub._actions  # noqa: SLF001
        if a.option_strings and "--help" not in a.option_strings
    }


@pytest.mark.parametrize("command", ["check", "report", "lint", "params"])
def test_the_synopsis_names_every_option_and_no_other(command):
    """lint's --cmdline (session 21) was missing from the synopsis."""
    lines = _synopsis(command)
    assert lines, command
    shown = set(re.findall(r"(--[a-z-]+)", " ".join(lines)))
    assert shown | {"--output"} >= _options(command), command  # -o FILE stands for --output
    assert shown <= _options(command), command


def test_the_lint_synopsis_shows_files_optional_with_cmdline(cli, tmp_path):
    """With --cmdline no FILE|DIR is needed; the synopsis showed FILE|DIR as required."""
    line = tmp_path / "cmdline"
    line.write_text("kvm-arm.mode=nested\n")
    assert cli("lint", "--kernel", "6.6", "--arch", "arm64", "--cmdline", str(line)).rc == 0
    start = "| ``nested-kvm lint`` ``--cmdline FILE``"
    assert any(ln.startswith(start) for ln in _synopsis("lint"))


def test_the_running_synopsis_names_kernel(cli, make_host):
    """params --running takes --kernel (the first line then names it); the synopsis
    line of --running did not show it."""
    run = cli("params", "--running", "--kernel", "6.1", "--root", str(make_host("intel")))
    assert run.rc == 0 and "--kernel 6.1" in run.out.splitlines()[0]
    running = [ln for ln in _synopsis("params") if "--running" in ln]
    assert running and "``[--kernel VERSION]``" in running[0]


def test_nested_config_is_said_absent_on_arm64(cli, make_host):
    """Arm64's check has no nested-config line (kvm-arm.mode is read by the nested line);
    the row said nothing of it, as the kvm-module row does."""
    checks = cli("check", "--root", str(make_host("arm64")), "--json").json["checks"]
    ids = [c["id"] for c in checks]
    assert "nested" in ids and "nested-config" not in ids
    row = CHECKS[CHECKS.index("* - ``nested-config``") : CHECKS.index("* - ``ept``")]
    assert "Not shown on Arm64" in _flat(row)


def test_the_redaction_costs_are_both_documented():
    """A word that may hold a secret costs SECRET_WORD_COST, not WORD_COST; the page
    gave fifty for every word."""
    flat = _flat(REPORT)
    assert report.WORD_COST == 50 and "counts as fifty" in flat
    assert report.SECRET_WORD_COST == 150 and "150" in flat


def test_the_lint_exit_status_names_every_cause_of_2(cli, tmp_path, monkeypatch):
    """lint stops with 2 when no input is given and when the architecture cannot be
    told; the exit-status sentence named only unreadable input and unknown versions."""
    assert cli("lint", "--kernel", "6.6", "--arch", "x86").rc == 2
    root = tmp_path / "root"
    (root / "proc").mkdir(parents=True)
    (root / "proc/cpuinfo").write_text("nothing here\n")
    conf = tmp_path / "kvm.conf"
    conf.write_text("options kvm_intel nested=1\n")
    assert cli("lint", "--kernel", "6.6", "--root", str(root), str(conf)).rc == 2
    sentence = _flat(LINT[LINT.index("Exit status: 0") :].split("\n\n")[0])
    assert "architecture" in sentence and "--cmdline" in sentence


def test_the_hash_after_a_blank_is_said_to_start_the_line(cli, tmp_path):
    """kmod skips a line whose first character is ``#``; one that starts with a blank
    and then ``#`` is a command it ignores, while a ``#`` later in an ``options`` line
    is an option word.  The table's "a ``#`` after a blank" read as the second too."""
    conf = tmp_path / "kvm.conf"
    conf.write_text("  # comment\noptions kvm_amd avic=1 #c\n")
    out = cli("lint", "--kernel", "6.6", "--arch", "x86", str(conf)).out
    assert "kvm.conf:1: warning: kmod ignores this line" in out
    assert "kvm.conf:2: error: kvm_amd (Linux 6.6) has no parameter '#c'" in out
    assert "a line that starts with blanks and then ``#``" in _flat(LINT)
    assert "a ``#`` later in an ``options`` line is one of its words" in _flat(LINT)
