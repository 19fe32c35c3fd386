"""Read modprobe.d configuration the way kmod does.

Used by the fake host's ``modprobe`` and by ``nested-kvm lint``: one parser, so the
linter and the tests agree on what a file means.

kmod rules reproduced here (kmod ``libkmod/libkmod-config.c``):

* only files ending in ``.conf`` are read, in lexical order of their file names
  across all config directories; a file in an earlier directory hides a file of
  the same name in a later one;
* a line is read as kmod 30's ``freadline_wrapped()`` (``shared/util.c``) reads it:
  a ``\\`` before the line's end joins the next line with nothing in between, a
  ``\\`` before any other character is dropped and that character kept (``\\\\``
  is one ``\\``), a ``\\`` at the end of the file is the byte 0xFF, and the line
  ends at a NUL byte (it is a C string from then on);
* ``#`` as a line's first character starts a comment (``kmod_config_parse()``: after
  a blank, ``#`` is a command, and the line is a bad one);
* an ``options`` line needs text after its module and the one blank or tab that
  ends it (``strtok_r(NULL, "\\0", ...)`` is NULL: "ignoring bad line");
* module names are compared with ``-`` and ``_`` treated alike;
* every ``options`` line for a module adds to its options, in file order: kmod
  joins their texts with one blank into one string (``kmod_module_get_options()``,
  ``libkmod/libkmod-module.c``), adds one more blank (``module_options_concat()``),
  and the kernel reads that string (``parse_args()``, Linux 6.1 ``kernel/params.c``):
  a quote left open on one line runs into the next, and a word ``--`` ends the
  module's parameters (:meth:`Config.options`, :func:`continue_open`).

Module options on the kernel command line (``kvm-intel.nested=1``) have two readers,
and each is used only where it is the reader:

* a module that kmod loads (the fake host's ``modprobe``, its boot-time and
  ``/dev/kvm`` autoloads, and ``nested-kvm check`` for a loadable module): kmod reads
  /proc/cmdline (``kmod_config_parse_kcmdline()``, libkmod/libkmod-config.c) and
  hands the module the options it found there; :func:`kcmdline_entries`, the one
  port of that reading, gives both what ``modprobe -c`` prints
  (:func:`kcmdline_config`) and what a load hands the module
  (:func:`cmdline_options`);
* a module built into the kernel: the kernel's ``parse_args()`` at boot reads the
  line itself (:func:`cmdline_options` with ``builtin``, :mod:`kargs`); kmod is not
  involved.
"""

from __future__ import annotations

import errno
import os
from itertools import islice

from nested_snippets.parsers import kargs
from nested_snippets.parsers.kargs import kernel_word
from nested_snippets.regular import read_regular

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    Words = list[str]
    """A line's words, command first."""

CONFIG_DIRS = (
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/usr/lib/modprobe.d",
    "/lib/modprobe.d",
)
"""The directories kmod reads, in its order: ``default_config_paths[]`` in
libkmod/libkmod.c, kmod v32 to v34 (DISTCONFDIR, ``${prefix}/lib`` by configure.ac,
before /lib; kmod v30 and v31 do not read /usr/lib/modprobe.d)."""
ALIAS_NOTE = "kmod 30 to 32 read *.alias files, kmod 33 and later do not"
"""``conf_files_filter_out()`` in libkmod/libkmod-config.c: ``.conf`` or ``.alias``
at kmod v30 to v32, ``.conf`` only at v33 and v34."""
CMDLINE = "kernel command line"
"""How :meth:`Config.options` shows the options that come from the kernel command line."""
KNOWN_COMMANDS = {"alias", "options", "install", "remove", "blacklist", "softdep", "weakdep"}


def normalize(name: str) -> str:
    """kmod's module-name normalisation: ``kvm-intel`` -> ``kvm_intel``."""
    return name.replace("-", "_")


# Plain classes (no dataclasses/pathlib): the fake host's modprobe imports this module
# in every run, and those imports would double its start-up time.
class Line:
    """One configuration line: file shown to the user, line number, command, arguments."""

    __slots__ = ("path", "lineno", "command", "args", "text")

    def __init__(
        self, path: str, lineno: int, command: str, args: tuple[str, ...], text: str | None = None
    ):
        self.path, self.lineno, self.command, self.args = path, lineno, command, args
        self.text = text
        """An ``options`` line's text that kmod hands on (:func:`options_text`), else None."""

    def __repr__(self) -> str:
        return f"Line({self.path!r}, {self.lineno}, {self.command!r}, {self.args!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Line) and (
            (self.path, self.lineno, self.command, self.args)
            == (other.path, other.lineno, other.command, other.args)
        )


