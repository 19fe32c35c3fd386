"""What L0 is, seen from an L1 guest: KVM, Hyper-V, VMware, Xen, VirtualBox, and
which cloud (Google Compute Engine, Azure, AWS).  Read-only, from files (the
standard library cannot run CPUID): DMI, ``/sys/hypervisor``, the VMBus, the
clock sources, the ``hypervisor`` CPU flag and the kernel's own log line (on this
machine ``/dev/kmsg``, the one device read here: non-blocking, never written).

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
  "Xen PV") (Linux 6.1).  Only the kernel's own line counts, and it never outranks
  DMI nor makes a host a guest by itself (any user can log the same words with
  ``logger``, even with the tag ``kernel``): on this machine the records of
  ``/dev/kmsg`` whose facility is 0 (the kernel's: ``devkmsg_write()`` in
  ``kernel/printk/printk.c`` gives what a process writes there LOG_USER, facility 1,
  unless it names another non-zero one; Linux 5.10.13, the Rtoax/linux-5.10.13
  import, commit 2e16af7ab660, read 2026-12-02); where that cannot be read, and below
  ``--root``, ``/var/log/dmesg`` (the kernel's ring buffer, written by root at boot)
  and, in the syslog files, only lines whose program is ``kernel:``.
* Clock sources: ``arch/x86/kernel/kvmclock.c`` registers "kvm-clock",
  ``drivers/clocksource/hyperv_timer.c`` "hyperv_clocksource_tsc_page" (Linux 6.1).
"""

from __future__ import annotations

import os
from collections import namedtuple

from nested_snippets.cli.escape import clip
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
KMSG = "/dev/kmsg"
"""The kernel's log as records (read on this machine only; never written)."""
MEM_MAJOR, KMSG_MINOR = 1, 11
"""``/dev/kmsg`` is memory device 1:11: ``[11] = { "kmsg", 0644, &kmsg_fops, 0 }`` in
the ``devlist`` of ``drivers/char/mem.c``, created as ``MKDEV(MEM_MAJOR, minor)``
(Linux 5.10.13, the Rtoax/linux-5.10.13 import, commit 01eaf5237e79), and
``#define MEM_MAJOR 1`` in ``include/uapi/linux/major.h`` (Debian ``linux-libc-dev``
6.1.187-1, ``/usr/include/linux/major.h``)."""
_KMSG_RECORD = 16384
"""Bytes asked per read(): one record each, at most 8 KiB (CONSOLE_EXT_LOG_MAX, Linux
5.10.13 kernel/printk/printk.c); a smaller buffer gets EINVAL."""
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
_STAMP = r"(?:\[[ 0-9.]*\] )?"
"""The kernel's own time stamp (``[    0.000000] ``), when printk.time is on."""
_SYSLOG = (
    r"^(?:[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+) [^ ]+ "
    r"kernel: " + _STAMP + DETECTED + r"([^\r\n]+)$"
)
"""A syslog file's line whose program is ``kernel`` (``Dec  2 10:00:00 host kernel:`` or
an RFC 3339 time stamp): the program is the word after the host, not any later one."""
_DMESG = r"^" + _STAMP + r"(?:kernel: )?" + DETECTED + r"([^\r\n]+)$"
"""A line of ``/var/log/dmesg`` (``dmesg`` output: the ring buffer only)."""


def _read(fs: HostFS, shown: str, limit: int = 256, whole: bool = True) -> str:
    try:
        return (fs.read_optional(shown, limit=limit, strict=False, whole=whole) or "").strip()
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
        seen.append(f"DMI bios_version '{clip(fields['bios_version'])}'")
    if kind is None:
        for name in ("product_name", "sys_vendor", "board_vendor", "bios_vendor"):
            value = fields.get(name, "")
            hit = next((k for prefix, k in DMI_PREFIXES if value.startswith(prefix)), None)
            if hit:
                kind = hit
                seen.append(f"DMI {name} '{clip(value)}'")
                break
    microsoft = (fields.get("sys_vendor"), fields.get("product_name"))
    if kind is None and microsoft == ("Microsoft Corporation", "Virtual Machine"):
        kind = "hyperv"
        seen.append("DMI 'Microsoft Corporation' 'Virtual Machine'")
    return kind, provider, seen


