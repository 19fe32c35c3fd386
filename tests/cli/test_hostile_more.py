"""Hostile input, second review (2026-12-02): a directory link out of --root, huge
argv echoed in errors, secrets the report missed."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from nested_snippets.cli import kvmprobe
from tests.conftest import REPO


def test_probe_never_opens_a_device_through_a_directory_link_out_of_root(
    cli, make_host, tmp_path, monkeypatch
):
    """``--root R`` with ``R/dev -> /dev``: ``lstat`` and ``O_NOFOLLOW`` only look at the
    last component, so ``R/dev/kvm`` would be this machine's /dev/kvm.  Here the link
    leads to a scratch directory; the probe must not even be asked."""
    root = make_host("intel")
    outside = tmp_path / "machine-dev"
    outside.mkdir()
    (outside / "kvm").write_text("")
    shutil.rmtree(root / "dev")
    (root / "dev").symlink_to(outside)
    asked = []
    monkeypatch.setattr(kvmprobe, "probe", lambda *a, **kw: asked.append(a))
    r = cli("check", "--root", str(root))
    assert asked == []
    assert r.status("dev-kvm") == "FAIL"  # not followed: absent, as for any file


LONG = "x" * 100_000


@pytest.mark.parametrize(
    "argv",
    [
        ["params", "--module", LONG, "--kernel", "6.6"],
        ["lint", "--kernel", "6.6", "/nonexistent/" + LONG],
        ["report", "-o", "/nonexistent/" + LONG],
    ],
)
def test_a_huge_argument_is_named_in_a_short_message(cli, argv):
    """An argument of 100 000 characters is quoted cut, with its length, not echoed whole."""
    r = cli(*argv)
    assert r.rc == 2
    assert len(r.err) < 500 and "(100" in r.err and r.err.count("\n") == 1, r.err[:300]


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--level", LONG],
        ["lint", "--arch", LONG, "/dev/null"],
        ["check", "--" + LONG],
        [LONG],
        ["check", "--root", "/nonexistent/" + LONG],
    ],
)
def test_usage_errors_quote_a_huge_argument_cut(capsys, argv):
    from nested_snippets.cli import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err) < 2000 and "characters)" in err, err[-300:]


@pytest.mark.parametrize(
    "text",
    [
        "--password=Zq9secret",
        "-password=Zq9secret",
        "virt-install --data=Zq9secret",
        "rbd-tool --key=Zq9secret",
        "--passwd 'x' --secret=Zq9secret",
    ],
)
def test_redaction_of_options_written_with_dashes(text):
    """``--password=X`` is a password= option too (the name after one or two dashes)."""
    from nested_snippets.cli.report import redact

    out = redact(text)
    assert "Zq9" not in out and "<redacted>" in out


def test_redaction_leaves_other_dashed_names():
    from nested_snippets.cli.report import redact

    # b-password=x is a name that holds "password": redacted since review s5
    for text in ("---data=x", "--data-dir=/var/x", "x--key=1"):
        assert redact(text) == text


@pytest.mark.parametrize("blank", ["\t", "\n", "\x0b", "\xa0", "\u2003", "\u3000"])
def test_an_argument_with_any_blank_in_a_secret_is_redacted_whole(blank):
    """A process's argument is one word whatever blanks it holds (QEMU's secret data
    may hold a tab or a newline): nothing after the blank survives."""
    from nested_snippets.cli.report import redact_arg

    out = redact_arg(f"secret,id=s,data=Zq9{blank}tail9,format=raw")
    assert out == "secret,id=s,data=<redacted>,format=raw"
    assert redact_arg(f"a{blank}b") == f"a{blank}b"  # blanks elsewhere come back as they were


def test_a_double_quoted_word_of_a_log_is_one_argument():
    from nested_snippets.cli.report import redact_line

    out = redact_line('qemu -object "secret,id=s,data=Zq9 tail9" -m 1')
    assert "Zq9" not in out and "tail9" not in out and out.endswith(" -m 1")


def test_report_hides_a_secret_with_a_tab_in_a_live_process(cli, make_host, monkeypatch):
    from tests.cli.conftest import write

    monkeypatch.setenv("PATH", "/nonexistent")
    root = make_host()
    argv = ["/usr/bin/qemu-system-x86_64", "-object", "secret,id=s,data=Zq9\tTAILSECRET",
            "--password=DASHSECRET"]  # fmt: skip
    write(root, "/proc/4343/cmdline", "\0".join(argv) + "\0")
    r = cli("report", "--root", str(root))
    assert r.rc == 0
    assert "TAILSECRET" not in r.out and "DASHSECRET" not in r.out and "Zq9" not in r.out


def test_an_unlistable_modprobe_d_is_a_skip_not_a_traceback(cli, make_host, monkeypatch):
    """Before: PermissionError from os.listdir(/etc/modprobe.d) ended check and report
    with a traceback (a 0700 modprobe.d, read by a user)."""
    from nested_snippets.parsers import modprobe_conf

    root = make_host("intel")
    (root / "etc/modprobe.d").mkdir(parents=True, exist_ok=True)
    real = modprobe_conf.os.listdir

    def listdir(path="."):
        if str(path).endswith("etc/modprobe.d"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(modprobe_conf.os, "listdir", listdir)
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.line("nested-config") == (
        "SKIP  nested-config: /etc/modprobe.d: cannot read: Permission denied"
    )
    monkeypatch.setenv("PATH", "/nonexistent")
    assert cli("report", "--root", str(root)).rc == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a command as nobody")
@pytest.mark.skipif(not os.access("/usr/bin/python3", os.X_OK), reason="no /usr/bin/python3")
def test_check_as_nobody_with_a_private_modprobe_d(make_host):
    """The same for real: ``nobody`` and a 0700 ``/etc/modprobe.d``."""
    base = Path(tempfile.mkdtemp(prefix="nested-kvm-nobody-"))
    try:
        base.chmod(0o755)
        root = base / "root"
        shutil.copytree(make_host("intel"), root, symlinks=True)
        (root / "etc/modprobe.d").mkdir(parents=True, exist_ok=True)
        (root / "etc/modprobe.d").chmod(0o700)
        proc = subprocess.run(
            ["/usr/bin/python3", "-m", "nested_snippets.cli", "check", "--no-probe",
             "--root", str(root)],  # fmt: skip
            capture_output=True, text=True, cwd=REPO, timeout=60,
            user=pwd.getpwnam("nobody").pw_uid, env={"PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert "Traceback" not in proc.stderr, proc.stderr
        assert "SKIP  nested-config: /etc/modprobe.d: cannot read: Permission denied" in proc.stdout
    finally:
        shutil.rmtree(base)


def test_report_bounds_the_parameter_table(cli, make_host, monkeypatch):
    """Before: 20 000 planted kvm* modules made a 1.1 MB report in 23 s."""
    from nested_snippets.cli import report

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(report, "MAX_PARAMS", 30)
    root = make_host("intel")
    for i in range(40):
        (root / f"sys/module/kvmz{i:02d}/parameters").mkdir(parents=True)
        (root / f"sys/module/kvmz{i:02d}/parameters/p").write_text("1\n")
    r = cli("report", "--root", str(root))
    assert r.rc == 0
    table = r.out.split("## KVM module parameters", 1)[1].split("\n## ", 1)[0]
    assert sum(line.startswith("| kvm") for line in table.splitlines()) == 30
    assert "[the table stops at 30 rows:" in table and "kvm* modules left out]" in table


def test_params_running_bounds_each_list(cli, make_host):
    """Before: 20 000 planted parameter files printed 20 000 lines (1.4 MB)."""
    from nested_snippets.cli import running

    root = make_host("intel")
    for i in range(running.SHOWN + 7):
        (root / f"sys/module/kvm_intel/parameters/planted{i:03d}").write_text("1\n")
    r = cli("params", "--running", "--root", str(root))
    assert r.rc == 0
    assert sum("planted" in line for line in r.out.splitlines()) == running.SHOWN
    assert r.out.count(": 7 more left out") == 1


def _on_path(tmp_path, monkeypatch, name: str, body: str) -> Path:
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    tool = bindir / name
    tool.write_text(f"#!/bin/sh\n{body}\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    return tool


def test_a_command_that_floods_its_output_is_read_to_a_cap(tmp_path, monkeypatch):
    """Before: a ``lscpu`` on PATH writing without end was read for the whole 5 s
    timeout (1 GB of memory); now it is stopped at MAX_OUTPUT."""
    from nested_snippets.cli import report

    monkeypatch.setattr(report, "MAX_OUTPUT", 1 << 20)
    _on_path(tmp_path, monkeypatch, "lscpu", "exec yes AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    out = report.run_command(["lscpu"])
    assert isinstance(out, report.CommandFailed)
    assert out.reason == "more than 1 MiB of output, not read"


def test_nothing_a_command_starts_outlives_it(tmp_path, monkeypatch):
    """Before: a ``dmesg`` that left ``sleep`` running in the background left it running
    after the report; the command's session is now killed."""
    from nested_snippets.cli import report

    mark = tmp_path / "alive"
    monkeypatch.setattr(report, "TIMEOUT", 1.0)
    _on_path(tmp_path, monkeypatch, "dmesg", f"(sleep 3; touch {mark}) >/dev/null 2>&1 &\necho ok")
    assert report.run_command(["dmesg"]) == "ok\n"
    _on_path(tmp_path, monkeypatch, "virsh", f"(sleep 3; touch {mark}) &\necho ok")  # holds stdout
    assert report.run_command(["virsh"]).reason == "timed out after 1 s"
    import time

    time.sleep(3.5)
    assert not mark.exists()


