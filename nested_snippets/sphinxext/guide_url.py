"""Where ``nested-kvm``'s links to this guide point, as the pages say it.

``:guide-url:`default``` prints the checker's built-in base address
(:data:`nested_snippets.cli.guide.DEFAULT_BASE`) and ``:guide-url:`env``` the
variable that replaces it, so no page types either.  ``:guide-url:`default
PAGE.html``` prints the address of one page of this guide at that base (the manual
page's SEE ALSO, where links have no address of their own); a page that this build
does not have is an error at the role's line.

The default is the address of the project's publisher, Read the Docs
(``.readthedocs.yaml``).  A build on Read the Docs knows the site's real address
(``READTHEDOCS_CANONICAL_URL``): when a branch or tag build is published at another
host than the default's, the build warns (and fails, warnings being errors), so the
checker never ships links to a site that is not this one.  Pull-request previews
(``READTHEDOCS_VERSION_TYPE=external``) live on hosts of their own and are not
compared.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

from nested_snippets.cli import guide

logger = logging.getLogger(__name__)

_VALUES = {"default": guide.DEFAULT_BASE, "env": guide.ENV}


class GuideUrl(SphinxRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        which, _, page = self.text.strip().partition(" ")
        value = _VALUES.get(which)
        problem = None
        if value is None:
            problem = f"{self.text!r} is not one of {', '.join(_VALUES)}"
        elif page:
            page = page.strip()
            docname = page.removesuffix(".html")
            if which != "default":
                problem = f"{self.text!r}: only the default address takes a page"
            elif not page.endswith(".html") or docname not in self.env.found_docs:
                problem = f"{self.text!r}: {page!r} is no page of this guide (PAGE.html)"
            else:
                value = guide.DEFAULT_BASE + page
        if problem:
            msg = self.inliner.reporter.error(f"guide-url: {problem}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        node = nodes.literal(value, value, classes=["nested-fact"])
        node["title"] = "nested_snippets/cli/guide.py"
        return [node], []


def publisher_mismatch(environ: dict[str, str]) -> str | None:
    """Why the checker's default does not match the Read the Docs site being built,
    or None (not on Read the Docs, a pull-request preview, or the same host)."""
    canonical = environ.get("READTHEDOCS_CANONICAL_URL", "").strip()
    if not canonical or environ.get("READTHEDOCS_VERSION_TYPE") == "external":
        return None
    if urlsplit(canonical).netloc == urlsplit(guide.DEFAULT_BASE).netloc:
        return None
    return (
        f"this site is published at {canonical} but nested-kvm links to "
        f"{guide.DEFAULT_BASE}: set DEFAULT_BASE in nested_snippets/cli/guide.py "
        "(and the schema's $id) to this site"
    )


def _check_publisher(app: Sphinx) -> None:
    reason = publisher_mismatch(dict(os.environ))
    if reason:
        logger.warning(reason)


def setup(app: Sphinx) -> dict:
    app.add_role("guide-url", GuideUrl())
    app.connect("builder-inited", _check_publisher)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
