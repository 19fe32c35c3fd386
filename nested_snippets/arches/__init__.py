"""The architecture registry: one module per architecture in this package.

Each public module here (``intel.py``, ``amd.py``, ``s390x.py``, ``power.py``,
``arm64.py``) defines ``ARCH``, an :class:`Arch` holding everything the fake host,
the checker, the extractor and the Sphinx extension know about that architecture;
modules whose names start with ``_`` hold shared records.  Every per-vendor snippet
variant, tab, fake host and check is generated from these rows, so adding an
architecture is adding one file (see the contributing page).

Standard library only, and no import of :mod:`pkgutil` or :mod:`dataclasses`: the
checker imports this package on every run.
"""

from __future__ import annotations

import os
import sys

from nested_snippets import suggest
from nested_snippets.arches._row import Arch, ModuleSpec

__all__ = ["ARCHES", "X86", "Arch", "ModuleSpec", "UnknownArch", "files", "get", "kernel_arch_of",
           "data_keys", "machine_of", "module_arches", "pages", "param_arches",
           "reload", "builtin_names", "early_params"]  # fmt: skip

_FILES: list[str] = []
ARCHES: dict[str, Arch] = {}
"""key -> row, in tab order (filled from this package's modules at import)."""
X86: tuple[str, ...] = ()
"""The vendors of the x86 procedures, in tab order."""


class UnknownArch(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def _names(entry: str) -> list[str]:
    """Module names in one directory of ``__path__`` (or below a zipapp)."""
    try:
        files = os.listdir(entry)
    except OSError:  # inside a zipapp: list the archive
        files = _zip_names(entry)
    return sorted(f[:-3] for f in files if f.endswith(".py") and not f.startswith("_"))


def _zip_names(entry: str) -> list[str]:
    archive, inner = entry, ""
    while archive and not os.path.isfile(archive):
        archive, tail = os.path.split(archive)
        inner = f"{tail}/{inner}" if inner else tail
    if not archive:
        return []
    import zipfile

    with zipfile.ZipFile(archive) as z:
        prefix = inner.rstrip("/") + "/"
        return [n[len(prefix):] for n in z.namelist()
                if n.startswith(prefix) and "/" not in n[len(prefix):]]  # fmt: skip


def reload() -> None:
    """(Re)read every architecture module of ``__path__`` into :data:`ARCHES`.

    Tests extend ``__path__`` with a directory holding one more module, then call this.
    """
    global X86
    rows, paths = [], []
    for entry in __path__:
        for name in _names(entry):
            full = f"{__name__}.{name}"
            __import__(full)  # not importlib.import_module: importlib costs start-up time
            module = sys.modules[full]
            row = getattr(module, "ARCH", None)
            if not isinstance(row, Arch):
                raise TypeError(f"{module.__file__}: defines no ARCH = Arch(...)")
            rows.append(row)
            paths.append(module.__file__ or "")
    rows.sort(key=lambda a: (a.order, a.key))
    ARCHES.clear()
    ARCHES.update((a.key, a) for a in rows)
    _FILES[:] = paths
    X86 = tuple(k for k, a in ARCHES.items() if a.kernel_arch == "x86")


def get(key: str) -> Arch:
    """Return the row for ``key`` or fail with a did-you-mean message."""
    try:
        return ARCHES[key]
    except KeyError:
        raise UnknownArch(
            f"unknown architecture {key!r} (known: {', '.join(ARCHES)})"
            + suggest.hint(key, ARCHES)
        ) from None


def files() -> list[str]:
    """The architecture modules' files (a page built from the table depends on them)."""
    return list(_FILES)


def kernel_arch_of(machine: str) -> str | None:
    """The kernel architecture of a ``uname -m`` name (``aarch64`` -> ``arm64``)."""
    return next((a.kernel_arch for a in ARCHES.values() if machine in a.machines), None)


def machine_of(kernel_arch: str) -> str:
    """What ``uname -m`` usually prints for a kernel architecture (``x86`` -> ``x86_64``)."""
    return next((a.machine for a in ARCHES.values() if a.kernel_arch == kernel_arch), "")


def module_arches() -> dict[str, str | None]:
    """KVM module -> the kernel architecture of its parameter data (None: several)."""
    seen: dict[str, set[str]] = {}
    for a in ARCHES.values():
        for spec in a.modules:
            if spec.data_key or spec.name in (a.module, *a.depends):
                seen.setdefault(spec.name, set()).add(a.kernel_arch)
    return {m: next(iter(k)) if len(k) == 1 else None for m, k in seen.items()}


def param_arches() -> tuple[str, ...]:
    """Kernel architectures with KVM parameter data, in table order (``x86``...),
    also those whose KVM code is built in (``arm64``: :attr:`Arch.builtin_code`)."""
    return tuple(dict.fromkeys(k.split("/")[0] for k in data_keys()))


def data_keys() -> tuple[str, ...]:
    """Keys of the kernel parameter data (``x86/kvm_intel``, ``arm64/kvm``), in
    table order: modules' and built-in code's."""
    keys = [s.data_key for a in ARCHES.values() for s in (*a.modules, *a.builtin_code)
            if s.data_key]  # fmt: skip
    return tuple(dict.fromkeys(keys))


def builtin_names(kernel_arch: str) -> frozenset[str]:
    """The KVM code that is always built into ``kernel_arch``'s kernels, by module
    name (``arm64``: ``{"kvm"}``; :attr:`Arch.builtin_code`): kmod never loads it,
    so modprobe.d options never reach it."""
    return frozenset(s.name for a in ARCHES.values() if a.kernel_arch == kernel_arch
                     for s in a.builtin_code)  # fmt: skip


def early_params(kernel_arch: str) -> tuple[str, ...]:
    """The early kernel command-line parameters of ``kernel_arch`` that the kernel
    data records (``kvm-arm.mode``; :attr:`Arch.early_params`)."""
    names = [p for a in ARCHES.values() if a.kernel_arch == kernel_arch for p in a.early_params]
    return tuple(dict.fromkeys(names))


def pages() -> dict[str, str]:
    """Guide label -> page of every architecture's own sections."""
    return {label: page for a in ARCHES.values() for label, page in a.pages.items()}


reload()
