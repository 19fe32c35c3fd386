"""Parse ``/proc/cpuinfo`` of x86, s390x, POWER and Arm64 kernels.

The only exception :func:`parse` raises is :class:`CpuinfoError` (text that names no
architecture this guide covers, or is empty).

>>> info = parse("processor\\t: 0\\nvendor_id\\t: GenuineIntel\\nflags\\t\\t: fpu vmx\\n")
>>> info.arch_key, "vmx" in info.flags
('intel', True)
"""

from __future__ import annotations

from collections import namedtuple

from nested_snippets import arches

__all__ = ["CpuInfo", "CpuinfoError", "parse"]

MAX_BLOCK_LINES = 80
LAYOUTS = ("s390", "arm64", "powerpc", "x86")
"""Kernel architectures whose /proc/cpuinfo layout :func:`parse` reads field by field."""


class CpuinfoError(ValueError):
    """The text is not a /proc/cpuinfo this parser understands (message: one line)."""


class CpuInfo(
    namedtuple(
        "CpuInfo",
        "arch arch_key vendor_id model flags platform first_block processors",
        defaults=("", "", frozenset(), "", "", 0),
    )
):
    """What /proc/cpuinfo says (a named tuple: cheap to create at start-up).

    ``arch``: kernel architecture, ``x86``, ``s390``, ``powerpc`` or ``arm64``;
    ``arch_key``: row of :data:`nested_snippets.arches.ARCHES` (``intel``...) or None;
    ``flags``: x86 ``flags``, s390 ``features``, Arm64 ``Features`` of the first CPU;
    ``platform``: POWER only, ``PowerNV`` (bare metal) or ``pSeries`` (guest or LPAR);
    ``first_block``: the first CPU's lines; ``processors``: how many CPUs are listed.
    """

    __slots__ = ()


def _fields(text: str) -> list[tuple[str, str]]:
    out = []
    for line in text.splitlines():
        key, colon, value = line.partition(":")
        if colon:
            out.append((key.strip(), value.strip()))
    return out


def _first(pairs: list[tuple[str, str]], key: str) -> str | None:
    return next((v for k, v in pairs if k == key), None)


def _first_block(text: str) -> str:
    lines: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            if lines:
                break
            continue
        lines.append(line)
        if len(lines) >= MAX_BLOCK_LINES:
            break
    return "\n".join(lines)


def _count(pairs: list[tuple[str, str]]) -> int:
    n = sum(1 for k, _ in pairs if k == "processor")
    if n:
        return n
    declared = _first(pairs, "# processors")
    if declared and declared.isdigit():
        return int(declared)
    return sum(1 for k, _ in pairs if k.startswith("processor "))


def _key(kernel_arch: str) -> str | None:
    """The row of a kernel architecture that has one vendor (s390, powerpc, arm64)."""
    return next((a.key for a in arches.ARCHES.values() if a.kernel_arch == kernel_arch), None)


def _x86_key(vendor_id: str, flags: frozenset[str]) -> str | None:
    """The x86 row whose ``vendor_ids`` name the CPU, else whose flag it has."""
    rows = [a for a in arches.ARCHES.values() if a.kernel_arch == "x86"]
    return next((a.key for a in rows if vendor_id in a.vendor_ids), None) or next(
        (a.key for a in rows if a.cpu_flag in flags), None
    )


def parse(text: str) -> CpuInfo:
    """Parse /proc/cpuinfo text; raise :class:`CpuinfoError` if it names no known arch."""
    if "\0" in text:
        raise CpuinfoError("contains NUL bytes: not a cpuinfo text")
    pairs = _fields(text)
    if not pairs:
        raise CpuinfoError("empty or has no 'key : value' lines")
    block = _first_block(text)
    count = _count(pairs)
    vendor_id = _first(pairs, "vendor_id") or ""
    if "S390" in vendor_id.upper():
        feats = frozenset((_first(pairs, "features") or "").split())
        return CpuInfo(
            "s390", _key("s390"), vendor_id, _first(pairs, "machine") or "", feats, "", block, count
        )
    arm_feats = _first(pairs, "Features")
    if arm_feats is not None or _first(pairs, "CPU implementer") is not None:
        model = _first(pairs, "CPU part") or ""
        return CpuInfo(
            "arm64",
            _key("arm64"),
            _first(pairs, "CPU implementer") or "",
            model,
            frozenset((arm_feats or "").split()),
            "",
            block,
            count,
        )
    cpu = _first(pairs, "cpu") or ""
    platform = _first(pairs, "platform") or ""
    if cpu.upper().startswith("POWER") or platform in ("PowerNV", "pSeries"):
        model = _first(pairs, "model") or ""
        return CpuInfo(
            "powerpc",
            _key("powerpc"),
            "IBM",
            f"{cpu} ({model})" if model else cpu,
            frozenset(),
            platform,
            block,
            count,
        )
    flags = _first(pairs, "flags")
    if flags is not None or vendor_id:
        fl = frozenset((flags or "").split())
        return CpuInfo(
            "x86",
            _x86_key(vendor_id, fl),
            vendor_id,
            _first(pairs, "model name") or "",
            fl,
            "",
            block,
            count,
        )
    for a in arches.ARCHES.values():  # another architecture, known by its flags' field
        if a.kernel_arch in LAYOUTS or not a.cpuinfo_field:
            continue
        listed = _first(pairs, a.cpuinfo_field)
        if listed is not None:
            fl = frozenset(listed.split())
            return CpuInfo(a.kernel_arch, a.key, "", "", fl, "", block, count)
    raise CpuinfoError(
        "names no architecture this tool knows (no vendor_id, flags, "
        "features, cpu or Features line)"
    )


def power_generation(model: str) -> int | None:
    """``POWER9 (architected), ...`` -> 9; None if the text names no POWER generation."""
    upper = model.upper()
    at = upper.find("POWER")
    if at < 0:
        return None
    digits = ""
    for ch in upper[at + 5 :]:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else None
