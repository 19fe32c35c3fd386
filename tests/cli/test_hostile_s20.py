"""Session 20, hostile use of the checker: what broke and is mended.

- Standard error that cannot be written (``2>/dev/full``, a pipe whose reader has
  gone): the exit status became Python's 120 (its write error at exit), or 1 with a
  traceback where stderr is unbuffered (``PYTHONUNBUFFERED``), in place of the
  command's own; ``lint`` even said "cannot write standard output".  Now its
  messages go nowhere, as with ``2>&-``, and the status stays.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

TIMEOUT = 60
PROGRAM = "import sys\nfrom nested_snippets.cli import main\nsys.exit(main())\n"


def _run(argv: list[str], stderr, unbuffered: bool, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, *argv], stdout=subprocess.PIPE, stderr=stderr,
        cwd=REPO, timeout=TIMEOUT, env={**env, "PYTHONPATH": str(REPO)}, **kwargs,
    )  # fmt: skip


COMMANDS = {
    "lint-missing-file": (["lint", "--kernel", "6.6", "--arch", "x86", "/no/such.conf"], 2),
    "usage-error": (["chek"], 2),
    "params-note": (["params", "--module", "kvm", "--kernel", "6.6.999"], 0),
}


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("name", COMMANDS)
def test_a_stderr_that_cannot_be_written_keeps_the_status(name, unbuffered):
    argv, status = COMMANDS[name]
    with open("/dev/full", "wb") as full:
        proc = _run(argv, full, unbuffered)
    assert proc.returncode == status


@pytest.mark.parametrize("name", COMMANDS)
def test_a_stderr_whose_reader_is_gone_keeps_the_status(name):
    argv, status = COMMANDS[name]
    read, write = os.pipe()
    os.close(read)
    try:
        proc = _run(argv, write, False)
    finally:
        os.close(write)
    assert proc.returncode == status


def test_stderr_is_given_back_to_an_in_process_caller(capsys):
    """main(argv) in a process that goes on (a test) leaves sys.stderr as it was."""
    from nested_snippets.cli import main

    before = sys.stderr
    assert main(["lint", "--kernel", "6.6", "--arch", "x86", "/no/such.conf"]) == 2
    assert sys.stderr is before
    assert "no such file or directory" in capsys.readouterr().err
