"""Review 12 (branch review12ln) of lint's speed devices (lint.py: blocks, runs
after a ``--``, a long line's pieces): each finding of the review as a test that
failed before its fix, and seeded random differential tests comparing lint's whole
output with the reference readings (:func:`tests.cli.conftest.judge_every_line`,
:data:`lint.LONG` past every line, and for small inputs
:func:`tests.cli.kmod_reading.kernel_reads`)."""

from __future__ import annotations

from nested_snippets.cli import lint
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
