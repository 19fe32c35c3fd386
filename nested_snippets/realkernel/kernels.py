"""Which Debian kernels the real-kernel tier boots, and how they are fetched.

Each :class:`Target` is a set of Debian suites.  The kernel it boots is *pinned*:
``pinned.json`` beside this file names each package, its exact version and SHA256,
so a new Debian upload changes nothing until someone re-pins
(``python tools/freshness.py --pin``; ``make freshness`` reports what is newer).
Packages are fetched with ``apt-get download`` through a private apt configuration
(the host's apt sources are left alone) into a cache that outlives the checkout
(``$XDG_CACHE_HOME/nested-kvm-guide``, so a pinned package Debian has since dropped
from its mirror is still found on a machine that fetched it once), checked against
the pinned SHA256 and unpacked with ``dpkg-deb -x``: nothing is installed into the
host's /boot.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from nested_snippets import kernel as kdata
from nested_snippets.realkernel import CACHE, RealKernelUnavailable

PINNED = Path(__file__).resolve().parent / "pinned.json"
DEB_CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nested-kvm-guide" / "debs"
)
MIRROR = "http://deb.debian.org/debian"
SECURITY = "http://deb.debian.org/debian-security"
METAPACKAGE = "linux-image-amd64"


@dataclass(frozen=True)
class Target:
    name: str
    sources: tuple[str, ...]


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("bookworm", (f"deb {MIRROR} bookworm main",
                            f"deb {SECURITY} bookworm-security main")),
        Target("trixie", (f"deb {MIRROR} trixie main", f"deb {SECURITY} trixie-security main")),
        Target("trixie-backports", (f"deb {MIRROR} trixie-backports main",)),
    )
}  # fmt: skip
"""Debian 12 (Linux 6.1), Debian 13 (6.12) and Debian 13 backports (newest)."""


@dataclass(frozen=True)
class Deb:
    package: str
    version: str
    sha256: str
    filename: str


@dataclass(frozen=True)
class Kernel:
    """An unpacked Debian kernel: its packages and where its files are."""

    target: str
    release: str
    """``uname -r``: ``6.1.0-57-amd64``."""
    version: str
    """The Debian package version of the image: ``6.1.192-3``."""
    debs: tuple[Deb, ...]
    root: str

    @property
    def upstream(self) -> str:
        """``6.1.192`` (from the package version)."""
        return re.split(r"[-~+]", self.version)[0]

    @property
    def data_version(self) -> str:
        """The kernel data the fake host uses for this kernel: its build
        (``6.1.192``, :mod:`nested_snippets.kernel.builds`) if there is one, else the
        nearest release's data (``6.1``)."""
        return kdata.data_version(self.upstream)

    @property
    def vmlinuz(self) -> Path:
        root = Path(self.root)
        for path in (root / "boot" / f"vmlinuz-{self.release}",
                     root / "usr/lib/modules" / self.release / "vmlinuz"):  # fmt: skip
            if path.exists():
                return path
        return root / "boot" / f"vmlinuz-{self.release}"

    @property
    def moddir(self) -> Path:
        for base in ("lib", "usr/lib"):
            path = Path(self.root) / base / "modules" / self.release
            if path.is_dir():
                return path
        raise RealKernelUnavailable(f"no modules directory for {self.release} in {self.root}")

    @property
    def image(self) -> Deb:
        return next(d for d in self.debs if d.package.startswith("linux-image-"))

    def provenance(self) -> dict:
        return {"target": self.target, "release": self.release, "version": self.version,
                "packages": [asdict(d) for d in self.debs]}  # fmt: skip


def selected_targets() -> list[str]:
    """Targets to boot: ``NKG_REALKERNEL_KERNELS`` (comma-separated) or all of them."""
    raw = os.environ.get("NKG_REALKERNEL_KERNELS", "")
    names = [n.strip() for n in raw.split(",") if n.strip()] or list(TARGETS)
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        raise ValueError(f"unknown kernel targets {unknown}; known: {', '.join(TARGETS)}")
    return names