class Config:
    """Parsed configuration: the lines in kmod's order, and the lines kmod ignores."""

    __slots__ = ("lines", "problems")

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.problems: list[str] = []
        """Lines kmod would ignore (it logs them and goes on), as ``path:line: why``."""

    def options(
        self, module: str, after: Sequence[str] = (), where: str = CMDLINE
    ) -> list[tuple[str, Line]]:
        """All ``options`` words for ``module`` in the order the kernel applies them,
        each with the line where it starts: the kernel reads the lines' texts joined
        (see the module's notes), so a quote left open takes the next line's text into
        its word, and the words from a ``--`` on are not applied.

        ``after``: options kmod hands on after the files' (the kernel command line's,
        :func:`cmdline_options`, then modprobe's own), as a last line shown as
        ``where`` (line 0).  They are no separate source for the kernel: kmod appends
        them to the same list of options (``kmod_config_add_options()``,
        libkmod/libkmod-config.c) and ``kmod_module_get_options()``
        (libkmod/libkmod-module.c) joins all of a module's entries with one blank
        into the one string the kernel parses (kmod tag v30), so a quote a file left
        open takes them into its word and a ``--`` in a file ends them too."""
        want = normalize(module)
        lines = [
            ln
            for ln in self.lines
            if ln.command == "options" and ln.args and normalize(ln.args[0]) == want
        ]
        if after:
            text = " ".join(after)
            words = kargs.split_words(text)  # as the kernel reads them, as args are
            lines.append(Line(where, 0, "options", (module, *words), text))
        out: list[tuple[str, Line]] = []
        if not any(ln.text and ln.text.count('"') % 2 for ln in lines):  # no open quote:
            for line in lines:  # each line's words are the kernel's
                words = line.args[1:]
                if "--" in words:
                    out.extend((word, line) for word in words[: words.index("--")])
                    return out
                out.extend((word, line) for word in words)
            return out
        carry: tuple[list[str], Line] | None = None  # an open word's pieces, its line
        for line in lines:
            text = line.text or ""
            if carry is None:
                written = kargs.split_words(text, 0, unquote=False)
                tags = [line] * len(written)
            else:
                closed = continue_open(carry[0], text)
                if closed is None:  # still open
                    continue
                written = [closed[0], *closed[1]]
                tags = [carry[1]] + [line] * len(closed[1])
                carry = None
            if written and left_open(written[-1]):  # runs into the next line
                carry = ([written.pop()], tags.pop())
            for word, tag in zip(written, tags):  # noqa: B905 (Python 3.9)
                word = kargs.kernel_word(word)
                if word == "--":
                    return out
                out.append((word, tag))
        if carry is not None:  # the blank kmod adds after the options is in the value
            out.append((kargs.kernel_word(" ".join(carry[0]) + " "), carry[1]))
        return out

    def blacklisted(self, module: str) -> bool:
        want = normalize(module)
        return any(
            ln.command == "blacklist" and ln.args and normalize(ln.args[0]) == want
            for ln in self.lines
        )


def left_open(word: str) -> bool:
    """Whether a word as written leaves a quote open (it runs to the text's end):
    ``next_arg()`` turns its quote state at each ``"``, and a word starts outside."""
    return '"' in word and word.count('"') % 2 == 1


def continue_open(pieces: list[str], text: str) -> tuple[str, list[str]] | None:
    """A word as written that leaves a quote open (``pieces``: the word, then each
    text it took so far; kmod joins them with one blank), continued by the next
    ``options`` text of its module: (the word, the words as written after it in
    ``text``), or None if it is still open at the end of ``text`` (which is then added
    to ``pieces``: no piece is joined twice, a hostile file may keep a quote open for
    a million lines).  Inside the quote up to ``text``'s first ``"``; from there on,
    outside, the word runs up to a blank, as ``next_arg()`` reads it."""
    at = text.find('"')
    if at < 0:
        pieces.append(text)
        return None
    rest = text[at + 1 :]
    if len(rest) < _SHORT and rest.isprintable() and " " not in "".join(rest.split('"')[::2]):
        # its only blank is " ", and none is outside quotes: all of ``rest`` is one word
        # (a file of distinct lines that each close the quote the line before left
        # open takes this path per line, at a third of the cost of the split below)
        if rest.count('"') % 2:  # open again, up to the text's end
            pieces.append(text)
            return None
        return " ".join([*pieces, text]), []
    after = kargs.split_words(rest, 0, unquote=False) if rest else []
    tail = after.pop(0) if after and rest[0] not in kargs.SPACE else ""
    if not after and left_open(tail):  # open again, up to the text's end
        pieces.append(text)
        return None
    return " ".join([*pieces, text[: at + 1]]) + tail, after


def options_text(line: str) -> str:
    """The text kmod hands on from an ``options`` line (a logical line whose words
    are an ``options`` command, its module, and more): what follows the module and
    the one blank or tab after it (``strtok_r``), tabs made blanks
    (``kmod_config_add_options()``: ``strchr_replace(..., '\\t', ' ')``)."""
    line = line.lstrip(_BLANKS)
    start = len(line) - len(line[7:].lstrip(_BLANKS))
    space, tab = line.find(" ", start), line.find("\t", start)
    end = space if tab < 0 else tab if space < 0 else min(space, tab)
    return line[end + 1 :].replace("\t", " ")


def parse_text(text: str, path: str = "<string>") -> Config:
    """Parse one file's text."""
    cfg = Config()
    _parse_into(cfg, text, path)
    return cfg


_SHORT = 4096
"""A line longer than this is not tested for :func:`_judge`'s short cut (a test that
copies the text between its quotes)."""
_BLANKS = " \t"
"""kmod splits a line into words at spaces and tabs only (``strtok_r(..., "\\t ")``);
the rest of an ``options`` line goes to the kernel, which splits at any white space."""


