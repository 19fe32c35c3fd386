"""Boot real Debian kernels under QEMU (TCG) and run the guide's snippets there.

* :mod:`.kernels` finds and downloads Debian kernel packages (checksums recorded).
* :mod:`.initramfs` builds an initramfs with bash, kmod, coreutils and the KVM modules.
* :mod:`.boot` boots it with a timeout and parses delimited results from the console.
* :mod:`.plan` turns the snippet registry into a guest script; :mod:`.differential`
  compares each real result with the fake host's.

Nothing here touches the host's kernel: kernels only run inside QEMU guests.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "build" / "realkernel-cache"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "realkernel"


class RealKernelUnavailable(RuntimeError):
    """QEMU, a kernel package or a tool is missing; the message says which."""
