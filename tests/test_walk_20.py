"""New-reader walk 20: an Ubuntu user whose L1 (or host) runs ``kvm-ok`` and reads
``INFO: Your CPU does not support KVM extensions`` found no entry for that line; the
troubleshooting page now has one, and every line of ``kvm-ok`` it quotes is the
script's (Debian 12's ``cpu-checker``, when installed here).  The browser findings
are in tests/browser/test_walk_20.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.fact_findings import page_text

KVM_OK = Path("/usr/sbin/kvm-ok")
LABEL = ".. _troubleshooting-kvm-ok-no-extensions:"


def _entry(label: str) -> str:
    """The troubleshooting entry under ``label``, up to the next entry's label."""
    text = page_text("troubleshooting.rst")
    start = text.index(label)
    return text[start : text.index(".. _troubleshooting-", start + len(label))]


def test_the_no_extensions_line_has_an_entry() -> None:
    entry = _entry(LABEL)
    heading = "``kvm-ok``: ``INFO: Your CPU does not support KVM extensions``"
    assert entry.startswith(f"{LABEL} {heading} ---"), entry[:200]
    # a missing flag on bare metal may be the firmware's doing, from the data's releases
    assert ":kernel-since:`source firmware-svm-off-hides-flag present`" in entry
    assert ":kernel-since:`source firmware-vmx-off-hides-flag present`" in entry
    for target in ("troubleshooting-no-vmx", "troubleshooting-disabled-by-bios"):
        assert f"<{target}>" in entry or f":ref:`{target}`" in entry, target


def _quoted_kvm_ok_lines() -> set[str]:
    """The lines of kvm-ok's output that the two kvm-ok entries quote."""
    text = _entry(LABEL) + _entry(".. _troubleshooting-kvm-ok:")
    lines = set(re.findall(r"``((?:INFO|HINT):[^`]*|KVM acceleration [^`]*)``", text))
    return {line for line in lines if line != "HINT:"}


@pytest.mark.skipif(not KVM_OK.is_file(), reason="cpu-checker's kvm-ok not installed")
def test_the_quoted_kvm_ok_lines_are_the_scripts() -> None:
    script = KVM_OK.read_text(encoding="utf-8")
    # whitespace made one blank, as page_text does ("HINT:   sudo")
    printed = {re.sub(r"\s+", " ", line) for line in re.findall(r'echo "([^"]*)"', script)}
    lines = _quoted_kvm_ok_lines()
    assert "INFO: Your CPU does not support KVM extensions" in lines
    assert len(lines) >= 6, lines
    for line in lines:
        variants = {line, line.replace("(svm)", "($virt)").replace("(vmx)", "($virt)")}
        variants.add(re.sub(r"sudo modprobe \S+", "sudo modprobe $kvm_mod", line))
        assert variants & printed, line


def test_will_is_a_stop_word_of_the_index_and_the_query() -> None:
    """The browser's stop words (language_data.js) are the index language's."""
    from nested_snippets.sphinxext.search import JS_SPLITTER, SearchEnglishIdentifiers

    lang = SearchEnglishIdentifiers({})
    assert "will" in lang.stopwords and "won't" in lang.stopwords
    assert not lang.word_filter("will")
    assert "stopwords.has(" in JS_SPLITTER  # a stop-word contraction is dropped whole


def test_the_tutorials_l2_step_says_where_to_go_when_l2_does_not_start() -> None:
    """Search now lands "L2 won't start" on the tutorial's "Start the nested guest
    (L2)", which had no word for a QEMU that stops (start-l1-qemu's section has one)."""
    text = page_text("tutorial/first-nested-guest.rst")
    start = text.index("Start the nested guest (L2) ---")
    section = text[start : text.index("What you did, and what the tests check", start)]
    assert ":ref:`verify-l1`" in section and ":doc:`/troubleshooting`" in section
