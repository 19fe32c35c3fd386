"""In the man page, a link to another page of the guide is plain text.

A man reader cannot follow ``<#install-checker>``: the man writer prints the
reference's target after its text, and a cross-page reference in the one-page man
build resolves to a bare anchor.  Links with a scheme (``https:``) are kept.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

SCHEMES = ("http:", "https:", "mailto:", "ftp:")


class PlainInternalRefs(SphinxPostTransform):
    default_priority = 999  # after references are resolved
    builders = ("man",)

    def run(self, **kwargs: Any) -> None:
        for ref in list(self.document.findall(nodes.reference)):
            if not ref.get("refuri", "").startswith(SCHEMES):
                ref.replace_self(nodes.inline(ref.astext(), ref.astext()))


def setup(app: Sphinx) -> dict:
    app.add_post_transform(PlainInternalRefs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
