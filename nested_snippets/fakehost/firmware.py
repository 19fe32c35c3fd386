"""A host whose firmware switched VT-x or SVM off: what the kernel does at boot.

The processor still reports the extension in CPUID, but the firmware locked it off
(Intel: ``IA32_FEATURE_CONTROL`` without "VMX outside SMX"; AMD: ``VM_CR.SVMDIS``).
From the releases below the kernel notices at boot, logs one line and clears the
flag from ``/proc/cpuinfo``; earlier kernels keep the flag and only KVM's own
module check fails (``messages.py`` ``disabled_by_bios``/``disabled_by_bios_amd``).

Which line and which flags are each architecture's (``firmware_off_*`` of its row):

* Intel: ``arch/x86/kernel/cpu/feat_ctl.c`` ``init_ia32_feat_ctl()`` (present in the
  5.6.4 and 6.18.2 trees; 5.6 is the VMX feature-name series that also added the
  ``vmx flags`` line, see :mod:`cpus`).  ``init_vmx_capabilities()`` is skipped, so
  the synthetic ``tpr_shadow``/``vnmi``/``flexpriority``/``ept``/``vpid`` flags and
  the ``vmx flags`` line go too.
* AMD: ``arch/x86/kernel/cpu/amd.c`` ``init_amd()`` @ v6.18.2 (commit 7deda2ce5b33,
  v6.7) clears only ``svm``.
"""

from __future__ import annotations

from nested_snippets import arches
from nested_snippets.kernel import messages


def _cleared(flag: str, clears: tuple[str, ...]) -> bool:
    return any(flag == c or (c.endswith("*") and flag.startswith(c[:-1])) for c in clears)


def cpu_flags(arch: str, kernel: str, flags: list[str]) -> list[str]:
    """The CPU flags the kernel shows when the firmware switched VT-x/SVM off."""
    row = arches.get(arch)
    if not row.firmware_off_message or not messages.message(row.firmware_off_message, kernel):
        return list(flags)
    return [f for f in flags if not _cleared(f, row.firmware_off_clears)]


def log_boot(state) -> None:
    """Log the CPU setup code's line at boot (a no-op when the firmware allows VT).

    Reads the state's own message table, so a reboot inside the tool server needs
    no kernel data.
    """
    key = arches.get(state.arch).firmware_off_message
    if not state.firmware_vt and key:
        state.log(state.messages[key][0])
