"""In HTML, a code name in a heading wraps only where its name allows it.

At 375 px a heading's monospace name such as ``HCS_E_HYPERV_NOT_INSTALLED`` is wider
than the page, and the theme's ``overflow-wrap: break-word`` cut it anywhere
("HCS_E_HYPERV_NOT_INSTA" / "LLED", walk 20).  After references are resolved, each
literal of a section title gets a ``<wbr>`` (a line-break opportunity that copies as
nothing) after each ``_``, ``/``, ``.``, ``(`` or ``,`` that has more of the name after
it, so a line that does not fit breaks between the name's parts.  The doctree's text,
hence the search index, the page's title and its table of contents, is unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

# A break point: right after one of these characters, before a word character.
BREAK_AFTER = re.compile(r"(?<=[_/.(,])(?=\w)")


def break_points(text: str) -> list[str]:
    """``text`` cut at each point where a heading's code name may wrap."""
    return BREAK_AFTER.split(text)


class wbr(nodes.Inline, nodes.Element):  # noqa: N801 (docutils names nodes so)
    """A line-break opportunity: ``<wbr>`` in HTML, no text (``astext()`` is ""), so
    the search index's titles, built from the written doctree, stay as typed."""


def _visit_wbr(self: Any, node: wbr) -> None:
    self.body.append("<wbr>")
    raise nodes.SkipNode


def _with_breaks(text: nodes.Text) -> list[nodes.Node]:
    parts = break_points(str(text))
    out: list[nodes.Node] = [nodes.Text(parts[0])]
    for part in parts[1:]:
        out += [wbr(), nodes.Text(part)]
    return out


class HeadingCodeBreaks(SphinxPostTransform):
    default_priority = 999  # after references are resolved
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for title in list(self.document.findall(nodes.title)):
            if not isinstance(title.parent, nodes.section):
                continue
            for literal in list(title.findall(nodes.literal)):
                for text in list(literal.findall(nodes.Text)):
                    parts = _with_breaks(text)
                    if len(parts) > 1:
                        text.parent.replace(text, parts)


def setup(app: Sphinx) -> dict:
    app.add_node(wbr, html=(_visit_wbr, None))
    app.add_post_transform(HeadingCodeBreaks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
