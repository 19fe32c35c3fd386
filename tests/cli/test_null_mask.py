"""A modprobe.d file linked to /dev/null masks the file of the same name in a
directory read later: kmod opens it and reads nothing (``conf_files_filter_out()``,
libkmod/libkmod-config.c, v30 to v34, skips only dot-files, other suffixes and
directories).  Found by the session-10 review: lint exited 2 and check skipped it
("a device, not read")."""

from __future__ import annotations

import os

import pytest

from nested_snippets.regular import NotRegular, read_regular
from tests.cli.conftest import write


def test_the_null_device_reads_as_empty_and_other_devices_are_refused():
    assert read_regular("/dev/null", 100) == b""
    with pytest.raises(NotRegular):
        read_regular("/dev/zero", 100)


def test_lint_reads_a_file_linked_to_dev_null_as_empty(cli, tmp_path):
    conf = tmp_path / "kvm.conf"
    conf.symlink_to("/dev/null")
    got = cli("lint", "--kernel", "6.6", "--arch", "x86", str(conf))
    assert got.rc == 0 and got.out == "" and got.err == "", got


def test_lint_says_a_link_to_dev_null_masks_the_file_of_its_name(cli, tmp_path):
    etc, lib = tmp_path / "etc/modprobe.d", tmp_path / "usr/lib/modprobe.d"
    etc.mkdir(parents=True)
    lib.mkdir(parents=True)
    (etc / "kvm.conf").symlink_to("/dev/null")
    (lib / "kvm.conf").write_text("options kvm_intel nested=bogus\n")
    got = cli(
        "lint", "--kernel", "6.6", "--arch", "x86", "--root", str(tmp_path), str(etc), str(lib)
    )
    assert got.rc == 0, got
    assert "bogus" not in got.out
    assert f"{lib}/kvm.conf not read: kmod reads one file named kvm.conf, {etc}/kvm.conf" in got.err
    assert "(a link to /dev/null: it masks this one)" in got.err


def test_check_reads_a_masking_link_below_root_as_empty(cli, make_host):
    root = make_host("intel")
    write(root, "/usr/lib/modprobe.d/kvm.conf", "options kvm_intel nested=0\n")
    os.makedirs(root / "etc/modprobe.d", exist_ok=True)
    os.symlink("/dev/null", root / "etc/modprobe.d/kvm.conf")
    line = cli("check", "--root", str(root), "--no-probe").line("nested-config")
    assert line.startswith("PASS  nested-config: no nested= in modprobe.d"), line
