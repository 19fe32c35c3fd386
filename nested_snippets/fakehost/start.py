"""The state a fake host starts from, as a snippet, a procedure or a test declares it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal


class ScenarioError(ValueError):
    """A start state or scenario the fake host cannot build; the message says why."""


@dataclass(frozen=True)
class Given:
    """The state of the fake host a snippet or procedure starts from."""

    kvm: Literal["loaded", "booted", "unloaded", "builtin"] = "loaded"
    """``loaded``: the KVM modules are loaded: at boot where they have a CPU-feature
    modalias (x86), else since then by the first open of ``/dev/kvm`` (s390, POWER);
    ``booted``: freshly booted, nothing has opened ``/dev/kvm`` or run modprobe (only
    what udev loads); ``unloaded``: none loaded; ``builtin``: KVM built into the kernel."""
    nested: bool | None = None
    """``None``: the kernel's compile-time default; else forced at boot."""
    level: Literal["L0", "L1"] = "L0"
    cpu_flag: bool = True
    """Whether the CPU advertises the vendor's virtualization flag."""
    firmware_vt: bool = True
    """False: the firmware switched VT-x/SVM off (see fakehost/firmware.py)."""
    vm_running: bool = False
    files: Mapping[str, str] = field(default_factory=dict)
    cmdline: str = ""

    def __post_init__(self) -> None:
        if self.kvm not in ("loaded", "booted", "unloaded", "builtin"):
            raise ScenarioError(
                f"kvm must be loaded, booted, unloaded or builtin, not {self.kvm!r}"
            )
        if self.level not in ("L0", "L1"):
            raise ScenarioError(f"level must be L0 or L1, not {self.level!r}")

    def describe(self) -> str:
        parts = [self.level, f"kvm {self.kvm}"]
        if self.nested is not None:
            parts.append(f"nested {'on' if self.nested else 'off'}")
        if not self.cpu_flag:
            parts.append("no virtualization flag")
        if not self.firmware_vt:
            parts.append("virtualization off in the firmware")
        if self.vm_running:
            parts.append("a VM running")
        return ", ".join(parts)
