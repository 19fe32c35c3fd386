"""QUIRKS 17 (hostile review of the nested-kvm CLI, after test_attack15.py).  Each test
shows one promise of source/reference/cli.rst (bad input: one clear line naming the
parameter, a non-zero exit, no traceback, nothing half-written) that did not hold
before its fix in branch quirks17:

1. an argument that is not UTF-8 (``\\xff``, which Python holds as ``'\\udcff'``) was
   quoted back as ``'\\udcff'``;
2. a near-miss choice (``--level l1``) or option (``--rot``) got no "did you mean",
   and an unknown option was the top-level parser's error, with its usage;
3. SIGTERM or SIGHUP during ``report -o FILE`` killed it silently (Ctrl-C: status 130
   and nothing said), and a signal while *FILE* was written left it cut;

and five more of the review's own: ``-o`` checked only after the report was built,
``params --module ''`` answered "give --module", an unreachable ``--root``'s reason
in capitals, Ctrl-C silent in every command, unknown options in the wrong usage.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nested_snippets.cli import main

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def _usage_error(argv: list[str], capsys) -> tuple[int, str, str]:
    """(status, stdout, stderr) of ``main(argv)``, whether argparse exits or it returns."""
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


# ------------------------------------------------ 1. arguments that are not UTF-8
NOT_UTF8 = [
    (["check", "--level", "L\udcff"], "--level"),
    (["check", "--root", "/nonexistent-q17/\udcff"], "--root"),
    (["report", "--root", "/nonexistent-q17/\udcff"], "--root"),
    (["lint", "--arch", "x\udcff", "x.conf"], "--arch"),
    (["lint", "--kernel", "6.\udcff", "x.conf"], "--kernel"),
    (["params", "--module", "kvm", "--arch", "x\udcff"], "--arch"),
    (["params", "--module", "kvm", "--kernel", "6.\udcff"], "--kernel"),
    (["params", "--running", "--root", "/nonexistent-q17/\udcff"], "--root"),
    (["chec\udcff"], "COMMAND"),
]


@pytest.mark.parametrize(("argv", "name"), NOT_UTF8)
def test_an_argument_not_utf8_is_quoted_with_its_byte(argv, name, capsys):
    """A byte that is not UTF-8 was quoted back as Python's stand-in, '\\udcff'
    (argparse's and the checker's own repr): now as escape() shows it, '\\xff'."""
    status, _, err = _usage_error(argv, capsys)
    assert status == 2
    assert "\\xff" in err and "udcff" not in err, err
    assert name in err.splitlines()[-1], err


def test_check_json_usage_error_quotes_the_byte(capsys):
    status, out, _ = _usage_error(["check", "--json", "--root", "/nonexistent-q17/\udcff"], capsys)
    assert status == 2
    error = json.loads(out)["error"]
    assert "'/nonexistent-q17/\\xff' is not a directory" in error and "udcff" not in error


@pytest.mark.parametrize(
    "env",
    [
        {"LC_ALL": "C", "LANG": "C"},
        {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
        {"LC_ALL": "C", "PYTHONIOENCODING": "ascii"},
        {"LC_ALL": "C", "PYTHONIOENCODING": "latin-1:strict"},
    ],
)
@pytest.mark.parametrize(
    "argv",
    [
        [b"check", b"--level", b"\xff"],
        [b"lint", b"--kernel", b"6.\xff", b"x.conf"],
        [b"check", b"--\xff"],
        [b"report", b"-o", b"/nonexistent-q17/\xff.md"],
    ],
)
def test_not_utf8_in_any_locale_is_one_ascii_line(argv, env):
    """Whatever the locale and stdio encoding (PYTHONIOENCODING unset, pipes), the
    error is printed without UnicodeEncodeError, and the byte as \\xff: never raw."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONIO"))}
    proc = subprocess.run(
        [sys.executable, "-m", "nested_snippets.cli", *argv],
        capture_output=True, cwd=REPO, timeout=TIMEOUT, env={**base, **env},
    )  # fmt: skip
    assert proc.returncode == 2, proc
    assert b"Traceback" not in proc.stderr and b"Error" not in proc.stderr, proc.stderr
    assert b"\\xff" in proc.stderr and b"udcff" not in proc.stderr, proc.stderr
    assert proc.stderr.isascii(), proc.stderr


