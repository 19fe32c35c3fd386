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


_KERNELS = re.compile(r"^\s+:kernels:\s*(.*?)\s*$")
_OPTION = re.compile(r"^\s+:[a-z-]+:")


@cache
def usages(source: Path = SOURCE) -> dict[str, list[tuple[str, int]]]:
    """Snippet id -> [(page path relative to the repo, line)]."""
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for snippet_id, page, n, _kernels in _directives(source):
        found[snippet_id].append((page, n))
    return dict(found)


@cache
def kernels_shown(source: Path = SOURCE) -> dict[str, list[str]]:
    """Snippet id -> the ``:kernels:`` option of each directive that shows it ("": none)."""
    found: dict[str, list[str]] = defaultdict(list)
    for snippet_id, _page, _n, kernels in _directives(source):
        found[snippet_id].append(kernels)
    return dict(found)


def _directives(source: Path) -> list[tuple[str, str, int, str]]:
    """(snippet id, page, line, ``:kernels:`` option) of every snippet directive."""
    found = []
    for page in sorted(source.rglob("*")):
        if page.suffix not in (".rst", ".md"):
            continue
        lines = page.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines, 1):
            m = _DIRECTIVE.match(line)
            if not m:
                continue
            kernels = ""
            for option in lines[n:]:
                if not _OPTION.match(option):
                    break
                if k := _KERNELS.match(option):
                    kernels = k.group(1)
            found.append((m.group(3), str(page.relative_to(source.parent)), n, kernels))
    return found


def where(snippet_id: str) -> str:
    places = usages().get(snippet_id, [])
    if not places:
        return "not shown on any page"
    return "shown on " + ", ".join(f"{p}:{n}" for p, n in places)
