"""KVM kernel module parameters per Linux version, extracted from real kernel sources.

The JSON files in ``data/`` are written by ``tools/extract_kernel_params.py``
(see README.rst next to this file); this module only reads them.

>>> from nested_snippets import kernel
>>> kernel.module("x86", "kvm-intel", "6.6").param("nested").default
'Y'
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from nested_snippets import suggest as _suggest
from nested_snippets.kernel import builds
from nested_snippets.versions import release_candidate
from nested_snippets.versions import version_key as _version_key


def _data_dir() -> Path:
    """``data/`` beside this file; inside a zipapp (``nested-kvm.pyz``), a
    :class:`zipfile.Path` into the archive, which reads the same way."""
    here = Path(__file__).resolve().parent / "data"
    if here.is_dir():
        return here
    for parent in here.parents:
        if parent.is_file():
            import zipfile

            return zipfile.Path(parent, at=here.relative_to(parent).as_posix() + "/")  # type: ignore[return-value]
    return here


DATA_DIR = _data_dir()

__all__ = [
    "DATA_DIR",
    "KernelData",
    "KernelDataError",
    "ModuleData",
    "Param",
    "UnknownModule",
    "UnknownParameter",
    "UnknownVersion",
    "IndexEntry",
    "Resolution",
    "boundary",
    "build_versions",
    "data_version",
    "index",
    "latest",
    "releases",
    "resolve",
    "load",
    "load_all",
    "module",
    "resolve_version",
    "version_key",
    "versions",
]


class KernelDataError(Exception):
    """Base error of this package; the message is one clear line."""


class _UnknownName(KernelDataError, KeyError):
    """A name the data does not hold, with the names it does (or the close ones)."""

    def __init__(self, message: str, names: list[str]):
        super().__init__(message)
        self.names = names

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class UnknownVersion(_UnknownName):
    @property
    def known(self) -> list[str]:
        """Every version with data."""
        return self.names


class _Suggesting(_UnknownName):
    @property
    def suggestions(self) -> list[str]:
        """The close names (did you mean)."""
        return self.names


class UnknownModule(_Suggesting):
    pass


class UnknownParameter(_Suggesting):
    pass


def _did_you_mean(suggestions: list[str]) -> str:
    if not suggestions:
        return ""
    return f"; did you mean '{suggestions[0]}'?"


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    perm: int
    default: str | None
    source: str
    variable: str
    desc: str | None
    modinfo_type: str | None
    runtime: str | None
    runtime_requires: tuple[str, ...]
    config: str | None
    ops: str | None = None

    @property
    def writable(self) -> bool:
        return self.perm & 0o222 != 0

    @property
    def visible(self) -> bool:
        return self.perm != 0

    @property
    def perm_octal(self) -> str:
        return f"{self.perm:04o}"


@dataclass(frozen=True)
class ModuleData:
    key: str
    arch: str
    name: str
    params: tuple[Param, ...]
    files: tuple[str, ...]
    version: str = ""

    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def has(self, name: str) -> bool:
        return any(p.name == name for p in self.params)

    def param(self, name: str, suggest: bool = True) -> Param:
        """The parameter; UnknownParameter (with did-you-mean unless not ``suggest``)."""
        for p in self.params:
            if p.name == name:
                return p
        raise self.unknown(name, suggest)

    def unknown(self, name: str, suggest: bool = True) -> UnknownParameter:
        """The error for ``name``, not one of the parameters (with did-you-mean unless
        not ``suggest``); returned, not raised, for callers that only want its text."""
        suggestions = _suggest.close(name, self.names(), n=3) if suggest else []
        return UnknownParameter(
            f"{self.no_parameter(name)}{_did_you_mean(suggestions)}", suggestions
        )

    def no_parameter(self, name: str) -> str:
        """:meth:`unknown`'s text without suggestions, and without making an exception
        (lint words a file of a million misspelt names)."""
        if self.version:
            return f"{self.name} (Linux {self.version}) has no parameter '{name}'"
        return f"{self.name} has no parameter '{name}'"

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.has(name)


@dataclass(frozen=True)
class KernelData:
    version: str
    release: str
    provenance: dict
    modules: dict[str, ModuleData]
    boot_params: dict
    missing: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())
    build: dict | None = None
    """For a distribution build (:mod:`.builds`): who built it and its config values."""
    messages: dict[str, str] = field(default_factory=dict)
    """C fragments of kernel log wordings found in the sources -> ``path:line``
    (see :mod:`nested_snippets.kernel.messages`)."""
    kconfig: dict[str, dict] = field(default_factory=dict)
    """The guards' ``CONFIG_*`` symbols as the release's Kconfig files define them
    (``kind``; for a ``select`` symbol, where each architecture selects it)."""

    def selects(self, arch: str) -> dict[str, bool]:
        """Whether ``arch`` (a data architecture: ``s390``) selects each guard symbol
        that is set only by ``select`` (:func:`.builds.selected_values`)."""
        return builds.selected_values(self.kconfig, arch)

    def module(self, arch: str, name: str) -> ModuleData:
        key = f"{arch}/{_norm_module(name)}"
        if key in self.modules:
            return self.modules[key]
        # the module of another architecture first (kvm_hv is powerpc's), else the closest
        base = key.partition("/")[2]
        suggestions = [k for k in self.modules if k.partition("/")[2] == base][:3]
        suggestions = suggestions or _suggest.close(key, self.modules, n=3, cutoff=0.5)
        raise UnknownModule(
            f"Linux {self.version} data has no module '{key}'{_did_you_mean(suggestions)}",
            suggestions,
        )


def _norm_module(name: str) -> str:
    return name.replace("-", "_")


def version_key(v: str) -> tuple[int, ...]:
    """'6.6' -> (6, 6); '6.6.58' -> (6, 6, 58); '6.1-rc7'/'v6.1' are tolerated."""
    try:
        return _version_key(v)
    except ValueError:
        raise KernelDataError(f"not a kernel version: '{v}'") from None


BUILDS = "builds"


_LISTINGS: dict[tuple[str, str], tuple[object, dict[str, Path], list[str]]] = {}
"""The listing of each data directory, with the stamp it was made at (see :func:`_listing`)."""
RACY_NS = 2_000_000_000
"""A directory changed less than this long ago is listed again at each call: file
times advance by the kernel's clock tick, so two changes within one tick keep the
same modification time (git's "racy" entries, Documentation/technical/racy-git.txt)."""


def _listing(sub: str = "") -> tuple[dict[str, Path], list[str]]:
    """Release data files (``linux-X.Y.json``), or with ``sub="builds"`` the build
    files (``X.Y.Z.json``), by version, and their versions oldest first.

    Listed again only when the directory changed (its modification time; a zipapp's
    archive does not change): the snippet matrix asks ~35,000 times, and listing each
    time cost it a sixth of its CPU time (measured in :mod:`nested_snippets.runner.shared`,
    where the matrix's performance design is described)."""
    where, prefix = (DATA_DIR / sub, "") if sub else (DATA_DIR, "linux-")
    try:
        stamp: object = where.stat().st_mtime_ns if isinstance(where, Path) else "archive"
    except OSError:
        return {}, []
    cached = _LISTINGS.get((str(where), sub))
    if cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    out = {}
    if where.is_dir():
        for path in where.iterdir():  # no glob(): DATA_DIR may be a zipfile.Path
            if path.name.startswith(prefix) and path.name.endswith(".json"):
                out[path.name[len(prefix) : -len(".json")]] = path
    ordered = sorted(out, key=version_key)
    if not (isinstance(stamp, int) and stamp > time.time_ns() - RACY_NS):
        _LISTINGS[(str(where), sub)] = (stamp, out, ordered)  # not changed just now
    return out, ordered


def versions() -> list[str]:
    """Versions with a data file, oldest first ('4.19' < '4.20' < '5.3' ...)."""
    return list(_listing()[1])


def latest() -> str:
    known = versions()
    if not known:
        raise KernelDataError(f"no kernel data files in {DATA_DIR}")
    return known[-1]


def resolve_version(v: str) -> str:
    """The data version for v: '6.6.58' or '6.6' -> '6.6'; a version between two data
    files maps to the closest one not newer than it.  A release candidate comes before
    its release: '6.6-rc1' -> the newest data older than 6.6 ('6.5')."""
    files, known = _listing()
    try:
        want = version_key(v)
    except KernelDataError:
        raise UnknownVersion(
            f"'{v}' is not a kernel version; known: {', '.join(known)}", list(known)
        ) from None
    candidate = release_candidate(v)
    if v in files and not candidate:
        return v
    best = None
    for k in known:
        key = version_key(k)
        if key < want[:2] if candidate else key <= want:
            best = k
    if best is None:
        raise UnknownVersion(
            f"no kernel data for Linux {v} (oldest is {known[0] if known else 'none'}); "
            f"known: {', '.join(known)}",
            list(known),
        )
    return best


INDEX = DATA_DIR / "index.json"
STATUSES = ("verified", "single-source", "missing")


@dataclass(frozen=True)
class IndexEntry:
    """One mainline release of the series in ``data/index.json``."""

    version: str
    status: str
    release: str | None = None
    """The point release the data was extracted from ('6.1.4'); None when missing."""
    source: dict = field(default_factory=dict)
    checked_against: tuple[dict, ...] = ()
    note: str | None = None

    @property
    def has_data(self) -> bool:
        return self.status != "missing"


@functools.cache
def index() -> tuple[IndexEntry, ...]:
    """Every mainline release of the series, oldest first, with its data status."""
    raw = _read_json(INDEX)  # bounded, like every data file
    _require(
        isinstance(raw, dict) and isinstance(raw.get("releases"), list),
        INDEX,
        "no 'releases' list",
    )
    out = []
    for i, r in enumerate(raw["releases"]):
        _require(
            isinstance(r, dict) and isinstance(r.get("version"), str),
            INDEX,
            f"release #{i} has no version",
        )
        _require(
            r.get("status") in STATUSES,
            INDEX,
            f"release {r['version']}: status {r.get('status')!r} is not one of {STATUSES}",
        )
        out.append(
            IndexEntry(
                version=r["version"],
                status=r["status"],
                release=r.get("release"),
                source=r.get("source") or {},
                checked_against=tuple(r.get("checked_against") or ()),
                note=r.get("note"),
            )
        )
    keys = [version_key(e.version) for e in out]
    _require(keys == sorted(keys), INDEX, "releases are not in order")
    return tuple(out)


def releases() -> list[str]:
    """Every mainline release of the series, with or without data ('5.13' may be missing)."""
    return [e.version for e in index()]


def missing() -> list[str]:
    """The releases of the series that have no data file ('5.13')."""
    have = set(versions())
    return [v for v in releases() if v not in have]


def newest_extraction() -> str:
    """The newest date on which a release's data was extracted or refreshed from its
    sources ("" when the data records none)."""
    dates = []
    for v in versions():
        prov = load(v).provenance
        dates.append(str(prov.get("extracted_on", "")))
        dates += [str(r.get("on", "")) for r in prov.get("refreshed", [])]
    return max(dates, default="")


def _entry(version: str) -> IndexEntry | None:
    return next((e for e in index() if e.version == version), None)


@dataclass(frozen=True)
class Resolution:
    """Which data answers for a requested kernel version, and how closely."""

    requested: str
    version: str
    """The data version used ('6.6')."""
    release: str
    """The point release that data was extracted from ('6.6.0')."""
    status: str
    exact: bool
    """True when the requested X.Y has data of its own (a release candidate of X.Y is
    answered by an older release: False)."""
    build: str = ""
    """For a distribution build (:mod:`.builds`): whose, and its ``uname -r``."""
    newer: bool = False
    """True when the requested X.Y is newer than every release of the index."""

    def note(self) -> str:
        """One sentence saying which release answers ('' when it is the one asked for)."""
        wanted = ".".join(str(n) for n in version_key(self.requested)[:2])
        if self.build:
            return f"Linux {self.requested}: using the data of {self.build}'s build"
        if self.newer:
            return (
                f"Linux {self.requested}: newer than any release with data; using the data "
                f"of the newest, Linux {self.version} ({self.release})"
            )
        if release_candidate(self.requested):
            return (
                f"Linux {self.requested}: a release candidate, which comes before "
                f"{wanted}; using the newest data before {wanted}, Linux {self.version} "
                f"({self.release})"
            )
        if not self.exact:
            return (
                f"Linux {self.requested}: no data for {wanted} (its sources were not found); "
                f"using the data of Linux {self.version} ({self.release})"
            )
        if self.requested != self.version or self.release != f"{self.version}.0":
            return (
                f"Linux {self.requested}: using the data of Linux {self.version} ({self.release})"
            )
        return ""

    def as_dict(self) -> dict:
        return {
            "requested": self.requested,
            "data": self.version,
            "release": self.release,
            "status": self.status,
            "exact": self.exact,
            "newer": self.newer,
        }


def resolve(v: str, arch: str | None = None) -> Resolution:
    """:func:`data_version` (for ``arch``) with the point release and status of the
    data it picks."""
    version = data_version(v, arch)
    data = load(version, arch)
    want = ".".join(str(x) for x in version_key(v)[:2])
    entry = _entry(version)
    build = f"{data.build['distribution']} {data.build['kernel_release']}" if data.build else ""
    return Resolution(
        requested=v,
        version=version,
        release=data.release,
        status="build" if build else entry.status if entry else "single-source",
        exact=want == ".".join(version.split(".")[:2]),
        build=build,
        newer=not build and version_key(v)[:2] > version_key(releases()[-1])[:2],
    )


def boundary(first: str) -> str:
    """How to name the release where a change first shows, given the first data version that
    has it: 'X.Y' when the release before it has data too, else 'between A and B' with A
    the newest data version before the gap."""
    known = versions()
    if first not in known:
        raise UnknownVersion(f"no kernel data for Linux {first}", known)
    series = releases()
    pos = series.index(first) if first in series else -1
    if pos <= 0:
        return first
    prev = series[pos - 1]
    if prev in known:
        return first
    older = [k for k in known if version_key(k) < version_key(first)]
    return f"between {older[-1]} and {first}" if older else f"by {first}"


def _require(cond: bool, path: Path, problem: str) -> None:
    if not cond:
        raise KernelDataError(f"{path.name}: {problem}")


def _is_hex(value: object, length: int) -> bool:
    return (
        isinstance(value, str)
        and len(value) == length
        and all(c in "0123456789abcdef" for c in value)
    )


def _parse_perm(value, path: Path, where: str) -> int:
    if isinstance(value, int):
        return value
    _require(
        isinstance(value, str) and value.isdigit() and set(value) <= set("01234567"),
        path,
        f"{where}: perm {value!r} is not an octal string",
    )
    return int(value, 8)


MAX_DATA_BYTES = 8 << 20
"""A data file larger than this is refused (the largest today is under 200 KB)."""
MAX_GUARD = 1000
"""A ``config`` guard longer than this is refused (the longest today is under 100)."""


def _read_json(path: Path) -> object:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_DATA_BYTES + 1)
    except OSError as exc:
        raise KernelDataError(f"{path.name}: cannot read ({exc.strerror})") from None
    except Exception as exc:  # a damaged zipapp: zipfile.BadZipFile (CRC, header)
        raise KernelDataError(
            f"{path.name}: cannot read ({type(exc).__name__}: {exc}); the archive it is "
            "in may be damaged"
        ) from None
    if len(data) > MAX_DATA_BYTES:
        raise KernelDataError(f"{path.name}: larger than {MAX_DATA_BYTES >> 20} MiB")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise KernelDataError(f"{path.name}: not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise KernelDataError(
            f"{path.name}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise KernelDataError(f"{path.name}: JSON nested too deeply") from None


_KIND_NAMES = {list: "a list", dict: "an object", str: "a string"}


def _typed(raw: dict, key: str, kind: type, path: Path, where: str = "") -> None:
    value = raw.get(key)
    _require(
        value is None or isinstance(value, kind),
        path,
        f"{where}{key} is not {_KIND_NAMES[kind]}",
    )


def _strings(value: object, path: Path, where: str) -> list[str]:
    _require(
        value is None or (isinstance(value, list) and all(isinstance(v, str) for v in value)),
        path,
        f"{where} is not a list of strings",
    )
    return list(value or [])


def _build(path: Path) -> KernelData:
    raw = _read_json(path)
    _require(isinstance(raw, dict), path, "top level is not an object")
    for key in ("version", "release", "provenance", "modules"):
        _require(key in raw, path, f"missing key '{key}'")
    for key, kind in (("version", str), ("release", str), ("boot_params", dict),
                      ("missing", list), ("notes", list), ("messages", dict),
                      ("kconfig", dict)):  # fmt: skip
        _typed(raw, key, kind, path)
    version = raw["version"]
    build = raw.get("build")
    _require(
        path.name == (f"{version}.json" if build else f"linux-{version}.json"),
        path,
        f"version '{version}' does not match the file name",
    )
    config: dict = {}
    if build is not None:
        _require(isinstance(build, dict), path, "build is not an object")
        config = build.get("config")
        _require(
            isinstance(config, dict) and isinstance(build.get("config_source"), str),
            path,
            "build lacks its config values or config_source",
        )
    prov = raw["provenance"]
    _require(isinstance(prov, dict), path, "provenance is not an object")
    commit, sha256 = prov.get("commit"), prov.get("sha256")
    _require(
        _is_hex(commit, 40) or (commit is None and _is_hex(sha256, 64)),
        path,
        "provenance has neither a 40-hex commit nor a tarball's 64-hex sha256",
    )
    _require(isinstance(raw["modules"], dict), path, "modules is not an object")
    kconfig = raw.get("kconfig") or {}
    selects = {k.split("/")[0]: builds.selected_values(kconfig, k.split("/")[0])
               for k in raw["modules"] if isinstance(k, str)}  # fmt: skip
    modules: dict[str, ModuleData] = {}
    for key, mod in raw["modules"].items():
        _require(
            isinstance(key, str) and key.count("/") == 1,
            path,
            f"module key {key!r} is not 'arch/name'",
        )
        _require(
            isinstance(mod, dict) and isinstance(mod.get("params"), list),
            path,
            f"module '{key}' has no params list",
        )
        arch, name = key.split("/")
        params = []
        for i, p in enumerate(mod["params"]):
            where = f"{key} param #{i}"
            _require(isinstance(p, dict), path, f"{where} is not an object")
            for fld in ("name", "type", "perm", "source"):
                _require(fld in p, path, f"{where} lacks '{fld}'")
            for fld in ("name", "type", "source", "config", "default", "desc"):
                _typed(p, fld, str, path, f"{where}: ")
            where = f"{key} param '{p['name']}'"
            guard = p.get("config") or ""
            _require(len(guard) <= MAX_GUARD, path, f"{where}: config over {MAX_GUARD} characters")
            req = p.get("runtime_requires") or []
            _require(isinstance(req, list), path, f"{where}: runtime_requires is not a list")
            if build is not None and not builds.built(p.get("config"), config):
                continue
            if build is None and not builds.possible(p.get("config"), selects[arch]):
                continue  # a hidden symbol this architecture's Kconfig never selects
            params.append(
                Param(
                    name=p["name"],
                    type=p["type"],
                    perm=_parse_perm(p["perm"], path, where),
                    default=p.get("default"),
                    source=p["source"],
                    variable=p.get("variable") or "",
                    desc=p.get("desc"),
                    modinfo_type=p.get("modinfo_type"),
                    runtime=p.get("runtime"),
                    runtime_requires=tuple(req),
                    config=p.get("config"),
                    ops=p.get("ops"),
                )
            )
        modules[key] = ModuleData(
            key=key,
            arch=arch,
            name=name,
            params=tuple(params),
            files=tuple(_strings(mod.get("files"), path, f"module '{key}' files")),
            version=version,
        )
    return KernelData(
        version=version,
        release=raw["release"],
        provenance=prov,
        modules=modules,
        boot_params=raw.get("boot_params") or {},
        missing=tuple(raw.get("missing") or ()),
        notes=tuple(raw.get("notes") or ()),
        messages=dict(raw.get("messages") or {}),
        kconfig=dict(raw.get("kconfig") or {}),
        build=build,
    )


@functools.cache
def _load_path(path: Path) -> KernelData:
    return _build(path)


def build_versions() -> list[str]:
    """Point releases with a distribution build in ``data/builds/`` (:mod:`.builds`)."""
    return list(_listing(BUILDS)[1])


def _build_path(version: str, arch: str | None) -> Path | None:
    """The build file of ``version`` when it answers for ``arch``: a build is one
    architecture's package (Debian's 6.1.0-57-amd64 is x86), so it stands for that
    architecture only; the release data answers for the others.  ``arch`` None: any."""
    path = _listing(BUILDS)[0].get(version)
    if path is None or arch is None:
        return path
    built = (_load_path(path).build or {}).get("arch")
    return path if built in (None, arch) else None


def data_version(release: str, arch: str | None = None) -> str:
    """The data that stands for a booted kernel's upstream version ('6.1.192'): its
    build when there is one for ``arch`` (None: any), else the release data
    :func:`resolve_version` picks."""
    return release if _build_path(release, arch) else resolve_version(release)


def load(version: str, arch: str | None = None) -> KernelData:
    """Data for a version: a release ('6.6'), a point release with a build in
    ``data/builds/`` ('6.1.192'; for ``arch``, when given, only a build of that
    architecture), or another point release resolved by resolve_version."""
    path = _build_path(version, arch)
    if path is not None:
        return _load_path(path)
    files = _listing()[0]
    v = version if version in files else resolve_version(version)
    return _load_path(files[v])


def load_all() -> list[KernelData]:
    """:func:`load` of each of :func:`versions`, oldest first, with the data directories
    listed once (a loop of ``load(v)`` lists them twice a release: a fact role of the
    guide reads every release, some three times)."""
    builds = _listing(BUILDS)[0]
    files, known = _listing()
    return [_load_path(builds.get(v) or files[v]) for v in known]


def module(arch: str, name: str, version: str) -> ModuleData:
    """module('x86', 'kvm-intel', '6.6'); '-' and '_' in name are equivalent.  A
    build of another architecture does not answer (:func:`load`)."""
    return load(version, arch).module(arch, name)


def bool_letters(version: str) -> str:
    """The first letters besides :data:`nested_snippets.parsers.values.STEADY` that a
    bool parameter takes in ``version`` (``"tTfF"``): the ``kstrtobool-*`` facts of
    :mod:`.probes`, read in the release data that answers for it (a distribution
    build's data records no such fact: its release's answers; a release newer than
    the data is answered by the newest, as by :func:`resolve_version`)."""
    from nested_snippets.kernel import probes

    return probes.bool_letters(load(resolve_version(version)).messages)
