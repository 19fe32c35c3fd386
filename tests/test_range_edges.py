"""Every snippet's ``kernels=`` range is tight (issue 11 item 5).

For each snippet and procedure with a range, the releases with data just inside its ends
must pass and the releases with data just outside must fail: a range that is too wide
fails inside, a range that is too narrow passes outside. An outside edge is skipped only
at the edge of the data, or when ``because=`` says the boundary is a change the data
cannot see (it contains ``(not in the data)``, next to the commit it cites).
"""

from __future__ import annotations

import pytest

from nested_snippets import kernel, registry
from nested_snippets.model import Procedure
from nested_snippets.runner import run

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


def _runs(item) -> list[str]:
    """The variants of a snippet (architectures of a procedure) that run on a fake host."""
    if isinstance(item, Procedure):
        return list(REG.arches_of(item))
    return [v for v, body in item.variants.items() if body.on_host]


def _cases():
    for item in [*REG.snippets.values(), *REG.procedures.values()]:
        if item.kernels.spec == "all" or not _runs(item):
            continue
        inside, outside = _edges(item.kernels)
        for version in inside:
            for variant in _runs(item):
                yield pytest.param(item, variant, version, id=f"{item.id}[{variant}]-{version}-in")
        for version in outside:
            yield pytest.param(item, None, version, id=f"{item.id}-{version}-out")


def _run(item, variant: str, version: str) -> None:
    if isinstance(item, Procedure):
        run.run_procedure(item, variant, version)
    else:
        run.run_snippet(item, variant, version)


def _fails(item, variant: str, version: str) -> bool:
    try:
        _run(item, variant, version)
    except Exception:  # noqa: BLE001 - any failure outside the range is what we want
        return True
    return False


@pytest.mark.parametrize(("item", "variant", "version"), list(_cases()))
def test_range_edge(item, variant: str | None, version: str) -> None:
    where = f"{item.id} kernels={item.kernels.spec!r} ({item.defined_at})"
    if variant is not None:  # inside: every variant passes (a failure: the range is too wide)
        _run(item, variant, version)
        return
    if UNSEEN in item.because:
        pytest.skip(f"{where}: the boundary is a change the data cannot see")
    # outside: the range is the snippet's, so one variant failing there is enough
    if not any(_fails(item, v, version) for v in _runs(item)):
        pytest.fail(
            f"{where} also passes on Linux {version} ({kernel.load(version).release}): the "
            "range is too narrow; move its end to the release where the behaviour changes"
        )