NO_OPTIONS = "'options' needs parameters after the module name"
"""Why kmod ignores ``options MODULE`` with nothing after the module and its one blank
(``kmod_config_parse()``: ``options == NULL``, "ignoring bad line")."""


def _split_line(line: str, unquote: bool = True) -> Words | str:
    """The words of one logical line without leading blanks, split as kmod splits it
    (see :func:`judged_lines` for ``unquote``), or why kmod ignores it (an
    ``options`` line without parameters: :data:`NO_OPTIONS`).  Blanks at the end are
    part of an ``options`` line's text: after a quote left open, the value's."""
    if line[:7] == "options" and line[7:8] in (" ", "\t"):
        # "options", blanks, the module, one blank: kmod hands the rest of the line to
        # the kernel, which splits it (string methods: no regular expression to compile;
        # offsets, not slices: one line may be the whole 16 MiB file)
        start = len(line) - len(line[8:].lstrip(_BLANKS))
        space, tab = line.find(" ", start), line.find("\t", start)
        end = space if tab < 0 else tab if space < 0 else min(space, tab)
        if end > start:
            if end + 1 == len(line):  # a module and one blank: no options
                return NO_OPTIONS
            text = line[end + 1 :]
            if "\t" in text:  # kmod makes tabs blanks (kmod_config_add_options())
                text = text.replace("\t", " ")
            words = kargs.split_words(text, 0, unquote)
            words[:0] = ("options", line[start:end])
            return words
        if start < len(line):  # a module, nothing after it
            return NO_OPTIONS
    return [w for w in line.replace("\t", " ").split(" ") if w]


class OpenWords(list):
    """The words as written of an ``options`` line whose last word leaves a quote open
    (it runs into the module's next line): :func:`judged_lines` with ``unquote`` false
    yields them so, and ``nested-kvm lint`` tells them by their class."""

    __slots__ = ()


def judge_line(line: str) -> Words | str:
    """What :func:`judged_text_lines` yields for ``line`` (a logical line, not blank or a
    comment) with ``unquote`` false: its words as written, or why kmod ignores it."""
    return _judge(line, False)


def _judge(line: str, unquote: bool = True) -> Words | str:
    """:func:`_judge_line`; with ``unquote`` false, the words of an ``options`` line
    whose last word leaves a quote open as :class:`OpenWords` (judged once per
    distinct line: the linter needs no test of its own per line)."""
    if not unquote and '"' in line and len(line) < _SHORT and line.isprintable():
        if " " not in "".join(line.split('"')[1::2]):
            # _judge_line's short cut, written out (a file of distinct quoted lines)
            words = line.split()  # no blank between quotes: every word has even quotes
            if len(words) > 2 and words[0] == "options" and '"' not in words[1]:
                # but the last, which leaves a quote open if the line has an odd number
                return OpenWords(words) if line.count('"') % 2 else words
        elif line[:8] == "options ":
            # a blank between quotes: _split_line's reading of an options line, written
            # out (a file of distinct lines with a blank in a quote: 2.9 s CPU for 10 MB
            # through _judge_line, _split_line and _check; review s10b)
            start = len(line) - len(line[8:].lstrip(" "))
            end = line.find(" ", start)
            module = line[start:end]
            if start < end < len(line) - 1 and "[" not in module and "]" not in module:
                words = kargs.split_words(line, end + 1, unquote=False)
                if not words:
                    return ["options", module]
                words[:0] = ("options", module)
                return OpenWords(words) if left_open(words[-1]) else words
    words = _judge_line(line, unquote)
    if (
        not unquote
        and words.__class__ is list
        and len(words) > 2
        and words[0] == "options"
        and left_open(words[-1])
    ):
        return OpenWords(words)
    return words


def _judge_line(line: str, unquote: bool = True) -> Words | str:
    """What one logical line is: its words (command first), or why kmod ignores it
    ("" for a blank or comment line, which it skips silently); see
    :func:`judged_lines` for ``unquote``."""
    if line.isprintable():  # its only blank is " "
        if '"' not in line:
            return _judge_plain(line)
        if len(line) < _SHORT and " " not in "".join(line.split('"')[1::2]):
            # no blank between quotes (or after an open one): every blank ends a word,
            # for kmod and for the kernel, which only drops some quotes of its words
            words = line.split()
            if len(words) > 2 and words[0] == "options" and '"' not in words[1]:
                if not unquote:
                    return words
                return [w if '"' not in w else kernel_word(w) for w in words]
    if not line or line[0] == "#":  # kmod: a "#" after a blank is a command
        return ""
    line = line.lstrip(_BLANKS)
    if not line:
        return ""
    return _check(_split_line(line, unquote), line)


def _judge_plain(line: str, unquote: bool = True) -> Words | str:
    """:func:`_judge` of a line without quotes whose only blank is " ": kmod's split
    at blanks and the kernel's at white space are then both :meth:`str.split`
    (``unquote`` is :func:`_judge`'s: there are no quotes to remove)."""
    words = line.split()
    if len(words) > 2 and words[0] == "options":  # the common line first
        return words
    if not words or line[0] == "#":  # kmod: a "#" after a blank is a command
        return ""
    if len(words) == 2 and words[0] == "options":  # options and a module: parameters?
        return _split_line(line.lstrip(" "))
    return _check(words, line)


