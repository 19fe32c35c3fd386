"""Distribution builds: a kernel's KVM parameters as one distribution package builds them.

``data/builds/<version>.json`` (``6.1.192.json``) holds what
``tools/extract_build.py`` read from a distribution's kernel source package (the
same extraction as a release's data file) plus the values its image package's
config file gives to every ``CONFIG_*`` symbol the parameters' guards name. A
build stands for one point release as people run it; it is never used to place a
"since" or "until" (those come from the mainline releases in ``data/``).

Loaded through :func:`nested_snippets.kernel.load` with the exact version
(``load("6.1.192")``), a build shows only the parameters its config builds.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\s*(\(|\)|&&|\|\||!|CONFIG_\w+)")


class ConfigExprError(ValueError):
    """A guard this evaluator cannot read (treated as "not built")."""


def built(expr: str | None, config: dict[str, str | None]) -> bool:
    """Whether a parameter guarded by ``expr`` is built with ``config``.

    ``expr`` is the data's ``config`` field: ``CONFIG_`` symbols joined with
    ``&&``, ``||``, ``!`` and parentheses; a symbol is true when the config sets it
    to ``y`` or ``m``. A guard on anything else (a plain macro marked "not built",
    a guard that is not a string or is over 1000 characters) is false.
    """
    if not expr:
        return True
    if not isinstance(expr, str) or len(expr) > 1000:
        return False
    try:
        tokens, pos = [], 0
        while pos < len(expr):
            m = _TOKEN.match(expr, pos)
            if not m:
                raise ConfigExprError(expr)
            tokens.append(m.group(1))
            pos = m.end()
            while pos < len(expr) and expr[pos].isspace():
                pos += 1
        value, rest = _or(tokens, config)
        if rest:
            raise ConfigExprError(expr)
        return value
    except (ConfigExprError, IndexError, RecursionError):
        return False


def _or(tokens: list[str], config: dict) -> tuple[bool, list[str]]:
    return _infix("||", _and, any, tokens, config)


def _and(tokens: list[str], config: dict) -> tuple[bool, list[str]]:
    return _infix("&&", _not, all, tokens, config)


def _infix(op, operand, combine, tokens: list[str], config: dict) -> tuple[bool, list[str]]:
    """``operand (op operand)*``: every operand is parsed, their values ``combine``-d."""
    value, tokens = operand(tokens, config)
    values = [value]
    while tokens and tokens[0] == op:
        value, tokens = operand(tokens[1:], config)
        values.append(value)
    return combine(values), tokens


def _not(tokens: list[str], config: dict) -> tuple[bool, list[str]]:
    head = tokens[0]
    if head == "!":
        value, rest = _not(tokens[1:], config)
        return not value, rest
    if head == "(":
        value, rest = _or(tokens[1:], config)
        if not rest or rest[0] != ")":
            raise ConfigExprError("unbalanced parenthesis")
        return value, rest[1:]
    if head.startswith("CONFIG_"):
        return config.get(head) in ("y", "m"), tokens[1:]
    raise ConfigExprError(head)


def symbols(expr: str | None) -> list[str]:
    """The ``CONFIG_*`` symbols a guard names, in order, once each."""
    return list(dict.fromkeys(re.findall(r"CONFIG_\w+", expr or "")))


MAX_FREE = 8
"""A guard naming more symbols that no architecture fixes than this is taken as possible."""


def selected_values(kconfig: dict, arch: str) -> dict[str, bool]:
    """For each symbol of a release's ``kconfig`` section that is set only by ``select``
    (hidden, no default): whether ``arch``'s Kconfig files select it."""
    out = {}
    for sym, rec in kconfig.items():
        if isinstance(rec, dict) and rec.get("kind") == "select":
            where = rec.get("selected")
            out[sym] = bool(where.get(arch)) if isinstance(where, dict) else True
    return out


def possible(expr: str | None, fixed: dict[str, bool]) -> bool:
    """Whether some config satisfies ``expr`` with the symbols of ``fixed`` at their
    values (the others free).  A guard that names no fixed symbol is possible."""
    names = symbols(expr)
    if not any(n in fixed for n in names):
        return True
    free = [n for n in names if n not in fixed]
    if len(free) > MAX_FREE:
        return True
    base = {n: ("y" if v else "n") for n, v in fixed.items()}
    for bits in range(1 << len(free)):
        config = {**base, **{n: "y" if bits >> i & 1 else "n" for i, n in enumerate(free)}}
        if built(expr, config):
            return True
    return False
