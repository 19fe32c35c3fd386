"""Read modprobe.d configuration the way kmod does.

Used by the fake host's ``modprobe`` and by ``nested-kvm lint``: one parser, so the
linter and the tests agree on what a file means.

kmod rules reproduced here (kmod ``libkmod/libkmod-config.c``):

* only files ending in ``.conf`` are read, in lexical order of their file names
  across all config directories; a file in an earlier directory hides a file of
  the same name in a later one;
* ``#`` starts a comment line, a trailing ``\\`` joins the next line;
* module names are compared with ``-`` and ``_`` treated alike;
* every ``options`` line for a module adds to its options, in file order.
"""

from __future__ import annotations

import os

from nested_snippets.parsers import kargs
from nested_snippets.parsers.kargs import kernel_word
from nested_snippets.regular import read_regular

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    Words = list[str]
    """A line's words, command first."""

CONFIG_DIRS = (
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/lib/modprobe.d",
    "/usr/lib/modprobe.d",
)
KNOWN_COMMANDS = {"alias", "options", "install", "remove", "blacklist", "softdep", "weakdep"}


def normalize(name: str) -> str:
    """kmod's module-name normalisation: ``kvm-intel`` -> ``kvm_intel``."""
    return name.replace("-", "_")


# Plain classes (no dataclasses/pathlib): the fake host's modprobe imports this module
# in every run, and those imports would double its start-up time.
class Line:
    """One configuration line: file shown to the user, line number, command, arguments."""

    __slots__ = ("path", "lineno", "command", "args")

    def __init__(self, path: str, lineno: int, command: str, args: tuple[str, ...]):
        self.path, self.lineno, self.command, self.args = path, lineno, command, args

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

    def options(self, module: str) -> list[tuple[str, Line]]:
        """All ``options`` words for ``module`` in the order kmod applies them."""
        want = normalize(module)
        out: list[tuple[str, Line]] = []
        for line in self.lines:
            if line.command == "options" and line.args and normalize(line.args[0]) == want:
                out.extend((word, line) for word in line.args[1:])
        return out

    def blacklisted(self, module: str) -> bool:
        want = normalize(module)
        return any(
            ln.command == "blacklist" and ln.args and normalize(ln.args[0]) == want
            for ln in self.lines
        )


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


def _split_line(line: str, unquote: bool = True) -> Words:
    """The words of one stripped logical line, split as kmod splits it (see
    :func:`judged_lines` for ``unquote``)."""
    if line[:7] == "options" and line[7:8] in (" ", "\t"):
        # "options", blanks, the module, one blank: kmod hands the rest of the line to
        # the kernel, which splits it (string methods: no regular expression to compile;
        # offsets, not slices: one line may be the whole 16 MiB file)
        start = len(line) - len(line[8:].lstrip(_BLANKS))
        space, tab = line.find(" ", start), line.find("\t", start)
        end = space if tab < 0 else tab if space < 0 else min(space, tab)
        if end > start:
            words = kargs.split_words(line, end + 1, unquote)
            words[:0] = ("options", line[start:end])
            return words
    return [w for w in line.replace("\t", " ").split(" ") if w]


def _judge(line: str, unquote: bool = True) -> Words | str:
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
    line = line.strip(_BLANKS)
    if not line or line[0] == "#":
        return ""
    return _check(_split_line(line, unquote))


def _judge_plain(line: str, unquote: bool = True) -> Words | str:
    """:func:`_judge` of a line without quotes whose only blank is " ": kmod's split
    at blanks and the kernel's at white space are then both :meth:`str.split`
    (``unquote`` is :func:`_judge`'s: there are no quotes to remove)."""
    words = line.split()
    if words and words[0] == "options" and len(words) > 1:  # the common line first
        return words
    return _check(words) if words and words[0][0] != "#" else ""


def _check(words: Words) -> Words | str:
    """``words`` if kmod takes them as a command, else why it ignores the line."""
    command = words[0]
    if command not in KNOWN_COMMANDS:
        return f"ignoring bad line starting with '{command}'"
    if len(words) == 1 and command in ("options", "blacklist"):
        return f"'{command}' needs a module name"
    return words


def _logical_lines(text: str) -> tuple[Sequence[int], list[str]]:
    """(first line numbers, logical lines): lines end at ``\\n`` only (kmod reads with
    getline; a ``\\r`` or form feed is not a line break), a trailing ``\\`` joins."""
    raws = text.split("\n")
    if raws[-1] == "":
        raws.pop()
    if "\\" not in text:
        return range(1, len(raws) + 1), raws
    numbers: list[int] = []
    out: list[str] = []
    pending: list[str] = []
    start = 0
    for lineno, raw in enumerate(raws, 1):
        if raw.endswith("\\"):
            if not pending:
                start = lineno
            pending.append(raw[:-1] + " ")
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
    return numbers, out


