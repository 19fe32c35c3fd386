"""Which pages under ``source/`` show which snippets (read from the page sources).

Used by test failure messages ("shown on source/how-to/enable.rst:42") and by the
test that every snippet is shown somewhere and every page names real snippets.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "source"
_DIRECTIVE = re.compile(
    r"^\s*(?:\.\.\s+(snippet|snippet-tabs)::|[`:]{3,}\{(snippet|snippet-tabs)\})\s+(\S+)"
)


@cache
def usages(source: Path = SOURCE) -> dict[str, list[tuple[str, int]]]:
    """Snippet id -> [(page path relative to the repo, line)]."""
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for page in sorted(source.rglob("*")):
        if page.suffix not in (".rst", ".md"):
            continue
        for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            m = _DIRECTIVE.match(line)
            if m:
                found[m.group(3)].append((str(page.relative_to(source.parent)), n))
    return dict(found)


def where(snippet_id: str) -> str:
    places = usages().get(snippet_id, [])
    if not places:
        return "not shown on any page"
    return "shown on " + ", ".join(f"{p}:{n}" for p, n in places)
