"""Make text from files and file names safe to print on a terminal or in a log.

A control character (a newline in a file name, an ANSI escape in a value, a
bidirectional override) is shown as a Python-style escape (``\\n``, ``\\x1b``,
``\\u202e``), so it can neither move the cursor nor forge a line of output.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    import re

UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""The general categories escaped: control (C0, C1, DEL), format (the invisible ones:
zero-width, bidirectional marks and overrides, word joiner, tag characters U+E0000-E007F,
BOM), lone surrogates (a file name's undecodable byte, ``\\xff``, or ``\\x9b``, a C1
control to some terminals, that Python would write back raw) and the line and paragraph
separators; from :mod:`unicodedata`, not a hand list."""
BIDI_CONTROLS = frozenset({"LRE", "RLE", "PDF", "LRO", "RLO", "LRI", "RLI", "FSI", "PDI"})
"""The explicit bidirectional formatting classes (Unicode UAX #9, section 2, "Explicit
Directional Embeddings/Overrides/Isolates"): each character of them is also of category
Cf today; escaped by class too, should a later Unicode add one of another category."""
UNSAFE = r"[^ -~]+"
UNSAFE_IN_TEXT = r"[^\t\n -~]+"
"""Runs of characters that may be unsafe (anything but printable ASCII; newline and tab
pass in text): :func:`unsafe` decides for each.

Every character :func:`unsafe` takes is one that :meth:`str.isprintable` rejects, so
text that is printable is returned as it is, without compiling them (start-up time)."""
_COMPILED: dict[str, re.Pattern[str]] = {}
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def unsafe(c: str) -> bool:
    """Whether the character ``c`` is escaped (:data:`UNSAFE_CATEGORIES`,
    :data:`BIDI_CONTROLS`)."""
    if c.isprintable():
        return False
    import unicodedata

    return (
        unicodedata.category(c) in UNSAFE_CATEGORIES
        or unicodedata.bidirectional(c) in BIDI_CONTROLS
    )


def _sub(pattern: str, text: str) -> str:
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        import re

        compiled = _COMPILED[pattern] = re.compile(pattern)
    return compiled.sub(_run, text)


def _run(m: re.Match[str]) -> str:
    run = m.group()
    if run.isprintable():
        return run
    return "".join(_one(c) if unsafe(c) else c for c in run)


def _one(c: str) -> str:
    if c in _NAMED:
        return _NAMED[c]
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def quoted(value: str) -> str:
    r"""``repr(value)``, as an error message quotes an argument, but with a lone
    surrogate (os.fsdecode's stand-in for a byte that is not UTF-8, in an argument or
    a file name) written as :func:`escape` writes it: ``\xff``, not ``\udcff``.

    >>> print(quoted("a\udcffb"), quoted("a\\udcffb"), quoted("L1"))
    'a\xffb' 'a\\udcffb' 'L1'
    """
    text = repr(value)
    if "\\ud" not in text:  # no surrogate (nor a backslash that could start one)
        return text
    return "'" + "".join(_quoted_char(c) for c in value) + "'"


def _quoted_char(c: str) -> str:
    if "\ud800" <= c <= "\udfff":
        return _one(c)
    return "\\'" if c == "'" else repr(c)[1:-1]


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

    # a colon or comma that ends the word parts it from what follows: kept after the cut
    return re.sub(
        rf"(\S{{{width + 1},}}?)([:,;]?)(?!\S)",
        lambda m: clip(m.group(1), width) + m.group(2),
        message,
    )


def escape(text: str) -> str:
    """``text`` with every control or invisible formatting character escaped."""
    return text if text.isprintable() else _sub(UNSAFE, text)


def escape_text(text: str) -> str:
    """Multi-line ``text`` with every control character but newline and tab escaped
    (a carriage return, an ANSI escape or a bidirectional override cannot hide lines)."""
    return text if text.isprintable() else _sub(UNSAFE_IN_TEXT, text)


def dumps(doc: object) -> str:
    """``doc`` as indented JSON and a newline, each string Unicode (:func:`unicode`)."""
    import json

    text = json.dumps(doc, indent=2) + "\n"
    if "\\ud" in text:  # a lone surrogate (or a pair, which is fine): look closer
        text = json.dumps(unicode(doc), indent=2) + "\n"
    return text


def unicode(value: object) -> object:
    """``value`` (the document) with each lone surrogate in its strings written as the
    text output writes it (:func:`~nested_snippets.cli.escape.escape`: ``\\xff`` for a
    file name's undecodable byte): a JSON string must be Unicode (RFC 8259 section
    8.2), and a strict reader (Rust's serde_json) refuses a lone ``\\udcff``."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "".join(_one(c) if "\ud800" <= c <= "\udfff" else c for c in value)
        return value
    if isinstance(value, dict):
        return {k: unicode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unicode(v) for v in value]
    return value
