"""Lines whose text only goes on with a quote an earlier line of their module left
open are not judged by the parser (the linter reads their text alone): the findings
are those of judging every line, and the judging is skipped."""

from __future__ import annotations

import pytest

from nested_snippets.cli import lint
from nested_snippets.cli.lint import Linter
from nested_snippets.parsers import modprobe_conf
from tests.cli.conftest import judge_every_line

CASES = {
    "open then closed": 'options kvm_intel a="0 b\noptions kvm_intel a="1 b\n' * 3,
    "each line open": "".join(f'options kvm_intel a{i}="x\n' for i in range(6)),
    "other module between": 'options kvm_intel x="a b\noptions kvm_amd npt=2\n'
    'options kvm_intel nested=1 y"\noptions kvm_intel nested=Q\n',
    "alias spelling": 'options kvm_intel ept="1 b\noptions kvm-intel a" nested=2\n',
    "tab after the module": 'options kvm_intel a="1 b\noptions kvm_intel\tnested=1"\n',
    "no text after the module": 'options kvm_intel a="1 b\noptions kvm_intel \n'
    'options kvm_intel nested=3"\n',
    "leading blank": 'options kvm_intel a="1 b\n options kvm_intel nested=3"\n',
    "dashes": 'options kvm_intel a="1 -- b\noptions kvm_intel nested=3" -- x\n'
    "options kvm_intel nested=4\n",
    "unknown module": 'options kvm_intell a="1\noptions kvm_intell b"\n',
    "blanks after the close": 'options kvm_intel a="1 b\noptions kvm_intel c"  d   e \n'
    'options kvm_intel a="1 b\noptions kvm_intel "\noptions kvm_intel x" y"z w\n',
    "lines after dashes": "options kvm_intel nested=1 --\noptions kvm_intel ept=0\n"
    "options kvm_intel  ept=0\noptions kvm_intel\tept=0\noptions kvm_intel \n"
    "options kvm_amd npt=0\n",
    "repeated lines": 'options kvm_intel a="1 b\n' * 5 + 'options kvm_intel c"\n' * 3,
}


def _lint(path: str, text: str) -> list:
    linter = Linter("6.6", "x86")
    linter.lint_text(path, text)
    return [(line, level, what) for _p, line, level, what in linter.findings]


@pytest.mark.parametrize("path", ["kvm.conf", "kvm.txt"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_findings_are_those_of_judging_every_line(monkeypatch, name, path):
    lazy = _lint(path, CASES[name])
    judge_every_line(monkeypatch)
    assert lazy == _lint(path, CASES[name])


def test_a_line_that_only_goes_on_with_an_open_quote_is_not_judged(monkeypatch):
    monkeypatch.setattr(lint, "RUNS", False)  # line by line (test_lint_runs: a run)
    judged = []
    real = modprobe_conf._judge
    monkeypatch.setattr(
        modprobe_conf, "_judge", lambda line, *a: judged.append(line) or real(line, *a)
    )
    _lint("kvm.conf", "".join(f'options kvm_intel a="{i} b\n' for i in range(6)))
    assert judged == [f'options kvm_intel a="{i} b' for i in (0, 2, 4)]


def test_a_line_after_dashes_is_not_judged(monkeypatch):
    judged = []
    real = modprobe_conf._judge
    monkeypatch.setattr(
        modprobe_conf, "_judge", lambda line, *a: judged.append(line) or real(line, *a)
    )
    text = "options kvm_intel --\n" + "".join(f'options kvm_intel "{i} x\n' for i in range(4))
    _lint("kvm.conf", text)
    assert judged == ["options kvm_intel --"]
