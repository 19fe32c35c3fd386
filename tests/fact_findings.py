"""What the fact-review tests (``tests/test_fact_review_*.py``) share: a page's source
text with its whitespace normalised (rewrapping a paragraph breaks no test), and the
check that a finding is fixed: its wrong wording is gone and its corrected wording,
source key, role or snippet is there."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def page_text(page: str) -> str:
    """``source/PAGE`` with each run of whitespace made one blank."""
    return re.sub(r"\s+", " ", (REPO / "source" / page).read_text(encoding="utf-8"))


def assert_fixed(finding: tuple[str, str, str]) -> None:
    """``(page, wording that must be gone or "", wording that must be there)``."""
    page, gone, there = finding
    text = page_text(page)
    assert not gone or gone not in text, f"{page} still says {gone!r}"
    assert there in text, f"{page} lacks {there!r}"
