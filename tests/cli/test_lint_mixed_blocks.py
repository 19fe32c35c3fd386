"""Blocks of lines of several modules (lint.py, :meth:`Linter.count_lines` and
:meth:`Linter.counted`): past SHOWN distinct findings, the plain ``options`` lines
that follow one another are counted a piece at a time whatever their modules, also
lines of a module after a ``--`` (one warning each).  Compared with a reference
written here, line by line and word by word from what kmod and the kernel do, on
random files of plain lines; and the two hostile shapes that made blocks of one
module give up every few lines (tools/bench_lint.py: "16 of kvm_intel then 1 of kvm",
"a -- every 30 lines of another module") are counted without judging their words."""

from __future__ import annotations

import random

import pytest

from nested_snippets import kernel
from nested_snippets.cli import lint
from nested_snippets.cli.lint import Linter
from nested_snippets.parsers import modprobe_conf

KNOWN = {"kvm_intel": {"nested"}, "kvm_amd": {"nested"}, "kvm": {"ignore_msrs"}}
"""The parameters the random files set (x86, Linux 6.6); their other names (u or v
and digits) are no parameter of any of these modules."""


def test_the_reference_knows_the_parameters_it_sets():
    for module, names in KNOWN.items():
        params = {p.name for p in kernel.module("x86", module, "6.6").params}
        assert names <= params
        assert not any(p[:1] in "uv" and p[1:].isdigit() for p in params)


def reference(files, shown: int, repeat: int) -> tuple:
    """What lint keeps of ``files`` (plain ``options`` lines, one blank between
    words, files kmod reads): each printed finding (path, line, level, what), how often
    each was found, the counts of those left out, the first left out, whether an error
    was found.  A line of a module after a ``--`` of it (any earlier file) is one
    warning; its ``--`` is a warning and ends the line's words; a word read right after
    itself is read once, a wrong word once per line; a value that differs from an
    earlier one conflicts with the first earlier one that differs."""
    findings, repeats, left_out = [], {}, {}
    first_left_out, errors = None, False
    ended, settings = {}, {}

    def add(path, line, level, what):
        nonlocal first_left_out, errors
        key = (path, level, what)
        if key not in repeats:
            errors = errors or level == "error"
            if len(repeats) >= shown:
                left_out[level] = left_out.get(level, 0) + 1
                first_left_out = first_left_out or (path, line)
                return
            repeats[key] = 0
        repeats[key] += 1
        if repeats[key] <= repeat:
            findings.append((path, line, level, what))

    for path, text in files:
        for lineno, raw in enumerate(text.split("\n"), 1):
            if not raw:
                continue
            command, given, *words = raw.split(" ")
            assert command == "options" and words
            module = given.replace("-", "_")
            if module in ended:
                add(path, lineno, "warning", ("after_dashes", module, ended[module]))
                continue
            wrong, before = set(), None
            for word in words:
                if word == before:
                    continue
                before = word
                if word == "--":
                    ended[module] = (path, lineno)
                    add(path, lineno, "warning", ("dashes", module))
                    break
                name, _, value = word.partition("=")
                if name.replace("-", "_") not in KNOWN[module]:
                    if word not in wrong:
                        wrong.add(word)
                        add(path, lineno, "error", ("unknown", module, name))
                    continue
                earlier = settings.setdefault((module, name.replace("-", "_")), [])
                differs = [place for v, place in earlier if v != value]
                earlier.append((value, (path, lineno, word)))
                if differs:
                    add(path, lineno, "error", ("conflict", module, word, differs[0]))
    return findings, repeats, left_out, first_left_out, errors


MODULES = ["kvm_intel", "kvm", "kvm_amd", "kvm-intel"]


def _word(rng: random.Random, n: int, module: str) -> str:
    roll = rng.random()
    if roll < 0.8:
        return f"u{n}={rng.randrange(2)}"  # a distinct unknown name
    if roll < 0.9:
        return f"v{rng.randrange(20)}"  # an unknown name, repeated now and then
    if roll < 0.97:
        name = sorted(KNOWN[module.replace("-", "_")])[0]
        return f"{name.replace('_', rng.choice('_-'))}={rng.randrange(2)}"
    return "--"


def _random_file(rng: random.Random, start: int) -> str:
    lines = []
    module = "kvm_intel"
    for n in range(start, start + rng.randrange(1, 300)):
        if rng.random() < rng.choice([0.05, 0.3, 1.0]):  # runs of one module, or mixed
            module = rng.choice(MODULES)
        words = [_word(rng, n * 10 + k, module) for k in range(rng.choice([1, 1, 1, 2, 3]))]
        if rng.random() < 0.02:
            words.append(words[0])  # a word twice on a line
        lines.append(f"options {module} {' '.join(words)}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(40))
def test_mixed_blocks_find_what_the_reference_finds(monkeypatch, seed):
    rng = random.Random(seed)
    for case in range(5):
        files = [(f"/d/{k}.conf", _random_file(rng, 1000 * k)) for k in range(rng.choice([1, 2]))]
        shown, repeat = rng.choice([3, 10, 40]), rng.choice([1, 2, 20])
        with monkeypatch.context() as m:
            m.setattr(lint, "SHOWN", shown)
            m.setattr(lint, "REPEAT", repeat)
            m.setattr(lint, "LONG", rng.choice([1, 3, 8, 1024]))
            m.setattr(modprobe_conf, "_SEEN", rng.choice([4096, 4, 16]))
            m.setattr(modprobe_conf, "_FEW_SHORT", rng.choice([4, 2]))
            linter = Linter("6.6", "x86")
            for path, text in files:
                linter.lint_text(path, text)
            found = (linter.findings, linter.repeats, linter.left_out, linter.first_left_out,
                     linter.errors)  # fmt: skip
        assert found == reference(files, shown, repeat), (seed, case, files)


@pytest.mark.parametrize(
    "make",
    [
        lambda i: f"options {'kvm' if i % 17 == 16 else 'kvm_intel'} u{i}=1",
        lambda i: (
            "options kvm_amd --"
            if i % 30 == 0
            else f"options {'kvm_amd' if i % 2 else 'kvm_intel'} u{i}=1"
        ),
    ],
)
def test_lines_of_modules_taking_turns_are_counted_without_judging_them(monkeypatch, make):
    """The bench's shapes where modules take turns (20000 lines): past SHOWN their
    words are counted a piece of lines at a time, across the modules, not judged one by
    one by lint's loop (:func:`lint.judge`): blocks of one module ended at each line of
    another (a kvm line every 17, a kvm_amd line every other one), and each such line
    was judged by itself, for 2.3 to 2.5 s CPU of 10 MB at load 4 to 6 (session 13)."""
    judged = []
    real = lint.judge
    monkeypatch.setattr(lint, "judge", lambda *a: judged.append(a[2]) or real(*a))
    text = "".join(make(i) + "\n" for i in range(20000))
    linter = Linter("6.6", "x86")
    linter.lint_text("/d/kvm.conf", text)
    assert linter.first_left_out is not None
    assert len(judged) < 2 * lint.SHOWN
    found = (linter.findings, linter.repeats, linter.left_out, linter.first_left_out,
             linter.errors)  # fmt: skip
    assert found == reference([("/d/kvm.conf", text)], lint.SHOWN, lint.REPEAT)
