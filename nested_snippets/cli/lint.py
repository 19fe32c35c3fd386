"""``nested-kvm lint``: modprobe.d files against the kernel's KVM parameters.

Findings print as ``FILE:LINE: error|warning: message`` (line 1 for findings about a
whole file).  Exit status: 0 no errors (warnings allowed), 1 errors, 2 an input
could not be read or the kernel version is unknown.

Performance design (issue 15: a hostile 10 MB file, some 400 000 lines, in at most
2 s; ``tools/bench_lint.py`` measures it).  One pass over the lines the parser
yields (:func:`~nested_snippets.parsers.modprobe_conf.judged_lines`), and per line
only look-ups, no object of its own:

* the parser yields an ``options`` line's words as written, quotes kept, split at
  C speed (``str.split`` where no blank is between quotes, else one regular
  expression); a file of distinct lines leaves its memo of lines once it is full;
* lint's loop reads a line's words in place (a 16 MiB line's words are not copied);
* each distinct word of a module, as written, is judged once (memo of :data:`CACHE`
  words): its quotes are read then (:func:`kargs.kernel_word`), and the verdict is
  the parameter and its value as stored, or *what* is wrong, and the word as the
  kernel reads it, which the loop compares (a word read alike right after itself is
  skipped, a wrong one reported once per line);
* a parameter's state is its first two values, so a conflict is found in constant
  time; the last setting is kept for kvm's parameters only (s390's hpage check);
* a finding is counted under *what* it is (a tuple such as ``("unknown", module,
  name)``), not under its message: past :data:`SHOWN` distinct findings, a new one
  is only counted, by the loop itself (the printed errors are a set by then, and a
  conflict is told by its word before its tuple is made), as is a finding printed
  :data:`REPEAT` times; of a line of more than :data:`LONG` words, each piece of
  :data:`LONG` words is read at once (:meth:`Linter.pieces`): its words' readings
  (:func:`kargs.kernel_word` of a word with a quote: re.sub's template costs a
  call per word on Python 3.11 too) and names (one expression); those whose names
  are a parameter's, a printed one's or ``--`` go to the loop, the others are
  counted at once by how much the line's set of wrong readings grows (a piece whose
  words all go to the loop is read word by word, and so are the next 1, 2, 4... up
  to 64 pieces);
* what depends on a module's other lines (kmod joins them: a quote left open, a
  ``--``) is read by :meth:`Linter.across_lines`, only for a line with an odd number
  of quotes or once such a line or a ``--`` was met;
* a line that goes on with a quote an earlier line of its module left open starts a
  *run*: it and the module's next ``options`` lines, as written and printable (from
  16 lines, a shorter run costs more than it saves: then no run is tried for twice
  as many such lines each time; up to 1 MiB; told at C speed,
  :func:`~nested_snippets.parsers.modprobe_conf.run_lines`), are not judged by
  the parser; :meth:`Linter.read_run` splits their texts joined
  with ``"\n"`` at once (:func:`kargs.line_words`: the kernel's word expression,
  each ``"\n"`` outside a word a line's end), judges a word across lines where it
  starts, and hands the loop each line's other words, so that the findings are found
  in the same order as line by line (what :data:`SHOWN`, :data:`REPEAT`, a
  conflict's first values and a ``--`` depend on; ``tests/cli/test_lint_runs.py``
  compares the two on random files).  Python 3.11 and later (:data:`RUNS`: the
  expression is possessive); before, line by line;
* the lines of a module after a ``--`` that ended its parameters are a run the same
  way: each has one warning, added at once (:meth:`Linter.after_dashes`: past
  :data:`REPEAT` of them, or :data:`SHOWN` findings, a count);
* past :data:`SHOWN` distinct findings (an error among them), where a finding is
  only counted, a plain line (printable, no quote) of a module with data that has no
  word left open and no ``--``, whose own words would be counted (below), starts a
  *block*: it and the next ``options`` lines, of any modules (:data:`BLOCK`; as a
  run's, :func:`~nested_snippets.parsers.modprobe_conf.run_lines`, but from 4
  lines: :class:`~nested_snippets.parsers.modprobe_conf.ShortRun`), are not judged
  by the parser; :meth:`Linter.count_lines` hands the loop their lines with a quote,
  as the parser judges them, and counts each piece of up to :data:`LONG` lines
  between them at once (:meth:`Linter.counted`) if the loop would only count what
  it finds there: each of its modules has data and no word open; the words of those
  without a ``--`` are all new wrong ones (:meth:`Linter.new_unknowns`); a line of
  one after a ``--`` is a warning no longer printed.  Else it hands the loop the
  piece's lines too (then the next 1, 2, 4... up to 64 pieces are not tried: a
  parameter on each line).  Modules that take turns line by line (16 lines of
  kvm_intel, one of kvm; lines of a module after its ``--`` between another's) are
  one block, not one per module.  After a line that starts no block (nor a run after
  a ``--``), or one of one line, none is tried for 1, 2, 4... up to 1024 lines (only
  a line where a quote goes on is answered for).  Past :data:`SHOWN` findings, the
  lines of a run after the end of a line that leaves no word open are such a block
  (:meth:`Linter.read_run`), if few of them have a quote;
* messages, and the did-you-mean searches (difflib), are made in
  :meth:`Linter.finish` for the printed findings only.

``tests/cli/test_lint_runs.py`` and ``tests/cli/test_lint_blocks.py`` compare these
devices with judging every line, word by word, on random files and the bench's
shapes, ``tests/cli/test_lint_mixed_blocks.py`` blocks of several modules with a
reference written there.  Measured (branch lint14, 2026-12-03; earlier sessions'
figures are in this docstring's git history), main (bc65f16, then 314aa73: the same
lint) and this branch (19075cd, then this code) by turns on each 10 MB file, least
CPU time of 3 runs of the whole command (bytecode cached; tools/bench_lint.py's
files), two rounds at load 1.6 to 5.2 on 2 shared cores: 16 lines of kvm_intel then 1 of kvm
1.61/1.54 -> 0.85/0.74 s; a ``--`` every 30 lines of another module 1.91/1.97 ->
0.82/0.74 s; a quote opened and closed every 20 lines 0.93/0.86 -> 1.19/0.93 s (in
process, 5 runs by turns at load 2 to 3: 0.70-0.75 -> 0.78-0.81 s: a call per piece
of 18 lines); the other 26 patterns unchanged within the noise (a third either way).
Outputs byte-identical (and exit status) for all 29 bench patterns at 10 and 2.5 MB.
What is left: patterns of 1.3 to 2.0 s CPU in those rounds, the same on main:
the 3-byte name lines (a set of the line's 2.5 M wrong readings, 0.45 s, after
hashing each new word, 0.3 s, and splitting them, 0.3 s), distinct far module names
and distinct open quotes with a blank (CPython's cost per line: no block, no run
counts them), distinct uppercase KVM names; and the start-up, some 0.13 s CPU of
which 0.04 s are dataclasses (``nested_snippets.kernel``: inspect, and making the
classes).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, islice, repeat
from operator import contains, itemgetter, length_hint
from pathlib import Path

from nested_snippets import arches, kernel, suggest
from nested_snippets.cli import params, probes
from nested_snippets.cli.errors import CliError
from nested_snippets.cli.escape import WIDTH, clip, escape, shorten
from nested_snippets.cli.hostfs import HostFS, links_to_null, read_regular
from nested_snippets.kernel import messages
from nested_snippets.parsers import kargs, modprobe_conf, values
from nested_snippets.parsers.modprobe_conf import normalize

KVM_MODULES = arches.module_arches()
"""Modules checked against kernel data -> their architecture (None: the host's)."""
OTHER_KVM = params.OTHER_KVM
"""Real modules with kvm-like names that this tool has no data for: not typos."""
REPEAT = 20
"""The same finding in one file is printed this often; the rest are counted."""
CACHE = 4096
"""Entries of each memo (modules as written, judged words of a module): a file of
distinct words only fills a memo, and each lookup in a large dict is a cache miss."""
LONG = 1024
"""Words of an ``options`` line past which, once :data:`SHOWN` distinct findings are
kept, lint tries to count the rest of them at once (:meth:`Linter.new_unknowns`)."""
SHOWN = 200
"""Distinct findings printed per run.  Past them a finding is only counted, and one
note at the end says how many were left out: a file of a million distinct mistakes
would print tens of megabytes that no one reads.  It also bounds the did-you-mean
searches (difflib, 0.1 ms each), which run only for findings that are printed."""
SEARCHES = 1000
"""Distinct module names without data compared with KVM's names (difflib, about
0.1 ms each) per run, whatever the findings: a file of distinct far names (``options
zq1wv p=1``...) finds nothing, so :data:`SHOWN` never bounds them (7 s for 10 MB).
Past them a new name is counted as not compared, and one note says so."""
IGNORED_FILE = "kmod reads only files ending in .conf: this file is ignored"
IGNORED_ALIAS = (
    "kmod 33 and later read only files ending in .conf: this file is ignored "
    "(kmod 30 to 32 read a directory's *.alias files too)"
)
"""conf_files_filter_out() in libkmod/libkmod-config.c: ``.conf`` or ``.alias`` at kmod
tags v30 to v32, ``.conf`` only at v33 and v34."""
What = "str | tuple"
"""A finding as :class:`Linter` counts it: its message, or a tuple, kind first, from
which :meth:`Linter.message` makes the message of a printed finding."""
RUNS = sys.version_info >= (3, 11)
"""Whether :meth:`Linter.lint_text` reads a module's lines that go on with an open quote
as a run (:meth:`Linter.read_run`): the possessive expression of
:func:`kargs.line_words` keeps no state per quoted piece of a word."""
_NAME = re.compile("(.[^=\n]*)[^\n]*")
""":func:`names`' expression (argparse imports re)."""
_FIRST = itemgetter(0)
BLOCK = modprobe_conf.ShortRun("options ")
"""What :meth:`Linter.lint_text` answers the parser for a line that starts a *block*
(:meth:`Linter.count_lines`): it and the next ``options`` lines, of any modules."""


def names(words: list[str], joined: str) -> list[str]:
    """The name of each of ``words`` (none empty, none with ``"\\n"``; ``joined``: the
    words joined with ``"\\n"``) as the kernel reads it: up to the first "=" after the
    first character.  Told by :meth:`str.partition` (a call each, but no search of
    each character) where no word starts with "=", else by one expression."""
    if "=" not in joined:
        return words
    if joined[0] == "=" or "\n=" in joined:
        return _NAME.findall(joined)
    return list(map(_FIRST, map(str.partition, words, repeat("="))))


MAX_FILE = modprobe_conf.MAX_FILE
"""A modprobe.d file larger than this is not read (real ones are a few KiB)."""


def render(findings: list[tuple[str, int, str, str]]) -> str:
    """The findings as lines, sorted by file and line, control characters escaped.

    Escapes each distinct path and message once: a hostile file repeats them."""
    cache: dict[str, str] = {}

    def esc(text: str) -> str:
        done = cache.get(text)
        if done is None:
            done = cache[text] = escape(text)
        return done

    ordered = sorted(findings, key=lambda f: (f[0], f[1]))
    return "".join(f"{esc(p)}:{n}: {level}: {esc(m)}\n" for p, n, level, m in ordered)


def shown(content: str) -> str:
    """A piece of a file as output shows it: :func:`run` gives :meth:`Linter.lint_text`
    the file's bytes one character per byte (latin-1), as kmod and the kernel split
    bytes (byte 0xA0 is white space to the kernel, also inside UTF-8); shown, the
    bytes are UTF-8 again (invalid ones as U+FFFD).  Text given as such (not
    latin-1, from a caller that decoded it) is shown as it is."""
    if content.isascii():
        return content
    try:
        return content.encode("latin-1").decode("utf-8", errors="replace")
    except UnicodeEncodeError:
        return content


def judge(module: str, params: dict[str, kernel.Param], word: str, extra: str) -> tuple:
    """The verdict on ``word`` as written (its quotes kept): ((module, parameter),
    value as stored, word) or (None, what is wrong, word), the word as the kernel
    reads it (:func:`kargs.kernel_word`); ``params`` are the module's parameters by
    normalized name, ``extra`` the first letters a bool takes in the release besides
    :data:`values.STEADY` (:func:`kernel.bool_letters`).  Made for each distinct word
    of a hostile file: :func:`split_option`, :func:`normalize` and :func:`clip` are
    written out (a call costs more than their work), and a decimal number that sysfs
    prints as written skips :func:`values.parse`."""
    if '"' in word:
        word = kargs.kernel_word(word)
    equals = word.find("=", 1)
    if equals < 0:
        raw = word
        p = params.get(raw if "-" not in raw else raw.replace("-", "_"))
        if p is None:
            return None, ("unknown", module, raw if len(raw) <= WIDTH else clip(raw)), word
        value = None
    else:
        raw = word[:equals]
        p = params.get(raw if "-" not in raw else raw.replace("-", "_"))
        if p is None:
            return None, ("unknown", module, raw if len(raw) <= WIDTH else clip(raw)), word
        value = word[equals + 1 :]
        digits = values.KEPT_DIGITS.get(p.type)
        if (
            digits
            and value.isdigit()
            and value.isascii()
            and value[0] != "0"
            and len(value) <= digits
        ):
            return (module, p.name), value, word
    try:
        return (module, p.name), values.parse(p.type, value, extra), word
    except values.InvalidValue as exc:  # EINVAL, or ERANGE for a number
        return None, ("invalid", module, p.name, p.type, value, exc.errno_name), word


def unknown_name(module: str, params: dict[str, kernel.Param], word: str) -> tuple | None:
    """:func:`judge`'s verdict on ``word`` as written when its name is unknown, told
    without reading the value (the kernel reads a name as written, only a value loses
    its quotes: a file of distinct words across lines is a million of them); None if
    the name is known or has a quote (then :func:`judge` it)."""
    equals = word.find("=", 1)
    if equals < 0 or word[0] == '"' or '"' in word[:equals]:
        return None
    raw = word[:equals]
    if params.get(raw if "-" not in raw else raw.replace("-", "_")) is not None:
        return None
    return "unknown", module, raw if len(raw) <= WIDTH else clip(raw)


class Carried(tuple):
    """(``options``, module as written, its text) of a line whose text goes on with a
    word an earlier line left open: the parser did not judge it (see
    :meth:`Linter.lint_text`; with :data:`RUNS`, such a line starts a run instead)."""

    __slots__ = ()


class RunWords(list):
    """``options``, module as written and the words that start and end on one line of
    a run (:meth:`Linter.read_run`): :meth:`Linter.lint_text`'s loop reads them as
    they are (what depends on the module's other lines is read already)."""

    __slots__ = ()


class Linter:
    def __init__(self, version: str, arch: str):
        self.version = version
        self.arch = arch
        self.bool_extra = kernel.bool_letters(version)
        """The first letters a bool parameter takes in ``version`` besides those every
        release takes (``nested=t`` from the release whose kstrtobool() reads t)."""
        self.findings: list[tuple[str, int, str, str]] = []
        """(path, line, level, message) of each printed finding; until :meth:`finish`,
        the message may still be a :data:`What` tuple."""
        self.first: dict[tuple[str, str], tuple] = {}
        """(module, parameter) -> (value, place) or (value, place, value, place): its
        first two values as stored, each with the (path, line, word) where kmod first
        met it.  A conflict is found in constant time: the first earlier value that
        differs from any value is one of them."""
        self.last: dict[tuple[str, str], tuple[str, int, str, str]] = {}
        """(module, parameter) -> (path, line, word, value as stored) of its last setting,
        for kvm's parameters (:meth:`s390_hpage` reads two of them)."""
        self.repeats: dict[tuple[str, str, What], int] = {}
        """(path, level, what) -> how often it was found (printed: :data:`REPEAT`)."""
        self.shown_until: dict[tuple[str, str, What], int] = {}
        """(path, level, what) -> the line of its last printed occurrence."""
        self.left_out: dict[str, int] = {}
        """level -> findings past :data:`SHOWN` distinct ones, counted, not kept."""
        self.first_left_out: tuple[str, int] | None = None
        """(path, line) of the first finding left out by :data:`SHOWN`."""
        self.errors = False
        """Whether any error was found, printed or not (the exit status)."""
        self.unsearched: dict[str, tuple[str, int]] = {}
        """Module name without data -> (path, line) where first seen, for names not
        compared with KVM's: past :data:`SHOWN` findings, once an error already
        decides the exit status, or past :data:`SEARCHES` names (difflib is slow)."""
        self.unsearched_why = ""
        """Why the first name of :attr:`unsearched` was not compared."""
        self._modules: dict[tuple[str, str], kernel.ModuleData | None] = {}
        self._bases: dict[str, tuple] = {}
        """module as written -> :meth:`_base`'s answer, with its memo of judged words."""
        self._unknown: dict[str, str] = {}
        """module name as written -> :meth:`unknown_message` (difflib is slow)."""
        self.opened: dict[str | tuple[str, str], tuple[list[str], str, int]] = {}
        """module (or (path, module) in a file kmod does not read) -> (its word as
        written that leaves a quote open and the texts it took so far, path, line):
        the module's next line goes on with it (:func:`modprobe_conf.continue_open`)."""
        self._stops: dict[tuple[str, str], set[str]] = {}
        """(path, module) -> :meth:`stop_names`, made once past :data:`SHOWN` findings
        (the printed ones no longer change): a block may start every few lines."""
        self.ended: dict[str | tuple[str, str], tuple[str, int]] = {}
        """module (or (path, module)) -> (path, line) of the ``--`` that ended its
        parameters: the kernel reads none after it."""
        self.builtin = arches.builtin_names(arch)
        """Modules built into ``arch``'s kernels (arm64's ``kvm``): kmod never loads
        them, so no ``options`` line reaches them (an error once per file)."""
        self.builtin_told: set[tuple[str, str]] = set()
        """(path, module) of the built-in modules already said to be so in a file."""

    def add(self, path: str, line: int, level: str, what: What) -> None:
        """Record a finding; after :data:`REPEAT` of the same one in a file, or past
        :data:`SHOWN` distinct ones, only count it."""
        key = (path, level, what)
        seen = self.repeats.get(key)
        if seen is None:
            if level == "error":
                self.errors = True
            if len(self.repeats) >= SHOWN:
                self.left_out[level] = self.left_out.get(level, 0) + 1
                if self.first_left_out is None:
                    self.first_left_out = (path, line)
                return
            seen = 0
        self.repeats[key] = seen + 1
        if seen < REPEAT:
            self.findings.append((path, line, level, what))
            self.shown_until[key] = line

    def module_data(self, name: str, arch: str | None = None) -> kernel.ModuleData | None:
        """The data of a KVM module (of ``arch``, else the one it belongs to or the
        checked one), None if there is none; looked up once."""
        arch = arch or KVM_MODULES[name] or self.arch
        if (arch, name) not in self._modules:
            try:
                self._modules[arch, name] = kernel.module(arch, name, self.version)
            except kernel.KernelDataError:
                self._modules[arch, name] = None
        return self._modules[arch, name]

    def lint_text(self, path: str, text: str) -> None:
        """Lint one file's text (shown as ``path``): one pass over its lines as the
        parser yields them.  Per ``options`` word there is a look-up of its verdict
        (judged once per distinct word of a module) and of its parameter's state; a
        word repeated right after itself is skipped (the kernel sets the same value),
        a wrong word is reported once per line.  Once :data:`SHOWN` distinct findings
        are kept, a new error is counted here without a call of :meth:`add`."""
        read_by_kmod = path.endswith(".conf")
        if not read_by_kmod:
            self.add(path, 1, "warning", IGNORED_ALIAS if path.endswith(".alias") else IGNORED_FILE)
        add, modules, first, last = self.add, self._bases, self.first, self.last
        repeats = self.repeats
        # past SHOWN distinct findings, once an error is found, add() only counts a new one
        crowded = self.errors and self.first_left_out is not None
        shown = conflicts = None  # once crowded: self.printed_errors(path)
        counted = 0  # new errors past SHOWN, for self.left_out
        opened, ended = self.opened, self.ended
        runs = RUNS
        wait, backoff = 0, 1  # lines that go on with a quote before the next run is tried
        lull, pause = 0, 1  # the same for a block (plain lines past SHOWN: count_lines)
        stops: dict = {}  # module -> its stop_names(): the same past SHOWN findings

        def carried(raw: str) -> list[str] | str | None:
            """The words lint needs of a plain ``options`` line of a module with data whose
            own words are never read, so that the parser need not judge it: where a quote
            an earlier line left open goes on with its text (kmod joins the module's
            texts with a blank), :class:`Carried` (command, module, text), which
            :meth:`across_lines` reads (a file of distinct lines that each close and
            open a quote: a third of lint's time).  None: judge it.  With
            :data:`RUNS`, a line where a quote goes on starts a run instead: its
            ``options MODULE `` (:meth:`read_run` reads the run), but for ``wait``
            such lines after a run too short to pay (twice as many each time).  A line
            after a ``--`` starts a run of such lines the same way (:meth:`after_dashes`),
            and past :data:`SHOWN` distinct findings, a plain line (no quote) of a module
            with data, neither open nor ended, whose own words would be counted, starts
            a *block* (:meth:`count_lines`: the next lines of any modules); for ``lull``
            lines after a line that started none or one of one line (``pause``: twice as
            many each time), only a line where a quote goes on is answered for."""
            nonlocal lull, pause
            if lull:
                lull -= 1
                return answer(raw, False, False) if opened else None
            counting = self.errors and self.first_left_out is not None
            if not (opened or ended or counting):
                return None
            words = answer(raw, True, counting)
            if words.__class__ is not str:  # none started: none tried for a while
                lull, pause = pause, min(2 * pause, 1024)
            return words

        def answer(raw: str, tries: bool, counting: bool) -> list[str] | str | None:
            """:func:`carried`'s answer; ``tries``: a run after a ``--`` may start, and
            with ``counting`` (past :data:`SHOWN` findings, an error among them) a block."""
            nonlocal wait
            if raw[:8] != "options " or raw[8:9] == " ":
                return None
            end = raw.find(" ", 8)
            if end < 0 or end + 1 >= len(raw) or not raw.isprintable():
                return None  # no text after the module and its blank: kmod ignores it
            base = modules.get(raw[8:end])  # a name judged before, with data
            if base is None or base[1] is None:
                return None
            if base[0] in self.builtin and (path, base[0]) not in self.builtin_told:
                return None  # the loop says it is built in
            key = base[0] if read_by_kmod else (path, base[0])
            if key in opened:  # the text after the module goes on with the open word
                if runs and not wait:
                    return raw[: end + 1]
                if wait:
                    wait -= 1
                return Carried(("options", raw[8:end], raw[end + 1 :]))
            if key in ended:  # after a "--": a run of such lines (after_dashes())
                return raw[: end + 1] if tries else None
            if not counting or '"' in raw:
                return None
            stop = stops.get(key)  # what keeps a block's words from being counted
            if stop is None:
                stop = stops[key] = self.stop_names(path, base[0], base[1])
            if not stop or not self.new_unknowns(raw[end + 1 :].split(), stop):
                return None  # not even this line would be counted (a parameter on each?)
            return BLOCK  # a block of lines of any modules: count_lines()

        def run(prefix: str, numbers: Sequence[int], texts: str) -> Iterable:
            """The lines of a run for the loop (:meth:`read_run`); of a run too short
            to pay, its first line as :class:`Carried`; the same of a block
            (:meth:`count_lines`), of one too short to pay, its first line judged; of
            lines after a ``--``, nothing (:meth:`after_dashes` adds their warnings)."""
            nonlocal wait, backoff, lull, pause
            if prefix is BLOCK:  # a block
                if len(numbers) == 1:
                    lull, pause = pause, min(2 * pause, 1024)
                    line = prefix + texts
                    return ((numbers[0], modprobe_conf.judge_line(line), line),)
                lull, pause = 0, 1
                return self.count_lines(path, numbers, texts, read_by_kmod)
            module = self._bases[prefix[8:-1]][0]
            key = module if read_by_kmod else (path, module)
            if key in ended:  # lines after a "--": a warning each
                if len(numbers) == 1:
                    lull, pause = pause, min(2 * pause, 1024)
                else:
                    lull, pause = 0, 1
                self.after_dashes(path, module, numbers, ended[key])
                return ()
            if len(numbers) == 1:
                wait, backoff = backoff, min(2 * backoff, 1024)
                return ((numbers[0], Carried(("options", prefix[8:-1], texts)), ""),)
            backoff = 1
            return self.read_run(path, prefix[8:-1], numbers, texts, read_by_kmod)

        for lineno, words, line in modprobe_conf.judged_text_lines(
            text, unquote=False, carried=carried, run=run
        ):
            if words.__class__ is str:
                add(path, lineno, "warning", ("ignored", words))
                crowded = self.errors and self.first_left_out is not None
                continue
            command = words[0]
            if command != "options":
                module = normalize(words[1]) if len(words) > 1 else ""
                if module in KVM_MODULES and command in ("blacklist", "install"):
                    add(path, lineno, "warning", (command, module))
                    crowded = self.errors and self.first_left_out is not None
                continue
            base = modules.get(words[1])
            if base is None:
                base = self._base(words[1])
                if len(modules) < CACHE:
                    modules[words[1]] = base
            module, params, judged = base
            if module in self.builtin and (path, module) not in self.builtin_told:
                self.builtin_told.add((path, module))
                add(path, lineno, "error", ("builtin", module))
                crowded = self.errors and self.first_left_out is not None
            if params is None:
                self.without_data(path, lineno, words[1], module)
                crowded = self.errors and self.first_left_out is not None
                continue
            if words.__class__ is list and (opened or ended):  # the module's, maybe
                state = module if read_by_kmod else (path, module)
                across = state in opened or state in ended
            else:  # OpenWords, Carried, RunWords (read already): across lines
                across = words.__class__ is not list
            if across:
                if words.__class__ is not RunWords:  # (a run's line is read already)
                    words = self.across_lines(path, lineno, words, line, module, read_by_kmod)
                crowded = self.errors and self.first_left_out is not None
                if words is None:
                    continue
            previous = written = wrong = None
            kvm = module == "kvm"
            whole = False  # a long line read word by word: pieces once crowded
            if len(words) > LONG and crowded:  # pieces of its words may be counted at once
                wrong = set()  # shared with self.pieces(), which adds the counted words
                rest = self.pieces(path, module, params, words, wrong, 2)
            elif len(words) > LONG:
                whole = True
                rest = iter(words)  # how many words are left: length_hint(rest)
                next(rest)
                next(rest)
            else:
                rest = islice(words, 2, None)  # no copy of a 16 MiB line's words
            while rest is not None:  # a second time: the rest of a long line, in pieces
                more, rest = rest, None
                for word in more:
                    if word == written:  # the word before as written: read alike
                        continue
                    written = word
                    verdict = judged.get(word)
                    if verdict is None:
                        verdict = judge(module, params, word, self.bool_extra)
                        if len(judged) < CACHE:
                            judged[word] = verdict
                    key, what, word = verdict  # word: as the kernel reads it
                    if word == previous:
                        continue
                    previous = word
                    if key is None:  # what is wrong
                        if word == "--":  # the kernel reads no further parameter
                            self.dashes(path, lineno, module, read_by_kmod)
                            crowded = self.errors and self.first_left_out is not None
                            break
                        if wrong is None:
                            wrong = {word}
                        elif word in wrong:
                            continue
                        else:
                            wrong.add(word)
                    else:  # what is the value as stored
                        if kvm:
                            last[key] = (path, lineno, word, what)
                        if not read_by_kmod:
                            continue
                        kept = first.get(key)
                        if kept is None:  # its first setting
                            first[key] = (what, (path, lineno, word))
                            continue
                        if what == kept[0]:
                            if len(kept) == 2:  # the only value again
                                continue
                            where = kept[3]
                        else:
                            where = kept[1]
                            if len(kept) == 2:  # the second value
                                first[key] = (*kept, what, (path, lineno, word))
                        if crowded:
                            if shown is None:
                                shown, conflicts = self.printed_errors(path)
                            if word not in conflicts:  # not a printed conflict: counted
                                counted += 1
                                continue
                        what = ("conflict", module, word, where)
                    if crowded:  # what add() would do, without the call
                        if shown is None:
                            shown, conflicts = self.printed_errors(path)
                        if what not in shown:  # a new finding past SHOWN: counted
                            counted += 1
                            continue
                    error = (path, "error", what)
                    seen = repeats.get(error)
                    if seen is not None and seen >= REPEAT:  # printed REPEAT times: counted
                        repeats[error] = seen + 1
                        continue
                    add(path, lineno, "error", what)
                    crowded = self.errors and self.first_left_out is not None
                    if crowded and whole:  # SHOWN reached on a long line: the rest
                        whole = False  # of it in pieces
                        if wrong is None:
                            wrong = set()
                        at = len(words) - length_hint(more)
                        rest = self.pieces(path, module, params, words, wrong, at)
                        break
        if counted:
            self.left_out["error"] = self.left_out.get("error", 0) + counted
        if not read_by_kmod:  # kmod reads no more of this file's modules
            for key in [k for k in opened if k.__class__ is tuple and k[0] == path]:
                self.close_open(key)

    def across_lines(
        self, path: str, lineno: int, words: list[str], line: str, module: str, read_by_kmod: bool
    ) -> list[str] | None:
        """What the kernel reads of an ``options`` line of ``module`` (a module with
        data) that depends on the module's other lines: kmod joins their texts with a
        blank (see :mod:`~nested_snippets.parsers.modprobe_conf`), so the words after a
        ``--`` are not read (a warning), a word whose quote an earlier line left open
        takes this line's text (judged where it starts), and a word left open here
        waits for the next line.  The words the loop is to read (command and module
        first), or None.  State per module for the files kmod reads, per file and
        module for the others."""
        key = module if read_by_kmod else (path, module)
        dashes = self.ended.get(key)
        if dashes is not None:
            self.add(path, lineno, "warning", ("after_dashes", module, dashes))
            return None
        carry = self.opened.get(key)
        if carry is not None:
            pieces, cpath, cline = carry
            if words.__class__ is Carried:  # printable: its only blank is " "
                text = words[2]
                at = text.find('"')
                if at >= 0 and '"' not in text[at + 1 :]:  # it closes the open word:
                    rest = text[at + 1 :].split(" ")  # the word runs to the next blank
                    closed = " ".join(pieces) + " " + text[: at + 1] + rest[0], rest[1:]
                else:
                    closed = modprobe_conf.continue_open(pieces, text)
            else:
                closed = modprobe_conf.continue_open(pieces, modprobe_conf.options_text(line))
            if closed is None:  # still open: it waits again (this text added)
                return None
            del self.opened[key]
            word, rest = closed
            if self.one_word(cpath, cline, module, word, read_by_kmod):  # a "--"
                if rest:
                    self.add(path, lineno, "warning", ("after_dashes", module, (cpath, cline)))
                return None
            words = [words[0], words[1], *rest] if "" not in rest else [
                words[0], words[1], *filter(None, rest)]  # fmt: skip
            if len(words) > 2 and modprobe_conf.left_open(words[-1]):
                self.opened[key] = ([words[-1]], path, lineno)
                words = words[:-1]
        elif words.__class__ is modprobe_conf.OpenWords:  # its last word is open
            self.opened[key] = ([words[-1]], path, lineno)
            words = words[:-1]
        return words

    def read_run(
        self, path: str, given: str, lines: Sequence[int], texts: str, read_by_kmod: bool
    ) -> Iterator[tuple[int, RunWords, str]]:
        """Read a run (:func:`modprobe_conf.run_lines`): the ``options`` lines ``lines``
        of ``given`` (a module as written, with data), the first of which goes on with
        a word an earlier line left open; ``texts``: their texts joined with ``"\n"``.
        kmod joins them with a blank, and the kernel splits them so: a quote put
        first (the open word goes on), they are split at C speed
        (:func:`kargs.line_words`); each ``"\n"`` outside a word ends a line.  The
        words of a line that end on it are yielded for :meth:`lint_text`'s loop to
        read (:class:`RunWords`; a line without them is not yielded); a word that
        runs across lines is judged where it starts (:meth:`one_word`) once the lines
        before it are read, the one open at the run's end waits for the module's next
        line.  After a ``--``, each later line is only warned of.  Past :data:`SHOWN`
        findings, the lines after the first one that ends with no word open are read as
        a block (:meth:`count_lines`: most of them may be counted) if at most an eighth
        of them may have a quote (each such line goes to the loop by itself).  The findings, in the
        order found, are those of reading each line with :meth:`across_lines`."""
        module, params, _ = self._bases[given]
        key = module if read_by_kmod else (path, module)
        pieces, cpath, cline = self.opened[key]
        words = kargs.line_words('"' + texts)
        word = words[0]  # the open word's rest, up to its end
        if word.count('"') % 2:  # still open at the run's end: it takes all texts
            pieces.append(texts.replace("\n", " "))
            return
        del self.opened[key]
        # a word across lines is never "--" (it has a blank, which the kernel keeps)
        self.one_word(cpath, cline, module, " ".join(pieces) + " " + word[1:].replace("\n", " "),
                      read_by_kmod)  # fmt: skip
        at = word.count("\n")  # the run's line where it ends
        last = words[-1] if len(words) > 1 else "\n"
        if last.count('"') % 2:  # the word open at the run's end
            words.pop()
        ended = self.ended
        block = True  # the rest of the run not yet tried as a block
        start = 1  # the first word of lines[at] after the one that ended there
        # where a line ends: each "\n" outside a word, each word with one (at C speed)
        for end in compress(
            range(1, len(words)), map(contains, islice(words, 1, None), repeat("\n"))
        ):
            if end > start:  # the words of lines[at] that end on it
                yield lines[at], RunWords(("options", given, *words[start:end])), ""
                if key in ended:  # a "--" on lines[at]
                    break
            word = words[end]
            if word != "\n":  # a word that runs across lines, closed on a later one
                self.one_word(path, lines[at], module, word.replace("\n", " "), read_by_kmod)
            elif (
                block
                and self.errors
                and self.first_left_out is not None
                and self.stop_names(path, module, params)
            ):  # past SHOWN, nothing open: the run's other lines may be a block
                block = False  # (told once per run)
                rest = texts.split("\n", at + 1)[-1]
                if 8 * rest.count('"') <= len(lines) - at:  # most of them without a quote
                    yield from self.count_lines(path, lines[at + 1 :], rest, read_by_kmod, given)
                    return
            at += word.count("\n")
            start = end + 1
        else:
            if start < len(words):
                yield lines[at], RunWords(("options", given, *words[start:])), ""
            if key not in ended:
                if last.count('"') % 2:
                    self.opened[key] = ([last.replace("\n", " ")], path, lines[at])
                return
        dashes = self.ended[key]
        for lineno in lines[at + 1 :]:
            self.add(path, lineno, "warning", ("after_dashes", module, dashes))

    def count_lines(
        self,
        path: str,
        lines: Sequence[int],
        texts: str,
        read_by_kmod: bool,
        given: str | None = None,
    ) -> Iterator[tuple[int, list[str] | str, str]]:
        """Read a block: the ``options`` lines ``lines``, of any modules, printable,
        their texts after ``options `` (after ``options GIVEN ``: lines of module
        ``given`` as written) joined with ``"\n"``, met past :data:`SHOWN`
        distinct findings (an error among them).  The lines with a quote are yielded
        one by one, judged as the parser judges them, for :meth:`lint_text`'s loop;
        each piece of at most :data:`LONG` lines between them is counted at once if
        :meth:`counted` can tell what the loop would find in it (told when the loop asks
        for the piece: it has read the lines before).  The lines of a piece that is not
        are yielded too, and the next 1, 2, 4... up to 64 pieces are not tried (a
        parameter on each line).  Each line's module and the text after it are split
        once for the block, at C speed (where all lines are of one module, by removing
        it from them at once)."""
        judge = modprobe_conf.judge_line
        if given is None:
            first = texts.partition("\n")[0]
            module = first[: first.find(" ") + 1]  # the first line's module and its blank
            if module and texts.count("\n" + module) == texts.count("\n"):  # all of it
                given, texts = module[:-1], texts[len(module) :].replace("\n" + module, "\n")
        texts_of = texts.split("\n")
        prefix = "options " if given is None else f"options {given} "
        modules: list[str] | str
        if given is None:
            heads = list(map(str.partition, texts_of, repeat(" ")))  # (module, " ", text)
            modules = list(map(itemgetter(0), heads))
            rests = list(map(itemgetter(2), heads))
        else:
            modules, rests = given, texts_of
        skip, skips = 0, 1  # pieces not tried after one that was not counted
        quoted = list(compress(range(len(texts_of)), map(contains, texts_of, repeat('"'))))
        quoted.append(len(texts_of))  # the lines with a quote, and the end
        done = 0
        for q in quoted:
            for start in range(done, q, LONG):  # lines without a quote
                stop = min(start + LONG, q)
                if skip:
                    skip -= 1
                elif self.counted(
                    path,
                    modules if modules.__class__ is str else modules[start:stop],
                    rests[start:stop],
                    read_by_kmod,
                ):
                    skips = 1
                    continue
                else:
                    skip, skips = skips, min(2 * skips, 64)  # (a parameter on each line)
                for lineno, text in zip(lines[start:stop], texts_of[start:stop]):  # noqa: B905
                    line = prefix + text
                    words = line.split()  # the parser's words of a plain line (_judge_plain)
                    yield lineno, words if len(words) > 2 else judge(line), line
            if q < len(texts_of):
                line = prefix + texts_of[q]
                yield lines[q], judge(line), line
            done = q + 1

    def counted(
        self, path: str, modules: list[str] | str, texts: list[str], read_by_kmod: bool
    ) -> bool:
        """Count the findings of a piece of a block's lines without a quote
        (:meth:`count_lines`: the module as written of each line, or of all, and the
        texts after them) at once, told at C speed, if the loop would only count each:
        every module a module with data and no word left open; the words of those
        without a ``--`` all new wrong ones (:meth:`new_unknowns`, against the names
        that stop any of them); for those after one, the warning of each line, if it
        is no longer printed.  False (nothing counted) if that cannot be told so: the
        loop then reads the piece's lines."""
        if "" in texts:  # a module and nothing after it: kmod ignores the line
            return False
        one = modules.__class__ is str
        bases, opened, ended, repeats = self._bases, self.opened, self.ended, self.repeats
        stops = []  # the names that keep each module's words from being counted
        dead = []  # (module as written, the key of its lines' warning)
        for name in (modules,) if one else set(modules):
            base = bases.get(name)
            if base is None or base[1] is None:  # not judged yet, or without data
                return False
            if base[0] in self.builtin and (path, base[0]) not in self.builtin_told:
                return False  # the loop says it is built in
            key = base[0] if read_by_kmod else (path, base[0])
            if key in opened:
                return False
            if key in ended:  # a warning per line (across_lines)
                warning = (path, "warning", ("after_dashes", base[0], ended[key]))
                seen = repeats.get(warning)
                if seen is not None and seen < REPEAT:  # printed still
                    return False
                dead.append((name, len(texts) if one else modules.count(name), warning))
                continue
            its = self.stop_names(path, base[0], base[1])
            if not its:
                return False
            stops.append(its)
        new = 0
        if stops:  # the words of the lines of modules after a "--" are not read
            if dead:
                gone = {name for name, _, _ in dead}  # (zip: each module as a 1-tuple)
                texts = list(compress(texts, map(gone.isdisjoint, zip(modules))))
            stop = stops[0] if len(stops) == 1 else set().union(*stops)
            new = self.new_unknowns("\n".join(texts).split(), stop)
            if not new:
                return False
        left_out = self.left_out
        if new:
            left_out["error"] = left_out.get("error", 0) + new
        for _, lines, warning in dead:
            seen = repeats.get(warning)
            if seen is None:  # past SHOWN: left out (as add() does)
                left_out["warning"] = left_out.get("warning", 0) + lines
            else:  # printed REPEAT times: counted
                repeats[warning] = seen + lines
        return True

    def after_dashes(
        self, path: str, module: str, lines: Sequence[int], dashes: tuple[str, int]
    ) -> None:
        """The warnings of ``options`` lines ``lines`` of ``module`` after the ``--`` at
        ``dashes``, which ended its parameters (:meth:`across_lines` would add one
        each): :meth:`add` for each, but at once for those it would only count."""
        what = ("after_dashes", module, dashes)
        key = (path, "warning", what)
        repeats = self.repeats
        for i, lineno in enumerate(lines):
            seen = repeats.get(key)
            if seen is not None and seen >= REPEAT:  # printed REPEAT times: counted
                repeats[key] = seen + len(lines) - i
                return
            if seen is None and len(repeats) >= SHOWN:  # past SHOWN: left out
                self.add(path, lineno, "warning", what)
                self.left_out["warning"] += len(lines) - i - 1
                return
            self.add(path, lineno, "warning", what)

    def one_word(self, path: str, lineno: int, module: str, word: str, read_by_kmod: bool) -> bool:
        """Judge one word as written of ``module`` (a module with data) at ``path:lineno``,
        outside :meth:`lint_text`'s loop (a word that ran across lines); True if it is
        ``--``."""
        params = (self._bases.get(module) or self._base(module))[1]
        what = unknown_name(module, params, word)
        if what is not None:
            self.add(path, lineno, "error", what)
            return False
        key, what, word = judge(module, params, word, self.bool_extra)
        if key is None:
            if word == "--":
                self.dashes(path, lineno, module, read_by_kmod)
                return True
            self.add(path, lineno, "error", what)
            return False
        if module == "kvm":
            self.last[key] = (path, lineno, word, what)
        if not read_by_kmod:
            return False
        kept = self.first.get(key)
        if kept is None:
            self.first[key] = (what, (path, lineno, word))
            return False
        if what == kept[0]:
            if len(kept) == 2:
                return False
            where = kept[3]
        else:
            where = kept[1]
            if len(kept) == 2:
                self.first[key] = (*kept, what, (path, lineno, word))
        self.add(path, lineno, "error", ("conflict", module, word, where))
        return False

    def dashes(self, path: str, lineno: int, module: str, read_by_kmod: bool) -> None:
        """A word ``--`` of ``module``: the kernel's ``parse_args()`` stops there."""
        key = module if read_by_kmod else (path, module)
        self.ended[key] = (path, lineno)
        self.opened.pop(key, None)
        self.add(path, lineno, "warning", ("dashes", module))

    def close_open(self, key) -> None:
        """Judge the word that ``key``'s last line left open: kmod adds a blank after a
        module's options (``module_options_concat()``), which is then in its value."""
        pieces, path, lineno = self.opened.pop(key)
        module = key if key.__class__ is str else key[1]
        self.one_word(path, lineno, module, " ".join(pieces) + " ", key.__class__ is str)

    def pieces(
        self, path: str, module: str, params: dict, words: list[str], wrong: set[str], at: int
    ) -> Iterator[str]:
        """The words from ``words[at]`` on of a long ``options`` line (more than
        :data:`LONG`) that :meth:`lint_text`'s loop is to read one by one, once
        :data:`SHOWN` distinct findings are kept (past them a new finding is only
        counted).  Each piece of :data:`LONG` words is read at once: the words'
        readings (:func:`kargs.kernel_word` of those with a quote, a call each) and
        their names (up to the first "=" after the first character, one expression);
        a word whose name is in :meth:`stop_names` (a
        parameter's, a printed one's, ``--``) goes to the loop, and the words between
        such words, all new wrong ones or read before on the line, are counted here by
        how much ``wrong`` grows when their readings are added (the loop would count
        each reading not read before on the line once, a reading read alike right
        after itself being one read before).  ``wrong`` is the loop's set of the
        line's wrong readings.  Before a word that goes to the loop after counted
        ones, the loop is given ``"\n"`` (a word of no line, in ``wrong``): its word
        before is then not the one before the counted words.  The counts are made
        lazily, as the loop asks for the next word: after a ``--`` it asks for none.
        A piece with an empty reading (``"``), or whose words all go to the loop (all
        parameters, say), is read word by word, and so are the next 1, 2, 4... up to 64
        pieces, without their readings.

        A piece with quotes is first told by its words' *forms*, their quotes dropped
        (a call per word for its readings is half a 10 MB line's time): a reading's
        form is its word's, so if the forms differ from each other, from ``wrong``
        and from ``forms`` (those of the quoted readings in ``wrong``, or to be
        added), and their names are not in :meth:`stop_names` (a stop name has no
        quote: its reading's form starts with it), each word is a new wrong one: the
        piece is counted, and its readings are added to ``wrong`` only before a word
        goes to the loop (``pending``).  After 4 pieces in a row that are not, no piece
        of the line is told so (``forms`` is no longer kept: a million of them cost more
        than the readings)."""
        stop: set[str] | None = None  # the names that keep a word from being counted
        left_out = self.left_out
        skip, skips = 0, 1  # pieces read word by word after one that did not pay
        skipped = False  # words counted since the loop's last word
        forms: set[str] = set()
        fails = 0  # pieces with quotes in a row not told by their forms
        pending: list[list[str]] = []
        for start in range(at, len(words), LONG):
            piece = words[start : start + LONG]
            if stop is None and self.errors and self.first_left_out is not None:
                stop = self.stop_names(path, module, params)  # none is added from now on
                forms.update(r.replace('"', "") for r in wrong if '"' in r)
            joined = "\n".join(piece)  # no "\n" in a line's words
            quoted = '"' in joined
            if quoted and stop and fails < 4:
                joined_forms = joined.replace('"', "")
                piece_forms = joined_forms.split("\n")
                before = len(forms)
                forms.update(piece_forms)  # (also of words the loop reads: a superset)
                if (
                    not skip
                    and len(forms) - before == len(piece)  # all differ, and from forms
                    and "" not in piece_forms
                    and stop.isdisjoint(names(piece_forms, joined_forms))
                    and wrong.isdisjoint(piece_forms)
                ):
                    left_out["error"] = left_out.get("error", 0) + len(piece)
                    pending.append(piece)
                    skipped, fails = True, 0
                    continue
                fails += 1  # from 4 in a row, no more (nor forms kept)
            for counted in pending:  # before the loop reads a word, or ``wrong`` grows
                wrong.update(map(kargs.kernel_word, counted))
            pending.clear()
            if skip:
                skip -= 1
            elif stop:
                readings = piece
                if quoted:  # (a word without a quote is its reading)
                    readings = list(map(kargs.kernel_word, piece))
                    joined = "\n".join(readings)
                if "" not in readings:  # else no name for the expression below
                    named = names(readings, joined)
                    to_loop = (
                        []
                        if stop.isdisjoint(named)
                        else list(compress(range(len(piece)), map(stop.__contains__, named)))
                    )
                    if len(to_loop) < len(piece):  # some are counted
                        skips = 1
                        done = 0
                        to_loop.append(len(piece))
                        for i in to_loop:
                            if i > done:
                                before = len(wrong)
                                wrong.update(islice(readings, done, i))
                                left_out["error"] = left_out.get("error", 0) + len(wrong) - before
                                skipped = True
                            if i < len(piece):
                                if skipped:
                                    skipped = False
                                    wrong.add("\n")
                                    yield "\n"
                                yield piece[i]
                            done = i + 1
                        continue
                skip, skips = skips, min(2 * skips, 64)
            if skipped:  # the loop's word before is not the one before this piece
                skipped = False
                wrong.add("\n")
                yield "\n"
            yield from piece

    def stop_names(self, path: str, module: str, params: dict) -> set[str]:
        """Names (as the kernel reads them) that keep :meth:`new_unknowns` from counting
        a piece of words of ``module``: each way of writing a parameter's name (a "-"
        for any "_"), the module's printed unknown names, and ``--``; empty (count
        none) if a printed name may differ from the name of its word here (quotes, a
        blank, clipped) or a parameter's name has too many ways.  Made once per file and
        module past :data:`SHOWN` findings (:attr:`_stops`)."""
        stop = self._stops.get((path, module))
        if stop is None:
            stop = self._stop_names(path, module, params)
            if self.first_left_out is not None:  # no printed finding is added now
                self._stops[path, module] = stop
        return stop

    def _stop_names(self, path: str, module: str, params: dict) -> set[str]:
        """:meth:`stop_names`, made."""
        shown, _ = self.printed_errors(path)
        printed = {
            w[2] for w in shown if w.__class__ is tuple and w[0] == "unknown" and w[1] == module
        }
        if any('"' in r or " " in r or len(r) > WIDTH for r in printed):
            return set()
        stop = printed | {"--"}
        for name in params:
            parts = name.split("_")
            if len(parts) > 9:  # 256 ways and more: read word by word
                return set()
            ways = [parts[0]]
            for part in parts[1:]:
                ways = [f"{w}{sep}{part}" for w in ways for sep in "_-"]
            stop.update(ways)
        return stop

    @staticmethod
    def new_unknowns(words: list[str], stop: set[str]) -> int:
        """How many findings ``words`` (words without quotes of ``options`` lines of
        one module: their readings) add past :data:`SHOWN` distinct findings, told at C
        speed, if all of them are new wrong words: their names (up to the first "="
        after the first character) are not in ``stop`` (:meth:`stop_names`:
        parameters, printed names, ``--``), and they differ from each other (a line's
        repeated wrong word is reported once per line).  0 if that cannot be told so:
        the loop then reads each word."""
        if "" in words:  # no name for the expression below
            return 0
        if not stop.isdisjoint(names(words, "\n".join(words))) or len(set(words)) < len(words):
            return 0
        return len(words)

    def printed_errors(self, path: str) -> tuple[set[What], set[str]]:
        """The errors of ``path`` that are printed (what), and the words of those that
        are conflicts.  Once :data:`SHOWN` distinct findings are kept, no finding is
        added to them: a new error is only counted."""
        shown = {what for p, level, what in self.repeats if p == path and level == "error"}
        return shown, {w[2] for w in shown if w.__class__ is tuple and w[0] == "conflict"}

    def _base(self, given: str) -> tuple[str, dict[str, kernel.Param] | None, dict | None]:
        """(module, its parameters by normalized name and a memo of judged words, or
        None and None if it has no data) for a module as written."""
        module = given if "-" not in given else normalize(given)
        mod = self.module_data(module) if module in KVM_MODULES else None
        if mod is None:
            return module, None, None
        return module, {normalize(p.name): p for p in mod.params}, {}

    def message(self, what: What) -> str:
        """The text of a finding, with the hints of an unknown parameter: the closest
        name (difflib) and the architecture whose kvm has it."""
        if what.__class__ is str:
            return what
        kind = what[0]
        if kind == "ignored":
            return f"kmod ignores this line: {clip(shown(what[1]))}"
        if kind == "builtin":
            return (
                f"{what[1]} is built into {self.arch} kernels: kmod never loads it, so no "
                f"modprobe.d option reaches it; set them on the kernel command line as "
                f"{what[1]}.NAME=VALUE"
            )
        if kind == "early":
            _, given, early = what
            return (
                f"options {clip(shown(given))} sets nothing: {early} is an early kernel "
                f"parameter, read only from the kernel command line (put {early}=VALUE there)"
            )
        if kind in ("blacklist", "install") and what[1] in self.builtin:
            # kmod_module_probe_insert_module() (libkmod/libkmod-module.c, kmod
            # 84fa569b2eb3) returns before its blacklist and install commands for a
            # module whose state is KMOD_MODULE_BUILTIN
            return (
                f"{kind} {what[1]}: {what[1]} is built into {self.arch} kernels, so kmod "
                "finds it there and this line does nothing"
            )
        if kind == "blacklist":
            return f"blacklist {what[1]}: udev will not load it at boot (modprobe still can)"
        if kind == "install":
            return f"'install {what[1]}' replaces loading {what[1]} by a command"
        if kind == "unknown":
            _, module, raw = what
            mod = self.module_data(module)
            assert mod is not None  # judged against it
            raw = shown(raw)
            return f"{mod.unknown(raw)} (the kernel ignores it)" + self.other_arch_hint(module, raw)
        if kind == "invalid":
            _, module, name, ptype, value, errno_name = what
            text = "no value" if value is None else f"'{clip(shown(value))}'"
            if module in self.builtin:  # never loaded: the line is never applied anyway
                return self.builtin_invalid(module, name, ptype, value, errno_name)
            if errno_name == "ERANGE":  # kstrtox.c: modprobe prints strerror(ERANGE)
                return (
                    f"{module} {name}: {text} is out of range for a {ptype}; "
                    f"{module} refuses to load (Numerical result out of range)"
                )
            return (
                f"{module} {name}: {text} is not a valid {ptype}; "
                f"{module} refuses to load (Invalid argument)"
            )
        if kind == "dashes":
            return (
                f"'--' ends {what[1]}'s parameters: the kernel ignores those after it, "
                "also on later lines (\"parameters '...' after `--' ignored\")"
            )
        if kind == "after_dashes":
            _, module, (dpath, dline) = what
            return (
                f"the kernel ignores these {module} parameters: '--' at {dpath}:{dline} ends them"
            )
        _, module, word, (epath, eline, eword) = what  # "conflict"
        return (
            f"{module} {clip(shown(word))} conflicts with {clip(shown(eword))} at "
            f"{epath}:{eline}; the kernel applies the one read last"
        )

    def other_arch_hint(self, module: str, name: str) -> str:
        """For ``kvm``: the architecture whose kvm has ``name``, if not the one checked."""
        if module != "kvm":
            return ""
        for arch in arches.param_arches():
            if arch == self.arch or f"{arch}/kvm" not in arches.data_keys():
                continue
            kvm = self.module_data("kvm", arch)
            if kvm is None or not kvm.has(normalize(name)):
                continue
            return f"; {arch}'s kvm has it: lint with --arch {arch}"
        return ""

    def without_data(self, path: str, lineno: int, given: str, module: str) -> None:
        """``options`` for a module (``given`` as written) that has no data."""
        early = self.early_of(module)
        if early:  # options kvm-arm mode=nested: an early parameter, not a module's
            self.add(path, lineno, "error", ("early", given, early[0]))
            return
        if module in KVM_MODULES:
            arch = KVM_MODULES[module] or self.arch
            self.add(path, lineno, "warning", f"no parameter data for {arch}/{module} in "
                     f"Linux {self.version}: not checked")  # fmt: skip
            return
        message = self._unknown.get(given)
        if message is None and ("[" in given or "]" in given):
            why = modprobe_conf.bad_name(given)
            if why:  # kmod ignores the line: no module of this name is even looked for
                self.add(path, lineno, "warning", ("ignored", why))
                return
        if message is None:
            if given in self.unsearched:  # not compared, and it still would not be
                return
            past_shown = self.errors and len(self.repeats) >= SHOWN  # could only add a finding
            if past_shown or len(self._unknown) >= SEARCHES:
                self.unsearched[given] = (path, lineno)
                if not self.unsearched_why:  # why the first was not compared
                    self.unsearched_why = (
                        f"past {SHOWN} findings, a close name would only be one more error"
                        if past_shown
                        else f"only the first {SEARCHES} distinct names are compared"
                    )
                return
        if message is None:  # difflib once per name: a hostile file repeats the line
            message = self._unknown[given] = self.unknown_message(module, given)
        if message:
            self.add(path, lineno, "error", message)

    def early_of(self, module: str) -> list[str]:
        """The early parameters of the checked architecture whose prefix is ``module``
        normalized, in any case (``kvm_arm``, ``KVM_ARM``: ``["kvm-arm.mode"]`` on
        arm64)."""
        known = arches.early_params(self.arch)
        return [e for e in known if normalize(e.partition(".")[0]) == module.lower()]

    def lint_cmdline(self, path: str, text: str) -> None:
        """Lint a kernel command line (``path``: a file holding one per line, such as
        /proc/cmdline), split as the kernel splits it (``next_arg()``, up to ``--``):
        ``MODULE.PARAM=VALUE`` of a KVM module against its data (kmod hands those of a
        loadable module over when it loads it; the kernel sets those of built-in code
        at boot), and the architecture's early parameters (``kvm-arm.mode``) against
        the values the data records for the release."""
        boot = kernel.load(self.version, self.arch).boot_params
        for lineno, line in enumerate(text.split("\n"), 1):
            for name, value in kargs.boot_args(line.partition("\0")[0]):  # a C string
                head, dot, param = name.partition(".")
                if dot and param:
                    self.cmdline_word(path, lineno, head, param, value, boot)

    def cmdline_word(
        self, path: str, lineno: int, head: str, param: str, value: str | None, boot: dict
    ) -> None:
        """One ``HEAD.PARAM[=VALUE]`` word of a kernel command line (:meth:`lint_cmdline`)."""
        module = normalize(head)
        early = self.early_of(module)
        if early:
            self.early_word(path, lineno, f"{head}.{param}", early, value, boot)
            return
        if module not in KVM_MODULES:
            message = self.unknown_message(module, head)  # kvm_intl.nested=1
            if message:
                message = message.replace("options for it are never applied", "no module takes it")
                self.add(path, lineno, "error", message)
            return
        mod = self.module_data(module)
        if mod is None:
            self.without_data(path, lineno, head, module)
            return
        p = {normalize(q.name): q for q in mod.params}.get(normalize(param))
        if p is None:
            self.add(path, lineno, "error", ("unknown", module, clip(param)))
            return
        try:
            values.parse(p.type, value, self.bool_extra)
        except values.InvalidValue as exc:
            if module in self.builtin:  # parse_args() says so and boots on
                self.add(path, lineno, "error", self.builtin_invalid(
                    module, p.name, p.type, value, exc.errno_name, cmdline=True))  # fmt: skip
                return
            self.add(path, lineno, "error",
                     ("invalid", module, p.name, p.type, value, exc.errno_name))  # fmt: skip

    @staticmethod
    def builtin_invalid(
        module: str, name: str, ptype: str, value: str | None, errno_name: str,
        cmdline: bool = False,
    ) -> str:
        """The error for a value of built-in code's parameter (arm64's ``kvm``) that
        its type rejects: on the kernel command line (``cmdline``) ``parse_args()``
        says so and boots on, the parameter keeping its value; in modprobe.d the line
        never reaches it."""
        text = "no value" if value is None else f"'{clip(shown(value))}'"
        wrong = "out of range for a" if errno_name == "ERANGE" else "not a valid"
        said = f"\"`{clip(shown(value or ''))}' invalid for parameter `{module}.{name}'\""
        if cmdline:
            return f"{module}.{name}: {text} is {wrong} {ptype}; the kernel keeps its value " \
                f"and says {said}"
        return f"{module} {name}: {text} is {wrong} {ptype}; on the kernel command line " \
            f"too the kernel would reject it ({said})"

    def early_word(
        self,
        path: str,
        lineno: int,
        written: str,
        early: list[str],
        value: str | None,
        boot: dict,
    ) -> None:
        """An early parameter's word (``kvm-arm.mode=nested``; compared as
        ``parameq()`` does, "-" and "_" alike) against the values the data records for
        the release (``early_kvm_mode_cfg()`` compares them with ``strcmp()``)."""
        name = next((e for e in early if normalize(e) == normalize(written)), None)
        if name is None:
            close = suggest.close(normalize(written), [normalize(e) for e in early], n=1)
            if close:
                known = next(e for e in early if normalize(e) == close[0])
                self.add(path, lineno, "error", f"unknown early parameter "
                         f"'{clip(shown(written))}' (the kernel ignores it); did you mean "
                         f"'{known}'?")  # fmt: skip
            else:
                self.add(path, lineno, "warning", f"'{clip(shown(written))}': not checked "
                         f"(the kernel data records only {', '.join(early)})")  # fmt: skip
            return
        entry = boot.get(f"{self.arch}/{name}")
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), list):
            self.add(path, lineno, "error", f"Linux {self.version} has no early parameter "
                     f"{name}: the kernel ignores '{clip(shown(written))}'")  # fmt: skip
            return
        takes = [str(v) for v in entry["values"]]
        if value in takes:
            return
        text = "no value" if value is None else f"'{clip(shown(value))}'"
        hint = suggest.hint(value, takes) if value and len(value) <= WIDTH else ""
        self.add(path, lineno, "error", (
            f"{name}: {text} is not one Linux {self.version} takes ({', '.join(takes)}: "
            f"{entry.get('parser', '?')}, {entry.get('source', '?')}); the kernel says "
            f"\"Malformed early option '{clip(shown(written))}'\" and keeps its default{hint}"
        ))  # fmt: skip

    @staticmethod
    def unknown_message(module: str, given: str) -> str:
        """The error for ``options`` of a module without data, or "" if none."""
        if module in OTHER_KVM or len(module) > 32:  # too long to be 75 % like a KVM
            return ""  # module's name (and difflib is slow on a long one)
        # kmod compares names exactly: KVM_INTEL is another module, but meant as kvm_intel
        close = suggest.close(module.lower(), KVM_MODULES, n=1, cutoff=0.75)
        if not close:
            return ""
        return (
            f"unknown module '{clip(shown(given))}'; did you mean "
            f"'{close[0]}'? (options for it are never applied)"
        )

    def finish(self) -> None:
        """Cross-file findings (s390 nested with hpage), the hints of the printed
        findings, one note per finding repeated more than :data:`REPEAT` times in a
        file, and one note on the findings past :data:`SHOWN`; first the words left
        open at the end of a module's options (:meth:`close_open`)."""
        for key in list(self.opened):
            self.close_open(key)
        if any("hpage" in a.extra_checks for a in arches.ARCHES.values()
               if a.kernel_arch == (KVM_MODULES["kvm"] or self.arch)):  # fmt: skip
            self.s390_hpage()
        text = {what: self.message(what) for *_, what in self.findings}
        self.findings = [(p, n, level, text[what]) for p, n, level, what in self.findings]
        for (path, level, what), count in self.repeats.items():
            if count > REPEAT:
                line = self.shown_until[(path, level, what)]
                self.findings.append(
                    (path, line, "note", f"{count - REPEAT} more of this {level} left out: "
                     f"{text[what]}")
                )  # fmt: skip

    def summary(self) -> str:
        """The last lines of output when findings were left out by :data:`SHOWN`."""
        text = ""
        if self.first_left_out is not None:
            path, line = self.first_left_out
            counts = " and ".join(
                f"{n} {level}{'s' if n != 1 else ''}" for level, n in sorted(self.left_out.items())
            )
            text += (
                escape(
                    f"{path}:{line}: note: {counts} left out, this one first: only the first "
                    f"{SHOWN} distinct findings are printed"
                )
                + "\n"
            )
        if self.unsearched:
            n = len(self.unsearched)
            path, line = next(iter(self.unsearched.values()))
            text += (
                escape(
                    f"{path}:{line}: note: {n} module name{'s' if n != 1 else ''} without data "
                    f"not compared with KVM's, this one first: {self.unsearched_why}"
                )
                + "\n"
            )
        return text

    def s390_hpage(self) -> None:
        nested = self.last.get(("kvm", "nested"))
        hpage = self.last.get(("kvm", "hpage"))
        if not nested or not hpage or nested[3] == "0" or hpage[3] == "0":
            return
        errno_name = messages.errno_for("s390_nested_hpage", self.version)
        if errno_name:
            (hpath, hline, hword, _), (npath, nline, nword, _) = hpage, nested
            self.add(
                hpath,
                hline,
                "error",
                f"kvm {clip(shown(hword))} with {clip(shown(nword))} at "
                f"{npath}:{nline}: kvm refuses to load on Linux "
                f"{self.version} ({errno_name}); use one or the other",
            )


