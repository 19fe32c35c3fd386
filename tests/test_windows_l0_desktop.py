"""A Windows PC as L0 under VMware Workstation or VirtualBox (gap 19w): readers whose
Linux VM gets no ``vmx``/``svm`` because Windows' hypervisor (Hyper-V, WSL 2, memory
integrity, Credential Guard) owns VT-x/AMD-V had no section; windows-l0-desktop.

Each message a reader sees or searches for is pinned to the claim that carries it and
to that claim's source; each source to its address and read date; each Windows command
to the document it follows.  Whitespace is normalised.
"""

from __future__ import annotations

import re

import pytest

from nested_snippets import pages, proofs, registry
from nested_snippets.bodies import WindowsCommand
from tests.fact_findings import page_text

PAGE = "how-to/windows-hyperv.rst"
LABEL = "windows-l0-desktop"
READ = "2026-12-05"
REG = registry.load()

MESSAGES = {
    # what the reader sees or looks for: the source of the claim that quotes it
    "Virtualized Intel VT-x/EPT is not supported on this platform.": "auto-unlocker-31",
    "VT-x is not available (VERR_VMX_NO_VMX)": "p4-167",
    "A hypervisor has been detected. Features required for Hyper-V will not be displayed.":
        "ms-kb-3204980",
    "Virtualization-based Security Services Running": "ms-credential-guard",
    "This setting is managed by your administrator": "ms-memory-integrity",
    "Processor supports nested HW virtualization:": "vbox-list-hostinfo",
    "Virtualize Intel VT-x/EPT or AMD-V/RVI": "vmware-nested-ws",
    "Enable Nested VT-x/AMD-V": "vbox-nested",
    "Host VBS Mode nested virtual machines are not supported": "vmware-host-vbs-limits",
    "Windows Hypervisor Platform must be enabled": "vbox-hyperv",
    "Virtual Machine Platform": "wsl-faq",
}  # fmt: skip

SOURCES = {
    "ms-kb-3204980": "https://github.com/MicrosoftDocs/SupportArticles-docs/blob/"
    "04949c763eee6433a7aa75574e7678aa0ac1c551/support/windows-client/"
    "application-management/virtualization-apps-not-work-with-hyper-v.md",
    "ms-memory-integrity": "https://github.com/MicrosoftDocs/windows-itpro-docs/blob/"
    "0bc5f10e30b045e19c12c3c24df9930f165bbe76/windows/security/hardware-security/"
    "enable-virtualization-based-protection-of-code-integrity.md",
    "ms-credential-guard": "https://github.com/MicrosoftDocs/windows-itpro-docs/blob/"
    "0888ed62558c84df29c5468fe585ebb92b831f81/windows/security/identity-protection/"
    "credential-guard/configure.md",
    "wsl-faq": "https://github.com/MicrosoftDocs/WSL/blob/"
    "e084871f3428bae59d85ae78aa777610b49e5b22/WSL/faq.yml",
    "vmware-host-vbs-limits": "https://docs.vmware.com/jp/VMware-Workstation-Player-for-"
    "Windows/17.0/com.vmware.player.win.using.doc/GUID-778DD0ED-6FC9-415F-B071-0CEC127BE719.html",
    "vmware-host-vbs-resume": "https://docs.vmware.com/en/VMware-Workstation-Pro/17/"
    "com.vmware.ws.using.doc/GUID-FF4870F3-8166-4EB4-842B-6F94DBA70758.html",
    "vmware-nested-ws": "https://communities.vmware.com/docs/DOC-8970",
    "vbox-hyperv": "https://github.com/mdaniel/virtualbox-org-svn-vbox-trunk/blob/"
    "d669b1295ab9365145056d0190ec9a5d3e3092f3/doc/manual/en_US/dita/topics/hyperv-support.dita",
    "vbox-nested": "https://github.com/mirror/vbox/blob/"
    "1d73e3bc76519d0c2b2dd0828e60f412a2ccfac3/doc/manual/en_US/dita/topics/nested-virt.dita",
    "vbox-list-hostinfo": "https://github.com/VirtualBox/virtualbox/blob/"
    "4908d8d1a85c75c0eefb6a4c5c8a9f07211ad8f1/src/VBox/Frontends/VBoxManage/VBoxManageList.cpp",
    "auto-unlocker-31": "https://github.com/paolo-projects/auto-unlocker/issues/31",
    "wsl-5030": "https://github.com/microsoft/WSL/issues/5030",
    "vbox-152": "https://github.com/VirtualBox/virtualbox/issues/152",
    "gns3-gui-3032": "https://github.com/GNS3/gns3-gui/issues/3032",
    "p4-167": "https://github.com/p4lang/tutorials/issues/167",
    "hyperv-switch-6": "https://github.com/ygoe/HyperVSwitch/issues/6",
}
"""The sources this section added, each read on READ."""

