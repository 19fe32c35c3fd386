/*
 * nested-kvm-guide: search scores (html_search_scorer, set by sphinxext/search.py).
 * Sphinx's defaults, except that
 * - a partial match (the query inside a longer word) scores below an exact word
 *   anywhere on a page, so "hyper-v" lists the pages that say Hyper-V before those
 *   that only say "hypervisor";
 * - score() adds what Sphinx's index cannot tell (sphinxext/search_rank.py writes it
 *   to NESTED_KVM_SEARCH on the search page): a bonus when every word of the query is
 *   in the page's title, one that grows with how often the query's rarest word occurs
 *   on the page (0 for once, up to 3), 1 for a task page (tutorial, how-to), and 1
 *   for a heading that holds the query (a troubleshooting entry titled with the
 *   message), so it comes before its page and the reader lands on the entry.
 *   The bonuses never lift a partial match above an exact one.
 * - a query of two words or more (as typed: "no vmx" counts, though "no" is a
 *   stopword the index drops) also lists each section heading that holds all its
 *   indexed words (search_rank.py's ``h``) as a hit of its own, linking the section: Sphinx
 *   lists a section only when the query is half its title or more, so "/dev/kvm"
 *   listed pages that mention it above the troubleshooting entries titled with it.
 *   A heading hit scores as a title hit whose title holds every word, plus 2 on a
 *   page of symptom entries (``e``: Troubleshooting) where a task page's section
 *   gets 1, plus the share of the heading's words the query covers (0 to 1).
 *   A section heading that Sphinx lists itself scores the same. A query of three
 *   words or more also finds a troubleshooting entry by the messages its "Symptom."
 *   paragraph quotes and its kernel log shows (``m``): a message pasted whole is
 *   longer than its heading. Of entries that quote it alike, the one whose heading
 *   names more of it comes first.
 * - a query of one word that is an identifier or a code (it has "_" or a digit:
 *   "VERR_VMX_NO_VMX", "0x80000021") lists, the same way, the troubleshooting
 *   entries that quote it (``w``), if no more than three do: typed alone, such a word
 *   listed only the top of the page, and a word that many entries quote
 *   ("kvm_intel") says nothing about which one the reader needs.
 * - a page whose tab labels hold every word of the query (search_rank.py's ``b``)
 *   scores at least as Sphinx scores a heading that holds them: a label names its
 *   panel as a heading its section ("ubuntu": the page with an Ubuntu tab came
 *   below a page with one "On Debian and Ubuntu" heading, walk 21b).
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
  pageTitle: 10,
  maxFrequency: 3,
  maxQuotingEntries: 3,

  // The query as typed.
  query: () => new URLSearchParams(window.location.search).get("q") || "",

  // The query's terms as Sphinx's Search._parseQuery stems them.
  queryTerms: () => {
    if (Scorer._terms) return Scorer._terms;
    const query = Scorer.query();
    const stemmer = new Stemmer();
    const terms = new Set();
    splitQuery(query.trim()).forEach((word) => {
      const lower = word.toLowerCase();
      if (stopwords.has(lower) || /^\d+$/.test(word)) return;
      const stemmed = stemmer.stemWord(lower);
      if (stemmed[0] !== "-") terms.add(stemmed);
    });
    Scorer._terms = [...terms];
    return Scorer._terms;
  },

  // Sphinx's index has `term` for `docname` (in its text or a heading).
  indexed: (term, docname) => {
    const index = Search._index;
    const file = index.docnames.indexOf(docname);
    return [index.terms, index.titleterms].some((map) => {
      const files = Object.hasOwn(map, term) ? map[term] : [];
      return files === file || (Array.isArray(files) && files.includes(file));
    });
  },

  // heading hits (headingHits), told apart from Sphinx's own results
  _headings: new WeakSet(),

  // "#label" of a heading hit -> "#id" of its section: a hit links the label (the
  // guide's stable anchor), but the label's element is an empty <span>, and the
  // search page takes the text it shows under a hit from the anchor's element
  _sections: new Map(),

  // The text of the heading of section `anchor` in document number `file`, from
  // Sphinx's index of every title.
  headingText: (file, anchor) => {
    if (!Scorer._headingTexts) {
      Scorer._headingTexts = new Map();
      for (const [title, places] of Object.entries(Search._index.alltitles)) {
        for (const [f, id] of places) Scorer._headingTexts.set(`${f}#${id}`, title);
      }
    }
    return Scorer._headingTexts.get(`${file}#${anchor}`);
  },

  // Sphinx lists a title the query is half of or more itself (_performSearch).
  listed: (title) => {
    const query = Scorer.query().toLowerCase().trim();
    return title.toLowerCase().trim().includes(query) && query.length >= title.length / 2;
  },

  // The words of section `id` that hold all of `terms`: its heading's, or, for a
  // query of three terms or more (a message pasted whole), those of the shortest message
  // its "Symptom." paragraph quotes or its log shows (search_rank.py's ``m``); or null. One message, not
  // all: "/dev/kvm permission denied" is in no message of the CI entry, whose
  // heading says /dev/kvm and whose symptom quotes "Permission denied".
  entryWords: (page, id, heading, terms) => {
    if (terms.every((t) => heading.includes(t))) return heading;
    if (terms.length < 3) return null;
    // the message closest to the query: an entry's log may show it inside longer lines
    const quoted = ((page.m || {})[id] || []).filter((words) => terms.every((t) => words.includes(t)));
    return quoted.sort((a, b) => a.length - b.length)[0] || null;
  },

  // The query is one word with "_" or a digit (an identifier or a code), as typed.
  identifier: () => {
    const words = splitQuery(Scorer.query().trim());
    return words.length === 1 && /[_\d]/.test(words[0]) && !/^\d+$/.test(words[0]);
  },

  // For a query that is one identifier (`terms`, stemmed), the entries that quote it
  // ("docname#id", from ``w``) when there are 1 to maxQuotingEntries; else null.
  quotingEntries: (pages, terms) => {
    if (terms.length !== 1 || !Scorer.identifier()) return null;
    const found = new Set();
    for (const [docname, page] of Object.entries(pages)) {
      for (const [id, words] of Object.entries(page.w || {})) {
        if (words.includes(terms[0])) found.add(`${docname}#${id}`);
      }
    }
    return found.size > 0 && found.size <= Scorer.maxQuotingEntries ? found : null;
  },

  // Every section heading holding all of `searchTerms` (stemmed as indexed; the
  // query typed as two words or more), or each entry quoting the identifier typed
  // alone, on a page without `excludedTerms`, as a Sphinx result linking it.
  headingHits: (searchTerms, excludedTerms) => {
    const pages = typeof NESTED_KVM_SEARCH === "undefined" ? {} : NESTED_KVM_SEARCH;
    const terms = [...searchTerms];
    const index = Search._index;
    const hits = [];
    if (terms.length === 0) return hits;
    const quoting = Scorer.quotingEntries(pages, terms);
    if (!quoting && splitQuery(Scorer.query().trim()).length < 2) return hits;
    for (const [docname, page] of Object.entries(pages)) {
      const file = index.docnames.indexOf(docname);
      if (file < 0 || [...excludedTerms].some((t) => Scorer.indexed(t, docname))) continue;
      for (const [id, heading, label] of page.h || []) {
        const text = Scorer.headingText(file, id);
        const words = quoting
          ? (quoting.has(`${docname}#${id}`) ? heading : null)
          : Scorer.entryWords(page, id, heading, terms);
        if (!text || !words || Scorer.listed(text)) continue;
        if (label) Scorer._sections.set("#" + label, "#" + id);
        // of two entries that quote the message alike, the one whose heading names
        // more of it ("kvm: no hardware support": "L1 cannot load KVM", walk 21)
        const named = words === heading ? 0 : terms.filter((t) => heading.includes(t)).length;
        const hit = [docname, `${index.titles[file]} > ${text}`, "#" + (label || id), null,
          Scorer.title + terms.length / Math.max(words.length, 1) +
            named / Math.max(heading.length, 1) / 10,
          index.filenames[file], "title"];
        Scorer._headings.add(hit);
        hits.push(hit);
      }
    }
    return hits;
  },

  // The words of the query, as split, that no page has: Sphinx's index holds neither
  // the word (stemmed as indexed) nor a longer word that contains it (Sphinx's partial
  // match). A stopword, a number or a stem of one or two letters is never one: Sphinx
  // lists a page that has every longer word even without it, so it is not why nothing
  // was found (fact review 20b).
  unknownWords: () => {
    const index = Search._index;
    const stemmer = new Stemmer();
    let keys = null;
    return splitQuery(Scorer.query().trim()).filter((word) => {
      const lower = word.toLowerCase();
      if (stopwords.has(lower) || /^\d+$/.test(word)) return false;
      const stem = stemmer.stemWord(lower);
      if (stem.length <= 2 || stem in index.terms || stem in index.titleterms) return false;
      keys = keys || [...Object.keys(index.terms), ...Object.keys(index.titleterms)];
      return !keys.some((key) => key.includes(stem));
    });
  },

  // A message pasted whole names the reader's own files ("Cannot access storage file
  // '/home/bob/images/l2.qcow2' ... Permission denied", walk 20b), whose words no page
  // holds together with the message's: link a search for the query without them.
  offerWithoutPaths: (status) => {
    const tokens = Scorer.query().trim().split(/\s+/);
    const rest = tokens.filter((token) => !token.includes("/"));
    if (rest.length === tokens.length || !rest.some((t) => splitQuery(t).length)) return;
    const link = document.createElement("a");
    link.href = `${window.location.pathname}?q=${encodeURIComponent(rest.join(" "))}`;
    link.textContent = rest.join(" ");
    status.append(" Without the path: search for ", link, ".");
  },

  // No page listed: Sphinx asks to check the spelling and "that you've selected enough
  // categories", which this site has none of ("AMD laptop", "GCP nested
  // virtualization": walk 20). Say which words no page has and link a search for the
  // others; or, when every word is on some page, that no page has them all.
  explainNoHits: () => {
    const unknown = Scorer.unknownWords();
    const status = Search.status;
    status.textContent = "";
    if (Scorer.queryTerms().length === 0) {
      status.append("Words as common as these are not searched for: "
        + "add a name or the words of a message.");
      return;
    }
    if (unknown.length === 0) {
      status.append("No page has all of these words, and a page is listed only if it "
        + "has every word you type: leave some out.");
      Scorer.offerWithoutPaths(status);
      return;
    }
    // "vm.qcow2" is searched for as "vmqcow2" (splitQuery): name it as typed
    const typed = new Map();
    for (const m of Scorer.query().matchAll(/[\p{L}\p{N}_]+(?:[-.][\p{L}\p{N}_]+)+/gu)) {
      typed.set(m[0].replace(/[-.]/g, ""), m[0]);
    }
    const quoted = unknown.map((w) => `\u201c${typed.get(w) || w}\u201d`).join(", ");
    // a word typed on its own stays as typed; of one joined to others by
    // punctuation ("'/home/alice/vm.qcow2'"), the words some page has
    const rest = Scorer.query().trim().split(/\s+/).flatMap((token) => {
      const terms = splitQuery(token);
      const known = terms.filter((t) => !unknown.includes(t));
      return known.length === terms.length ? [token] : known.map((t) => typed.get(t) || t);
    });
    status.append(`No page has the word${unknown.length > 1 ? "s" : ""} ${quoted}.`);
    if (rest.length === 0) return;
    status.append(" A page is listed only if it has every word you type.");
    const link = document.createElement("a");
    link.href = `${window.location.pathname}?q=${encodeURIComponent(rest.join(" "))}`;
    link.textContent = rest.join(" ");
    status.append(" Search for ", link, " instead.");
  },

  // The ``h`` entry ([id, words, label]) of the section Sphinx's title result
  // `anchor` ("#id") links, or null.
  sectionOf: (page, kind, anchor) => {
    if (kind !== "title" || !anchor) return null;
    return (page.h || []).find(([id]) => "#" + id === anchor) || null;
  },

  score: (result) => {
    const [docname, , anchor, , score, , kind] = result;
    const pages = typeof NESTED_KVM_SEARCH === "undefined" ? {} : NESTED_KVM_SEARCH;
    const page = pages[docname];
    const terms = Scorer.queryTerms();
    if (!page || terms.length === 0) return score;
    // no bonus for a page that lacks a word of the query (a partial match)
    const counts = terms.map((t) => page.n[t] || (Scorer.indexed(t, docname) ? 1 : 0));
    if (counts.some((n) => n === 0)) return score;
    const often = Math.min(Scorer.maxFrequency, Math.floor(Math.log2(Math.min(...counts))));
    const headingBonus = Scorer.pageTitle + often + (page.e ? 2 : page.p) + 1;
    if (Scorer._headings.has(result)) return score + headingBonus;
    // a heading Sphinx lists itself (the query is half its text or more, as when the
    // message is pasted whole) scores as the heading hit it would otherwise be: it came
    // below its own page ("KVM virtualisation configured, but not available", walk 20b)
    const section = Scorer.sectionOf(page, kind, anchor);
    if (section && terms.every((t) => section[1].includes(t))) {
      if (section[2]) {
        // link the label, the guide's stable anchor, as a heading hit does
        result[2] = "#" + section[2];
        Scorer._sections.set(result[2], anchor);
      }
      return Scorer.title + terms.length / section[1].length + headingBonus;
    }
    const inTitle = terms.every((t) => page.t.includes(t)) ? Scorer.pageTitle : 0;
    const sectionBonus = kind === "title" && anchor ? 1 : 0;
    const tabbed = !anchor && terms.every((t) => (page.b || []).includes(t));
    const base = tabbed ? Math.max(score, Scorer.title) : score;
    return base + inTitle + often + page.p + sectionBonus;
  },
};

// language_data.js, which holds this scorer, loads after searchtools.js: add the
// heading hits to Sphinx's full-text results.
if (typeof Search !== "undefined" && !Search._nestedHeadingHits) {
  const termsSearch = Search.performTermsSearch;
  const summary = Search.makeSearchSummary;
  Search._nestedHeadingHits = true;
  Search.performTermsSearch = (searchTerms, excludedTerms) => [
    ...termsSearch(searchTerms, excludedTerms),
    ...Scorer.headingHits(searchTerms, excludedTerms),
  ];
  Search.makeSearchSummary = (htmlText, keywords, anchor) =>
    summary(htmlText, keywords, Scorer._sections.get(anchor) || anchor);
  // with nothing to list, Sphinx writes its message at once (_finishSearch)
  const query = Search.query;
  Search.query = (q) => {
    query(q);
    if (!Search.output.querySelector("li")) Scorer.explainNoHits();
  };
}
