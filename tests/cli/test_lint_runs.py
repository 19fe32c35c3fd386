"""Lines of a module that go on with a quote an earlier line left open are read as a
run (lint.py, :meth:`Linter.read_run`): their texts joined and split at once.  The
findings, what is left out and the summary are those of reading each line on its own
(:data:`lint.RUNS` false, the code before runs), on random small files."""

from __future__ import annotations

import random

import pytest

from nested_snippets.cli import lint
from nested_snippets.cli.lint import Linter
from nested_snippets.parsers import modprobe_conf
from tests.cli.conftest import lint_files

MODULES = ["kvm_intel", "kvm_intel", "kvm_intel", "kvm-intel", "kvm", "kvm_amd", "kvm_intl"]
"""kvm_intel most often, as written two ways; kvm_intl has no data (a misspelt name)."""
WORDS = [
    "nested=1", "nested=0", "ept=1", "ple_gap=5", 'ple_gap="7"', '"nested=1"', 'a="x', 'b"',
    '"', 'c"', '"d', "--", 'q=" "', 'x"1"="y', "enable_apicv=Y", "nestd=1", "nested=Q", '""',
    '"="', "nested", "-", "a", 'ept="0', 'p" q', '" r', "nested=1",
]  # fmt: skip


def word(rng: random.Random, n: int) -> str:
    """A word (or words with blanks: a blank inside a quote), some of them distinct."""
    roll = rng.random()
    if roll < 0.1:
        return f"u{n}={rng.randrange(3)}"  # a distinct unknown name
    if roll < 0.15:
        return f"ple_gap={n}"  # a distinct value: conflicts
    if roll < 0.2:
        return f'w{n}="{rng.choice(["", "a b", "x"])}'  # a distinct open quote
    return rng.choice(WORDS)


def line(rng: random.Random, n: int) -> str:
    module = rng.choice(MODULES)
    text = " ".join(word(rng, n * 10 + k) for k in range(rng.choice([1, 1, 2, 3, 5])))
    roll = rng.random()
    if roll < 0.04:
        return rng.choice(["# a comment", "", "  ", "blacklist kvm_intel", "install kvm /bin/true"])
    if roll < 0.06:
        return f"options {module} "  # no text: kmod ignores it
    if roll < 0.08:
        return f"options {module}\t{text}"
    if roll < 0.10:
        return f" options {module} {text}"
    if roll < 0.12:
        return f"options {module} {text.replace(' ', chr(9), 1)}"  # a tab in the text
    if roll < 0.14:
        return f"options {module}  {text}"  # a blank at the text's start
    if roll < 0.16:
        return f"options {module} {text} \\"  # goes on with the next line
    if roll < 0.17:
        return f"options {module} {text}\xa0b"  # not printable: the kernel's white space
    return f"options {module} {text}"


def random_file(rng: random.Random) -> str:
    lines: list[str] = []
    if rng.random() < 0.3:  # more than SHOWN distinct findings, some in runs
        lines += [f'options kvm_intel z{i}="a b' for i in range(rng.choice([150, 220]))]
        lines += [f"options kvm_intel y{i}=1" for i in range(rng.choice([0, 120]))]
    for n in range(rng.randrange(1, 40)):
        if lines and rng.random() < 0.15:
            lines.append(rng.choice(lines))  # a repeated line
        else:
            lines.append(line(rng, n))
    if rng.random() < 0.05:  # a long line (more than LONG words) in a run
        lines.insert(rng.randrange(len(lines) + 1), 'options kvm_intel a="x')
        lines.insert(rng.randrange(len(lines) + 1), "options kvm_intel " + " ".join(
            f"v{i}" for i in range(1100)))  # fmt: skip
    return "\n".join(lines) + rng.choice(["\n", ""])


@pytest.mark.parametrize("seed", range(60))
def test_runs_find_what_line_by_line_finds(monkeypatch, seed):
    rng = random.Random(seed)
    for case in range(10):
        files = [
            (f"/d/{k}{rng.choice(['.conf', '.conf', '.txt'])}", random_file(rng))
            for k in range(rng.choice([1, 1, 2, 3]))
        ]
        with monkeypatch.context() as m:  # a small memo: the parser's later ways too
            m.setattr(modprobe_conf, "_SEEN", rng.choice([4096, 4, 16]))
            m.setattr(modprobe_conf, "_RUN", rng.choice([1 << 20, 100]))  # runs end early
            m.setattr(modprobe_conf, "_FEW", rng.choice([16, 2]))  # short runs read too
            runs = lint_files(files)
            m.setattr(lint, "RUNS", False)
            by_line = lint_files(files)
        assert runs == by_line, (seed, case, files)


def test_the_bench_patterns_find_what_line_by_line_finds(monkeypatch):
    """tools/bench_lint.py's patterns of open quotes, 5000 lines (past the parser's memo)."""
    patterns = [
        lambda i: f'options kvm_intel a="{i} b',
        lambda i: f'options kvm_intel a{i}="x',
        lambda i: f'options kvm_intel "nested={i % 2}" ple_gap="{i}" x"{i}"="y',
        lambda i: "options kvm_intel --" if i == 0 else f'options kvm_intel "{i} x',
        lambda i: f'options {"kvm_amd" if i % 4 == 3 else "kvm_intel"} a="{i} b',  # short runs
        lambda i: f'options {"kvm_amd" if i % 18 == 17 else "kvm_intel"} a="{i} b',
    ]
    crowded = []
    for make in patterns:
        files = [("/d/kvm.conf", "".join(make(i) + "\n" for i in range(5000)))]
        runs = lint_files(files)
        with monkeypatch.context() as m:
            m.setattr(lint, "RUNS", False)
            assert runs == lint_files(files)
        crowded.append(runs[2] is not None)
    assert crowded == [False, True, True, False, False, False]  # past SHOWN distinct findings