def test_modinfo_is_read_to_a_cap(tmp_path, monkeypatch):
    """``params --running`` asks ``modinfo`` (on this machine only); a flooding one on
    PATH is stopped as the report's commands are (here a fake one, never the real)."""
    from nested_snippets.cli import report, running

    monkeypatch.setattr(report, "MAX_OUTPUT", 1 << 20)
    _on_path(tmp_path, monkeypatch, "modinfo", "exec yes 'nested:Enable nested (bool)'")
    import time

    start = time.monotonic()
    assert running.modinfo_params("kvm_intel") is None
    assert time.monotonic() - start < 3  # stopped at the cap, not read until the timeout
    _on_path(tmp_path, monkeypatch, "modinfo", "echo 'nested:Enable nested (bool)'")
    assert running.modinfo_params("kvm_intel") == ["nested"]


@pytest.mark.parametrize("unit", ["a.", "a-", "a+"])
def test_redaction_is_linear_in_a_run_of_scheme_characters(unit):
    """Before: the URL rule tried a scheme from every letter of ``a.a.a...`` and scanned
    to the run's end each time: 40 000 characters (one line of a libvirt log, one QEMU
    argument) took 27 s; a 4 MB /proc/cmdline, hours."""
    import time

    from nested_snippets.cli.report import redact

    start = time.monotonic()
    redact(unit * 10_000)
    assert time.monotonic() - start < 1.5


def test_a_url_after_a_long_run_is_still_redacted():
    from nested_snippets.cli.report import redact

    for text in ("1.http://alice:Zq9@h.example/", "x." * 100 + "https://alice:Zq9@h/"):
        assert "Zq9" not in redact(text), text
