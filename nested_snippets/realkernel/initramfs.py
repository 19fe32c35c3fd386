"""Build the guest's initramfs: host bash, kmod, coreutils (with their libraries) and
the KVM modules of one kernel, plus a per-run ``/init``.

The base archive (tools + modules) is built once per kernel and cached; each run
appends a small second archive with ``/init`` and its data files (the kernel unpacks
concatenated cpio archives in order).  ``depmod -b`` only ever writes into the
cache's staging trees.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from nested_snippets.realkernel import CACHE, RealKernelUnavailable
from nested_snippets.realkernel.kernels import Kernel

SNIPPET_TOOLS = ("cat", "grep", "tee", "head", "tail", "ls", "sort", "uniq", "wc", "cut", "tr",
                 "mkdir", "rm", "cp", "mv", "touch", "diff", "basename", "dirname", "printf",
                 "echo", "true", "false", "ln", "sleep", "id", "whoami")  # fmt: skip
"""The coreutils-style tools the guide's snippets use (the fake host's sandbox has all
of ``/usr``; the guest gets these)."""
TOOLS = (*SNIPPET_TOOLS, "bash", "uname", "base64", "env", "sed", "timeout", "dmesg", "lscpu",
         "find", "stat", "xargs", "date", "mawk", "seq", "nproc", "readlink")  # fmt: skip
"""Host binaries copied into the guest (the snippets' tools and a few more)."""
KMOD_LINKS = ("modprobe", "modinfo", "lsmod", "rmmod", "insmod", "depmod")
MODULES = ("kvm-amd", "kvm-intel")
"""Modules wanted, with everything modules.dep says they need."""
SEARCH_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
BASE_VERSION = "3"
"""Bump when the base layout changes, to rebuild cached archives."""


def _which(name: str) -> Path:
    """The real file of a host binary (symlinks resolved, for copying)."""
    return Path(_tool(name)).resolve()


def _tool(name: str) -> str:
    found = shutil.which(name, path=SEARCH_PATH)
    if found is None:
        raise RealKernelUnavailable(f"{name} is not installed on this machine (needed in guest)")
    return found


def _libraries(binary: Path) -> list[str]:
    proc = subprocess.run(["ldd", str(binary)], capture_output=True, text=True)
    return re.findall(r"(/\S+) \(0x", proc.stdout) if proc.returncode == 0 else []


def _copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest, follow_symlinks=True)


def _install_tools(root: Path) -> None:
    libs: set[str] = set()
    for name in TOOLS:
        binary = _which(name)
        _copy(binary, root / "bin" / name)
        libs.update(_libraries(binary))
    kmod = _which("kmod")
    _copy(kmod, root / "bin" / "kmod")
    libs.update(_libraries(kmod))
    for link in KMOD_LINKS:
        os.symlink("../bin/kmod", root / "sbin" / link)
    if (root / "bin" / "mawk").exists():
        os.symlink("mawk", root / "bin" / "awk")
    for lib in sorted(libs):
        _copy(Path(lib), root / lib.lstrip("/"))
    locale = Path("/usr/lib/locale/C.utf8")  # LC_ALL=C.UTF-8, as on the fake host
    if locale.is_dir():
        shutil.copytree(locale, root / "usr/lib/locale/C.utf8")
    busybox = shutil.which("busybox", path=SEARCH_PATH)
    if busybox is None:
        raise RealKernelUnavailable("busybox is missing (apt-get install busybox-static)")
    _copy(Path(busybox), root / "bb" / "busybox")
    sudo = root / "bin" / "sudo"
    sudo.write_text('#!/bin/bash\nexec "$@"\n')
    sudo.chmod(0o755)


def _depmod(base: Path, release: str) -> None:
    proc = subprocess.run([_tool("depmod"), "-b", str(base), release],
                          capture_output=True, text=True)  # fmt: skip
    if proc.returncode:
        raise RealKernelUnavailable(f"depmod -b {base} {release} failed: {proc.stderr.strip()}")


def module_closure(kern: Kernel) -> list[str]:
    """Paths (relative to the modules directory) of :data:`MODULES` and their deps."""
    moddir = kern.moddir
    base = Path(kern.root)
    if moddir.parent.parent != base / "lib" and not (base / "lib").exists():
        os.symlink("usr/lib", base / "lib")  # kmod 30 looks in <base>/lib/modules
    if not (moddir / "modules.dep").exists():
        _depmod(base, kern.release)
    deps: dict[str, list[str]] = {}
    for line in (moddir / "modules.dep").read_text().splitlines():
        path, _, rest = line.partition(":")
        deps[path] = rest.split()
    by_name = {re.sub(r"\.ko(\.\w+)?$", "", Path(p).name): p for p in deps}
    wanted = [by_name[m] for m in MODULES if m in by_name]
    if len(wanted) != len(MODULES):
        raise RealKernelUnavailable(f"{kern.release}: modules.dep lacks one of {MODULES}")
    out: list[str] = []
    for path in wanted:
        for p in [path, *deps[path]]:
            if p not in out:
                out.append(p)
    return out


def _install_modules(root: Path, kern: Kernel) -> None:
    target = root / "lib" / "modules" / kern.release
    for rel in module_closure(kern):
        _copy(kern.moddir / rel, target / rel)
    for meta in ("modules.order", "modules.builtin", "modules.builtin.modinfo"):
        if (kern.moddir / meta).exists():
            _copy(kern.moddir / meta, target / meta)
    _depmod(root, kern.release)


def _cpio(root: Path, out: Path) -> None:
    """``root`` as a gzip'd newc archive owned by root."""
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    listing = ("\n".join(files) + "\n").encode()
    result = subprocess.run(
        [_tool("cpio"), "-o", "-H", "newc", "-R", "0:0", "--quiet"],
        input=listing, cwd=root, capture_output=True,
    )
    if result.returncode:
        raise RealKernelUnavailable(f"cpio failed: {result.stderr.decode().strip()}")
    out.write_bytes(gzip.compress(result.stdout, compresslevel=1))


def base_archive(kern: Kernel) -> Path:
    """The cached tools+modules archive for ``kern``."""
    out = CACHE / "initramfs" / f"{kern.release}-base{BASE_VERSION}.cpio.gz"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nkg-initramfs-") as tmp:
        root = Path(tmp)
        for d in ("bin", "sbin", "proc", "sys", "dev", "tmp", "run", "root", "etc/modprobe.d",
                  "var/log"):  # fmt: skip
            (root / d).mkdir(parents=True)
        (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
        (root / "etc/group").write_text("root:x:0:\n")
        _install_tools(root)
        _install_modules(root, kern)
        _cpio(root, out.with_suffix(".tmp"))
        out.with_suffix(".tmp").replace(out)
    return out


def build(kern: Kernel, init: str, files: dict[str, str], out: Path) -> Path:
    """Write ``out``: the base archive plus ``/init`` (bash text) and data ``files``."""
    with tempfile.TemporaryDirectory(prefix="nkg-overlay-") as tmp:
        root = Path(tmp)
        (root / "init").write_text(init)
        (root / "init").chmod(0o755)
        for rel, text in files.items():
            path = root / rel.lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        overlay = root.parent / f"{root.name}.cpio.gz"
        try:
            _cpio(root, overlay)
            out.write_bytes(base_archive(kern).read_bytes() + overlay.read_bytes())
        finally:
            overlay.unlink(missing_ok=True)
    return out
