"""Lint of a file whose every line leaves a quote open that the next line closes
(``tools/bench_lint.py``'s "distinct quoted values", the slowest pattern): each line
is split once, by the parser, at C speed; the text that closes a quote is not split
again by the regular expression when no blank of it is outside quotes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nested_snippets.cli.lint import Linter
from nested_snippets.parsers import kargs, modprobe_conf
from tests.cli.test_review_s7_lint import kernel_reading


def bench_lines(count: int) -> str:
    """The lines of the bench pattern "distinct quoted values"."""
    return "".join(
        f'options kvm_intel "nested={i % 2}" ple_gap="{i}" x"{i}"="y\n' for i in range(count)
    )


def test_lines_that_close_an_open_quote_are_split_once(monkeypatch):
    split, judged = [], []
    real_split, real_judge = kargs.split_words, modprobe_conf._judge_line
    monkeypatch.setattr(
        kargs, "split_words", lambda *a, **k: split.append(a) or real_split(*a, **k)
    )
    monkeypatch.setattr(
        modprobe_conf, "_judge_line", lambda *a, **k: judged.append(a) or real_judge(*a, **k)
    )
    linter = Linter("6.6", "x86")
    linter.lint_text("kvm.conf", bench_lines(200))
    assert (split, judged) == ([], [])  # the parser's str.split() only
    assert linter.errors


def test_lines_that_close_an_open_quote_are_read_as_the_kernel_joins_them():
    """Line 2 closes line 1's ``"y``: the kernel reads one word from ``x"0"="y`` to the
    end of line 2, an unknown parameter ``x"0"`` (reported where it starts); line 3
    sets ple_gap again and leaves ``x"2"`` open, which line 4 closes."""
    linter = Linter("6.6", "x86")
    linter.lint_text("kvm.conf", bench_lines(4))
    linter.finish()
    assert [(line, what) for _p, line, _level, what in linter.findings] == [
        (1, "kvm_intel (Linux 6.6) has no parameter 'x\"0\"' (the kernel ignores it)"),
        (3, "kvm_intel ple_gap=2 conflicts with ple_gap=0 at kvm.conf:1; "
            "the kernel applies the one read last"),
        (3, "kvm_intel (Linux 6.6) has no parameter 'x\"2\"' (the kernel ignores it)"),
    ]  # fmt: skip


PIECE = st.text(alphabet='"=ab', min_size=1, max_size=6) | st.sampled_from(
    ['x"1"="y', '"nested=1"', 'ple_gap="1"', '"', "a b", 'q=" "', "--", "nested=0"]
)


@settings(max_examples=300, deadline=None)  # the first example loads kernel data
@given(st.lists(st.lists(PIECE, min_size=1, max_size=4), min_size=1, max_size=5))
def test_open_quotes_across_lines_read_as_the_kernel_reads_them(lines):
    """Lines of words with quotes, mostly without a blank inside them (the parser's and
    continue_open()'s short cuts): the words read across lines are the kernel's
    reading of kmod's joined string (``kernel_reading``)."""
    texts = [" ".join(words) for words in lines]
    text = "".join(f"options kvm_intel {t}\n" for t in texts)
    cfg = modprobe_conf.parse_text(text)
    assert [w for w, _line in cfg.options("kvm_intel")] == kernel_reading(texts)
