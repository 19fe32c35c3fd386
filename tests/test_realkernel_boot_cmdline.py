"""The real-kernel tier boots its guests with ``no_timer_check`` (session 21: under
load, a TCG guest of Debian's 6.1.0-57-amd64 panicked in the IO-APIC timer check,
"IO-APIC + timer doesn't work!", and CI counts a failed boot as a failure).
A stand-in QEMU records the command line it was given; nothing boots."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from nested_snippets.realkernel import RealKernelUnavailable, boot
from nested_snippets.realkernel.kernels import Kernel


def test_the_guest_kernel_skips_the_io_apic_timer_check(tmp_path, monkeypatch):
    argv = tmp_path / "argv"
    qemu = tmp_path / "qemu-system-x86_64"
    qemu.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > {argv}\n')
    qemu.chmod(0o755)
    monkeypatch.setattr(boot, "qemu_binary", lambda: str(qemu))
    monkeypatch.setattr(boot, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(boot.initramfs, "build", lambda *a: Path(a[-1]).write_bytes(b""))
    kern = Kernel("bookworm", "6.1.0-57-amd64", "6.1.192-3", (), str(tmp_path))
    with pytest.raises(RealKernelUnavailable, match="did not finish"):
        boot.boot(kern, "true")
    args = argv.read_text().splitlines()
    cmdline = shlex.split(args[args.index("-append") + 1])
    assert "no_timer_check" in cmdline
    assert "console=ttyS0" in cmdline and "rdinit=/init" in cmdline
