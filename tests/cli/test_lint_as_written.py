"""Lint reads an ``options`` line's words as written (quotes kept) and each distinct
one once with ``kargs.kernel_word`` (issue 15: a 10 MB file of distinct quoted words).

The parser's short cuts (a quoted line without a blank between its quotes is split
with ``str.split``; the words as written) are checked against a reading written out
here character by character: kmod's ``strtok_r(line, "\\t ")``, then the kernel's
``next_arg()`` (``kargs.scan``, the character-by-character reading of test_kargs)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nested_snippets.parsers import kargs, modprobe_conf
from tests.cli.test_hostile import lint_text

COMMANDS = {"alias", "options", "install", "remove", "blacklist", "softdep", "weakdep"}


def kmod_words(line: str) -> list[str]:
    """strtok_r(line, "\\t "), one character at a time."""
    words, word = [], ""
    for c in line:
        if c in " \t":
            if word:
                words.append(word)
            word = ""
        else:
            word += c
    return words + [word] if word else words


def reference(line: str) -> list[str] | str:
    """A logical line as kmod and then the kernel read it: its words (command first),
    why kmod ignores it, or "" (blank or comment).  kmod 30 kmod_config_parse()
    (libkmod/libkmod-config.c): a comment is a "#" as the line's first character
    (after a blank it is a command); ``options`` takes its module with
    ``strtok_r(NULL, "\\t ")`` and the rest after the one blank or tab that ends it
    with ``strtok_r(NULL, "\\0")``, NULL (a bad line) if nothing follows;
    kmod_config_add_options() makes tabs blanks."""
    if not line or line[0] == "#":
        return ""
    line = line.lstrip(" \t")
    if not line:
        return ""
    words = kmod_words(line)
    if words[0] == "options" and len(words) > 1:
        # kmod hands what follows the module and one blank to the kernel
        at = line.index(words[1], len("options"))
        after = at + len(words[1])
        if after + 1 >= len(line):  # nothing after the module and its blank
            return modprobe_conf.NO_OPTIONS
        rest = line[after + 1 :].replace("\t", " ")
        words = words[:2] + [n if v is None else f"{n}={v}" for n, v in kargs.scan(rest)]
    if words[0] not in COMMANDS:
        return f"ignoring bad line starting with '{words[0]}'"
    if len(words) == 1 and words[0] in ("options", "blacklist"):
        return f"'{words[0]}' needs a module name"
    return words


LINE = st.one_of(
    st.text(alphabet=' \t"=ab-#\xa0\x0b', max_size=24),
    st.builds(
        "".join,
        st.tuples(
            st.sampled_from(
                ["options m ", "options\tm\t", 'options m" ', "options  m", "blacklist "]
            ),
            st.text(alphabet=' \t"=ab-\xa0\x0b', max_size=24),
        ),
    ),
)


@settings(max_examples=400)
@given(st.lists(LINE, min_size=1, max_size=4))
def test_lines_are_read_as_kmod_and_the_kernel_read_them(lines):
    text = "".join(line + "\n" for line in lines)
    expected = [(n, r) for n, r in enumerate(map(reference, lines), 1) if r]
    read = kargs.kernel_word
    assert list(modprobe_conf.judged_lines(text)) == expected
    # as written: the words after the module, read one by one, are the same
    as_written = [
        (n, w if w.__class__ is str or w[0] != "options" else w[:2] + list(map(read, w[2:])))
        for n, w in modprobe_conf.judged_lines(text, unquote=False)
    ]
    assert as_written == expected


def test_a_quoted_line_with_a_blank_between_quotes_is_one_word_there():
    """The str.split short cut must not take a quoted blank for a word's end."""
    assert modprobe_conf._judge('options m a="b c" d') == ["options", "m", "a=b c", "d"]
    assert modprobe_conf._judge('options m a="b c" d', False) == ["options", "m", 'a="b c"', "d"]


def test_a_word_read_alike_right_after_itself_is_skipped(cli, tmp_path):
    """``nested=1 "nested=1"``: the kernel sets nested=1 twice; one conflict with line
    1, not two (lint compares the words as the kernel reads them, not as written)."""
    path, r = lint_text(
        cli, tmp_path, 'options kvm_intel nested=0\noptions kvm_intel nested=1 "nested=1"\n'
    )
    assert r.rc == 1
    assert r.out == (
        f"{path}:2: error: kvm_intel nested=1 conflicts with nested=0 at {path}:1; "
        "the kernel applies the one read last\n"
    )