kmod_reads = modprobe_conf.kmod_reads
"""Which names of a directory kmod reads (``.alias`` ones too: kmod 30 to 32).  A file
given by name is linted whatever its name (with a warning when its name is not one
kmod reads, :data:`IGNORED_FILE`)."""


def skipped_note(directory: str, names: list[str], shown: int = 3) -> list[str]:
    """One line naming the files of ``directory`` that kmod does not read (none: [])."""
    if not names:
        return []
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    some = ", ".join(names[:shown]) + more
    return [
        f"{directory}: {len(names)} file(s) not read: {some} (kmod reads only the files "
        "of a directory whose names end in .conf and do not start with a dot)"
    ]


def directories_note(directory: str, names: list[str], shown: int = 3) -> list[str]:
    """One line naming the directories inside ``directory``, which kmod does not read
    (none: []).  ``conf_files_filter_out()`` (libkmod/libkmod-config.c of
    kmod-project/kmod, commit 493dc650d687a5a3acec37ea11d0d1d073b83d5e) passes over
    one whose name it would not read anyway, and says "Directories inside directories
    are not supported" of one named as a file it reads (``virtualbox-dkms.conf/``)."""
    if not names:
        return []
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    some = ", ".join(f"{n}/" for n in names[:shown]) + more
    count = f"{len(names)} director{'y' if len(names) == 1 else 'ies'}"
    named = [n for n in names if kmod_reads(n)]
    said = (
        f"; of {', '.join(f'{n}/' for n in named[:shown])} it says \"Directories inside "
        "directories are not supported\""
        if named
        else ""
    )
    return [
        f"{directory}: {count} not read, nor the files in {'it' if len(names) == 1 else 'them'}"
        f": {some} (kmod reads no "
        f"directory inside a configuration directory{said})"
    ]


