"""Facts that no data file can hold, each tied to the document it comes from.

A page lists its sources once, usually in a closing "Sources" section::

    .. source:: aws-nested
       :title: Amazon EC2 User Guide, "Nested virtualization"
       :url: https://docs.aws.amazon.com/...
       :read: 2026-11-01

and every sentence that rests on one marks the claim::

    Nested virtualization is offered on :claim:`C8i, M8i and R8i instances <aws-nested>`.

An entry whose sources are not claims of one sentence lists them under it::

    .. entry-sources::

       arch/x86/kvm/svm/svm.c at v6.6; kubevirt/kubevirt#10508.

The claim renders as its text with a superscript link to the source entry, whose
title says when it was read.  ``:source-read:`aws-nested``` prints that read date,
linked to the entry (for a page whose claims rest on another page's sources).  A
claim naming an unknown source, a source without a URL (or ``file@release``) or a
read date, and a key defined twice are build errors naming the page and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

logger = logging.getLogger(__name__)
_KEY = re.compile(r"[a-z0-9][a-z0-9-]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLAIM = re.compile(r"^(?P<text>.+?)\s*<(?P<key>[^<>]+)>$", re.S)


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    url: str
    read: str
    docname: str
    line: int


def _sources(env: BuildEnvironment) -> dict[str, Source]:
    if not hasattr(env, "nested_sources"):
        env.nested_sources = {}  # type: ignore[attr-defined]
    return env.nested_sources  # type: ignore[attr-defined]


class claim_ref(nodes.Inline, nodes.Element):  # noqa: N801 (docutils node naming)
    """A claim's link to its source, resolved once every page is read."""


class SourceDirective(SphinxDirective):
    required_arguments = 1
    option_spec = {
        "title": directives.unchanged_required,
        "url": directives.unchanged_required,
        "read": directives.unchanged_required,
    }

    def run(self) -> list[nodes.Node]:
        key = self.arguments[0]
        if not _KEY.fullmatch(key):
            raise self.error(f"source key {key!r}: use lower-case letters, digits and '-'")
        missing = [o for o in ("title", "url", "read") if not self.options.get(o, "").strip()]
        if missing:
            raise self.error(f"source {key!r} needs :{': and :'.join(missing)}:")
        read = self.options["read"].strip()
        if not _DATE.fullmatch(read):
            raise self.error(f"source {key!r}: :read: must be YYYY-MM-DD, not {read!r}")
        table = _sources(self.env)
        other = table.get(key)
        if other is not None and other.docname != self.env.docname:
            raise self.error(f"source {key!r} is already defined in {other.docname}:{other.line}")
        _, line = self.get_source_info()
        src = Source(key, self.options["title"], self.options["url"].strip(), read,
                     self.env.docname, line or 0)  # fmt: skip
        table[key] = src
        para = nodes.paragraph(classes=["nested-source"], ids=[f"source-{key}"])
        para += nodes.strong(f"[{key}] ", f"[{key}] ")
        para += nodes.Text(f"{src.title}. ")
        if "://" in src.url:
            para += nodes.reference(src.url, src.url, refuri=src.url)
        else:
            para += nodes.literal(src.url, src.url)
        para += nodes.Text(f" (read {src.read}).")
        return [para]


class ClaimRole(SphinxRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        match = _CLAIM.match(self.text)
        if not match:
            msg = self.inliner.reporter.error(
                f"claim needs 'text <source-key>', got {self.text!r}", line=self.lineno
            )
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        text, key = match.group("text"), match.group("key").strip()
        node = claim_ref(key=key, docname=self.env.docname, line=self.lineno)
        inline = nodes.inline(text, text, classes=["nested-claim"])
        return [inline, node], []


class source_read_ref(nodes.Inline, nodes.Element):  # noqa: N801 (docutils node naming)
    """The read date of a source entry, resolved once every page is read."""


class SourceReadRole(SphinxRole):
    """``:source-read:`aws-nested``` prints the date the source was read (its
    ``:read:``), linked to its entry: for a page that cites another page's source
    and must say how old the statement is."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        key = self.text.strip()
        return [source_read_ref(key=key, docname=self.env.docname, line=self.lineno)], []


class EntrySources(SphinxDirective):
    """``.. entry-sources::`` with the documents an entry rests on as content: a
    visible "Sources:" line (a source citation, like a source entry's)."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        text = "\n".join(self.content).strip()
        if not text:
            raise self.error("entry-sources needs the sources as its content")
        para = nodes.paragraph(classes=["nested-source", "nested-entry-sources"])
        para += nodes.strong("Sources:", "Sources:")
        para += nodes.Text(" ")
        inline, messages = self.state.inline_text(text, self.lineno + self.content_offset)
        para.extend(inline)
        return [para, *messages]


def resolve_claims(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    table = _sources(app.env)
    for node in list(doctree.findall(claim_ref)):
        key = node["key"]
        src = table.get(key)
        if src is None:
            logger.warning(
                "claim names unknown source %r (define it with '.. source:: %s')",
                key,
                key,
                location=(node["docname"], node["line"]),
            )
            node.replace_self(nodes.Text(""))
            continue
        if app.builder.name == "man":  # a man reader cannot follow "#source-key"
            node.replace_self(nodes.superscript(f"[{key}]", f"[{key}]"))
            continue
        node.replace_self(_link(app, docname, key, src, nodes.superscript(f"[{key}]", f"[{key}]")))
    for node in list(doctree.findall(source_read_ref)):
        key = node["key"]
        src = table.get(key)
        if src is None:
            logger.warning("source-read names unknown source %r", key,
                           location=(node["docname"], node["line"]))  # fmt: skip
            node.replace_self(nodes.Text(""))
            continue
        date = nodes.inline(src.read, src.read, classes=["nested-claim"])
        if app.builder.name == "man":
            node.replace_self(date)
            continue
        node.replace_self(_link(app, docname, key, src, date))


def _link(app: Sphinx, docname: str, key: str, src, label: nodes.Node) -> nodes.reference:
    """``label`` as a link to source ``key``'s entry, titled with the source and the
    date it was read."""
    uri = "#"
    if src.docname != docname:
        uri = app.builder.get_relative_uri(docname, src.docname) + "#"
    ref = nodes.reference("", "", refuri=f"{uri}source-{key}",
                          reftitle=f"{src.title}, read {src.read}",
                          classes=["nested-claim-source"])  # fmt: skip
    ref += label
    return ref


def purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    table = _sources(env)
    for key in [k for k, s in table.items() if s.docname == docname]:
        del table[key]


def merge(app: Sphinx, env: BuildEnvironment, docnames, other: BuildEnvironment) -> None:
    _sources(env).update(_sources(other))


def setup(app: Sphinx) -> None:
    app.add_node(claim_ref)
    app.add_node(source_read_ref)
    app.add_directive("source", SourceDirective)
    app.add_directive("entry-sources", EntrySources)
    app.add_role("claim", ClaimRole())
    app.add_role("source-read", SourceReadRole())
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("doctree-resolved", resolve_claims)
