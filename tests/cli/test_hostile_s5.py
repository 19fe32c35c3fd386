"""Rows of the session-5 hostile review of ``nested-kvm`` (/work/review-hostile-s5.md)."""

from __future__ import annotations

import json
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


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("mysql://root:p@ss:w/rd@host/db", "mysql://root:<redacted>@host/db"),  # row 14
        ("https://u:p@w/x@h/", "https://u:<redacted>@h/"),
        ("https://u:" + "A" * 300 + "/Be@h/", "https://u:<redacted>@h/"),  # row 15
        ('{"password": 12345678}', '{"password": <redacted>}'),  # row 16
        ('{"key": ["x", "y"]}', '{"key": <redacted>}'),
        ('{"data": true, "id": 1}', '{"data": <redacted>, "id": 1}'),
        ("password=\u00a0SECRET", "password=\u00a0<redacted>"),  # row 17
        ("password=SEC\u00a0RET x", "password=<redacted> x"),
    ],
)
def test_redaction_of_the_claimed_kinds(text, kept):
    from nested_snippets.cli.report import redact

    assert redact(text) == kept


@pytest.mark.parametrize(
    "text",
    [
        "MYSQL_ROOT_PASSWORD=Zq9",
        "PGPASSWORD=Zq9",
        "DB_PASS=Zq9",
        "chap_password=Zq9",
        "client_secret=Zq9",
        "aws_secret_access_key = Zq9",
        "API_TOKEN=Zq9",
        "x?token=Zq9&y=1",
        "Authorization: Bearer Zq9.abc",
        "authorization=Basic Zq9Zm9v",
        "passphrase=Zq9",
        "pass=Zq9",
        "https://h/?pwd=Zq9",
        "mysql --password Zq9 -h db",
        "--db-password 'Zq9 x'",
        "<secret ephemeral='no'><value>Zq9==</value></secret>",
        "<password>Zq9</password>",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nZq9abc\nZq9def\n-----END OPENSSH PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nZq9\n"
        "-----END RSA PRIVATE KEY-----",
    ],
)
def test_redaction_of_common_unclaimed_secrets(text):
    from nested_snippets.cli.report import redact

    out = redact(text)
    assert "Zq9" not in out and "<redacted>" in out


@pytest.mark.parametrize(
    "text",
    ["iommu.passthrough=1", "kvm_intel.nested=1", "bypass=1", "keyid=sec0", "PATH=/usr/bin"],
)
def test_redaction_keeps_names_that_only_look_like_secrets(text):
    from nested_snippets.cli.report import redact

    assert redact(text) == text


@pytest.mark.parametrize(
    "unit",
    [
        "a://x",
        "<value",
        "-----BEGIN PRIVATE KEY-----",
        "--password",
        "passwordpassword",
        "x_token=",
        "authorization:",
        "u:p@",
        '{"password":',
    ],
)
def test_redaction_of_a_megabyte_of_hostile_text_finishes(unit):
    """Linear patterns: 1 MB of a repeated prefix completes (no timing assertion)."""
    from nested_snippets.cli.report import redact

    text = unit * (1_000_000 // len(unit))
    assert len(redact(text)) > 0


@pytest.mark.parametrize("words", [["--jso", "--level", "L9"], ["--json=1"], ["--js", "--bogus"]])
def test_check_usage_errors_with_json_spelt_otherwise_print_json(capsys, make_host, words):
    """Row 18: argparse accepts --jso as --json, so its usage error is JSON too."""
    from nested_snippets.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["check", "--root", str(make_host()), *words])
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert json.loads(out)["error"].startswith("bad usage:")
    assert err == ""


def test_check_with_an_abbreviated_json_prints_json(cli, make_host):
    r = cli("check", "--root", str(make_host()), "--jso")
    assert r.json["exit"] == r.rc


