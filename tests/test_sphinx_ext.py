"""The Sphinx extension: rendering, bad input, and incremental rebuilds."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from tests.conftest import REPO, sphinx_build

ENABLE = REPO / "nested_snippets" / "snippets" / "enable.py"


def _build(src: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return sphinx_build(src, out, *extra)


def _site(tmp_path: Path, pages: dict[str, str]) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    toc = "\n".join(f"   {name}" for name in pages if name != "index")
    pages = {"index": "Home\n====\n\n.. toctree::\n\n" + toc + "\n", **pages}
    for name, text in pages.items():
        (src / f"{name}.rst").write_text(text)
    return src


def test_tabs_render_one_group_tab_per_vendor(tmp_path):
    src = _site(tmp_path, {"a": "A\n=\n\n.. snippet-tabs:: enable.check_nested\n"})
    proc = _build(src, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out/html/a.html").read_text()
    assert html.count('role="tab"') == 2
    assert ">Intel<" in html and ">AMD<" in html
    assert "/sys/module/kvm_amd/parameters/nested" in html


def test_unknown_snippet_id_names_page_line_and_suggestion(tmp_path):
    src = _site(tmp_path, {"a": "A\n=\n\nText.\n\n.. snippet-tabs:: enable.check_nestd\n"})
    proc = _build(src, tmp_path / "out")
    assert proc.returncode != 0
    assert re.search(
        r"a\.rst:6: .*unknown snippet id 'enable\.check_nestd'; "
        r"did you mean 'enable\.check_nested'\?",
        proc.stderr,
    ), proc.stderr


def test_multi_variant_snippet_without_arch_is_an_error(tmp_path):
    src = _site(tmp_path, {"a": "A\n=\n\n.. snippet:: enable.check_nested\n"})
    proc = _build(src, tmp_path / "out")
    assert proc.returncode != 0
    assert "give :arch: or use snippet-tabs" in proc.stderr


def test_unknown_variant_is_an_error(tmp_path):
    src = _site(tmp_path, {"a": "A\n=\n\n.. snippet:: enable.check_nested\n   :arch: sparc\n"})
    proc = _build(src, tmp_path / "out")
    assert proc.returncode != 0
    assert "has no variant 'sparc'" in proc.stderr


def test_kernels_shows_the_eras_inside_the_range_and_refuses_a_cut(tmp_path):
    era = "\n\n.. snippet:: troubleshooting_reported.bios_off_amd\n   :kernels: {}\n"
    src = _site(tmp_path, {
        "a": "A\n=\n" + era.format("<6.7"),  # three eras, oldest first
        "b": "B\n=\n" + era.format("") + "\n.. snippet-tabs:: enable.check_nested\n"
             "   :kernels: <4.20\n",
    })  # fmt: skip
    proc = _build(src, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    a = (tmp_path / "out/html/a.html").read_text()
    assert a.count("nested-proof-executed") == 3
    assert a.index("kvm: disabled by bios") < a.index("support for") < a.index("MSR_VM_CR on")
    b = (tmp_path / "out/html/b.html").read_text()
    assert "kvm_amd: SVM not supported by CPU 0" in b  # no :kernels: value: the newest era
    assert b.count('role="tab"') == 2 and "Run on the fake host for Linux 4.19." in b
    (tmp_path / "cut").mkdir()
    cut = _site(tmp_path / "cut", {"c": "C\n=\n\nText.\n" + era.format("<6.0")})
    proc = _build(cut, tmp_path / "cut/out")
    assert proc.returncode != 0
    assert re.search(r"c\.rst:7: .*kernels '<6\.0' cuts its era '>=5\.16,<6\.3'", proc.stderr)


def test_touching_a_snippet_module_rebuilds_only_pages_that_use_it(tmp_path):
    src = _site(
        tmp_path,
        {
            "uses": "Uses\n====\n\n.. snippet-tabs:: enable.check_nested\n",
            "plain": "Plain\n=====\n\nNo snippets here.\n",
        },
    )
    out = tmp_path / "out"
    assert _build(src, out).returncode == 0
    time.sleep(0.01)
    now = time.time()
    os.utime(ENABLE, (now, now))
    second = _build(src, out)
    assert second.returncode == 0, second.stderr
    read = re.findall(r"reading sources\.\.\. \[[ \d]+%\] (\S+)", second.stdout)
    assert read == ["uses"], second.stdout


def test_a_caption_is_shown_as_written_backslashes_and_all(tmp_path):
    """A file's path above its block is text, not reStructuredText: Sphinx's
    container_wrapper parses a caption, and smart quotes then drop the backslash of
    ``%UserProfile%\\.wslconfig`` (shown as ``%UserProfile%.wslconfig``)."""
    src = _site(tmp_path, {"a": "A\n=\n\n.. snippet:: windows.wslconfig_nested\n   :arch: intel\n"})
    proc = _build(src, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out/html/a.html").read_text()
    caption = re.search(r'<div class="code-block-caption">(.*?)</div>', html, re.S)
    assert caption, html
    assert "%UserProfile%\\.wslconfig" in re.sub(r"<[^>]+>", "", caption.group(1))