def _check(words: Words | str, line: str = "") -> Words | str:
    """``words`` if kmod takes them as a command, else why it ignores the line."""
    if words.__class__ is str:
        return words
    command = words[0]
    if command not in KNOWN_COMMANDS:
        return f"ignoring bad line starting with '{command}'"
    if len(words) == 1 and command in ("options", "blacklist"):
        return f"'{command}' needs a module name"
    if command == "alias" and len(words) < 3:
        return "'alias' needs a name and a module"
    if command in _RESTS and (len(words) < 2 or not _has_rest(line)):
        return f"'{command}' needs {_RESTS[command]} after the module name"
    for name in words[1:3] if command == "alias" else words[1:2]:
        why = bad_name(name)
        if why:
            return why
    return words


_RESTS = {
    "install": "a command",
    "remove": "a command",
    "softdep": "dependencies",
    "weakdep": "dependencies",
}
"""Commands whose module must be followed by more: kmod_config_parse() ignores the line
("ignoring bad line") when ``strtok_r(NULL, "\\0", ...)`` after the module is NULL
(libkmod/libkmod-config.c, kmod v30 to v34; weakdep from v33)."""


def _has_rest(line: str) -> bool:
    """Is there text after the module of ``line`` (a command, blanks, the module) and
    the one blank or tab that ends it, as ``strtok_r(NULL, "\\0", ...)`` finds it?"""
    line = line.lstrip(_BLANKS)
    ends = [i for i in (line.find(" "), line.find("\t")) if i >= 0]
    if not ends:
        return False
    rest = line[min(ends) :].lstrip(_BLANKS)
    ends = [i for i in (rest.find(" "), rest.find("\t")) if i >= 0]
    return bool(ends) and min(ends) + 1 < len(rest)


def bad_name(name: str) -> str:
    """Why kmod's ``underscores()`` (shared/util.c, kmod v30 to v34) refuses a module
    name, which makes kmod_config_parse() ignore the line ("ignoring bad line"): a
    ``]`` that closes no ``[``, or a ``[`` that nothing closes; "" if it takes it."""
    if "[" not in name and "]" not in name:
        return ""
    i = 0
    while i < len(name):
        if name[i] == "]":
            break
        if name[i] == "[":
            i = name.find("]", i)
            if i < 0:
                break
        i += 1
    else:
        return ""
    return f"a '[' or ']' without its pair in the module name '{name}'"


def _logical_lines(text: str) -> tuple[Sequence[int], list[str]]:
    """(first line numbers, logical lines) as kmod 30's ``freadline_wrapped()``
    (``shared/util.c``) reads them: lines end at ``\\n`` only (a ``\\r`` or form feed
    is not a line break); a ``\\`` takes the next character: a newline (the lines
    join, nothing in between), any other (the ``\\`` is dropped, the character kept),
    or the end of the file (``getc()``'s EOF stored as a char: byte 0xFF); a NUL
    byte ends the line (a C string).  Linear: a line ends in a ``\\`` that takes its
    newline where it ends in an odd number of them (each takes the next character)."""
    raws = text.split("\n")
    ended = raws[-1] == ""  # the text ends with a newline
    if ended:
        raws.pop()
    if "\\" not in text:
        if "\0" in text:
            raws = [raw if "\0" not in raw else raw[: raw.index("\0")] for raw in raws]
        return range(1, len(raws) + 1), raws
    numbers: list[int] = []
    out: list[str] = []
    pending: list[str] = []
    start = 0
    last = len(raws)
    for lineno, raw in enumerate(raws, 1):
        if raw[-1:] == "\\" and (len(raw) - len(raw.rstrip("\\"))) % 2:
            if not pending:
                start = lineno
            if lineno == last and not ended:  # "\\" then EOF: (char) EOF
                pending.append(raw[:-1] + "\xff")
                break
            pending.append(raw[:-1])
            continue
        if pending:
            pending.append(raw)
            numbers.append(start)
            out.append("".join(pending))
            pending = []
        else:
            numbers.append(lineno)
            out.append(raw)
    if pending:
        numbers.append(start)
        out.append("".join(pending))
    for i, line in enumerate(out):
        if "\0" in line:  # the C string ends there (a "\\" before it takes nothing after)
            out[i] = line = line[: line.index("\0")]
        if "\\" in line:  # each "\\" takes the character after it: "\\\\" is one "\\"
            # (str.replace, left to right, pairs them as kmod's scan does; NUL, absent
            # now, holds each pair's place; no re.sub: 5 s for a 10 MB line of "\\")
            out[i] = line.replace("\\\\", "\0").replace("\\", "").replace("\0", "\\")
    return numbers, out


_SEEN = 4096
"""Distinct lines whose judgement :func:`judged_lines` remembers per file; if they
were nearly all of the first lines (a file of distinct lines), the memo is left."""


