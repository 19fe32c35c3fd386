"""New-reader walk 13 (/work/walk13/report.md): each finding pinned to the page sources.

Whitespace is normalised, so rewrapping a paragraph does not break these.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "source"


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", (SOURCE / page).read_text(encoding="utf-8"))


def _section(page: str, title: str) -> str:
    """The normalised text of one section: from its title to the next title of any level."""
    raw = (SOURCE / page).read_text(encoding="utf-8")
    lines = raw.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    end = len(lines)
    for i in range(start + 2, len(lines) - 1):
        if lines[i].strip() and re.fullmatch(r"([-=~^*])\1{2,}", lines[i + 1].strip()):
            end = i
            break
    return re.sub(r"\s+", " ", "\n".join(lines[start:end]))


# --- M1: arm64's "as shown in the last section" ------------------------------------------------


def test_m1_arm64_links_the_refusal_section_by_name():
    text = _text("how-to/arm64.rst")
    assert "as shown in the last section" not in text
    assert "refuses to start L1 as shown in :ref:`nested-arm64-qemu-error`" in text
