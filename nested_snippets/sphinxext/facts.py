"""Roles that print a release boundary from the kernel data, never typed by hand.

``:kernel-since:`x86/kvm_intel nested default=Y``` prints ``4.20``;
``:kernel-until:`message s390_nested_hpage 1``` the last release of a run and
``:kernel-first:`...``` its first (see the conditions in
:mod:`nested_snippets.kernel.boundaries`); a change
that falls in a gap of the data prints the releases it may be, "5.13 or 5.14", as a
link to the one place that says why (the label :data:`GAPS_LABEL`), and one at the oldest
release "4.19 or earlier" (see :mod:`nested_snippets.kernel.boundaries`).
``:kernel-between:`...``` prints such a change by the releases with data around it,
"between 5.12 and 5.14", for a page that then settles the release from a source.
``:kernel-missing:`releases``` prints the releases of the series without data.
``:kernel-default:`x86/kvm_amd nested```, ``:kernel-type:`...``` and
``:kernel-mode:`...``` print a module parameter's default, type or mode (``0444``)
from the data (see :class:`ParamValueRole` for the releases they read).  A
condition that does not parse, names nothing, or is not true now is a build error
at the role's line.  ``:realkernel-pins:`linux-image``` prints the kernel versions
the real-kernel tests boot, from ``nested_snippets/realkernel/pinned.json``.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxRole

from nested_snippets import kernel as kdata
from nested_snippets.kernel import boundaries
from nested_snippets.model import KernelRange, SnippetError
from nested_snippets.versions import VERSION, spoken

GAPS_LABEL = "kernel-data-gaps"
"""The section of reference/versions.rst that explains a boundary in a gap of the data."""


def sources_note(*versions: str | None) -> str:
    """What the hover text adds where a release a boundary rests on has data from one
    source only (``single-source`` in the index: its KVM files were not confirmed by a
    second import or Debian's tarball), "" where each is verified."""
    status = {e.version: e.status for e in kdata.index()}
    single = [v for v in versions if v and status.get(v) == "single-source"]
    if not single:
        return ""
    return f"; the data of {spoken(single)} comes from one source, not confirmed by a second"


def note_kernel_data(env: BuildEnvironment) -> None:
    """Make the page being read depend on every kernel data file, once a page (a page
    with forty fact roles noted the same fifty files forty times)."""
    if env.temp_data.get("nested_kernel_data_noted"):
        return
    env.temp_data["nested_kernel_data_noted"] = True
    for path in kdata.DATA_DIR.glob("*.json"):
        env.note_dependency(str(path))


class BoundaryRole(SphinxRole):
    def __init__(self, side: str) -> None:
        super().__init__()
        self.side = side

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        note_kernel_data(self.env)
        find = {"since": boundaries.since, "first": boundaries.first,
                "until": boundaries.until}[self.side]  # fmt: skip
        try:
            found = find(self.text)
            text = found.text("until" if self.side == "until" else "since")
        except kdata.KernelDataError as exc:
            msg = self.inliner.reporter.error(f"kernel-{self.side}: {exc}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        node = nodes.inline(classes=["nested-fact"])
        node["title"] = f"from the kernel data: {self.text}" + sources_note(
            found.before, found.at
        )
        if found.edge or found.exact:
            node += nodes.Text(text)
            return [node], []
        # a gap: the text links to the section that says why it names two releases
        node["title"] += f" (no data for {', '.join(found.missing) or 'a release'} in between)"
        node += _gap_link(text)
        return [node], []


def _gap_link(text: str) -> addnodes.pending_xref:
    """``text`` linked to the section that says why a boundary names two releases."""
    xref = addnodes.pending_xref("", refdomain="std", reftype="ref", reftarget=GAPS_LABEL,
                                 refexplicit=True, refwarn=True)  # fmt: skip
    xref += nodes.inline(text, text)
    return xref


class KernelBetweenRole(SphinxRole):
    """``:kernel-between:`x86/kvm_amd avic type=bool``` prints where a change that falls
    in a gap of the data lies, by the releases with data on each side: "between 5.12 and
    5.14", linked to :data:`GAPS_LABEL`.  For a sentence that then settles the release
    from a cited source ("the change is in 5.13-rc4"), which "5.13 or 5.14" would seem
    to contradict.  The boundary is that of ``:kernel-first:`` (the newest run); one
    not in a gap is a build error (write ``:kernel-first:``)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        note_kernel_data(self.env)
        try:
            found = boundaries.first(self.text)
            if found.edge or found.exact or found.before is None:
                raise kdata.KernelDataError(
                    f"{self.text!r} changes at {found.at}, not in a gap of the data: "
                    "write :kernel-first:"
                )
        except kdata.KernelDataError as exc:
            msg = self.inliner.reporter.error(f"kernel-between: {exc}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        text = f"between {found.before} and {found.at}"
        node = nodes.inline(classes=["nested-fact"])
        node["title"] = (f"from the kernel data: {self.text} (no data for "
                         f"{', '.join(found.missing) or 'a release'} in between)"
                         + sources_note(found.before, found.at))  # fmt: skip
        node += _gap_link(text)
        return [node], []


class KernelMissingRole(SphinxRole):
    """``:kernel-missing:`releases``` prints the releases of the series that have no data:
    "5.13", "5.13 and 6.2"; "none" when every release has data."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        self.env.note_dependency(str(kdata.DATA_DIR / "index.json"))
        gap = kdata.missing()
        text = spoken(gap) if gap else "none"
        return [nodes.inline(text, text, classes=["nested-fact"])], []


class ParamValueRole(SphinxRole):
    """``:kernel-default:`ARCH/MODULE PARAM[@WHERE]```: one field of a module parameter
    (``default``, ``type`` or ``mode``) from the data, as code.

    ``@6.6`` reads one release; ``@>=4.20``, ``@<4.20`` a range of the model's syntax
    (:class:`~nested_snippets.model.KernelRange`) and ``@all`` every release of the
    data, each of which must have the parameter; no ``@`` reads every release that has
    it.  Every release read must hold the same value, else a build error names what
    each release holds: a value printed for releases is true in each of them.
    Targets joined with ``;`` (``s390/kvm nested; s390/kvm hpage``) must agree."""

    FIELDS = {"default": "default", "type": "type", "mode": "perm"}
    """The role's field -> its test in a :mod:`~nested_snippets.kernel.boundaries`
    condition (the node's title says ``perm=0444`` as a condition would)."""

    def __init__(self, field: str) -> None:
        super().__init__()
        assert field in self.FIELDS
        self.field = field

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        note_kernel_data(self.env)
        try:
            found = [param_value(self.field, t) for t in self.text.split(";")]
            if len({text for text, _ in found}) > 1:
                each = ", ".join(f"{t.strip()}: {v}" for t, (v, _) in
                                 zip(self.text.split(";"), found, strict=True))  # fmt: skip
                raise kdata.KernelDataError(f"the targets differ ({each})")
        except (kdata.KernelDataError, SnippetError) as exc:
            msg = self.inliner.reporter.error(f"kernel-{self.field}: {exc}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        text = found[0][0]
        node = nodes.inline(classes=["nested-fact"])
        node["title"] = "from the kernel data: " + "; ".join(
            f"{t.split('@')[0].strip()} {self.FIELDS[self.field]}={text} in {where}"
            for t, (_, where) in zip(self.text.split(";"), found, strict=True)
        )
        node += nodes.literal(text, text)
        return [node], []


def param_value(field: str, target: str) -> tuple[str, str]:
    """(the value of ``field`` in the releases ``target`` names, those releases in words).

    >>> param_value("type", "x86/kvm_amd nested")[0]
    'int'
    """
    what, _, where = target.strip().partition("@")
    key, _, name = what.strip().partition(" ")
    arch, _, module = key.partition("/")
    name = name.strip()
    if not module or not name or " " in name:
        raise kdata.KernelDataError(f"write 'ARCH/MODULE PARAM[@RELEASE or @RANGE]', "
                                    f"not {target!r}")  # fmt: skip
    where = where.strip()
    if VERSION.fullmatch(where):
        if where not in kdata.versions():
            raise kdata.KernelDataError(f"no data for Linux {where}")
        releases = [where]
    else:
        span = KernelRange(where or "all")
        releases = span.select(kdata.versions())
    values: dict[str, list[str]] = {}
    absent = []
    data = dict(zip(kdata.versions(), kdata.load_all(), strict=True))
    for v in releases:
        try:
            mod = data[v].module(arch, module)
        except kdata.UnknownModule:
            absent.append(v)
            continue
        if not mod.has(name):
            absent.append(v)
            continue
        p = mod.param(name)
        value = {"default": p.default, "type": p.type, "mode": p.perm_octal}[field]
        values.setdefault("\u2014" if value is None else value, []).append(v)
    if not where:  # every release that has it
        absent = []
    if not values:
        if not releases:
            raise kdata.KernelDataError(f"no release of the data in {where!r}")
        raise kdata.load(releases[-1]).module(arch, module).unknown(name)
    if absent:
        raise kdata.KernelDataError(f"{key} has no parameter {name!r} in Linux {spoken(absent)}")
    if len(values) > 1:
        each = "; ".join(f"{val} in {_span(vs)}" for val, vs in values.items())
        raise kdata.KernelDataError(f"{key} {name}: the {field} differs in the releases "
                                    f"named ({each}); name one release or a range")  # fmt: skip
    ((value, vs),) = values.items()
    if value == "\u2014":
        raise kdata.KernelDataError(f"{key} {name}: the data holds no single default")
    return value, f"Linux {_span(vs)}"


def _span(releases: list[str]) -> str:
    return releases[0] if len(releases) == 1 else f"{releases[0]} to {releases[-1]}"


class SnippetKernelsRole(SphinxRole):
    """``:snippet-kernels:`tutorial.inside_l1``` prints the releases it is run on."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        from nested_snippets import registry

        reg = registry.load()
        item = reg.snippets.get(self.text) or reg.procedures.get(self.text)
        if item is None:
            msg = self.inliner.reporter.error(
                f"snippet-kernels: {registry.unknown_message(self.text, reg.snippets)}",
                line=self.lineno,
            )
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        self.env.note_dependency(str(reg.files[self.text]))
        releases = item.kernels.select(kdata.versions())
        text = f"Linux {releases[0]} to {releases[-1]}" if releases else "no release with data"
        return [nodes.inline(text, text, classes=["nested-fact"])], []


def pinned_sentence(kind: str) -> str:
    """The pinned packages whose name starts with ``kind`` (``linux-image``), one per
    real-kernel target in :data:`~nested_snippets.realkernel.kernels.TARGETS` order:
    "6.1.192-3 from bookworm, 6.12.118-1 from trixie and ... from trixie-backports"."""
    from nested_snippets.realkernel import kernels

    pins = kernels.pinned()
    parts = []
    for name in kernels.TARGETS:
        debs = [d for d in pins.get(name, ()) if d.package.startswith(kind + "-")]
        if len(debs) != 1:
            raise ValueError(f"{kernels.PINNED.name} pins {len(debs)} {kind} packages "
                             f"for {name!r}, not one")  # fmt: skip
        parts.append(f"{debs[0].version} from {name}")
    return spoken(parts) if parts else ""


class RealKernelPinsRole(SphinxRole):
    """``:realkernel-pins:`linux-image``` prints the versions the real-kernel tests
    boot, read from ``nested_snippets/realkernel/pinned.json`` (never typed by hand)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        from nested_snippets.realkernel import RealKernelUnavailable, kernels

        self.env.note_dependency(str(kernels.PINNED))
        try:
            text = pinned_sentence(self.text.strip())
        except (ValueError, RealKernelUnavailable) as exc:
            msg = self.inliner.reporter.error(f"realkernel-pins: {exc}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        node = nodes.inline(text, text, classes=["nested-fact"])
        node["title"] = f"from {kernels.PINNED.name} ({self.text.strip()} packages)"
        return [node], []


def setup(app: Sphinx) -> None:
    app.add_role("realkernel-pins", RealKernelPinsRole())
    app.add_role("snippet-kernels", SnippetKernelsRole())
    app.add_role("kernel-since", BoundaryRole("since"))
    app.add_role("kernel-until", BoundaryRole("until"))
    app.add_role("kernel-first", BoundaryRole("first"))
    app.add_role("kernel-missing", KernelMissingRole())
    app.add_role("kernel-between", KernelBetweenRole())
    for field in ParamValueRole.FIELDS:
        app.add_role(f"kernel-{field}", ParamValueRole(field))
