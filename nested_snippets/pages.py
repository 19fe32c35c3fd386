"""Which pages under ``source/`` show which snippets (read from the page sources).

Used by test failure messages ("shown on source/how-to/enable.rst:42") and by the
test that every snippet is shown somewhere and every page names real snippets.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import NamedTuple

SOURCE = Path(__file__).resolve().parent.parent / "source"
_DIRECTIVE = re.compile(
    r"^\s*(?:\.\.\s+(snippet|snippet-tabs)::|[`:]{3,}\{(snippet|snippet-tabs)\})\s+(\S+)"
)


_OPTION = re.compile(r"^\s+:([a-z-]+):\s*(.*?)\s*$")


@cache
def usages(source: Path = SOURCE) -> dict[str, list[tuple[str, int]]]:
    """Snippet id -> [(page path relative to the repo, line)]."""
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for d in directives(source):
        found[d.snippet_id].append((d.page, d.line))
    return dict(found)


@cache
def kernels_shown(source: Path = SOURCE) -> dict[str, list[str]]:
    """Snippet id -> the ``:kernels:`` option of each directive that shows it ("": none)."""
    found: dict[str, list[str]] = defaultdict(list)
    for d in directives(source):
        found[d.snippet_id].append(d.options.get("kernels", ""))
    return dict(found)


class Directive(NamedTuple):
    """One ``snippet`` or ``snippet-tabs`` directive of a page."""

    name: str
    snippet_id: str
    page: str
    line: int
    options: dict[str, str]


@cache
def directives(source: Path = SOURCE) -> tuple[Directive, ...]:
    """Every snippet directive of the pages under *source*, with its options."""
    found = []
    for page in sorted(source.rglob("*")):
        if page.suffix not in (".rst", ".md"):
            continue
        lines = page.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines, 1):
            m = _DIRECTIVE.match(line)
            if not m:
                continue
            options = {}
            for option in lines[n:]:
                if not (o := _OPTION.match(option)):
                    break
                options[o.group(1)] = o.group(2)
            found.append(Directive(m.group(1) or m.group(2), m.group(3),
                                   str(page.relative_to(source.parent)), n, options))  # fmt: skip
    return tuple(found)


def where(snippet_id: str) -> str:
    places = usages().get(snippet_id, [])
    if not places:
        return "not shown on any page"
    return "shown on " + ", ".join(f"{p}:{n}" for p, n in places)


_DOCTEST = re.compile(r"^\s*\.\.\s+(testcode|testoutput|doctest)::")


@cache
def doctest_blocks(source: Path = SOURCE) -> tuple[tuple[str, int, str], ...]:
    """(page, line, directive) of every example block the pages show that Sphinx's
    doctest builder runs (``testcode``, ``testoutput``, ``doctest``; not ``:hide:``)."""
    found = []
    for page in sorted(source.rglob("*.rst")):
        lines = page.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines, 1):
            m = _DOCTEST.match(line)
            if not m:
                continue
            options = []
            for option in lines[n:]:
                if not (o := _OPTION.match(option)):
                    break
                options.append(o.group(1))
            if "hide" not in options:
                found.append((str(page.relative_to(source.parent)), n, m.group(1)))
    return tuple(found)