def collect(paths: list[str], hidden: list[str] | None = None) -> list[tuple[str, Path]]:
    """Files to lint, in the order kmod reads them (by file name).

    kmod reads one file of each name: a later one (in a later directory, or given
    later) is ignored as a duplicate (``conf_files_insert_sorted`` in
    libkmod/libkmod-config.c, kmod 30), so it is not linted either; of a directory,
    only the files :func:`kmod_reads`.  Why a file is not linted is added to
    ``hidden``."""
    out: list[tuple[str, Path]] = []
    for given in paths:
        if not given:
            raise CliError("an empty path was given: name a file or a directory")
        p = Path(given)
        try:
            is_dir = stat.S_ISDIR(os.stat(p).st_mode)
        except FileNotFoundError as exc:
            if not p.is_symlink():
                from nested_snippets.cli import _cwd_gone

                if not p.is_absolute() and _cwd_gone(exc):
                    raise CliError(f"{given}: cannot be reached: the current directory was "
                                   "removed") from None  # fmt: skip
                raise CliError(f"{given}: no such file or directory") from None
            is_dir = False  # a dangling link: reading it says so
        except OSError as exc:
            raise CliError(f"cannot read {given}: {(exc.strerror or str(exc)).lower()}") from None
        if is_dir:
            try:
                entries = sorted(p.iterdir())
            except OSError as exc:
                why = (exc.strerror or str(exc)).lower()
                raise CliError(f"cannot read {given}: {why}") from None
            files = [e for e in entries if not e.is_dir()]
            kept_here = [e for e in files if kmod_reads(e.name)]
            out += [(str(e), e) for e in kept_here]
            if hidden is not None:
                hidden += skipped_note(given, [e.name for e in files if not kmod_reads(e.name)])
                hidden += directories_note(given, [e.name for e in entries if e.is_dir()])
        else:
            out.append((given, p))
    first: dict[str, str] = {}
    masks: dict[str, bool] = {}
    kept = []
    for name, path in out:
        if path.name in first:
            if _same_file(first[path.name], name):
                continue  # given twice (a glob and its name): read once, no note
            if hidden is not None:
                masked = " (a link to /dev/null: it masks this one)" if masks[path.name] else ""
                hidden.append(
                    f"{name} not read: kmod reads one file named {path.name}, "
                    f"{first[path.name]}{masked}"
                )
            continue
        first[path.name] = name
        masks[path.name] = links_to_null(str(path))
        kept.append((name, path))
    return sorted(kept, key=lambda item: item[1].name)