def judged_lines(text: str, unquote: bool = True) -> Iterator[tuple[int, Words | str]]:
    """:func:`judged_text_lines` without the lines."""
    for lineno, known, _line in judged_text_lines(text, unquote):
        yield lineno, known


_RUN = 1 << 20
"""Characters of a run (:func:`run_lines`) past which it takes no more lines: its
words are kept at once (some 50 bytes each), and the next line may start a run."""


def run_lines(lines: Sequence[str], start: int, prefix: str) -> int:
    """The end of the run of ``lines`` from ``start`` on: lines that start with
    ``prefix`` (``options MODULE ``), go on after it (kmod hands on their text) and
    are printable (their only blank is " "), up to some :data:`_RUN` characters.
    Told at C speed, a few lines then twice as many at a time (:func:`_all_of_run`),
    half as many after a piece that is not all of the run; line by line only in
    pieces of a few lines."""
    n = len(prefix)
    end, size, taken = start, 8, 0
    while end < len(lines) and taken < _RUN:
        piece = lines[end : end + size]
        joined = "\n".join(piece)
        if _all_of_run(joined, len(piece), prefix):
            end += len(piece)
            size *= 2
            taken += len(joined)
        elif size > 8:
            size //= 2
        else:
            for line in piece:
                if line[:n] != prefix or len(line) <= n or not line.isprintable():
                    return end
                end += 1
                taken += len(line)
    return end


def _all_of_run(joined: str, count: int, prefix: str) -> bool:
    """Whether all ``count`` lines ``joined`` with ``"\n"`` (which no line has) are of
    a run (:func:`run_lines`), told at C speed; False may also be "not told so"."""
    return (
        joined.startswith(prefix)
        and joined.count("\n" + prefix) == count - 1  # each line starts with prefix
        and prefix + "\n" not in joined  # and goes on after it (or may: False)
        and not joined.endswith(prefix)
        and joined.replace("\n", " ").isprintable()
    )


def judged_text_lines(
    text: str,
    unquote: bool = True,
    carried: Callable[[str], Words | tuple | str | None] | None = None,
    run: Callable[[str, Sequence[int], str], Iterator] | None = None,
) -> Iterator[tuple[int, Words | str, str]]:
    """(first line number, the line's words or why kmod ignores it, the logical line
    as kmod reads it) for each logical
    line of ``text`` that is not blank or a comment, in order; the words are the
    command and its arguments (shared by identical lines: not to be changed).  With
    ``unquote`` false, the words of an ``options`` line after its module are the
    kernel's words as written, quotes kept (``nested-kvm lint`` reads each distinct
    one once, with :func:`~nested_snippets.parsers.kargs.kernel_word`).
    Linear, and lean per line (a hostile file has a million): each distinct line is
    judged once (hostile files repeat one line a million times), and where the whole
    text has no double quote and no blank but " " (the common case) without testing
    each line for them.  ``carried`` (the linter's) may answer for a line not judged
    yet (the line) with the words its caller needs (an ``options`` line
    whose text only goes on with a quote an earlier line left open, whose own words
    are never read): that line is then not judged; None: it is.  A plain list it
    answers holds for the rest of the text and is remembered as the line's words;
    another answer holds for that line only: a repeat of the line is judged (and
    remembered), for an answer costs more than a look-up.  10 MB of one line repeated
    after a ``--``: lint 1.1-1.2 -> 0.65-0.72 s CPU; of one line repeated inside an
    open quote: 1.5-1.7 -> 1.3-1.4 s (in-process, least of 3, two alternated rounds
    at load 3, ad hoc; review of c8b495c).  With ``run``, an answer that is a string,
    ``options MODULE `` (a prefix of the line), starts a run: this line and the next
    ones of :func:`run_lines` are not judged, and what ``run(prefix, their numbers,
    their texts after prefix joined with "\n")`` yields is yielded for them."""
    numbers, lines = _logical_lines(text)
    plain = '"' not in text and text.replace("\n", " ").isprintable()
    judge = _judge_plain if plain else _judge
    seen: dict[str, Words | str] = {}
    once: set[str] = set()  # lines carried() answered for that line only
    pairs = zip(numbers, lines)  # noqa: B905 (Python 3.9 has no strict=)
    taken = 0  # lines that carried() answered for, neither judged nor memo's
    for lineno, raw in pairs:
        known = seen.get(raw)
        if known is None:
            if carried is not None and raw not in once:
                words = carried(raw)
                if words is not None:
                    if isinstance(words, str):  # a prefix (or a ShortRun): a run
                        count, items = _run(numbers, lines, lineno, words, run, pairs)
                        taken += count
                        yield from items
                    elif words.__class__ is list:  # it holds for the rest of the text
                        known = seen[raw] = words
                        if len(seen) >= _SEEN:
                            yield lineno, known, raw
                            break
                        yield lineno, words, raw
                    else:
                        taken += 1
                        if len(once) < _SEEN:
                            once.add(raw)
                        yield lineno, words, raw
                    continue
            known = seen[raw] = judge(raw, unquote)
            if len(seen) >= _SEEN:  # full: a file of distinct lines would only fill it
                if known:
                    yield lineno, known, raw
                break
        if known:
            yield lineno, known, raw
    else:
        return
    if lineno - taken < 2 * _SEEN:  # hardly a line repeated: the rest line by line
        for lineno, raw in pairs:
            if carried is not None:
                words = carried(raw)
                if words is not None:
                    if isinstance(words, str):  # a prefix (or a ShortRun): a run
                        yield from _run(numbers, lines, lineno, words, run, pairs)[1]
                    else:
                        yield lineno, words, raw
                    continue
            known = judge(raw, unquote)
            if known:
                yield lineno, known, raw
        return
    for lineno, raw in pairs:
        known = seen.get(raw)
        if known is None:
            known = judge(raw, unquote)
        if known:
            yield lineno, known, raw