# ------------------------------------------------------------------------ apt


def _apt_dir(target: Target) -> Path:
    return CACHE / "apt" / target.name


def _apt_options(target: Target) -> list[str]:
    d = _apt_dir(target)
    return ["-o", f"Dir::Etc::SourceList={d / 'sources.list'}",
            "-o", f"Dir::Etc::SourceParts={d / 'parts'}",
            "-o", f"Dir::State::Lists={d / 'lists'}",
            "-o", f"Dir::Cache={d / 'cache'}",
            "-o", "Debug::NoLocking=1", "-q"]  # fmt: skip


def _apt_tmp(target: Target) -> Path:
    """A temporary directory apt's unprivileged ``_apt`` helpers can write.

    apt hands gpgv its configuration through a file in ``TMPDIR`` (default ``/tmp``),
    written after it has dropped to ``_apt``; where ``/tmp`` is not world-writable
    (some container images ship it 0755) every signature check then fails with
    "Couldn't create temporary file /tmp/apt.conf...".  Sticky and world-writable,
    like ``/tmp`` itself.
    """
    d = _apt_dir(target) / "tmp"
    d.mkdir(parents=True, exist_ok=True)
    d.chmod(0o1777)
    return d


def _run(cmd: list[str], cwd: Path | None = None, tmp: Path | None = None) -> str:
    if shutil.which(cmd[0]) is None:
        raise RealKernelUnavailable(f"{cmd[0]} is not installed (Debian tooling needed)")
    env = {**os.environ, "TMPDIR": str(tmp)} if tmp is not None else None
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode:
        raise RealKernelUnavailable(f"`{' '.join(cmd[:2])} ...` failed: {proc.stderr.strip()}")
    return proc.stdout


