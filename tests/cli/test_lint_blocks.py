"""Blocks (lint.py, :meth:`Linter.count_lines`): past SHOWN distinct findings, plain
``options`` lines of a module with data are counted a piece of lines at a time when
their words are all new wrong ones.  The findings, what is left out and the summary are
those of the parser judging every line (:func:`tests.cli.conftest.judge_every_line`,
no short cut of lint's), on random files and the bench patterns."""

from __future__ import annotations

import random

import pytest

from nested_snippets.cli import lint
from nested_snippets.cli.lint import Linter
from nested_snippets.parsers import modprobe_conf
from tests.cli.conftest import judge_every_line, lint_files

MODULES = ["kvm_intel", "kvm_intel", "kvm_intel", "kvm-intel", "kvm", "kvm_amd", "kvm_intl"]
WORDS = [
    "nested=1", "nested=0", "ple_gap=5", "ple-gap=6", "nestd=1", "nested=Q", "--", "--=1",
    "=1", "==", "a", 'x"1"="y', 'a="x', "nested", "u", "U=1", "n" * 90 + "=1", "ept=1",
]  # fmt: skip


def _word(rng: random.Random, n: int) -> str:
    roll = rng.random()
    if roll < 0.6:
        return f"u{n}={rng.randrange(2)}"  # a distinct unknown name
    if roll < 0.7:
        return f"v{rng.randrange(30)}"  # an unknown name, repeated now and then
    return rng.choice(WORDS)


def _line(rng: random.Random, n: int) -> str:
    roll = rng.random()
    if roll < 0.02:
        return rng.choice(["# a comment", "", "  ", "blacklist kvm_intel", "options kvm_intel  "])
    module = rng.choice(MODULES) if roll < 0.1 else "kvm_intel"
    words = [_word(rng, n * 10 + k) for k in range(rng.choice([1, 1, 1, 2, 3]))]
    if rng.random() < 0.01:
        words.append(words[0])  # a word twice on a line
    sep = " " if rng.random() < 0.97 else rng.choice(["  ", "\t", "\xa0"])
    return f"options {module} {sep.join(words)}"


def _random_file(rng: random.Random) -> str:
    lines = [f"options kvm_intel z{i}=1" for i in range(rng.choice([0, 5, 30]))]
    for n in range(rng.randrange(1, 400)):
        if lines and rng.random() < 0.03:
            lines.append(rng.choice(lines))  # a repeated line
        else:
            lines.append(_line(rng, n))
    return "\n".join(lines) + rng.choice(["\n", ""])


def _every_line(files, monkeypatch) -> tuple:
    with monkeypatch.context() as m:
        judge_every_line(m)
        return lint_files(files)


@pytest.mark.parametrize("seed", range(40))
def test_blocks_find_what_judging_every_line_finds(monkeypatch, seed):
    rng = random.Random(seed)
    for case in range(6):
        files = [
            (f"/d/{k}{rng.choice(['.conf', '.conf', '.txt'])}", _random_file(rng))
            for k in range(rng.choice([1, 1, 2]))
        ]
        with monkeypatch.context() as m:
            m.setattr(lint, "SHOWN", rng.choice([3, 10, 40]))
            m.setattr(lint, "LONG", rng.choice([1, 3, 8, 1024]))
            m.setattr(modprobe_conf, "_SEEN", rng.choice([4096, 4, 16]))
            m.setattr(modprobe_conf, "_RUN", rng.choice([1 << 20, 100]))
            m.setattr(modprobe_conf, "_FEW", rng.choice([16, 2]))
            m.setattr(modprobe_conf, "_FEW_SHORT", rng.choice([4, 2, 16]))
            blocks = lint_files(files)
            assert blocks == _every_line(files, m), (seed, case, files)


