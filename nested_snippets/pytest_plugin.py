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
    """One item per variant and release of each era (a body not run: one per era)."""
    for era, variant, body in snippet.bodies():
        releases = _kernels(era.kernels)
        if body.on_host:
            runs: list[tuple[str, str | None]] = [
                (f"[{snippet.host_arch(variant)}-{v}]", v) for v in releases
            ]
        elif len(snippet.eras) == 1:
            runs = [(f"[{variant}]" if variant else "", None)]
        else:  # the era is picked by a release of it
            runs = [(f"[{'-'.join(filter(None, [variant, releases[0]]))}+]", releases[0])]
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
_CHECKED: list[dict] = []
"""What each test process's :func:`shared.check_pairs` did (xdist workers send theirs)."""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count how items ran (reports come back from xdist workers too)."""
    if report.when == "call":
        for name, how in report.user_properties:
            if name == "run":
                _RUNS[how] = _RUNS.get(how, 0) + 1


def pytest_configure(config) -> None:
    workerinput = getattr(config, "workerinput", None)
    config._nkg_seed = workerinput["nkg_share_seed"] if workerinput else shared.new_seed()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """xdist: every worker draws its checked pairs with the session's seed."""
    node.workerinput["nkg_share_seed"] = node.config._nkg_seed


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    done = getattr(node, "workeroutput", {}).get("nkg_checked")
    if done is not None:
        _CHECKED.append(done)


def pytest_sessionfinish(session, exitstatus) -> None:
    """Re-run this process's share of the shared items in full (see :mod:`.shared`)."""
    config = session.config
    workerinput = getattr(config, "workerinput", None)
    # MIN_CHECKED in each process, not a split of it: xdist may leave a worker few
    # shared items (33 of 329 were re-run in a two-worker session when it was split)
    done = shared.check_pairs(config._nkg_seed, shared.MIN_CHECKED).to_json()
    if workerinput is not None:
        config.workeroutput["nkg_checked"] = done
        return
    _CHECKED.append(done)
    if (_totals()[2] or _too_few_checked()) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _totals() -> tuple[int, int, list[str]]:
    """(shared items, of them re-run in full, failures) over every test process."""
    shared_items = sum(c["shared"] for c in _CHECKED)
    checked = sum(len(c["checked"]) for c in _CHECKED)
    return shared_items, checked, [f for c in _CHECKED for f in c["failures"]]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not _RUNS:
        return
    shared_items, checked, failures = _totals()
    terminalreporter.write_line(
        f"snippet runs: {_RUNS.get('ran', 0)} run, {_RUNS.get('shared', 0)} shared with an "
        f"identical run ({checked} of them chosen with seed {config._nkg_seed} and run in "
        f"full: {len(failures) or 'none'} differed), {_RUNS.get('checked', 0)} syntax-checked"
    )
    for failure in failures:
        terminalreporter.write_line(f"FAILED shared run: {failure}", red=True)
    if failures or _too_few_checked():
        terminalreporter.write_line(
            f"FAILED: shared runs: {checked} of {shared_items} re-run in full (at least "
            f"{shared.MIN_CHECKED} or all are due), {len(failures)} differed; reproduce with "
            f"NKG_SHARE_SEED={config._nkg_seed}",
            red=True,
        )


def _too_few_checked() -> bool:
    shared_items, checked, _failures = _totals()
    return checked < min(shared_items, shared.MIN_CHECKED)


