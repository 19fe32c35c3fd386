"""Find every snippet and procedure declared under ``nested_snippets/snippets``.

A declaration is named after the module variable it is assigned to, when the
registry loads the module: ``check_nested = snippet(...)`` in ``enable.py`` is
``enable.check_nested`` (a module that imports it refers to the same snippet).
An error raised while a module is imported is reported
with the module's file and line.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nested_snippets import suggest
from nested_snippets.model import Body, Declared, Procedure, Reboot, Snippet, SnippetError

SNIPPET_DIR = Path(__file__).parent / "snippets"
PACKAGE = "nested_snippets.snippets"


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
            if isinstance(step, Reboot):
                continue
            mine = list(step.keys) if step.is_multi else [step.arch] if step.arch else None
            if mine is not None:
                keys = mine if keys is None else [k for k in keys if k in mine]
        return tuple(keys or ())

    def bodies(self) -> Iterator[tuple[str, Body]]:
        """(label, body) for every body of every snippet, by id: ``enable.check_nested[amd]``,
        ``[amd <4.20]`` for an era of a snippet that has several."""
        for sid, snip in sorted(self.snippets.items()):
            for era, key, body in snip.bodies():
                spec = [era.kernels.spec] if len(snip.eras) > 1 else []
                yield f"{sid}[{' '.join([key or 'all', *spec])}]", body

    def get(self, snippet_id: str) -> Snippet:
        try:
            return self.snippets[snippet_id]
        except KeyError:
            raise UnknownSnippet(unknown_message(snippet_id, self.snippets)) from None


def unknown_message(snippet_id: str, known: dict) -> str:
    return f"unknown snippet id {snippet_id!r}{suggest.hint(snippet_id, known)}"


def _import(module: str, path: Path):
    """Import ``module``; an error in it becomes one SnippetError naming file and line."""
    try:
        return importlib.import_module(module)
    except (ValueError, LookupError, AttributeError, NameError, TypeError) as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
        where = f"{path}:{frames[-1].lineno}" if frames else str(path)
        raise SnippetError(f"{where}: {exc}") from None


def _lines(path: Path) -> dict[str, int]:
    """Each module-level variable of ``path`` -> the line of its first assignment."""
    lines: dict[str, int] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            if isinstance(target, ast.Name):
                lines.setdefault(target.id, node.lineno)
    return lines


@cache
def load() -> Registry:
    """Import every snippet module once, name what it declares and index it."""
    return scan(SNIPPET_DIR, PACKAGE)


def scan(directory: Path, package: str) -> Registry:
    """The registry of the snippet modules in ``directory`` (the package ``package``)."""
    snippets: dict[str, Snippet] = {}
    procedures: dict[str, Procedure] = {}
    files: dict[str, Path] = {}
    for info in sorted(pkgutil.iter_modules([str(directory)]), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        path = directory / f"{info.name}.py"
        module = _import(f"{package}.{info.name}", path)
        lines = _lines(path)
        for variable, item in vars(module).items():
            if not isinstance(item, Declared) or variable not in lines:
                continue  # not a declaration, or one imported from its own module
            item.bind(info.name, variable, f"{path}:{lines[variable]}")
            table = snippets if isinstance(item, Snippet) else procedures
            other = table.get(item.id)
            if other is not None and other is not item:
                raise SnippetError(
                    f"{item.defined_at}: duplicate id {item.id!r}, "
                    f"first declared at {other.defined_at}"
                )
            table[item.id] = item  # type: ignore[assignment]
            files[item.id] = path
    registry = Registry(snippets, procedures, files)
    for proc in procedures.values():
        for n, step in enumerate(proc.steps, 1):
            if isinstance(step, Snippet) and snippets.get(step.id) is not step:
                raise SnippetError(
                    f"{proc.defined_at}: procedure {proc.id}: step {n} is a snippet that no "
                    "snippet module assigns to a variable"
                )
        if not registry.arches_of(proc):
            raise SnippetError(
                f"{proc.defined_at}: procedure {proc.id}: its steps share no architecture; "
                "give arches=(...)"
            )
    return registry
