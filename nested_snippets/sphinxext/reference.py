"""Reference tables generated from the kernel data and the architecture table.

``kernel-params``
    ``:module: x86/kvm_intel`` and ``:kernel: 6.6``: every parameter of a module at
    one kernel version, with type, permissions, default and source line.
``kernel-param-history``
    ``:param: x86/kvm_intel nested``: the parameter across every kernel version in
    the data (absent / type / default), for "since which version" answers.
``kernel-boot-param-history``
    ``:param: arm64/kvm-arm.mode``: the values a boot parameter accepts per version.
``kernel-data-sources``
    Every release of the series: data status, point release, source, cross-checks.
``arch-matrix``
    The architecture table: module, CPU flag, how ``nested`` prints.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from nested_snippets import arches as arch_table
from nested_snippets import kernel as kdata
from nested_snippets.sphinxext import links
from nested_snippets.versions import VERSION


def _table(headers: list[str], rows: list[list[Cell]], widths: list[int]) -> nodes.table:
    table = nodes.table(classes=["nested-reference"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    group += head
    head += _row(headers)
    body = nodes.tbody()
    group += body
    for r in rows:
        body += _row(r)
    return table


Cell = str | tuple[str, str]
"""A cell's text, or (text, URI) for a cell that links out (a source line)."""


