"""New-reader walk 14 (checker pages, session 14): findings pinned to the page sources.

Whitespace is normalised, so rewrapping a paragraph does not break these.
"""

from __future__ import annotations

import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "source"


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", (SOURCE / page).read_text(encoding="utf-8"))


def test_l2_the_home_page_links_the_install_page_once_per_reader():
    """Three paragraphs in a row linked the install page; the read-only promise and its
    one exception now sit in the bullet for checking one host."""
    home = _text("index.rst")
    assert home.count(":ref:`install-checker`") == 2, home.count(":ref:`install-checker`")
    one = home[home.index("- Checking one host?") : home.index("- Checking many servers?")]
    assert "reading files only" in one and "empty VM to prove that KVM works" in one


def test_l3_troubleshooting_links_the_lint_section_not_the_top_of_the_cli_page():
    text = _text("troubleshooting.rst")
    assert "``nested-kvm lint`` command (see :ref:`cli-lint`" in text
    assert ".. _cli-lint: nested-kvm lint ---" in _text("reference/cli.rst")


def test_l5_the_read_only_promise_names_the_programs_it_runs():
    cli = _text("reference/cli.rst")
    start = cli.index("``nested-kvm`` **reads only**")
    promise = cli[start : cli.index("Files are read with care")]
    for program in ("``modinfo -F parm``", "``lscpu``", "``journalctl -k``", "``dmesg``"):
        assert program in promise, program


def test_l1_the_redaction_text_starts_with_read_the_report_first():
    cli = _text("reference/cli.rst")
    start = cli.index("Secrets are replaced by ``<redacted>``")
    assert cli.index("**Read the report before you share it:**", start) - start < 200
