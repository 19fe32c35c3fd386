"""What L0 is, seen from an L1 guest: KVM, Hyper-V, VMware, Xen, VirtualBox, and
which cloud (Google Compute Engine, Azure, AWS).  Read-only, from files only (the
standard library cannot run CPUID): DMI, ``/sys/hypervisor``, the VMBus, the
clock sources, the ``hypervisor`` CPU flag and the kernel log if a file has it.

Sources of the strings matched (read 2026-12-01):

* DMI vendors: systemd ``src/basic/virt.c``, ``detect_vm_dmi_vendor()`` (prefixes
  "KVM", "QEMU", "VMware", "VMW", "innotek GmbH", "VirtualBox", "Xen", "Amazon EC2",
  "Hyper-V"); an EC2 product name ending in ``.metal`` is bare metal (same file,
  ``detect_vm_dmi()``).
* Azure: cloud-init ``cloudinit/sources/DataSourceAzure.py``,
  ``AZURE_CHASSIS_ASSET_TAG = "7783-7084-3265-9085-8269-3286-77"``.
* Google: ``cloud.google.com/go/compute/metadata``, ``systemInfoSuggestsGCE()``:
  product name "Google" or "Google Compute Engine".
* ``/sys/hypervisor/type`` "xen": systemd ``detect_vm_hypervisor()``.
* Kernel log: ``arch/x86/kernel/cpu/hypervisor.c`` prints
  ``Hypervisor detected: NAME`` with the ``.name`` of ``kvm.c`` ("KVM"),
  ``mshyperv.c`` ("Microsoft Hyper-V"), ``vmware.c`` ("VMware"), ``xen`` ("Xen HVM",
  "Xen PV") (Linux 6.1).
* Clock sources: ``arch/x86/kernel/kvmclock.c`` registers "kvm-clock",
  ``drivers/clocksource/hyperv_timer.c`` "hyperv_clocksource_tsc_page" (Linux 6.1).
"""

from __future__ import annotations

from collections import namedtuple

from nested_snippets.cli.hostfs import HostFS, Unreadable

AZURE_ASSET_TAG = "7783-7084-3265-9085-8269-3286-77"
DMI_FIELDS = (
    "sys_vendor",
    "product_name",
    "product_version",
    "bios_vendor",
    "bios_version",
    "board_vendor",
    "chassis_asset_tag",
)
DMI_PREFIXES = (
    ("Amazon EC2", "kvm"),
    ("innotek GmbH", "virtualbox"),
    ("VirtualBox", "virtualbox"),
    ("Xen", "xen"),
    ("VMware", "vmware"),
    ("VMW", "vmware"),
    ("Hyper-V", "hyperv"),
    ("KVM", "kvm"),
    ("QEMU", "kvm"),
    ("Google", "kvm"),
)
"""DMI value prefix -> kind; the first four name L0 even when it runs on KVM."""
LOG_NAMES = {
    "KVM": "kvm",
    "Microsoft Hyper-V": "hyperv",
    "VMware": "vmware",
    "Xen HVM": "xen",
    "Xen PV": "xen",
}
CLOCKS = {"kvm-clock": "kvm", "hyperv_clocksource_tsc_page": "hyperv"}
KERNEL_LOGS = ("/var/log/dmesg", "/var/log/kern.log", "/var/log/messages", "/var/log/syslog")
LOG_LIMIT = 2 * 1024 * 1024
NAMES = {
    "kvm": "KVM",
    "hyperv": "Microsoft Hyper-V",
    "vmware": "VMware",
    "xen": "Xen",
    "virtualbox": "VirtualBox",
    None: "an unknown hypervisor",
}
PROVIDERS = {"gce": "Google Compute Engine", "azure": "Microsoft Azure", "aws": "Amazon EC2"}

L0 = namedtuple("L0", "kind provider evidence")
"""``kind``: a key of :data:`NAMES`; ``provider``: a key of :data:`PROVIDERS` or
None; ``evidence``: what was read, one string per source."""

DETECTED = "Hypervisor detected: "
_DETECTED = DETECTED + r"([^\r\n]+)"
"""The kernel's line, as a pattern compiled only for a log that has it (start-up time)."""


def _read(fs: HostFS, shown: str, limit: int = 256) -> str:
    try:
        return (fs.read_optional(shown, limit=limit, strict=False) or "").strip()
    except Unreadable:
        return ""


