"""Review 12 (branch review12ln) of lint's speed devices (lint.py: blocks, runs
after a ``--``, a long line's pieces): each finding of the review as a test that
failed before its fix, and seeded random differential tests comparing lint's whole
output with the reference readings (:func:`tests.cli.conftest.judge_every_line`,
:data:`lint.LONG` past every line, and for small inputs
:func:`tests.cli.kmod_reading.kernel_reads`)."""

from __future__ import annotations

import random

import pytest

from nested_snippets.cli import lint
from nested_snippets.parsers import modprobe_conf
from tests.cli.conftest import judge_every_line, lint_files


def _reference(files, monkeypatch) -> tuple:
    """lint's output with no short cut: every line judged by the parser, no long
    line read in pieces."""
    with monkeypatch.context() as m:
        judge_every_line(m)
        m.setattr(lint, "LONG", 10**9)
        return lint_files(files)


def test_a_word_read_again_after_a_counted_piece_is_read_again(monkeypatch):
    """A long line past SHOWN with ``nested=1`` just before a piece of distinct unknown
    names that is counted at once, and again just after it: the kernel reads it
    twice, each a conflict with ``nested=0``, so the printed conflict is printed for
    both (it was skipped the second time as "the word before", review12ln)."""
    lines = ["options kvm_intel nested=0", "options kvm_intel nested=1"]
    lines += [f"options kvm_intel u{i}=1" for i in range(250)]
    words = [f"a{i}" for i in range(1023)] + ["nested=1"] + [f"b{i}" for i in range(1024)]
    words += ["nested=1"] + [f"c{i}" for i in range(1023)]
    lines.append("options kvm_intel " + " ".join(words))
    files = [("/d/kvm.conf", "\n".join(lines) + "\n")]
    found = lint_files(files)
    conflicts = [f for f in found[0] if f[1] == 253 and "conflicts with nested=0" in f[3]]
    assert len(conflicts) == 2  # one per reading of nested=1 on line 253
    assert found == _reference(files, monkeypatch)


MODULES = ["kvm_intel"] * 8 + ["kvm-intel", "kvm", "kvm_amd", "kvm_intl", "foo"]
"""kvm_intel most often (as written two ways); kvm_intl and foo have no data."""
NASTY = [
    "nested=1", "nested=0", "nested=1", "ple_gap=5", "ple-gap=6", "nested=Q", "--", "--=1",
    "=1", "==", "nested", 'a="x', 'b"', '"', 'c" d', 'x"1"="y', '"nested=1"', 'q=" "',
    "n" * 90 + "=1", "e\rf", "g\x00h", "i\xa0j", "k\tl", "m\x01", "\\", "é=1", "u0=1",
    "o\x1cp", "q\x85r", "s\x0bt", "\x1f",
]  # fmt: skip


def _nasty_word(rng: random.Random, n: int) -> str:
    roll = rng.random()
    if roll < 0.55:
        return f"u{n}={rng.randrange(2)}"  # a distinct unknown name
    if roll < 0.7:
        return f"v{rng.randrange(12)}"  # an unknown name repeated across lines and blocks
    if roll < 0.75:
        return f"ple_gap={rng.randrange(4)}"  # conflicts
    return rng.choice(NASTY)


def _nasty_line(rng: random.Random, n: int) -> str:
    roll = rng.random()
    if roll < 0.03:
        return rng.choice(["# c", "", " ", "blacklist kvm_intel", "options kvm_intel ", "options"])
    module = rng.choice(MODULES) if roll < 0.12 else "kvm_intel"
    count = rng.choice([1, 1, 1, 2, 3, 5])
    words = [_nasty_word(rng, n * 10 + k) for k in range(count)]
    if rng.random() < 0.03:
        words.append(words[0])
    sep = " " if rng.random() < 0.95 else rng.choice(["  ", "\t", "\xa0", "\r"])
    tail = rng.choice(["", "", "", "", "", " ", " \\", "\r"])
    return f"options {module}{rng.choice([' '] * 12 + ['  ', chr(9)])}{sep.join(words)}{tail}"


def _long_line(rng: random.Random, long: int) -> str:
    """A line of some pieces of distinct unknown names with conflicts, repeats, quotes
    or a ``--`` just before, at and after the pieces' boundaries."""
    words = [f"w{rng.randrange(10**9)}x{i}" for i in range(long * rng.randrange(2, 6) + 2)]
    for _ in range(rng.randrange(1, 5)):
        at = min(len(words), max(0, long * rng.randrange(1, 5) + rng.choice([-1, 0, 1, 2])))
        words.insert(at, rng.choice(["nested=1", "nested=0", "nested=1", "v1", "--", 'p="a',
                                     '"q"', 'ple_gap=9', words[max(0, at - 1)]]))  # fmt: skip
    return "options kvm_intel " + " ".join(words)


