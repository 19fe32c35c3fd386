"""windows-l0-desktop, session 20: the concrete steps to turn Windows' hypervisor off
(Credential Guard, VBS, memory integrity, the readiness tool), what a UEFI lock stops,
VBoxManage by its full path in PowerShell, and a vendor source for a message that had a
user report only.

Before, the section only said "turn off memory integrity and Credential Guard (or VBS as
a whole)" with no step, and ran ``VBoxManage`` as if it were on PATH.  Each step here is
pinned to the claim and source (Microsoft's or VirtualBox's, read 2026-12-05) that carry
it.  Whitespace is normalised.
"""

from __future__ import annotations

import re

import pytest

from nested_snippets import proofs, registry
from nested_snippets.bodies import WindowsCommand
from tests.fact_findings import page_text
from tests.test_windows_l0_desktop import _source_entry

PAGE = "how-to/windows-hyperv.rst"
READ = "2026-12-05"
REG = registry.load()
VBOXMANAGE = '& "C:\\Program Files\\Oracle\\VirtualBox\\VBoxManage.exe" '
CREDENTIAL_GUARD_DOC = (
    "https://github.com/MicrosoftDocs/windows-itpro-docs/blob/"
    "0888ed62558c84df29c5468fe585ebb92b831f81/windows/security/identity-protection/"
    "credential-guard/configure.md"
)

_CLAIM = re.compile(r":claim:`(?P<text>[^`]+?)\s*<(?P<key>[a-z0-9-]+)>`")

CLAIMS = {
    # what a step says: the source that must carry it
    "Search Start for \"Core isolation\" and open the Core isolation page of Windows "
    "Security, where memory integrity is turned on or off": "ms-core-isolation",
    "Enabled without UEFI lock, or by Windows' default enablement, it is turned off "
    "through Intune, Group Policy or the registry": "ms-credential-guard",
    "\"Turn On Virtualization Based Security\" (Computer Configuration, Administrative "
    "Templates, System, Device Guard), to Disabled": "ms-credential-guard",
    "by setting the registry value LsaCfgFlags to 0 under two keys, since deleting the "
    "values may not disable it": "ms-credential-guard",
    "delete both registry values that turn it on; a device with only some of them removed "
    "might go into BitLocker recovery": "ms-credential-guard",
    "(DG_Readiness_Tool_v3.6.ps1 -Disable -AutoReboot), but sent a PC whose Credential "
    "Guard was enabled with UEFI lock to its manual procedure": "ms-credential-guard-manage",
    "the current page names Intune, Group Policy and the registry as the ways to configure "
    "Credential Guard": "ms-credential-guard",
    "with UEFI lock its settings are kept in firmware (EFI) variables": "ms-credential-guard",
    "confirm the prompt that appears before Windows starts, which needs someone at the "
    "machine": "ms-credential-guard",
    "DISABLE-LSA-ISO,DISABLE-VBS for that boot entry, and bcdedit /set vsmlaunchtype off":
        "ms-credential-guard",
    "Memory integrity enabled with UEFI lock is meant not to be disabled remotely or by a "
    "policy update; to turn it off, Microsoft says, you need the UEFI BIOS menu to turn "
    "off Secure Boot": "ms-memory-integrity",
    "by default Oracle\\\\VirtualBox in the 64-bit Program Files folder": "vbox-win-installer",
    "set one environment variable, VBOX_MSI_INSTALL_PATH, to that folder and leave PATH "
    "alone": "vbox-win-installer",
    "that Program Files folder may be C:\\\\Program Files": "ms-programfiles64",
    "VirtualBox's manual writes the command as plain VBoxManage": "vbox-autostart-win",
    "PowerShell displays a quoted path as a string instead of running it; its call "
    "operator, &, runs what the quoted string names": "ps-call-operator",
    "its VMM gives that text for VERR_VMX_NO_VMX, and \"AMD-V is not available\" for "
    "VERR_SVM_NO_SVM": "vbox-hm",
}  # fmt: skip

