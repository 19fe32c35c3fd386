"""Hostile input, third review of issue 15: a --root whose sys is a link out of it,
huge option values in the snippet runner's usage errors, secrets the report missed,
usage errors of ``check --json``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO


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


LONG = "x" * 100_000


@pytest.mark.parametrize(
    "argv",
    [
        ["enable.check_nested", "--bogus=" + LONG],
        ["enable.check_nested", "--arch", "amd", LONG],
        ["enable.check_nested", "--kernel"],
    ],
)
def test_runner_usage_errors_are_short(argv, capsys):
    """The snippet runner's argparse echoed a 100 000-character option whole; it now
    uses the checker's parser, which cuts it."""
    from nested_snippets.runner.__main__ import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m nested_snippets.runner")
    assert len(err) < 1000, err[-300:]
    assert "python -m nested_snippets.runner: error: " in err


def test_runner_usage_error_as_a_process():
    proc = subprocess.run(
        [sys.executable, "-m", "nested_snippets.runner", "x", "--bogus=" + LONG],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stdout == ""
    assert "(100008 characters)" in proc.stderr and len(proc.stderr) < 1000


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "source/_extra/schemas/nested-kvm-check-1.json").read_text())
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["check", "--json", "--bogus"], "nested-kvm check: unrecognized arguments: --bogus"),
        (["--json", "check", "--level", "L9"], "nested-kvm check: argument --level: invalid"),
        (["check", "--root", "/nonexistent", "--json"], "'/nonexistent' is not a directory"),
        (["check", "--json", "--" + LONG], "characters)"),
        (["--json"], "the following arguments are required: COMMAND"),
    ],
)
def test_check_json_usage_error_is_one_json_document(argv, reason, capsys, validator):
    """``check --json --bogus`` printed argparse's text on stderr and nothing on
    stdout: a fleet reading JSON got nothing.  Now one nested-kvm-check/1 document."""
    from nested_snippets.cli import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert not [e.message for e in validator.iter_errors(doc)]
    assert (doc["exit"], doc["host"], doc["checks"]) == (2, None, [])
    assert doc["error"].startswith("bad usage: ") and reason in doc["error"]
    assert len(out) < 2000 and err == ""


@pytest.mark.parametrize("argv", [["check", "--bogus"], ["params", "--json", "--bogus"]])
def test_usage_error_without_check_json_stays_text(argv, capsys):
    from nested_snippets.cli import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    # the command's error (test_quirks17.py): it was the top-level parser's
    assert err.splitlines()[-1] == f"nested-kvm {argv[0]}: error: unrecognized arguments: --bogus"


@pytest.mark.parametrize(
    "text",
    [
        "password: Zq9secret",
        "  passwd:\tZq9 secret words",
        "secret: 'Zq9secret'",
        'password: "Zq9 secret"',
        "- Password:Zq9secret",
        "https://u:Zq9/secret@host/x",
        "ftp://alice:Zq9/se/cret@host",
        "nbd://bob:Zq9/secret@192.0.2.1:10809/export",
    ],
)
def test_redaction_of_yaml_values_and_slashes_in_url_passwords(text):
    """``password: X`` (YAML) and a URL password holding a ``/`` went through."""
    from nested_snippets.cli.report import redact

    out = redact(text)
    assert "Zq9" not in out and "secret" not in out.replace("secret:", "")
    assert "<redacted>" in out


@pytest.mark.parametrize(
    "text",
    ["http://alice@host/", "http://host:8080/path", "Enter the password", "data: 1"],
)
def test_redaction_still_leaves_these(text):
    from nested_snippets.cli.report import redact

    assert redact(text) == text


def test_url_passwords_with_slashes_stay_linear():
    """A password may now hold a ``/``: the search past ``scheme://user:`` is bounded."""
    import time

    from nested_snippets.cli.report import redact

    start = time.monotonic()
    redact("a://b:" * 20_000)
    assert time.monotonic() - start < 1.5


def test_report_hides_yaml_and_url_secrets_of_files(cli, make_host, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    root = make_host()
    log = "2026-12-02 qemu: password: Zq9secret\n-drive file=https://u:Zq9/pw@h/disk.img\n"
    (root / "var/log/libvirt/qemu").mkdir(parents=True, exist_ok=True)
    (root / "var/log/libvirt/qemu/l1.log").write_text(log)
    r = cli("report", "--root", str(root))
    assert r.rc == 0 and "Zq9" not in r.out
    assert "password: <redacted>" in r.out and "https://u:<redacted>@h/disk.img" in r.out
    header = r.out.split("\n## ", 1)[0]
    assert "password:, passwd:, secret: (YAML style)" in header
    assert "a / in the password" in header
