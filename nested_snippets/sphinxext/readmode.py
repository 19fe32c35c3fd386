"""Re-read every page when the builder's kind of tabs differs from the saved doctrees'.

sphinx-tabs decides while a page is *read* whether to emit HTML tabs (HTML
builders) or plain stacked blocks (doctest, linkcheck, man, epub ...). Doctrees
read by one kind and written by the other give a site without tabs, or an EPUB
with hidden panels. The environment records which kind read it; a builder of the
other kind re-reads everything, so any order of builds over one doctree
directory gives the same output.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx_tabs.tabs import get_compatible_builders

ATTR = "nested_kvm_tabs_html"


def tabs_as_html(app: Sphinx) -> bool:
    return app.builder.name in get_compatible_builders(app)


def reread_on_other_kind(
    app: Sphinx, env: BuildEnvironment, added: set, changed: set, removed: set
) -> list[str]:
    wanted = tabs_as_html(app)
    had = getattr(env, ATTR, None)
    setattr(env, ATTR, wanted)
    if had == wanted:  # None: a fresh environment, or one saved before this check
        return []
    return sorted(env.found_docs - added - removed)


def setup(app: Sphinx) -> None:
    app.connect("env-get-outdated", reread_on_other_kind)
