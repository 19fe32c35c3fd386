"""What the search scorer needs to rank pages beyond "the word is on the page".

Sphinx's index says only *whether* a page has a word (in a heading or in its text),
so pages that mention a word once tie with the page about it and are ordered by
title. For each page this writes ``_static/nested-kvm-search.js`` with

* ``p``: the kind of page: ``1`` for tutorial and how-to pages (tasks), ``0`` for the
  rest (reference tables, explanations, indexes), so a task outranks a table that
  shares its words;
* ``t``: the words of the page's title (its first heading), as indexed;
* ``n``: how often each word occurs on the page, for words that occur twice or more;
* ``h``: the page's section headings below its title, each as ``[id, terms]`` or
  ``[id, terms, label]``: the section's own id (under which Sphinx's index,
  ``alltitles``, has the heading's text, and whose element holds the text the search
  page shows under a hit) and its label, the stable anchor the guide links (an
  empty ``<span>`` in the page), where it has one;
* ``b``: the words of the page's tab labels (Debian, Ubuntu, Intel, ...): a tab's
  label names its panel as a heading names its section, but Sphinx indexes it as
  text, so a page with one "On Debian and Ubuntu" heading outranked the page with an
  Ubuntu tab for "ubuntu" (walk 21b);
* ``e``: ``1`` for a page of entries named by their symptom (Troubleshooting), else ``0``;
* ``m``: on that page, for each entry (by section id), the words of each message its
  "Symptom." paragraph quotes and of each kernel log line its code blocks show, so
  a message pasted whole ("TASK ERROR: KVM virtualisation configured, but not
  available. Either disable in VM configuration or enable in BIOS.", "kvm: no
  hardware support") finds its entry though the heading quotes only part of it;
* ``w``: on that page, for each entry, the identifiers and codes (a word with ``_``
  or a digit: ``VERR_VMX_NO_VMX``, ``0x80000021``) that it quotes anywhere, in its
  heading, its text or its commands' output, so one such word typed alone lands on
  the entry that quotes it, not on the top of the page (review 20: the flat list).

On that page a heading that only groups entries (a section of sections) is not in
``h``: a group such as "Live migration, saving, and moving L1 to another host" is no
answer of its own, and would come before the task pages on its subject.

``search.js`` adds to Sphinx's score a bonus for a query whose words are all in the
page title, a smaller one that grows with how often its rarest word occurs, and
``p``; a page whose tab labels hold the query scores at least as a heading match.
For a query of two words or more it also lists each heading that holds them all as
a hit of its own, ranked above the pages (``e`` puts a symptom entry before a
task page's section), so "/dev/kvm" lists the troubleshooting entries titled with
it first. Words are split and stemmed exactly as Sphinx's index does, so the query's
terms (stemmed in the browser like the index's) find them.

The file is read back on incremental builds: pages not rewritten keep their entry.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.search import WordCollector
from sphinx_tabs.tabs import SphinxTabsTab

FILE = "nested-kvm-search.js"
_PREFIX = "var NESTED_KVM_SEARCH = "
TASK_PARTS = ("tutorial/", "how-to/")
ENTRY_PAGES = ("troubleshooting",)


def page_prior(docname: str) -> int:
    """1 for a task page (tutorial or how-to, not their index), else 0."""
    return int(docname.startswith(TASK_PARTS) and not docname.endswith("/index"))


def entry_prior(docname: str) -> int:
    """1 for a page whose sections are entries named by their symptom, else 0."""
    return int(docname in ENTRY_PAGES)


def _groups_entries(section: nodes.section) -> bool:
    """True for a section that holds sections of its own (a group of entries)."""
    return any(isinstance(child, nodes.section) for child in section.children)


def headings(doctree: nodes.document, terms_of, groups: bool = True) -> list[list]:
    """``[id, terms]`` or ``[id, terms, label]`` for each section heading below the
    page title; without the sections that hold sections unless `groups`."""
    found = []
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        if not section["ids"] or title is None or title.parent is not section:
            continue
        if not isinstance(section.parent, nodes.section):
            continue  # the page title
        if not groups and _groups_entries(section):
            continue
        found.append([section["ids"][0], terms_of(title.astext()), *section["ids"][1:2]])
    return found


def tab_labels(doctree: nodes.Node, terms_of) -> list[str]:
    """The terms of every tab label on the page (sphinx-tabs' tab nodes), sorted."""
    found: set[str] = set()
    for tab in doctree.findall(SphinxTabsTab):
        found.update(terms_of(tab.astext()))
    return sorted(found)


def _symptom(section: nodes.section) -> nodes.paragraph | None:
    """The section's own paragraph that starts with a bold "Symptom.", or None."""
    for child in section.children:
        if isinstance(child, nodes.paragraph) and child.astext().startswith("Symptom."):
            return child
    return None


_LOG_LINE = re.compile(r"^\[\s*\d+\.\d+\]\s*(\S.*)$", re.M)
"""A kernel log line as ``dmesg`` prints it; the message is what follows the time."""


def _own(node: nodes.Node, section: nodes.section) -> bool:
    """`node` is in `section` itself, not in a section below it."""
    parent = node.parent
    while parent is not None and not isinstance(parent, nodes.section):
        parent = parent.parent
    return parent is section


def log_lines(section: nodes.section) -> list[str]:
    """The kernel log messages of the section's own code blocks (walk 21: "kvm: no
    hardware support" is in the log an entry shows, not in its Symptom paragraph)."""
    return [
        line
        for block in section.findall(nodes.literal_block)
        if _own(block, section)
        for line in _LOG_LINE.findall(block.astext())
    ]


def symptom_messages(doctree: nodes.document, terms_of) -> dict[str, list[list[str]]]:
    """Section id -> the terms of each literal its "Symptom." paragraph quotes and of
    each kernel log line its code blocks show."""
    found = {}
    for section in doctree.findall(nodes.section):
        paragraph = _symptom(section) if section["ids"] else None
        if paragraph is None:
            continue
        quoted = [terms_of(lit.astext()) for lit in paragraph.findall(nodes.literal)]
        quoted += [terms_of(line) for line in log_lines(section)]
        quoted = [terms for i, terms in enumerate(quoted) if terms not in quoted[:i]]
        if quoted := [terms for terms in quoted if terms]:
            found[section["ids"][0]] = quoted
    return found


_IDENTIFIER = re.compile(r"[_\d]")
"""A word that names an identifier or a code, not an English word."""


def _quoted_text(section: nodes.section) -> list[str]:
    """The text of every literal (inline or block) of the section and its heading."""
    return [node.astext() for node in section.findall(
        lambda n: isinstance(n, (nodes.literal, nodes.literal_block)))]  # fmt: skip


def entry_identifiers(doctree: nodes.document, split, term) -> dict[str, list[str]]:
    """Entry's section id -> the index terms of the identifiers and codes (a word with
    ``_`` or a digit) it quotes; an entry is a section with a "Symptom." paragraph."""
    found = {}
    for section in doctree.findall(nodes.section):
        if not section["ids"] or _symptom(section) is None:
            continue
        words = {w for text in _quoted_text(section) for w in split(text)}
        terms = sorted({t for w in words if _IDENTIFIER.search(w) and (t := term(w))})
        if terms:
            found[section["ids"][0]] = terms
    return found


def _indexes(app: Sphinx) -> bool:
    return getattr(app.builder, "indexer", None) is not None


def _stemmer(app: Sphinx):
    """The index's language and its word -> key function, one per builder.

    Stemming is most of this extension's cost, and pages share most of their words:
    the language's ``stem`` is memoised once for the build, which Sphinx's own
    indexing (``IndexBuilder.feed``, whose cache lasts one page) then shares.  Under
    cProfile, 2026-12-03, a clean build spent 6.2 s of 54.6 s here with a cache per
    page and 6.0 s in Sphinx's stemming."""
    lang = app.builder.indexer.lang
    cached = getattr(app.builder, "nested_search_term", None)
    if cached is not None and cached[0] is lang:
        return lang, cached[1]
    if not hasattr(lang.stem, "cache_info"):
        lang.stem = functools.cache(lang.stem)  # a pure function of the word

    @functools.cache
    def term(word: str) -> str | None:
        """The index's key for `word` (sphinx.search.IndexBuilder.feed), or None."""
        stemmed = lang.stem(word).lower()
        if lang.word_filter(stemmed):
            return stemmed
        return word if lang.word_filter(word) else None

    app.builder.nested_search_term = (lang, term)
    return lang, term


def page_entry(app: Sphinx, docname: str, doctree: nodes.document) -> dict:
    lang, term = _stemmer(app)
    collector = WordCollector(doctree, lang)
    doctree.walk(collector)
    counts: Counter[str] = Counter()
    for word, n in Counter(collector.found_words).items():  # a page's words repeat:
        if t := term(word):  # one term() call per distinct word, not per occurrence
            counts[t] += n
    title = app.env.titles[docname].astext() if docname in app.env.titles else ""

    def terms_of(text: str) -> list[str]:
        return sorted({t for w in lang.split(text) if (t := term(w))})

    entries = entry_prior(docname)
    entry = {
        "p": page_prior(docname),
        "e": entries,
        "t": terms_of(title),
        "n": {w: n for w, n in sorted(counts.items()) if n >= 2},
        "h": headings(doctree, terms_of, groups=not entries),
    }
    if labels := tab_labels(doctree, terms_of):
        entry["b"] = labels
    if entries:
        entry["m"] = symptom_messages(doctree, terms_of)
        entry["w"] = entry_identifiers(doctree, lang.split, term)
    return entry


def collect(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if _indexes(app):
        app.builder.nested_search_pages = getattr(app.builder, "nested_search_pages", {})
        app.builder.nested_search_pages[docname] = page_entry(app, docname, doctree)


def _read(path: Path) -> dict:
    try:
        text = path.read_text()
        return json.loads(text[len(_PREFIX):].rstrip().rstrip(";"))
    except (OSError, ValueError):
        return {}


def write(app: Sphinx) -> list:
    """Write the file before the extra pages (``search.html``) are rendered, so the
    checksum Sphinx puts in its ``<script>`` tag is of this build's file."""
    if not _indexes(app):
        return []
    path = Path(app.outdir) / "_static" / FILE
    pages = {d: e for d, e in _read(path).items() if d in app.env.found_docs}
    pages.update(getattr(app.builder, "nested_search_pages", {}))
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(dict(sorted(pages.items())), separators=(",", ":"), sort_keys=True)
    path.write_text(f"{_PREFIX}{body};\n")
    return []


def add_to_search_page(app: Sphinx, pagename: str, templatename: str, context, doctree) -> None:
    if pagename == "search" and _indexes(app):
        app.add_js_file(FILE)


def setup(app: Sphinx) -> None:
    app.connect("doctree-resolved", collect)
    app.connect("html-page-context", add_to_search_page)
    app.connect("html-collect-pages", write)
