"""tools/bench_check.py times ``nested-kvm check`` with its output discarded: it reads
``check --json`` once first, and says "met" only when the KVM probe ran (audit 15)."""

from __future__ import annotations

import sys

from nested_snippets.cli import kvmprobe
from tests.cli.test_kvmprobe import FakeKvm
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
import bench_check  # noqa: E402


def _json(cli, root, monkeypatch, **fake) -> str:
    if fake:
        kvm = FakeKvm(**fake)
        monkeypatch.setattr(kvmprobe, "_open", kvm.open)
        monkeypatch.setattr(kvmprobe, "_ioctl", kvm.ioctl)
        monkeypatch.setattr(kvmprobe, "_close", kvm.close)
    return cli("check", "--root", str(root), "--json").out


def test_json_with_the_probe_checks_counts_as_run(cli, make_host, monkeypatch):
    out = _json(cli, make_host("intel", nested=True), monkeypatch, api=12)
    ran, why = bench_check.probe_ran(out)
    assert ran, why
    assert why == "kvm-api PASS, kvm-create-vm PASS, 3 capabilities asked"


def test_a_failed_create_vm_still_ran_the_probe(cli, make_host, monkeypatch):
    out = _json(cli, make_host("intel", nested=True), monkeypatch, create_errno=16)
    assert bench_check.probe_ran(out) == (
        True,
        "kvm-api PASS, kvm-create-vm FAIL, 0 capabilities asked",
    )


def test_json_without_the_probe_is_not_run(cli, make_host, monkeypatch):
    root = make_host("intel", nested=True)  # its /dev/kvm is a regular file: never probed
    ran, why = bench_check.probe_ran(_json(cli, root, monkeypatch))
    assert not ran and why.startswith("kvm-probe SKIP: not probed: ")
    ran, why = bench_check.probe_ran(_json(cli, root, monkeypatch, open_errno=13))
    assert not ran and why.startswith("kvm-probe SKIP: cannot open "), why
    assert bench_check.probe_ran('{"checks": [{"id": "kvm-api", "status": "PASS"}]}') == (
        False,
        "no kvm-create-vm check in the output",
    )
    assert bench_check.probe_ran("")[0] is False  # no output at all (the command failed)
    assert bench_check.probe_ran('{"checks": null}')[0] is False


def test_the_target_is_never_met_without_the_probe():
    assert ": met (" in bench_check.target_line(1.0, 1.0, 1.0, 1.0, probed=True)
    line = bench_check.target_line(0.1, 1.0, 0.1, 1.0, probed=False)
    assert "met" not in line.replace("not measured", "") and "not measured" in line
    assert "MISSED" in bench_check.target_line(4.0, 1.0, 1.0, 1.0, probed=True)
