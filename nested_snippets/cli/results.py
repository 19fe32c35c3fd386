"""A check's outcome and three-valued logic for verdicts (True, False, None = unknown)."""

from __future__ import annotations

from dataclasses import dataclass

from nested_snippets.cli import guide

STATUSES = ("PASS", "WARN", "FAIL", "SKIP")


@dataclass(frozen=True)
class Result:
    id: str
    status: str
    value: str
    fix: str = ""
    anchor: str = ""

    def __post_init__(self) -> None:
        assert self.status in STATUSES, self.status
        assert not self.anchor or self.anchor in guide.ANCHORS, self.anchor

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
