"""Session 20: a signal at any moment of the checker's life.  Before, the handlers
came after main()'s own imports, so a SIGTERM in its first milliseconds ended it
with no line, and they were given back on leaving main(), so one after it ended it
silently too; a reader that closed stdout early (``| head -1``, SIGPIPE) was a
silent success.  Now the handlers are the first thing main() does, are kept
(ignoring) once it is done, and a closed stdout is status 141, silent as a C
program that SIGPIPE killed.  What
stays: Python's own start, before any line of the checker runs; a signal there acts
as on any program (test_a_signal_sent_at_any_moment tells that case apart)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.cli.test_signals18 import _catches
from tests.conftest import REPO

TIMEOUT = 60
PROGRAM = "import sys\nfrom nested_snippets.cli import main\n{patch}\nsys.exit(main())\n"
"""The console script's own code (``nested-kvm``), with a ``patch`` before main()."""

FIRST_IMPORT = """\
import os, signal
class SignalOnImport:  # SIGTERM at the first import main() makes
    def find_spec(self, name, path=None, target=None):
        sys.meta_path.remove(self)
        os.kill(os.getpid(), signal.SIGTERM)
        return None
sys.meta_path.insert(0, SignalOnImport())
"""

AFTER_MAIN = """\
import os, signal
real = main
def main():
    status = real()
    os.kill(os.getpid(), signal.SIGTERM)  # the command is done, its status decided
    return status
"""

AFTER_WRITE = """\
import os, signal
import nested_snippets.cli.check as command
real = command.run
def run(args):
    status = real(args)  # the document is written, perhaps only into the buffer
    os.kill(os.getpid(), signal.SIGTERM)
    return status
command.run = run
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as usual
    return {**env, "PYTHONPATH": str(REPO)}


def _program(argv: list[str], patch: str = "", **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", PROGRAM.format(patch=patch), *argv],
        stdout=kwargs.pop("stdout", subprocess.PIPE), stderr=subprocess.PIPE, text=True,
        cwd=REPO, env=_env(), **kwargs,
    )  # fmt: skip


@pytest.fixture
def check_argv(make_host) -> list[str]:
    return ["check", "--root", str(make_host("intel")), "--no-probe", "--json"]


def test_the_handlers_come_before_any_import_of_main(check_argv):
    """main() imported errors (and contextlib) before it handled SIGTERM: a signal
    then ended it with no line and no status of its own."""
    proc = _program(check_argv, FIRST_IMPORT)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert (proc.returncode, err) == (143, "nested-kvm check: interrupted by SIGTERM\n")
    assert out == ""


def test_a_signal_after_main_is_done_does_not_end_it_silently():
    """main() gave SIGTERM its default back on leaving: a signal between its return
    and the exit killed the checker (status -15, no line) although it was done."""
    proc = _program(["params", "--module", "kvm", "--kernel", "6.6"], AFTER_MAIN)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert (proc.returncode, err) == (0, "")
    assert "halt_poll_ns" in out


def test_a_json_document_into_a_file_is_whole_after_a_signal(check_argv, tmp_path):
    """A signal between the write of ``check --json`` and its flush: the file holds
    the whole document, and the status and line say the signal."""
    target = tmp_path / "out.json"
    with open(target, "w") as fh:
        proc = _program(check_argv, AFTER_WRITE, stdout=fh)
        _, err = proc.communicate(timeout=TIMEOUT)
    assert (proc.returncode, err) == (143, "nested-kvm check: interrupted by SIGTERM\n")
    assert json.loads(target.read_text())["schema"] == "nested-kvm-check/1"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_sent_at_any_moment(check_argv, sig):
    """Sent from outside at 0 to 300 ms after the start (``check`` takes about 100
    ms): the checker says its line with status 128 + N, or it had finished; only
    before its handlers are in place (Python's own start, no line of the checker has
    run) does the signal end it as it ends any program.  Never a traceback, and
    stdout is a whole JSON document or nothing."""
    name = signal.Signals(sig).name
    seen: dict[str, int] = {}
    for delay in [0, 0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.2, 0.3]:
        proc = _program(check_argv)
        time.sleep(delay)
        ready = _catches(proc.pid, signal.SIGTERM)  # same handler for all three
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=TIMEOUT)
        assert "Traceback" not in err, err
        if proc.returncode == -sig:  # killed: only before the handlers are in place
            assert not ready and (out, err) == ("", ""), (delay, out, err)
            kind = "before the handlers"
        elif proc.returncode == 128 + sig:
            assert err == f"nested-kvm check: interrupted by {name}\n", (delay, err)
            kind = "its line"
        else:
            assert (proc.returncode, err) == (0, ""), (delay, err)
            kind = "done"
        assert out == "" or json.loads(out)["schema"] == "nested-kvm-check/1", (delay, out)
        seen[kind] = seen.get(kind, 0) + 1
    assert seen.get("its line", 0) + seen.get("done", 0) > 0, seen


@pytest.mark.parametrize("argv", [["params", "--module", "kvm", "--kernel", "6.6"], ["--help"]])
def test_a_stdout_closed_by_its_reader_is_status_141_and_silent(argv):
    """``| head -1`` once head has exited: Python ignores SIGPIPE, and the write's
    EPIPE was taken as a success, status 0 with nothing said, so a script could
    not tell a cut output from a whole one."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first write
    try:
        proc = _program(argv, stdout=write)
    finally:
        os.close(write)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert (proc.returncode, err) == (141, "")