def _row(cells: list[Cell]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        text, uri = cell if isinstance(cell, tuple) else (cell, "")
        entry = nodes.entry()
        para = nodes.paragraph()
        if text and uri:
            ref = nodes.reference("", "", refuri=uri, classes=["nested-out", "kfile"])
            ref += nodes.literal(text, text)
            para += ref
        elif text:  # paragraph(children=...) would set an attribute, not add a child
            para += nodes.literal(text, text)
        entry += para
        row += entry
    return row


def _source(path_line: str, release: str) -> Cell:
    """A ``file.c:LINE`` source cell, linked to that line at the kernel release."""
    try:
        return path_line, links.kfile_uri(f"{path_line}@v{release}")[0]
    except links.BadTarget:
        return path_line  # not PATH:LINE (a note in the data): shown, not linked


# Shown where the data has no single default (it depends on a kernel configuration
# option, or the parameter's own get/set functions decide what cat prints): an
# empty cell read as a value missing from the table (reference/parameters.rst says
# what the dash means).
NO_DEFAULT = "\u2014"


class _DataDirective(SphinxDirective):
    def depend_on_data(self, versions: list[str]) -> None:
        self.env.note_dependency(__file__)  # a change to these tables rebuilds their pages
        for v in versions:
            self.env.note_dependency(str(Path(kdata.__file__).parent / "data" / f"linux-{v}.json"))

    def required(self, name: str, example: str) -> str:
        """The option ``name``; an error naming it when it is missing or empty (docutils
        only checks an option that is given)."""
        value = self.options.get(name, "").strip()
        if not value:
            raise self.error(f"{self.name}: the :{name}: option is required (:{name}: {example})")
        return value

    def module(self, key: str, version: str) -> kdata.ModuleData:
        arch, _, name = key.partition("/")
        try:
            return kdata.module(arch, name, version)
        except kdata.KernelDataError as exc:
            raise self.error(str(exc)) from None


class KernelParams(_DataDirective):
    option_spec = {"module": directives.unchanged_required, "kernel": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        wanted = self.options.get("kernel") or kdata.latest()
        if not VERSION.match(wanted):
            raise self.error(f":kernel: {wanted[:40]!r} is not a kernel version (e.g. 6.6)")
        try:
            resolved = kdata.resolve(wanted)
        except kdata.KernelDataError as exc:
            raise self.error(str(exc)) from None
        if not resolved.exact:  # the table would show another release's parameters
            raise self.error(
                f":kernel: no data for Linux {wanted} (the nearest is {resolved.version}); "
                f"known: {', '.join(kdata.versions())}"
            )
        version = resolved.version
        mod = self.module(self.required("module", "x86/kvm_intel"), version)
        self.depend_on_data([version])
        release = kdata.load(version).release
        rows = [
            [
                p.name,
                p.type,
                f"{p.perm:04o}",
                "no" if not p.writable else "yes",
                NO_DEFAULT if p.default is None else p.default,
                _source(p.source, release),
            ]
            for p in sorted(mod.params, key=lambda p: p.name)
        ]
        headers = ["Parameter", "Type", "Mode", "Writable at runtime", "Default", "Source"]
        return [_table(headers, rows, [20, 8, 6, 8, 8, 30])]


class KernelParamHistory(_DataDirective):
    option_spec = {"param": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        key, _, pname = self.required("param", "x86/kvm_intel nested").partition(" ")
        pname = pname.strip()
        if not pname or " " in pname:
            raise self.error(f":param: write 'ARCH/MODULE PARAM', not {self.options['param']!r}")
        versions = kdata.versions()
        self.depend_on_data(versions)
        if not any(self.module(key, v).has(pname) for v in versions):
            latest = self.module(key, versions[-1])  # its did-you-mean names the close ones
            raise self.error(f"{latest.unknown(pname)} (nor has any release of the data)")
        rows = []
        for entry in kdata.index():
            v = entry.version
            if not entry.has_data:
                rows.append([v, "(no data)", "", "", ""])
                continue
            mod = self.module(key, v)
            found = next((p for p in mod.params if p.name == pname), None)
            release = kdata.load(v).release
            if found is None:
                rows.append([release, "(absent)", "", "", ""])
            else:
                rows.append(
                    [
                        release,
                        found.type,
                        found.perm_octal,
                        NO_DEFAULT if found.default is None else found.default,
                        _source(found.source, release),
                    ]
                )
        headers = ["Linux", "Type", "Mode", "Default", "Source"]
        return [_table(headers, rows, [10, 10, 6, 10, 40])]


class KernelBootParamHistory(_DataDirective):
    """``:param: arm64/kvm-arm.mode``: the values a boot parameter's parser accepts
    in each kernel version of the data ("(absent)" where the tree has no parser)."""

    option_spec = {"param": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        key = self.required("param", "arm64/kvm-arm.mode")
        versions = kdata.versions()
        self.depend_on_data(versions)
        known = [kdata.load(v).boot_params for v in versions]
        if not any(key in b for b in known):
            raise self.error(f"no kernel version in the data has boot parameter {key!r}")
        by_version = dict(zip(versions, known, strict=True))
        rows = []
        for entry in kdata.index():
            v = entry.version
            if v not in by_version:
                rows.append([v, "(no data)", "", ""])
                continue
            boot = by_version[v]
            release = kdata.load(v).release
            spec = boot.get(key)
            if spec is None:
                rows.append([release, "(absent)", "", ""])
            else:
                rows.append(
                    [
                        release,
                        " ".join(spec["values"]),
                        spec.get("parser", ""),
                        _source(spec["source"], release),
                    ]
                )
        headers = ["Linux", "Accepted values", "Parser", "Source"]
        return [_table(headers, rows, [10, 24, 16, 30])]


def _source_text(entry: kdata.IndexEntry) -> str:
    src = entry.source
    if "commit" in src:
        where = f" ({src['subdir']}/)" if src.get("subdir") else ""
        return f"{src['repo']} {src['commit'][:12]}{where}"
    if "sha256" in src:
        return f"{src['repo']} (sha256 {src['sha256'][:12]})"
    return src.get("repo", "")


def _checks_text(entry: kdata.IndexEntry) -> str:
    parts = []
    for c in entry.checked_against:
        verdict = "agree" if c["differing"] == 0 else f"{c['differing']} of {c['compared']} differ"
        parts.append(f"{c['release']} {c['source'].split('@')[0]}: {verdict}")
    return "; ".join(parts)


class KernelDataSources(_DataDirective):
    """Every release of the series with the status of its data, the point release the data
    was extracted from, its source and the cross-checks (from ``data/index.json``)."""

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(kdata.INDEX))
        self.depend_on_data([])
        try:
            entries = kdata.index()
        except kdata.KernelDataError as exc:
            raise self.error(str(exc)) from None
        rows = [
            [
                e.version,
                e.status,
                e.release or "",
                _source_text(e) if e.has_data else (e.note or ""),
                _checks_text(e),
            ]
            for e in entries
        ]
        headers = ["Linux", "Status", "Sources of", "Source", "Compared with"]
        return [_table(headers, rows, [6, 12, 8, 34, 40])]


class ArchMatrix(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        for path in arch_table.files():
            self.env.note_dependency(path)
        rows = [
            [a.label, a.extension, a.module or "(built in)", a.cpu_flag, a.nested_on, a.qemu_binary]
            for a in arch_table.ARCHES.values()
        ]
        headers = [
            "Architecture",
            "Extension",
            "Module",
            "CPU flag",
            "nested prints",
            "QEMU binary",
        ]
        return [_table(headers, rows, [14, 12, 12, 8, 8, 18])]


def setup(app: Sphinx) -> None:
    app.add_directive("kernel-params", KernelParams)
    app.add_directive("kernel-param-history", KernelParamHistory)
    app.add_directive("kernel-boot-param-history", KernelBootParamHistory)
    app.add_directive("arch-matrix", ArchMatrix)
    app.add_directive("kernel-data-sources", KernelDataSources)
