"""KVM kernel module parameters per Linux version, extracted from real kernel sources.

The JSON files in ``data/`` are written by ``tools/extract_kernel_params.py``
(see README.rst next to this file); this module only reads them.

>>> from nested_snippets import kernel
>>> kernel.module("x86", "kvm-intel", "6.6").param("nested").default
'Y'
"""

from __future__ import annotations

import difflib
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

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
    "latest",
    "load",
    "module",
    "resolve_version",
    "version_key",
    "versions",
]


class KernelDataError(Exception):
    """Base error of this package; the message is one clear line."""


class UnknownVersion(KernelDataError, KeyError):
    def __init__(self, message: str, known: list[str]):
        super().__init__(message)
        self.known = known

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class UnknownModule(KernelDataError, KeyError):
    def __init__(self, message: str, suggestions: list[str]):
        super().__init__(message)
        self.suggestions = suggestions

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownParameter(KernelDataError, KeyError):
    def __init__(self, message: str, suggestions: list[str]):
        super().__init__(message)
        self.suggestions = suggestions

    def __str__(self) -> str:
        return str(self.args[0])


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

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        suggestions = difflib.get_close_matches(name, self.names(), n=3, cutoff=0.6)
        where = f"{self.name} (Linux {self.version})" if self.version else self.name
        raise UnknownParameter(
            f"{where} has no parameter '{name}'{_did_you_mean(suggestions)}", suggestions
        )

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

    def module(self, arch: str, name: str) -> ModuleData:
        key = f"{arch}/{_norm_module(name)}"
        if key in self.modules:
            return self.modules[key]
        suggestions = difflib.get_close_matches(key, list(self.modules), n=3, cutoff=0.5)
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


def _data_files() -> dict[str, Path]:
    out = {}
    if not DATA_DIR.is_dir():
        return out
    for path in DATA_DIR.iterdir():  # no glob(): DATA_DIR may be a zipfile.Path
        if path.name.startswith("linux-") and path.name.endswith(".json"):
            out[path.name[len("linux-") : -len(".json")]] = path
    return out


def versions() -> list[str]:
    """Versions with a data file, oldest first ('4.19' < '4.20' < '5.3' ...)."""
    return sorted(_data_files(), key=version_key)


def latest() -> str:
    known = versions()
    if not known:
        raise KernelDataError(f"no kernel data files in {DATA_DIR}")
    return known[-1]


def resolve_version(v: str) -> str:
    """The data version for v: '6.6.58' or '6.6' -> '6.6'; a version between two data
    files maps to the closest one not newer than it."""
    known = versions()
    try:
        want = version_key(v)
    except KernelDataError:
        raise UnknownVersion(
            f"'{v}' is not a kernel version; known: {', '.join(known)}", known
        ) from None
    best = None
    for k in known:
        if version_key(k) <= want:
            best = k
    if best is None:
        raise UnknownVersion(
            f"no kernel data for Linux {v} (oldest is {known[0] if known else 'none'}); "
            f"known: {', '.join(known)}",
            known,
        )
    return best


def _require(cond: bool, path: Path, problem: str) -> None:
    if not cond:
        raise KernelDataError(f"{path.name}: {problem}")


def _parse_perm(value, path: Path, where: str) -> int:
    if isinstance(value, int):
        return value
    _require(
        isinstance(value, str) and value.isdigit() and set(value) <= set("01234567"),
        path,
        f"{where}: perm {value!r} is not an octal string",
    )
    return int(value, 8)


def _build(path: Path) -> KernelData:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KernelDataError(f"{path.name}: cannot read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise KernelDataError(
            f"{path.name}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    _require(isinstance(raw, dict), path, "top level is not an object")
    for key in ("version", "release", "provenance", "modules"):
        _require(key in raw, path, f"missing key '{key}'")
    version = raw["version"]
    _require(
        path.name == f"linux-{version}.json",
        path,
        f"version '{version}' does not match the file name",
    )
    prov = raw["provenance"]
    _require(isinstance(prov, dict), path, "provenance is not an object")
    commit = prov.get("commit")
    _require(
        isinstance(commit, str)
        and len(commit) == 40
        and all(c in "0123456789abcdef" for c in commit),
        path,
        "provenance.commit is not a 40-hex commit id",
    )
    _require(isinstance(raw["modules"], dict), path, "modules is not an object")
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
            where = f"{key} param '{p['name']}'"
            req = p.get("runtime_requires") or []
            _require(isinstance(req, list), path, f"{where}: runtime_requires is not a list")
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
            files=tuple(mod.get("files") or ()),
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
    )


@functools.cache
def _load_path(path: Path) -> KernelData:
    return _build(path)


def load(version: str) -> KernelData:
    """Data for a version ('6.6', or a release like '6.6.58' resolved by resolve_version)."""
    files = _data_files()
    v = version if version in files else resolve_version(version)
    return _load_path(files[v])


def module(arch: str, name: str, version: str) -> ModuleData:
    """module('x86', 'kvm-intel', '6.6'); '-' and '_' in name are equivalent."""
    return load(version).module(arch, name)
