"""The HTML site carries the checker as one file (walks 14 and 15: a reader of the
published guide had no way to get it): ``nested-kvm.pyz`` and its SHA-256 at the
site's root, linked from the install page, the file runs, the checksum checks."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nested_snippets.sphinxext import pyz

PAGE = "how-to/install-checker.html"


def test_the_site_carries_the_zipapp_and_its_checksum(built_site: Path):
    html = built_site / "html"
    data = (html / "nested-kvm.pyz").read_bytes()
    assert data.startswith(b"#!/usr/bin/env python3\n")
    want = f"{hashlib.sha256(data).hexdigest()}  nested-kvm.pyz\n"
    assert (html / "nested-kvm.pyz.sha256").read_text() == want


def test_the_install_page_links_both_files_where_they_are(built_site: Path):
    page = (built_site / "html" / PAGE).read_text()
    links = re.findall(r'href="([^"]*nested-kvm\.pyz[^"#]*)"', page)
    assert links == ["../nested-kvm.pyz", "../nested-kvm.pyz.sha256"]
    for link in links:
        assert (built_site / "html" / "how-to" / link).resolve().is_file()
    assert "No ready-made" not in page


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="no sha256sum")
def test_the_downloaded_file_checks_and_runs(built_site: Path, tmp_path: Path):
    """What the page tells a reader to run, on the two files as downloaded."""
    for name in ("nested-kvm.pyz", "nested-kvm.pyz.sha256"):
        shutil.copyfile(built_site / "html" / name, tmp_path / name)
    check = subprocess.run(["sha256sum", "-c", "nested-kvm.pyz.sha256"], cwd=tmp_path,
                           capture_output=True, text=True)  # fmt: skip
    assert (check.returncode, check.stdout) == (0, "nested-kvm.pyz: OK\n")
    run = subprocess.run([sys.executable, "nested-kvm.pyz", "--version"], cwd=tmp_path,
                         capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 0 and run.stdout.startswith("nested-kvm "), run


def _mini_build(tmp_path: Path, builder: str) -> Path:
    """Build a one-page site holding only the directive (doctrees in ``d``); its output."""
    src = tmp_path / "src"
    if not src.is_dir():
        src.mkdir()
        (src / "index.rst").write_text("Title\n=====\n\n.. checker-download::\n")
        (tmp_path / "conf.py").write_text('extensions = ["nested_snippets.sphinxext.pyz"]\n')
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-c", str(tmp_path), "-W", "-q", "-b", builder,
         "-d", str(tmp_path / "d"), str(src), str(tmp_path / "out")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "out"


def test_an_edition_without_the_file_says_so_and_links_nothing(tmp_path: Path):
    """The man page (and any builder that is not HTML) gets a sentence, no link."""
    out = _mini_build(tmp_path, "text")
    text = " ".join((out / "index.txt").read_text().split())
    assert "carries nested-kvm.pyz at its root" in text and "this edition does not" in text
    assert not (out / pyz.PYZ).exists()


def test_the_file_is_built_again_only_when_what_goes_into_it_changed(tmp_path: Path):
    """An incremental build does not pay for the archive when nothing that goes into it
    changed (make bench: the incremental build's share of a clean one)."""

    def build() -> int:
        return (_mini_build(tmp_path, "html") / pyz.PYZ).stat().st_mtime_ns

    first = build()
    assert build() == first
    stamp = tmp_path / "d" / f"{pyz.PYZ}.inputs"
    stamp.write_text("another checker\n")
    assert build() != first
    assert stamp.read_text() != "another checker\n"
    (tmp_path / "out" / pyz.SUMS).unlink()
    build()
    assert (tmp_path / "out" / pyz.SUMS).is_file()
