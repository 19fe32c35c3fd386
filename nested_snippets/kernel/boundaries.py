"""Where a fact about a module or boot parameter starts or stops holding.

A *condition* reads one release's data: ``x86/kvm_intel nested default=Y``,
``x86/kvm_amd avic present``, ``s390/kvm hpage absent``, ``x86/kvm_intel ept
perm=0444``, ``x86/kvm_amd nested type=int``, ``arm64/kvm-arm.mode accepts nested``,
``arm64/kvm-arm.mode param present`` (a boot parameter the kernel parses), and
``message s390_nested_hpage 1`` (the release's sources show wording 1 of that
kernel message, :mod:`nested_snippets.kernel.messages`) and ``source svm-nested-state
present`` (the release's sources show the fragments of that fact,
:mod:`nested_snippets.kernel.probes`).
:func:`since` gives the first release from which it holds through the newest data,
:func:`first` and :func:`until` the first and last release of the newest run; each is a
:class:`Boundary` that knows when the change falls in a gap of the data, so it is
printed with every release it may be, "5.13 or 5.14", and never guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nested_snippets import kernel as kdata
from nested_snippets.versions import spoken, version_key


class ConditionError(kdata.KernelDataError):
    """A condition that does not parse or names nothing in the data."""


def adjacent(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are consecutive mainline releases (the data's index)."""
    series = kdata.releases()
    if a not in series or b not in series:
        return False
    return abs(series.index(a) - series.index(b)) == 1


@dataclass(frozen=True)
class Boundary:
    """A change of a fact between release ``before`` and release ``at``.

    ``before`` is the newest release with data on the other side (None at the
    edge of the data); the change is exactly at ``at`` when ``before`` is its
    mainline neighbour in the index of releases (``data/index.json``).
    """

    at: str
    before: str | None
    edge: bool = False

    @property
    def exact(self) -> bool:
        if self.before is None:
            return False
        return adjacent(self.before, self.at)

    @property
    def missing(self) -> list[str]:
        """The releases of the series between ``before`` and ``at``: the releases without
        data in a gap (``before`` is the nearest release with data)."""
        if self.before is None:
            return []
        lo, hi = sorted((self.before, self.at), key=version_key)
        return [v for v in kdata.releases() if version_key(lo) < version_key(v) < version_key(hi)]

    def text(self, side: str) -> str:
        """``side`` is ``since`` (first release) or ``until`` (last release).  In a gap:
        the releases it may be, "5.13 or 5.14" (up to three; then "between A and B")."""
        if self.edge:
            return f"{self.at} or earlier" if side == "since" else f"{self.at} or later"
        if self.exact:
            return self.at
        gap = self.missing
        if gap and len(gap) < 3:
            maybe = [*gap, self.at] if side == "since" else [self.at, *gap]
            return spoken(maybe, "or")
        lo, hi = sorted((self.before or "", self.at), key=version_key)
        return f"between {lo} and {hi}"


Test = Callable[[kdata.KernelData], bool]
"""A condition as a test of one release's data."""


def parse(condition: str) -> Callable[[str], bool]:
    """The condition as a test of one release (raises ConditionError)."""
    test = _parse(condition, kdata.load_all())
    return lambda v: test(kdata.load(v))


def _parse(condition: str, data: list[kdata.KernelData]) -> Test:
    """The condition as a test of one release's data; ``data``, every release's, is
    what it must name something in."""
    words = condition.split()
    if len(words) != 3:
        raise ConditionError(
            f"condition {condition!r}: write 'ARCH/MODULE PARAM TEST' "
            "(TEST: present, absent, default=V, type=T, perm=0NNN, accepts=V)"
        )
    key, name, test = words
    if key == "message":
        return _message_condition(condition, name, test)
    if key == "source":
        return _source_condition(condition, name, test)
    if any(key in d.boot_params for d in data):
        if name == "param" and test in ("present", "absent"):
            return lambda d: (key in d.boot_params) == (test == "present")
        if name != "accepts":
            raise ConditionError(
                f"condition {condition!r}: write '{key} accepts VALUE' or '{key} param present'"
            )
        return lambda d: test in (d.boot_params.get(key) or {}).get("values", [])
    arch, _, module = key.partition("/")
    op, _, value = test.partition("=")
    if op not in ("present", "absent", "default", "type", "perm"):
        raise ConditionError(f"condition {condition!r}: unknown test {op!r}")

    def holds(d: kdata.KernelData) -> bool:
        try:
            mod = d.module(arch, module)
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

    if not any(holds(d) for d in data) and op != "absent":
        raise ConditionError(f"condition {condition!r} holds in no release of the data")
    return holds


def _message_condition(condition: str, key: str, n: str) -> Test:
    """``message KEY N``: the release's sources show wording N (0-based) of KEY."""
    from nested_snippets.kernel import messages

    if key not in messages.MESSAGES or not messages.probed(key):
        known = [k for k in messages.MESSAGES if messages.probed(k)]
        raise ConditionError(f"condition {condition!r}: no message {key!r} bound to the "
                             f"sources (known: {', '.join(known)})")  # fmt: skip
    variants = messages.MESSAGES[key]
    if not n.isdigit() or int(n) >= len(variants):
        raise ConditionError(f"condition {condition!r}: {key} has wordings 0..{len(variants) - 1}")
    wanted = variants[int(n)]
    return lambda d: messages.in_sources(key, d.messages) is wanted


def _source_condition(condition: str, name: str, test: str) -> Test:
    """``source NAME present|absent``: the release's sources show (or lack) the fact."""
    from nested_snippets.kernel import probes

    if name not in probes.SOURCE_FACTS:
        raise ConditionError(f"condition {condition!r}: no source fact {name!r} (known: "
                             f"{', '.join(probes.SOURCE_FACTS)})")  # fmt: skip
    if test not in ("present", "absent"):
        raise ConditionError(f"condition {condition!r}: write 'source {name} present' or "
                             "'... absent'")  # fmt: skip
    want = test == "present"
    return lambda d: probes.holds(name, d.messages) == want


def _newest_run(condition: str) -> tuple[list[str], int, int]:
    """(releases with data, index of the first and of the last release of the newest
    run in which ``condition`` holds).  Each release's data is read, and tested, once."""
    data = kdata.load_all()
    test = _parse(condition, data)
    releases = kdata.versions()
    held = [test(d) for d in data]
    last = max((i for i, h in enumerate(held) if h), default=None)
    if last is None:
        raise ConditionError(f"'{condition}' holds in no release of the data")
    i = last
    while i > 0 and held[i - 1]:
        i -= 1
    return releases, i, last


def _starting(releases: list[str], i: int) -> Boundary:
    return Boundary(releases[i], releases[i - 1] if i else None, edge=i == 0)


def first(condition: str) -> Boundary:
    """The first release of the newest run that holds (the run may have ended)."""
    releases, i, _ = _newest_run(condition)
    return _starting(releases, i)


def since(condition: str) -> Boundary:
    """The first release of the run that holds through the newest data (the run
    found once: each release's test reads its data)."""
    releases, i, last = _newest_run(condition)
    if last != len(releases) - 1:
        raise ConditionError(f"'{condition}' does not hold in Linux {releases[-1]}: not 'since'")
    return _starting(releases, i)


def until(condition: str) -> Boundary:
    """The last release of the newest run that holds and then stops."""
    releases, _, last = _newest_run(condition)
    if last == len(releases) - 1:
        return Boundary(releases[last], None, edge=True)
    return Boundary(releases[last], releases[last + 1])
