"""Shared fixtures: one Sphinx build of the guide per test session."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

KERNEL_GAP = "5.13"
"""The release :func:`kernel_gap` takes out of the kernel data: the series' one gap until
its sources were found (Ubuntu's orig tarball of 5.13.0, 2026-12-05)."""


@pytest.fixture
def kernel_gap(tmp_path, monkeypatch) -> str:
    """The kernel data with a gap, as it was before :data:`KERNEL_GAP` had sources: a copy
    of the data directory without its data file, the index listing it as missing with
    the note of that search.  The data has no gap today, so the code that names a
    missing release is tested on this copy.  Returns the missing release."""
    from nested_snippets import kernel

    data = tmp_path / "kernel-data"
    shutil.copytree(kernel.DATA_DIR, data,
                    ignore=shutil.ignore_patterns(f"linux-{KERNEL_GAP}.json"))  # fmt: skip
    index = json.loads((data / "index.json").read_text(encoding="utf-8"))
    for i, row in enumerate(index["releases"]):
        if row["version"] == KERNEL_GAP:
            index["releases"][i] = {
                "version": KERNEL_GAP,
                "status": "missing",
                "note": "no public source of this release found (searched 2026-12-02)",
            }
    (data / "index.json").write_text(json.dumps(index, indent=1), encoding="utf-8")
    monkeypatch.setattr(kernel, "DATA_DIR", data)
    monkeypatch.setattr(kernel, "INDEX", data / "index.json")
    kernel.index.cache_clear()
    yield KERNEL_GAP
    kernel.index.cache_clear()


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
