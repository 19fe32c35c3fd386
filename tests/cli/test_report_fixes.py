"""Fixes of REVIEW s8's findings on ``nested-kvm report`` (tests/cli/test_review_s8.py)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess

import pytest

import nested_snippets.cli
from nested_snippets.cli import report
from nested_snippets.cli.report import redact
from tests.cli.test_review_s8 import _python39
from tests.conftest import REPO


def _cli_patterns() -> list[tuple[str, str, int]]:
    """(module, pattern, flags) of every compiled pattern that a module of
    nested_snippets.cli holds at its top level, also inside tuples, lists and dicts."""
    found = []

    def walk(mod, value, depth=0):
        if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
            found.append((mod, value.pattern, value.flags & ~re.UNICODE))
        elif depth < 3 and isinstance(value, (tuple, list)):
            for v in value:
                walk(mod, v, depth + 1)
        elif depth < 3 and isinstance(value, dict):
            for v in value.values():
                walk(mod, v, depth + 1)

    for info in pkgutil.iter_modules(nested_snippets.cli.__path__):
        name = f"nested_snippets.cli.{info.name}"
        if info.name == "__main__":
            continue
        mod = importlib.import_module(name)
        for value in vars(mod).values():
            walk(name, value)
    return found


def test_every_cli_regex_compiles_on_python_3_9():
    """R12: report.py used possessive quantifiers (Python 3.11+).  Every pattern the CLI
    modules compile at import, and the modules themselves, must work on Python 3.9."""
    patterns = _cli_patterns()
    assert any(m.endswith(".report") for m, _, _ in patterns)  # the walk finds REDACTIONS
    code = (
        "import importlib, json, pkgutil, re, sys\n"
        "import nested_snippets.cli as c\n"
        "bad = []\n"
        "for m, p, f in json.load(sys.stdin):\n"
        "    try:\n"
        "        re.compile(p, f)\n"
        "    except re.error as e:\n"
        "        bad.append(f'{m}: {e}: {p[:80]}')\n"
        "for i in pkgutil.iter_modules(c.__path__):\n"
        "    if i.name != '__main__':\n"
        "        try:\n"
        "            importlib.import_module('nested_snippets.cli.' + i.name)\n"
        "        except Exception as e:\n"
        "            bad.append(f'import {i.name}: {e!r}')\n"
        "print('\\n'.join(bad))\n"
    )
    proc = subprocess.run(
        [_python39(), "-c", code], input=json.dumps(patterns), capture_output=True, text=True,
        cwd=REPO, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


@pytest.mark.parametrize(
    "text",
    [
        "<password><![CDATA[" + "]" * 1_000_000,
        "<password><![CDATA[" * 50_000,
        '"data":' + "\x000020" * 200_000,
        "authorization:bearer" + "\x000020" * 200_000,
        'authorization"' * 70_000,
    ],
)
def test_new_secret_patterns_finish_on_a_megabyte(text):
    """R5/R7: the CDATA, hidden-blank JSON and quoted Authorization patterns have
    alternatives that cannot overlap: linear (measured: doubling the input doubles
    the time; no time asserted here)."""
    out = redact(text)
    assert len(out) <= len(text) + 20


def test_every_redaction_has_its_needles():
    assert len(report._NEEDLES) == len(report.REDACTIONS)


@pytest.mark.parametrize(
    "text",
    [
        "pa\u017f\u017fword=SEKRIT",  # re.I takes the long s for s
        "api_\u212aey=SEKRIT",  # and the Kelvin sign for k
        "%70assword%3DSEKRIT",
        '{"\\u0070assword": "SEKRIT"}',
        "-----BEGIN RSA PRIVATE KEY-----\nSEKRIT\n-----END RSA PRIVATE KEY-----",
        "PASSWORD: SEKRIT",
        "Authorization: Bearer SEKRIT",
    ],
)
def test_skipping_a_pattern_never_skips_a_secret(text):
    """R9: a pattern runs only when the text holds one of its needles (``_NEEDLES``);
    a secret whose name is spelt with letters that re.I matches, percent-encoded or
    as JSON escapes is still redacted, in a short text and in a long one."""
    assert "SEKRIT" not in report.redact(text)
    assert "SEKRIT" not in report.redact("x" * 300 + " " + text)


def test_a_line_of_quoted_words_keeps_each_word_redacted():
    """R9: words are redacted once per distinct word; each keeps its own redaction."""
    line = "'a b' 'data=x y' 'z' 'data=x y' 'secret,data=q r'"
    assert report.redact_line(line) == (
        "'a b' 'data=<redacted>' 'z' 'data=<redacted>' 'secret,data=<redacted>'"
    )


KEY = ["-----BEGIN PRIVATE KEY-----", "SEKRIT1", "SEKRIT2", "-----END PRIVATE KEY-----"]


def test_tail_redacts_a_key_whose_begin_line_is_left_out():
    """R6: the lines kept before an END line whose BEGIN line was cut are redacted."""
    text = "\n".join(["start", *KEY, "after"])
    out = report.tail(text, 3)
    assert "SEKRIT" not in out
    assert out.endswith("-----END PRIVATE KEY-----\nafter")
    # a file read from its end (the first bytes not read): the same without a line cut
    assert "SEKRIT" not in report.tail("\n".join(KEY[2:]), 40, cut=True)


def test_tail_keeps_lines_before_a_whole_key():
    text = "\n".join(["a", "b", "before", *KEY, "after"])
    assert report.tail(text, 6).split("\n")[1:3] == ["before", KEY[0]]
    assert report.tail("x\n-----END PRIVATE KEY-----", 40) == "x\n-----END PRIVATE KEY-----"


def test_report_output_through_a_link_is_one_line_naming_it(cli, make_host, tmp_path):
    """R8: any component of -o FILE that is a symbolic link is refused, named."""
    root = make_host("intel")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    target = tmp_path / "link" / "sub" / "report.md"
    r = cli("report", "--root", str(root), "-o", str(target))
    assert r.rc == 2
    assert f"{tmp_path}/link is a symbolic link" in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_report_output_relative_and_absolute(cli, make_host, tmp_path, monkeypatch):
    root = make_host("intel")
    (tmp_path / "d").mkdir()
    monkeypatch.chdir(tmp_path)
    assert cli("report", "--root", str(root), "-o", "d/r.md").rc == 0
    assert (tmp_path / "d/r.md").read_text().startswith("# nested-kvm report")
    assert cli("report", "--root", str(root), "-o", str(tmp_path / "r2.md")).rc == 0
    assert (tmp_path / "r2.md").stat().st_mode & 0o777 == 0o600
    r = cli("report", "--root", str(root), "-o", "missing/r.md")
    assert r.rc == 2 and "missing: no such file or directory" in r.err


def test_report_shows_kvm_but_not_other_kvm_named_programs(cli, make_host):
    """R11: ``kvm`` (Proxmox VE's /usr/bin/kvm) is a QEMU process, ``kvm-ok`` is not."""
    root = make_host("intel")
    for pid, argv in ((300, b"/usr/bin/kvm\0-id\x00100\0"), (301, b"/usr/bin/kvm-ok\0-x\0")):
        path = root / f"proc/{pid}/cmdline"
        path.parent.mkdir(parents=True)
        path.write_bytes(argv)
    out = cli("report", "--root", str(root)).out
    assert "[pid 300] /usr/bin/kvm -id 100" in out
    assert "[pid 301]" not in out
