"""Session 19: claims of source/reference/cli.rst about ``report`` checked against
the code.  Each failed on the text before."""

from __future__ import annotations

import re

from nested_snippets.cli import report
from tests.conftest import REPO

PAGE = (REPO / "source/reference/cli.rst").read_text()
REPORT = PAGE[PAGE.index("nested-kvm report\n-----") : PAGE.index("nested-kvm lint\n-----")]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_parameter_table_limit_is_documented(cli, make_host):
    """The page said the report holds "every parameter under
    /sys/module/kvm*/parameters"; the table stops at report.MAX_PARAMS rows."""
    assert f"at most {report.MAX_PARAMS} rows of KVM parameters" in _flat(REPORT)
    root = make_host("intel")
    where = root / "sys/module/kvm/parameters"
    for i in range(report.MAX_PARAMS + 1):
        (where / f"p{i}").write_text("1\n")
    assert f"[the table stops at {report.MAX_PARAMS} rows" in cli("report", "--root", str(root)).out


def test_dash_for_standard_output_is_documented(cli, make_host):
    """``-o -`` writes to standard output (the code's own error message names it); the
    page did not say so."""
    assert "``-o -``" in REPORT
    r = cli("report", "--root", str(make_host("intel")), "-o", "-")
    assert r.rc == 0 and r.out.startswith("# ")


def test_the_report_exit_statuses_are_all_named():
    """The page gave "0, or 2 if FILE cannot be written"; a signal gives 128 + N and
    standard output that cannot be written 2, as -o's and Bad input's text say."""
    flat = _flat(REPORT)
    assert "The exit status is 0, or 2 if *FILE* or standard output cannot be written" in flat
    assert "128 + the signal's number" in flat