def _same_file(a: str, b: str) -> bool:
    """Do the paths ``a`` and ``b`` name one file (device and inode)?"""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return a == b
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def host_arch(fs: HostFS) -> str:
    """The architecture whose ``kvm`` module the files configure: this host's
    (``uname -m``) or, below --root, the one its /proc/cpuinfo shows, as ``check``
    reads it.  One whose KVM parameters lint does not check (arm64, where kvm is built
    in; the kernel data holds its parameters as ``arm64/kvm``) is a
    CliError asking for --arch: linting for another architecture would mislead."""
    if fs.real:
        machine = os.uname().machine
        arch, where = arches.kernel_arch_of(machine), f"this host ({machine}, uname -m)"
    else:
        try:
            arch = probes.read_cpuinfo(fs).arch
        except CliError as exc:
            raise CliError(f"{exc}; give --arch") from None
        where = f"/proc/cpuinfo below --root ({arch})"
    known = arches.param_arches()
    if arch not in known:
        raise CliError(
            f"{where}: lint does not check this architecture's KVM parameters; "
            f"give --arch {'|'.join(known)} to lint for one it checks"
        )
    return arch


def read_cmdline(name: str, unreadable: list[str]) -> str | None:
    """The text of ``--cmdline FILE`` (one character per byte, as the kernel reads
    it), or None with why it was not read added to ``unreadable``."""
    if not name:
        raise CliError("--cmdline: an empty path was given: name a file")
    try:
        data = read_regular(name, probes.CMDLINE_MAX + 1)
    except OSError as exc:
        unreadable.append(f"cannot read {name}: {(exc.strerror or str(exc)).lower()}")
        return None
    if len(data) > probes.CMDLINE_MAX:
        unreadable.append(f"{name}: larger than {probes.CMDLINE_MAX >> 20} MiB, not read")
        return None
    return data.decode("latin-1")


