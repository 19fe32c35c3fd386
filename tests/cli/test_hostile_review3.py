"""Hostile input, third review of issue 15: a --root whose sys is a link out of it,
huge option values in the snippet runner's usage errors, secrets the report missed,
usage errors of ``check --json``."""

from __future__ import annotations

import json
import shutil


def test_a_sys_link_out_of_root_is_named(cli, make_host):
    """``--root R`` with ``R/sys -> /sys``: check said "no /sys/module: a container?",
    which sends the reader looking for a container; it must name the link."""
    root = make_host("intel", nested=True)
    shutil.rmtree(root / "sys")
    (root / "sys").symlink_to("/sys")
    why = "/sys is a symbolic link out of the --root directory (to /sys), not followed"
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.rc == 2
    assert r.line("nested") == f"SKIP  nested: cannot read /sys/module: {why}"
    assert r.err == f"nested-kvm check: could not check: /sys/module: {why}\n"
    assert "container" not in r.out
    r = cli("check", "--root", str(root), "--no-probe", "--json")
    assert json.loads(r.out)["error"] == f"could not check: /sys/module: {why}"
    r = cli("params", "--running", "--root", str(root))
    assert why in r.out + r.err
