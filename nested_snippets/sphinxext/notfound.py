"""The 404 page: relative links that work from disk, at the root and under a sub-path.

``404.html`` is served for any missing address (``/how-to/gone.html``,
``/en/latest/old/page.html``), so relative links need the address of the site's
root. Root-absolute links (``/index.html``) break when the file is opened from
disk and when the site lives under a sub-path such as Read the Docs'
``/en/latest/``. So the page is built like any page at the root (relative
links) and a short script, first in ``<head>``, adds ``<base href=ROOT>`` before
the browser resolves any link. ROOT is, in order:

* nothing, for a file opened from disk (it sits at the root of the build);
* the part of the path before one of the site's own directories (``how-to``,
  ``_static``...), which the build knows;
* ``READTHEDOCS_CANONICAL_URL``'s path when the address starts with it;
* the deepest parent directory that has this site's ``_static/nested-kvm.js``
  (a HEAD request each, at most :data:`MAX_PROBES`), else ``/``.

In-page links (``#section``, Furo's ``<use href="#svg-sun">`` icons) would
resolve against the base too, so they are made absolute to the page itself.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlparse

from sphinx.application import Sphinx

PAGE = "404"
MAX_PROBES = 6
MARKER = "_static/nested-kvm.js"

_SCRIPT = """(function (dirs, prefix, marker, maxProbes) {
  if (location.protocol === "file:") return;
  var segs = location.pathname.split("/"), root = null, i;
  for (i = 1; i < segs.length - 1 && !root; i++) {
    if (dirs.indexOf(decodeURIComponent(segs[i])) !== -1) root = segs.slice(0, i).join("/") + "/";
  }
  if (!root && prefix !== "/" && location.pathname.indexOf(prefix) === 0) root = prefix;
  if (!root && segs.length <= 2) root = "/";
  for (i = segs.length - 1; !root && i >= 1 && i >= segs.length - maxProbes; i--) {
    var candidate = segs.slice(0, i).join("/") + "/";
    try {
      var probe = new XMLHttpRequest();
      probe.open("HEAD", candidate + marker, false);
      probe.send();
      if (probe.status === 200) root = candidate;
    } catch (e) { /* try the parent */ }
  }
  var base = document.createElement("base");
  base.href = root || prefix;
  document.head.appendChild(base);
  document.addEventListener("DOMContentLoaded", function () {
    var here = location.href.split("#")[0];
    document.querySelectorAll('[href^="#"]').forEach(function (el) {
      el.setAttribute("href", here + el.getAttribute("href"));
    });
  });
})(%s, %s, %s, %d);"""


def site_root_prefix() -> str:
    """The build's own idea of the root path: Read the Docs' version path, else ``/``."""
    path = urlparse(os.environ.get("READTHEDOCS_CANONICAL_URL", "")).path or "/"
    return path if path.endswith("/") else path + "/"


def add_root_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if pagename != PAGE:
        return
    dirs = sorted({d.split("/")[0] for d in app.env.found_docs if "/" in d})
    dirs += ["_static", "_images", "_sources"]
    args = (json.dumps(dirs), json.dumps(site_root_prefix()), json.dumps(MARKER), MAX_PROBES)
    context["nested_kvm_root_script"] = _SCRIPT % args


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", add_root_script)