# ------------------------------------------------ 2. did you mean
@pytest.mark.parametrize(
    ("argv", "last"),
    [
        (["check", "--level", "l1"], "nested-kvm check: error: argument --level: invalid "
         "choice: 'l1' (choose from 'auto', 'L0', 'L1'); did you mean 'L1'?"),
        (["check", "--level=Auto"], "; did you mean 'auto'?"),
        (["lint", "--arch", "X86", "x.conf"], "; did you mean 'x86'?"),
        (["params", "--module", "kvm", "--arch", "x86_64"], "; did you mean 'x86'?"),
        (["chek"], "nested-kvm: error: argument COMMAND: invalid choice: 'chek' (choose "
         "from 'check', 'report', 'lint', 'params'); did you mean 'check'?"),
        (["check", "--rot", "/"], "nested-kvm check: error: unrecognized arguments: --rot /; "
         "did you mean '--root'?"),
        (["check", "-json"], "nested-kvm check: error: unrecognized arguments: -json; did you "
         "mean '--json'?"),
        (["report", "--outptu", "r.md"], "nested-kvm report: error: unrecognized arguments: "
         "--outptu r.md; did you mean '--output'?"),
        (["params", "--modlue", "kvm"], "; did you mean '--module'?"),
        (["lint", "--krnel=6.6", "x.conf"], "; did you mean '--kernel'?"),
        (["check", "--jsn", "--levl", "L1"], "unrecognized arguments: --jsn --levl L1; did you "
         "mean '--json' for --jsn, '--level' for --levl?"),
    ],
)  # fmt: skip
def test_near_misses_get_did_you_mean(argv, last, capsys):
    """lint and params say "did you mean" for a misspelt module or parameter; the
    option parser said nothing of the kind for a value of the wrong case or a
    misspelt option, in any command."""
    status, out, err = _usage_error(argv, capsys)
    assert (status, out) == (2, "")
    assert err.splitlines()[-1].endswith(last), err


@pytest.mark.parametrize(
    ("argv", "last"),
    [
        (["report", "--json"], "nested-kvm report: error: unrecognized arguments: --json; "
         "--json is an option of check and params, not of report"),
        (["check", "--kernel", "6.6"], "; --kernel is an option of lint and params, not of check"),
        (["lint", "--running", "x.conf"], "; --running is an option of params, not of lint"),
        (["params", "--level=L1"], "; --level is an option of check, not of params"),
    ],
)  # fmt: skip
def test_an_option_of_another_command_is_named_so(argv, last, capsys):
    """``report --json`` (check and params print JSON, report does not) was only
    "unrecognized arguments": now it says which commands have the option."""
    status, _, err = _usage_error(argv, capsys)
    assert status == 2 and err.splitlines()[-1].endswith(last), err


@pytest.mark.parametrize(
    "argv", [["check", "--level", "zzz"], ["check", "--bogus"], ["lint", "--xyz", "x.conf"]]
)
def test_nothing_close_gets_no_hint(argv, capsys):
    _, _, err = _usage_error(argv, capsys)
    assert "did you mean" not in err


def test_check_json_usage_error_has_the_hint(capsys):
    status, out, _ = _usage_error(["check", "--json", "--level", "l1"], capsys)
    assert status == 2 and json.loads(out)["error"].endswith("; did you mean 'L1'?")


@pytest.mark.parametrize("command", ["check", "report", "lint", "params"])
def test_an_unknown_option_is_the_commands_error_with_its_usage(command, capsys):
    """``check --bogus`` was the top-level parser's error: ``nested-kvm: error:`` after
    ``usage: nested-kvm [-h] [--version] COMMAND ...``, which does not show the
    options the command has."""
    argv = [command, "--bogus", *(["x.conf"] if command == "lint" else [])]
    status, _, err = _usage_error(argv, capsys)
    assert status == 2
    assert err.startswith(f"usage: nested-kvm {command} [-h]"), err
    assert err.splitlines()[-1] == f"nested-kvm {command}: error: unrecognized arguments: --bogus"


# ------------------------------------------------ 3. signals during report -o
SLOW = """\
#!/bin/sh
echo $$ > "{pidfile}"
exec "{sleep}" 60
"""
"""A stand-in for ``lscpu`` that says its pid and hangs, so that the report is
caught in the middle (the report kills it at the end of the signal's clean-up)."""

CHILD = """\
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal: not ignored
from nested_snippets.cli import main, report
report.TIMEOUT = 120.0  # the hanging lscpu waits for the signal, however slow the machine
{extra}
sys.exit(main(sys.argv[1:]))
"""


def _report_child(fake_host, tmp_path, extra: str = "", **popen):
    host = fake_host("intel")
    tools = tmp_path / "tools"
    tools.mkdir()
    pidfile = tmp_path / "lscpu.pid"
    (tools / "lscpu").write_text(SLOW.format(pidfile=pidfile, sleep=shutil.which("sleep")))
    (tools / "lscpu").chmod(0o755)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "report.md"
    env = {**os.environ, "PATH": f"{tools}:{host.bin}", "FAKEHOST": str(host.home),
           "PYTHONPATH": str(REPO)}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(extra=extra), "report", "--root", str(host.root),
         "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env, **popen,
    )  # fmt: skip
    return proc, out, pidfile


