"""``nested-kvm check`` starts lean (issue 15, speed): its options are read without
argparse, and it imports neither argparse nor ``re``.  No test here measures time
(tools/bench_check.py does); they check what the fast start relies on."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nested_snippets.cli import build_parser, escape, quick_check
from tests.conftest import REPO


@pytest.mark.parametrize(
    "words",
    [
        ["check"],
        ["check", "--json"],
        ["check", "--no-probe", "--json"],
        ["check", "--level", "L1"],
        ["check", "--level=L0", "--level", "auto"],
        ["check", "--root", "/", "--no-probe"],
        ["check", "--root=/tmp", "--json", "--json"],
    ],
)
def test_quick_check_reads_as_argparse_does(words):
    quick = quick_check(words)
    assert quick is not None
    assert vars(quick) == vars(build_parser().parse_args(words))


@pytest.mark.parametrize(
    "words",
    [
        [],
        ["--version"],
        ["lint", "x.conf"],
        ["check", "-h"],
        ["check", "--help"],
        ["check", "--js"],  # argparse takes an abbreviation: it decides
        ["check", "--level", "L2"],
        ["check", "--level"],
        ["check", "--level", "--json"],
        ["check", "--root", "/no/such/dir"],
        ["check", "--root="],
        ["check", "--root", "-x"],
        ["check", "--"],
        ["check", "extra"],
        ["check", "--json=1"],
    ],
)
def test_quick_check_leaves_everything_else_to_argparse(words):
    assert quick_check(words) is None


def test_escape_fast_path_premise():
    """escape() returns printable text as it is: every character its classes match
    must be one that str.isprintable() rejects."""
    taken = [c for c in map(chr, range(0x110000)) if escape.unsafe(c)]
    assert len(taken) > 2000  # C0, C1, format characters, surrogates
    assert not [hex(ord(c)) for c in taken if c.isprintable()]


def test_check_imports_neither_argparse_nor_re(make_host):
    """Each costs milliseconds at start-up (``python -I -S``: nothing else loads them)."""
    root = make_host("intel", level="L1")
    code = (
        "import sys\n"
        "from nested_snippets.cli import main\n"
        f"status = main(['check', '--root', {str(root)!r}])\n"
        "print(sorted({'argparse', 're', 'typing', 'importlib'} & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(REPO)!r})\n"
         + code],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.stderr == ""
    assert out.stdout.splitlines()[-1] == "[]", out.stdout