def run(args: argparse.Namespace) -> int:
    # A hostile file makes a million small acyclic objects (lines, tuples): the cyclic
    # garbage collector would walk them again and again, for a third of the time.
    gc.disable()
    fs = HostFS(args.root)
    given = args.kernel
    problems: list[str] = []
    running, source = probes.release_source(fs, problems) if given is None else (None, "")
    params.kernel_version(given, running, problems, source)  # a bad version is named first
    arch = args.arch or host_arch(fs)
    version, wanted = params.kernel_version(given, running, problems, source, arch)
    if version != wanted:
        print(f"nested-kvm lint: Linux {wanted}: checking against Linux {version}", file=sys.stderr)
    linter = Linter(version, arch)
    unreadable: list[str] = []
    hidden: list[str] = []
    if not args.paths and args.cmdline is None:
        raise CliError("give FILE|DIR (modprobe.d files) or --cmdline FILE (a kernel command line)")
    files = collect(args.paths, hidden)
    for line in hidden:
        print(escape(shorten(f"nested-kvm lint: {line}")), file=sys.stderr)
    for name, path in files:
        try:
            data = read_regular(path, MAX_FILE + 1)
        except OSError as exc:
            unreadable.append(f"cannot read {name}: {(exc.strerror or str(exc)).lower()}")
            continue
        if len(data) > MAX_FILE:
            unreadable.append(f"{name}: larger than {MAX_FILE >> 20} MiB, not read")
            continue
        linter.lint_text(name, data.decode("latin-1"))  # bytes, as kmod reads: see shown()
    if args.cmdline is not None:
        text = read_cmdline(args.cmdline, unreadable)
        if text is not None:
            linter.lint_cmdline(args.cmdline, text)
    linter.finish()
    sys.stdout.write(render(linter.findings) + linter.summary())
    for line in unreadable:
        print(escape(shorten(f"nested-kvm lint: {line}")), file=sys.stderr)
    if unreadable:
        return 2
    return 1 if linter.errors else 0