def dmi(fs: HostFS) -> dict[str, str]:
    """The DMI fields that are present and readable (``product_serial`` is not read)."""
    found = {}
    for name in DMI_FIELDS:
        value = _read(fs, f"/sys/class/dmi/id/{name}")
        if value:
            found[name] = value
    return found


def _from_dmi(fields: dict[str, str]) -> tuple[str | None, str | None, list[str]]:
    """(kind, provider, evidence) from DMI alone."""
    kind = provider = None
    seen = []
    if fields.get("chassis_asset_tag") == AZURE_ASSET_TAG:
        kind, provider = "hyperv", "azure"
        seen.append(f"DMI chassis_asset_tag '{AZURE_ASSET_TAG}' (Azure)")
    product = fields.get("product_name", "")
    if product in ("Google", "Google Compute Engine"):
        kind, provider = "kvm", "gce"
        seen.append(f"DMI product_name '{product}'")
    for name in ("sys_vendor", "bios_vendor"):
        if fields.get(name, "").startswith("Amazon EC2"):
            if product.endswith(".metal"):
                return None, None, []  # an EC2 bare-metal instance
            kind, provider = kind or "kvm", "aws"
            seen.append(f"DMI {name} 'Amazon EC2'")
            break
    if "amazon" in fields.get("bios_version", "").lower() and provider is None:
        provider = "aws"  # EC2 instances on Xen
        seen.append(f"DMI bios_version '{fields['bios_version']}'")
    if kind is None:
        for name in ("product_name", "sys_vendor", "board_vendor", "bios_vendor"):
            value = fields.get(name, "")
            hit = next((k for prefix, k in DMI_PREFIXES if value.startswith(prefix)), None)
            if hit:
                kind = hit
                seen.append(f"DMI {name} '{value}'")
                break
    microsoft = (fields.get("sys_vendor"), fields.get("product_name"))
    if kind is None and microsoft == ("Microsoft Corporation", "Virtual Machine"):
        kind = "hyperv"
        seen.append("DMI 'Microsoft Corporation' 'Virtual Machine'")
    return kind, provider, seen


def kernel_log(fs: HostFS) -> tuple[str, str] | None:
    """(file, name) of the last ``Hypervisor detected`` line in a readable log file."""
    for shown in KERNEL_LOGS:
        text = _read(fs, shown, LOG_LIMIT)
        if DETECTED not in text:
            continue
        import re

        found = re.findall(_DETECTED, text)
        if found:
            return shown, found[-1].strip()
    return None


def identify(fs: HostFS, flags: set[str] | frozenset[str]) -> L0 | None:
    """What L0 is, or None when nothing says this host is a guest."""
    fields = dmi(fs)
    kind, provider, evidence = _from_dmi(fields)
    strong = kind in ("virtualbox", "xen") or provider is not None
    log = kernel_log(fs)
    if log:
        evidence.append(f"{log[0]}: 'Hypervisor detected: {log[1]}'")
        if not strong:
            kind = LOG_NAMES.get(log[1], kind)
    clocks = _read(fs, "/sys/devices/system/clocksource/clocksource0/available_clocksource")
    for clock, clock_kind in CLOCKS.items():
        if clock in clocks.split():
            evidence.append(f"clock source '{clock}'")
            if kind is None:
                kind = clock_kind
    if fs.is_dir("/sys/bus/vmbus/devices") and fs.listdir_or_empty("/sys/bus/vmbus/devices"):
        evidence.append("Hyper-V VMBus devices in /sys/bus/vmbus")
        kind = kind or "hyperv"
    hv_type = _read(fs, "/sys/hypervisor/type")
    if hv_type:
        evidence.append(f"/sys/hypervisor/type '{hv_type}'")
        if kind is None and hv_type == "xen":
            kind = "xen"
    if "hypervisor" in flags:
        evidence.append("CPU flag 'hypervisor'")
    if not evidence:
        return None
    return L0(kind, provider, evidence)


def describe(l0: L0) -> str:
    """``Microsoft Hyper-V (Microsoft Azure)``."""
    name = NAMES.get(l0.kind, NAMES[None])
    return f"{name} ({PROVIDERS[l0.provider]})" if l0.provider else name