def kmsg_names(records: list[bytes]) -> list[str]:
    """The names of the kernel's own ``Hypervisor detected`` records of ``/dev/kmsg``
    (``PRI,SEQ,TIME,FLAGS;MESSAGE``); a record a process wrote (facility not 0,
    ``PRI`` 8 or more) does not count."""
    names = []
    for record in records:
        head, sep, body = record.decode("utf-8", errors="replace").partition(";")
        pri = head.split(",", 1)[0]
        if not sep or not pri.isdigit() or int(pri) >> 3 != 0:
            continue
        line = body.split("\n", 1)[0]  # continuation lines (" KEY=value") follow
        if line.startswith(DETECTED) and line[len(DETECTED) :].strip():
            names.append(line[len(DETECTED) :].strip())
    return names


def read_kmsg(path: str = KMSG, limit: int = LOG_LIMIT) -> list[bytes] | None:
    """The records of the kernel log, read without blocking and without writing; None
    when it cannot be read (no such device, ``dmesg_restrict`` for this user) or the
    path is not the kernel log's character device 1:11 (:data:`KMSG_MINOR`): another
    device (a container's /dev/kmsg linked to /dev/zero or a console) is refused
    before it is opened, as ``/dev/kvm`` is checked to be 10:232."""
    import errno
    import stat

    def is_kmsg(st: os.stat_result) -> bool:
        rdev = (os.major(st.st_rdev), os.minor(st.st_rdev))
        return stat.S_ISCHR(st.st_mode) and rdev == (MEM_MAJOR, KMSG_MINOR)

    try:
        before = os.stat(path)
        if not is_kmsg(before):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError:
        return None
    records: list[bytes] = []
    try:
        after = os.fstat(fd)  # the same device, not one swapped in between
        if not is_kmsg(after) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
            return None
        total = lost = 0
        while total < limit:
            try:
                record = os.read(fd, _KMSG_RECORD)
            except OSError as exc:
                lost += 1
                if exc.errno == errno.EPIPE and lost < 10:  # overwritten while read
                    continue
                break  # EAGAIN: the end; anything else: stop with what was read
            if not record:
                break
            records.append(record)
            total += len(record)
    finally:
        os.close(fd)
    return records


def kernel_log(fs: HostFS) -> tuple[str, str] | None:
    """(where, name) of the kernel's last ``Hypervisor detected`` line: ``/dev/kmsg`` on
    this machine when it holds one, else the first log file that has one (the ring
    buffer of a host up for long may have lost its boot lines)."""
    if fs.real:
        names = kmsg_names(read_kmsg() or [])
        if names:
            return KMSG, names[-1]
    for shown in KERNEL_LOGS:
        text = _read(fs, shown, LOG_LIMIT, whole=False)  # the boot's lines are at its start
        if DETECTED not in text:
            continue
        import re  # only for a log that has the words (start-up time)

        pattern = _DMESG if shown == "/var/log/dmesg" else _SYSLOG
        found = re.findall(pattern, text, re.MULTILINE)
        if found:
            return shown, found[-1].strip()
    return None


def identify(fs: HostFS, flags: set[str] | frozenset[str]) -> L0 | None:
    """What L0 is, or None when nothing says this host is a guest."""
    fields = dmi(fs)
    kind, provider, evidence = _from_dmi(fields)
    log = kernel_log(fs)
    hv_type = _read(fs, "/sys/hypervisor/type")
    # DMI outranks a log line, and the line counts only on a host that DMI, the CPU
    # flag or (for a Xen PV guest without it) /sys/hypervisor shows is a guest
    if log and (kind is not None or "hypervisor" in flags or hv_type):
        evidence.append(f"{log[0]}: 'Hypervisor detected: {clip(log[1])}'")
        kind = kind or LOG_NAMES.get(log[1])
    clocks = _read(fs, "/sys/devices/system/clocksource/clocksource0/available_clocksource")
    for clock, clock_kind in CLOCKS.items():
        if clock in clocks.split():
            evidence.append(f"clock source '{clock}'")
            if kind is None:
                kind = clock_kind
    if fs.is_dir("/sys/bus/vmbus/devices") and fs.listdir_or_empty("/sys/bus/vmbus/devices"):
        evidence.append("Hyper-V VMBus devices in /sys/bus/vmbus")
        kind = kind or "hyperv"
    if hv_type:
        evidence.append(f"/sys/hypervisor/type '{clip(hv_type)}'")
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
