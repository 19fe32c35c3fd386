"""Missing, unreadable and garbled files: one clear line naming the file, exit 2.

EACCES is simulated (see conftest): tests may run as root, where chmod 000 does not
stop a read.  ``test_chmod_000_as_non_root`` does the real thing when it can.
"""

from __future__ import annotations

import os

import pytest

from tests.cli.conftest import write

NESTED = "/sys/module/kvm_intel/parameters/nested"


def _one_line(err: str) -> str:
    assert err.count("\n") == 1, err
    return err.strip()


def test_missing_cpuinfo(cli, make_host):
    root = make_host()
    (root / "proc/cpuinfo").unlink()
    r = cli("check", "--root", str(root))
    assert r.rc == 2
    assert _one_line(r.err) == "nested-kvm check: cannot read /proc/cpuinfo: no such file"
    assert r.out == ""


def test_denied_cpuinfo(cli, make_host, deny):
    deny("/proc/cpuinfo")
    r = cli("check", "--root", str(make_host()))
    assert r.rc == 2
    assert _one_line(r.err).startswith(
        "nested-kvm check: cannot read /proc/cpuinfo: permission denied"
    )


def test_denied_cpuinfo_json(cli, make_host, deny):
    deny("/proc/cpuinfo")
    r = cli("check", "--root", str(make_host()), "--json")
    assert r.rc == 2
    assert r.json["exit"] == 2 and r.json["host"] is None
    assert r.json["error"].startswith("cannot read /proc/cpuinfo: permission denied")


def test_cpuinfo_is_a_directory(cli, make_host):
    root = make_host()
    (root / "proc/cpuinfo").unlink()
    (root / "proc/cpuinfo").mkdir()
    r = cli("check", "--root", str(root))
    assert r.rc == 2
    assert "/proc/cpuinfo: is a directory" in r.err


def test_cpuinfo_dangling_symlink(cli, make_host):
    root = make_host()
    (root / "proc/cpuinfo").unlink()
    (root / "proc/cpuinfo").symlink_to("/nonexistent/cpuinfo")
    r = cli("check", "--root", str(root))
    assert r.rc == 2
    assert "/proc/cpuinfo: dangling symbolic link to /nonexistent/cpuinfo" in r.err


@pytest.mark.parametrize("text", ["", "garbage without colons\n", "\0\0\0", "\xff\xfe"])
def test_garbled_cpuinfo(cli, make_host, text):
    root = make_host()
    path = write(root, "/proc/cpuinfo", "")
    path.write_bytes(text.encode("latin-1"))
    r = cli("check", "--root", str(root))
    assert r.rc == 2
    assert _one_line(r.err).startswith("nested-kvm check: ")
    assert "/proc/cpuinfo" in r.err


def test_denied_nested_param(cli, make_host, deny):
    deny(NESTED)
    r = cli("check", "--root", str(make_host()))
    assert r.rc == 2
    assert r.line("nested").startswith(f"SKIP  nested: cannot read it: {NESTED}: permission denied")
    assert _one_line(r.err).startswith(f"nested-kvm check: could not check: {NESTED}: permission")


def test_nested_param_is_a_directory(cli, make_host):
    root = make_host()
    (root / NESTED.lstrip("/")).unlink()
    (root / NESTED.lstrip("/")).mkdir()
    r = cli("check", "--root", str(root))
    assert r.rc == 2
    assert f"{NESTED}: is a directory" in r.err


@pytest.mark.parametrize("value", ["maybe\n", "Y\nN\n", "", "0x\n"])
def test_garbled_nested_param(cli, make_host, value):
    root = make_host()
    write(root, NESTED, value)
    r = cli("check", "--root", str(root))
    assert r.rc == 2
    assert NESTED in _one_line(r.err)


@pytest.mark.parametrize(
    "value,ok", [("Y", True), ("N", False), ("1", True), ("0", False), ("y\n", True), ("2\n", True)]
)
def test_nested_any_print_format(cli, make_host, value, ok):
    root = make_host()
    write(root, NESTED, value)
    assert cli("check", "--root", str(root)).rc == (0 if ok else 1)


def test_unreadable_non_essential_files_do_not_stop_the_check(cli, make_host, deny):
    for shown in (
        "/proc/modules",
        "/proc/cmdline",
        "/sys/class/dmi/id/sys_vendor",
        "/sys/module/kvm_intel/parameters/ept",
        "/etc/modprobe.d/kvm.conf",
    ):
        deny(shown)
    root = make_host()
    write(root, "/etc/modprobe.d/kvm.conf", "options kvm_intel nested=1\n")
    r = cli("check", "--root", str(root))
    assert r.rc == 0, r.out
    assert r.line("ept").startswith(
        "SKIP  ept: cannot read it: /sys/module/kvm_intel/parameters/ept"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads chmod 000 files anyway")
def test_chmod_000_as_non_root(cli, make_host):
    root = make_host()
    path = write(root, "/proc/cpuinfo", (root / "proc/cpuinfo").read_text())
    path.chmod(0)
    r = cli("check", "--root", str(root))
    assert r.rc == 2 and "permission denied" in r.err


def test_report_lists_unreadable_items_as_skipped(cli, make_host, deny, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    deny("/proc/cpuinfo")
    deny("/sys/module/kvm_intel/parameters/nested")
    r = cli("report", "--root", str(make_host()))
    assert r.rc == 0
    skipped = r.out.split("## Skipped\n", 1)[1]
    assert "- `/proc/cpuinfo`: permission denied" in skipped
    assert "- `lscpu`: not installed (not on PATH)" in skipped
    assert "| kvm_intel | nested | (unreadable: permission denied" in r.out


def test_lint_unreadable_file(cli, tmp_path, deny, monkeypatch):
    conf = tmp_path / "kvm.conf"
    conf.symlink_to(tmp_path / "missing")
    r = cli("lint", str(tmp_path), "--kernel", "6.6")
    assert r.rc == 2
    assert _one_line(r.err).startswith(f"nested-kvm lint: cannot read {conf}: no such file")


def test_lint_missing_path(cli, tmp_path):
    r = cli("lint", str(tmp_path / "nope.conf"), "--kernel", "6.6")
    assert r.rc == 2
    assert (
        _one_line(r.err) == f"nested-kvm lint: {tmp_path / 'nope.conf'}: no such file or directory"
    )


def test_report_output_unwritable(cli, make_host, tmp_path):
    r = cli("report", "--root", str(make_host()), "-o", str(tmp_path / "no/such/dir/r.md"))
    assert r.rc == 2
    assert _one_line(r.err).startswith("nested-kvm report: cannot write")


def test_root_must_be_a_directory(cli, tmp_path):
    with pytest.raises(SystemExit) as exc:
        cli("check", "--root", str(tmp_path / "nope"))
    assert exc.value.code == 2