def apt_update(target: Target) -> None:
    d = _apt_dir(target)
    for sub in ("parts", "lists/partial", "cache/archives/partial"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    (d / "sources.list").write_text("\n".join(target.sources) + "\n")
    _run(["apt-get", *_apt_options(target), "update"], tmp=_apt_tmp(target))


def _records(target: Target, package: str) -> list[dict[str, str]]:
    out = _run(["apt-cache", *_apt_options(target), "show", package])
    records = []
    for para in out.strip().split("\n\n"):
        fields: dict[str, str] = {}
        for line in para.splitlines():
            key, sep, value = line.partition(": ")
            if sep and not line.startswith(" "):
                fields[key] = value
        records.append(fields)
    return records


def _newest(target: Target, package: str) -> dict[str, str]:
    return newest_record(_records(target, package))


def newest_record(records: list[dict[str, str]]) -> dict[str, str]:
    """The record of the highest ``Version`` (compared by ``dpkg``) of ``records``."""
    best = records[0]
    for rec in records[1:]:
        newer = subprocess.run(["dpkg", "--compare-versions", rec["Version"], "gt",
                                best["Version"]]).returncode == 0  # fmt: skip
        if newer:
            best = rec
    return best


def _depends(rec: dict[str, str]) -> list[tuple[str, str]]:
    """(package, exact version) for each ``pkg (= version)`` dependency."""
    return re.findall(r"([\w.+-]+) \(= ([^)]+)\)", rec.get("Depends", ""))


def resolve(target: Target) -> list[dict[str, str]]:
    """The index records of the image package (and its binary/modules packages)."""
    meta = _newest(target, METAPACKAGE)
    image = [(p, v) for p, v in _depends(meta) if p.startswith("linux-image-")]
    if not image:
        raise RealKernelUnavailable(f"{METAPACKAGE} {meta['Version']} names no linux-image-*")
    wanted, out = list(image), []
    while wanted:
        pkg, version = wanted.pop(0)
        rec = next((r for r in _records(target, pkg) if r["Version"] == version), None)
        if rec is None:
            raise RealKernelUnavailable(f"{pkg} {version} is not in the {target.name} index")
        out.append(rec)
        release = pkg.split("-", 2)[2]
        wanted += [(p, v) for p, v in _depends(rec)
                   if p in (f"linux-binary-{release}", f"linux-modules-{release}")]  # fmt: skip
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(target: Target, want: Deb) -> Path:
    """``want`` in the persistent cache, fetched if absent; its SHA256 must match."""
    debs = DEB_CACHE
    debs.mkdir(parents=True, exist_ok=True)
    path = debs / want.filename
    if not path.exists() or _sha256(path) != want.sha256:
        apt_update(target)
        try:
            _run(["apt-get", *_apt_options(target), "download",
                  f"{want.package}={want.version}"], cwd=debs, tmp=_apt_tmp(target))  # fmt: skip
        except RealKernelUnavailable as exc:
            raise RealKernelUnavailable(
                f"pinned {want.package} {want.version} cannot be downloaded ({exc}); "
                "Debian may have dropped it: `make freshness` shows what its mirror has, "
                "`python tools/freshness.py --pin` re-pins"
            ) from None
    digest = _sha256(path)
    if digest != want.sha256:
        raise RealKernelUnavailable(f"{want.filename}: sha256 {digest} != pinned {want.sha256}")
    return path


# ----------------------------------------------------------------- pinning


def newest_debs(target: Target) -> tuple[Deb, ...]:
    """What the target's suites offer today (image first), from Debian's index."""
    apt_update(target)
    return tuple(Deb(r["Package"], r["Version"], r["SHA256"], Path(r["Filename"]).name)
                 for r in resolve(target))  # fmt: skip


def pinned() -> dict[str, tuple[Deb, ...]]:
    """Target name -> the pinned packages (image first), from ``pinned.json``."""
    try:
        raw = json.loads(PINNED.read_text())
        return {name: tuple(Deb(**d) for d in debs) for name, debs in raw["targets"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RealKernelUnavailable(f"{PINNED}: unreadable pin file ({exc})") from None


def write_pins(pins: dict[str, tuple[Deb, ...]]) -> None:
    body = {"comment": "written by tools/freshness.py --pin; see kernels.py",
            "targets": {n: [asdict(d) for d in debs] for n, debs in sorted(pins.items())}}
    PINNED.write_text(json.dumps(body, indent=2) + "\n")


# --------------------------------------------------------------------- kernels


def _manifest(name: str) -> Path:
    return CACHE / "kernels" / f"{name}.json"


def _load_cached(name: str) -> Kernel | None:
    path = _manifest(name)
    if not path.exists():
        return None
    raw = json.loads(path.read_text())
    raw["debs"] = tuple(Deb(**d) for d in raw["debs"])
    kern = Kernel(**raw)
    return kern if kern.vmlinuz.exists() else None


def fetch(name: str, refresh: bool = False) -> Kernel:
    """The pinned kernel of target ``name``, downloaded and unpacked once."""
    refresh = refresh or os.environ.get("NKG_REALKERNEL_REFRESH") == "1"
    debs = pinned().get(name)
    if not debs:
        raise RealKernelUnavailable(f"no pinned kernel for target {name!r} in {PINNED}")
    cached = None if refresh else _load_cached(name)
    if cached is not None and cached.debs == debs:
        return cached
    target = TARGETS[name]
    image = debs[0]
    release = image.package.removeprefix("linux-image-")
    root = CACHE / "kernels" / release
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for deb in debs:
        _run(["dpkg-deb", "-x", str(download(target, deb)), str(root)])
    kern = Kernel(name, release, image.version, debs, str(root))
    if not kern.vmlinuz.exists():
        raise RealKernelUnavailable(f"{release}: no vmlinuz in the packages")
    _manifest(name).write_text(json.dumps(asdict(kern), indent=2) + "\n")
    return kern
