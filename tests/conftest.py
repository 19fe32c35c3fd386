"""Shared fixtures: one Sphinx build of the guide per test session."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def tracked(*paths: str) -> list[str]:
    """The files git tracks under ``paths``, relative to the repository."""
    out = subprocess.run(["git", "ls-files", *paths], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return sorted(out.split())


def copy_tracked(dest: Path, *paths: str) -> None:
    """Copy the tracked files under ``paths`` into ``dest`` at the same relative paths."""
    for rel in tracked(*paths):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / rel, dest / rel)


def sphinx_build(src: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    """Build ``src`` with the project's conf.py into ``out/html`` (doctrees in ``out``)."""
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-c", str(REPO), "-W", "--keep-going", "--no-color",
         "-b", "html", "-d", str(out / "doctrees"), *extra, str(src), str(out / "html")],
        capture_output=True,
        text=True,
    )  # fmt: skip


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """Build the HTML guide once (warnings are errors) and return the output dir."""
    out = tmp_path_factory.mktemp("site")
    proc = sphinx_build(REPO / "source", out, "-n", "-q")
    assert proc.returncode == 0, f"sphinx-build failed:\n{proc.stderr}"
    return out


@pytest.fixture(scope="session")
def doctrees(built_site: Path) -> dict[str, object]:
    """docname -> pickled doctree of the session build."""
    trees = {}
    for path in (built_site / "doctrees").rglob("*.doctree"):
        name = str(path.relative_to(built_site / "doctrees").with_suffix(""))
        trees[name] = pickle.loads(path.read_bytes())
    return trees
