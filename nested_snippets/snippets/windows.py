"""Windows with Hyper-V or WSL 2 as the guest hypervisor (L1) on KVM.

Shown on ``source/how-to/windows-hyperv.rst``.  Facts, from QEMU's
``docs/system/i386/hyperv.rst`` at v10.2.0:

* ``hv-evmcs`` (Enlightened VMCS) is for Hyper-V on KVM, Intel only, requires
  ``hv-vapic`` and disables some features such as posted interrupts;
* nested Hyper-V can only use synthetic timers in direct mode, so
  ``hv-stimer-direct`` is needed (requires ``hv-vpindex``, ``hv-synic``,
  ``hv-time``, ``hv-stimer``);
* ``hv-passthrough`` is a development feature that "effectively prevents
  migration".

The libvirt elements are those of ``docs/formatdomain.rst`` ("Hypervisor
features", ``<hyperv>``); ``tests/realtools`` validates every XML document here with
``virt-xml-validate``.  The ``-cpu`` model of the QEMU lines is checked against the
real ``qemu-system-x86_64 -cpu help`` and every ``hv-*`` property name against the
CPU type's property list (``-device host-x86_64-cpu,help``); nothing starts Windows.
"""

from nested_snippets.arches import X86
from nested_snippets.model import (
    NotExecuted,
    command_line,
    foreign_config,
    snippet,
    transcript,
    windows_command,
    xml,
)

_VENDOR_ID = {"intel": "GenuineIntel", "amd": "AuthenticAMD"}
"""What /proc/cpuinfo's vendor_id says for each vendor (x86 CPUID leaf 0)."""

_HV_COMMON = (
    "hv-relaxed,hv-vapic,hv-spinlocks=0xfff,hv-vpindex,hv-runtime,hv-time,"
    "hv-synic,hv-stimer,hv-stimer-direct,hv-frequencies,hv-tlbflush,hv-ipi"
)
_HV_VENDOR = {"intel": ",hv-evmcs", "amd": ""}
"""hv-evmcs is Intel-only (QEMU hyperv.rst @ v10.2.0); AMD gets the common set."""

l0_vendor = snippet(
    lambda a: transcript(f"""
        $ grep -m1 -o -E 'GenuineIntel|AuthenticAMD' /proc/cpuinfo
        {_VENDOR_ID[a.key]}
    """),
    arches=X86,
)
"""Which vendor L0 is: decides whether hv-evmcs may be used."""

qemu_windows_l1 = snippet(
    lambda a: command_line(f"""
        qemu-system-x86_64 -accel kvm -machine q35 -smp 4 -m 8G \\
            -cpu host,{_HV_COMMON}{_HV_VENDOR[a.key]} \\
            -drive file=windows.qcow2 -nic user,model=e1000e
    """),
    arches=X86,
)

qemu_passthrough = snippet(
    command_line("""
        qemu-system-x86_64 -accel kvm -machine q35 -smp 4 -m 8G \\
            -cpu host,hv-passthrough \\
            -drive file=windows.qcow2 -nic user,model=e1000e
    """),
)
"""Every enlightenment the host KVM knows: for trying things, not for production."""

_EVMCS = {"intel": "\n    <evmcs state='on'/>", "amd": ""}

libvirt_hyperv = snippet(
    lambda a: xml(
        f"""
<features>
  <acpi/>
  <apic/>
  <hyperv mode='custom'>
    <relaxed state='on'/>
    <vapic state='on'/>
    <spinlocks state='on' retries='4095'/>
    <vpindex state='on'/>
    <runtime state='on'/>
    <synic state='on'/>
    <stimer state='on'>
      <direct state='on'/>
    </stimer>
    <frequencies state='on'/>
    <tlbflush state='on'/>
    <ipi state='on'/>{_EVMCS[a.key]}
  </hyperv>
</features>
        """,
        fragment_of="domain",
    ),
    arches=X86,
)

libvirt_hyperv_passthrough = snippet(
    xml(
        """
        <features>
          <acpi/>
          <apic/>
          <hyperv mode='passthrough'/>
        </features>
        """,
        fragment_of="domain",
    ),
)

