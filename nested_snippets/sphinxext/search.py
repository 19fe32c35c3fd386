"""Search that finds identifiers by their parts and ranks exact words first.

* ``enable_apicv`` is indexed as itself and as ``enable`` and ``apicv``, so a
  search for ``apicv`` finds a page that only says ``enable_apicv``;
* a word joined by ``-`` or ``.`` (``Hyper-V``, ``kvm-arm.mode``) is also indexed
  joined up (``hyperv``), and the query splitter turns the same query into the
  same token, so ``hyper-v`` matches Hyper-V exactly rather than "hyper" and "v";
* ``search.js`` (the scorer) ranks an exact word above a partial one, so pages
  that say Hyper-V come before pages that only say "hypervisor";
* a search hit for an index entry (``.. index::``, or the entry a ``:envvar:``
  reference makes) links to the section that holds it, not to the entry's own
  ``#index-N`` target, an anchor that names nothing just under the heading or in
  mid-paragraph (:func:`index_hits_to_sections`). Definitions keep their own
  anchors (``#envvar-...``), and the general index keeps the ``#index-N`` ones.

The index and the query must split alike: :data:`JS_SPLITTER` is the browser's
half of :meth:`SearchEnglishIdentifiers.split`.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.search.en import SearchEnglish

SCORER = Path(__file__).with_name("search.js")
_COMPOUND = re.compile(r"(?<!\w)\w+(?:[-.]\w+)+")
"""Starts only where a word starts: from inside a long word it failed again at every
letter (a 20 000-letter word on a page took 2 minutes to index)."""
_JOINERS = re.compile(r"[-.]")
_GENERATED_TARGET = re.compile(r"index-\d+")
"""The id Sphinx gives an index entry's target (``env.new_serialno('index')``)."""

JS_SPLITTER = r"""
function splitQuery(query) {
  // sphinxext/search.py: "hyper-v" -> "hyperv" (as indexed), other words as Sphinx splits them
  const terms = [];
  // a contraction that is a stop word ("won't", "doesn't") goes whole: split at its
  // apostrophe, it made "won" and "t" required words
  query = query.replace(/\p{Letter}+['\u2019]\p{Letter}+/gu, (m) =>
    stopwords.has(m.toLowerCase().replace("\u2019", "'")) ? " " : m);
  const compound = /[\p{Letter}\p{Number}_]+(?:[-.][\p{Letter}\p{Number}_]+)+/gu;
  const rest = query.replace(compound, (m) => {
    terms.push(m.replace(/[-.]/g, ""));
    return " ";
  });
  rest.split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu).forEach((t) => {
    if (t) terms.push(t);
  });
  return terms;
}
"""


def identifier_parts(word: str) -> list[str]:
    """``enable_apicv`` -> ``enable``, ``apicv`` (parts of two letters or more)."""
    if "_" not in word.strip("_"):
        return []
    return [part for part in word.split("_") if len(part) >= 2]


class SearchEnglishIdentifiers(SearchEnglish):
    """English search, plus identifier parts and joined-up compounds. "will" is a stop
    word too, as "won't" is: "L2 will not start" listed only pages that say "will",
    the "Start the nested guest (L2)" sections not among them (walk 20)."""

    js_splitter_code = JS_SPLITTER
    stopwords = SearchEnglish.stopwords | {"will"}

    def split(self, input: str) -> list[str]:
        words = super().split(input)
        extra = [part for word in words if "_" in word for part in identifier_parts(word)]
        if "-" in input or "." in input:  # a compound has one
            extra += [_JOINERS.sub("", m.group(0)) for m in _COMPOUND.finditer(input)]
        return words + extra


def _section_id(node: nodes.Node) -> str | None:
    parent = node.parent
    while parent is not None and not (isinstance(parent, nodes.section) and parent["ids"]):
        parent = parent.parent
    return parent["ids"][0] if parent is not None else None


def index_hits_to_sections(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Point the index entries the search index is fed (the resolved doctree's
    ``index`` nodes) at their section's id (the anchor its title's search hit has).

    The HTML writer writes nothing for an ``index`` node, and the general index is
    built from the domain's data read earlier, so only the search index changes."""
    if getattr(app.builder, "indexer", None) is None:
        return
    for node in doctree.findall(addnodes.index):
        section = _section_id(node)
        if section is None:
            continue
        node["entries"] = [
            (kind, value, section if _GENERATED_TARGET.fullmatch(target or "") else target,
             main, key)
            for kind, value, target, main, key in node["entries"]
        ]  # fmt: skip


def use_scorer(app: Sphinx, config: Config) -> None:
    if not config.html_search_scorer:
        config.html_search_scorer = SCORER.as_posix()


def setup(app: Sphinx) -> None:
    from nested_snippets.sphinxext import search_rank

    app.add_search_language(SearchEnglishIdentifiers)
    app.connect("config-inited", use_scorer)
    app.connect("doctree-resolved", index_hits_to_sections)
    search_rank.setup(app)  # title, frequency and page-kind weights for search.js
