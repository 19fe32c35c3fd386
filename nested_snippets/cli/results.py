"""A check's outcome and three-valued logic for verdicts (True, False, None = unknown)."""

from __future__ import annotations

from collections import namedtuple

from nested_snippets import arches
from nested_snippets.cli import guide

STATUSES = ("PASS", "WARN", "FAIL", "SKIP")


class Result(namedtuple("Result", "id status value fix anchor", defaults=("", ""))):
    """One check's outcome: ``status`` is one of :data:`STATUSES`; ``anchor`` a key of
    :data:`nested_snippets.cli.guide.ANCHORS` (or of an architecture's ``pages``) or ""."""

    __slots__ = ()

    def __new__(cls, id: str, status: str, value: str, fix: str = "", anchor: str = ""):
        assert status in STATUSES, status
        assert not anchor or anchor in guide.ANCHORS or anchor in arches.pages(), anchor
        return super().__new__(cls, id, status, value, fix, anchor)

    @property
    def url(self) -> str:
        return guide.url(self.anchor) if self.anchor else ""

    def line(self) -> str:
        """``WARN  ept: N — fix  (url)``."""
        text = f"{self.status}  {self.id}: {self.value}"
        if self.fix:
            text += f" — {self.fix}"
        if self.anchor:
            text += f"  ({self.url})"
        return text

    def as_json(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "status": self.status,
            "value": self.value,
            "fix": self.fix or None,
            "url": self.url or None,
        }


def all_of(*values: bool | None) -> bool | None:
    """Three-valued AND: any False -> False; else any None -> None; else True."""
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True