libvirt_clock = snippet(
    xml(
        """
        <clock offset='localtime'>
          <timer name='hypervclock' present='yes'/>
        </clock>
        """,
        fragment_of="domain",
    ),
)
"""hv-time needs the Hyper-V reference clock, libvirt's timer 'hypervclock'."""

# ------------------------------------------------- inside Windows (never run here)

_WIN_READ = "2026-12-04"
"""The day the Microsoft pages below were read."""

systeminfo_requirements = snippet(
    windows_command("systeminfo.exe"),
    not_executed=NotExecuted(
        why="runs in Windows; Microsoft's Hyper-V requirements page: every item under "
        "'Hyper-V Requirements' must say Yes, and a host where a hypervisor already runs "
        "shows 'A hypervisor has been detected' instead",
        source="https://github.com/MicrosoftDocs/Virtualization-Documentation/blob/"
        "238490ac72afd1fdd5407495b237b283435e8ba1/virtualization/hyper-v-on-windows/"
        "reference/hyper-v-requirements.md",
        read=_WIN_READ,
    ),
)
"""The check before Hyper-V is turned on, in cmd.exe or PowerShell."""

hypervisor_launch = snippet(
    windows_command("bcdedit /enum | findstr -i hypervisorlaunchtype"),
    not_executed=NotExecuted(
        why="runs in an elevated PowerShell in Windows; Microsoft's WSL troubleshooting "
        "page, entry for error 0x80370102: 'Off' means the hypervisor does not start",
        source="https://github.com/MicrosoftDocs/WSL/blob/"
        "0444d5148e891e42b9cc604fc9327d923bb1eee8/WSL/troubleshooting.md",
        read=_WIN_READ,
    ),
)
"""After Hyper-V (or the Virtual Machine Platform) is on and Windows restarted."""

# ------------------------------------------- WSL 2 as L1 on a Windows PC (never run here)
# Shown on source/how-to/builtin-kvm.rst (section "WSL 2 as L1").

_WSL_CONFIG_DOC = (
    "https://github.com/MicrosoftDocs/WSL/blob/8842def77a852af26318b9ebec78063a94b068ed/"
    "WSL/wsl-config.md"
)
"""Microsoft's "Advanced settings configuration in WSL" (ms.date 04/15/2026), read in its
source repository; published at learn.microsoft.com/en-us/windows/wsl/wsl-config."""
_WSL_READ = "2026-12-05"

WSL_CMDLINE = {"intel": "kvm_intel.nested=1", "amd": "kvm_amd.nested=1"}
"""The kernelCommandLine of the .wslconfig below; tests/test_wslconfig.py checks that
builtin.cmdline_check (run on the fake host) boots with the same words."""

wslconfig_nested = snippet(
    lambda a: foreign_config(
        "%UserProfile%\\.wslconfig",
        f"""
        [wsl2]
        nestedVirtualization=true
        kernelCommandLine={WSL_CMDLINE[a.key]}
        """,
        language="ini",
    ),
    arches=X86,
    not_executed=NotExecuted(
        why="a file in your Windows user profile, read by WSL when its VM starts; "
        "section [wsl2], keys nestedVirtualization (boolean, Windows 11 only) and "
        "kernelCommandLine (additional kernel command line arguments); "
        "tests/test_wslconfig.py parses it and checks each key and kernel parameter",
        source=_WSL_CONFIG_DOC,
        read=_WSL_READ,
    ),
)

wsl_shutdown = snippet(
    windows_command("wsl --shutdown"),
    not_executed=NotExecuted(
        why="runs in PowerShell or cmd.exe on Windows; stops every running WSL 2 "
        "distribution so that the next start reads .wslconfig again",
        source=_WSL_CONFIG_DOC,
        read=_WSL_READ,
    ),
)

# ------------------------------------- Windows L1 that no longer boots (never run here)

hypervisor_launch_off = snippet(
    windows_command("bcdedit /set hypervisorlaunchtype off"),
    not_executed=NotExecuted(
        why="runs as administrator in Windows; "
        "hypervisorlaunchtype [Off | Auto] controls the hypervisor launch options, and "
        "bcdedit /set without an {ID} changes the current operating system boot entry",
        source="https://github.com/MicrosoftDocs/windows-driver-docs/blob/"
        "07c83e644b2f4c971499b136b25ad94fca5ca79e/windows-driver-docs-pr/devtest/"
        "bcdedit--set.md",
        read=_WSL_READ,
    ),
)
"""Windows without its hypervisor, for a guest that cannot get vmx/svm from its host."""