def _nasty_file(rng: random.Random, long: int, shown: int) -> str:
    lines: list[str] = []
    if rng.random() < 0.8:  # past SHOWN distinct findings, an error among them
        lines += [f"options kvm_intel z{i}=1" for i in range(shown + rng.choice([-1, 0, 1, 30]))]
    if rng.random() < 0.3:
        lines.insert(rng.randrange(len(lines) + 1), "options kvm_intel nested=0")
    for n in range(rng.randrange(1, 300)):
        roll = rng.random()
        if lines and roll < 0.04:
            lines.append(rng.choice(lines))  # a repeated line
        elif roll < 0.06:
            lines.append(_long_line(rng, long))
        elif roll < 0.07:
            lines.append(f'options kvm_intel o{n}="s t')  # a quote opened inside a block
        elif roll < 0.075:
            lines.append("options kvm_intel --")
        else:
            lines.append(_nasty_line(rng, n))
    return "\n".join(lines) + rng.choice(["\n", "", "\\", '\noptions kvm_intel q="open'])


@pytest.mark.parametrize("seed", range(60))
def test_nasty_files_find_what_every_line_judged_finds(monkeypatch, seed):
    rng = random.Random(1200 + seed)
    for case in range(5):
        shown = rng.choice([3, 10, 40, 200])
        long = rng.choice([1, 2, 3, 8, 1024])
        files = [
            (f"/d/{k}{rng.choice(['.conf', '.conf', '.conf', '.txt'])}",
             _nasty_file(rng, min(long, 40), shown))
            for k in range(rng.choice([1, 1, 2, 3]))
        ]  # fmt: skip
        with monkeypatch.context() as m:
            m.setattr(lint, "SHOWN", shown)
            m.setattr(lint, "LONG", long)
            m.setattr(lint, "REPEAT", rng.choice([20, 20, 1, 2]))
            m.setattr(lint, "CACHE", rng.choice([4096, 4096, 3]))
            m.setattr(modprobe_conf, "_SEEN", rng.choice([4096, 4, 16]))
            m.setattr(modprobe_conf, "_RUN", rng.choice([1 << 20, 100, 9]))
            m.setattr(modprobe_conf, "_FEW", rng.choice([16, 2, 1]))
            found = lint_files(files)
            assert found == _reference(files, m), (seed, case, files)


def test_blocks_started_again_and_again_make_their_stop_names_once(monkeypatch):
    """16 lines of distinct unknown kvm_intel names, then one of kvm, again and again
    (past SHOWN): a block is started every few lines, and each made the names that stop
    a block's count anew (:meth:`Linter.stop_names`, some 0.5 ms: the printed findings
    and every way of writing each parameter's name), which made 10 MB of it 1.87 ->
    3.49 s CPU (review12ln).  They are the same once past SHOWN: made once per file
    and module."""
    made = []
    real = lint.Linter.printed_errors
    monkeypatch.setattr(
        lint.Linter, "printed_errors", lambda self, path: made.append(path) or real(self, path)
    )
    text = "".join(
        f"options {'kvm' if i % 17 == 16 else 'kvm_intel'} u{i}=1\n" for i in range(20000)
    )
    linter = lint.Linter("6.6", "x86")
    linter.lint_text("/d/kvm.conf", text)
    assert linter.first_left_out is not None
    assert len(made) <= 4  # the loop's once, and once per module with data


KNOWN = {"nested": "bool", "ple_gap": "uint"}
"""The only kvm_intel parameters :func:`_counted_file` writes (and ``ple-gap``); its
other names (u, v, w, x) are no parameter of kvm_intel (Linux 6.6)."""
COUNTED = [
    "nested=1", "nested=0", "ple_gap=3", "ple-gap=4", "nested=Q", 'ple_gap="5"', '"nested=1"',
    'u1="a b"', '"v2"', "v3\tv4", "v5\xa0v6", "v7\rv8", "x\\", "y\x00z", "v9 v9", "u1=2",
    "v10\x1cv11", "v12\x85v13", "v14\x0bv15", "v16\x0cv17", "v18\x1fv19=1", "\xa0",
]  # fmt: skip


def _counted_file(rng: random.Random, shown: int, long: int) -> str:
    lines = [f"options kvm_intel w{i}=1" for i in range(rng.choice([0, shown, shown + 5]))]
    for n in range(rng.randrange(1, 200)):
        roll = rng.random()
        if roll < 0.05:
            lines.append(rng.choice(["# c", "", "options foo x=1", "blacklist kvm_intel"]))
            continue
        count = rng.choice([1, 1, 2, 3]) if roll < 0.95 else long * rng.randrange(1, 4) + 1
        words = [
            f"u{n}_{k}={rng.randrange(2)}" if rng.random() < 0.6 else rng.choice(COUNTED)
            for k in range(count)
        ]
        lines.append("options kvm_intel " + " ".join(words))
    return "\n".join(lines) + rng.choice(["\n", ""])