SOURCES = {
    "ms-credential-guard": CREDENTIAL_GUARD_DOC,
    "ms-credential-guard-manage": "https://github.com/MicrosoftDocs/windows-itpro-docs/blob/"
    "1787a09c0a4c8b7cef8702ffa6646cb61bd0c15b/windows/security/identity-protection/"
    "credential-guard/credential-guard-manage.md",
    "ms-core-isolation": "https://support.microsoft.com/en-us/windows/"
    "core-isolation-e30ed737-17d8-42f3-a2a9-87521df09b78",
    "vbox-win-installer": "https://github.com/mdaniel/virtualbox-org-svn-vbox-trunk/blob/"
    "ba0cd0f12e4be909aaf388666f7a663d51d40e69/src/VBox/Installer/win/VBoxMergeApp.wxi",
    "ms-programfiles64": "https://learn.microsoft.com/en-us/windows/win32/msi/programfiles64folder",
    "vbox-autostart-win": "https://github.com/mirror/vbox/blob/"
    "3d406d51e18f07eb8240c754641d59f0ecc7ab2f/doc/manual/en_US/dita/topics/"
    "autostart-windows.dita",
    "ps-call-operator": "https://github.com/MicrosoftDocs/PowerShell-Docs/blob/"
    "08115562f89784fc11f325bb5f2c0b2f92fb9376/reference/7.4/Microsoft.PowerShell.Core/"
    "About/about_Operators.md",
    "vbox-hm": "https://github.com/VirtualBox/virtualbox/blob/"
    "f376087aa75a0fd54ef003be7c5f7fd94d28b64c/src/VBox/VMM/VMMR3/HM.cpp",
}
"""The sources this change added or moved, each read on READ."""

REGISTRY = {
    # snippet id: the command lines, from Microsoft's tables (key, name, type, value)
    "windows.l0_credential_guard_off": [
        'reg add "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa" /v LsaCfgFlags '
        "/t REG_DWORD /d 0 /f",
        'reg add "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\DeviceGuard" /v LsaCfgFlags '
        "/t REG_DWORD /d 0 /f",
    ],
    "windows.l0_vbs_off": [
        'reg delete "HKLM\\SYSTEM\\CurrentControlSet\\Control\\DeviceGuard" '
        "/v EnableVirtualizationBasedSecurity /f",
        'reg delete "HKLM\\SYSTEM\\CurrentControlSet\\Control\\DeviceGuard" '
        "/v RequirePlatformSecurityFeatures /f",
    ],
}


def _section() -> str:
    text = page_text(PAGE)
    start = text.index(".. _windows-l0-desktop:")
    return text[start : text.index("Sources -------", start)]


def _way_two() -> str:
    section = _section()
    start = section.index("2. **Turn Windows' hypervisor off**")
    return section[start : section.index("**Then switch nesting on for the VM**")]


def _claims() -> list[tuple[str, str]]:
    return [(m["text"], m["key"]) for m in _CLAIM.finditer(_section())]


def test_the_vague_instruction_is_replaced_by_steps():
    way = _way_two()
    assert "Then turn off memory integrity and Credential Guard (or VBS as a whole)" not in way
    for step in ("**Hyper-V.**", "**Memory integrity.**", "**Credential Guard.**",
                 "**VBS as a whole**", "**The Device Guard and Credential Guard hardware "
                 "readiness tool.**", "**Virtual Machine Platform**"):  # fmt: skip
        assert step in way, step


@pytest.mark.parametrize("words", sorted(CLAIMS))
def test_each_step_is_a_claim_of_its_source(words):
    quoting = [key for text, key in _claims() if words in text]
    assert quoting, f"no claim of the section says {words!r}"
    assert CLAIMS[words] in quoting, f"{words!r} rests on {quoting}, not {CLAIMS[words]}"


