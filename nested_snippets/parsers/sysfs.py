"""Module parameters as ``/sys/module/<module>/parameters/<name>`` prints them.

``bool`` parameters print ``Y``/``N``, ``int`` ones a decimal (``kvm_amd nested``
prints ``1``/``0``), ``hexint`` a ``0x`` number; callbacks print what they like.
The only exception raised here is :class:`ParamValueError`.

>>> as_bool("Y\\n"), as_bool("0"), as_bool("1")
(True, False, True)
"""

from __future__ import annotations

__all__ = ["ParamValueError", "as_bool", "clean", "param_path", "params_dir"]

_HEX_DIGITS = "0123456789abcdefABCDEF"
MAX_LEN = 4096
"""sysfs shows at most one page; anything longer is not a parameter file."""


class ParamValueError(ValueError):
    """A parameter file holds something no parameter type prints."""


def params_dir(module: str) -> str:
    """``kvm-intel`` -> ``/sys/module/kvm_intel/parameters``."""
    return f"/sys/module/{module.replace('-', '_')}/parameters"


def param_path(module: str, name: str) -> str:
    return f"{params_dir(module)}/{name}"


def clean(text: str) -> str:
    """The value without its trailing newline; raise if it is not one printable line."""
    if len(text) > MAX_LEN:
        raise ParamValueError(f"{len(text)} characters: longer than a sysfs page")
    value = text[:-1] if text.endswith("\n") else text
    if "\n" in value or "\0" in value:
        raise ParamValueError(f"{_show(value)} is not a single line of text")
    if not value.isprintable():
        raise ParamValueError(f"{_show(value)} contains control characters")
    return value


def as_bool(text: str) -> bool:
    """Read an on/off parameter in any print format: ``Y``/``N`` (bool), an integer
    (int, bint, hexint: non-zero is on).  Raise :class:`ParamValueError` otherwise."""
    value = clean(text).strip()
    if value in ("Y", "y"):
        return True
    if value in ("N", "n"):
        return False
    digits = value[1:] if value[:1] in ("+", "-") else value
    if digits.isascii() and digits.isdigit():  # [+-]?[0-9]+ (no regex: start-up time)
        return int(value, 10) != 0
    digits = value[2:] if value[:2] in ("0x", "0X") else ""
    if digits and not digits.strip(_HEX_DIGITS):  # 0[xX][0-9a-fA-F]+
        return int(value, 16) != 0
    raise ParamValueError(f"{_show(value)} is not an on/off value (expected Y, N, 1 or 0)")


def _show(value: str) -> str:
    shown = value if len(value) <= 40 else value[:40] + "..."
    return repr(shown)
