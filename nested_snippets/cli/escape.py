"""Make text from files and file names safe to print on a terminal or in a log.

A control character (a newline in a file name, an ANSI escape in a value, a
bidirectional override) is shown as a Python-style escape (``\\n``, ``\\x1b``,
``\\u202e``), so it can neither move the cursor nor forge a line of output.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    import re

_INVISIBLE = "\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff"
"""Also lone surrogates: a file name's undecodable byte (``\\xff``, or ``\\x9b``, a C1
control to some terminals) that Python would write back raw."""
UNSAFE = f"[\x00-\x1f{_INVISIBLE}]"
UNSAFE_IN_TEXT = f"[\x00-\x08\x0b-\x1f{_INVISIBLE}]"
"""As :data:`UNSAFE` but newline and tab pass: for multi-line text such as a report.

Every character of both classes is one that :meth:`str.isprintable` rejects, so text
that is printable is returned as it is, without compiling them (start-up time)."""
_COMPILED: dict[str, re.Pattern[str]] = {}
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _sub(pattern: str, text: str) -> str:
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        import re

        compiled = _COMPILED[pattern] = re.compile(pattern)
    return compiled.sub(_one, text)


def _one(m: re.Match[str]) -> str:
    c = m.group()
    if c in _NAMED:
        return _NAMED[c]
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


WIDTH = 80
"""Characters of a word that :func:`clip` shows whole."""


def clip(word: str, width: int = WIDTH) -> str:
    """A word or line from a file as output shows it: past ``width`` characters, its
    start and its length (a 15 MB word must not make a 15 MB line of output)."""
    if len(word) <= width:
        return word
    return f"{word[: width // 2]}... ({len(word)} characters)"


def shorten(message: str, width: int = 80) -> str:
    """``message`` with every word longer than ``width`` characters :func:`clip`-ped: an
    error naming a 100 000-character argument or path stays one short line."""
    if len(message) <= 4 * width:
        return message
    import re  # only for a long message (start-up time)

    return re.sub(rf"\S{{{width + 1},}}", lambda m: clip(m.group(), width), message)


def escape(text: str) -> str:
    """``text`` with every control or invisible formatting character escaped."""
    return text if text.isprintable() else _sub(UNSAFE, text)


def escape_text(text: str) -> str:
    """Multi-line ``text`` with every control character but newline and tab escaped
    (a carriage return, an ANSI escape or a bidirectional override cannot hide lines)."""
    return text if text.isprintable() else _sub(UNSAFE_IN_TEXT, text)
