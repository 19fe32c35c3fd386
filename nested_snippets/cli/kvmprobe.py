"""Prove that KVM works: open ``/dev/kvm``, ask it, create and destroy one VM.

The one thing ``nested-kvm`` does that is not a read: ``KVM_CREATE_VM`` makes an
empty VM (no vCPU, no memory) whose file descriptor is closed at once, which
destroys it.  Only the KVM character device is ever opened: the path must be a
character device with the KVM misc minor before it is opened, and the same after.
No compiled code: :func:`fcntl.ioctl` from the standard library.

Numbers from ``include/uapi/linux/kvm.h`` of Linux 6.1 (Debian ``linux-libc-dev``
6.1.187-1, ``/usr/include/linux/kvm.h``, read 2026-12-01); they are kernel ABI and
never change.  ``_IO(KVMIO, nr)`` is ``(KVMIO << 8) | nr``: no size, no direction
(``include/uapi/asm-generic/ioctl.h``).
"""

from __future__ import annotations

import errno
import os
import stat
from collections import namedtuple

from nested_snippets import arches

KVMIO = 0xAE
KVM_API_VERSION = 12
KVM_GET_API_VERSION = (KVMIO << 8) | 0x00
KVM_CREATE_VM = (KVMIO << 8) | 0x01
KVM_CHECK_EXTENSION = (KVMIO << 8) | 0x03
MISC_MAJOR, KVM_MINOR = 10, 232
"""``/dev/kvm`` is misc device 10:232: ``#define KVM_MINOR 232`` in
``include/linux/miscdevice.h`` of Linux 5.10.13 (the Rtoax/linux-5.10.13 import,
commit 4145aee3aa37, read 2026-12-02) and ``#define MISC_MAJOR 10`` in
``include/uapi/linux/major.h`` (Debian ``linux-libc-dev`` 6.1.187-1,
``/usr/include/linux/major.h``, read 2026-12-02); also
``Documentation/admin-guide/devices.txt``."""

Cap = namedtuple("Cap", "id name number missing anchor since", defaults=("live-migration", None))
CAPS = (
    Cap(
        "cap-nested-state",
        "KVM_CAP_NESTED_STATE",
        157,
        "no KVM_GET/SET_NESTED_STATE: a guest that runs nested guests cannot be saved "
        "or live-migrated",
    ),
    Cap(
        "cap-exception-payload",
        "KVM_CAP_EXCEPTION_PAYLOAD",
        164,
        "an exception pending for a nested guest loses its payload (CR2, DR6) when the "
        "guest is saved or migrated",
    ),
    Cap(
        "cap-hyperv-evmcs",
        "KVM_CAP_HYPERV_ENLIGHTENED_VMCS",
        163,
        "Hyper-V as L1 (Windows with VBS, WSL2) cannot use the enlightened VMCS",
        "cli-kvm-probe",
    ),
    Cap(
        "cap-ppc-nested-hv",
        "KVM_CAP_PPC_NESTED_HV",
        160,
        "KVM-HV cannot run a nested hypervisor (needs POWER9 and kvm_hv nested=Y)",
        "nested-power",
    ),
    Cap(
        "cap-arm-el2",
        "KVM_CAP_ARM_EL2",
        240,
        "KVM_ARM_VCPU_HAS_EL2 cannot be asked for: no vCPU can start at EL2, so no guest "
        "can run a hypervisor of its own (the kernel answers 1 only when booted with "
        "kvm-arm.mode=nested on a CPU with FEAT_NV2)",
        "nested-arm64",
        (6, 16),
    ),
)
"""Capabilities that can be asked (each architecture's row names its own in
``kvm_caps``, :mod:`nested_snippets.arches`); ``missing``
says what a 0 answer costs (Documentation/virt/kvm/api.rst, section 7/8 entries of
each capability, Linux 6.1); ``anchor`` is the guide section a 0 answer links to;
``since`` is the first release whose kvm.h defines it ((major, minor), None: before
4.19): an older kernel answers 0 to a number it does not know, which says nothing.

``KVM_CAP_ARM_EL2`` is 240 (and ``KVM_CAP_ARM_EL2_E2H0`` 241) in
``include/uapi/linux/kvm.h`` of Linux 6.16.1 (the KT0511/linux-6.16.1 import, commit
ce92f1f2170c, the project's kernel-data source of 6.16, read 2026-12-04); the kvm.h of
6.15.0 (julianw1010/WASP-linux, commit 5f0857b57531, its source of 6.15) ends at
``KVM_CAP_ARM_WRITABLE_IMP_ID_REGS 239``.  What 0 means: api.rst of 6.16.1, section
4.82 KVM_ARM_VCPU_INIT, "KVM_ARM_VCPU_HAS_EL2: Enable Nested Virtualisation support,
booting the guest from EL2 instead of EL1. Depends on KVM_CAP_ARM_EL2." (the release
has no section 7/8 entry for it); ``arch/arm64/kvm/arm.c`` answers
``cpus_have_final_cap(ARM64_HAS_NESTED_VIRT)``, which ``has_nested_virt_support`` in
``arch/arm64/kernel/cpufeature.c`` sets only in ``KVM_MODE_NV`` (kvm-arm.mode=nested)
on a CPU with NV2, and 0 for a number it does not know (``default: r = 0``)."""

