"""The extension loads the data its directives and roles read once, in Sphinx's main
process, before a read split among forked processes (nested_snippets/sphinxext)."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from nested_snippets import kernel, qemu
from nested_snippets.sphinxext import _load_before_fork


def _forget_data() -> None:
    kernel._load_path.cache_clear()
    qemu.release.cache_clear()


def test_a_read_in_forked_chunks_finds_the_data_loaded():
    _forget_data()
    _load_before_fork(SimpleNamespace(parallel=2), None, ["index", "troubleshooting"])
    files = len(kernel.versions()) + len(kernel.build_versions())
    assert kernel._load_path.cache_info().currsize == files
    assert qemu.release.cache_info().currsize == len(qemu.versions())
    assert "bashlex" in sys.modules


def test_a_serial_or_one_page_read_loads_only_what_its_pages_use():
    for parallel, docnames in ((1, ["index", "troubleshooting"]), (2, ["index"])):
        _forget_data()
        _load_before_fork(SimpleNamespace(parallel=parallel), None, docnames)
        assert kernel._load_path.cache_info().currsize == 0
        assert qemu.release.cache_info().currsize == 0