def test_params_of_a_version_newer_than_any_data_says_so(cli):
    """Row 9: 99.1 is not a release whose sources were not found."""
    from nested_snippets import kernel

    newest = kernel.releases()[-1]
    r = cli("params", "--module", "kvm_intel", "--kernel", "99.1")
    assert r.rc == 0
    assert "newer than any release with data" in r.err and "sources were not found" not in r.err
    assert f"Linux {newest} (" in r.err
    j = cli("params", "--module", "kvm_intel", "--kernel", "99.1", "--json").json
    assert j["kernel"]["newer"] is True and j["kernel"]["data"] == newest
    old = cli("params", "--module", "kvm_intel", "--kernel", "5.13", "--json").json
    assert old["kernel"]["newer"] is False


def test_running_parameters_that_cannot_be_read_are_not_same(cli, make_host):
    """Row 10: a FIFO, a link to a device, a link out of --root are "unreadable"."""
    root = make_host("intel")
    params = root / "sys/module/kvm_intel/parameters"
    (params / "nested").unlink()
    os.mkfifo(params / "nested")
    (params / "ept").unlink()
    (params / "ept").symlink_to("/dev/zero")
    (root / "sys/module/kvm/parameters/halt_poll_ns").unlink()
    (root / "sys/module/kvm/parameters/halt_poll_ns").symlink_to("/sys/kernel/mm")
    r = cli("params", "--running", "--root", str(root), "--json")
    by_name = {p["name"]: p for p in r.json["params"]}
    for name in ("nested", "ept", "halt_poll_ns"):
        assert by_name[name]["status"] == "unreadable", by_name[name]
        assert by_name[name]["reason"]
    assert "out of the --root" in by_name["halt_poll_ns"]["reason"]
    text = cli("params", "--running", "--root", str(root)).out
    assert "could not be read: nested (" in text and "could not be read: ept (" in text


def test_running_module_link_out_of_root_is_named(cli, make_host):
    """Row 11: not "no KVM module with parameter data is loaded"."""
    root = make_host("intel")
    import shutil

    shutil.rmtree(root / "sys/module/kvm")
    (root / "sys/module/kvm").symlink_to("/sys/module/kvm")
    r = cli("params", "--running", "--root", str(root))
    assert r.rc == 2
    assert "/sys/module/kvm" in r.err and "symbolic link" in r.err
    assert "no KVM module" not in r.out


def test_report_of_a_huge_log_shows_its_real_end_and_says_it_was_cut(cli, make_host, monkeypatch):
    """Row 12: a log over 4 MiB: its last lines, and a note that the start was not read."""
    monkeypatch.setenv("PATH", "/nonexistent")
    root = make_host()
    logs = root / "var/log/libvirt/qemu"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / "big.log", "w") as f:
        for i in range(120_000):
            f.write(f"2026-12-02 line {i:06d} " + "x" * 40 + "\n")
        f.write("THE-END\n")
    r = cli("report", "--root", str(root))
    assert r.rc == 0
    assert "THE-END" in r.out and "line 119999" in r.out
    assert "bytes not read" in r.out


def test_report_with_proc_out_of_root_says_it_could_not_look(cli, make_host, monkeypatch):
    """Row 13: not "No QEMU process is running"."""
    import shutil

    monkeypatch.setenv("PATH", "/nonexistent")
    root = make_host()
    shutil.rmtree(root / "proc")
    (root / "proc").symlink_to("/proc")
    r = cli("report", "--root", str(root))
    assert r.rc == 0
    assert "No QEMU process is running" not in r.out
    assert "Skipped QEMU processes" in r.out and "/proc: a symbolic link out of" in r.out


def test_params_of_a_release_candidate_says_it_comes_before_the_release(cli):
    """Row 9, second half: 6.6-rc1 says that an -rc precedes 6.6 (and, since REVIEW s8,
    uses the data of the release before 6.6: test_review_s8)."""
    r = cli("params", "--module", "kvm_intel", "--kernel", "6.6-rc1")
    assert r.rc == 0
    assert "release candidate, which comes before 6.6" in r.err
