"""Make text from files and file names safe to print on a terminal or in a log.

A control character (a newline in a file name, an ANSI escape in a value, a
bidirectional override) is shown as a Python-style escape (``\\n``, ``\\x1b``,
``\\u202e``), so it can neither move the cursor nor forge a line of output.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _one(m: re.Match[str]) -> str:
    c = m.group()
    if c in _NAMED:
        return _NAMED[c]
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


def escape(text: str) -> str:
    """``text`` with every control or invisible formatting character escaped."""
    return _UNSAFE.sub(_one, text)
