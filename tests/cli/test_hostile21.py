"""Session 21, hostile use of the checker: what broke and is mended.

- ``PYTHONIOENCODING`` naming a codec Python knows but that cannot write the
  checker's text (``idna``, ``undefined``): every write failed, and Python printed
  its "object address ... UnicodeError" dump with status 1.  Now one line says so,
  status 2.  (One Python does not know, ``junk``, stops Python before the checker's
  first line: its "Fatal Python error", documented in cli.rst.)
- ``/etc/modprobe.d`` that is a FIFO: check and report said "no nested= in
  modprobe.d" as if it were empty (``files_in`` kept only a regular file).  Now it is
  a "cannot read: a FIFO, not read" line, never opened.
- ``report -o FILE`` stopped by a signal while its temporary file was being created
  left that file behind (the name was recorded after ``open``), and one stopped
  before said nothing of FILE.
- ``check`` of a modprobe.d file of 15 MB of ``options kvm_intel \\`` lines (one
  option line of 1.5 million words): 8.7 s of CPU and 500 MB, and under a memory
  limit (``ulimit -v``, a small guest) a MemoryError traceback.  config.py read the
  options twice, made a ``PATH:LINE`` string for each word and compared each with
  "nested" by difflib; now once, a place only for a slip, each name judged once
  (1.2 s, 275 MB), and running out of memory is one line, status 2.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys

import pytest

from nested_snippets.cli import report
from tests.conftest import REPO

TIMEOUT = 60
PROGRAM = "import sys\nfrom nested_snippets.cli import main\nsys.exit(main())\n"


def run(argv: list[str], env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, *argv], capture_output=True, cwd=REPO,
        timeout=TIMEOUT, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})}, **kwargs,
    )  # fmt: skip


@pytest.mark.parametrize("encoding", ["idna", "undefined"])
def test_an_encoding_that_cannot_write_is_one_line(encoding):
    r = run(["params", "--module", "kvm", "--kernel", "6.6", "--arch", "x86"],
            {"PYTHONIOENCODING": encoding})  # fmt: skip
    assert r.returncode == 2 and r.stdout == b"", (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.decode("ascii").splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"nested-kvm: PYTHONIOENCODING={encoding}: "), lines


@pytest.mark.parametrize("encoding", ["utf-8:junk", "latin-1", "utf-16"])
def test_an_encoding_that_can_write_still_works(encoding):
    r = run(["params", "--module", "kvm", "--kernel", "6.6", "--arch", "x86"],
            {"PYTHONIOENCODING": encoding})  # fmt: skip
    assert r.returncode == 0 and r.stderr == b"", (r.returncode, r.stderr)


def test_a_fifo_as_modprobe_d_is_said(cli, make_host):
    root = make_host("intel")
    conf = root / "etc/modprobe.d"
    for f in conf.iterdir():
        f.unlink()
    conf.rmdir()
    os.mkfifo(conf)
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.line("nested-config") == (
        "SKIP  nested-config: /etc/modprobe.d: cannot read: a FIFO, not read"
    ), r.out


def test_report_stopped_while_its_temporary_file_is_made(cli, make_host, tmp_path, monkeypatch):
    root = make_host("intel")
    real_open = os.open

    def open_then_signal(path, *args, **kwargs):
        fd = real_open(path, *args, **kwargs)
        if str(path).startswith(".nested-kvm-report-"):
            os.kill(os.getpid(), signal.SIGINT)  # handled at the next instruction
        return fd

    monkeypatch.setattr(os, "open", open_then_signal)
    out = tmp_path / "out" / "r.md"
    out.parent.mkdir()
    r = cli("report", "--root", str(root), "-o", str(out))
    monkeypatch.setattr(os, "open", real_open)
    assert r.rc == 130, (r.rc, r.err)
    assert r.err == f"nested-kvm report: interrupted by SIGINT; {out} was not written\n"
    assert list(out.parent.iterdir()) == []  # no temporary file left


def test_report_stopped_while_its_path_is_checked(cli, make_host, tmp_path, monkeypatch):
    root = make_host("intel")
    real = report.NewFile._check_free

    def check_then_signal(self):
        os.kill(os.getpid(), signal.SIGINT)
        return real(self)

    monkeypatch.setattr(report.NewFile, "_check_free", check_then_signal)
    out = tmp_path / "r.md"
    r = cli("report", "--root", str(root), "-o", str(out))
    assert r.rc == 130 and not out.exists(), (r.rc, r.err)
    assert r.err == f"nested-kvm report: interrupted by SIGINT; {out} was not written\n"


def test_an_encoding_python_does_not_know_stops_python_itself():
    """cli.rst (Bad input): "one whose codec Python does not know (junk) stops Python
    itself before the checker's first line: Python prints its own "Fatal Python
    error" lines and exits with status 1"."""
    r = run(["--version"], {"PYTHONIOENCODING": "junk"})
    assert r.returncode == 1 and b"Fatal Python error" in r.stderr, (r.returncode, r.stderr)


def _limited(megabytes: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (megabytes << 20, megabytes << 20))

    return limit


@pytest.fixture
def continued_root(make_host):
    root = make_host("intel")
    (root / "etc/modprobe.d/kvm.conf").write_bytes(b"options kvm_intel \\\n" * 750_000)
    return root


def test_check_of_a_file_of_millions_of_words_fits_in_400_mb(continued_root):
    r = run(["check", "--root", str(continued_root), "--no-probe"], preexec_fn=_limited(400))
    assert r.returncode == 0 and b"Traceback" not in r.stderr, (r.returncode, r.stderr[-300:])
    assert b"PASS  nested-config: no nested= in modprobe.d" in r.stdout, r.stdout


def test_check_out_of_memory_is_one_line(continued_root):
    r = run(["check", "--root", str(continued_root), "--no-probe", "--json"],
            preexec_fn=_limited(150))  # fmt: skip
    assert r.returncode == 2 and b"Traceback" not in r.stderr, (r.returncode, r.stderr[-300:])
    assert r.stderr.decode().startswith("nested-kvm check: out of memory: "), r.stderr
    assert r.stderr.count(b"\n") == 1 and b'"error": "out of memory' in r.stdout, r.stdout


def test_report_stopped_while_its_options_are_read(cli, make_host, tmp_path, monkeypatch):
    """A signal before report's run (Python's imports, the options; the hostile
    round's SIGTERM at 0.2 s): "interrupted by SIGTERM" said nothing of FILE."""
    import nested_snippets.cli as cli_module

    root = make_host("intel")
    real = cli_module._root

    def root_then_signal(value):
        os.kill(os.getpid(), signal.SIGTERM)
        return real(value)

    monkeypatch.setattr(cli_module, "_root", root_then_signal)
    out = tmp_path / "r.md"
    for words in (["-o", str(out)], [f"-o{out}"], [f"--output={out}"], ["--out", str(out)]):
        r = cli("report", *words, "--root", str(root))
        assert r.rc == 143 and not out.exists(), (words, r.rc, r.err)
        assert r.err == f"nested-kvm report: interrupted by SIGTERM; {out} was not written\n"
    r = cli("report", "-o", "-", "--root", str(root))
    assert r.rc == 143 and r.err == "nested-kvm report: interrupted by SIGTERM\n", r.err