_FEW = 16
"""Lines of a run (:func:`run_lines`) below which ``run`` is given its first line only:
a short run would cost more than its lines read one by one."""
_FEW_SHORT = 4
""":data:`_FEW` of a run whose prefix is a :class:`ShortRun`."""


class ShortRun(str):
    """A prefix that ``carried`` answers (:func:`judged_text_lines`) for a run that
    pays from :data:`_FEW_SHORT` lines on (``nested-kvm lint``'s blocks: each line of a
    short block still costs less than the line read by itself)."""

    __slots__ = ()


def _run(numbers, lines, lineno, prefix, run, pairs) -> tuple[int, Iterable]:
    """How many lines the run that starts at line ``lineno`` has (see
    :func:`judged_text_lines`), and what ``run`` gives for them, its lines taken from
    ``pairs``; of a run that a line not of it ends within :data:`_FEW` lines
    (:data:`_FEW_SHORT` for a :class:`ShortRun`), its first line only (a run that
    the text's end ends is read as a run, however short)."""
    if numbers.__class__ is range:  # no line goes on with the next: line i + 1 is i + 1
        start = lineno - numbers.start
    else:
        from bisect import bisect_left

        start = bisect_left(numbers, lineno)
    n = len(prefix)
    for line in lines[start + 1 : start + (_FEW if prefix.__class__ is str else _FEW_SHORT)]:
        if line[:n] != prefix or len(line) <= n or not line.isprintable():
            return 1, run(prefix, numbers[start : start + 1], lines[start][n:])
    end = run_lines(lines, start, prefix)
    texts = "\n".join(lines[start:end])[n:].replace("\n" + prefix, "\n")
    next(islice(pairs, end - start - 1, end - start - 1), None)  # the rest of its lines
    return end - start, run(prefix, numbers[start:end], texts)


def _parse_into(cfg: Config, text: str, path: str) -> None:
    """Add one file's lines."""
    append, problems = cfg.lines.append, cfg.problems
    for lineno, known, line in judged_text_lines(text):
        if known.__class__ is str:
            problems.append(f"{path}:{lineno}: {known}")
        elif known[0] == "options":
            append(Line(path, lineno, "options", tuple(known[1:]), options_text(line)))
        else:
            append(Line(path, lineno, known[0], tuple(known[1:])))


def kmod_reads(name: str, alias: bool = True) -> bool:
    """Does kmod read the file ``name`` of a configuration directory?  Not a name that
    starts with a dot, and only one ending in ``.conf`` or (with ``alias``, kmod 30 to
    32) ``.alias``, at least 6 characters long: ``conf_files_filter_out()`` in
    libkmod/libkmod-config.c, kmod v30 to v32 (``.conf`` or ``.alias``), v33 and v34
    (``.conf`` only); :data:`ALIAS_NOTE`.  The one rule of ``lint`` and ``check``."""
    if name[:1] == ".":
        return False
    return len(name) >= 6 and (name.endswith(".conf") or (alias and name.endswith(".alias")))


def files_in(
    root: str | os.PathLike,
    dirs: tuple[str, ...] = CONFIG_DIRS,
    problems: list[str] | None = None,
    alias: bool = False,
) -> list[tuple[str, str]]:
    """The files kmod reads under ``root`` (:func:`kmod_reads`; ``.alias`` ones only
    with ``alias``), as (shown path, real path), the first of each name, sorted by
    name; one of ``dirs`` that is a regular file is such a file itself; a directory
    that cannot be listed (mode 0700 for a user) is added to ``problems``."""
    chosen: dict[str, tuple[str, str]] = {}
    for d in dirs:
        real_dir = os.path.join(os.fspath(root), d.lstrip("/"))
        try:  # listed before testing: the fake tools' audit hook (fakehost/reads.py) sees it
            names = sorted(os.listdir(real_dir))
        except NotADirectoryError:
            # conf_files_list(): a path of the list that is not a directory is read as
            # one configuration file, under its own name (libkmod/libkmod-config.c of
            # kmod-project/kmod, commit 493dc650d687a5a3acec37ea11d0d1d073b83d5e; at
            # 84fa569b2eb3 any such path, a FIFO too, which kmod would wait on): the
            # reader refuses a FIFO or a device unopened, and that is a problem line
            name = os.path.basename(d)
            if name not in chosen and os.path.lexists(real_dir):
                chosen[name] = (d, real_dir)
            continue
        except OSError as exc:
            if exc.errno == errno.ELOOP and problems is not None:  # never a directory
                problems.append(f"{d}: cannot read: a symbolic link that cannot be followed "
                                "(too many levels of symbolic links)")  # fmt: skip
                continue
            if not os.path.isdir(real_dir):
                continue
            if problems is not None:
                problems.append(f"{d}: cannot read: {exc.strerror}")
            continue
        for name in names:
            if name not in chosen and kmod_reads(name, alias):
                real = os.path.join(real_dir, name)
                # conf_files_filter_out(): a directory (also through a link) is no
                # file and hides none ("Directories inside directories are not
                # supported"), as lint skips it
                if not os.path.isdir(real):
                    chosen[name] = (f"{d}/{name}", real)
    return [chosen[name] for name in sorted(chosen)]