def _wait_for(pidfile: Path, proc: subprocess.Popen) -> int:
    deadline = time.monotonic() + TIMEOUT
    while not (pidfile.exists() and pidfile.read_text().strip()):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the fake lscpu never started"
        time.sleep(0.02)
    return int(pidfile.read_text())


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_while_the_report_is_built_is_one_line_and_no_file(fake_host, tmp_path, sig):
    """SIGTERM or SIGHUP killed report -o silently (Ctrl-C: status 130, nothing said):
    now one line, status 128 + the signal, no FILE, no temporary file, and the
    command it was running is killed too."""
    proc, out, pidfile = _report_child(fake_host, tmp_path)
    lscpu = _wait_for(pidfile, proc)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=TIMEOUT)
    name = signal.Signals(sig).name
    assert proc.returncode == 128 + sig, (proc.returncode, stderr)
    assert stderr == f"nested-kvm report: interrupted by {name}; {out} was not written\n"
    assert stdout == ""
    assert list(out.parent.iterdir()) == []
    assert _gone(lscpu)


def test_sighup_ignored_by_nohup_stays_ignored(fake_host, tmp_path):
    """``nohup nested-kvm report -o FILE``: SIGHUP is ignored when it starts and stays
    so (the hang-up of the terminal must not stop it); SIGTERM still does."""
    proc, out, pidfile = _report_child(
        fake_host, tmp_path, preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)
    )
    _wait_for(pidfile, proc)
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 128 + signal.SIGTERM and "by SIGTERM" in stderr, stderr


WRITE_INTERRUPTED = """\
import os
real = os.fdopen
class Cut:
    def __init__(self, fd, *a, **k):
        self.fh = real(fd, *a, **k)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.fh.close()
    def fileno(self):
        return self.fh.fileno()
    def flush(self):
        self.fh.flush()
    def write(self, text):
        self.fh.write(text[:100])
        self.fh.flush()
        os.kill(os.getpid(), signal.SIGTERM)  # while FILE is written
        for _ in range(1000):  # the handler runs between two of these
            pass
        self.fh.write(text[100:])
os.fdopen = Cut
"""


def test_sigterm_while_the_file_is_written_leaves_no_cut_file(fake_host, tmp_path):
    """SIGTERM while FILE was written (its default action: no clean-up) left the
    first part of the report at FILE, which a later -o of the same name then refused
    to replace."""
    proc, out, pidfile = _report_child(
        fake_host, tmp_path, WRITE_INTERRUPTED + "report.TIMEOUT = 0.01"
    )
    stdout, stderr = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 128 + signal.SIGTERM, (proc.returncode, stderr)
    assert stderr == f"nested-kvm report: interrupted by SIGTERM; {out} was not written\n"
    assert list(out.parent.iterdir()) == []


PUBLISH_INTERRUPTED = """\
import os
real = os.link
def link(*a, **k):
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(1000):
        pass
    return real(*a, **k)
os.link = link
report.TIMEOUT = 0.01
"""


def test_sigterm_while_the_file_is_named_says_it_was_written(fake_host, tmp_path):
    """A signal while the whole report is given FILE's name is held until it has it:
    FILE is whole (never named without the temporary file removed), and the line says so."""
    proc, out, _ = _report_child(fake_host, tmp_path, PUBLISH_INTERRUPTED)
    _, stderr = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 128 + signal.SIGTERM, (proc.returncode, stderr)
    said = f"nested-kvm report: interrupted by SIGTERM; {out} was written whole before it\n"
    assert stderr == said
    assert [p.name for p in out.parent.iterdir()] == ["report.md"]
    assert out.read_text().startswith("# nested-kvm report") and out.read_text().endswith("\n")


def test_file_is_never_seen_while_it_is_written(tmp_path, monkeypatch):
    """FILE was created first and then written: a reader (or a crash) could see it
    cut.  Now the report is written under a temporary name in the same directory and
    given FILE's name whole."""
    from nested_snippets.cli import report

    real = os.fdopen
    out = tmp_path / "r.md"
    seen: list[bool] = []

    class Watch:
        def __init__(self, fd, *a, **k):
            self.fh = real(fd, *a, **k)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def fileno(self):
            return self.fh.fileno()

        def flush(self):
            self.fh.flush()

        def write(self, text):
            seen.append(out.exists())
            self.fh.write(text)

    monkeypatch.setattr(report.os, "fdopen", Watch)
    report.write_new(str(out), "x" * 100)
    assert seen == [False]
    assert out.read_text() == "x" * 100 and [p.name for p in tmp_path.iterdir()] == ["r.md"]
    assert out.stat().st_mode & 0o777 == 0o600


