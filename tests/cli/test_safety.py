"""The CLI is read-only, light to import, and runs as a program."""

from __future__ import annotations

import builtins
import os
import pathlib
import subprocess
import sys

import pytest

from tests.conftest import REPO

FORBIDDEN = (
    "sphinx",
    "docutils",
    "pytest",
    "bashlex",
    "nested_snippets.fakehost.host",
    "nested_snippets.fakehost.state",
    "nested_snippets.fakehost.commands",
    "nested_snippets.runner",
    "nested_snippets.sphinxext",
    "hypothesis",
)


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--json"],
        ["report", "-o", os.devnull],
        ["lint", "--kernel", "6.6", os.devnull],
        ["params", "--module", "kvm_amd", "--kernel", "6.6"],
    ],
)
def test_no_heavy_or_test_only_imports(argv, make_host):
    root = make_host("intel")
    if argv[0] in ("check", "report"):
        argv = [*argv, "--root", str(root)]
    code = (
        "import sys\nfrom nested_snippets.cli import main\n"
        f"rc = main({argv!r})\n"
        f"bad = [m for m in sys.modules if m.startswith({FORBIDDEN!r})]\n"
        "print(bad)\n"
    )
    env = {**os.environ, "PATH": "/nonexistent"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_python_m_and_exit_codes(make_host):
    root = make_host("amd", nested=False)
    proc = subprocess.run(
        [sys.executable, "-m", "nested_snippets.cli", "check", "--root", str(root)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 1
    assert "FAIL  nested: kvm_amd nested=0" in proc.stdout
    assert proc.stderr == ""


class _WriteAttempt(AssertionError):
    pass


@pytest.fixture
def read_only(monkeypatch, tmp_path):
    """read_only() -> a directory: from then on, fail on any attempt to write, create,
    delete or chmod a file outside that directory, and on any command run via sudo."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    real_open = builtins.open
    real_run = subprocess.run

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and not str(file).startswith(str(allowed)):
            raise _WriteAttempt(f"open({file!r}, {mode!r})")
        return real_open(file, mode, *args, **kwargs)

    def refuse(name):
        def fail(*args, **kwargs):
            raise _WriteAttempt(f"{name}{args!r}")

        return fail

    real_os_open = os.open
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def guarded_os_open(path, flags, *args, **kwargs):
        if kwargs.get("dir_fd") is not None:  # report -o opens below a directory's fd
            path = os.path.join(os.readlink(f"/proc/self/fd/{kwargs['dir_fd']}"), path)
        # the one exception to read-only: the KVM probe opens /dev/kvm read/write
        exempt = str(path).startswith(str(allowed)) or str(path) in ("/dev/kvm", os.devnull)
        if flags & writing and not exempt:
            raise _WriteAttempt(f"os.open({path!r}, {flags:#o})")
        return real_os_open(path, flags, *args, **kwargs)

    def inside(path, dir_fd) -> bool:
        if dir_fd is not None:
            path = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path)
        return str(path).startswith(str(allowed))

    def guarded_unlink(name, real):
        # report -o writes a temporary file in FILE's directory, links it to FILE and
        # removes it: allowed there (below a directory's fd, as os.open is)
        def unlink(path, *, dir_fd=None):
            if not inside(path, dir_fd):
                raise _WriteAttempt(f"{name}({path!r})")
            return real(path, dir_fd=dir_fd)

        return unlink

    def guarded_link(name, real):
        def link(src, dst, *, src_dir_fd=None, dst_dir_fd=None, **kwargs):
            if not (inside(src, src_dir_fd) and inside(dst, dst_dir_fd)):
                raise _WriteAttempt(f"{name}({src!r}, {dst!r})")
            return real(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd, **kwargs)

        return link

    def guarded_run(argv, *args, **kwargs):
        assert "sudo" not in argv[0] and not kwargs.get("shell"), argv
        return real_run(argv, *args, **kwargs)

    def activate():
        real = {n: getattr(os, n) for n in ("remove", "unlink", "link", "rename", "replace")}
        monkeypatch.setattr(builtins, "open", guarded_open)
        monkeypatch.setattr(os, "open", guarded_os_open)
        for name in (
            "remove",
            "unlink",
            "rmdir",
            "mkdir",
            "makedirs",
            "chmod",
            "chown",
            "rename",
            "replace",
            "link",
            "symlink",
            "truncate",
            "mknod",
            "mkfifo",
        ):
            monkeypatch.setattr(os, name, refuse(f"os.{name}"))
        for name in ("remove", "unlink"):
            monkeypatch.setattr(os, name, guarded_unlink(f"os.{name}", real[name]))
        for name in ("link", "rename", "replace"):
            monkeypatch.setattr(os, name, guarded_link(f"os.{name}", real[name]))
        for name in ("write_text", "write_bytes", "mkdir", "touch", "unlink", "chmod", "rename"):
            monkeypatch.setattr(pathlib.Path, name, refuse(f"Path.{name}"))
        monkeypatch.setattr(subprocess, "run", guarded_run)
        return allowed

    return activate


def test_every_command_is_read_only(cli, make_host, read_only):
    roots = [make_host(a, nested=False) for a in ("intel", "amd", "s390x", "power", "arm64")]
    conf = roots[0] / "etc/modprobe.d"
    read_only()
    for root in roots:
        for argv in (["check"], ["check", "--json"], ["report"]):
            assert cli(*argv, "--root", str(root)).rc in (0, 1, 2)
    assert cli("check").rc in (0, 1, 2)  # this machine, read-only as well
    assert cli("report").rc == 0
    assert cli("lint", str(conf), "--kernel", "6.6").rc in (0, 1)
    assert cli("params", "--module", "kvm_intel", "--kernel", "6.6").rc == 0


def test_report_writes_only_the_output_file(cli, make_host, read_only):
    root = make_host("intel")
    out = read_only() / "report.md"
    assert cli("report", "--root", str(root), "-o", str(out)).rc == 0
    assert out.read_text().startswith("# nested-kvm report")