def test_a_wrong_word_read_alike_is_reported_once_per_line(cli, tmp_path):
    """``nestd=1 ept=1 "nestd=1"``: one error for nestd on the line, as for ``nestd=1
    ept=1 nestd=1``."""
    _, quoted = lint_text(cli, tmp_path, 'options kvm_intel nestd=1 ept=1 "nestd=1"\n')
    _, plain = lint_text(cli, tmp_path, "options kvm_intel nestd=1 ept=1 nestd=1\n")
    assert quoted.rc == plain.rc == 1
    assert quoted.out == plain.out and quoted.out.count("\n") == 1
    assert "has no parameter 'nestd'" in quoted.out


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["options m a", "options m b", "# c", "", "x", 'options m "a']),
            st.sampled_from(["", " 1", " 2"]),
        ),
        max_size=40,
    )
)
def test_lines_are_read_alike_past_the_memo(pieces):
    """judged_lines remembers 4 distinct lines here (4096 in use): filled within the
    first 8 lines, it is left; filled later, it is only read; either way each line
    reads as the reference reads it."""
    lines = [line + tail for line, tail in pieces]
    text = "".join(line + "\n" for line in lines)
    expected = [(n, r) for n, r in enumerate(map(reference, lines), 1) if r]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(modprobe_conf, "_SEEN", 4)
        assert list(modprobe_conf.judged_lines(text)) == expected
        # filled at line 13: read, and a line not in it is judged
        lines = ["options m a"] * 10 + ["options m b", "x", "# c", "options m a 1", "x 2"]
        text = "".join(line + "\n" for line in lines)
        expected = [(n, r) for n, r in enumerate(map(reference, lines), 1) if r]
        assert list(modprobe_conf.judged_lines(text)) == expected


@pytest.mark.parametrize(
    "line,left_out",
    [  # SHOWN 2: a and b are printed, c is the first left out; then d... (counted by hand)
        ("options kvm_intel a=1 b=1 c=1 d=1 e=1", 3),  # all new: counted at once
        ("options kvm_intel a=1 b=1 c=1 d=1 c=1", 2),  # c again: once per line
        ("options kvm_intel a=1 b=1 c=1 c=1 d=1", 2),  # c right after itself
        ('options kvm_intel a=1 b=1 c=1 d=1 "c=1"', 2),  # c read alike
        ('options kvm_intel a=1 b=1 c=1 d=1 "d=1"', 2),  # d read alike
        ("options kvm_intel a=1 b=1 c=1 d=1 a=2", 2),  # a printed name: printed again
        ("options kvm_intel a=1 b=1 c=1 d=1 nested=1", 2),  # a parameter
        ("options kvm_intel a=1 b=1 c=1 d=1 nested-x=1 nested-=1", 4),
        ('options kvm_intel a=1 b=1 c=1 d=1 " e=1', 3),  # one word, name " e"
        ('options kvm_intel a=1 b=1 c=1 d=1 e=1 "', 4),  # '"' reads as ""
        ('options kvm_intel ""\noptions kvm_intel b=1 c=1 d=1 ""', 2),  # "" printed
    ],
)
def test_a_long_line_past_shown_is_counted_as_word_by_word(
    cli, tmp_path, monkeypatch, line, left_out
):
    """Past SHOWN, the rest of a long line of new wrong words is counted at once
    (Linter.new_unknowns); any word it cannot tell so sends the line word by word.
    Both ways count alike, on the line where SHOWN is reached and on a line crowded
    from its start (the same again: each of its words repeats a printed finding or
    is counted)."""
    from nested_snippets.cli import lint

    monkeypatch.setattr(lint, "SHOWN", 2)
    monkeypatch.setattr(lint, "LONG", 2)
    _, r = lint_text(cli, tmp_path, f"{line}\n")
    assert f": note: {left_out} errors left out, this one first" in r.out
    outs = []
    for long in (10**9, 2):
        monkeypatch.setattr(lint, "LONG", long)
        outs.append(lint_text(cli, tmp_path, f"{line}\n{line}\n")[1].out)
    assert outs[0] == outs[1]