@pytest.mark.parametrize("key", sorted(SOURCES))
def test_each_new_source_names_its_address_and_read_date(key):
    assert key in {k for _, k in _claims()}, f"{key} backs no claim of the section"
    entry = _source_entry(key)
    assert f":url: {SOURCES[key]} " in entry, entry
    assert f":read: {READ}" in entry, entry


def test_the_uefi_lock_says_which_steps_do_not_work():
    way = _way_two()
    lock = way[way.index("**Under a UEFI lock**") : way.index("What that costs:")]
    assert "the policy and registry steps above are not enough" in lock
    assert "<ms-credential-guard>`" in lock and "<ms-memory-integrity>`" in lock
    # Microsoft's cmd.exe commands are named, not retyped after PowerShell's prompt
    assert '"Disable Credential Guard with UEFI lock"' in lock
    assert "mountvol" not in way and "{0cb3b571" not in way


def test_the_checks_afterwards_are_the_section_s_own_reused():
    section = _section()
    assert ".. _windows-l0-check: **Check which one runs.**" in section
    assert ":ref:`the checks above <windows-l0-check>`" in _way_two()
    # the msinfo32 line is named once, in the checks, not copied into the steps
    assert section.count("Virtualization-based Security Services Running") == 1


@pytest.mark.parametrize("sid", sorted(REGISTRY))
def test_the_registry_commands_write_microsofts_values(sid):
    snip = REG.get(sid)
    (era, key, body), = snip.bodies()
    assert isinstance(body, WindowsCommand)
    assert body.command.split("\n") == REGISTRY[sid]
    assert snip.not_executed.source == CREDENTIAL_GUARD_DOC
    assert snip.not_executed.read == READ
    assert proofs.proof(snip, key, era, REG).text.startswith("Not executed here: ")
    assert f".. snippet:: {sid} " in _way_two()


def test_bcdedit_hypervisorlaunchtype_off_is_one_of_the_steps():
    way = _way_two()
    hyperv = way[way.index("**Hyper-V.**") : way.index("**Memory integrity.**")]
    assert ".. snippet:: windows.l0_hyperv_off " in hyperv
    assert ".. snippet:: windows.hypervisor_launch_off " in hyperv
    assert "<ms-wsl-troubleshooting>`" in hyperv


def test_vboxmanage_in_windows_powershell_is_called_by_its_full_path():
    """The VirtualBox installer sets VBOX_MSI_INSTALL_PATH, not PATH (installer sources),
    so a bare VBoxManage after PowerShell's prompt may not be found; a quoted path needs
    the call operator."""
    calls = {sid: body.command for sid, snip in REG.snippets.items()
             for _, _, body in snip.bodies()
             if isinstance(body, WindowsCommand) and "VBoxManage" in body.command}  # fmt: skip
    assert set(calls) == {"windows.l0_vbox_hostinfo", "windows.l0_vbox_nested"}, calls
    for sid, command in calls.items():
        for line in command.split("\n"):
            assert line.startswith(VBOXMANAGE), (sid, line)


def test_the_nested_option_is_spelled_as_in_the_manual():
    """``--nested-hw-virt=on|off`` in the VBoxManage modifyvm synopsis of the 7.x manual
    (man_VBoxManage-modifyvm.xml, pubdate 2025-06-12, the snippet's source)."""
    snip = REG.get("windows.l0_vbox_nested")
    (_era, _key, body), = snip.bodies()
    assert body.command == VBOXMANAGE + "modifyvm l1 --nested-hw-virt=on"
    assert "man_VBoxManage-modifyvm.xml@080a9bce" in snip.not_executed.source


def test_the_user_reports_stay_labelled_as_reports():
    """No vendor source was found for these; the sentence still says it is a report."""
    section = _section()
    for words, key in (("Readers report :claim:", "auto-unlocker-31"),
                       ("One report describes the icon as :claim:", "vbox-152"),
                       ("a 2018 report lists enabled Hyper-V", "p4-167"),
                       ("one reader found that :claim:", "hyperv-switch-6")):  # fmt: skip
        at = section.index(words)
        assert section.index(f"<{key}>`", at) - at < 400, key
