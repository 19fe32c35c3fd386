"""Debian's QEMU binaries beyond the installed one, for checking the QEMU data.

The installed QEMU is the host's (Debian 12: 7.2).  Each extra :data:`TARGETS`
suite's ``qemu-system-*`` package is *pinned*: ``pinned_qemu.json`` beside the
pinned kernels (``nested_snippets/realkernel``) names its exact version and SHA256,
so a new Debian upload changes nothing until someone re-pins (``python
tools/freshness.py --pin``; ``make freshness`` reports newer uploads).  The pinned
package is fetched with the real-kernel tier's private apt configuration (the
host's sources are left alone) into the persistent package cache, checked against
the pinned SHA256 and unpacked with ``dpkg-deb -x`` into the cache: nothing is
installed.  Packages built for the host's release run from there as they are.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import asdict
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
PINNED = kernels.PINNED.with_name("pinned_qemu.json")
TARGET_PACKAGES = {"qemu-system-x86_64": "qemu-system-x86", "qemu-system-ppc64": "qemu-system-ppc",
                   "qemu-system-s390x": "qemu-system-s390x"}  # fmt: skip
"""The package of each tool in the targets: from 10.0 (trixie and its backports)
``qemu-system-s390x`` has a package of its own; Debian 12's 7.2, installed on the host,
ships it in qemu-system-misc (``tools.PACKAGES``)."""
PINNED_PACKAGES = tuple(TARGET_PACKAGES.values())
"""The packages of each target that are pinned (and fetched)."""


def pinned() -> dict[str, dict[str, kernels.Deb]]:
    """Target name -> package -> the pinned :class:`~kernels.Deb`, from ``pinned_qemu.json``."""
    try:
        raw = json.loads(PINNED.read_text())
        return {name: {d["package"]: kernels.Deb(**d) for d in debs}
                for name, debs in raw["targets"].items()}  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RealKernelUnavailable(f"{PINNED}: unreadable pin file ({exc})") from None


def newest_debs(name: str) -> dict[str, kernels.Deb]:
    """What target ``name``'s suites offer today, from Debian's index (``make freshness``)."""
    target = TARGETS[name]
    kernels.apt_update(target)
    out = {}
    for package in PINNED_PACKAGES:
        rec = kernels._newest(target, package)
        out[package] = kernels.Deb(rec["Package"], rec["Version"], rec["SHA256"],
                                   Path(rec["Filename"]).name)  # fmt: skip
    return out


def write_pins(pins: dict[str, dict[str, kernels.Deb]]) -> None:
    body = {"comment": "written by tools/freshness.py --pin; see tests/realtools/debian_qemu.py",
            "targets": {n: [asdict(d) for d in debs.values()]
                        for n, debs in sorted(pins.items())}}  # fmt: skip
    PINNED.write_text(json.dumps(body, indent=2) + "\n")


def _fetch(name: str, package: str) -> Path:
    target = TARGETS[name]
    deb = pinned().get(name, {}).get(package)
    if deb is None:
        raise RealKernelUnavailable(f"no pinned {package} for {name} in {PINNED}")
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
        path = _fetch(source, TARGET_PACKAGES[tool]) / tool
    except (RealKernelUnavailable, subprocess.SubprocessError, OSError, KeyError) as exc:
        reason = f"Debian {source}'s {tool} cannot be fetched: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    if not path.exists():
        pytest.fail(f"{path} is not in Debian {source}'s {TARGET_PACKAGES[tool]}", pytrace=False)
    return str(path)
