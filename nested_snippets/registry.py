"""Find every snippet and procedure declared under ``nested_snippets/snippets``."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nested_snippets import suggest
from nested_snippets.model import Procedure, Reboot, Snippet, SnippetError

SNIPPET_DIR = Path(__file__).parent / "snippets"


class UnknownSnippet(SnippetError):
    pass


@dataclass(frozen=True)
class Registry:
    snippets: dict[str, Snippet]
    procedures: dict[str, Procedure]
    files: dict[str, Path]
    """Snippet or procedure id -> the module file that declares it."""

    def arches_of(self, proc: Procedure) -> tuple[str, ...]:
        """The architectures a procedure runs on: declared, or common to its steps."""
        if proc.arches:
            return proc.arches
        keys: list[str] | None = None
        for step in proc.steps:
            if isinstance(step, str) and self.snippets[step].is_multi:
                mine = list(self.snippets[step].variants)
                keys = mine if keys is None else [k for k in keys if k in mine]
        return tuple(keys or ("intel",))

    def get(self, snippet_id: str) -> Snippet:
        try:
            return self.snippets[snippet_id]
        except KeyError:
            raise UnknownSnippet(unknown_message(snippet_id, self.snippets)) from None


def unknown_message(snippet_id: str, known: dict) -> str:
    return f"unknown snippet id {snippet_id!r}{suggest.hint(snippet_id, known)}"


@cache
def load() -> Registry:
    """Import every snippet module once and index what it declares."""
    snippets: dict[str, Snippet] = {}
    procedures: dict[str, Procedure] = {}
    files: dict[str, Path] = {}
    for info in sorted(pkgutil.iter_modules([str(SNIPPET_DIR)]), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"nested_snippets.snippets.{info.name}")
        path = Path(module.__file__ or "")
        for value in vars(module).values():
            items = value if isinstance(value, (list, tuple)) else (value,)
            for item in items:
                if isinstance(item, (Snippet, Procedure)):
                    table = snippets if isinstance(item, Snippet) else procedures
                    other = table.get(item.id)
                    if other is not None and other is not item:
                        raise SnippetError(
                            f"{item.defined_at}: duplicate id {item.id!r}, "
                            f"first declared at {other.defined_at}"
                        )
                    table[item.id] = item
                    files[item.id] = path
    registry = Registry(snippets, procedures, files)
    for proc in procedures.values():
        for step in proc.steps:
            if not isinstance(step, Reboot) and step not in snippets:
                raise SnippetError(
                    f"{proc.defined_at}: procedure {proc.id}: " + unknown_message(step, snippets)
                )
    return registry
