"""pytest plugin: one test item per snippet x variant, and per procedure x architecture.

Items are collected from the snippet modules themselves
(``nested_snippets/snippets/enable.py::enable.verify_nested[amd]``), so ``pytest -k
verify_nested`` runs one snippet everywhere it applies.  An item runs its snippet on
every kernel release its eras cover, one (snippet, release) pair after the other
(``--kernels 6.6,6.7`` keeps only those releases), and fails with every pair that
differs from the guide.  One item per pair cost pytest and xdist ~3 ms of CPU each
(6,654 empty items: 22 s of CPU with ``-n 2``, measured 2026-12-02), more than the
runs that share a result; and the pairs of one item stay in one worker, where
they share (see :mod:`.runner.shared`).
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


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--kernels",
        default="",
        help="snippet matrix: run only these kernel releases (comma-separated, e.g. 6.6,6.7)",
    )


def _kernels(spec, config=None) -> list[str]:
    wanted = _wanted(config)
    return [v for v in kdata.versions() if spec.contains(v) and (not wanted or v in wanted)]


def _wanted(config) -> set[str]:
    text = config.getoption("--kernels", "") if config is not None else ""
    wanted = {w.strip() for w in text.split(",") if w.strip()}
    unknown = sorted(wanted - set(kdata.versions()))
    if unknown:
        raise pytest.UsageError(
            f"--kernels: no kernel data for {', '.join(unknown)}; "
            f"known: {', '.join(kdata.versions())}"
        )
    return wanted


def _snippet_items(parent, snippet: Snippet):
    """One item per variant: its pairs are each release of each era that runs on the
    host (a body not run: one pair per era, checked once)."""
    config = getattr(parent, "config", None)
    by_variant: dict[str, list[tuple[str, str | None]]] = {}
    for era, variant, body in snippet.bodies():
        releases = _kernels(era.kernels, config)
        pairs = by_variant.setdefault(variant, [])
        if body.on_host:
            pairs += [(snippet.host_arch(variant) or "", v) for v in releases]
        elif len(snippet.eras) == 1:
            pairs.append(("", None))  # checked once
        elif releases:  # the era is picked by a release of it (one check per era)
            pairs.append(("", releases[0]))
    for variant, pairs in by_variant.items():
        if not pairs:
            continue
        name = snippet.id + (f"[{variant}]" if variant else "")
        yield SnippetItem.from_parent(
            parent, name=name, snippet=snippet, variant=variant, pairs=pairs
        )


def _procedure_items(parent, proc: Procedure, reg: registry.Registry):
    config = getattr(parent, "config", None)
    for arch in reg.arches_of(proc):
        kernels = _kernels(proc.kernels, config)
        if kernels:
            yield ProcedureItem.from_parent(
                parent, name=f"{proc.id}[{arch}]", proc=proc, arch=arch, kernels=kernels, reg=reg
            )


class PairsFailed(run.Mismatch):
    """Some (snippet, release) pairs of an item differ from the guide."""


SHOWN_FAILURES = 5
"""Pairs whose whole message an item's failure shows; the others are only named."""


class _GuideItem(pytest.Item):
    """A test of something the guide shows, on each release it applies to: failures
    name the releases and the page that shows it."""

    shown_id = ""

    def _run_pairs(self, runs) -> None:
        """Run each ``(label, call)`` of ``runs``; fail at the end with those that
        differ from the guide (other errors end the item at once)."""
        failed: list[tuple[str, str]] = []
        for label, call in runs:
            try:
                how = call()
            except run.Mismatch as exc:
                failed.append((label, str(exc)))
                how = "failed"
            self.user_properties.append(("run", how))
        if failed:
            names = ", ".join(label for label, _m in failed)
            lines = [f"{len(failed)} of {len(runs)} releases differ from the guide: {names}"]
            lines += [message for _label, message in failed[:SHOWN_FAILURES]]
            if len(failed) > SHOWN_FAILURES:
                lines.append(f"... and {len(failed) - SHOWN_FAILURES} more (named above)")
            raise PairsFailed("\n".join(lines))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, run.Mismatch):
            return f"{excinfo.value}\n  page: {pages.where(self.shown_id)}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, self.name


class SnippetItem(_GuideItem):
    def __init__(self, *, snippet: Snippet, variant: str, pairs, **kw):
        super().__init__(**kw)
        self.snippet, self.variant, self.pairs = snippet, variant, pairs
        self.shown_id = snippet.id

    def runtest(self) -> None:
        def one(kernel, then):
            return lambda: run.run_snippet(
                self.snippet, self.variant, kernel or kdata.latest(), then=then
            )

        def label(arch: str, kernel: str | None) -> str:
            return f"{arch}-{kernel}" if arch else (kernel or "checked")

        nexts = [*self.pairs[1:], None]
        self._run_pairs(
            [
                (label(a, k), one(k, after[1] if after and after[0] == a else run.LAST))
                for (a, k), after in zip(self.pairs, nexts, strict=True)
            ]
        )


class ProcedureItem(_GuideItem):
    def __init__(self, *, proc: Procedure, arch: str, kernels: list[str], reg, **kw):
        super().__init__(**kw)
        self.proc, self.arch, self.kernels, self.reg = proc, arch, kernels, reg
        self.shown_id = proc.id

    def runtest(self) -> None:
        def one(kernel, then):
            return lambda: run.run_procedure(self.proc, self.arch, kernel, then)

        nexts = [*self.kernels[1:], run.LAST]
        self._run_pairs(
            [(f"{self.arch}-{k}", one(k, t)) for k, t in zip(self.kernels, nexts, strict=True)]
        )


_RUNS: dict[str, int] = {}
_CHECKED: list[dict] = []
"""What each test process's :func:`shared.check_pairs` did (xdist workers send theirs)."""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count how items ran (reports come back from xdist workers too)."""
    if report.when == "call":
        if any(name == "run" for name, _how in report.user_properties):
            _RUNS["items"] = _RUNS.get("items", 0) + 1
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
    pairs = sum(n for how, n in _RUNS.items() if how != "items")
    terminalreporter.write_line(
        f"snippet runs: {pairs} (snippet, release) pairs in {_RUNS.get('items', 0)} items: "
        f"{_RUNS.get('ran', 0)} run, {_RUNS.get('shared', 0)} shared with an "
        f"identical run ({checked} of them chosen with seed {config._nkg_seed} and run in "
        f"full: {len(failures) or 'none'} differed), {_RUNS.get('checked', 0)} checked without a "
        f"fake-host run (shell syntax, real validators, checker samples)"
        + (f", {_RUNS['failed']} differ from the guide" if _RUNS.get("failed") else "")
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
