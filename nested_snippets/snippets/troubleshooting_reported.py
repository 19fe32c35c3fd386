"""Troubleshooting: failures from public issue trackers (the second half of the page).

Shown on ``source/troubleshooting.rst``.  Most of these failures happen in QEMU,
libvirt, Windows or firmware, which the fake host does not model; their messages
are quoted in the page text with the source file (at a named release) or the issue
thread they come from.  What the fake host can show runs here:

* ``lscpu`` prints ``Hypervisor vendor:`` from CPUID leaf 0x40000000 inside a guest
  (util-linux ``sys-utils/lscpu-virt.c``); under KVM it reads ``KVM``.
* The libvirt ``<cpu>`` fragments are validated with ``virt-xml-validate`` by
  ``tests/realtools``; ``require`` is libvirt's documented feature policy
  (``docs/formatdomain.rst``, "CPU model and topology").
* QEMU's ``KVM: entry failed, hardware error 0x...`` and ``Could not access KVM
  kernel module: %m`` are in ``target/i386/kvm/kvm.c`` and ``accel/kvm/kvm-all.c``
  of QEMU 9.2.4 (read in a snapshot of that release).
"""

from nested_snippets.arches import X86
from nested_snippets.model import (
    Given,
    by_release,
    command_line,
    config,
    era,
    procedure,
    snippet,
    transcript,
    xml,
)

# ------------------------------------------------------- which hypervisor is L0?

l1_hypervisor_vendor = snippet(
    lambda a: transcript(f"""
        $ lscpu | grep -i -E 'hypervisor vendor|virtualization'
        Virtualization:                       {a.extension}
        Hypervisor vendor:                    KVM
        Virtualization type:                  full
    """),
    arches=X86,
    given=Given(level="L1"),
)
"""Inside L1: which hypervisor runs it, and whether it passed the extension on."""

# ----------------------------------------------- libvirt host-model without vmx

host_model_require = snippet(
    lambda a: xml(
        f"""
        <cpu mode='host-model' check='partial'>
          <feature policy='require' name='{a.cpu_flag}'/>
        </cpu>
        """,
        fragment_of="domain",
    ),
    arches=X86,
)

dumpxml_cpu = snippet(
    command_line("virsh --connect qemu:///system dumpxml l1 | grep -A3 '<cpu'"),
)

capabilities = snippet(
    command_line("virsh --connect qemu:///system capabilities | grep \"domain type\""),
)
"""Lists ``<domain type='qemu'/>`` and, when libvirt can use /dev/kvm, ``kvm``."""

# ------------------------------------------------------ QEMU in L1: which error?

qemu_accel_kvm = snippet(
    command_line("qemu-system-x86_64 -accel kvm -cpu host -m 1G -nographic -display none"),
)
"""Starts a guest with nothing in it: enough to see whether KVM opens."""

# ------------------------------------------- VT-x / SVM switched off in the firmware
# Lines from messages.py (feat_ctl_vmx_disabled, amd_svm_disabled_boot,
# disabled_by_bios, disabled_by_bios_amd); fakehost/firmware.py clears the flag at
# boot where the kernel does.  Before that, udev's load at boot fails the same way
# as the manual one, so the log holds the line twice.

BIOS_OFF = Given(firmware_vt=False)
_BIOS_GREP = "sudo dmesg | grep -i -E 'bios|svm|vmx'"

bios_off_cpuinfo = snippet(
    transcript(
        """
        $ grep -c -w vmx /proc/cpuinfo
        0
        $ sudo dmesg | grep -i vmx
        [    0.071642] x86/cpu: VMX (outside TXT) disabled by BIOS
        """,
        status={0: 1},
    ),
    given=BIOS_OFF,
    kernels=">=5.6",
    because="feat_ctl.c clears the flag at boot (in the 5.6.4 tree; 5.3 has no "
    "'vmx flags' series)",
    arch="intel",
)


def _bios_off(module: str, *lines: tuple[str, str]):
    """(time, message) lines as the log holds them: boot-time lines come first,
    the reader's modprobe a minute or two later.  The times are authored (the runner
    blanks them out); each transcript has its own, so no two look copied."""
    shown = "\n".join(f"        [{stamp}] {text}" for stamp, text in lines)
    return transcript(
        f"""
        $ sudo modprobe {module}
        modprobe: ERROR: could not insert '{module}': Operation not supported
        $ {_BIOS_GREP}
{shown}
        """,
        status={0: 1},
    )


_TXT = "x86/cpu: VMX (outside TXT) disabled by BIOS"
_OLD = "kvm: disabled by bios"
_FULLY = "kvm_intel: VMX not fully enabled on CPU 0.  Check kernel logs and/or BIOS"

