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

A suite older than the host (bullseye, Debian 11: QEMU 5.2) links libraries Debian 12
lacks (Xen 4.14's, liburing1, libvirglrenderer1): :data:`LIBRARIES` pins those
packages too, each unpacked the same way, and :func:`binary` returns a small script
that runs the binary with their directories first in ``LD_LIBRARY_PATH`` (Debian 12's
glibc and the libraries of the same soname it has serve the rest).
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
    "bullseye": kernels.Target(
        "bullseye", (f"deb {kernels.MIRROR} bullseye main",
                     f"deb {kernels.SECURITY} bullseye-security main")),
}  # fmt: skip
"""Suites whose QEMU runs on the host (Debian 12): bookworm-backports' unchanged,
bullseye's with the Debian 11 libraries of :data:`LIBRARIES`."""
SOURCES = ["installed", *TARGETS]
UNPACKED = CACHE / "qemu"
PINNED = kernels.PINNED.with_name("pinned_qemu.json")
TARGET_PACKAGES = {"qemu-system-x86_64": "qemu-system-x86", "qemu-system-ppc64": "qemu-system-ppc",
                   "qemu-system-s390x": "qemu-system-s390x"}  # fmt: skip
"""The package of each tool in the targets: from 10.0 (trixie and its backports)
``qemu-system-s390x`` has a package of its own; Debian 12's 7.2, installed on the host,
ships it in qemu-system-misc (``tools.PACKAGES``)."""
PINNED_PACKAGES = {
    "bookworm-backports": ("qemu-system-x86", "qemu-system-ppc", "qemu-system-s390x"),
    "bullseye": ("qemu-system-x86",),
}  # fmt: skip
"""The QEMU packages of each target that are pinned (and fetched); a tool of another
package is skipped for that target (bullseye: its 5.2 data is checked through
``qemu-system-x86_64``)."""
LIBRARIES = {
    "bullseye": ("liburing1", "libvirglrenderer1", "libxenmisc4.14", "libxendevicemodel1",
                 "libxenevtchn1", "libxenforeignmemory1", "libxengnttab1", "libxenstore3.0",
                 "libxentoolcore1", "libxencall1", "libxentoollog1"),
}  # fmt: skip
"""Libraries a target's QEMU links that the host (Debian 12) lacks, from the same suite:
what ``ldd`` of bullseye's ``qemu-system-x86_64`` 5.2 found missing, then what those
link (libxencall1, libxentoollog1)."""


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
    for package in (*PINNED_PACKAGES[name], *LIBRARIES.get(name, ())):
        rec = _newest_in_index(target, package)
        out[package] = kernels.Deb(rec["Package"], rec["Version"], rec["SHA256"],
                                   Path(rec["Filename"]).name)  # fmt: skip
    return out


def _newest_in_index(target: kernels.Target, package: str) -> dict[str, str]:
    """The newest record of Debian's index: apt-cache also shows the host's installed
    package (no ``Filename``), which is newer than any of an older suite's."""
    records = [r for r in kernels._records(target, package) if "Filename" in r]
    if not records:
        raise RealKernelUnavailable(f"{package} is not in the {target.name} index")
    return kernels.newest_record(records)


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
    done = root / ".unpacked"  # a library package has no usr/bin
    if not done.exists():
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
        done.touch()
    return root / "usr" / "bin"


def _wrapper(source: str, path: Path) -> Path:
    """A script that runs ``path`` with the target's unpacked :data:`LIBRARIES` first."""
    dirs = [_fetch(source, lib).parent / "lib" / "x86_64-linux-gnu"
            for lib in LIBRARIES[source]]  # fmt: skip
    script = path.parents[2] / "run" / path.name
    script.parent.mkdir(exist_ok=True)
    libs = ":".join(map(str, dirs))
    script.write_text(f'#!/bin/sh\nLD_LIBRARY_PATH={libs} exec {path} "$@"\n')
    script.chmod(0o755)
    return script


def binary(source: str, tool: str) -> str:
    """Path of ``tool`` from ``source`` ('installed' or a :data:`TARGETS` name); for a
    target with :data:`LIBRARIES`, of the script that runs it with them."""
    if source == "installed":
        return tools.require(tool)
    package = TARGET_PACKAGES.get(tool)
    if package not in PINNED_PACKAGES.get(source, ()):
        pytest.skip(f"Debian {source}: only {', '.join(PINNED_PACKAGES.get(source, ()))} is "
                    f"pinned, not {package} ({tool})")  # fmt: skip
    try:
        path = _fetch(source, package) / tool
        if source in LIBRARIES and path.exists():
            return str(_wrapper(source, path))
    except (RealKernelUnavailable, subprocess.SubprocessError, OSError, KeyError) as exc:
        reason = f"Debian {source}'s {tool} cannot be fetched: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    if not path.exists():
        pytest.fail(f"{path} is not in Debian {source}'s {package}", pytrace=False)
    return str(path)
