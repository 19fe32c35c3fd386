"""Sphinx extension: put snippet modules into pages.

Directives (reST ``.. name:: arg`` or MyST ```` ```{name} arg ````):

``snippet ID``
    One snippet as a literal block; ``:arch: KEY`` picks a per-architecture variant.
``snippet-tabs ID``
    All variants of a per-architecture snippet as sphinx-tabs *group tabs*, so
    choosing "AMD" once switches every vendor tab set.

Both show a snippet's newest era (see :func:`nested_snippets.model.by_release`);
``:kernels: RANGE`` shows instead each era inside RANGE, oldest first, each with its
own proof line (``:kernels: <4.20`` the era of older releases, ``all`` every era).
A range that cuts an era or holds none is a build error at the directive's line.

Reference directives live in :mod:`nested_snippets.sphinxext.reference`.
Each page that shows a snippet depends on the snippet's module file: editing
``nested_snippets/snippets/enable.py`` rebuilds exactly the pages that use it.

Performance: with ``-j N`` Sphinx reads the pages in chunks, each in a process forked
from the main one for that chunk alone, so whatever the directives and roles load on
first use (the kernel and QEMU data, bashlex's parser tables) was loaded again in every
chunk: three times in a clean build on 2 CPUs, 0.2 s of CPU each (2026-12-05, session
20).  :func:`_load_before_fork` loads it once in the main process before a read that
forks more than one chunk, and the chunks inherit it; a serial read (``-j 1``) still
loads only what its pages use.  Nothing is kept between builds but what the data
modules already memoise.

The rest is work done once where a loop did it per call (session 21; nothing new is
stored): a fact role (``:kernel-since:`` ...) reads every release through
:func:`nested_snippets.kernel.load_all`, which lists the data directories once (each
``kernel.load`` lists two, with a ``stat`` each), and
:mod:`nested_snippets.kernel.boundaries` tests a condition once a release (it was up
to three times): an ad hoc count in a serial build, 11,679 ``kernel.load`` calls
before, 1,035 and 139 ``load_all`` after.  A page notes its dependency on the kernel
data files once (:func:`nested_snippets.sphinxext.facts.note_kernel_data`), not once
a role; a proof line splits its command into words once (``bodies._QemuLine``; shlex
ran six times or more) and reads the snippet's release range once
(:meth:`nested_snippets.model.KernelRange.select`); the search splitter looks for
identifier parts only in words with ``_`` and for compounds only in text with ``-``
or ``.``.  The built pages are byte-identical.  ``tools/bench.py``, runs alternated
before/after at load 5-27 on 2 CPUs, clean build / plain Sphinx, wall and CPU: before
1.27/1.25x, 1.06/1.28x, 1.28/1.32x, 0.81/1.19x; after 1.09/1.22x, 1.23/1.29x.  That is within the
noise of a shared machine: the 1.2x target is not shown met (the extension's CPU is
some 1.6-2 s over the plain build's 5.6-7.7 s).
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from nested_snippets import arches as arch_table
from nested_snippets import proofs, registry
from nested_snippets.bodies import CommandLine
from nested_snippets.model import Era, Snippet, SnippetError

STATIC = Path(__file__).parent / "static"


def _registry() -> registry.Registry:
    try:
        return registry.load()
    except SnippetError as exc:
        raise ExtensionError(f"snippet modules: {exc}") from None


def _captioned(literal: nodes.literal_block, caption: str) -> nodes.container:
    """The block under its caption, as Sphinx's ``container_wrapper`` builds it, but
    with the caption as plain text: a file's path is not reStructuredText, and smart
    quotes would drop the backslash of ``%UserProfile%\\.wslconfig``."""
    container = nodes.container("", literal_block=True, classes=["literal-block-wrapper"])
    text = nodes.caption(caption, caption, support_smartquotes=False)
    text.source, text.line = literal.source, literal.line
    container += text
    container += literal
    return container


class _SnippetBase(SphinxDirective):
    required_arguments = 1
    has_content = False

    def lookup(self) -> tuple[Snippet, tuple[Era, ...]]:
        """The snippet named by the argument and the eras ``:kernels:`` selects."""
        reg = _registry()
        snippet_id = self.arguments[0]
        try:
            snippet = reg.get(snippet_id)
            eras = snippet.eras_in(self.options.get("kernels", ""))
        except SnippetError as exc:
            raise self.error(str(exc)) from None
        self.env.note_dependency(str(reg.files[snippet_id]))
        return snippet, eras


class SnippetDirective(_SnippetBase):
    """Render one snippet (or one architecture's variant of it), one block per era."""

    option_spec = {"arch": directives.unchanged, "kernels": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        snippet, eras = self.lookup()
        key = self.options.get("arch", "")
        if snippet.is_multi and not key:
            raise self.error(
                f"snippet {snippet.id!r} has one variant per architecture "
                f"({', '.join(snippet.keys)}): give :arch: or use snippet-tabs"
            )
        if key not in snippet.keys:
            raise self.error(
                f"snippet {snippet.id!r} has no variant {key!r} "
                f"(it has: {', '.join(k or 'single' for k in snippet.keys)})"
            )
        out: list[nodes.Node] = []
        for era in eras:
            out += self._block(snippet, era, key)
        return out

    def _block(self, snippet: Snippet, era: Era, key: str) -> list[nodes.Node]:
        body = era.variants[key]
        literal = nodes.literal_block(body.text, body.text)
        literal["language"] = body.language
        literal["snippet_id"] = snippet.id
        literal["classes"].append("nested-snippet")
        if isinstance(body, CommandLine):  # no output: every line is the command's
            literal["classes"].append("nested-command-line")
        self.set_source_info(literal)
        block: nodes.Element = literal
        if body.caption:
            block = _captioned(literal, body.caption)
        out: list[nodes.Node] = []
        if snippet.wrong:
            literal["classes"].append("nested-snippet-fails")
            warn = nodes.paragraph(classes=["nested-fails-label"])
            label = "Wrong — shown to fail, do not copy: "
            warn += nodes.strong(label, label)
            warn += nodes.Text(snippet.wrong)
            out.append(warn)
        out += [block, _proof_paragraph(snippet, key, era)]
        return out


def _proof_paragraph(snippet: Snippet, key: str, era: Era) -> nodes.paragraph:
    """The discreet line under a block that says what proves it (see proofs.py)."""
    found = proofs.proof(snippet, key, era)
    para = nodes.paragraph(classes=["nested-proof", f"nested-proof-{found.kind}"])
    para += nodes.Text(found.text)
    ne = snippet.not_executed
    if ne is not None:
        para += nodes.Text(" Source: ")
        if "://" in ne.source:
            para += nodes.reference(ne.source, ne.source, refuri=ne.source)
        else:
            para += nodes.literal(ne.source, ne.source)
        para += nodes.Text(f", read {ne.read}.")
    para += nodes.Text(" ")
    para += _explain_link()
    return para


PROOF_LINES_LABEL = "proof-lines"
"""The section (explanation/terminology.rst) that says what each proof line means."""


def _explain_link() -> addnodes.pending_xref:
    """A link from a proof line to what such lines mean, for readers new to them."""
    text = "(what this line means)"
    return addnodes.pending_xref(
        "",
        nodes.inline(text, text, classes=["nested-proof-about"]),
        refdomain="std",
        reftype="ref",
        reftarget=PROOF_LINES_LABEL,
        refexplicit=True,
        refwarn=True,
    )


class SnippetTabsDirective(_SnippetBase):
    """Render every variant of a per-architecture snippet as synced group tabs
    (one tab set per era that ``:kernels:`` selects)."""

    option_spec = {"arches": directives.unchanged, "kernels": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        snippet, eras = self.lookup()
        if not snippet.is_multi:
            raise self.error(f"snippet {snippet.id!r} has a single body: use snippet, not tabs")
        keys = self.options.get("arches", "").split() or list(snippet.keys)
        lines: list[str] = []
        for era in eras:
            lines += [".. tabs::", ""]
            for key in keys:
                if key not in snippet.keys:
                    raise self.error(f"snippet {snippet.id!r} has no variant {key!r}")
                label = arch_table.get(key).label
                lines += [
                    f"   .. group-tab:: {label}",
                    "",
                    f"      .. snippet:: {snippet.id}",
                    f"         :arch: {key}",
                    f"         :kernels: {era.kernels.spec}",
                    "",
                ]
        container = nodes.container(classes=["nested-vendor-tabs"])
        source, line = self.get_source_info()
        self.state.nested_parse(StringList(lines, source=source), self.content_offset, container)
        return container.children


def _no_proof_lines_section(app, env, node, contnode) -> nodes.Node | None:
    """A site without the explanation page (a test site) keeps proof lines unlinked."""
    if node.get("reftarget") == PROOF_LINES_LABEL and node.get("reftype") == "ref":
        return nodes.inline("", "")
    return None


def _load_before_fork(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Load the data the pages' directives and roles read, in the main process, when
    the read is split among forked processes (see the module's docstring)."""
    if app.parallel <= 1 or len(docnames) < 2:
        return
    from nested_snippets import kernel, qemu

    for version in [*kernel.versions(), *kernel.build_versions()]:
        kernel.load(version)
    kernel.index()
    qemu.releases()
    CommandLine("true").command_starts()  # imports bashlex, which builds its parser tables


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_tabs.tabs")
    app.connect("env-before-read-docs", _load_before_fork)
    app.connect("missing-reference", _no_proof_lines_section)
    app.add_directive("snippet", SnippetDirective)
    app.add_directive("snippet-tabs", SnippetTabsDirective)
    from nested_snippets.sphinxext import assets, claims, facts, freshness, reference

    reference.setup(app)
    claims.setup(app)
    freshness.setup(app)
    facts.setup(app)
    assets.setup(app)  # tab/copy-button JS and Furo-matched CSS
    app.setup_extension("nested_snippets.sphinxext.qemu_roles")
    app.setup_extension("nested_snippets.sphinxext.links")  # :commit:, :kfile: ... out-links
    app.setup_extension("nested_snippets.sphinxext.python_req")  # :requires-python:
    app.setup_extension("nested_snippets.sphinxext.guide_url")  # :guide-url:
    app.setup_extension("nested_snippets.sphinxext.man_refs")  # no bare anchors in man
    app.setup_extension("nested_snippets.sphinxext.fact_titles")  # hover text of data facts
    app.setup_extension("nested_snippets.sphinxext.heading_code")  # code names wrap at _ / .
    app.setup_extension("nested_snippets.sphinxext.pyz")  # nested-kvm.pyz on the site
    _registry()  # fail early, with the module and line, on a broken snippet module
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