MAX_FILE = 16 * 1024 * 1024
"""A modprobe.d file larger than this is not read by ``nested-kvm lint`` or ``check``,
and they say so (real ones are a few KiB; kmod has no limit)."""
MAX_CONF = 1 << 20
"""Read at most this much of one configuration file (kmod has no such limit, but a
fake host must not follow a link to /dev/zero without end)."""


def _read_text(real: str) -> str:
    """A regular file's text, capped; a FIFO, device or socket raises OSError unopened.

    One character per byte (latin-1), as ``nested-kvm lint`` reads it: kmod hands the
    bytes to the kernel, whose white space includes byte 0xA0 (see
    :data:`~nested_snippets.parsers.kargs.SPACE`), also inside a UTF-8 sequence."""
    return read_regular(real, MAX_CONF).decode("latin-1")


def read_dirs(
    root: str | os.PathLike,
    dirs: tuple[str, ...] = CONFIG_DIRS,
    read: Callable[[str], str] = _read_text,
    alias: bool = False,
) -> Config:
    """Read all configuration under ``root`` (``"/"`` for a real host).

    ``read(real_path)`` gives a file's text; the checker passes one that refuses
    FIFOs and devices and caps the size.  An OSError from it is a problem line.
    With ``alias``, ``*.alias`` files are read too, as kmod 30 to 32 do."""
    cfg = Config()
    for shown, real in files_in(root, dirs, cfg.problems, alias):
        try:
            text = read(real)
        except OSError as exc:
            cfg.problems.append(f"{shown}: cannot read: {exc.strerror}")
            continue
        _parse_into(cfg, text, shown)
    return cfg


def split_option(word: str) -> tuple[str, str | None]:
    """``nested=1`` -> (``nested``, ``1``); a bare ``nested`` -> (``nested``, None).

    As the kernel's ``next_arg()``: an ``=`` as the first character does not split
    (``=1`` is a parameter named ``=1``, ``==`` is ``=`` set to the empty string)."""
    equals = word.find("=", 1)
    return (word, None) if equals < 0 else (word[:equals], word[equals + 1 :])


def cmdline_options(cmdline: str, module: str, builtin: bool = False) -> list[str]:
    """Options for ``module`` on a kernel command line (``kvm-intel.nested=1``).

    Two readers, each where it is the one that reads the line:

    * a module that kmod loads (``builtin`` false): kmod's reading,
      :func:`kcmdline_entries` (the port that ``modprobe -c`` shows, checked against
      the real kmod by tests/realtools/test_kmod_cmdline.py), the texts of the
      ``options`` entries it adds for the module, in order and as kmod keeps them
      (quotes and all: ``nested="1"``, ``ept="1 nested=0"``), empty ones left out
      (``kmod_module_get_options()``, libkmod/libkmod-module.c, kmod v34.2, skips an
      entry of length 0).  kmod compares the module names normalised
      (``underscores()`` when it adds the entry, the module's own name normalised).
      It hands them on after the options of modprobe.d files
      (``kmod_config_new()`` calls ``kmod_config_parse_kcmdline()`` after its loop
      over the files, libkmod/libkmod-config.c, kmod 30 to v34.2), so they win, and
      the kernel splits the joined string (:meth:`Config.options`);
    * a ``builtin`` module: the kernel's own reading, ``parse_args()`` at boot
      (kernel/params.c, ``next_arg()`` in lib/cmdline.c; :func:`kargs.split_args`),
      which stops at ``--`` (the rest goes to init) and returns each word unquoted.
      A dotted word that names no built-in parameter is left "for modprobe"
      (``unknown_bootoption()``, init/main.c).

    The two differ: kmod reads past ``--`` and drops words the kernel would split
    differently (``a.b.c=1``, a quote that does not start the word or its value,
    the last word if its quote is still open at the end: see :func:`kcmdline_config`).
    """
    want = normalize(module)
    if not builtin:
        return [
            text
            for command, name, text in kcmdline_entries(cmdline)
            if command == "options" and text and name == want
        ]
    return [word.partition(".")[2] for word in builtin_words(cmdline, module)]


