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


# ------------------------------------------------ lint: directories inside a directory
def test_lint_names_the_directories_it_does_not_read(tmp_path, cli):
    """``lint DIR`` passed over the directories in DIR without a word and said the
    rest was clean: a ``sub/kvm.conf`` setting a wrong value was never read, nor a
    ``virtualbox-dkms.conf/`` that makes kmod print an error each time it reads its
    configuration.  Files not read were named; directories were not."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "kvm.conf").write_text("options kvm_intel nested=2\n")
    (tmp_path / "virtualbox-dkms.conf").mkdir()
    (tmp_path / "kvm.conf").write_text("options kvm_intel nested=1\n")
    run = cli("lint", "--kernel", "6.6", "--arch", "x86", str(tmp_path))
    assert run.rc == 0 and run.out == ""
    assert run.err == (
        f"nested-kvm lint: {tmp_path}: 2 directories not read, nor the files in them: sub/, "
        "virtualbox-dkms.conf/ (kmod reads no directory inside a configuration directory; of "
        'virtualbox-dkms.conf/ it says "Directories inside directories are not supported")\n'
    )


def test_lint_of_a_directory_with_one_subdirectory(tmp_path, cli):
    (tmp_path / "old").mkdir()
    run = cli("lint", "--kernel", "6.6", "--arch", "x86", str(tmp_path))
    assert run.err == (
        f"nested-kvm lint: {tmp_path}: 1 directory not read, nor the files in it: old/ "
        "(kmod reads no directory inside a configuration directory)\n"
    )


# ------------------------------------------------ check: a modprobe.d that is a file
def test_a_modprobe_d_that_is_a_file_is_read_as_kmod_reads_it(make_host, cli):
    """kmod reads a path of its list that is a regular file as one configuration file
    (``conf_files_list()``, libkmod/libkmod-config.c of kmod-project/kmod, commit
    493dc650d687a5a3acec37ea11d0d1d073b83d5e); ``check`` passed it over and said
    "no nested= in modprobe.d" while its ``nested=0`` turns nesting off at the next load."""
    import shutil

    root = make_host("intel")
    conf = root / "etc" / "modprobe.d"
    shutil.rmtree(conf, ignore_errors=True)
    conf.write_text("options kvm_intel nested=0\n")
    run = cli("check", "--root", str(root), "--no-probe")
    line = run.line("nested-config")
    assert line.startswith("WARN  nested-config: nested=0 (/etc/modprobe.d:1)"), line
