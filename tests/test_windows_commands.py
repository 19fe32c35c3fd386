"""Windows commands are shown after PowerShell's prompt and claim no shell check
(walk 18c: ``wsl --shutdown`` and ``bcdedit`` were shown after ``$`` with "Shell syntax
checked", a check of PowerShell text by bash that proves nothing)."""

from __future__ import annotations

import pytest

from nested_snippets import proofs, registry
from nested_snippets.bodies import WindowsCommand
from nested_snippets.model import NotExecuted, SnippetError, snippet, windows_command

WINDOWS = ("windows.systeminfo_requirements", "windows.hypervisor_launch",
           "windows.wsl_shutdown", "windows.hypervisor_launch_off",
           "clouds.hyperv_expose")  # fmt: skip


@pytest.mark.parametrize("sid", WINDOWS)
def test_a_windows_command_shows_the_powershell_prompt_and_claims_no_shell_check(sid):
    snip = registry.load().snippets[sid]
    for era, key, body in snip.bodies():
        assert isinstance(body, WindowsCommand), sid
        assert body.language == "ps1con"
        assert all(line.startswith("PS> ") for line in body.text.split("\n")), body.text
        said = proofs.proof(snip, key, era).text
        assert said.startswith("Not executed here: ") and "syntax" not in said, said


def test_no_other_snippet_names_a_windows_program_after_a_posix_prompt():
    windows = ("wsl ", "bcdedit", "systeminfo", "Set-VMProcessor", "powershell")
    for sid, snip in registry.load().snippets.items():
        for _era, _key, body in snip.bodies():
            text = getattr(body, "command", "")
            if any(text.startswith(w) for w in windows):
                assert isinstance(body, WindowsCommand), sid


def test_a_windows_command_must_be_declared_not_executed():
    with pytest.raises(SnippetError, match="not_executed"):
        snippet(windows_command("wsl --shutdown"))
    snippet(
        windows_command("wsl --shutdown"),
        not_executed=NotExecuted("Windows", "https://example.org/doc", "2026-12-05"),
    )
