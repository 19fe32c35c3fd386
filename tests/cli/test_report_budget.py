"""``report`` spends a bounded amount of work redacting logs (``REDACT_BUDGET``).

Ten logs of 40 lines of distinct quoted words such as ``'%N=:<-'`` (each redacted on
its own) took about 40 s before (helper review of 2026-12-03).  The budget is counted
in characters, not seconds, so these tests assert what is shown, never a time.
"""

from __future__ import annotations

import re

from nested_snippets.cli import report

from .conftest import write

LOGS = "/var/log/libvirt/qemu"


def _hostile_line(seed: int) -> str:
    words, n = [], 0
    while sum(len(w) + 1 for w in words) < report.LINE - 20:
        words.append(f"'%{seed}x{n}=:<-'")
        n += 1
    return " ".join(words)


def _log_block(out: str, name: str) -> str:
    start = out.index(f"`{LOGS}/{name}`:")
    end = out.find("\n```\n", out.index("```", start) + 3)
    return out[start:end]


def test_hostile_logs_are_cut_from_their_start_with_a_note(cli, make_host):
    root = make_host("intel")
    for vm in range(10):
        lines = [f"line {vm}.{i} " + _hostile_line(vm * 100 + i) for i in range(40)]
        write(root, f"{LOGS}/vm{vm}.log", "\n".join(lines) + "\n")
    run = cli("report", "--root", str(root))
    assert run.rc == 0
    notes = re.findall(r"\[(\d+) earlier lines left out: redacting them would exceed the "
                       r"report's redaction budget\]", run.out)  # fmt: skip
    assert notes, "ten hostile logs of 40 lines fit the budget: the test proves nothing"
    # The newest line of the first log read is always shown; a log cut by the budget
    # shows its newest lines, never its oldest.
    first = _log_block(run.out, "vm0.log")
    assert "line 0.39 " in first
    for vm in range(10):
        block = _log_block(run.out, f"vm{vm}.log")
        m = re.search(r"\[(\d+) earlier lines left out", block)
        if m:
            gone = int(m.group(1))
            assert f"line {vm}.{gone - 1} " not in block
            if gone < 40:
                assert f"line {vm}.{gone} " in block and f"line {vm}.39 " in block


def test_ordinary_logs_are_shown_whole(cli, make_host):
    root = make_host("intel")
    line = (
        "2026-12-01T10:00:00.000000Z qemu-system-x86_64: -netdev tap,fd=30,id=hostnet0:"
        " warning: host doesn't support requested feature: CPUID.80000001H:ECX.svm [bit 2]"
    )
    for vm in range(10):
        write(root, f"{LOGS}/vm{vm}.log", "\n".join(f"{i} {line}" for i in range(40)) + "\n")
    run = cli("report", "--root", str(root))
    assert run.rc == 0
    assert "earlier lines left out" not in run.out
    assert run.out.count("doesn't support requested feature") == 400


def test_a_key_whose_begin_line_the_budget_left_out_is_redacted(cli, make_host, monkeypatch):
    root = make_host("intel")
    body = [f"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC{i:04d}" for i in range(20)]
    text = "\n".join(["-----BEGIN PRIVATE KEY-----", *body, "-----END PRIVATE KEY-----", "done"])
    write(root, f"{LOGS}/vm.log", text + "\n")
    monkeypatch.setattr(report, "REDACT_BUDGET", 5 * 40)  # the END line, "done" and a few more
    run = cli("report", "--root", str(root))
    assert run.rc == 0
    block = _log_block(run.out, "vm.log")
    assert "earlier lines left out" in block
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" not in block
    assert "<redacted: the end of a private key block>" in block and "done" in block


def test_the_reference_states_the_word_cost_the_code_uses():
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "source" / "reference" / "cli.rst"
    text = " ".join(page.read_text().split())
    spelled = {50: "fifty"}[report.WORD_COST]  # KeyError: the page needs rewording too
    assert (f"redacted on its own counts as {spelled}, and {report.SECRET_WORD_COST} when it "
            "holds what a secret's pattern looks for") in text  # fmt: skip
