"""In HTML, a fact printed from the data shows where it comes from when pointed at.

The data roles (:mod:`.facts`, :mod:`.python_req`, :mod:`.guide_url`) put a ``title``
on the inline node they make ("from the kernel data: x86/kvm_intel nested default=Y;
the data of 4.20 comes from one source ..."), which Sphinx's HTML writer drops: it
writes a ``span``'s ids and classes only.  After references are resolved, each such
node becomes the same ``span`` written with its ``title``, around the same children.
"""

from __future__ import annotations

import html
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform


class FactTitles(SphinxPostTransform):
    default_priority = 999  # after references are resolved
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(nodes.inline)):
            title = node.get("title")
            if not title or node.parent is None:
                continue
            classes = " ".join(html.escape(c, quote=True) for c in node["classes"])
            start = f'<span class="{classes}" title="{html.escape(title, quote=True)}">'
            parts = [nodes.raw("", start, format="html"), *node.children,
                     nodes.raw("", "</span>", format="html")]  # fmt: skip
            node.replace_self(parts)


def setup(app: Sphinx) -> dict:
    app.add_post_transform(FactTitles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
