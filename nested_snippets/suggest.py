"""The one "did you mean" of the project: close matches for a misspelt name.

``difflib`` is imported on first use: the checker starts without it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from collections.abc import Iterable


def close(word: str, known: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """Up to ``n`` names of ``known`` that look like ``word``, best first.

    >>> close("amdd", ["intel", "amd"])
    ['amd']
    >>> close("EPT", ["ept", "vpid"])
    ['ept']
    >>> close("l1", ["auto", "L0", "L1"])
    ['L1']
    """
    import difflib

    names = list(known)
    same = [name for name in names if name.lower() == word.lower()]
    if same:  # l1 for L1: a slip of case only, whichever side has the capitals
        return same[:n]
    if word != word.lower():
        # NESTED, EPT: difflib's ratio of a word and its capitals is 0 (Enable_APICv
        # is nearer enable_ipiv than enable_apicv), yet a slip of case is the commonest
        # one: the names are lower case, compared exactly.  Letters first, then as written
        lower: dict[str, str] = {}
        for name in names:
            lower.setdefault(name.lower(), name)
        found = difflib.get_close_matches(word.lower(), lower, n=n, cutoff=cutoff)
        if found:
            return [lower[m] for m in found]
    return difflib.get_close_matches(word, names, n=n, cutoff=cutoff)


def hint(word: str, known: Iterable[str], n: int = 1, cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` (or ``'x' or 'y'``), or "" when nothing is close.

    >>> hint("s390", ["s390x", "power"])
    "; did you mean 's390x'?"
    >>> hint("zzz", ["s390x"])
    ''
    """
    found = close(word, known, n, cutoff)
    return f"; did you mean {' or '.join(repr(f) for f in found)}?" if found else ""
