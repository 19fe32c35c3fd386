"""Hostile review, session 5 (lint): did-you-mean bounds, quoting, white space, osrelease."""

from __future__ import annotations

import pytest

from tests.cli.test_hostile import lint_text


def counting_close(monkeypatch) -> list:
    """Count the did-you-mean searches (difflib) of lint."""
    from nested_snippets import suggest

    searched: list = []
    real = suggest.close
    monkeypatch.setattr(suggest, "close", lambda *a, **k: searched.append(a) or real(*a, **k))
    return searched


@pytest.mark.parametrize(
    "line",
    ["options zq{i:x}wv p=1", "options KVM{i} nested=1", "options kvm_intel_{i:014d} nested=1"],
)
def test_distinct_module_names_cost_a_bounded_number_of_searches(cli, tmp_path, monkeypatch, line):
    """10 MB of distinct module names ran difflib once per line (7.45 s, 5.7 s, 2.7 s):
    without an error, or with fewer than SHOWN findings, nothing stopped the searches.
    Now at most SEARCHES names are compared, and a note counts the others."""
    from nested_snippets.cli import lint

    searched = counting_close(monkeypatch)
    monkeypatch.setattr(lint, "SEARCHES", 40)
    text = "".join(line.format(i=i) + "\n" for i in range(3000))
    path, r = lint_text(cli, tmp_path, text)
    assert len(searched) == 40
    last = r.out.splitlines()[-1]
    assert last == (
        f"{path}:41: note: 2960 module names without data not compared with KVM's, this "
        "one first: only the first 40 distinct names are compared"
    )


@pytest.mark.parametrize(
    "text,expected",
    [  # worked out by hand from next_arg() in lib/cmdline.c (Linux 6.18.2)
        ('"nested"', [("nested", None)]),
        ('"nested" "ept', [("nested", None), ("ept", None)]),
        ('"', [("", None)]),
        ('""', [("", None)]),
        ('"=x"', [("=x", None)]),
        ('"a"b"', [('a"b', None)]),
    ],
)
def test_a_quoted_word_without_equals_loses_its_closing_quote(text, expected):
    """next_arg() strips the closing quote of a word that began with one whether or
    not it has an ``=``; both the fast split and the character scan kept it."""
    from nested_snippets.parsers.kargs import scan, split_args

    assert scan(text) == expected
    assert split_args(text) == expected


def test_lint_reads_a_quoted_bare_parameter_as_the_kernel(cli, tmp_path):
    """``options kvm_intel "nested"`` said: no parameter 'nested"'."""
    path, r = lint_text(cli, tmp_path, 'options kvm_intel "nested"\n')
    assert (r.rc, r.out) == (0, "")


def test_a_long_line_of_distinct_quoted_words_is_split_in_little_memory():
    """One 10 MB line of ``x<i>="a b"`` took 256 MB: the words, their set and their
    readings were kept side by side (about 17 times the text; now under 7)."""
    import tracemalloc

    from nested_snippets.parsers import kargs

    text = "".join(f' x{i}="a b"' for i in range(50_000))
    tracemalloc.start()
    try:
        words = kargs.split_words(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert words[:2] == ["x0=a b", "x1=a b"] and len(words) == 50_000
    assert peak < 8 * len(text)


@pytest.mark.parametrize("command", [["lint", "{conf}"], ["params", "--running"]])
def test_an_unreadable_osrelease_is_named(cli, tmp_path, command):
    """``osrelease`` a FIFO under --root said only: cannot tell the kernel version."""
    import os

    root = tmp_path / "root"
    (root / "proc/sys/kernel").mkdir(parents=True)
    os.mkfifo(root / "proc/sys/kernel/osrelease")
    conf = tmp_path / "kvm.conf"
    conf.write_text("options kvm_intel nested=1\n")
    r = cli(*[a.format(conf=conf) for a in command], "--root", str(root))
    assert r.rc == 2 and r.out == ""
    assert "/proc/sys/kernel/osrelease: a FIFO, not read" in r.err
    assert "give --kernel VERSION" in r.err and r.err.count("\n") == 1


@pytest.mark.parametrize(
    "data,finding",
    [
        (b"options kvm_intel nested=1\xc2\xa0ept=maybe\n", "ept: 'maybe' is not a valid bool"),
        (b"options kvm_intel nested=1\xa0ept=maybe\n", "ept: 'maybe' is not a valid bool"),
        # the kernel sees the byte 0xC2 before the split: "5\xc2" is no number
        (b"options kvm_intel ple_gap=5\xc2\xa0\n", "ple_gap: '5\ufffd' is not a valid uint"),
        (b"options kvm_intel ple_gap=voil\xc3\xa0\n", "'voil\ufffd' is not a valid uint"),
        (b"options kvm_intel x\xc3\xa9=1\n", "has no parameter 'x\u00e9'"),
    ],
)
def test_byte_0xa0_is_white_space_as_for_the_kernel(cli, tmp_path, data, finding):
    """isspace() of lib/ctype.c is true for byte 160: ``nested=1\\u00a0ept=maybe`` is two
    words, and ept=maybe makes kvm_intel refuse to load; lint saw no error.  Lint reads
    the bytes as kmod and the kernel do, and shows them as UTF-8."""
    path = tmp_path / "kvm.conf"
    path.write_bytes(data)
    r = cli("lint", "--kernel", "6.6", str(path))
    assert r.rc == 1
    assert finding in r.out and r.out.count("\n") == 1


def test_byte_0xa0_is_no_blank_for_kmod(cli, tmp_path):
    """kmod splits the command and the module name at spaces and tabs only."""
    path = tmp_path / "kvm.conf"
    path.write_bytes(b"options\xa0kvm_intel nested=1\n")
    r = cli("lint", "--kernel", "6.6", str(path))
    assert "ignoring bad line starting with 'options\ufffdkvm_intel'" in r.out


def test_quoted_words_are_read_without_making_pairs(monkeypatch):
    """10 MB of distinct quoted values took 3.55 s: each word became a (name, value)
    pair and was joined again.  The words of a modprobe.d line are now read without
    the pair (the bench, tools/bench_lint.py, measures the time; this checks the path)."""
    from nested_snippets.parsers import kargs

    def no_pairs(word):
        raise AssertionError(f"pair made for {word!r}")

    monkeypatch.setattr(kargs, "_unquote", no_pairs)
    assert kargs.split_words('"nested=1" ple_gap="5" "nested" x"5"="y') == [
        "nested=1", "ple_gap=5", "nested", 'x"5"=y'
    ]
