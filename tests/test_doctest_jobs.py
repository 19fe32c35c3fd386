"""``make doctest`` runs each example once, by one tool: Sphinx's doctest builder the
pages' examples, pytest-sphinx (``make docstrings``) the Python modules' docstrings."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

from tests.conftest import REPO


def _docstring_items() -> list[str]:
    """The test ids ``make docstrings`` collects (its own command, with --collect-only)."""
    bindir = Path(sys.executable).parent
    stamp = bindir / ".nested-kvm-guide-installed"
    proc = subprocess.run(
        ["make", "-s", f"BIN={bindir}", "-o", str(stamp), "docstrings",
         "DOCSTRING_OPTS=--collect-only"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return [ln for ln in proc.stdout.splitlines() if "::" in ln]


def test_pytest_sphinx_runs_module_docstrings_only_and_each_once():
    items = _docstring_items()
    assert items, "make docstrings collected nothing"
    assert all(i.split("::")[0].endswith(".py") for i in items), items
    twice = [i for i, n in Counter(items).items() if n > 1]
    assert not twice, f"collected by pytest-sphinx and pytest's doctest alike: {twice}"
    # a testcode block (pytest-sphinx's) and ">>>" lines (pytest's doctest) both run
    assert "tools/checker_files.py::checker_files" in items
    assert "nested_snippets/parsers/sysfs.py::nested_snippets.parsers.sysfs" in items


def test_sphinx_doctest_reads_pages_never_docstrings():
    tree = ast.parse((REPO / "conf.py").read_text())
    extensions = next(
        ast.literal_eval(n.value)
        for n in tree.body
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "extensions"
    )
    assert "sphinx.ext.doctest" in extensions
    assert not [e for e in extensions if e.startswith("sphinx.ext.auto")], extensions
    pages = [p for p in (REPO / "source").rglob("*.*") if p.suffix in (".rst", ".md")]
    assert any(".. testcode::" in p.read_text() for p in pages), "no page example for Sphinx"
    assert not [p for p in pages if "automodule" in p.read_text()]


def test_the_ordinary_test_run_leaves_examples_to_make_doctest():
    opts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "-p no:sphinx" in opts["addopts"]
    assert "--doctest" not in opts["addopts"]
    assert "source" not in opts["testpaths"]
