"""A ``because=`` text that cites a range of releases reaches the newest release its
snippet or era is checked on.

A snippet (or era) runs on every release with kernel data in its ``kernels=`` range,
so a citation such as "book3s_hv.c @ v4.20..v7.1.3" on a range that also holds 7.3
says the source was read only up to 7.1 while the matrix checks 7.3 too: the range
must be re-read and its upper end moved when data for a newer release comes in
(session 20: the POWER and s390x texts still cited 7.1.3 with data through 7.3).
"""

from __future__ import annotations

import re

import pytest

from nested_snippets import kernel, registry
from nested_snippets.model import KernelRange, Snippet
from nested_snippets.versions import version_key

_RELEASE = r"v?(\d+\.\d+(?:\.\d+)?)"
CITED_RANGE = re.compile(rf"(?<![\d.]){_RELEASE}\s*(?:\.\.|\bto\b)\s*{_RELEASE}(?![\d.])")
"""``A..B``, ``A .. B`` or ``A to B``, each end a release with an optional ``v``."""


def _series(release: str) -> str:
    """The X.Y series of a cited release (7.1.3 -> 7.1)."""
    return ".".join(release.split(".")[:2])


def cited_ends(text: str) -> list[str]:
    """The upper end of each release range ``text`` cites."""
    return [m[2] for m in CITED_RANGE.finditer(text)]


def newest_checked(spec: str) -> str | None:
    """The newest release with kernel data that the range ``spec`` holds."""
    held = [v for v in kernel.versions() if KernelRange(spec).contains(v)]
    return max(held, key=version_key) if held else None


def stale(spec: str, because: str) -> list[str]:
    """The cited upper ends of ``because`` older than the newest release ``spec`` holds."""
    newest = newest_checked(spec)
    if newest is None:
        return []
    return [end for end in cited_ends(because)
            if version_key(_series(end)) < version_key(newest)]  # fmt: skip


def _texts() -> list[tuple[str, str, str]]:
    """(where, kernel range, because text) of every snippet and era of the registry."""
    out = []
    for sid, snip in registry.load().snippets.items():
        if not isinstance(snip, Snippet):
            continue
        if snip.because:
            out.append((sid, snip.kernels.spec, snip.because))
        if len(snip.eras) > 1:
            out += [(f"{sid} era {e.kernels.spec}", e.kernels.spec, e.because)
                    for e in snip.eras]  # fmt: skip
    return out


def test_the_pattern_reads_the_forms_the_modules_use():
    assert cited_ends("book3s_hv.c @ v4.20..v7.1.3") == ["7.1.3"]
    assert cited_ends("kvm-s390.c @ 4.19.0 .. 5.0.0 (5.1.0 has the new one)") == ["5.0.0"]
    assert cited_ends("every release with data from 5.1.0 to 6.19.6") == ["6.19.6"]
    assert cited_ends("vmx.c @ v6.3.8+; svm.c @ v6.6+") == []


def test_a_stale_end_is_found_and_a_closed_range_is_not():
    newest = kernel.versions()[-1]
    assert stale(">=4.20", "@ v4.20..v4.20") == ["4.20"]
    assert stale(">=4.20", f"@ v4.20..v{newest}") == []
    assert stale("<5.1", "@ 4.19.0 .. 5.0.0") == []


@pytest.mark.parametrize("where,spec,because", _texts(), ids=lambda v: str(v)[:60])
def test_a_cited_range_reaches_the_newest_checked_release(where, spec, because):
    ends = stale(spec, because)
    assert not ends, (
        f"{where} ({spec}) cites a range up to {', '.join(ends)}, but the matrix checks it "
        f"up to {newest_checked(spec)}: re-read the source there and move the citation"
    )