def test_report_stopped_once_written_says_so(cli, make_host, tmp_path, monkeypatch):
    root = make_host("intel")
    real = report.run

    def run_then_signal(args):
        status = real(args)
        os.kill(os.getpid(), signal.SIGTERM)
        return status

    monkeypatch.setattr(report, "run", run_then_signal)
    out = tmp_path / "r.md"
    r = cli("report", "-o", str(out), "--root", str(root))
    assert r.rc == 143 and out.read_text().startswith("# nested-kvm report"), (r.rc, r.err)
    said = f"nested-kvm report: interrupted by SIGTERM; {out} was written whole before it\n"
    assert r.err == said, r.err


def test_a_symbolic_link_loop_as_modprobe_d_is_said(cli, make_host):
    root = make_host("intel")
    conf = root / "etc/modprobe.d"
    for f in conf.iterdir():
        f.unlink()
    conf.rmdir()
    conf.symlink_to("modprobe.d")
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.line("nested-config") == (
        "SKIP  nested-config: /etc/modprobe.d: cannot read: a symbolic link that cannot be "
        "followed (too many levels of symbolic links)"
    ), r.out


def test_a_damaged_zipapp_data_file_is_one_line():
    """Hostile round 3: a nested-kvm.pyz damaged in the middle (a bad download) made
    ``params`` end in zipfile.BadZipFile's traceback ("Bad CRC-32 for file
    'nested_snippets/kernel/data/linux-6.6.json'"), or zlib.error's."""
    import zipfile

    from nested_snippets import kernel

    class Damaged:
        name = "linux-6.6.json"

        def open(self, mode):
            raise zipfile.BadZipFile("Bad CRC-32 for file 'linux-6.6.json'")

    with pytest.raises(kernel.KernelDataError) as err:
        kernel._read_json(Damaged())
    assert str(err.value) == (
        "linux-6.6.json: cannot read (BadZipFile: Bad CRC-32 for file 'linux-6.6.json'); "
        "the archive it is in may be damaged"
    )


