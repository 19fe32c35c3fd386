"""``nested-kvm params --running``: this host's KVM parameters against mainline.

A vendor kernel (a distribution's, a cloud's) may add, drop or re-default module
parameters.  This compares what the running kernel shows with the data of the
nearest mainline release not newer than it (:mod:`nested_snippets.kernel`):

* ``/sys/module/MODULE/parameters/*``: parameters with a non-zero permission, and
  their current values (read only);
* ``modinfo -F parm MODULE`` when ``modinfo`` is installed: every parameter the
  module file declares, also those hidden from sysfs (``modinfo`` reads the module
  file; it never loads it).  Not run below ``--root``.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple

from nested_snippets import arches, kernel
from nested_snippets.cli.errors import CliError
from nested_snippets.cli.escape import clip, escape
from nested_snippets.cli.hostfs import HostFS, Unreadable
from nested_snippets.parsers.sysfs import MAX_LEN

MODULES = arches.module_arches()
"""KVM module -> the architecture of its parameter data (None: the host's)."""
MAX_PARAMS = 1000
"""Read no ``parameters`` directory of more entries (a KVM module of the kernel data
has a few dozen: tests/cli/test_hostile_s19.py)."""
SHOWN = 100
"""Lines per kind of difference (a real module has under 100 parameters)."""
Row = namedtuple("Row", "module name status host default reason at_load", defaults=(None, None))
"""``status``: ``host-only``, ``mainline-only``, ``differs``, ``decided-at-load``,
``same``, ``unreadable`` (``reason`` says why: a FIFO, a device, a link out of
--root); ``at_load``: for a value that differs or was decided at load, where the
kernel's own code may change it when the module loads (from the data's source
notes), else None."""
_AT_LOAD = re.compile(r"value may be changed at load time: (.*)$")
_RESOLVED = re.compile(r'stores for "([^"]+)": resolved when the module loads')
"""The extractor's note on a default that is a keyword the module resolves when it
loads (``tools/extract_kernel_params.py`` keyword_default: svm/avic.c's "auto")."""
OUTCOMES = {"bool": ("Y", "N"), "invbool": ("Y", "N")}
"""What sysfs prints for a parameter of a printed type, whatever its value."""


def at_load(p: kernel.Param) -> str | None:
    """Where the kernel may change ``p`` at load (``hardware_setup() file:line``), as
    the extractor noted it; None when the data notes nothing."""
    m = _AT_LOAD.search(p.runtime or "")
    return m.group(1).strip() if m else None


def load_outcomes(p: kernel.Param) -> tuple[str, ...]:
    """The values sysfs can show for ``p`` once the module has resolved its default
    at load: empty unless the data notes that the default is such a keyword (the
    value its set function stores for it) and names a printed type with a known set
    of values (``bool``: Y or N)."""
    m = _RESOLVED.search(p.runtime or "")
    if m is None or m.group(1) != p.default:
        return ()
    return OUTCOMES.get(p.modinfo_type or p.type, ())


def modinfo_params(module: str) -> list[str] | None:
    """Parameter names ``modinfo`` lists for ``module``, or None if it cannot say
    (bounded as the report's commands: :func:`~nested_snippets.cli.report.run_command`)."""
    from nested_snippets.cli.report import CommandFailed, run_command

    out = run_command(["modinfo", "-F", "parm", module])
    if isinstance(out, CommandFailed):
        return None
    return [line.split(":", 1)[0].strip() for line in out.splitlines() if ":" in line]


def host_params(fs: HostFS, module: str) -> dict[str, str | Unreadable] | None:
    """name -> value as sysfs prints it (or why it could not be read); None: module
    not loaded.  A /sys/module/MODULE (or its ``parameters``) that is a symbolic link
    out of --root is a :class:`CliError` naming it."""
    where = f"/sys/module/{module}"
    why = fs.outside(where)
    if why:
        raise CliError(f"cannot read {where}: {why}")
    if not fs.is_dir(where):
        return None
    # Its parameters directory too: read as empty, every parameter would seem dropped.
    why = fs.outside(f"{where}/parameters")
    if why:
        raise CliError(f"cannot read {where}/parameters: {why}")
    # A parameters directory that cannot be listed is no module without parameters:
    # read as empty, every parameter would seem dropped by the vendor.
    try:
        names = fs.listdir(f"{where}/parameters")
    except Unreadable as exc:
        if not exc.missing:
            raise CliError(f"cannot read {exc}") from None
        names = []
    if len(names) > MAX_PARAMS:  # a hostile tree: each would be read
        raise CliError(
            f"cannot read {where}/parameters: {len(names)} entries, more than {MAX_PARAMS}: "
            "no KVM module has that many parameters; not read"
        )
    out: dict[str, str | Unreadable] = {}
    for name in names:
        shown = f"{where}/parameters/{name}"
        try:
            data = fs.read_bytes(shown, limit=MAX_LEN + 1)
        except Unreadable as exc:
            out[name] = exc
            continue
        if len(data) > MAX_LEN:  # sysfs shows one page: not a parameter's value
            out[name] = Unreadable(shown, f"longer than a sysfs page ({MAX_LEN} bytes), not read")
            continue
        try:  # as check reads it: bytes that are not UTF-8 are no value to compare
            out[name] = data.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            out[name] = Unreadable(shown, f"not UTF-8 text (byte {exc.start})")
    return out


def compare(fs: HostFS, version: str, host_arch: str, modules: list[str]) -> list[Row]:
    """Rows for each loaded module of ``modules`` that the data knows; a /sys/module
    below a symbolic link out of ``--root`` is an error that names the link."""
    why = fs.not_dir("/sys/module")  # a link out of --root, a loop, a file
    if why:
        raise CliError(f"cannot read /sys/module: {why}")
    if not fs.is_dir("/sys/module"):  # a container, a copy without it: no answer
        raise CliError(
            "cannot read /sys/module: no such directory, so which KVM modules are "
            "loaded cannot be told (a container without /sys?)"
        )
    rows: list[Row] = []
    for module in modules:
        seen = host_params(fs, module)
        if seen is None:
            continue
        try:
            data = kernel.module(MODULES.get(module) or host_arch, module, version)
        except kernel.KernelDataError:
            continue
        declared = set(seen)
        listed = modinfo_params(module) if fs.real else None
        declared |= set(listed or ())
        mainline = {p.name: p for p in data.params}
        for name in sorted(declared | set(mainline)):
            p = mainline.get(name)
            value = seen.get(name)
            if isinstance(value, Unreadable):
                default = p.default if p else None
                rows.append(Row(module, name, "unreadable", None, default, value.reason))
            elif p is None:
                rows.append(Row(module, name, "host-only", value, None))
            elif name not in declared:
                if p.perm != 0 or listed:  # perm 0: never in sysfs, only modinfo shows it
                    rows.append(Row(module, name, "mainline-only", None, p.default))
            elif value is None or p.default is None or value == p.default:
                rows.append(Row(module, name, "same", value, p.default))
            elif value in load_outcomes(p):
                rows.append(Row(module, name, "decided-at-load", value, p.default, None,
                                at_load(p)))  # fmt: skip
            else:
                rows.append(Row(module, name, "differs", value, p.default, None, at_load(p)))
    return rows


def render(rows: list[Row], release: str, version: str, given: bool = False) -> str:
    """The comparison as text; ``given``: ``release`` is --kernel's, not the running one."""
    rows = [r._replace(host=clip(r.host)) if r.host and len(r.host) > 80 else r for r in rows]
    lines = [
        f"this host's parameters against the data of mainline Linux {version} (--kernel {release}):"
        if given
        else f"Linux {release} (running) against the data of mainline Linux {version}:"
    ]
    if not rows:
        lines.append("no KVM module with parameter data is loaded")
    words = {
        "host-only": f"only on this host (newer than {version}, or a vendor addition)",
        "mainline-only": f"in Linux {version}, missing here (dropped by the vendor?)",
        "differs": f"value differs from Linux {version}'s default",
        "decided-at-load": "decided at load",
        "unreadable": "could not be read",
    }
    for module in dict.fromkeys(r.module for r in rows):
        mine = [r for r in rows if r.module == module]
        same = sum(r.status == "same" for r in mine)
        lines.append(f"{module}: {same} parameter(s) as in mainline")
        for status, text in words.items():
            these = [r for r in mine if r.status == status]
            for r in these[:SHOWN]:
                if status == "differs" and r.at_load:
                    lines.append(
                        f"  {text}: {r.name}={r.host} (default {r.default}; the kernel "
                        f"may change it at load: {r.at_load})"
                    )
                elif status == "differs":
                    lines.append(f"  {text}: {r.name}={r.host} (default {r.default})")
                elif status == "decided-at-load":
                    where = f"; by {r.at_load}" if r.at_load else ""
                    lines.append(
                        f"  {r.name}: {text}: {r.host} (Linux {version}'s default "
                        f"{r.default} is resolved when the module loads{where})"
                    )
                elif status == "unreadable":
                    lines.append(f"  {text}: {r.name} ({r.reason})")
                elif status == "host-only":
                    shown = f"={r.host}" if r.host is not None else ""
                    lines.append(f"  {text}: {r.name}{shown}")
                else:
                    lines.append(f"  {text}: {r.name}")
            if len(these) > SHOWN:  # a hostile tree: thousands of parameter files
                lines.append(f"  {text}: {len(these) - SHOWN} more left out")
    return "".join(escape(line) + "\n" for line in lines)


def release(fs: HostFS, problems: list[str] | None = None) -> str | None:
    return release_source(fs, problems)[0]


def release_source(fs: HostFS, problems: list[str] | None = None) -> tuple[str | None, str]:
    """The running release and where it was read (:func:`probes.release_source`)."""
    from nested_snippets.cli import probes

    return (os.uname().release, "uname -r") if fs.real else probes.release_source(fs, problems)
