"""Static files of the guide's site: vendor-tab behaviour and Furo-matched tab styles.

``static/nested-kvm.js`` extends sphinx-tabs (localStorage persistence, ``?vendor=``
deep links, full keyboard support, roving tabindex) and makes copy buttons skip
output lines; ``static/nested-kvm.css`` styles the tabs with Furo's colour
variables so light, dark and "auto" all match the theme.  The tab labels the
script understands come from :mod:`nested_snippets.arches`, so ``?vendor=s390x``
and ``?vendor=ibmz`` both pick the "IBM Z (s390x)" tab.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

from nested_snippets import arches as arch_table

STATIC = Path(__file__).parent / "static"
# search.html: adds the missing <h1>; base.html: storage that throws cannot break pages
TEMPLATES = Path(__file__).parent / "templates"
FAVICON = "nested-kvm-icon.svg"
JS_FILE = "nested-kvm.js"
CSS_FILE = "nested-kvm.css"
# After sphinx-tabs' tabs.js/tabs.css (priority 500) and copybutton.js.
PRIORITY = 600


def _vendor_table() -> str:
    table = {key: a.label for key, a in arch_table.ARCHES.items()}
    return "window.NESTED_KVM_VENDORS = " + json.dumps(table, sort_keys=True) + ";"


def add_static_path(app: Sphinx, *_args) -> None:
    """Put ``static/`` on html_static_path and ``templates/`` on templates_path (once).

    Also give the site a favicon unless conf.py names one: without it browsers
    request /favicon.ico, which is a 404 (and a console error) on every page.
    """
    path = STATIC.as_posix()
    if path not in app.config.html_static_path:
        app.config.html_static_path.append(path)
    if TEMPLATES.as_posix() not in app.config.templates_path:
        app.config.templates_path.append(TEMPLATES.as_posix())
    if not app.config.html_favicon:
        app.config.html_favicon = (STATIC / FAVICON).as_posix()


FURO_CONTENTS_OK = "this-will-duplicate-information-and-it-is-still-useful-here"


def local_contents_allowed(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give ``.. contents::`` blocks Furo's opt-in class.

    Furo paints a contents block red with an "ERROR: Adding a table of contents
    ... is unnecessary" banner unless it carries this class (its sidebar already
    lists the sections). The guide uses short local lists on purpose, such as
    "Problems on this page" in troubleshooting.
    """
    for topic in doctree.findall(nodes.topic):
        if "contents" in topic["classes"] and FURO_CONTENTS_OK not in topic["classes"]:
            topic["classes"].append(FURO_CONTENTS_OK)


def setup(app: Sphinx) -> None:
    from nested_snippets.sphinxext import readmode

    readmode.setup(app)  # tabs: doctrees read by doctest or linkcheck are re-read
    from nested_snippets.sphinxext import notfound

    notfound.setup(app)  # 404.html: relative links under a <base> found at run time
    from nested_snippets.sphinxext import search

    search.setup(app)  # identifiers found by their parts, exact words ranked first
    # config-inited, not builder-inited: the environment pickles the config and
    # compares html_static_path on the next run; a path added after that
    # comparison would make every incremental build a full rebuild.
    app.connect("config-inited", add_static_path)
    app.connect("builder-inited", add_static_path)
    app.connect("doctree-resolved", local_contents_allowed)
    app.add_css_file(CSS_FILE, priority=PRIORITY)
    app.add_js_file(None, body=_vendor_table(), priority=PRIORITY - 1)
    app.add_js_file(JS_FILE, priority=PRIORITY)
