"""Every snippet's ``kernels=`` range is tight (issue 11 item 5), era by era.

For each procedure with a range and each era of a snippet (a snippet with one era: its
range), the releases with data just inside its ends must pass and the releases with
data just outside must fail (an era's body run on the neighbouring era's releases): a
range that is too wide fails inside, a range that is too narrow passes outside. An
outside edge is skipped only at the edge of the data, or when ``because=`` says the
boundary is a change the data cannot see (it contains ``(not in the data)``, next to
the commit it cites).
"""

from __future__ import annotations

import sys

import pytest

from nested_snippets import kernel, registry
from nested_snippets.model import Era, KernelRange, Procedure
from nested_snippets.runner import run
from nested_snippets.runner.sandbox import LimitExceeded

UNSEEN = "(not in the data)"
REG = registry.load()


def _edges(spec) -> tuple[list[str], list[str]]:
    """(inside, outside): the first and last data release in the range, and the data
    releases right before and after it."""
    versions = kernel.versions()
    inside = [i for i, v in enumerate(versions) if spec.contains(v)]
    if not inside:
        return [], []
    lo, hi = inside[0], inside[-1]
    outside = [versions[i] for i in (lo - 1, hi + 1) if 0 <= i < len(versions)]
    return sorted({versions[lo], versions[hi]}, key=kernel.version_key), outside


def _runs(item, era: Era | None) -> list[str]:
    """The variants of a snippet's era (architectures of a procedure) run on a fake host."""
    if era is None:
        return list(REG.arches_of(item))
    return [v for v, body in era.variants.items() if body.on_host]


def _ranges(item) -> list[tuple[Era | None, KernelRange, str]]:
    """(era, range, because) to check: each era of a snippet, a procedure's own range."""
    if isinstance(item, Procedure):
        return [(None, item.kernels, item.because)]
    return [(era, era.kernels, era.because) for era in item.eras]


def _cases():
    for item in [*REG.snippets.values(), *REG.procedures.values()]:
        for era, kernels, because in _ranges(item):
            runs = _runs(item, era)
            if kernels.spec == "all" or not runs:
                continue
            name = item.id + (f" {kernels.spec}" if era and len(item.eras) > 1 else "")
            inside, outside = _edges(kernels)
            for version in inside:
                for variant in runs:
                    yield pytest.param(item, era, variant, version, because,
                                       id=f"{name}[{variant}]-{version}-in")  # fmt: skip
            for version in outside:
                yield pytest.param(item, era, None, version, because, id=f"{name}-{version}-out")


def _run(item, era: Era | None, variant: str, version: str) -> None:
    if isinstance(item, Procedure):
        run.run_procedure(item, variant, version)
    else:
        run.run_snippet(item, variant, version, era)


def _fails(item, era: Era | None, variant: str, version: str) -> bool:
    """Whether the body fails there as a reader would see it fail: its output or status
    differs (:class:`run.Mismatch`), or it hits a limit.  Any other error is the
    harness's and is raised, not counted as the failure wanted."""
    try:
        _run(item, era, variant, version)
    except (run.Mismatch, LimitExceeded):
        return True
    return False


@pytest.mark.parametrize(("item", "era", "variant", "version", "because"), list(_cases()))
def test_range_edge(item, era: Era | None, variant: str | None, version: str, because: str):
    spec = era.kernels.spec if era else item.kernels.spec
    where = f"{item.id} kernels={spec!r} ({item.defined_at})"
    if variant is not None:  # inside: every variant passes (a failure: the range is too wide)
        _run(item, era, variant, version)
        return
    beyond = not item.kernels.contains(version)  # also outside the snippet's own range
    if UNSEEN in because or (beyond and UNSEEN in item.because):
        pytest.skip(f"{where}: the boundary is a change the data cannot see")
    # outside: the range is the era's, so one variant failing there is enough
    if not any(_fails(item, era, v, version) for v in _runs(item, era)):
        pytest.fail(
            f"{where} also passes on Linux {version} ({kernel.load(version).release}): the "
            "range is too narrow; move its end to the release where the behaviour changes"
        )


def test_only_a_readers_failure_counts_outside(monkeypatch):
    """An error of the harness (here a TypeError) outside a range is raised, not taken
    for the failure wanted there (audit of session 17: any exception counted)."""

    def broken(*_args):
        raise TypeError("a bug in the harness")

    monkeypatch.setattr(sys.modules[__name__], "_run", broken)
    with pytest.raises(TypeError):
        _fails(None, None, "intel", "6.6")

    def mismatch(*_args):
        raise run.Mismatch("output differs")

    monkeypatch.setattr(sys.modules[__name__], "_run", mismatch)
    assert _fails(None, None, "intel", "6.6") is True
