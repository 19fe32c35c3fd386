"""``:requires-python:`checker``` prints "Python 3.9 or newer" from ``requires-python``.

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


def minimum(which: str) -> str:
    """The ``X.Y`` of *which*'s ``requires-python = ">=X.Y"``; ValueError otherwise."""
    path = PYPROJECTS.get(which)
    if path is None:
        raise ValueError(f"unknown distribution {which!r} (known: {', '.join(PYPROJECTS)})")
    try:
        with path.open("rb") as f:
            spec = tomllib.load(f)["project"]["requires-python"]
    except (OSError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise ValueError(f"{path}: no [project] requires-python ({exc})") from None
    m = re.fullmatch(r"\s*>=\s*(\d+\.\d+)\s*", spec)
    if m is None:
        raise ValueError(f"{path}: requires-python {spec!r} is not of the form '>=X.Y'")
    return m.group(1)


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


def setup(app: Sphinx) -> dict:
    app.add_role("requires-python", RequiresPython())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