def _damaged(pyz, member: str, out):
    """A copy of the zipapp ``pyz`` with one byte of ``member``'s compressed data flipped."""
    import zipfile

    data = bytearray(pyz.read_bytes())
    info = zipfile.ZipFile(pyz).getinfo(member)
    data[info.header_offset + 30 + len(info.filename) + len(info.extra) + 10] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


@pytest.fixture(scope="module")
def built_pyz(tmp_path_factory):
    sys.path.insert(0, str(REPO / "tools"))
    import build_pyz

    pyz = tmp_path_factory.mktemp("pyz") / "nested-kvm.pyz"
    build_pyz.build(pyz)
    return pyz


@pytest.mark.parametrize(
    "member,said",
    [
        ("nested_snippets/cli/lint.pyc", "nested-kvm lint: cannot load nested_snippets.cli.lint ("),
        ("nested_snippets/cli/__init__.pyc", "nested-kvm: cannot load the checker from "),
    ],
)
def test_a_damaged_zipapp_module_is_one_line(built_pyz, tmp_path, member, said):
    """Hostile round 3: a byte flipped in a module of nested-kvm.pyz ended in
    zipimport's traceback (zlib.error)."""
    pyz = _damaged(built_pyz, member, tmp_path / "damaged.pyz")
    r = subprocess.run([sys.executable, str(pyz), "lint", "--kernel", "6.6", "--arch", "arm64",
                        "--cmdline", "/dev/null"], capture_output=True, text=True,
                       timeout=TIMEOUT)  # fmt: skip
    assert r.returncode == 2 and "Traceback" not in r.stderr, (r.returncode, r.stderr)
    assert r.stderr.startswith(said) and r.stderr.count("\n") == 1, r.stderr
    assert "may be damaged" in r.stderr, r.stderr


@pytest.mark.parametrize(
    "argv,said",
    [
        (["check", "--no-probe", "--root", "root"], "argument --root: 'root' cannot be reached: "
         "the current directory was removed"),
        (["lint", "--kernel", "6.6", "x.conf"], "nested-kvm lint: x.conf: cannot be reached: the "
         "current directory was removed"),
    ],
)
def test_a_relative_path_after_the_current_directory_was_removed(tmp_path, argv, said):
    """Hostile round 3: with the current directory removed, ``--root root`` was "not a
    directory" and lint's ``x.conf`` "no such file" (both may be there, relative to a
    directory that is gone); ``_cwd_gone`` already told it for the commands' reads."""
    gone = tmp_path / "gone"
    gone.mkdir()
    program = (
        "import os, sys\nos.chdir(sys.argv[1])\nos.rmdir(sys.argv[1])\n"
        "from nested_snippets.cli import main\nsys.exit(main(sys.argv[2:]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run([sys.executable, "-c", program, str(gone), *argv], capture_output=True,
                       text=True, timeout=TIMEOUT, env=env)  # fmt: skip
    assert r.returncode == 2 and said in r.stderr, (r.returncode, r.stderr)
