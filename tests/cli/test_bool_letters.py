"""``nested-kvm lint`` and ``check`` judge a bool's first letter as the release does.

lib/kstrtox.c kstrtobool() read in the data's trees (2026-12-05): t/T and f/F from
5.19.0 (not at 5.18.12), e/E and d/D from 6.16.1 (not at 6.15.0); see
tests/test_kstrtobool_releases.py.  A release newer than the data is judged as the
newest data's (lint says which it checked against); one older than the data is no
release lint checks (exit 2), and ``check`` says it cannot tell.
"""

from __future__ import annotations

import pytest

from nested_snippets import arches
from nested_snippets.cli import config
from tests.cli.conftest import write

BAD_T = "kvm_intel nested: 't' is not a valid bool; kvm_intel refuses to load (Invalid argument)"


@pytest.fixture
def lint(cli, tmp_path):
    def run(text: str, kernel: str):
        path = tmp_path / "kvm.conf"
        path.write_text(text)
        return path, cli("lint", str(path), "--kernel", kernel)

    return run


@pytest.mark.parametrize("kernel", ["5.4", "5.18.12"])
def test_lint_refuses_nested_t_before_5_19(lint, kernel):
    path, r = lint("options kvm_intel nested=t\n", kernel)
    assert (r.rc, r.out) == (1, f"{path}:1: error: {BAD_T}\n")


@pytest.mark.parametrize("kernel", ["5.19", "6.1", "6.1.0-13-amd64"])
def test_lint_takes_nested_t_from_5_19(lint, kernel):
    assert lint("options kvm_intel nested=t ept=False\n", kernel)[1].rc == 0


def test_lint_takes_nested_e_only_from_6_16(lint):
    path, r = lint("options kvm_intel nested=enable\n", "6.15")
    assert r.rc == 1
    assert "kvm_intel nested: 'enable' is not a valid bool" in r.out
    assert lint("options kvm_intel nested=enable ept=disable\n", "6.16")[1].rc == 0


def test_lint_of_a_release_newer_than_the_data_reads_as_the_newest(lint):
    _path, r = lint("options kvm_intel nested=e\n", "99.1")
    assert r.rc == 0
    assert "checking against Linux" in r.err


def _judged(value: str, release: str | None) -> tuple[str, str]:
    result = config._judged(arches.get("intel"), [("/etc/modprobe.d/kvm.conf:1", value)], [],
                            release=release)  # fmt: skip
    return result.status, result.value + " | " + result.fix


@pytest.mark.parametrize(("value", "release", "status"),
                         [("t", "5.4.0-26-generic", "WARN"), ("t", "6.1.0-13-amd64", "PASS"),
                          ("f", "6.1.0-13-amd64", "WARN"), ("e", "6.15.0", "WARN"),
                          ("e", "6.16.1", "PASS"), ("1", None, "PASS")])  # fmt: skip
def test_check_judges_the_setting_as_the_running_release(value, release, status):
    got, text = _judged(value, release)
    assert got == status, text
    if value == "t" and status == "WARN":
        assert "not a valid bool: the kernel rejects it" in text
        assert "as Linux 5.4 reads it" in text


def test_check_cannot_tell_a_letter_for_a_release_without_data():
    status, text = _judged("t", "4.4.0-210-generic")
    assert status == "WARN"
    assert "whether this kernel takes it is not known (no kernel data for Linux 4.4.0" in text


def test_check_reads_the_running_release_from_the_root(cli, make_host):
    for version, status in (("5.4", "WARN"), ("6.1", "PASS")):
        root = make_host("intel", kernel=version)
        write(root, "/etc/modprobe.d/kvm.conf", "options kvm_intel nested=t\n")
        line = cli("check", "--root", str(root), "--no-probe").line("nested-config")
        assert line.split()[0] == status, line
