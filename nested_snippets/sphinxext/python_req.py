"""``:requires-python:`checker``` prints "Python 3.9 or newer" from ``requires-python``;
``:build-requires:`checker``` prints the ``[build-system] requires`` of the same file
(the build backend pip installs to build the distribution, ``setuptools>=77``).

The argument names the distribution: ``checker`` (``checker/pyproject.toml``, the
``nested-kvm`` command) or ``kit`` (the repository's ``pyproject.toml``: the docs, the
tests and the zipapp builder).  Only the ``>=X.Y`` form is accepted; anything else is
a build error at the role's line, so the page never states a version the file does not.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

ROOT = Path(__file__).resolve().parents[2]
PYPROJECTS = {"checker": ROOT / "checker" / "pyproject.toml", "kit": ROOT / "pyproject.toml"}


def _table(which: str, table: str, key: str) -> object:
    """``[table] key`` of *which*'s ``pyproject.toml``; ValueError naming the file."""
    path = PYPROJECTS.get(which)
    if path is None:
        raise ValueError(f"unknown distribution {which!r} (known: {', '.join(PYPROJECTS)})")
    try:
        with path.open("rb") as f:
            return tomllib.load(f)[table][key]
    except (OSError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise ValueError(f"{path}: no [{table}] {key} ({exc})") from None


def minimum(which: str) -> str:
    """The ``X.Y`` of *which*'s ``requires-python = ">=X.Y"``; ValueError otherwise."""
    spec = _table(which, "project", "requires-python")
    m = re.fullmatch(r"\s*>=\s*(\d+\.\d+)\s*", spec) if isinstance(spec, str) else None
    if m is None:
        path = PYPROJECTS[which]
        raise ValueError(f"{path}: requires-python {spec!r} is not of the form '>=X.Y'")
    return m.group(1)


def build_requires(which: str) -> str:
    """*which*'s ``[build-system] requires``, joined with ", "; ValueError otherwise."""
    requires = _table(which, "build-system", "requires")
    if (not isinstance(requires, list) or not requires
            or not all(isinstance(r, str) and r.strip() for r in requires)):  # fmt: skip
        path = PYPROJECTS[which]
        raise ValueError(f"{path}: [build-system] requires {requires!r} is not a list of names")
    return ", ".join(r.strip() for r in requires)


class RequiresPython(SphinxRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        try:
            version = minimum(self.text.strip())
        except ValueError as exc:
            msg = self.inliner.reporter.error(f"requires-python: {exc}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        self.env.note_dependency(str(PYPROJECTS[self.text.strip()]))
        text = f"Python {version} or newer"
        node = nodes.inline(text, text, classes=["nested-fact"])
        node["title"] = f"requires-python of {PYPROJECTS[self.text.strip()].relative_to(ROOT)}"
        return [node], []


class BuildRequires(SphinxRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        which = self.text.strip()
        try:
            text = build_requires(which)
        except ValueError as exc:
            msg = self.inliner.reporter.error(f"build-requires: {exc}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        self.env.note_dependency(str(PYPROJECTS[which]))
        node = nodes.literal(text, text, classes=["nested-fact"])
        node["title"] = f"[build-system] requires of {PYPROJECTS[which].relative_to(ROOT)}"
        return [node], []


def setup(app: Sphinx) -> dict:
    app.add_role("requires-python", RequiresPython())
    app.add_role("build-requires", BuildRequires())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