def builtin_words(cmdline: str, *modules: str) -> list[str]:
    """The words of a kernel command line that the kernel's ``parse_args()`` at boot
    matches against built-in ``modules``' parameters, in order, whole and unquoted as
    ``next_arg()`` gives them, the module's name as written (``kvm-intel.nested=1``):
    the parameter names of the ``__param`` section are ``kvm_intel.nested``, compared
    by ``parameq()`` with ``-`` and ``_`` alike (kernel/params.c).  It stops at
    ``--``.  :func:`cmdline_options` with ``builtin`` gives what follows the dot."""
    want = {normalize(module) for module in modules}
    out = []
    for name, value in kargs.boot_args(cmdline):
        mod, dot, opt = name.partition(".")
        if dot and opt and normalize(mod) in want:
            out.append(kargs.join_word(name, value))
    return out


KCMD_LINE_SIZE = 4096
"""kmod reads at most ``KCMD_LINE_SIZE - 1`` bytes of /proc/cmdline (``char
buf[KCMD_LINE_SIZE]`` and ``read_str_safe()``; libkmod/libkmod-internal.h, kmod v30
to v34.2)."""
_IGNORE, _MODNAME, _PARAM, _VALUE = range(4)


def _underscores(name: str) -> str | None:
    """kmod's ``underscores()`` (shared/util.c, v34.2): ``-`` becomes ``_`` outside
    ``[...]``; an unmatched bracket makes the name bad (None)."""
    out, i = [], 0
    while i < len(name):
        c = name[i]
        if c == "]":
            return None
        if c == "[":
            end = name.find("]", i)
            if end < 0:
                return None
            out.append(name[i : end + 1])
            i = end + 1
            continue
        out.append("_" if c == "-" else c)
        i += 1
    return "".join(out)


def kcmdline_config(cmdline: str) -> list[str]:
    """What kmod adds to its configuration from the kernel command line, as the
    lines ``modprobe -c`` prints for it: ``options kvm_intel nested=0`` for a word
    ``kvm-intel.nested=0``, ``blacklist NAME`` for each name of
    ``modprobe.blacklist=A,B`` (:func:`kcmdline_entries`)."""
    return [
        f"{command} {name}" if text is None else f"{command} {name} {text}"
        for command, name, text in kcmdline_entries(cmdline)
    ]


def kcmdline_entries(cmdline: str) -> list[tuple[str, str, str | None]]:
    """What kmod adds to its configuration from the kernel command line:
    ``("options", module, text)`` (the module name normalised) and
    ``("blacklist", name, None)``, in order.  :func:`kcmdline_config` shows them as
    ``modprobe -c`` does; :func:`cmdline_options` hands a module its options.

    A port of ``kmod_config_parse_kcmdline()`` and ``kcmdline_parse_result()``,
    libkmod/libkmod-config.c at kmod v34.2 (the same code, but for formatting, from
    v30): the word must be ``module.param`` with at most one dot before any ``=``
    (``a.b.c=1`` is ignored); a word without ``=`` (``quiet.x``) is taken as option
    ``x``; the value keeps its quotes, and a word quoted whole
    (``"mod.p=a b"``) is re-quoted as ``p="a b"``; a quote left open at the end
    drops the last word; a tab inside a quoted value becomes a blank; the module
    name is normalised (``underscores()``, a name with an unmatched bracket is
    ignored), a blacklisted name is not.  The line
    is /proc/cmdline's text, which ends with a newline.
    """
    raw = (cmdline + "\n").encode("utf-8", "surrogateescape")[: KCMD_LINE_SIZE - 1]
    buf = raw.decode("utf-8", "surrogateescape") + "\0"
    out: list[tuple[str, str, str | None]] = []
    state, quoted, quote_start = _MODNAME, False, -1
    modname = 0
    param = value = -1
    dot = -1
    for p, c in enumerate(buf):
        complete = False
        if c == '"':
            quoted = not quoted
            if quoted and state == _MODNAME and p == modname:
                quote_start, modname = p, p + 1
            elif state != _VALUE:
                state = _IGNORE
        elif c in "\0 \n\t\v\f\r":
            if quoted and state == _VALUE:
                pass
            elif quoted:
                state = _IGNORE
            elif state in (_VALUE, _PARAM):
                complete = True
            else:
                modname, state, quote_start = p + 1, _MODNAME, -1
        elif c == ".":
            if state == _MODNAME:
                dot, param, state = p, p + 1, _PARAM
            elif state == _PARAM:
                state = _IGNORE
        elif c == "=":
            if state == _PARAM:
                value, state = p + 1, _VALUE
            elif state == _MODNAME:
                state = _IGNORE
        if complete:
            mod, opt = buf[modname:dot], buf[param:p]
            val = buf[value:p] if state == _VALUE else None
            if 0 <= quote_start < modname and val is not None:
                opt = buf[param:value] + '"' + val  # the memmove() that re-quotes
                val = '"' + val
            _kcmdline_result(out, mod, opt, val)
            modname, state, quote_start = p + 1, _MODNAME, -1
    return out


def _kcmdline_result(
    out: list[tuple[str, str, str | None]], mod: str, opt: str, value: str | None
) -> None:
    if mod == "modprobe" and opt.startswith("blacklist="):
        out.extend(("blacklist", name, None) for name in (value or "").split(","))
        return
    name = _underscores(mod)
    if name is not None:  # else kmod logs "Ignoring bad option on kernel command line"
        # kmod_config_add_options() turns each tab of the options into a blank
        out.append(("options", name, opt.replace("\t", " ")))
