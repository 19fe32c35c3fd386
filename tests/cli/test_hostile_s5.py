"""Rows of the session-5 hostile review of ``nested-kvm`` (/work/review-hostile-s5.md)."""

from __future__ import annotations

import os

import pytest


@pytest.mark.parametrize("kind", ["fifo", "dir"])
def test_a_dev_kvm_that_is_no_device_does_not_pass(cli, make_host, kind):
    """Row 19: a FIFO (or a directory) as /dev/kvm fails dev-kvm and the verdict."""
    root = make_host("intel")
    (root / "dev/kvm").unlink()
    if kind == "fifo":
        os.mkfifo(root / "dev/kvm")
    else:
        (root / "dev/kvm").mkdir()
    r = cli("check", "--root", str(root))
    assert r.status("dev-kvm") == "FAIL"
    assert "not a character device" in r.line("dev-kvm")
    assert "RESULT  L0: ready" not in r.out
    assert r.rc != 0


def test_a_regular_dev_kvm_below_root_is_only_a_stand_in(cli, make_host):
    """Row 19: a regular file is not a PASS (the fake host's stand-in is a WARN)."""
    r = cli("check", "--root", str(make_host("intel")))
    assert r.status("dev-kvm") == "WARN"
    assert "regular file" in r.line("dev-kvm")


@pytest.mark.parametrize("target", ["/dev/null", "self"])
def test_a_dev_kvm_link_out_of_root_or_to_itself_is_named(cli, make_host, target):
    """Row 20: not "missing — load KVM"; the link is named."""
    root = make_host("intel")
    (root / "dev/kvm").unlink()
    (root / "dev/kvm").symlink_to(root / "dev/kvm" if target == "self" else target)
    r = cli("check", "--root", str(root))
    line = r.line("dev-kvm")
    assert line.startswith("FAIL  dev-kvm: /dev/kvm: ")
    assert "symbolic link" in line
    assert "load KVM" not in line and "missing" not in line
