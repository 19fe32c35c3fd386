"""pytest plugin: one test item per snippet x variant x kernel, and per procedure.

Items are collected from the snippet modules themselves
(``nested_snippets/snippets/enable.py::enable.verify_nested[amd-6.6]``), so
``pytest -k verify_nested`` runs one snippet everywhere it applies.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nested_snippets import kernel as kdata
from nested_snippets import pages, registry
from nested_snippets.model import Procedure, Snippet, SnippetError
from nested_snippets.runner import run, shared

SNIPPET_DIR = registry.SNIPPET_DIR.resolve()


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    in_snippets = file_path.suffix == ".py" and file_path.parent.resolve() == SNIPPET_DIR
    if in_snippets and not file_path.name.startswith("_"):
        return SnippetModule.from_parent(parent, path=file_path)
    return None


class SnippetModule(pytest.File):
    def collect(self):
        try:
            reg = registry.load()
        except SnippetError as exc:
            raise self.CollectError(f"snippet modules: {exc}") from None
        mine = [i for i, f in reg.files.items() if Path(f).resolve() == self.path.resolve()]
        for item_id in sorted(mine):
            if item_id in reg.snippets:
                yield from _snippet_items(self, reg.snippets[item_id])
            else:
                yield from _procedure_items(self, reg.procedures[item_id], reg)


def _kernels(spec) -> list[str]:
    return [v for v in kdata.versions() if spec.contains(v)]


def _snippet_items(parent, snippet: Snippet):
    for variant, body in snippet.variants.items():
        host = snippet.host_arch(variant)
        if not body.on_host:
            runs = [(f"[{variant}]" if variant else "", None)]
        else:
            runs = [(f"[{host}-{v}]", v) for v in _kernels(snippet.kernels)]
        for suffix, kernel in runs:
            yield SnippetItem.from_parent(
                parent, name=snippet.id + suffix, snippet=snippet, variant=variant, kernel=kernel
            )


def _procedure_items(parent, proc: Procedure, reg: registry.Registry):
    arches = reg.arches_of(proc)
    for arch in arches:
        for v in _kernels(proc.kernels):
            yield ProcedureItem.from_parent(
                parent, name=f"{proc.id}[{arch}-{v}]", proc=proc, arch=arch, kernel=v, reg=reg
            )


class _GuideItem(pytest.Item):
    """A test of something the guide shows: failures name the page that shows it."""

    shown_id = ""

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, run.Mismatch):
            return f"{excinfo.value}\n  page: {pages.where(self.shown_id)}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, self.name


class SnippetItem(_GuideItem):
    def __init__(self, *, snippet: Snippet, variant: str, kernel: str | None, **kw):
        super().__init__(**kw)
        self.snippet, self.variant, self.kernel = snippet, variant, kernel
        self.shown_id = snippet.id

    def runtest(self) -> None:
        how = run.run_snippet(self.snippet, self.variant, self.kernel or kdata.latest())
        self.user_properties.append(("run", how))


class ProcedureItem(_GuideItem):
    def __init__(self, *, proc: Procedure, arch: str, kernel: str, reg, **kw):
        super().__init__(**kw)
        self.proc, self.arch, self.kernel, self.reg = proc, arch, kernel, reg
        self.shown_id = proc.id

    def runtest(self) -> None:
        how = run.run_procedure(self.proc, self.arch, self.kernel)
        self.user_properties.append(("run", how))


_RUNS: dict[str, int] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count how items ran (reports come back from xdist workers too)."""
    if report.when == "call":
        for name, how in report.user_properties:
            if name == "run":
                _RUNS[how] = _RUNS.get(how, 0) + 1


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not _RUNS:
        return
    shared_items = _RUNS.get("shared", 0) + _RUNS.get("verified", 0)
    terminalreporter.write_line(
        f"snippet runs: {_RUNS.get('ran', 0)} run, {shared_items} shared with an identical "
        f"run ({_RUNS.get('verified', 0)} of them run in full and compared), "
        f"{_RUNS.get('checked', 0)} syntax-checked"
    )
    if _too_few_checked():
        terminalreporter.write_line(
            f"FAILED: fewer than {shared.MIN_VERIFIED} shared runs (or fewer than all of "
            "them) were checked in full",
            red=True,
        )


def _too_few_checked() -> bool:
    shared_items = _RUNS.get("shared", 0) + _RUNS.get("verified", 0)
    return _RUNS.get("verified", 0) < min(shared_items, shared.MIN_VERIFIED)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus) -> None:
    if _too_few_checked() and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
