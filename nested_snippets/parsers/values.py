"""How the kernel parses and prints module parameter values.

Mirrors ``kernel/params.c`` (``param_set_*``/``param_get_*``) and ``lib/kstrtox.c``:
the fake host accepts and rejects exactly what the kernel does, and prints values
the way ``cat /sys/module/*/parameters/*`` shows them.  Which first letters a bool
takes changed between releases: the caller passes what its release reads (``extra``,
from the facts of the release's sources), never a release number.
"""

from __future__ import annotations

_INT_RANGES = {
    "int": (-(2**31), 2**31 - 1),
    "uint": (0, 2**32 - 1),
    "short": (-(2**15), 2**15 - 1),
    "ushort": (0, 2**16 - 1),
    "byte": (0, 2**8 - 1),
    "long": (-(2**63), 2**63 - 1),
    "ulong": (0, 2**64 - 1),
    "ullong": (0, 2**64 - 1),
    "hexint": (0, 2**32 - 1),
}
BOOL_TYPES = {"bool", "invbool", "bool_enable_only"}
NOARG_TYPES = BOOL_TYPES | {"bint"}
"""Types that accept a bare ``name`` without ``=value`` (``KERNEL_PARAM_OPS_FL_NOARG``)."""


KEPT_DIGITS = {
    ptype: len(str(hi)) - 1 for ptype, (_, hi) in _INT_RANGES.items() if ptype != "hexint"
}
"""Integer type -> digits of a decimal number (``[1-9][0-9]*``) that :func:`parse`
returns as written: one digit fewer than the type's largest value has, so in range."""


class InvalidValue(ValueError):
    """A value the kernel refuses: ``-EINVAL`` (:attr:`errno_name`)."""

    errno_name = "EINVAL"


class OutOfRange(InvalidValue):
    """A number the kernel refuses with ``-ERANGE`` (Linux 6.1 ``lib/kstrtox.c``: its
    digits overflow 64 bits, ``_kstrtoull()``, even before a character that is no
    digit; or it does not fit the type, ``kstrtouint()``: ``if (tmp != (unsigned
    int)tmp) return -ERANGE``, ``kstrtoll()``)."""

    errno_name = "ERANGE"


STEADY = "yY1nN0oO"
"""First letters ``kstrtobool()`` reads alike in every release of the kernel data
(``o``/``O`` then ``n``/``N`` or ``f``/``F``); a value starting with another letter is
read as the release reads it (its ``extra`` letters)."""
LATER = "tTfFeEdD"
"""First letters some releases read and others refuse: ``t``/``T`` and ``e``/``E`` are
true, ``f``/``F`` and ``d``/``D`` false, where the release reads them (its ``extra``,
:func:`nested_snippets.kernel.bool_letters`: facts of its sources)."""


def kstrtobool(value: str, extra: str) -> bool:
    """``lib/kstrtox.c`` kstrtobool: looks at the first one or two characters.

    ``extra``: the letters of :data:`LATER` that the release reads (one of its
    ``case`` labels); "" for the oldest releases of the data."""
    if not value:
        raise InvalidValue(value)
    c = value[0]
    if c in "yY1" or (c in "tTeE" and c in extra):
        return True
    if c in "nN0" or (c in "fFdD" and c in extra):
        return False
    if c in "oO" and len(value) > 1:
        if value[1] in "nN":
            return True
        if value[1] in "fF":
            return False
    raise InvalidValue(value)


def reads_alike(value: str | None) -> bool:
    """Whether every release reads ``value`` of a bool alike (no ``extra`` needed:
    a caller may skip finding out which letters its release reads)."""
    return not value or value[0] not in LATER


_INTEGER: list = []
"""The compiled pattern of an integer, once :func:`_kstrtoint` first needs it."""


_DIGITS = {16: 16, 8: 22, 10: 20}
"""Base -> most significant digits of a 64-bit number (more overflow: a check that
spares int() a string of thousands of digits, which it refuses)."""


def _kstrtoint(value: str, signed: bool) -> int:
    """``kstrtoll()``/``kstrtoull()`` with base 0 (Linux 6.1 ``lib/kstrtox.c``): an
    optional sign (``-`` only if ``signed``, ``+`` before the digits of a number
    read unsigned), digits of the base their prefix gives, one optional newline.
    Raises :class:`OutOfRange` where they return -ERANGE, else
    :class:`InvalidValue`."""
    if value.isdigit() and value.isascii() and value[0] != "0" and len(value) <= 40:
        return int(value)  # [1-9][0-9]*, the common case, without the pattern below
    if not _INTEGER:
        import re  # lazily: fake tools import this module on every run

        _INTEGER.append(re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*"))
    text, negative = value, False
    if signed and text[:1] == "-":  # kstrtoll(): _kstrtoull(s + 1), no "+" after it
        text, negative = text[1:], True
    elif text[:1] == "+":  # kstrtoull()
        text = text[1:]
    m = _INTEGER[0].match(text)
    if not m:  # no digit: _parse_integer() read none
        raise InvalidValue(value)
    digits = m.group()
    base = 16 if digits[1:2] in ("x", "X") else 8 if digits[0] == "0" else 10
    significant = (digits[2:] if base == 16 else digits).lstrip("0")
    if len(significant) > _DIGITS[base] or int(significant or "0", base) >= 2**64:
        raise OutOfRange(value)  # overflow is told before what follows the digits
    if text[m.end() :] not in ("", "\n"):
        raise InvalidValue(value)
    number = int(significant or "0", base)
    if negative:
        if number > 2**63:  # kstrtoll(): (long long)-tmp > 0
            raise OutOfRange(value)
        return -number
    if signed and number >= 2**63:  # kstrtoll(): (long long)tmp < 0
        raise OutOfRange(value)
    return number


def parse(ptype: str, value: str | None, extra: str) -> str:
    """Validate ``value`` for a parameter of ``ptype``; return what sysfs will print.

    ``value`` is None for a bare ``name`` on the command line; ``extra`` is what
    :func:`kstrtobool` reads beyond :data:`STEADY` in the release (the letters of
    :data:`LATER` it has a case for; any string when :func:`reads_alike`).  Raises
    :class:`InvalidValue` where the kernel returns -EINVAL, :class:`OutOfRange`
    where it returns -ERANGE.
    """
    if value is None:
        if ptype not in NOARG_TYPES:
            raise InvalidValue("")
        value = "1"
    if ptype in BOOL_TYPES:
        return "Y" if kstrtobool(value, extra) else "N"
    if ptype == "bint":
        return "1" if kstrtobool(value, extra) else "0"
    if ptype in _INT_RANGES:
        lo, hi = _INT_RANGES[ptype]
        number = _kstrtoint(value, signed=lo < 0)
        if not lo <= number <= hi:  # kstrtouint() and the like: -ERANGE
            raise OutOfRange(value)
        return hex(number) if ptype == "hexint" else str(number)
    if ptype == "charp":
        return value
    return value  # callbacks: the module's own setter decides; the fake accepts


def off_value(ptype: str) -> str:
    """What a parameter prints once the module has switched the feature off."""
    return "N" if ptype in BOOL_TYPES else "0"
