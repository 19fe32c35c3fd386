"""Where a fact about a module or boot parameter starts or stops holding.

A *condition* reads one release's data: ``x86/kvm_intel nested default=Y``,
``x86/kvm_amd avic present``, ``s390/kvm hpage absent``, ``x86/kvm_intel ept
perm=0444``, ``x86/kvm_amd nested type=int``, ``arm64/kvm-arm.mode accepts nested``.
:func:`since` gives the first release from which it holds through the newest data
and :func:`until` the last release of a run that ends before the newest; each is a
:class:`Boundary` that knows when the change falls in a gap of the data, so it is
printed "between A and B" and never guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nested_snippets import kernel as kdata
from nested_snippets.versions import version_key

LAST_MINOR = {2: 39, 3: 19, 4: 20, 5: 19, 6: 19}
"""The last mainline release of each major series (kernel.org release history:
2.6.39 -> 3.0, 3.19 -> 4.0, 4.20 -> 5.0, 5.19 -> 6.0, 6.19 -> 7.0); after any other
X.Y comes X.(Y+1)."""


class ConditionError(kdata.KernelDataError):
    """A condition that does not parse or names nothing in the data."""


def next_mainline(version: str) -> str:
    major, minor = version_key(version)[:2]
    if LAST_MINOR.get(major) == minor:
        return f"{major + 1}.0"
    return f"{major}.{minor + 1}"


@dataclass(frozen=True)
class Boundary:
    """A change of a fact between release ``before`` and release ``at``.

    ``before`` is the newest release with data on the other side (None at the
    edge of the data); the change is exactly at ``at`` when ``before`` is its
    mainline predecessor.
    """

    at: str
    before: str | None
    edge: bool = False

    @property
    def exact(self) -> bool:
        if self.before is None:
            return False
        lo, hi = sorted((self.before, self.at), key=version_key)
        return next_mainline(lo) == hi

    def text(self, side: str) -> str:
        """``side`` is ``since`` (first release) or ``until`` (last release)."""
        if self.edge:
            return f"{self.at} or earlier" if side == "since" else f"{self.at} or later"
        if self.exact:
            return self.at
        lo, hi = sorted((self.before or "", self.at), key=version_key)
        return f"between {lo} and {hi}"


def parse(condition: str) -> Callable[[str], bool]:
    """The condition as a test of one release (raises ConditionError)."""
    words = condition.split()
    if len(words) != 3:
        raise ConditionError(
            f"condition {condition!r}: write 'ARCH/MODULE PARAM TEST' "
            "(TEST: present, absent, default=V, type=T, perm=0NNN, accepts=V)"
        )
    key, name, test = words
    if any(key in kdata.load(v).boot_params for v in kdata.versions()):
        if name != "accepts":
            raise ConditionError(f"condition {condition!r}: write '{key} accepts VALUE'")
        return lambda v: test in (kdata.load(v).boot_params.get(key) or {}).get("values", [])
    arch, _, module = key.partition("/")
    op, _, value = test.partition("=")
    if op not in ("present", "absent", "default", "type", "perm"):
        raise ConditionError(f"condition {condition!r}: unknown test {op!r}")

    def holds(v: str) -> bool:
        data = kdata.load(v)
        try:
            mod = data.module(arch, module)
        except kdata.UnknownModule:
            return op == "absent"
        if not mod.has(name):
            return op == "absent"
        p = mod.param(name)
        return {
            "present": True,
            "absent": False,
            "default": p.default == value,
            "type": p.type == value,
            "perm": p.perm_octal == value,
        }[op]

    if not any(holds(v) for v in kdata.versions()) and op != "absent":
        raise ConditionError(f"condition {condition!r} holds in no release of the data")
    return holds


def since(condition: str) -> Boundary:
    """The first release of the run that holds through the newest data."""
    holds = parse(condition)
    releases = kdata.versions()
    if not holds(releases[-1]):
        raise ConditionError(f"'{condition}' does not hold in Linux {releases[-1]}: not 'since'")
    i = len(releases) - 1
    while i > 0 and holds(releases[i - 1]):
        i -= 1
    return Boundary(releases[i], releases[i - 1] if i else None, edge=i == 0)


def until(condition: str) -> Boundary:
    """The last release of the newest run that holds and then stops."""
    holds = parse(condition)
    releases = kdata.versions()
    last = max((i for i, v in enumerate(releases) if holds(v)), default=None)
    if last is None:
        raise ConditionError(f"'{condition}' holds in no release of the data")
    if last == len(releases) - 1:
        return Boundary(releases[last], None, edge=True)
    return Boundary(releases[last], releases[last + 1])
