"""Every virsh command of the guide names a command and options the real virsh has.

Nothing is run against a hypervisor: ``virsh help COMMAND`` prints the command's
synopsis and options (or fails for an unknown command) and exits.  A misspelt command
or option in a page fails here.  The options of ``virsh`` itself (``--connect``) are
checked against ``virsh --help``.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache

import pytest

from nested_snippets import proofs, registry
from tests.realtools import tools

pytestmark = pytest.mark.realtools

REG = registry.load()
CALLS = [
    pytest.param(words, id=f"{sid}:{' '.join(words[:4])}")
    for sid, snip in sorted(REG.snippets.items())
    for body in snip.variants.values() if proofs.is_virsh_call(body)
    for words in body.virsh_calls
]  # fmt: skip
"""Selected with the predicate behind the proof line the pages print under them."""


def _split(words: list[str]) -> tuple[list[str], str, list[str]]:
    """(virsh's own options, the command, the command's options)."""
    own, rest = [], words[1:]
    while rest and rest[0].startswith("-"):
        opt = rest.pop(0)
        own.append(opt)
        if opt in ("--connect", "-c") and rest:
            rest.pop(0)
    command = rest[0] if rest else ""
    return own, command, [w.split("=")[0] for w in rest[1:] if w.startswith("--")]


@cache
def _help(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([tools.require("virsh"), *args], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip


def problems(words: list[str]) -> list[str]:
    """What the real virsh does not know in one call of the guide ([] when all is known)."""
    own, command, options = _split(words)
    found = [f"virsh has no option {o}" for o in own
             if not re.search(rf"(?<![\w-]){re.escape(o)}\b", _help("--help").stdout)]  # fmt: skip
    if not command:
        return [*found, "no command after virsh"]
    proc = _help("help", command)
    if proc.returncode != 0:
        return [*found, f"virsh has no command {command!r}: {proc.stderr.strip()}"]
    return found + [f"virsh {command} has no option {o}" for o in options
                    if not re.search(rf"(?<![\w-]){re.escape(o)}\b", proc.stdout)]  # fmt: skip


def test_the_guide_has_virsh_commands():
    assert len(CALLS) >= 10, len(CALLS)


@pytest.mark.parametrize("words", CALLS)
def test_virsh_knows_the_command_and_its_options(words):
    assert not problems(words), problems(words)


def test_the_check_catches_a_bad_command_and_a_bad_option():
    assert problems(["virsh", "--connect", "qemu:///system", "vcpupinn", "l1"])
    assert problems(["virsh", "--connect", "qemu:///system", "migrate", "--livee", "l1", "x"])
    assert problems(["virsh", "--konnect", "qemu:///system", "list"])
    assert not problems(["virsh", "--connect", "qemu:///system", "list", "--all"])
