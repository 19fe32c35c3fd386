"""Debian's QEMU binaries beyond the installed one, for checking the QEMU data.

The installed QEMU is the host's (Debian 12: 7.2).  Each extra :data:`TARGETS`
suite's newest ``qemu-system-*`` package is fetched with the real-kernel tier's
private apt configuration (the host's sources are left alone), checked against the
SHA256 of Debian's index and unpacked with ``dpkg-deb -x`` into the cache: nothing
is installed.  Packages built for the host's release run from there as they are.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

from nested_snippets.realkernel import CACHE, RealKernelUnavailable, kernels
from tests.realtools import tools

TARGETS = {
    "bookworm-backports": kernels.Target(
        "bookworm-backports", (f"deb {kernels.MIRROR} bookworm-backports main",)),
}  # fmt: skip
"""Suites whose QEMU runs on the host (Debian 12) unchanged."""
SOURCES = ["installed", *TARGETS]
UNPACKED = CACHE / "qemu"


@cache
def _updated(name: str) -> kernels.Target:
    target = TARGETS[name]
    kernels.apt_update(target)
    return target


def _fetch(name: str, package: str) -> Path:
    target = _updated(name)
    rec = kernels._newest(target, package)
    deb = kernels.Deb(rec["Package"], rec["Version"], rec["SHA256"], Path(rec["Filename"]).name)
    root = UNPACKED / f"{deb.package}_{deb.version.replace(':', '%3a')}"
    if not (root / "usr" / "bin").is_dir():
        try:
            path = kernels.download(target, deb)
        except OSError:
            # apt-get download names the file with the epoch ("1%3a10.0.2..."); the
            # index's pool name has none.  Rename, then let download() check SHA256.
            epoch = deb.version.partition(":")[0]
            saved = kernels.DEB_CACHE / deb.filename.replace("_", f"_{epoch}%3a", 1)
            saved.rename(kernels.DEB_CACHE / deb.filename)
            path = kernels.download(target, deb)
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        subprocess.run(["dpkg-deb", "-x", str(path), str(root)], check=True,
                       capture_output=True, timeout=300)  # fmt: skip
    return root / "usr" / "bin"


def binary(source: str, tool: str) -> str:
    """Path of ``tool`` from ``source`` ('installed' or a :data:`TARGETS` name)."""
    if source == "installed":
        return tools.require(tool)
    try:
        path = _fetch(source, tools.PACKAGES[tool]) / tool
    except (RealKernelUnavailable, subprocess.SubprocessError, OSError, KeyError) as exc:
        reason = f"Debian {source}'s {tool} cannot be fetched: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    if not path.exists():
        pytest.fail(f"{path} is not in Debian {source}'s {tools.PACKAGES[tool]}", pytrace=False)
    return str(path)