def test_a_run_is_split_at_once_and_its_lines_are_not_judged(monkeypatch):
    """Of a file of lines that each close the quote the line before left open and open
    another, only the first line is judged by the parser; the others are one run."""
    judged, runs = [], []
    real_judge, real_run = modprobe_conf._judge, Linter.read_run
    monkeypatch.setattr(
        modprobe_conf, "_judge", lambda line, *a: judged.append(line) or real_judge(line, *a)
    )
    monkeypatch.setattr(
        Linter, "read_run", lambda self, *a: runs.append(list(a[2])) or real_run(self, *a)
    )
    text = "".join(f'options kvm_intel a="{i} b\n' for i in range(6))
    linter = Linter("6.6", "x86")
    linter.lint_text("kvm.conf", text)
    assert judged == ['options kvm_intel a="0 b']
    assert runs == [[2, 3, 4, 5, 6]]


@pytest.mark.parametrize("seed", range(40))
def test_run_lines_are_those_of_a_test_line_by_line(seed):
    """modprobe_conf.run_lines tells the lines of a run many at a time: the end is that
    of testing each line, for each line that is not of the run where it may be."""
    rng = random.Random(seed)
    prefix = "options kvm_intel "
    members = ['a="x', "b", " ", 'c" options kvm_intel d', "e options kvm_intel "]
    others = [
        "options kvm_intel ", "options kvm-intel a", "options kvm_intelx a", "# x", "",
        "options kvm_intel a\tb", "options kvm_intel a\xa0", " options kvm_intel a",
    ]  # fmt: skip
    run = [prefix + rng.choice(members) for _ in range(rng.randrange(1, 300))]
    for other in others:
        for at in {rng.randrange(len(run)), len(run) - 1, min(8, len(run) - 1)}:
            lines = run[: at + 1] + [other] + run[at + 1 :]
            start = rng.randrange(at + 1)
            assert modprobe_conf.run_lines(lines, start, prefix) == at + 1, (other, at)
    assert modprobe_conf.run_lines(run, 0, prefix) == len(run)


def test_a_run_takes_lines_up_to_some_characters(monkeypatch):
    monkeypatch.setattr(modprobe_conf, "_RUN", 1000)
    lines = ["options kvm_intel " + "a" * 82] * 100  # 100 characters each
    assert modprobe_conf.run_lines(lines, 0, "options kvm_intel ") in range(10, 31)
    assert modprobe_conf.run_lines(lines, 95, "options kvm_intel ") == 100


def test_a_run_found_late_is_told_without_a_pass_over_the_lines_before_it():
    """A run is told from its first line on: its next lines are sliced, not iterated
    from the file's start (itertools.islice over the lines made a file of short runs
    quadratic: 51 s for 10 MB)."""

    class Lines(list):
        passes = 0

        def __iter__(self):
            Lines.passes += 1
            return super().__iter__()

    lines = Lines(["options kvm_amd x"] * 1000 + ['options kvm_intel a="x'] * 20)
    count, _ = modprobe_conf._run(
        range(1, 1021), lines, 1001, "options kvm_intel ", lambda *a: (), iter(range(20))
    )
    assert (count, Lines.passes) == (20, 0)


@pytest.mark.parametrize(
    "word",
    [
        'a="1 b a="2',
        "nestd=1 x",
        'nestd="1 2"',
        'nest-d=1" "',
        "n" * 200 + '="x y"',
        '"nestd=1 2"',
        'x"y=1 2"',
        'nested="1 2"',
        'nested=1" 2"',
        'ple-gap="1 2"',
        "ept=x y",
        '=a" b"',
    ],
)
def test_a_word_across_lines_is_judged_as_judge_judges_it(word):
    """:meth:`Linter.one_word` tells an unknown name before reading the value (a short
    cut); what it adds is what :func:`lint.judge` says of the word."""
    linter = Linter("6.6", "x86")
    linter.one_word("kvm.conf", 3, "kvm_intel", word, True)
    params = linter._base("kvm_intel")[1]
    key, what, _ = lint.judge("kvm_intel", params, word, linter.bool_extra)
    if key is None:
        assert [f[3] for f in linter.findings] == [what]
    else:
        assert linter.findings == [] and linter.first[key][0] == what


def test_an_unknown_name_across_lines_is_not_read_further(monkeypatch):
    """The short cut of :meth:`Linter.one_word`: no :func:`lint.judge` (and no reading
    of the value's quotes) for a word whose name, as written, is unknown."""
    calls = []
    real = lint.judge
    monkeypatch.setattr(lint, "judge", lambda *a: calls.append(a) or real(*a))
    linter = Linter("6.6", "x86")
    linter.one_word("kvm.conf", 3, "kvm_intel", 'a="1 b a="2', True)
    linter.one_word("kvm.conf", 4, "kvm_intel", 'nested="1 b"', True)
    assert [a[2] for a in calls] == ['nested="1 b"']
