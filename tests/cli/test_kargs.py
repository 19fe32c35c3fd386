"""The kernel's parameter splitting (kernel/params.c next_arg), as lint and check read it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nested_snippets.parsers.kargs import scan, split_args


@pytest.mark.parametrize(
    "text,expected",
    [  # expected values worked out by hand from next_arg() in kernel/params.c
        ('a=1 b="x y" c', [("a", "1"), ("b", "x y"), ("c", None)]),
        ('"a=b c" d', [("a", "b c"), ("d", None)]),
        ('nested="1"', [("nested", "1")]),
        ('foo=""', [("foo", "")]),
        ("=x y=", [("=x", None), ("y", "")]),
        ('q="a"b"', [("q", 'a"b')]),
        ("  \t ", []),
        ("a\tb\nc", [("a", None), ("b", None), ("c", None)]),
        ("a==b", [("a", "=b")]),
    ],
)
def test_split_like_next_arg(text, expected):
    assert split_args(text) == expected


@given(st.text(alphabet=" \t\n\x0b\x0c\r=ab1\x1c\xa0", max_size=30))
def test_fast_path_agrees_with_the_character_scan(text):
    assert split_args(text) == scan(text)


@given(st.text(alphabet=' \t\n=ab1"', max_size=30))
def test_words_are_the_split_rejoined(text):
    from nested_snippets.parsers.kargs import join_word, split_words

    assert split_words(text) == [join_word(n, v) for n, v in split_args(text)]


@given(st.text(alphabet=' \t\n"=ab', max_size=30))
def test_regex_split_agrees_with_the_character_scan(text):
    """split_args with quotes uses a regular expression (linear at C speed); scan()
    is the character-by-character reading of next_arg() it must match."""
    assert split_args(text) == scan(text)


@given(
    st.sampled_from(["options", "blacklist", "install", "#", "", "optionsx", "alias"]),
    st.text(alphabet=" =ab1-#", max_size=30),
)
def test_one_split_of_a_plain_line_is_kmods_and_the_kernels(command, rest):
    """modprobe_conf reads a printable line without quotes with one str.split(); the
    general reading (kmod's split at blanks, then the kernel's), which a trailing tab
    selects and which drops that tab, must read it alike."""
    from nested_snippets.parsers.modprobe_conf import NO_OPTIONS, _judge

    line = command + rest
    assert line.isprintable() and not (line + "\t").isprintable()
    judged = _judge(line)
    needs = judged == NO_OPTIONS or str(judged).endswith("a command after the module name")
    if needs and line.endswith(" ") and len(line.split()) >= 2:
        # "options MODULE ": kmod 30 kmod_config_parse() finds no options after the
        # module's blank (a bad line); after "options MODULE \t" it finds "\t"; so
        # too for install's command (review s10b)
        assert _judge(line + "\t")[0] == line.split()[0]
        return
    assert _judge(line) == _judge(line + "\t")