_SEEN = 4096
"""Distinct lines whose judgement :func:`judged_lines` remembers per file; if they
were nearly all of the first lines (a file of distinct lines), the memo is left."""


def judged_lines(text: str, unquote: bool = True) -> Iterator[tuple[int, Words | str]]:
    """(first line number, the line's words or why kmod ignores it) for each logical
    line of ``text`` that is not blank or a comment, in order; the words are the
    command and its arguments (shared by identical lines: not to be changed).  With
    ``unquote`` false, the words of an ``options`` line after its module are the
    kernel's words as written, quotes kept (``nested-kvm lint`` reads each distinct
    one once, with :func:`~nested_snippets.parsers.kargs.kernel_word`).
    Linear, and lean per line (a hostile file has a million): each distinct line is
    judged once (hostile files repeat one line a million times), and where the whole
    text has no double quote and no blank but " " (the common case) without testing
    each line for them."""
    numbers, lines = _logical_lines(text)
    plain = '"' not in text and text.replace("\n", " ").isprintable()
    judge = _judge_plain if plain else _judge
    seen: dict[str, Words | str] = {}
    pairs = zip(numbers, lines)  # noqa: B905 (Python 3.9 has no strict=)
    for lineno, raw in pairs:
        known = seen.get(raw)
        if known is None:
            known = seen[raw] = judge(raw, unquote)
            if len(seen) >= _SEEN:  # full: a file of distinct lines would only fill it
                if known:
                    yield lineno, known
                break
        if known:
            yield lineno, known
    else:
        return
    if lineno < 2 * _SEEN:  # hardly a line repeated: the rest is judged line by line
        for lineno, raw in pairs:
            known = judge(raw, unquote)
            if known:
                yield lineno, known
        return
    for lineno, raw in pairs:
        known = seen.get(raw)
        if known is None:
            known = judge(raw, unquote)
        if known:
            yield lineno, known


def _parse_into(cfg: Config, text: str, path: str) -> None:
    """Add one file's lines."""
    append, problems = cfg.lines.append, cfg.problems
    for lineno, known in judged_lines(text):
        if known.__class__ is str:
            problems.append(f"{path}:{lineno}: {known}")
        else:
            append(Line(path, lineno, known[0], tuple(known[1:])))


def files_in(
    root: str | os.PathLike, dirs: tuple[str, ...] = CONFIG_DIRS, problems: list[str] | None = None
) -> list[tuple[str, str]]:
    """The ``.conf`` files kmod reads under ``root``, as (shown path, real path); a
    directory that cannot be listed (mode 0700 for a user) is added to ``problems``."""
    chosen: dict[str, tuple[str, str]] = {}
    for d in dirs:
        real_dir = os.path.join(os.fspath(root), d.lstrip("/"))
        try:  # listed before testing: the fake tools' audit hook (fakehost/reads.py) sees it
            names = sorted(os.listdir(real_dir))
        except OSError as exc:
            if not os.path.isdir(real_dir):
                continue
            if problems is not None:
                problems.append(f"{d}: cannot read: {exc.strerror}")
            continue
        for name in names:
            if name.endswith(".conf") and name not in chosen:
                chosen[name] = (f"{d}/{name}", os.path.join(real_dir, name))
    return [chosen[name] for name in sorted(chosen)]


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
) -> Config:
    """Read all configuration under ``root`` (``"/"`` for a real host).

    ``read(real_path)`` gives a file's text; the checker passes one that refuses
    FIFOs and devices and caps the size.  An OSError from it is a problem line."""
    cfg = Config()
    for shown, real in files_in(root, dirs, cfg.problems):
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


def cmdline_options(cmdline: str, module: str) -> list[str]:
    """Options for ``module`` on a kernel command line (``kvm-intel.nested=1``).

    kmod hands these to the module before the options of modprobe.d files; a
    built-in module gets them from the kernel itself.
    """
    want = normalize(module)
    out = []
    for name, value in kargs.split_args(cmdline):
        if name == "--" and value is None:
            break  # the rest goes to init, not to the kernel
        mod, dot, opt = name.partition(".")
        if dot and opt and normalize(mod) == want:
            out.append(kargs.join_word(opt, value))
    return out
