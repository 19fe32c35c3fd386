"""Split a parameter string the way the kernel does (``parse_args``/``next_arg``).

Module options from modprobe.d reach the kernel as one string (kmod keeps the rest
of an ``options`` line as it is) and the kernel command line is one string too; the
kernel splits both in ``kernel/params.c``, ``next_arg()`` (Linux 6.1):

* words are separated by white space, except inside double quotes;
* a word that starts with ``"`` loses that quote, and then its last character if it
  is ``"``, with or without ``=`` (``"nested"`` is ``nested``: the test
  ``if (quoted && i > 0 && args[i-1] == '"')`` follows the ``equals`` branch; read
  in lib/cmdline.c of Linux 6.18.2, where next_arg() now lives, on 2026-12-02);
* a value that starts with ``"`` loses that quote and a ``"`` that ends the word;
* there is no escape: a quote cannot be part of a quoted value;
* ``name=value`` splits at the first ``=`` that is not the word's first character.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")

SPACE = " \t\n\v\f\r\xa0"
"""The kernel's white space: ``isspace()`` of lib/ctype.c is true for 9-13, 32 and
the byte 160 (``_S|_SP``; read in Linux 6.18.2 on 2026-12-02).  The kernel splits
bytes: a caller that has a file's bytes reads them one character per byte (latin-1),
so that byte 0xA0 is U+00A0 here, also inside a UTF-8 sequence (``\xc2\xa0``, ``à``)."""


def _words(text: str) -> list[str]:
    """The words of ``text`` between runs of :data:`SPACE` (no quotes involved), at C
    speed and without a regular expression (start-up time); ``str.split()`` would also
    split at ``\\x1c``-``\\x1f``, ``\\x85`` and Unicode spaces, which the kernel does not."""
    if text.isprintable():  # then its only blank is " ": str.split() splits as the kernel
        return text.split()
    for blank in "\t\n\v\f\r\xa0":
        if blank in text:
            text = text.replace(blank, " ")
    return list(filter(None, text.split(" ")))


def _plain(word: str) -> tuple[str, str | None]:
    equals = word.find("=", 1)  # an "=" at offset 0 does not split, as in the kernel
    return (word, None) if equals < 0 else (word[:equals], word[equals + 1 :])


_QUOTED_WORD = r'(?=[^ \t\n\v\f\r\xa0])[^ \t\n\v\f\r\xa0"]*(?:"[^"]*"?[^ \t\n\v\f\r\xa0"]*)*'
"""A word as :func:`scan` delimits it: blanks end it only outside double quotes
(compiled on first use: text without quotes needs no regular expression).  Unrolled,
one repetition per quoted piece (not one per piece), for a third less time."""


def split_args(text: str) -> list[tuple[str, str | None]]:
    """(name, value or None) for each word of ``text``, in order.  Linear time."""
    if '"' not in text:  # the common case, at C speed
        return [_plain(w) for w in _words(text)]
    return _quoted(text, _unquote)


def boot_args(text: str) -> list[tuple[str, str | None]]:
    """:func:`split_args` of a kernel command line up to its first bare ``--``, after
    which the kernel hands the rest to init (``parse_args()``, kernel/params.c)."""
    words = split_args(text)
    for i, (name, value) in enumerate(words):
        if name == "--" and value is None:
            return words[:i]
    return words


def _unquote(word: str) -> tuple[str, str | None]:
    """One word of :data:`_QUOTED_WORD` as :func:`scan` reads it (a 10 MB line of
    quotes took 10 s character by character)."""
    quoted = word[0] == '"'
    body = word[1:] if quoted else word
    equals = body.find("=", 1)
    if equals < 0:
        return (body[:-1] if quoted and body[-1:] == '"' else body), None
    value = body[equals + 1 :]
    if value[:1] == '"':
        value = value[1:-1] if value.endswith('"') and len(value) > 1 else value[1:]
    elif quoted and value.endswith('"'):
        value = value[:-1]
    return body[:equals], value


def scan(text: str) -> list[tuple[str, str | None]]:
    """:func:`split_args` character by character, as ``next_arg()`` does."""
    out: list[tuple[str, str | None]] = []
    n = len(text)
    i = 0
    while True:
        while i < n and text[i] in SPACE:
            i += 1
        if i >= n:
            return out
        quoted = text[i] == '"'
        start = i + 1 if quoted else i
        in_quote = quoted
        equals = 0  # offset from start; 0 means "none", as in the kernel
        j = start
        while j < n:
            c = text[j]
            if c in SPACE and not in_quote:
                break
            if equals == 0 and c == "=":
                equals = j - start
            if c == '"':
                in_quote = not in_quote
            j += 1
        if equals == 0:
            end = j - 1 if quoted and j > start and text[j - 1] == '"' else j
            out.append((text[start:end], None))
        else:
            vstart, end = start + equals + 1, j
            if vstart < j and text[vstart] == '"':
                vstart += 1
                if text[j - 1] == '"':
                    end = j - 1
            if quoted and text[j - 1] == '"':
                end = j - 1
            out.append((text[start : start + equals], text[vstart : max(end, vstart)]))
        i = j + 1


def split_words(text: str, pos: int = 0, unquote: bool = True) -> list[str]:
    """The words of :func:`split_args` as ``name=value`` (quotes removed), of
    ``text[pos:]``; with ``unquote`` false, the words as written (quotes kept), for a
    caller that reads each distinct one with :func:`kernel_word`."""
    if pos:
        text = text[pos:]
    if '"' not in text:  # then each word is already name=value as the kernel reads it
        return _words(text)
    return _quoted(text, kernel_word) if unquote else _quoted_words(text)


def kernel_word(word: str) -> str:
    """One word of :data:`_QUOTED_WORD` as ``name=value``: ``join_word`` of
    :func:`_unquote`, without making the pair (a 10 MB file of distinct quoted words
    is a million of them); a word without a quote is already that."""
    if '"' not in word:
        return word
    quoted = word[0] == '"'
    body = word[1:] if quoted else word
    equals = body.find("=", 1)
    if equals > 0 and body[equals + 1 : equals + 2] == '"':  # the value's quote goes,
        last = body[-1] == '"' and len(body) > equals + 2  # and a last one after it
        return body[: equals + 1] + body[equals + 2 : -1 if last else None]
    return body[:-1] if quoted and body[-1:] == '"' else body


_word_re = None
""":data:`_QUOTED_WORD` compiled, once."""
_possessive = False
"""Whether :data:`_word_re` repeats possessively (Python 3.11 and later)."""
_SHORT = 4096
"""Text shorter than this is split by :func:`_words` when it can."""
_MEMO = 4096
"""Distinct words whose reading :func:`_quoted` remembers per text."""


def _quoted(text: str, read: Callable[[str], T]) -> list[T]:
    """``read`` of each word of text with quotes.  A long text is read once per
    distinct word (a 10 MB line of the same quoted word took seconds word by word),
    with a bounded memo, and in place: a 10 MB line of distinct words took 256 MB
    when the words, their set and their readings were kept side by side."""
    words: list = _quoted_words(text)
    if len(words) < 16:  # a line of a real file: no memo to build
        return list(map(read, words))
    memo: dict[str, T] = {}
    for i, word in enumerate(words):
        done = memo.get(word)
        if done is None:
            done = read(word)
            if len(memo) < _MEMO:
                memo[word] = done
        words[i] = done
    return words


def _quoted_words(text: str) -> list[str]:
    """The words of text with quotes as :data:`_QUOTED_WORD` delimits them, quotes
    kept.  Where no blank is inside quotes (``"nested=1" ple_gap="5"``), every blank
    ends a word: :func:`_words` splits as the expression does, at a fifth of its cost
    per short line (a file of distinct quoted lines runs it on each).  A long text
    goes to the expression (its pieces between quotes would take memory)."""
    if len(text) < _SHORT:
        inside = "".join(text.split('"')[1::2])  # between quotes, or after an open one
        if " " not in inside and inside.isprintable():  # printable: no other blank either
            return _words(text)
    global _word_re, _possessive
    if _word_re is None:
        import re
        import sys

        # possessive (Python 3.11+): the expression keeps no state per quoted piece of
        # a word to backtrack into, which took 120 bytes each (1.25 GB for a 10 MB
        # line of quotes); it never backtracks out of the repetition, so the words
        # are the same
        _possessive = sys.version_info >= (3, 11)
        _word_re = re.compile(_QUOTED_WORD + ("+" if _possessive else ""))
    if not _possessive and text.count('"') > _MANY_QUOTES:
        return _split_outside_quotes(text)
    return _word_re.findall(text)


_lines_re = None
"""``"\\n"`` or :data:`_QUOTED_WORD`, possessive, compiled once (:func:`line_words`)."""


def line_words(text: str) -> list[str]:
    """The words of ``text`` as :data:`_QUOTED_WORD` delimits them (quotes kept), and
    each ``"\\n"`` outside a word as a word of its own, in order, at C speed: a caller
    that joins lines with ``"\\n"`` (white space to the kernel) tells where each line
    ends, and a word with a ``"\\n"`` ran across lines (its quote open at the line's
    end).  Python 3.11 and later only (possessive: no state per quoted piece)."""
    global _lines_re
    if _lines_re is None:
        import re

        _lines_re = re.compile("\n|" + _QUOTED_WORD + "+")
    if 8 * text.count('"') > text.count(" ") + text.count("\n"):
        return _lines_re.findall(text)
    # few quotes for many words (a run of plain lines: the expression's matches, 0.9 us
    # a word, made it 3x slower than line by line): the text cut at its quotes, the
    # pieces outside quotes split at " " and "\n" at C speed, as _split_outside_quotes
    words: list[str] = []
    word: list[str] = []  # the pieces of the word being read
    for i, piece in enumerate(text.split('"')):
        if i % 2 or (" " not in piece and "\n" not in piece and piece.isprintable()):
            word.append(piece)  # inside quotes, or outside without a blank
            continue
        if not piece.replace("\n", " ").isprintable():  # another blank, or not sure
            return _lines_re.findall(text)
        parts = piece.replace("\n", " \n ").split(" ")
        word.append(parts[0])
        if len(parts) > 1:
            if '"'.join(word):
                words.append('"'.join(word))
            words.extend(filter(None, parts[1:-1]))
            word = [parts[-1]]
    if '"'.join(word):
        words.append('"'.join(word))
    return words


_MANY_QUOTES = 1 << 16
"""Quotes of a text past which Python 3.9 and 3.10 (no possessive repetition) split it
without the expression, whose state per quoted piece of a word would take more than
8 MB."""


def _split_outside_quotes(text: str) -> list[str]:
    """The words of :data:`_QUOTED_WORD` without the expression: ``text`` cut at its
    quotes, the pieces outside quotes (every other one, the first outside) split at
    blanks, a word's pieces joined again with their quotes.  Linear, with no memory
    per piece beyond the pieces themselves."""
    import re

    blanks = re.compile(f"[{SPACE}]+")
    words: list[str] = []
    word: list[str] = []  # the pieces of the word being read
    for i, piece in enumerate(text.split('"')):
        if i % 2 or " " not in piece and piece.isprintable():  # inside, or no blank
            word.append(piece)
            continue
        parts = blanks.split(piece)
        word.append(parts[0])
        if len(parts) > 1:
            words.append('"'.join(word))
            words.extend(parts[1:-1])
            word = [parts[-1]]
    words.append('"'.join(word))
    return [w for w in words if w]


def join_word(name: str, value: str | None) -> str:
    """``name=value`` (``name`` alone without a value), for messages."""
    return name if value is None else f"{name}={value}"
