/*
 * nested-kvm-guide: search scores (html_search_scorer, set by sphinxext/search.py).
 * Sphinx's defaults, except that a partial match (the query inside a longer word)
 * scores below an exact word anywhere on a page, so "hyper-v" lists the pages
 * that say Hyper-V before those that only say "hypervisor".
 */
var Scorer = {
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 3,
  term: 5,
  partialTerm: 1,
};
