"""Adversarial review 12 of the report's redaction (session 12's new shapes): each
break found, pinned to a whole report (a file shown whole and a libvirt log) or to
:func:`redact` and :func:`redact_line`, as tests/cli/test_redact_s12.py does."""

from __future__ import annotations

import pytest

from nested_snippets.cli.report import redact, redact_line

from .test_redact_s12 import S, report_of  # noqa: F401  (a fixture)

LOG = "/var/log/libvirt/qemu/vm.log"

# (text, the neighbours that must stay, each in both the file and the log)
CASES = {
    # kickstart's --wepkey with a blank (w[pe]akey spelt wpakey and weakey, not wepkey)
    "wepkey-blank": ("network --wepkey S3CR3T --essid home", ["--essid home"]),
    "wepkey-blanks": ("network --wepkey  S3CR3T", ["network --wepkey"]),
}


@pytest.mark.parametrize("name", CASES)
def test_review_breaks_in_a_whole_report(report_of, name):  # noqa: F811
    text, kept = CASES[name]
    out = report_of(text)
    assert S not in out, name
    file_block = out[out.index("`/proc/cmdline`:") :]
    log_block = out[out.index(f"`{LOG}`:") :]
    for k in kept:
        assert k in file_block[: file_block.index("\n```\n", 20)], (k, file_block[:400])
        assert k in log_block[: log_block.index("\n```\n", 20)], (k, log_block[:400])


def both(text: str) -> list[str]:
    """The text redacted as a file shows it, as a log line, and redacted twice."""
    log = redact("\n".join(map(redact_line, text.split("\n"))))
    return [redact(text), log, redact(redact(text))]
