"""Search that finds identifiers by their parts and ranks exact words first.

* ``enable_apicv`` is indexed as itself and as ``enable`` and ``apicv``, so a
  search for ``apicv`` finds a page that only says ``enable_apicv``;
* a word joined by ``-`` or ``.`` (``Hyper-V``, ``kvm-arm.mode``) is also indexed
  joined up (``hyperv``), and the query splitter turns the same query into the
  same token, so ``hyper-v`` matches Hyper-V exactly rather than "hyper" and "v";
* ``search.js`` (the scorer) ranks an exact word above a partial one, so pages
  that say Hyper-V come before pages that only say "hypervisor".

The index and the query must split alike: :data:`JS_SPLITTER` is the browser's
half of :meth:`SearchEnglishIdentifiers.split`.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.search.en import SearchEnglish

SCORER = Path(__file__).with_name("search.js")
_COMPOUND = re.compile(r"(?<!\w)\w+(?:[-.]\w+)+")
"""Starts only where a word starts: from inside a long word it failed again at every
letter (a 20 000-letter word on a page took 2 minutes to index)."""
_JOINERS = re.compile(r"[-.]")

JS_SPLITTER = r"""
function splitQuery(query) {
  // sphinxext/search.py: "hyper-v" -> "hyperv" (as indexed), other words as Sphinx splits them
  const terms = [];
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
    """English search, plus identifier parts and joined-up compounds."""

    js_splitter_code = JS_SPLITTER

    def split(self, input: str) -> list[str]:
        words = super().split(input)
        extra = [part for word in words for part in identifier_parts(word)]
        extra += [_JOINERS.sub("", m.group(0)) for m in _COMPOUND.finditer(input)]
        return words + extra


def use_scorer(app: Sphinx, config: Config) -> None:
    if not config.html_search_scorer:
        config.html_search_scorer = SCORER.as_posix()


def setup(app: Sphinx) -> None:
    from nested_snippets.sphinxext import search_rank

    app.add_search_language(SearchEnglishIdentifiers)
    app.connect("config-inited", use_scorer)
    search_rank.setup(app)  # title, frequency and page-kind weights for search.js