def test_a_file_created_meanwhile_is_not_replaced(tmp_path, monkeypatch):
    """FILE appearing while the report is written (another writer) is kept: the
    temporary file is linked, never renamed over it."""
    from nested_snippets.cli import report
    from nested_snippets.cli.errors import CliError

    out = tmp_path / "r.md"
    real = os.fdopen

    def fdopen(fd, *a, **k):
        out.write_text("theirs")
        return real(fd, *a, **k)

    monkeypatch.setattr(report.os, "fdopen", fdopen)
    with pytest.raises(CliError, match="exists"):
        report.write_new(str(out), "ours")
    assert out.read_text() == "theirs" and [p.name for p in tmp_path.iterdir()] == ["r.md"]


def test_without_hard_links_the_file_is_still_written_whole(tmp_path, monkeypatch):
    """A file system without link() (FAT: EPERM): FILE is claimed with O_EXCL, then
    the temporary file renamed over the claim."""
    import errno

    from nested_snippets.cli import report

    def no_link(*a, **k):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(report.os, "link", no_link)
    out = tmp_path / "r.md"
    report.write_new(str(out), "whole\n")
    assert out.read_text() == "whole\n" and [p.name for p in tmp_path.iterdir()] == ["r.md"]


# ------------------------------------------------ more of the review's own
@pytest.mark.parametrize("how", ["exists", "directory", "dangling link", "no parent", "too long"])
def test_a_bad_output_is_said_before_the_report_is_built(
    cli, fake_host, tmp_path, monkeypatch, how
):
    """-o FILE that exists (a directory, a link) or cannot be made was an error only
    after the whole report was built: every command run first (up to 5 s each)."""
    host = fake_host("intel")
    tools = tmp_path / "tools"
    tools.mkdir()
    ran = tmp_path / "lscpu-ran"
    (tools / "lscpu").write_text(f"#!/bin/sh\n: > {ran}\n")  # PATH has no touch
    (tools / "lscpu").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}:{host.bin}")
    monkeypatch.setenv("FAKEHOST", str(host.home))
    out = tmp_path / "out"
    out.mkdir()
    target = {
        "exists": out / "r.md", "directory": out / "d", "dangling link": out / "l",
        "no parent": out / "missing" / "r.md", "too long": out / ("r" * 300),
    }[how]  # fmt: skip
    (out / "r.md").write_text("mine")
    (out / "d").mkdir()
    (out / "l").symlink_to(out / "nowhere")
    r = cli("report", "--root", str(host.root), "-o", str(target))
    assert r.rc == 2 and r.out == "" and len(r.err.splitlines()) == 1, r.err
    assert not ran.exists()
    assert sorted(p.name for p in out.iterdir()) == ["d", "l", "r.md"]
    assert (out / "r.md").read_text() == "mine"


@pytest.mark.parametrize("argv", [["params", "--module", ""], ["params", "--module", " "]])
def test_params_empty_module_is_named(cli, argv):
    """``params --module ''`` said "give --module MODULE (or --running)": it was given."""
    r = cli(*argv)
    assert r.rc == 2
    assert r.err.startswith(f"nested-kvm params: --module {argv[-1]!r}: an empty name is no module")


def test_an_unreachable_root_says_why_in_the_words_of_the_others(capsys):
    """Every other reason is lower case ("no such file or directory"); --root's was
    Python's strerror as it is: "cannot be reached: File name too long"."""
    _, _, err = _usage_error(["check", "--root", "/" + "r" * 300], capsys)
    assert err.rstrip().endswith("cannot be reached: file name too long"), err


@pytest.mark.parametrize(
    ("command", "module", "argv"),
    [
        ("check", "check", ["check", "--no-probe"]),
        ("lint", "lint", ["lint", "--kernel", "6.6", os.devnull]),
        ("params", "params", ["params", "--module", "kvm", "--kernel", "6.6"]),
    ],
)
def test_ctrl_c_in_any_command_is_one_line(cli, monkeypatch, command, module, argv):
    """Ctrl-C made every command exit 130 with nothing said (a script's log then
    shows no reason for the stop)."""
    import importlib

    def interrupted(_args):
        raise KeyboardInterrupt

    target = importlib.import_module(f"nested_snippets.cli.{module}")
    monkeypatch.setattr(target, "run", interrupted)
    r = cli(*argv)
    assert (r.rc, r.err) == (130, f"nested-kvm {command}: interrupted by SIGINT\n")
