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


# --- M2: Arm64 migration can be found from the migration pages ---------------------------------

ARM64_BLOCKER = "Live migration disabled because KVM nested virt is enabled"


def test_m2_the_how_to_names_the_other_architectures_and_links_them():
    text = _text("how-to/live-migration.rst")
    assert ":ref:`live-migration-other`" in _section(
        "how-to/live-migration.rst", "Live-migrate guests in a nested setup"
    )
    other = _section("how-to/live-migration.rst", "Arm64, IBM Z and IBM POWER")
    for target in ("nested-arm64-migration", "nested-s390x-migration", "migration-limits-by-arch"):
        assert f"<{target}>`" in other or f":ref:`{target}`" in other, target
    assert ARM64_BLOCKER in other and "<qemu-gicv3-nv-blocker>" in other
    assert text.index("Arm64, IBM Z and IBM POWER") < text.index("Suspending L1")


def test_m2_arm64_migration_links_the_migration_pages():
    section = _section("how-to/arm64.rst", "Live migration")
    for link in (
        ":doc:`/how-to/live-migration`",
        "<migration-limits-by-arch>`",
        ":ref:`troubleshooting-migration`",
    ):
        assert link in section, link
    assert ".. _nested-arm64-migration: Live migration" in _text("how-to/arm64.rst")


def test_m2_the_troubleshooting_entry_has_the_arm64_symptom():
    entry = _section("troubleshooting.rst", "Live migration fails with a nested guest")
    symptom = "**Symptom on Arm64.** QEMU refuses to migrate L1, naming the blocker"
    assert f"{symptom} ``{ARM64_BLOCKER}``" in entry
    assert "<nested-arm64-migration>`" in entry
