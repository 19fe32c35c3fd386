"""Review of lint's runs (956e2ca..0613b81, 41679a1): crafted modprobe.d inputs around
runs (:meth:`Linter.read_run`) give the findings, what is left out and the summary of
reading line by line (:data:`lint.RUNS` false), and the words lint reads of a ``.conf``
file are those of the independent reading (:mod:`tests.cli.kmod_reading`)."""

from __future__ import annotations

import random

import pytest

from nested_snippets.cli import lint
from nested_snippets.parsers import kargs, modprobe_conf
from tests.cli.conftest import lint_files
from tests.cli.test_lint_carried_review import _same_reading

P = "options kvm_intel "


def _run(n: int, open_word: str = 'a="x', close: str = 'z" nested=1') -> str:
    """An open word, n - 2 lines inside it, and a close: a run of n - 1 lines."""
    inside = "".join(f"{P}w{i}\n" for i in range(n - 2))
    return f"{P}{open_word}\n{inside}{P}{close}\n"


CASES = {
    **{f"a run of {n} lines": [("k.conf", _run(n + 1))] for n in (14, 15, 16, 17, 18)},
    "a run open at the file's end": [("a.conf", _run(20)[:-12] + "\n"), ("b.conf", _run(20))],
    "runs across files, a .txt between": [
        ("a.conf", "".join(f'{P}o{i}="x\n' for i in range(20))),
        ("b.txt", _run(18) + f'{P}q="open\n'),
        ("c.conf", _run(17, close='z" -- nested=0')),
        ("d.conf", f"{P}nested=1\n" * 3),
    ],
    "dashes in a run": [("k.conf", _run(20, close='z" -- x') + _run(18))],
    "dashes as a spanning word": [
        ("k.conf", f'{P}"-\n' + "".join(f"{P}-\n" for _ in range(18)) + f'{P}-" nested=1\n')
    ],
    "dashes closing a run": [
        ("k.conf", f'{P}"-\n' + f"{P}m\n" * 17 + f'{P}-"\n{P}"--"\n' + f"{P}nested=0\n" * 17)
    ],
    "odd bytes in a run": [
        (
            "k.conf",
            _run(8) + f'{P}a="\n' + f"{P}w\n" * 17 + f"{P}x\x00y\n{P}t\tu\n{P}n\xa0m\n"
            f"{P}c\x01d\n{P}e \\\n  f\n" + f"{P}w\n" * 12 + f'{P}"\n',
        )  # fmt: skip
    ],
    "kvm-intel and kvm_intel in a run": [
        (
            "k.conf",
            f'{P}a="x\n'
            + "".join(
                f"options {'kvm-intel' if i % 20 == 19 else 'kvm_intel'} v{i}\n" for i in range(40)
            )
            + f'{P}" nested=1\noptions kvm-intel nested=0\n',
        )  # fmt: skip
    ],
    "other modules and comments between": [
        (
            "k.conf",
            f'{P}a="x\n'
            + "".join(
                (f"{P}v{i}\n", "# c\n", 'options kvm_amd b="q\n', "\n", f"{P}v{i} y\n")[
                    i % 20 % 5 if i % 20 > 15 else 0
                ]
                for i in range(80)
            )
            + f'{P}"\noptions kvm_amd "\n',
        )  # fmt: skip
    ],
    "names in a run's words": [
        (
            "k.conf",
            f'{P}x="\n'
            + f"{P}w\n" * 16
            + f'{P}" ple-gap="1\n'
            + f"{P}w\n" * 16
            + f'{P}" {"n" * 90}="1\n'
            + f"{P}w\n" * 16
            + f'{P}" ne"sted=1 "ne\n'
            + f"{P}w\n" * 16
            + f'{P}sted=1" nested-="2\n'
            + f"{P}w\n" * 16
            + f'{P}" un-known="\n'
            + f"{P}w\n" * 16
            + f'{P}"\n',
        )  # fmt: skip
    ],
    "repeated lines in runs": [("k.conf", (f'{P}a="x\n' + f"{P}w\n" * 20 + f'{P}w" b="\n') * 30)],
}
BIG = {  # lint's own mode switches: compared with line by line only
    "the run cap crossed inside a word": [
        ("k.conf", f'{P}a="x\n' + "".join(f"{P}{i:04}{'y' * 1000}\n" for i in range(1100))
         + f'{P}" nested=1 b="\n' + "".join(f"{P}{'v' * 1000} w{i}\n" for i in range(1100))
         + f'{P}"\n')
    ],
    "a word across 10,000 lines": [("k.conf", _run(10_002, open_word='nested="1'))],
    "9000 lines of short and long runs": [
        ("k.conf", "".join(
            f'{P}a{i}="x\n' + f"{P}b{i}\n" * (i % 20) + "options kvm_amd nested=1\n"
            for i in range(900)))
    ],
    "5000 distinct lines, then runs": [
        ("k.conf", "".join(f"{P}d{i}=1\n" for i in range(5000)) + _run(40) * 100
         + "".join(f'{P}e{i}="\n' for i in range(9000)))
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_runs_read_crafted_inputs_as_line_by_line(monkeypatch, name):
    files = CASES[name]
    runs = lint_files(files)
    with monkeypatch.context() as m:
        m.setattr(lint, "RUNS", False)
        assert runs == lint_files(files)
    _same_reading(files, monkeypatch)


@pytest.mark.parametrize("name", sorted(BIG))
def test_runs_read_large_inputs_as_line_by_line(monkeypatch, name):
    files = BIG[name]
    runs = lint_files(files)
    with monkeypatch.context() as m:
        m.setattr(lint, "RUNS", False)
        assert runs == lint_files(files)


MODULES = ["kvm_intel"] * 4 + ["kvm-intel", "kvm", "kvm_amd"]
WORDS = ['a="x', 'b"', '"', 'c" d', "--", '"--', '--"', '-"', '"-', "nested=1", "nested=2",
         "ept=0", "ple-gap=3", 'ple_gap="4', 'pl"e_gap=5', '"ple_gap=6"', "n" * 85 + '="q',
         'x-y="a', 'zz=" w', "\\", "e\x00f", "g\th", "i\xa0j", "k\x01", '"="', "=", '=a="b',
         'nested="1', 'nested=1"', 'unk-nown="1 2"', "options kvm_intel ", "x "]  # fmt: skip


def _line(rng: random.Random, n: int, module: str) -> str:
    roll = rng.random()
    if roll < 0.05:
        return rng.choice(["# c", "", "options kvm_amd nested=1", "blacklist kvm", P])
    text = " ".join(
        f'u{n}{k}="{rng.choice(["", "a b"])}' if rng.random() < 0.1 else rng.choice(WORDS)
        for k in range(rng.choice([1, 1, 2, 3]))
    )
    if roll < 0.08:
        return f"options {module} {text} \\"
    return f"options {module}{rng.choice([' ', ' ', ' ', '  ', chr(9)])}{text}"


def _random_file(rng: random.Random) -> str:
    """Blocks of an open word then 1 to 40 lines, most of one module (runs of 15 to 18)."""
    lines: list[str] = []
    for block in range(rng.randrange(1, 5)):
        module = rng.choice(MODULES)
        lines.append(f'options {module} open{block}="s')
        for i in range(rng.choice([1, 2, 14, 15, 16, 17, 18, 40])):
            roll = rng.random()
            if roll < 0.1:
                lines.append(_line(rng, i, rng.choice(MODULES)))
            elif roll < 0.2:
                lines.append(rng.choice(lines))
            else:
                lines.append(_line(rng, i, module) if roll < 0.6 else f"options {module} w{i}")
    return "\n".join(lines) + rng.choice(["\n", "", '\noptions kvm_intel q="open'])


@pytest.mark.parametrize("seed", range(20))
def test_random_runs_read_as_line_by_line_and_as_kmod(monkeypatch, seed):
    rng = random.Random(seed)
    for _ in range(10):
        files = [(f"/d/{k}.conf", _random_file(rng)) for k in range(rng.choice([1, 2]))]
        with monkeypatch.context() as m:
            m.setattr(modprobe_conf, "_FEW", rng.choice([16, 2, 3]))
            m.setattr(modprobe_conf, "_RUN", rng.choice([1 << 20, 40]))
            runs = lint_files(files)
            m.setattr(lint, "RUNS", False)
            assert runs == lint_files(files), files
        _same_reading(files, monkeypatch)


def test_line_words_reads_the_text_after_its_last_quote_without_the_expression(monkeypatch):
    """A run of plain lines after a closed word (10 MB of a closing line then 1,500 lines
    of 500 words: 0.58 -> 1.78 s CPU at c8b495c -> 0613b81): its words after the last
    quote are not matched one by one (the expression's findall: 0.9 of 1.4 s)."""
    kargs.line_words("x")  # compiled
    seen = []
    real = kargs._lines_re

    class Spy:
        def findall(self, text):
            seen.append(len(text))
            return real.findall(text)

    monkeypatch.setattr(kargs, "_lines_re", Spy())
    text = '"a b" c="d e\nf"' + " g" * 1000 + "\n" + "h i\n" * 1000
    words = kargs.line_words(text)
    assert words == real.findall(text)
    assert max(seen, default=0) < 100


@pytest.mark.parametrize("seed", range(5))
def test_line_words_as_the_expression(seed):
    rng = random.Random(seed)
    for _ in range(2000):
        text = "".join(rng.choice(['"', " ", "\n", "a", "b=", "\t", "\xa0", "  "])
                       for _ in range(rng.randrange(12)))  # fmt: skip
        assert kargs.line_words(text) == kargs._lines_re.findall(text), repr(text)
        # few quotes among many blanks: the text is cut at its quotes
        text = "".join(rng.choice([" ", " ", "\n", "a", "b=", "  ", "\n\n"]) for _ in range(40))
        for _ in range(rng.randrange(4)):
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(['"', '"', "\t", "\xa0", "\x00", '""']) + text[at:]
        assert kargs.line_words(text) == kargs._lines_re.findall(text), repr(text)
