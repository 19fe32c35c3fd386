"""``nested-kvm params``: a KVM module's parameters for one kernel version.

The table and the JSON come from :mod:`nested_snippets.kernel` (extracted from
kernel sources). The JSON is ``{"kernel": ..., "params": [...]}``: ``kernel`` says which
release's data answered (:meth:`nested_snippets.kernel.Resolution.as_dict`), each
object of ``params`` has exactly the keys of :data:`FIELDS`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from nested_snippets import kernel
from nested_snippets.cli.errors import CliError
from nested_snippets.parsers.modprobe_conf import normalize

FIELDS = ("name", "type", "perm", "default", "source")
DEFAULT_ARCH = {"kvm_intel": "x86", "kvm_amd": "x86", "kvm_hv": "powerpc", "kvm": "x86"}
HOST_ARCH = {"s390x": "s390", "ppc64le": "powerpc", "ppc64": "powerpc"}


def resolution(given: str | None, release: str | None) -> kernel.Resolution:
    """The data answering for the version asked (or running); CliError when there is none."""
    wanted = given or release
    if not wanted:
        raise CliError("cannot tell the kernel version: give --kernel VERSION")
    try:
        return kernel.resolve(wanted)
    except kernel.KernelDataError as exc:
        raise CliError(str(exc)) from None


def kernel_version(given: str | None, release: str | None) -> tuple[str, str]:
    """(data version, what it was resolved from); raise CliError with did-you-mean."""
    used = resolution(given, release)
    return used.version, used.requested


def choose_arch(module: str, given: str | None) -> str:
    if given:
        return given
    if module == "kvm":
        return HOST_ARCH.get(os.uname().machine, "x86")
    return DEFAULT_ARCH.get(module, "x86")


def rows(mod: kernel.ModuleData) -> list[dict[str, str | None]]:
    return [
        {
            "name": p.name,
            "type": p.type,
            "perm": p.perm_octal,
            "default": p.default,
            "source": p.source,
        }
        for p in mod.params
    ]


def table(data: list[dict[str, str | None]]) -> str:
    """A plain text table, columns padded to their widest cell."""
    cells = [list(FIELDS)] + [
        [str(r[k]) if r[k] is not None else "-" for k in FIELDS] for r in data
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(FIELDS))]
    return "".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in cells
    )


def run(args: argparse.Namespace) -> int:
    name = normalize(args.module)
    used = resolution(args.kernel, None if args.kernel else os.uname().release)
    arch = choose_arch(name, args.arch)
    try:
        mod = kernel.module(arch, name, used.version)
    except kernel.KernelDataError as exc:
        raise CliError(str(exc)) from None
    if used.note():
        print(f"nested-kvm params: {used.note()}", file=sys.stderr)
    data = rows(mod)
    if args.json:
        out = {"kernel": used.as_dict(), "params": data}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    else:
        sys.stdout.write(table(data))
    return 0
