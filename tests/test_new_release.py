"""Adding a kernel release is adding its data: in a copy of the tree, a data file for a
release older than the series and one newer, then tools/kernel_index.py, and the
contributing page builds, its examples pass and its sources table lists both, with no
other edit."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import copy_tracked

DATA = "nested_snippets/kernel/data"
PARTS = ("conf.py", "nested_snippets", "tools", "source/_extra", "source/contributing.rst")


def _fake_release(tree: Path, like: str, version: str) -> None:
    """A data file for ``version``: ``like``'s data under the new release's name."""
    raw = json.loads((tree / DATA / f"linux-{like}.json").read_text())
    raw["version"], raw["release"] = version, f"{version}.0"
    (tree / DATA / f"linux-{version}.json").write_text(json.dumps(raw, indent=1))


def _run(tree: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}  # the copy, not the worktree
    return subprocess.run([sys.executable, *argv], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=900)  # fmt: skip


@pytest.fixture(scope="module")
def added(tmp_path_factory) -> tuple[Path, str, str]:
    """(the copy, the release added before the series, the one added after it)"""
    tree = tmp_path_factory.mktemp("tree")
    copy_tracked(tree, *PARTS)
    versions = sorted(
        (p.stem.removeprefix("linux-") for p in (tree / DATA).glob("linux-*.json")),
        key=lambda v: tuple(map(int, v.split("."))),
    )
    oldest, newest = versions[0], versions[-1]
    major, minor = map(int, newest.split("."))
    before = f"{oldest.split('.')[0]}.{int(oldest.split('.')[1]) - 1}"
    after = f"{major}.{minor + 1}"
    _fake_release(tree, oldest, before)
    _fake_release(tree, newest, after)
    proc = _run(tree, "tools/kernel_index.py")
    assert proc.returncode == 0, proc.stderr
    return tree, before, after


def test_the_index_takes_both_new_releases(added):
    tree, before, after = added
    index = json.loads((tree / DATA / "index.json").read_text())
    assert index["series"] == f"{before}..{after}"
    statuses = {r["version"]: r["status"] for r in index["releases"]}
    assert statuses[before] != "missing" and statuses[after] != "missing"
    assert _run(tree, "tools/kernel_index.py", "--check").returncode == 0


def test_the_contributing_page_builds_and_its_examples_pass(added):
    tree, before, after = added
    site = tree / "site"
    site.mkdir()
    site.joinpath("index.rst").write_text(
        "Home\n====\n\n.. toctree::\n\n   contributing\n   elsewhere\n"
    )
    shutil.copyfile(tree / "source/contributing.rst", site / "contributing.rst")
    # the labels of other pages that the contributing page links to, so that it builds alone
    text = (site / "contributing.rst").read_text()
    labels = sorted(set(re.findall(r":ref:`(?:[^`<]*<)?([\w-]+)>?`", text)))
    stubs = "".join(f".. _{lb}:\n\n{lb}\n{'-' * len(lb)}\n\n" for lb in labels)
    site.joinpath("elsewhere.rst").write_text("Elsewhere\n=========\n\n" + stubs)
    common = ["-m", "sphinx", "-c", str(tree), "-W", "--keep-going", "--no-color", "-q"]
    html = _run(tree, *common, "-b", "html", "-d", "out/d-html", str(site), "out/html")
    assert html.returncode == 0, html.stderr
    page = (tree / "out/html/contributing.html").read_text()
    table = page[page.index('class="nested-reference') :]
    for version in (before, after):
        assert f'<span class="pre">{version}</span>' in table, f"no row for {version}"
    _doctest_passes(tree, common, site, "dt")
    # and when the newest release of the series has no sources (kernel_index --through)
    major, minor = after.split(".")
    beyond = _run(tree, "tools/kernel_index.py", "--through", f"{major}.{int(minor) + 1}")
    assert beyond.returncode == 0, beyond.stderr
    _doctest_passes(tree, common, site, "dt-beyond")


def _doctest_passes(tree: Path, common: list[str], site: Path, name: str) -> None:
    doctest = _run(tree, *common, "-b", "doctest", "-d", f"out/d-{name}", str(site), f"out/{name}")
    assert doctest.returncode == 0, doctest.stdout + doctest.stderr
    summary = (tree / f"out/{name}/output.txt").read_text()
    assert "0 failures in tests" in summary and "0 failures in setup code" in summary, summary