BENCH = [
    lambda i: f"options kvm_intel nestd{i}=1",
    lambda i: f"options kvm nestd{i}=1",
    lambda i: f"options kvm_intel ple_gap={i}",
    lambda i: f"options kvm_intel nestd{i}=1" + (f" nested={i % 2}" if i % 700 == 3 else ""),
    lambda i: "options kvm_intel --" if i == 3000 else f"options kvm_intel nestd{i}=1",
    lambda i: f'options kvm_intel a{i}="x' if i == 3000 else f"options kvm_intel nestd{i}=1",
    lambda i: f"options kvm_intel nestd{i}=1 eptt=0",
    lambda i: f"options {'kvm' if i % 3 else 'kvm_intel'} nestd{i}=1",
    lambda i: "options kvm_intel --" if i == 0 else f'options kvm_intel "{i} x',  # after --
    lambda i: "options kvm_intel --" if i == 300 else f"options kvm_intel n{i}=1",
    lambda i: "options kvm_intel --" if i == 9 else f"options kvm_{'intel' if i % 5 else 'amd'} x",
    lambda i: f"options kvm_amd u{i}" if i < 250 else f"options kvm_intel {'--' if i < 251 else i}",
    # review 12's shapes: short blocks between lines of another module; a quote opened
    # and closed every 20 lines (a run, then lines with and without quotes in a block)
    lambda i: f"options {'kvm' if i % 17 == 16 else 'kvm_intel'} u{i}=1",
    lambda i: (
        f'options kvm_intel a{i}="x'
        if i % 20 == 0
        else (f'options kvm_intel b{i}" c{i}' if i % 20 == 1 else f"options kvm_intel u{i}=1")
    ),
    lambda i: (
        f'options kvm_intel a{i}="x'
        if i % 7 == 0
        else (f'options kvm_intel b{i}" c{i}="y' if i % 7 == 1 else f"options kvm_intel u{i}=1")
    ),
    lambda i: (
        f"options kvm_intel nested={i % 2}"
        if i % 50 == 7
        else (f'options kvm_intel a{i}="x' if i % 20 == 0 else f"options kvm_intel u{i}=1")
    ),
]


@pytest.mark.parametrize("make", BENCH)
def test_the_bench_patterns_find_what_judging_every_line_finds(monkeypatch, make):
    """tools/bench_lint.py's patterns of distinct names, and some that end a block,
    6000 lines (past the parser's memo)."""
    files = [("/d/kvm.conf", "".join(make(i) + "\n" for i in range(6000)))]
    assert lint_files(files) == _every_line(files, monkeypatch)


def test_a_block_is_counted_without_judging_its_words(monkeypatch):
    """A file of distinct misspelt names (``options kvm nestd1=1``...): past SHOWN
    distinct findings its words are counted a piece of lines at a time, not judged one
    by one by lint's loop (:func:`lint.judge`) nor its lines by the parser."""
    judged, lines = [], []
    real_judge, real_lines = lint.judge, modprobe_conf._judge_plain
    monkeypatch.setattr(lint, "judge", lambda *a: judged.append(a[2]) or real_judge(*a))
    monkeypatch.setattr(
        modprobe_conf, "_judge_plain", lambda line, *a: lines.append(line) or real_lines(line, *a)
    )
    text = "".join(f"options kvm nestd{i}=1\n" for i in range(20000))
    linter = Linter("6.6", "x86")
    linter.lint_text("kvm.conf", text)
    linter.finish()
    assert linter.left_out == {"error": 20000 - lint.SHOWN}
    assert len(judged) < 2 * lint.SHOWN
    assert len(lines) < 2 * lint.SHOWN


def test_no_block_where_its_first_line_would_not_be_counted(monkeypatch):
    """A file of distinct conflicting values (``options kvm_intel ple_gap=1``...) past
    SHOWN: a parameter on each line, so no block is started (its lines would all be
    handed to the loop, at a cost per line above the parser's)."""
    blocks = []
    real = Linter.count_lines
    monkeypatch.setattr(Linter, "count_lines", lambda self, *a: blocks.append(a) or real(self, *a))
    text = "".join(f"options kvm_intel ple_gap={i}\n" for i in range(6000))
    linter = Linter("6.6", "x86")
    linter.lint_text("kvm.conf", text)
    assert linter.first_left_out is not None  # past SHOWN
    assert blocks == []


def test_lines_after_dashes_are_warned_of_without_judging_them(monkeypatch):
    """A file of distinct lines after ``options kvm_intel --``: one warning each (20
    printed, the rest counted), added at once (:meth:`Linter.after_dashes`), not line
    by line through :meth:`Linter.across_lines`."""
    calls = []
    real = Linter.across_lines
    monkeypatch.setattr(Linter, "across_lines", lambda self, *a: calls.append(a) or real(self, *a))
    text = "options kvm_intel --\n" + "".join(f'options kvm_intel "{i} x\n' for i in range(6000))
    linter = Linter("6.6", "x86")
    linter.lint_text("kvm.conf", text)
    linter.finish()
    assert len(calls) < 100
    assert [n for _, n, level, _ in linter.findings if level == "warning"] == list(range(1, 22))
    assert linter.findings[-1][3].startswith(f"{6000 - lint.REPEAT} more of this warning left out")


