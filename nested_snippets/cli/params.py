"""``nested-kvm params``: a KVM module's parameters for one kernel version.

The table and the JSON come from :mod:`nested_snippets.kernel` (extracted from
kernel sources). The JSON is ``{"kernel": ..., "params": [...]}``: ``kernel`` says which
release's data answered (:meth:`nested_snippets.kernel.Resolution.as_dict`), each
object of ``params`` has exactly the keys of :data:`FIELDS`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from nested_snippets import arches, kernel
from nested_snippets.cli.errors import CliError
from nested_snippets.cli.escape import dumps, quoted
from nested_snippets.parsers.modprobe_conf import normalize
from nested_snippets.versions import VERSION

OTHER_KVM = {"kvmgt", "kvm_pvm", "kvm_pr", "kvm_arm"}
"""Real modules with kvm-like names that the parameter data does not cover: not typos
of a KVM module (lint does not compare them either)."""
FIELDS = ("name", "type", "perm", "default", "source")
"""MAJOR.MINOR[.PATCH], then optionally a release suffix (``6.1.0-13-amd64``); bounded,
so a hostile value is refused before it is parsed or echoed whole."""


def not_covered(module: str) -> str:
    """The error for a real KVM-like module the data does not cover, or for the
    prefix of an early parameter (``kvm-arm``: arm64's ``kvm-arm.mode``), "" for
    another name (whose error is the data's, with the closest name)."""
    for row in arches.ARCHES.values():
        early = [e for e in row.early_params if normalize(e.partition(".")[0]) == module]
        if early:
            return (
                f"{module} is no module: {early[0]} is an early parameter of the kernel "
                f"command line; params --arch {row.kernel_arch} names the values it takes"
            )
    if module not in OTHER_KVM:
        return ""
    return (
        f"{module} is a real module, but the parameter data covers only "
        f"{', '.join(arches.module_arches())}: its parameters are not listed"
    )


def shown(value: str, limit: int = 60) -> str:
    """``value`` as an error message quotes it: repr (:func:`quoted`: ``'\\xff'`` for a
    byte that is not UTF-8), cut after ``limit`` characters."""
    if len(value) <= limit:
        return quoted(value)
    return f"{quoted(value[:limit])}... ({len(value)} characters)"


def empty_module(given: str, more: str = "") -> str:
    """The error for a ``--module`` that is empty or blank."""
    return (
        f"--module {shown(given)}: an empty name is no module; give one of "
        f"{', '.join(arches.module_arches())}{more}"
    )


def resolution(
    given: str | None,
    release: str | None,
    problems: Sequence[str] = (),
    source: str = "",
    arch: str | None = None,
) -> kernel.Resolution:
    """The data answering for the version asked (or running), for the data
    architecture ``arch`` (a build of another does not answer); CliError when there is
    none, naming the ``problems`` met reading the running one (file: why) and, for a
    running release that is not a version, where it was read (``source``: a file as
    the host shows it, or ``uname -r``)."""
    wanted = given if given is not None else release
    if wanted is None:
        why = f" ({'; '.join(problems)})" if problems else ""
        raise CliError(f"cannot tell the kernel version{why}: give --kernel VERSION")
    if not VERSION.match(wanted):
        where = "--kernel" if given is not None else "the running kernel's release"
        if given is None and source:
            where += f" ({source})"
        raise CliError(
            f"{where}: {shown(wanted)} is not a kernel version (MAJOR.MINOR[.PATCH][-suffix], "
            "e.g. 6.6 or 6.6.58-1-amd64)"
        )
    try:
        return kernel.resolve(wanted, arch)
    except kernel.KernelDataError as exc:
        raise CliError(str(exc)) from None


def kernel_version(
    given: str | None,
    release: str | None,
    problems: Sequence[str] = (),
    source: str = "",
    arch: str | None = None,
) -> tuple[str, str]:
    """(data version, what it was resolved from); raise CliError with did-you-mean."""
    used = resolution(given, release, problems, source, arch)
    return used.version, used.requested


def data_arch(kernel_arch: str | None) -> str:
    """The architecture whose parameter data describes a host: its own, else x86."""
    return kernel_arch if kernel_arch in arches.param_arches() else "x86"


def host_arch() -> str:
    """:func:`data_arch` of this machine (``uname -m``)."""
    return data_arch(arches.kernel_arch_of(os.uname().machine))


def choose_arch(module: str, given: str | None) -> str:
    """``--arch``, else the one architecture whose data has ``module``; ``kvm`` (every
    architecture has one) is this host's (arm64's built-in kvm too: ``arm64/kvm``), and
    a CliError asking for ``--arch`` on a host whose architecture the data does not
    cover: x86's would mislead."""
    if given:
        return given
    if module == "kvm":
        machine = os.uname().machine
        arch = arches.kernel_arch_of(machine)
        known = arches.param_arches()
        if arch not in known:
            raise CliError(
                f"this host ({machine}, uname -m): params does not list this "
                f"architecture's KVM parameters; give --arch {'|'.join(known)} to list "
                "one it does"
            )
        return arch
    return arches.module_arches().get(module) or "x86"


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
        "  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() + "\n" for row in cells
    )


def run_running(args: argparse.Namespace) -> int:
    """``--running``: the host's parameters against the data of its version (a build or release)."""
    from nested_snippets.cli import probes, running
    from nested_snippets.cli.hostfs import HostFS

    if args.module is not None and not args.module.strip():
        raise CliError(empty_module(args.module, ", or leave --module out to compare them all"))
    fs = HostFS(args.root)
    problems: list[str] = []
    rel, source = running.release_source(fs, problems) if args.kernel is None else (args.kernel, "")
    resolution(args.kernel, rel, problems, source)  # a bad version is named first
    arch = host_arch() if fs.real else probes.read_cpuinfo(fs).arch
    used = resolution(args.kernel, rel, problems, source, data_arch(arch))
    version = used.version
    wanted = [normalize(args.module)] if args.module is not None else list(running.MODULES)
    unknown = [m for m in wanted if m not in running.MODULES]
    for name in unknown:  # a misspelt --module: did-you-mean, not "no module is loaded"
        try:
            kernel.module(data_arch(arch), name, version)
        except kernel.KernelDataError as exc:
            raise CliError(not_covered(name) or str(exc)) from None
    rows = running.compare(fs, version, arch, wanted)
    if used.note():  # a release candidate, a series without data: say which data answers
        print(f"nested-kvm params: {used.note()}", file=sys.stderr)
    if args.json:
        doc = {
            "release": rel,
            "mainline": version,
            "kernel": used.as_dict(),
            "params": [r._asdict() for r in rows],
        }
        sys.stdout.write(dumps(doc))
    else:
        sys.stdout.write(running.render(rows, rel or "?", version, args.kernel is not None))
    return 0


def only_module(arch: str | None) -> str | None:
    """The one KVM module (or built-in code) whose parameters the data holds for
    ``arch`` (``kvm`` for ``s390`` and ``arm64``, ``kvm_hv`` for ``powerpc``), else
    None (x86 has three; no ``--arch``)."""
    names = [k.partition("/")[2] for k in arches.data_keys() if k.partition("/")[0] == arch]
    return names[0] if len(names) == 1 else None


def builtin_note(arch: str, version: str, name: str) -> str:
    """For ``arch``'s built-in KVM code (arm64's ``kvm``), where its parameters are
    set and the early parameters the data records for ``version``
    (``kvm-arm.mode``), else ""."""
    if name not in arches.builtin_names(arch):
        return ""
    note = (
        f"{arch}'s {name} is built into the kernel: set its parameters on the kernel "
        f"command line as {name}.NAME=VALUE (modprobe.d never reaches it)"
    )
    boot = kernel.load(version, arch).boot_params
    for early in arches.early_params(arch):
        entry = boot.get(f"{arch}/{early}")
        if isinstance(entry, dict) and isinstance(entry.get("values"), list):
            takes = "|".join(map(str, entry["values"]))
            note += f"; early parameter {early}={takes} ({entry.get('source', '?')})"
        else:
            note += f"; Linux {version} has no early parameter {early}"
    return note


def run(args: argparse.Namespace) -> int:
    if args.running and args.arch is not None:  # the host's architecture decides
        raise CliError("--arch is the host's with --running; leave it out")
    if args.running:
        return run_running(args)
    if args.root is not None:  # no host is read without --running
        raise CliError("--root DIR is read only with --running; leave it out or add --running")
    if args.module is None and only_module(args.arch):
        args.module = only_module(args.arch)  # --arch arm64: its kvm
    if args.module is None:
        raise CliError("give --module MODULE (or --running)")
    if not args.module.strip():  # --module "" was given: not "give --module"
        raise CliError(empty_module(args.module))
    name = normalize(args.module)
    given = args.kernel
    release = os.uname().release if given is None else None
    resolution(given, release, source="uname -r")  # a bad version is named first
    arch = choose_arch(name, args.arch)
    used = resolution(given, release, source="uname -r", arch=arch)
    try:
        mod = kernel.module(arch, name, used.version)
    except kernel.KernelDataError as exc:
        raise CliError(not_covered(name) or str(exc)) from None
    if used.note():
        print(f"nested-kvm params: {used.note()}", file=sys.stderr)
    note = builtin_note(arch, used.version, mod.name)
    if note:
        print(f"nested-kvm params: {note}", file=sys.stderr)
    data = rows(mod)
    if args.json:
        out = {"kernel": used.as_dict(), "params": data}
        sys.stdout.write(dumps(out))
    else:
        sys.stdout.write(table(data))
    return 0