Answer = namedtuple("Answer", "api created caps error", defaults=(None, False, (), ""))
"""``api``: KVM_GET_API_VERSION or None; ``created``: KVM_CREATE_VM worked;
``caps``: (Cap, value) pairs; ``error``: why it stopped, "" if it did not."""


class NotKvm(Exception):
    """The path is not the KVM device: it is never opened."""


def _is_kvm(st: os.stat_result) -> bool:
    rdev = (os.major(st.st_rdev), os.minor(st.st_rdev))
    return stat.S_ISCHR(st.st_mode) and rdev == (MISC_MAJOR, KVM_MINOR)


def _open(path: str, follow: bool = True) -> int:
    """Open the KVM device read/write; refuse anything else before opening it.

    ``follow=False`` (a ``--root`` directory): a symbolic link is refused too."""
    try:
        before = os.stat(path) if follow else os.lstat(path)
    except OSError as exc:
        raise NotKvm(f"{path}: {(exc.strerror or '').lower()}") from None
    if not _is_kvm(before):
        raise NotKvm(f"{path} is not the KVM device (character device 10:232)")
    flags = os.O_RDWR | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY
    fd = os.open(path, flags if follow else flags | os.O_NOFOLLOW)
    after = os.fstat(fd)
    if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino) or not _is_kvm(after):
        os.close(fd)
        raise NotKvm(f"{path} changed while it was opened")
    return fd


def _ioctl(fd: int, request: int, arg: int = 0) -> int:
    import fcntl

    return fcntl.ioctl(fd, request, arg)


def _close(fd: int) -> None:
    os.close(fd)


def _why(exc: OSError) -> str:
    name = errno.errorcode.get(exc.errno or 0, "")
    text = (exc.strerror or str(exc)).lower()
    return f"{text} ({name})" if name else text


def probe(path: str, vendor: str | None, follow: bool = True) -> Answer:
    """Ask the KVM device at ``path``; raises :class:`NotKvm` if it is not one.

    Every file descriptor it opens is closed before it returns, whatever happens.
    """
    try:
        fd = _open(path, follow)
    except OSError as exc:
        return Answer(error=f"cannot open {path}: {_why(exc)}")
    try:
        try:
            api = _ioctl(fd, KVM_GET_API_VERSION)
        except OSError as exc:
            return Answer(error=f"KVM_GET_API_VERSION: {_why(exc)}")
        if api != KVM_API_VERSION:
            return Answer(api, error=f"API version {api}, expected {KVM_API_VERSION}")
        try:
            vm = _ioctl(fd, KVM_CREATE_VM, 0)
        except OSError as exc:
            return Answer(api, error=f"KVM_CREATE_VM: {_why(exc)}")
        _close(vm)  # the last reference: the kernel destroys the VM
        caps = []
        wanted = arches.ARCHES[vendor].kvm_caps if vendor in arches.ARCHES else ()
        for cap in CAPS:
            if cap.id not in wanted:
                continue
            try:
                caps.append((cap, _ioctl(fd, KVM_CHECK_EXTENSION, cap.number)))
            except OSError:
                caps.append((cap, 0))  # unknown to this kernel: not supported
        return Answer(api, True, tuple(caps))
    finally:
        _close(fd)