def test_a_long_line_with_repeated_words_is_counted_at_once(monkeypatch):
    """Past SHOWN, a piece of a long line's words (:meth:`Linter.pieces`) whose
    unknown names repeat ("v" every tenth word) is counted at once (each reading
    not read before on the line, once), not read word by word by the loop."""
    judged = []
    real = lint.judge
    monkeypatch.setattr(lint, "judge", lambda *a: judged.append(a[2]) or real(*a))
    words = [f"u{i}" for i in range(300)] + [f"w{i}" if i % 10 else "v" for i in range(4096)]
    text = "options kvm_intel " + " ".join(words) + "\n"
    linter = Linter("6.6", "x86")
    linter.lint_text("kvm.conf", text)
    assert linter.left_out == {"error": len(set(words)) - lint.SHOWN}
    assert len(judged) < 2 * lint.LONG


@pytest.mark.parametrize("seed", range(20))
def test_long_lines_count_what_word_by_word_counts(monkeypatch, seed):
    """Long lines of unknown names, some repeated, some quoted, one parameter: the
    findings and counts are those of reading each word (LONG past every line)."""
    rng = random.Random(seed)
    for case in range(4):
        lines = [f"options kvm_intel z{i}=1" for i in range(rng.choice([0, 150, 250]))]
        for n in range(rng.randrange(1, 4)):
            words = [
                rng.choice([f"u{n}_{i}", f"v{rng.randrange(40)}", f'q{i}="a"', f"u{i}"])
                for i in range(rng.randrange(50, 400))
            ]
            if rng.random() < 0.5:
                words.insert(rng.randrange(len(words)), rng.choice(["nested=1", "--", 'x="y']))
            lines.append(f"options kvm_intel {' '.join(words)}")
        files = [("/d/kvm.conf", "\n".join(lines) + "\n")]
        with monkeypatch.context() as m:
            m.setattr(lint, "SHOWN", rng.choice([3, 40, 200]))
            m.setattr(lint, "LONG", rng.choice([4, 16, 64]))
            pieces = lint_files(files)
            m.setattr(lint, "LONG", 10**9)
            assert pieces == lint_files(files), (seed, case, files)


LONG_WORDS = [
    "nested=1", "nested=0", "ept=1", "--", "nested", '"nested=1"', 'nested="1"', "ple-gap=3",
    '"', '""', "=1", '="', '"=x"', 'q="a b"', 'q="a', 'w"x"', '"w"x', "u0", "u0=1", 'u0="1"',
    "=x=2", '"=x=3"', "=x",
]  # fmt: skip


def _long_word(rng: random.Random, i: int) -> str:
    roll = rng.random()
    if roll < 0.5:  # distinct unknown names, some in a quoted form colliding with another
        return rng.choice([f"u{i}", f'u{i}"x"', f'"u{i}"', f'u{i}="x"', f'"u{i}=x', f"u{i}x"])
    if roll < 0.8:
        return f"v{rng.randrange(60)}" + rng.choice(["", "=1", '"1"'])  # repeated now and then
    if roll < 0.97:
        return f"w{i}"
    return rng.choice(LONG_WORDS)  # parameters, printed names, "--", readings to tell apart


@pytest.mark.parametrize("seed", range(30))
def test_long_line_pieces_count_what_word_by_word_counts(monkeypatch, seed):
    """Linter.pieces: past SHOWN, the words of a long line's piece that are not a
    parameter's, a printed one's or "--" are counted at once, by their readings
    (kargs.kernel_word), the others read by the loop; a word read alike right after
    itself, before or after counted words, quoted forms of one name that read alike or
    not, "--" among counted words, a printed name that starts with "=".  The findings
    and counts are those of reading each word (LONG past every line)."""
    rng = random.Random(seed)
    for case in range(4):
        lines = ["options kvm_intel =x=1"] if rng.random() < 0.5 else []  # printed: "=x"
        lines += [f"options kvm_intel z{i}=1" for i in range(rng.choice([0, 150, 250]))]
        for _ in range(rng.randrange(1, 4)):
            words = [_long_word(rng, i) for i in range(rng.randrange(50, 600))]
            for _twice in range(rng.randrange(3)):  # a word twice in a row
                at = rng.randrange(len(words))
                words.insert(at, words[at])
            lines.append(f"options {rng.choice(['kvm_intel', 'kvm'])} {' '.join(words)}")
        files = [("/d/kvm.conf", "\n".join(lines) + "\n")]
        with monkeypatch.context() as m:
            m.setattr(lint, "SHOWN", rng.choice([3, 40, 200]))
            m.setattr(lint, "LONG", rng.choice([4, 16, 64, 256]))
            pieces = lint_files(files)
            m.setattr(lint, "LONG", 10**9)
            assert pieces == lint_files(files), (seed, case, files)