bios_off_intel = snippet(
    by_release(
        era(
            "<5.6",
            _bios_off("kvm_intel", ("    6.204518", _OLD), ("  131.770342", _OLD)),
            because="x86.c kvm_arch_init() @ v4.19..v5.3; no feat_ctl.c yet, udev's "
            "boot-time load fails too",
        ),
        era(
            ">=5.6,<5.16",
            _bios_off("kvm_intel", ("    0.068215", _TXT), ("   94.531207", _OLD)),
            because="feat_ctl.c from 5.6; x86.c text until 5.15 (messages.py disabled_by_bios)",
        ),
        era(
            ">=5.16,<6.3",
            _bios_off(
                "kvm_intel",
                ("    0.074930", _TXT),
                ("  158.027716", "kvm: support for 'kvm_intel' disabled by bios"),
            ),
            because="x86.c names the vendor module from 5.16 (messages.py disabled_by_bios)",
        ),
        era(
            ">=6.3,<7.1",
            _bios_off(
                "kvm_intel",
                ("    0.063388", _TXT),
                ("  117.360954",
                 "kvm_intel: VMX not enabled (by BIOS) in MSR_IA32_FEAT_CTL on CPU 0"),
            ),
            because="vmx.c kvm_is_vmx_supported() @ v6.3.8..v6.18.2 (messages.py)",
        ),
        era(
            ">=7.1",
            _bios_off("kvm_intel", ("    0.070157", _TXT), ("   83.649381", _FULLY)),
            because="vmx.c @ v7.1.3; absent in v6.18.2 (messages.py disabled_by_bios)",
        ),
    ),
    given=BIOS_OFF,
    arch="intel",
)

bios_off_amd = snippet(
    by_release(
        era(
            "<5.16",
            _bios_off("kvm_amd", ("    5.917204", _OLD), ("  102.448671", _OLD)),
            because="svm.c is_disabled() + x86.c @ v4.19..v5.15 (messages.py "
            "disabled_by_bios_amd)",
        ),
        era(
            ">=5.16,<6.3",
            _bios_off(
                "kvm_amd",
                ("    7.330815", "kvm: support for 'kvm_amd' disabled by bios"),
                ("  146.182093", "kvm: support for 'kvm_amd' disabled by bios"),
            ),
            because="x86.c @ v6.1 (messages.py disabled_by_bios_amd)",
        ),
        era(
            ">=6.3,<6.7",
            _bios_off(
                "kvm_amd",
                ("    6.658432", "kvm_amd: SVM disabled (by BIOS) in MSR_VM_CR on CPU 0"),
                ("  121.905518", "kvm_amd: SVM disabled (by BIOS) in MSR_VM_CR on CPU 0"),
            ),
            because="svm.c kvm_is_svm_supported() @ v6.3.8..v6.6 (messages.py)",
        ),
        era(
            ">=6.7",
            _bios_off(
                "kvm_amd",
                ("    0.059821", "SVM disabled (by BIOS) in MSR_VM_CR"),
                ("  109.374226", "kvm_amd: SVM not supported by CPU 0"),
            ),
            because="amd.c init_amd() clears svm at boot from 6.7 (commit 7deda2ce5b33; "
            "@ v6.18.2); svm.c @ v6.12..v7.1.3",
        ),
    ),
    arch="amd",
    given=BIOS_OFF,
)

# ------------------------------------- VirtualBox or VMware next to KVM (6.12 on)

VIRT_AT_LOAD_CONF = "/etc/modprobe.d/kvm-virt-at-load.conf"
"""A file of its own: Fedora ships an ``/etc/modprobe.d/kvm.conf`` that this must not
replace."""

virt_at_load_on = snippet(
    lambda a: transcript("""
        $ cat /sys/module/kvm/parameters/enable_virt_at_load
        Y
    """),
    arches=X86,
    kernels=">=6.12",
)
"""``Y``: KVM holds the CPU's virtualization extension from the moment it loads
(virt/kvm/kvm_main.c, ``enable_virt_at_load``); the file is absent before 6.12."""

virt_at_load_conf = snippet(
    lambda a: config(VIRT_AT_LOAD_CONF, "options kvm enable_virt_at_load=0"),
    arches=X86,
)

virt_at_load_reload = snippet(
    lambda a: transcript(f"""
        $ sudo modprobe -r {a.module} kvm
        $ sudo modprobe {a.module}
        $ cat /sys/module/kvm/parameters/enable_virt_at_load
        N
    """),
    arches=X86,
    kernels=">=6.12",
    given=Given(files={VIRT_AT_LOAD_CONF: "options kvm enable_virt_at_load=0\n"}),
)
"""``kvm`` is removed too: its parameter is read-only (0444) and read when it loads,
as a dependency of the vendor module, with the file's option."""

virt_at_load_off = procedure(
    [virt_at_load_on, virt_at_load_conf, virt_at_load_reload],
    arches=X86,
    kernels=">=6.12",
)
