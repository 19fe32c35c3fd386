"""Session 18: a signal stops every command with one line.  SIGTERM (and SIGHUP)
during ``check``, ``lint`` or ``params`` killed it silently (only ``report`` said
why it stopped), and Ctrl-C while the command line was read ended in a Python
traceback.  Now each is one line ``nested-kvm <command>: interrupted by <SIGNAL>``
and exit status 128 + the signal's number (errors.stopped_by_signals, which every
command runs in, its options' reading too)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from nested_snippets import cli
from tests.conftest import REPO

TIMEOUT = 60
COMMANDS = {
    "check": ["check", "--no-probe"],
    "lint": ["lint", "--kernel", "6.6", "--arch", "x86", os.devnull],
    "params": ["params", "--module", "kvm", "--kernel", "6.6"],
}

SELF_SIGNALLED = """\
import os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal: not ignored
from nested_snippets.cli import main
{patch}
sys.exit(main(sys.argv[1:]))
"""
"""A child that sends itself a signal at a chosen point (``patch``): the signal
arrives there, whatever the machine's speed."""

IN_RUN = """\
import nested_snippets.cli.{module} as command
real = command.run
def run(args):
    os.kill(os.getpid(), signal.{sig})  # while the command runs
    for _ in range(1000):  # the handler runs between two of these
        pass
    return real(args)
command.run = run
"""

IN_PARSING = """\
import argparse
real = argparse.ArgumentParser.parse_known_args
def parse_known_args(self, *a, **k):
    os.kill(os.getpid(), signal.{sig})  # while the command line is read
    for _ in range(1000):
        pass
    return real(self, *a, **k)
argparse.ArgumentParser.parse_known_args = parse_known_args
"""


def _child(argv: list[str], patch: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SELF_SIGNALLED.format(patch=patch), *argv],
        capture_output=True, text=True, cwd=REPO, timeout=TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_signal_while_a_command_runs_is_one_line(command, sig):
    """SIGTERM killed check, lint and params silently, with no reason in a script's
    log (a shell shows status 143 and nothing else)."""
    name = signal.Signals(sig).name
    proc = _child(COMMANDS[command], IN_RUN.format(module=command, sig=name))
    assert (proc.returncode, proc.stderr) == (
        128 + sig, f"nested-kvm {command}: interrupted by {name}\n"
    ), proc  # fmt: skip
    assert proc.stdout == ""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("command", ["lint", "params", "report"])
def test_a_signal_while_the_command_line_is_read_is_one_line(command, sig):
    """Ctrl-C while argparse read the command line printed a traceback (and SIGTERM
    killed it silently): now the same one line as in the command."""
    name = signal.Signals(sig).name
    argv = {**COMMANDS, "report": ["report", "-o", "-"]}[command]
    proc = _child(argv, IN_PARSING.format(sig=name))
    assert "Traceback" not in proc.stderr, proc.stderr
    assert (proc.returncode, proc.stderr) == (
        128 + sig, f"nested-kvm {command}: interrupted by {name}\n"
    ), proc  # fmt: skip


@pytest.mark.parametrize("argv", [["lint", "x.conf"], ["--version"], ["chek"], []])
def test_ctrl_c_while_the_command_line_is_read_in_process(cli_main_parser_interrupted, argv):
    rc, err = cli_main_parser_interrupted(argv)
    command = argv[0] if argv and argv[0] in ("lint",) else None
    who = f"nested-kvm {command}" if command else "nested-kvm"
    assert (rc, err) == (130, f"{who}: interrupted by SIGINT\n")


@pytest.fixture
def cli_main_parser_interrupted(monkeypatch, capsys):
    """main(argv) with Ctrl-C arriving in the argument parser: (status, stderr)."""

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)

    def run(argv: list[str]) -> tuple[int, str]:
        rc = cli.main(argv)
        return rc, capsys.readouterr().err

    return run


def _catches(pid: int, sig: int) -> bool:
    """Whether process ``pid`` has a handler for ``sig`` (SigCgt of /proc/PID/status)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            caught = next(ln for ln in fh if ln.startswith("SigCgt:")).split()[1]
    except (OSError, StopIteration):
        return False
    return bool(int(caught, 16) >> (sig - 1) & 1)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_sent_at_start_up_is_one_line(tmp_path, sig):
    """The signal sent from outside, as a shell or a service manager sends it, as
    soon as the checker handles it (it catches SIGTERM from then on, which a Python
    program does not by default): a command line of 100,000 words keeps it busy
    reading them and linting, and it says why it stopped."""
    words = ["lint", "--kernel", "6.6", "--arch", "x86", *["."] * 100_000]  # tmp_path, empty
    proc = subprocess.Popen(
        [sys.executable, "-m", "nested_snippets.cli", *words],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # not ignored
    )  # fmt: skip
    deadline = time.monotonic() + TIMEOUT
    while not _catches(proc.pid, signal.SIGTERM):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the handler was never installed"
        time.sleep(0.001)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=TIMEOUT)
    name = signal.Signals(sig).name
    assert "Traceback" not in err, err[-2000:]
    assert (proc.returncode, err) == (128 + sig, f"nested-kvm lint: interrupted by {name}\n")
    assert out == ""