# --------------------- a Windows PC as L0 under VMware Workstation or VirtualBox (never run here)
# Shown on source/how-to/windows-hyperv.rst (section "windows-l0-desktop").

_L0_READ = "2026-12-05"
"""The day the Microsoft, VirtualBox and VMware documents below were read."""

_MS_MEMORY_INTEGRITY = (
    "https://github.com/MicrosoftDocs/windows-itpro-docs/blob/"
    "0bc5f10e30b045e19c12c3c24df9930f165bbe76/windows/security/hardware-security/"
    "enable-virtualization-based-protection-of-code-integrity.md"
)
"""Microsoft, "Enable virtualization-based protection of code integrity" (ms.date
03/16/2023), section "Validate enabled VBS and memory integrity features"."""

_MS_APPS_WITH_HYPERV = (
    "https://github.com/MicrosoftDocs/SupportArticles-docs/blob/"
    "04949c763eee6433a7aa75574e7678aa0ac1c551/support/windows-client/"
    "application-management/virtualization-apps-not-work-with-hyper-v.md"
)
"""Microsoft, "Virtualization applications don't work together with Hyper-V, Device Guard,
and Credential Guard" (KB 3204980, ms.date 02/12/2026), section "Disable Hyper-V in
PowerShell"."""

VBOXMANAGE_WIN = r'& "C:\Program Files\Oracle\VirtualBox\VBoxManage.exe"'
"""VBoxManage as PowerShell runs it from VirtualBox's default folder on 64-bit Windows:
the installer's INSTALLDIR is ``[ProgramFiles64Folder]\\Oracle\\VirtualBox``
(mdaniel/virtualbox-org-svn-vbox-trunk src/VBox/Installer/win/VirtualBox.wxs @4e85b654,
VBOX_VENDOR_SHORT = Oracle in Config.kmk @d520e92f), VBoxManage.exe is one of its
main binaries and the only environment variable those files set is
VBOX_MSI_INSTALL_PATH (VBoxMergeApp.wxi @ba0cd0f1), not PATH.  A quoted path runs
only through PowerShell's call operator ``&`` (about_Operators, PowerShell-Docs
@08115562); the page cites each of these."""

_VBOX_LIST = (
    "VirtualBox/virtualbox src/VBox/Frontends/VBoxManage/VBoxManageList.cpp"
    "@4908d8d1a85c75c0eefb6a4c5c8a9f07211ad8f1"
)
"""listHostInfo(): one line "Processor supports %s: %s" per processor feature, among them
"nested HW virtualization", answered yes or no."""

_VBOX_NESTED_DOC = (
    "VirtualBox/virtualbox doc/manual/en_US/man_VBoxManage-modifyvm.xml"
    "@080a9bcecbcff53d2cd45413556543c4bceda055"
)
"""``--nested-hw-virt=on|off`` of ``VBoxManage modifyvm``; the manual's topic
"Nested Virtualization" (mirror/vbox doc/manual/en_US/dita/topics/nested-virt.dita
@1d73e3bc) names the same option and the "Enable Nested VT-x/AMD-V" check box."""

l0_device_guard = snippet(
    windows_command(
        "Get-CimInstance -ClassName Win32_DeviceGuard"
        " -Namespace root\\Microsoft\\Windows\\DeviceGuard"
    ),
    not_executed=NotExecuted(
        why="runs in an elevated PowerShell on the Windows PC (L0); Microsoft's memory "
        "integrity page: VirtualizationBasedSecurityStatus 2 means VBS is enabled and "
        "running, SecurityServicesRunning 1 is Credential Guard and 2 memory integrity",
        source=_MS_MEMORY_INTEGRITY,
        read=_L0_READ,
    ),
)
"""Is virtualization-based security (and so Windows' hypervisor) running on the PC?"""

