/*
 * nested-kvm-guide: vendor tabs that remember the reader's choice.
 *
 * Extends sphinx-tabs (tabs.js, loaded before this file) without forking it:
 *
 * - the chosen vendor is kept in localStorage (sphinx-tabs keeps it in
 *   sessionStorage only), so it survives other pages, reloads and later visits,
 *   and it follows along in other open browser tabs;
 * - every tab set of a page follows a choice: the tab with the same label, else the
 *   grouped tab that covers it ("Debian / Ubuntu" for "Ubuntu"), else, for a
 *   grouped tab chosen, the covered tab last chosen, shown or listed first
 *   ("Fedora / RHEL / Arch / openSUSE" selects "RHEL" after RHEL was chosen);
 * - ?vendor=amd (case-insensitive; an arch key from nested_snippets/arch.py or a
 *   tab label) selects a vendor from a link, also with an anchor
 *   (page.html?vendor=amd#section);
 * - keyboard: Left/Right move to and activate the previous/next tab (wrapping),
 *   Home/End the first/last; Enter/Space activate (native <button>);
 * - ARIA: roving tabindex kept in step with aria-selected;
 * - storage that throws (private mode, blocked cookies) never breaks a page;
 * - single-page build: tab/panel ids made unique across the merged documents;
 * - console transcripts: the newline after each output line is moved into the
 *   output span, so sphinx-copybutton (which drops .gp prompts and .go output)
 *   copies only the commands, without blank lines in between; a command line
 *   (no output) is copied whole, a loop or several commands one per line too.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "nested-kvm-guide:vendor"; // the latest choice
  // The reader's choices, latest first: a page picks the first one it has a tab
  // for, so ?vendor=power on an x86-only page does not lose an earlier "AMD".
  var HISTORY_KEY = "nested-kvm-guide:vendors";
  var HISTORY_MAX = 8;
  // {arch key: tab label}, written by nested_snippets/sphinxext/assets.py.
  var VENDORS = window.NESTED_KVM_VENDORS || {};

  function norm(text) {
    return String(text || "").toLowerCase().replace(/[^a-z0-9]/g, "");
  }

  // --- storage that never throws -------------------------------------------
  function safeStorage(getStore) {
    return {
      getItem: function (key) {
        try {
          var store = getStore();
          return store ? store.getItem(key) : null;
        } catch (e) {
          return null;
        }
      },
      setItem: function (key, value) {
        try {
          var store = getStore();
          if (store) store.setItem(key, value);
        } catch (e) {
          /* private mode or quota: the choice lasts for this page only */
        }
      },
    };
  }
  var local = safeStorage(function () { return window.localStorage; });
  // tabs.js keeps `var session = window.sessionStorage || {}`, a global; give it
  // methods that cannot throw (with {} its click handler raises a TypeError).
  window.session = safeStorage(function () { return window.sessionStorage; });

  // --- tabs ------------------------------------------------------------------
  function tabsIn(tablist) {
    return Array.prototype.filter.call(tablist.children, function (el) {
      return el.getAttribute("role") === "tab";
    });
  }

  function allTablists() {
    return document.querySelectorAll('.sphinx-tabs [role="tablist"]');
  }

  /** Resolve a ?vendor= value or stored choice to a normalized tab label. */
  function wantedLabel(value) {
    var wanted = norm(value);
    if (!wanted) return null;
    var keys = Object.keys(VENDORS);
    for (var i = 0; i < keys.length; i++) {
      if (norm(keys[i]) === wanted || norm(VENDORS[keys[i]]) === wanted) {
        return norm(VENDORS[keys[i]]);
      }
    }
    return wanted; // a label of a tab not in the table (plain group tabs)
  }

  /** The arch key for a tab label, else the label itself (what we store). */
  function keyForLabel(label) {
    var keys = Object.keys(VENDORS);
    for (var i = 0; i < keys.length; i++) {
      if (norm(VENDORS[keys[i]]) === norm(label)) return keys[i];
    }
    return label;
  }

  function syncTabindex() {
    allTablists().forEach(function (tablist) {
      var tabs = tabsIn(tablist);
      var selected = tabs.filter(function (t) {
        return t.getAttribute("aria-selected") === "true";
      });
      tabs.forEach(function (tab) {
        var on = selected.length ? tab === selected[0] : tab === tabs[0];
        tab.setAttribute("tabindex", on ? "0" : "-1");
      });
    });
  }

  /** Normalized names a tab answers to: its label, and each part of a label that
   * groups several choices ("Fedora / RHEL / Arch / openSUSE" answers to "fedora",
   * "rhel", "arch" and "opensuse"), so choosing a distribution in one tab set
   * selects the grouped tab that covers it in the next. */
  function tabMatches(tab, label) {
    var text = tab.textContent;
    if (norm(text) === label) return true;
    return text.indexOf("/") >= 0 && text.split("/").some(function (part) {
      return norm(part) === label;
    });
  }

  /** The normalized choices a grouped label covers ("Debian / Ubuntu" -> "debian",
   * "ubuntu"), else null. */
  function partsOf(text) {
    text = String(text || "");
    if (text.indexOf("/") < 0) return null;
    return text.split("/").map(norm).filter(function (part) { return part; });
  }

  /** For a grouped choice (`parts`), the tab of a set with one tab per choice: the
   * covered one chosen last, else the one shown, else the first. */
  function coveredTab(tabs, parts) {
    var covered = tabs.filter(function (t) {
      return t.classList.contains("group-tab") && parts.indexOf(norm(t.textContent)) >= 0;
    });
    if (!covered.length) return null;
    var list = history();
    for (var i = 0; i < list.length; i++) {
      var earlier = covered.filter(function (t) { return norm(t.textContent) === norm(list[i]); });
      if (earlier.length) return earlier[0];
    }
    return covered.filter(function (t) {
      return t.getAttribute("aria-selected") === "true";
    })[0] || covered[0];
  }

  /** Select, in every tab set on the page (but those in `skip`), the group tab
   * with this label, or the grouped tab that covers it, or, when the label is a
   * grouped one whose choices are `parts`, a tab it covers; return the tab sets. */
  function selectLabelIn(label, skip, parts) {
    var matched = [];
    allTablists().forEach(function (tablist) {
      if (skip && skip.indexOf(tablist) >= 0) return;
      var tabs = tabsIn(tablist);
      var match = tabs.filter(function (t) { return norm(t.textContent) === label; })[0] ||
        tabs.filter(function (t) { return tabMatches(t, label); })[0] ||
        (parts ? coveredTab(tabs, parts) : null);
      if (!match || !match.classList.contains("group-tab")) return;
      matched.push(tablist);
      tabs.forEach(function (tab) {
        var on = tab === match;
        tab.setAttribute("aria-selected", on ? "true" : "false");
        var panel = document.getElementById(tab.getAttribute("aria-controls"));
        if (!panel) return;
        if (on) panel.removeAttribute("hidden");
        else panel.setAttribute("hidden", "true");
      });
    });
    syncTabindex();
    return matched;
  }

  /** Select the tab labelled `text` (a tab's text, a stored choice) in every set. */
  function selectLabel(text) {
    return selectLabelIn(norm(text), null, partsOf(text)).length > 0;
  }

  function history() {
    var list = null;
    try {
      list = JSON.parse(local.getItem(HISTORY_KEY) || "null");
    } catch (e) {
      list = null;
    }
    if (!Array.isArray(list)) list = [];
    list = list.filter(function (v) { return typeof v === "string" && v; });
    var latest = local.getItem(STORAGE_KEY); // also a choice stored before the history
    if (latest && list.indexOf(latest) === -1) list.unshift(latest);
    return list;
  }

  /** Make `value` (an arch key or a tab label) the latest choice. */
  function choose(value) {
    var list = history().filter(function (v) { return norm(v) !== norm(value); });
    list.unshift(value);
    local.setItem(HISTORY_KEY, JSON.stringify(list.slice(0, HISTORY_MAX)));
    local.setItem(STORAGE_KEY, value);
  }

  function remember(tab) {
    if (!tab.classList.contains("group-tab")) return;
    choose(keyForLabel(tab.textContent.trim()));
    window.session.setItem("sphinx-tabs-last-selected", tab.getAttribute("name"));
  }

  function queryVendor() {
    var match = /[?&]vendor=([^&#]*)/i.exec(window.location.search);
    if (!match) return null;
    try {
      return decodeURIComponent(match[1].replace(/\+/g, " "));
    } catch (e) {
      return match[1];
    }
  }

  function labelTablists(tablists) {
    tablists.forEach(function (tablist) {
      var tabs = tabsIn(tablist);
      var vendorTabs = tabs.filter(function (t) {
        return Object.keys(VENDORS).some(function (k) {
          return norm(VENDORS[k]) === norm(t.textContent);
        });
      });
      if (tabs.length && vendorTabs.length === tabs.length) {
        tablist.setAttribute("aria-label", "CPU vendor or architecture");
      }
      tabs.forEach(function (tab) {
        var panel = document.getElementById(tab.getAttribute("aria-controls"));
        if (panel) panel.setAttribute("data-nested-label", tab.textContent.trim());
      });
    });
  }

  /** In each tab set, select the latest remembered choice it has a tab for (a
   * distribution chosen last does not reset the vendor tabs of the same page). */
  function selectRemembered(skip) {
    var done = (skip || []).slice();
    var list = history();
    for (var i = 0; i < list.length; i++) {
      var label = wantedLabel(list[i]);
      if (label) done = done.concat(selectLabelIn(label, done, partsOf(list[i])));
    }
    return done.length > 0;
  }

  /** The architecture the reader chose last (a label of the table), or null. */
  function chosenArch() {
    var list = history();
    for (var i = 0; i < list.length; i++) {
      var label = wantedLabel(list[i]);
      var keys = Object.keys(VENDORS).filter(function (k) { return norm(VENDORS[k]) === label; });
      if (keys.length) return VENDORS[keys[0]];
    }
    return null;
  }

  /** "Intel", "Intel and AMD", "Intel, AMD and IBM Z (s390x)". */
  function listed(labels) {
    if (labels.length < 2) return labels.join("");
    return labels.slice(0, -1).join(", ") + " and " + labels[labels.length - 1];
  }

  /** Before each set of architecture tabs without a tab for the reader's
   * architecture, say so: an Arm64 reader otherwise sees the Intel tab of an
   * x86-only step selected as if it were theirs (walk 21). On a page where no set
   * has that tab, the first set says it for the page. */
  function noteMissingArch() {
    var arch = chosenArch();
    var archSets = Array.prototype.filter.call(allTablists(), function (tablist) {
      return tablist.getAttribute("aria-label") === "CPU vendor or architecture";
    });
    var has = function (tablist) {
      return tabsIn(tablist).some(function (t) { return norm(t.textContent) === norm(arch); });
    };
    var lacking = arch ? archSets.filter(function (t) { return !has(t); }) : [];
    var wholePage = lacking.length === archSets.length;
    allTablists().forEach(function (tablist) {
      var box = tablist.parentNode;
      var note = box.previousElementSibling;
      if (!note || !note.classList.contains("nested-tab-note")) note = null;
      var index = lacking.indexOf(tablist);
      if (index < 0 || (wholePage && index > 0)) {
        if (note) note.remove();
        return;
      }
      if (!note) {
        note = document.createElement("p");
        note.className = "nested-tab-note";
        box.parentNode.insertBefore(note, box);
      }
      var labels = listed(tabsIn(tablist).map(function (t) { return t.textContent.trim(); }));
      note.textContent = wholePage
        ? "No " + arch + " tab on this page: its steps are for " + labels + "."
        : "No " + arch + " tab here: this step is for " + labels + ".";
    });
  }

  function restore() {
    var fromLink = queryVendor();
    var wanted = wantedLabel(fromLink);
    var known = !!wanted && Object.keys(VENDORS).some(function (k) {
      return norm(VENDORS[k]) === wanted; // an architecture from the table
    });
    // A known architecture is remembered even where this page has no tab for it
    // (the next page with that tab shows it); earlier choices stay behind it.
    if (known) choose(keyForLabel(wanted));
    var linked = wanted ? selectLabelIn(wanted, null, partsOf(fromLink)) : [];
    if (linked.length && !known) choose(wanted);
    selectRemembered(linked); // the other tab sets keep the reader's choices
    revealHashTarget(!!fromLink);
    syncTabindex();
    noteMissingArch();
  }

  /** A #fragment inside a hidden panel opens that panel (unless ?vendor= chose). */
  function revealHashTarget(vendorFromLink) {
    var id = window.location.hash.slice(1);
    if (!id) return;
    var target = null;
    try {
      target = document.getElementById(decodeURIComponent(id));
    } catch (e) {
      target = document.getElementById(id);
    }
    if (!target) return;
    var panel = target.closest ? target.closest('[role="tabpanel"][hidden]') : null;
    if (panel && !vendorFromLink) {
      var tab = document.getElementById(panel.getAttribute("aria-labelledby"));
      if (tab) selectLabel(tab.textContent.trim());
    }
    // Switching tabs above the target changed heights: land on it again.
    window.requestAnimationFrame(function () {
      target.scrollIntoView();
    });
  }

  // Clicks: sphinx-tabs selects and syncs (its listener is on the tab itself);
  // this listener on the document runs afterwards and persists the choice.
  document.addEventListener("click", function (event) {
    var tab = event.target.closest && event.target.closest(".sphinx-tabs-tab");
    if (!tab) return;
    if (tab.getAttribute("aria-selected") === "true") {
      remember(tab);
      // sphinx-tabs syncs tabs of the same label only; a grouped tab covering it
      // ("Debian / Ubuntu" for "Ubuntu") follows too, and a grouped tab chosen
      // selects a tab it covers in the sets with one tab per choice. Those may be
      // above the clicked tab: keep it where it was on the screen (as tabs.js does).
      if (tab.classList.contains("group-tab")) {
        var before = tab.getBoundingClientRect().top;
        selectLabel(tab.textContent.trim());
        var moved = tab.getBoundingClientRect().top - before;
        if (moved) window.scrollBy({ top: moved, behavior: "instant" }); // not smooth
      }
    }
    syncTabindex();
    noteMissingArch();
    focusableScrollers(); // panels just shown may scroll sideways
  });

  // Keyboard, in the capture phase so tabs.js' own arrow handling (focus only,
  // no activation, no Home/End) does not also run.
  document.addEventListener(
    "keydown",
    function (event) {
      var tab = event.target;
      if (!tab || !tab.classList || !tab.classList.contains("sphinx-tabs-tab")) return;
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      var tabs = tabsIn(tab.parentNode);
      var index = tabs.indexOf(tab);
      var next = null;
      switch (event.key) {
        case "ArrowRight":
          next = tabs[(index + 1) % tabs.length];
          break;
        case "ArrowLeft":
          next = tabs[(index - 1 + tabs.length) % tabs.length];
          break;
        case "Home":
          next = tabs[0];
          break;
        case "End":
          next = tabs[tabs.length - 1];
          break;
        default:
          return; // Enter and Space: the <button> clicks itself
      }
      event.preventDefault();
      event.stopPropagation();
      next.focus();
      if (next.getAttribute("aria-selected") !== "true") next.click();
    },
    true
  );

  // Another browser tab of the guide changed the vendor: follow it.
  window.addEventListener("storage", function (event) {
    if (event.key !== STORAGE_KEY || !event.newValue) return;
    selectRemembered();
    noteMissingArch();
    focusableScrollers();
  });

  // --- copy buttons: commands only ---------------------------------------------
  function tidyTranscripts() {
    // A command line (the snippet directive's nested-command-line) has no output,
    // but Pygments reads a line as output unless the line before ends in a
    // backslash: the body of a loop or a list. They are the command's, shown and
    // copied as such (commands one per line each have their "$ ", bodies.py).
    document.querySelectorAll("div.nested-command-line pre span.go").forEach(function (span) {
      span.parentNode.replaceChild(document.createTextNode(span.textContent), span);
    });
    // Pygments reads an output line such as "(builtin)" as a virtualenv prompt;
    // alone on its line it is output, and is styled and skipped as output.
    document.querySelectorAll("div.highlight pre span.gp-VirtualEnv").forEach(function (span) {
      var next = span.nextSibling;
      if (!next || (next.nodeType === 3 && next.data.charAt(0) === "\n")) {
        span.className = "go";
      }
    });
    document.querySelectorAll("div.highlight pre span.go").forEach(function (span) {
      var next = span.nextSibling;
      if (next && next.nodeType === 3 && next.data.charAt(0) === "\n") {
        next.data = next.data.slice(1);
        span.appendChild(document.createTextNode("\n"));
      }
    });
  }

  // sphinx-copybutton drops one trailing newline; a block whose last lines are
  // skipped output can still end in one, and pasting it would run the last
  // command at once. Its copy (ClipboardJS, execCommand) fires a "copy" event
  // right after the button's click: put the text there without end newlines.
  var copyButtonClicked = false;
  document.addEventListener(
    "click",
    function (event) {
      if (!(event.target.closest && event.target.closest("button.copybtn"))) return;
      copyButtonClicked = true;
      window.setTimeout(function () { copyButtonClicked = false; }, 0);
    },
    true
  );
  document.addEventListener("copy", function (event) {
    if (!copyButtonClicked || !event.clipboardData) return;
    copyButtonClicked = false;
    var field = document.activeElement;
    var text = field && "value" in field ? field.value : String(window.getSelection());
    event.clipboardData.setData("text/plain", text.replace(/[\r\n]+$/, ""));
    event.preventDefault();
  });

  // --- reference tables on a phone ------------------------------------------
  // On a narrow screen nested-kvm.css shows each row of a generated reference
  // table, and of every hand-written table, as a card, each cell under its
  // column's name. Give every cell that
  // name (data-label), and the table explicit ARIA table roles, which a table
  // keeps even where display: block would make a browser drop its semantics.
  function labelReferenceCells() {
    document.querySelectorAll("table.nested-reference, article table.docutils").forEach(function (table) {
      var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.setAttribute("role", "table");
      table.querySelectorAll("thead, tbody").forEach(function (g) {
        g.setAttribute("role", "rowgroup");
      });
      table.querySelectorAll("tr").forEach(function (tr) {
        tr.setAttribute("role", "row");
        Array.prototype.forEach.call(tr.children, function (cell, i) {
          if (cell.tagName === "TH") {
            cell.setAttribute("role", "columnheader");
          } else {
            cell.setAttribute("role", "cell");
            if (names[i]) cell.setAttribute("data-label", names[i]);
          }
        });
      });
    });
  }

  // --- examples shown to fail ---------------------------------------------------
  // The lead's snippet directive puts a "Wrong — shown to fail" label (a <p>)
  // before the block; tie the two together for assistive technology, so the
  // block is announced as "Wrong — shown to fail ..." group, not plain code.
  function labelFailingExamples() {
    document.querySelectorAll("div.nested-snippet-fails").forEach(function (block, i) {
      var box = block.parentNode && block.parentNode.classList.contains("literal-block-wrapper")
        ? block.parentNode : block;
      var label = box.previousElementSibling;
      if (!label || !label.classList.contains("nested-fails-label")) return;
      if (!label.id) label.id = "nested-fails-label-" + i;
      box.setAttribute("role", "group");
      box.setAttribute("aria-labelledby", label.id);
      box.classList.add("nested-fails-box");
    });
  }

  // --- accessibility fixes for theme markup -----------------------------------
  // Sphinx and Furo render toctree captions as <p role="heading"> without the
  // aria-level that role requires, and Furo's two <aside> drawers are
  // landmarks with no name to tell them apart.
  function fixThemeA11y() {
    document.querySelectorAll('[role="heading"]:not([aria-level])').forEach(function (el) {
      el.setAttribute("aria-level", "2");
    });
    // Local ".. contents::" lists are <nav> landmarks: name each by its title,
    // so several on one page (the single-page build) stay distinguishable.
    var used = {};
    document.querySelectorAll("nav.contents").forEach(function (nav) {
      if (nav.hasAttribute("aria-label") || nav.hasAttribute("aria-labelledby")) return;
      var title = nav.querySelector(".topic-title");
      var text = title ? title.textContent.trim() : "Contents";
      var label = used[text] ? text + " (" + (used[text] + 1) + ")" : text;
      used[text] = (used[text] || 0) + 1;
      nav.setAttribute("aria-label", label);
    });
    var names = { "sidebar-drawer": "Site navigation", "toc-drawer": "On this page" };
    Object.keys(names).forEach(function (cls) {
      document.querySelectorAll("aside." + cls + ":not([aria-label])").forEach(function (el) {
        el.setAttribute("aria-label", names[cls]);
      });
    });
  }
  fixThemeA11y(); // scripts load at the end of <body>: the markup is there

  // Furo's menu and "on this page" toggles are <label>s for hidden checkboxes:
  // a mouse opens the drawers, Tab never reaches them (walk 16 M6: at 375 px a
  // keyboard user could open neither the navigation nor the search box). Put a
  // real <button> inside each (a label may not take role=button), named, with
  // aria-expanded; Enter or Space toggles the checkbox, opening from the keyboard
  // moves the focus into the drawer, and Escape closes it and returns the focus.
  var DRAWERS = {
    __navigation: { name: "Site navigation and search", drawer: ".sidebar-drawer" },
    __toc: { name: "Contents of this page", drawer: ".toc-drawer" },
  };
  var openedBy = null;
  function drawerButtons() {
    return document.querySelectorAll("button.nested-drawer-button");
  }
  function syncDrawerButtons() {
    drawerButtons().forEach(function (button) {
      var box = document.getElementById(button.getAttribute("data-for"));
      if (box) button.setAttribute("aria-expanded", box.checked ? "true" : "false");
    });
  }
  function focusInto(what) {
    var drawer = document.querySelector(what.drawer);
    // the search box, else the first link shown (Furo hides the page title's);
    // the drawer is visible as soon as it opens (nested-kvm.css)
    var first = drawer && (drawer.querySelector("input.sidebar-search") ||
      Array.prototype.filter.call(drawer.querySelectorAll("a[href]"), function (a) {
        return a.getClientRects().length > 0;
      })[0]);
    if (first) first.focus({ preventScroll: true });
  }
  function keyboardDrawers() {
    document.querySelectorAll("label.nav-overlay-icon, label.toc-overlay-icon").forEach(
      function (label) {
        var box = document.getElementById(label.htmlFor);
        var what = DRAWERS[label.htmlFor];
        if (!box || !what || label.querySelector("button.nested-drawer-button")) return;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "nested-drawer-button";
        button.setAttribute("data-for", label.htmlFor);
        button.setAttribute("aria-label", what.name);
        while (label.firstChild) button.appendChild(label.firstChild);
        label.appendChild(button);
        // a click on a button inside a label does not reach the checkbox
        button.addEventListener("click", function (event) {
          box.click(); // Furo's CSS follows the checkbox
          syncDrawerButtons();
          if (!box.checked) return;
          openedBy = button;
          if (event.detail === 0) focusInto(what); // Enter or Space, not a pointer
        });
      }
    );
    Object.keys(DRAWERS).forEach(function (id) {
      var box = document.getElementById(id);
      if (box) box.addEventListener("change", syncDrawerButtons);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      Object.keys(DRAWERS).forEach(function (id) {
        var box = document.getElementById(id);
        if (!box || !box.checked) return;
        box.click();
        syncDrawerButtons();
        var back = openedBy && openedBy.getAttribute("data-for") === id ? openedBy : null;
        if (back && back.offsetParent !== null) back.focus();
      });
    });
    syncDrawerButtons();
  }
  keyboardDrawers();

  // The home page says the search box is at the top of every page; on a phone it
  // sat inside the closed menu drawer (walk 19). A search button in the phone's
  // header opens the drawer with the focus in the search box (Escape closes it and
  // returns here, as for the menu button).
  function headerSearch() {
    var right = document.querySelector(".mobile-header .header-right");
    var box = document.getElementById("__navigation");
    if (!right || !box || right.querySelector(".nested-header-search")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "nested-header-search";
    button.setAttribute("data-for", "__navigation");
    button.setAttribute("aria-label", "Search the guide");
    button.appendChild(document.createElement("span")).className = "nested-search-icon";
    right.insertBefore(button, right.firstChild);
    button.addEventListener("click", function () {
      if (!box.checked) box.click();
      syncDrawerButtons();
      openedBy = button;
      var input = document.querySelector(".sidebar-drawer input.sidebar-search");
      if (input) input.focus({ preventScroll: true });
    });
  }
  headerSearch();

  // A code block or table (Furo's .table-wrapper) wider than the page scrolls
  // sideways: keyboard users must be able to focus it to scroll it
  // (WCAG 2.1.1; axe: scrollable-region-focusable).
  function focusableScrollers() {
    document.querySelectorAll("div.highlight pre, .table-wrapper").forEach(function (pre) {
      var scrolls = pre.scrollWidth > pre.clientWidth + 1;
      if (scrolls && !pre.hasAttribute("tabindex")) {
        pre.setAttribute("tabindex", "0");
        pre.setAttribute("data-nested-scroll", "");
      } else if (!scrolls && pre.hasAttribute("data-nested-scroll")) {
        pre.removeAttribute("tabindex");
        pre.removeAttribute("data-nested-scroll");
      }
    });
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(focusableScrollers, 150);
  });

  // sphinx-tabs numbers tab sets per document, so the single-page build (all
  // documents in one page) repeats ids like "tab-0-QU1E" and aria-controls would
  // open another section's panel. Give every tab and panel a page-unique id.
  function dedupeTabIds() {
    var seen = {};
    var duplicate = false;
    document.querySelectorAll(".sphinx-tabs-tab[id]").forEach(function (tab) {
      if (seen[tab.id]) duplicate = true;
      seen[tab.id] = true;
    });
    if (!duplicate) return;
    allTablists().forEach(function (tablist, i) {
      var panels = Array.prototype.slice.call(tablist.parentNode.children, 1);
      tabsIn(tablist).forEach(function (tab, j) {
        var panel = panels.filter(function (p) {
          return p.getAttribute("name") === tab.getAttribute("name");
        })[0];
        tab.id = "nested-tab-" + i + "-" + j;
        if (!panel) return;
        panel.id = "nested-panel-" + i + "-" + j;
        tab.setAttribute("aria-controls", panel.id);
        panel.setAttribute("aria-labelledby", tab.id);
      });
    });
  }

  dedupeTabIds(); // before tabs.js restores its session choice on DOMContentLoaded

  // --- a search hit for the whole page lands on its section ---------------------
  // The searched words, as the search page left them for sphinx_highlight.js (which
  // removes them on DOMContentLoaded: read them now, while this script runs).
  var searchedWords = (
    local.getItem("sphinx_highlight_terms") ||
    new URLSearchParams(window.location.search).get("highlight") ||
    ""
  ).toLowerCase().split(/\s+/).filter(function (w, i, all) {
    return w && all.indexOf(w) === i;
  });

  /** `terms` in this order, each at most three words after the one before (stop
   * words and numbers are not search terms), as a pattern; "vtx" also matches "VT-x". */
  function phrase(terms) {
    var gap = "(?:[^\\p{L}\\p{N}_]+[\\p{L}\\p{N}_]+){0,3}?[^\\p{L}\\p{N}_]+";
    var words = terms.map(function (t) {
      return t.split("").map(function (c) {
        return c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      }).join("[-.]?");
    });
    return new RegExp(words.join(gap), "u");
  }

  /** Of the sections (with a heading of their own) whose code blocks show two or
   * more searched words in order, as a terminal or log printed them and the reader
   * pasted them, the one whose heading holds most of them, the first of equals; or
   * null. Prose is not looked at: it mentions words in passing ("/dev/kvm: QEMU
   * stops with Permission denied"). */
  function sectionQuoting(article, terms, sourceList, headingScore) {
    if (terms.length < 2) return null;
    var pattern = phrase(terms);
    var skip = ".nested-entry-sources, .nested-source, .contents, .toctree-wrapper, nav, aside";
    var blocks = article.querySelectorAll("pre");
    var found = null;
    var foundScore = -1;
    for (var i = 0; i < blocks.length; i++) {
      if (blocks[i].closest(skip) || !pattern.test(blocks[i].textContent.toLowerCase())) continue;
      var section = blocks[i].closest("section[id]");
      while (section) {
        var heading = section.querySelector("h2, h3, h4, h5, h6");
        if (heading && heading.parentNode === section && !sourceList(section)) break;
        section = section.parentNode.closest("section[id]");
      }
      var score = section ? headingScore(heading) : -1;
      if (score > foundScore) {
        found = section;
        foundScore = score;
      }
    }
    return found;
  }

  /** Opened from a search result for the page as a whole (no #fragment) on a page
   * whose title does not hold every searched word: go to the section that has them
   * all and most of them in its heading, such as the troubleshooting entry titled
   * with a message. */
  function landOnSearchHit() {
    var article = document.querySelector("article");
    var terms = searchedWords;
    // not on the search page itself (sphinx_highlight.js skips it alike)
    if (window.location.hash || !article || typeof Search !== "undefined") return;
    var h1 = article.querySelector("h1");
    // the query splitter joins "VT-x" and "devices.kubevirt.io" ("vtx", as
    // indexed: sphinxext/search.py), so a term is looked for in the text as written
    // and with those joiners dropped
    var texts = new Map();
    var has = function (el, term) {
      var text = texts.get(el);
      if (!text) {
        var plain = el.textContent.toLowerCase();
        text = [plain, plain.replace(/([\p{L}\p{N}_])[-.](?=[\p{L}\p{N}_])/gu, "$1")];
        texts.set(el, text);
      }
      return text[0].indexOf(term) >= 0 || text[1].indexOf(term) >= 0;
    };
    if (!terms.length || (h1 && terms.every(function (t) { return has(h1, t); }))) return;
    // a page's list of sources holds every word of its titles and addresses: it is
    // never where a reader's words are meant
    var sourceList = function (section) {
      return section.querySelector(":scope > .nested-source:not(.nested-entry-sources)") !== null;
    };
    var headingScore = function (heading) {
      return terms.filter(function (t) { return has(heading, t); }).length;
    };
    // nor is an index of symptoms that links the entries (Troubleshooting's "Find
    // your symptom", session 21): it quotes every entry's message
    var symptomIndex = function (section) {
      return section.querySelector(":scope > .nested-symptom-index") !== null;
    };
    // a troubleshooting entry (a section that opens with "Symptom.") inside the
    // section found so far, its group, is nearer the words than the group, which
    // holds every word of its entries; elsewhere the outer section stays (a page's
    // "WSL 2 as L1" over its step "Turn nesting on in Windows")
    var entryInside = function (heading, section) {
      var first = section.querySelector(":scope > p");
      return heading !== null && heading.parentNode.contains(section) &&
        first !== null && /^Symptom\b/.test(first.textContent);
    };
    var best = null;
    var bestScore = 0;
    var firstAll = null; // the first section whose paragraphs hold every word
    article.querySelectorAll("section[id]").forEach(function (section) {
      var heading = section.querySelector("h2, h3, h4, h5, h6");
      if (!heading || heading.parentNode !== section || sourceList(section)) return;
      if (symptomIndex(section)) return;
      if (!terms.every(function (t) { return has(section, t); })) return;
      if (!firstAll || entryInside(firstAll, section)) firstAll = heading;
      var score = headingScore(heading);
      if (score > bestScore || (score > 0 && score === bestScore && entryInside(best, section))) {
        best = heading;
        bestScore = score;
      }
    });
    var sectionId = function (heading) {
      var label = heading.previousElementSibling;
      return label && label.tagName === "SPAN" && label.id ? label.id : heading.parentNode.id;
    };
    // A heading short of a word loses to the section that quotes the words in order,
    // as a message is pasted ("kvm: no hardware support": "no" is a stop word, and
    // the heading "KVM: entry failed, hardware error ..." holds two of the words)
    var quoting = bestScore > 0 && bestScore < terms.length ? sectionQuoting(article, terms, sourceList, headingScore) : null;
    if (quoting) best = quoting.querySelector("h2, h3, h4, h5, h6");
    if (best) {
      window.history.replaceState(null, "", "#" + sectionId(best));
      best.scrollIntoView();
      return;
    }
    // No heading holds a searched word (an error code quoted in an entry's text, a
    // paragraph of a long page): go to the first paragraph that has them all, unless
    // it is in the page's opening part.
    var skip = ".nested-entry-sources, .nested-source, .nested-symptom-index, .contents, " +
      ".toctree-wrapper, nav, aside";
    var blocks = article.querySelectorAll("p, dt, td, th");
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      if (block.closest(skip) || !terms.every(function (t) { return has(block, t); })) continue;
      var section = block.closest("section[id]");
      var heading = section && section.querySelector("h2, h3, h4, h5, h6");
      while (section && !(heading && heading.parentNode === section)) {
        section = section.parentNode.closest("section[id]");
        heading = section && section.querySelector("h2, h3, h4, h5, h6");
      }
      if (!section) return;
      window.history.replaceState(null, "", "#" + sectionId(heading));
      // after the load event: the browser scrolls to the new #fragment's section then
      // centred, or its start just below the phone's header when it is tall
      var show = function () {
        var header = document.querySelector("header.mobile-header");
        var below =
          header && getComputedStyle(header).display !== "none"
            ? header.getBoundingClientRect().bottom
            : 0;
        var box = block.getBoundingClientRect();
        var room = window.innerHeight - below;
        var offset = box.height > room / 2 ? below + 8 : below + (room - box.height) / 2;
        window.scrollTo(0, window.scrollY + box.top - offset);
      };
      if (document.readyState === "complete") show();
      else window.addEventListener("load", function () { setTimeout(show, 0); });
      return;
    }
    // the words spread over one section's paragraphs: the first such section
    if (firstAll) {
      window.history.replaceState(null, "", "#" + sectionId(firstAll));
      firstAll.scrollIntoView();
    }
  }

  /** Sphinx's highlighter wraps a searched word inside an SVG icon's <title> too
   * (the "t" of "can't" in "Contents") and then throws "parent.getBBox is not a
   * function", which stops it before the query's later words: it skips elements of
   * the class "nohighlight". Runs before it (its 10 ms timer after DOMContentLoaded). */
  function keepIconsUnhighlighted() {
    document.querySelectorAll("svg title, svg desc").forEach(function (el) {
      el.classList.add("nohighlight");
    });
  }

  function init() {
    keepIconsUnhighlighted();
    fixThemeA11y();
    labelFailingExamples();
    labelReferenceCells();
    tidyTranscripts();
    labelTablists(allTablists());
    restore();
    focusableScrollers();
    landOnSearchHit();
  }

  // tabs.js listens for DOMContentLoaded on *window* (which hears it after
  // document) and registered first: listening there too, ours runs after it has
  // restored its session choice, so the linked or remembered choice wins.
  if (document.readyState === "loading") {
    window.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