COMMANDS = {
    # snippet id: (the command, the document it follows)
    "windows.l0_device_guard": (
        "Get-CimInstance -ClassName Win32_DeviceGuard"
        " -Namespace root\\Microsoft\\Windows\\DeviceGuard",
        SOURCES["ms-memory-integrity"],
    ),
    "windows.l0_hyperv_off": (
        "Disable-WindowsOptionalFeature -Online -FeatureName Microsoft-Hyper-V-Hypervisor",
        SOURCES["ms-kb-3204980"],
    ),
    "windows.l0_vbox_hostinfo": (
        '& "C:\\Program Files\\Oracle\\VirtualBox\\VBoxManage.exe" list hostinfo',
        "VirtualBox/virtualbox src/VBox/Frontends/VBoxManage/VBoxManageList.cpp"
        "@4908d8d1a85c75c0eefb6a4c5c8a9f07211ad8f1",
    ),
    "windows.l0_vbox_nested": (
        '& "C:\\Program Files\\Oracle\\VirtualBox\\VBoxManage.exe" modifyvm l1 '
        "--nested-hw-virt=on",
        "VirtualBox/virtualbox doc/manual/en_US/man_VBoxManage-modifyvm.xml"
        "@080a9bcecbcff53d2cd45413556543c4bceda055",
    ),
}

_CLAIM = re.compile(r":claim:`(?P<text>[^`]+?)\s*<(?P<key>[a-z0-9-]+)>`")


def _section() -> str:
    text = page_text(PAGE)
    start = text.index(f".. _{LABEL}:")
    return text[start : text.index("Sources -------", start)]


def _claims() -> list[tuple[str, str]]:
    return [(m["text"], m["key"]) for m in _CLAIM.finditer(_section())]


def _source_entry(key: str) -> str:
    text = page_text(PAGE)
    start = text.index(f".. source:: {key} ")
    nxt = text.find(".. source::", start + 5)
    return text[start : nxt if nxt != -1 else len(text)]


def test_the_section_has_its_label_after_the_windows_l1_sections():
    text = page_text(PAGE)
    at = text.index(f".. _{LABEL}:")
    assert text.index("What can go wrong") < at < text.index("Sources -------")
    section = _section()
    assert "KVM in a Linux VM under VMware Workstation or VirtualBox on Windows" in section
    # the intro sends these readers here
    assert f":ref:`{LABEL}`" in text[: text.index(".. _windows-hyperv-host:")]


@pytest.mark.parametrize("message", sorted(MESSAGES))
def test_each_message_is_quoted_in_a_claim_of_its_source(message):
    key = MESSAGES[message]
    quoting = [k for text, k in _claims() if message in text]
    assert quoting, f"no claim of the section quotes {message!r}"
    assert key in quoting, f"{message!r} rests on {quoting}, not {key}"


@pytest.mark.parametrize("key", sorted(SOURCES))
def test_each_source_is_used_and_names_its_address_and_read_date(key):
    assert key in {k for _, k in _claims()}, f"{key} backs no claim of the section"
    entry = _source_entry(key)
    assert f":url: {SOURCES[key]} " in entry, entry
    assert f":read: {READ}" in entry, entry


@pytest.mark.parametrize("sid", sorted(COMMANDS))
def test_each_windows_command_follows_its_document_and_is_not_executed(sid):
    command, source = COMMANDS[sid]
    snip = REG.get(sid)
    (_era, key, body), = snip.bodies()
    assert isinstance(body, WindowsCommand) and body.command == command
    assert snip.not_executed.source == source and snip.not_executed.read == READ
    assert proofs.proof(snip, key, _era, REG).text.startswith("Not executed here: ")
    where = [page for page, _ in pages.usages().get(sid, [])]
    assert where == [f"source/{PAGE}"], where
    assert f".. snippet:: {sid}" in _section()


def test_the_section_names_both_ways_out_and_the_checks_in_l1():
    section = _section()
    for ref in ("clouds-hyperv", "builtin-kvm-wsl", "clouds-check", "clouds-vmware"):
        assert f":ref:`{ref}`" in section, ref
    assert "<verify-l1>`" in section
    # the existing checks of Windows' hypervisor, shown again here
    assert ".. snippet:: windows.hypervisor_launch " in section
    assert "<ms-wsl-troubleshooting>`" in section


def test_the_home_page_sends_these_readers_here_in_one_line():
    home = (page_text("index.rst"))
    line = ("- VMware Workstation or VirtualBox on a Windows PC, KVM in its Linux VM? "
            f":ref:`{LABEL}`.")  # fmt: skip
    assert line in home


def test_what_was_not_checked_is_said():
    section = _section()
    assert "whether Workstation's check box writes the same line was not checked here" in section
    assert "what it prints while Windows' hypervisor runs was not checked here" in section