l0_hyperv_off = snippet(
    windows_command(
        "Disable-WindowsOptionalFeature -Online -FeatureName Microsoft-Hyper-V-Hypervisor"
    ),
    not_executed=NotExecuted(
        why="runs in an elevated PowerShell on the Windows PC (L0), followed by a restart; "
        "Microsoft's KB 3204980 gives it to let VMware Workstation or VirtualBox use "
        "Intel VT-x or AMD-V, together with turning off Device Guard and Credential Guard",
        source=_MS_APPS_WITH_HYPERV,
        read=_L0_READ,
    ),
)
"""Windows' own hypervisor off, the first of KB 3204980's steps."""

_MS_CREDENTIAL_GUARD = (
    "https://github.com/MicrosoftDocs/windows-itpro-docs/blob/"
    "0888ed62558c84df29c5468fe585ebb92b831f81/windows/security/identity-protection/"
    "credential-guard/configure.md"
)
"""Microsoft, "Configure Credential Guard" (ms.date 06/20/2024), sections "Disable
Credential Guard" (tab Registry) and "Disable Virtualization-based Security" (tab
Registry).  Its tables give key path, name, type and value; the commands write them
with ``reg add`` / ``reg delete /v ... /f`` as Microsoft's memory integrity page does
for the same DeviceGuard keys."""

_REG_LSA = r'"HKLM\SYSTEM\CurrentControlSet\Control\Lsa"'
_REG_DG_POLICY = r'"HKLM\SOFTWARE\Policies\Microsoft\Windows\DeviceGuard"'
_REG_DG = r'"HKLM\SYSTEM\CurrentControlSet\Control\DeviceGuard"'

l0_credential_guard_off = snippet(
    windows_command(
        f"reg add {_REG_LSA} /v LsaCfgFlags /t REG_DWORD /d 0 /f\n"
        f"reg add {_REG_DG_POLICY} /v LsaCfgFlags /t REG_DWORD /d 0 /f"
    ),
    not_executed=NotExecuted(
        why="runs as administrator on the Windows PC (L0), followed by a restart; "
        "Microsoft's registry settings for a Credential Guard enabled without UEFI lock "
        "and without Group Policy: LsaCfgFlags (REG_DWORD) set to 0 under both keys, "
        "since deleting the values may not disable it",
        source=_MS_CREDENTIAL_GUARD,
        read=_L0_READ,
    ),
)
"""Credential Guard off through the registry (not under a UEFI lock, not set by policy)."""

l0_vbs_off = snippet(
    windows_command(
        f"reg delete {_REG_DG} /v EnableVirtualizationBasedSecurity /f\n"
        f"reg delete {_REG_DG} /v RequirePlatformSecurityFeatures /f"
    ),
    not_executed=NotExecuted(
        why="runs as administrator on the Windows PC (L0), followed by a restart; "
        "Microsoft's registry steps to disable virtualization-based security: delete both "
        "values, or the device might go into BitLocker recovery",
        source=_MS_CREDENTIAL_GUARD,
        read=_L0_READ,
    ),
)
"""VBS as a whole off through the registry, which turns Credential Guard off too."""

l0_vbox_hostinfo = snippet(
    windows_command(f"{VBOXMANAGE_WIN} list hostinfo"),
    not_executed=NotExecuted(
        why="runs in PowerShell on the Windows PC (L0) where VirtualBox is installed in its "
        "default folder; its output has the line "
        "'Processor supports nested HW virtualization: yes' or '... no'",
        source=_VBOX_LIST,
        read=_L0_READ,
    ),
)
"""What VirtualBox says the host offers for nesting, before the VM's setting is changed."""

l0_vbox_nested = snippet(
    windows_command(f"{VBOXMANAGE_WIN} modifyvm l1 --nested-hw-virt=on"),
    not_executed=NotExecuted(
        why="runs in PowerShell on the Windows PC (L0) with the VM l1 powered off; the "
        "command-line form of the 'Enable Nested VT-x/AMD-V' check box on the VM's "
        "Processor tab",
        source=_VBOX_NESTED_DOC,
        read=_L0_READ,
    ),
)
"""clouds.virtualbox_nested, typed in PowerShell on a Windows L0."""
