"""A code name in a heading wraps only between its parts (walk 20): the HTML gets
``<wbr>`` after ``_ / . ( ,``; the search index, the page title and the table of
contents keep the name as typed.  The browser check at 375 px is
tests/browser/test_walk_19.py::test_no_heading_breaks_mid_word_on_a_phone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nested_snippets.sphinxext.heading_code import break_points


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("HCS_E_HYPERV_NOT_INSTALLED", ["HCS_", "E_", "HYPERV_", "NOT_", "INSTALLED"]),
        ("kvm_cpu_has(X86_FEATURE_VMX)", ["kvm_", "cpu_", "has(", "X86_", "FEATURE_", "VMX)"]),
        ("/etc/modprobe.d", ["/", "etc/", "modprobe.", "d"]),
        ("nested", ["nested"]),
        ("nested=1", ["nested=1"]),
        ("a_ b", ["a_ b"]),  # no break before a space: it is one already
        ("name_", ["name_"]),  # nor at the end
    ],
)
def test_break_points(text: str, parts: list[str]) -> None:
    assert break_points(text) == parts
    assert "".join(parts) == text


def _search_index(built_site: Path) -> dict:
    raw = (built_site / "html" / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(raw[raw.index("(") + 1 : raw.rindex(")")])


def test_heading_names_break_in_html_only(built_site: Path) -> None:
    html = (built_site / "html" / "troubleshooting.html").read_text(encoding="utf-8")
    heading = re.search(r"<h3>.*?HCS_.*?</h3>", html, re.S)
    assert heading, "the HCS_E_HYPERV_NOT_INSTALLED entry"
    assert '<span class="pre">HCS_</span><wbr><span class="pre">E_</span><wbr>' in heading[0]
    index = _search_index(built_site)
    assert "Windows: HCS_E_HYPERV_NOT_INSTALLED" in index["alltitles"]
    assert not [t for t in index["alltitles"] if "wbr" in t]
    assert "wbr" not in index["terms"]
    page = (built_site / "html" / "explanation" / "migration-limits.html").read_text()
    assert "<title>Why migration is limited" in page
    body = page[page.index('<div class="toc-tree">') :]  # the page's contents: as typed
    assert "KVM_GET_NESTED_STATE</span></code> and" in body
