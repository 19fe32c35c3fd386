"""New-reader walk 13 (/work/walk13/report.md): each finding pinned to the page sources.

Whitespace is normalised, so rewrapping a paragraph does not break these.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "source"


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", (SOURCE / page).read_text(encoding="utf-8"))


def _section(page: str, title: str) -> str:
    """The normalised text of one section: from its title to the next title of any level."""
    raw = (SOURCE / page).read_text(encoding="utf-8")
    lines = raw.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    end = len(lines)
    for i in range(start + 2, len(lines) - 1):
        if lines[i].strip() and re.fullmatch(r"([-=~^*])\1{2,}", lines[i + 1].strip()):
            end = i
            break
    return re.sub(r"\s+", " ", "\n".join(lines[start:end]))


# --- M1: arm64's "as shown in the last section" ------------------------------------------------


def test_m1_arm64_links_the_refusal_section_by_name():
    text = _text("how-to/arm64.rst")
    assert "as shown in the last section" not in text
    assert "refuses to start L1 as shown in :ref:`nested-arm64-qemu-error`" in text


# --- M3: each command of a command-line block has its "$ " ------------------------------------


def test_m3_the_udev_check_shows_a_prompt_on_each_of_its_three_commands():
    from nested_snippets import registry

    body = next(iter(registry.load().get("troubleshooting.udev_kvm_rule").bodies()))[2]
    lines = body.text.splitlines()
    assert [line.split()[:2] for line in lines] == [["$", "ls"], ["$", "grep"], ["$", "getent"]]


def test_m3_only_lines_that_start_a_command_get_a_prompt():
    from nested_snippets.bodies import CommandLine

    loop = CommandLine('for t in a \\\n    b; do\n    ./"$t"\ndone\ncd /tmp && \\\n    ls')
    assert loop.text == '$ for t in a \\\n    b; do\n    ./"$t"\ndone\n$ cd /tmp && \\\n    ls'
    assert CommandLine("echo 'open").text == "$ echo 'open"  # unparsable: one prompt