def _errors_as_the_kernel_reads(files) -> int | None:
    """The errors of kvm_intel's words, line by line, from kmod_reading's independent
    reading: a wrong word (unknown name, invalid value) once per line, a value that
    differs from an earlier one (a conflict) each time but right after itself.  None
    where a word runs across lines (the reading per line is not the module's)."""
    from tests.cli.kmod_reading import _kernel_words, _lines, _texts

    texts = _texts(files, "kvm_intel")
    per_line = [_kernel_words(t + " ") for t in texts]
    if [w for ws in per_line for w in ws] != _kernel_words(" ".join(texts) + " "):
        return None
    assert all(_lines(text) for _, text in files)
    errors, values = 0, {}
    for words in per_line:
        wrong, previous = set(), None
        for word in words:
            if word == previous:
                continue
            previous = word
            name, _, value = word.partition("=")
            name = name.replace("-", "_")
            kind = KNOWN.get(name)
            valid = kind == "uint" and value.isdigit() or kind == "bool" and value in "01"
            if kind is None or not valid or "=" not in word:
                if word not in wrong:
                    wrong.add(word)
                    errors += 1
                continue
            seen = values.setdefault(name, [])
            if value not in seen:
                seen.append(value)
            errors += len(seen) > 1
    return errors


def _errors_found(found) -> int:
    findings, left_out = found[0], found[1]
    printed = [f for f in findings if f[2] == "error"]
    more = [
        int(f[3].split()[0]) for f in findings if f[2] == "note" and "more of this error" in f[3]
    ]
    return len(printed) + sum(more) + left_out.get("error", 0)


@pytest.mark.parametrize("seed", range(30))
def test_error_counts_are_those_of_the_kernels_words(monkeypatch, seed):
    """Small files of kvm_intel's options, past SHOWN (blocks, long lines in pieces):
    lint's errors, printed, repeated and left out, are as many as an independent
    reading of the kernel's words finds (:mod:`tests.cli.kmod_reading`)."""
    rng = random.Random(4200 + seed)
    checked = 0
    for case in range(8):
        shown, long = rng.choice([3, 10, 40]), rng.choice([1, 2, 5, 1024])
        files = [(f"/d/{k}.conf", _counted_file(rng, shown, min(long, 30))) for k in range(2)]
        expected = _errors_as_the_kernel_reads(files)
        if expected is None:
            continue
        checked += 1
        with monkeypatch.context() as m:
            m.setattr(lint, "SHOWN", shown)
            m.setattr(lint, "LONG", long)
            m.setattr(lint, "REPEAT", rng.choice([20, 2]))
            m.setattr(modprobe_conf, "_FEW", rng.choice([16, 2]))
            assert _errors_found(lint_files(files)) == expected, (seed, case, files)
    assert checked


SEGMENTS = [
    lambda i, k: f"options kvm_intel u{k}_{i}=1",  # a block's lines
    lambda i, k: f"options kvm_intel u{k}_{i}=1 v{i % 7}",  # a name repeated across lines
    lambda i, k: "options kvm_intel nested=1 ept=0",  # one line repeated (the memo)
    lambda i, k: f"options kvm_intel ple_gap={i}",  # conflicts
    lambda i, k: f"options kvm_intel u{k}_{i}=1" if i % 300 else "options kvm_intel nested=0",
    lambda i, k: f'options kvm_intel a{i}="x' if i % 2 else f'options kvm_intel b{i}" c{k}_{i}',
    lambda i, k: f"options kvm_amd u{k}_{i}=1",  # ended by a "--" now and then
    lambda i, k: f"options {'kvm_intel' if i % 3 else 'kvm'} w{k}_{i}",
    lambda i, k: f"options kvm_intl{i % 3} nested=1",  # no data
    lambda i, k: "options kvm_intel " + " ".join(f"l{k}_{i}_{j}" for j in range(40)),
    lambda i, k: f"options kvm_intel u{k}_{i}=1\\",  # continued lines
    lambda i, k: f"options kvm_intel\tu{k}_{i}=1\r",  # not printable
]


@pytest.mark.parametrize("seed", range(8))
def test_large_files_of_segments_find_what_every_line_judged_finds(monkeypatch, seed):
    """Files of thousands of lines in segments of the shapes that start, end and
    abandon blocks, runs and memo (default SHOWN, LONG, _SEEN), some of them 1100 words
    long, split over two or three files: the whole output is the reference's."""
    rng = random.Random(7700 + seed)
    files = []
    for k in range(rng.choice([2, 3])):
        lines: list[str] = []
        while len(lines) < rng.choice([3000, 6000]):
            make = rng.choice(SEGMENTS)
            lines += [
                make(i, f"{k}_{len(lines)}") for i in range(rng.choice([1, 15, 17, 400, 1500]))
            ]
            roll = rng.random()
            if roll < 0.05:
                lines.append(rng.choice(["options kvm_amd --", "options kvm_intel --"]))
            elif roll < 0.1:
                lines.append(
                    "options kvm_intel " + " ".join(f"z{len(lines)}_{j}" for j in range(1100))
                )
                lines[-1] += rng.choice(["", " nested=1", " ple_gap=2 z0"])
        files.append((f"/d/{k}.conf", "\n".join(lines) + rng.choice(["\n", ""])))
    assert lint_files(files) == _reference(files, monkeypatch)
