"""Session 6 (issue 15, part 2): redaction leftovers of ``nested-kvm report``."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text",
    [
        # a YAML block value: the secret is on the indented lines after | or >
        "password: |\n  Zq9secret\n  Zq9more\nnext: 1\n",
        "secret: >-\n    Zq9secret\n",
        # a Python bytes literal after a secret key
        "{'password': b'Zq9secret'}",
        # curl's request body options
        "curl --data-binary=Zq9secret https://h/x",
        "curl --data-binary @Zq9secret.json https://h/x",
        "curl --data-raw 'Zq9secret' https://h/x",
        # libvirt secret / LUKS key elements
        "<key>Zq9secret</key>",
    ],
)
def test_redaction_of_session_6_leftovers(text):
    from nested_snippets.cli.report import redact

    out = redact(text)
    assert "Zq9" not in out and "<redacted>" in out


def test_yaml_block_redaction_keeps_the_next_key():
    from nested_snippets.cli.report import redact

    assert redact("password: |\n  Zq9\nnested: 1\n").endswith("nested: 1\n")


@pytest.mark.parametrize(
    "line",
    ["password: |\n" + " x" * 500_000, "--data-binary " + "@" * 1_000_000, "<key" * 250_000],
)
def test_the_new_redactions_finish_on_a_megabyte(line):
    """Each new pattern is possessive or has disjoint alternatives: linear (no time asserted)."""
    from nested_snippets.cli.report import redact

    out = redact(line)
    assert len(out) <= len(line) + 20
