"""``.. project-sources::``: where a reader gets the project's sources.

The guide's repository address is not typed into pages: it comes from
``nested_kvm_repository`` in conf.py (which reads the ``NESTED_KVM_REPOSITORY``
environment variable; Read the Docs' clone URL when neither is set). With an
``https://`` address the directive links it and gives the ``git clone`` command
that makes ``./nested-kvm-guide``; without one it says so, names the site that
publishes the guide (the checker's :data:`~nested_snippets.cli.guide.DEFAULT_BASE`)
and where the sources come from instead, so a page never promises a download that the site lacks.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from nested_snippets.cli.guide import DEFAULT_BASE
from nested_snippets.sphinxext.links import repository_url

CHECKOUT = "nested-kvm-guide"


def _text(*parts: nodes.Node | str) -> list[nodes.Node]:
    return [nodes.Text(p) if isinstance(p, str) else p for p in parts]


class ProjectSources(SphinxDirective):
    """A paragraph: the repository and its clone command, or how to do without them."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        configured = self.config.nested_kvm_repository
        url = repository_url(configured)
        para = nodes.paragraph(classes=["nested-project-sources"])
        if url:
            clone = f"git clone {configured.removesuffix('/')} {CHECKOUT}"
            para += _text(
                "The project's sources are at ",
                nodes.reference(url, url, refuri=url, classes=["nested-out", "repo"]),
                ". The commands below start from a copy of them in ",
                nodes.literal(f"./{CHECKOUT}", f"./{CHECKOUT}"),
                ", made with ",
                nodes.literal(clone, clone),
                ".",
            )
        else:
            site = nodes.reference(DEFAULT_BASE, DEFAULT_BASE, refuri=DEFAULT_BASE)
            para += _text(
                "This build of the guide gives no address for the project's source "
                "repository: the site where the project publishes the guide, ",
                site,
                ", serves its pages and the zipapp, not its sources. Get the "
                "project's sources (a checkout or a source archive) from whoever publishes "
                "this guide and put them in ",
                nodes.literal(f"./{CHECKOUT}", f"./{CHECKOUT}"),
                ": the commands below start there. A server needs none of it, only the "
                "one file that they build once (the zipapp, below).",
            )
        return [para]


def setup(app: Sphinx) -> None:
    app.add_directive("project-sources", ProjectSources)
