"""Hostile input, second review (2026-12-02): the Sphinx directives and roles and the
tools' argument handling.  Each bad input is one message naming the page and line (or
the argument) and a failed run; nothing is built from a guess."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO, sphinx_build

PAGES = {
    "future": ".. kernel-params::\n   :module: x86/kvm\n   :kernel: 99.1\n",
    "digits": ".. kernel-params::\n   :module: x86/kvm\n   :kernel: 7.1.99999999999999999999\n",
    "misspelt": ".. kernel-param-history::\n   :param: x86/kvm_intel nestd\n",
    "noparam": ".. kernel-param-history::\n   :param: x86/kvm_intel\n",
    "repo": "See :repo:`no/such/module.py`.\n",
    "nomodule": ".. kernel-params::\n   :kernel: 6.6\n",
    "nohistory": ".. kernel-param-history::\n",
}
EXPECTED = {
    "future": ":kernel: no data for Linux 99.1 (the nearest is",
    "digits": "is not a kernel version",
    "misspelt": "has no parameter 'nestd'; did you mean 'nested'?",
    "noparam": ":param: write 'ARCH/MODULE PARAM'",
    "repo": ":repo: 'no/such/module.py' is not a file or directory of the repository",
    "nomodule": "kernel-params: the :module: option is required",  # was a KeyError crash
    "nohistory": "kernel-param-history: the :param: option is required",
}


def test_bad_directive_options_and_roles_are_errors_at_their_line(tmp_path):
    """Before: a :kernel: without data showed the newest release's table, an unknown or
    missing :param: a table of "(absent)", a :repo: path that does not exist a link."""
    src = tmp_path / "src"
    src.mkdir()
    toc = "".join(f"   {name}\n" for name in PAGES)
    (src / "index.rst").write_text(f"Home\n====\n\n.. toctree::\n\n{toc}")
    for name, body in PAGES.items():
        (src / f"{name}.rst").write_text(f"{name.title()}\n=====\n\n{body}\nafter\n")
    proc = sphinx_build(src, tmp_path / "out")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "Exception occurred" not in proc.stderr
    for name, message in EXPECTED.items():
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith(f"{src / name}.rst:4:")]
        assert len(lines) == 1 and message in lines[0], (name, proc.stderr)


def _tool(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, cwd=REPO, timeout=120
    )


def test_build_pyz_refuses_an_option_it_does_not_know(tmp_path):
    """Before: ``tools/build_pyz.py --bogus`` wrote the zipapp to a file named --bogus."""
    proc = _tool("tools/build_pyz.py", "--bogus")
    assert proc.returncode == 2 and "unrecognized arguments: --bogus" in proc.stderr
    assert not (REPO / "--bogus").exists()


def test_build_pyz_still_writes_where_it_is_told(tmp_path):
    out = tmp_path / "x.pyz"
    proc = _tool("tools/build_pyz.py", str(out))
    assert proc.returncode == 0 and out.is_file(), proc.stderr


@pytest.mark.parametrize("target", ["/nonexistent/x", "sid\x1b[2J"])
def test_record_fixture_names_an_unknown_target_in_one_line(target):
    """Before: a traceback (RealKernelUnavailable) for a target with no pinned kernel."""
    proc = _tool("tools/record_fixture.py", target)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "unknown target" in proc.stderr and "\x1b" not in proc.stderr


def test_search_indexing_is_linear_in_a_long_word():
    """Before: the compound-word pattern backtracked from every letter of a word, so a
    20 000-letter word (a hostile page, a pasted blob) stalled the HTML build 2 minutes."""
    import time

    from nested_snippets.sphinxext.search import SearchEnglishIdentifiers

    splitter = SearchEnglishIdentifiers({})
    start = time.monotonic()
    words = splitter.split("Y" * 12_000 + " hyper-v")  # before: 12 s; now: milliseconds
    assert time.monotonic() - start < 1.5
    assert "hyperv" in words
