"""The built site in Chromium: vendor tabs, copy buttons, themes, a11y, offline use."""

from __future__ import annotations

import contextlib
import json
import re

import pytest

from tests.browser.conftest import BUILD, IN_CI, SCREENSHOTS, browser_unavailable

if browser_unavailable() and not IN_CI:  # one skip line; under CI=true the fixtures fail
    pytest.skip(f"browser tests: {browser_unavailable()}", allow_module_level=True)

TABLISTS = '.sphinx-tabs [role="tablist"]'


def selected_labels(page) -> list[str]:
    """The selected tab's label in every tab set on the page, in order."""
    return page.eval_on_selector_all(
        TABLISTS,
        """lists => lists.map(l => {
             const t = l.querySelector('[role="tab"][aria-selected="true"]');
             return t ? t.textContent.trim() : null; })""",
    )


def visible_panels(page) -> list[str]:
    """Labels of the tabs whose panels are visible."""
    return page.eval_on_selector_all(
        '[role="tabpanel"]',
        """ps => ps.filter(p => !p.hidden && p.offsetParent !== null)
                   .map(p => document.getElementById(p.getAttribute('aria-labelledby'))
                   .textContent.trim())""",
    )


def click_tab(page, label: str, nth: int = 0):
    page.locator(TABLISTS).nth(nth).get_by_role("tab", name=label, exact=True).click()


def set_theme(page, mode: str):
    """Furo's theme: stored like its toggle does, applied without a reload."""
    page.evaluate(
        "m => { localStorage.setItem('theme', m); document.body.dataset.theme = m; }", mode
    )


def luminance(css_color: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", css_color)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


# --- vendor tabs --------------------------------------------------------------------------


def test_choosing_a_vendor_switches_every_tab_set_on_the_page(page, demo):
    page.goto(demo.url + "two.html")
    assert selected_labels(page) == ["Intel", "Intel", "Intel"]
    click_tab(page, "AMD", nth=1)
    assert selected_labels(page) == ["AMD", "AMD", "AMD"]
    assert visible_panels(page) == ["AMD", "AMD", "AMD"]
    click_tab(page, "Intel", nth=2)
    assert selected_labels(page) == ["Intel", "Intel", "Intel"]
    click_tab(page, "Intel", nth=0)  # clicking the open tab keeps it open
    assert visible_panels(page) == ["Intel", "Intel", "Intel"]


def test_every_guide_page_with_several_tab_sets_syncs(page, guide):
    multi = [p for p in guide.pages() if (guide.root / p).read_text().count('role="tablist"') >= 2]
    if not multi:
        pytest.skip("no guide page has two tab sets yet (the demo site covers syncing)")
    for path in multi:
        page.goto(guide.url + path)
        labels = page.locator(TABLISTS).first.get_by_role("tab").all_inner_texts()
        for label in reversed(labels):
            click_tab(page, label)
            chosen = {s for s in selected_labels(page) if s is not None}
            sets_with_label = page.eval_on_selector_all(
                TABLISTS,
                "(ls, label) => ls.filter(l => [...l.querySelectorAll('[role=tab]')]"
                ".some(t => t.textContent.trim() === label)).length",
                label,
            )
            assert sets_with_label <= selected_labels(page).count(label), (path, label, chosen)


def test_choice_persists_across_pages_reloads_and_visits(context, page, demo):
    page.goto(demo.url + "two.html")
    click_tab(page, "AMD")
    assert page.evaluate("localStorage.getItem('nested-kvm-guide:vendor')") == "amd"
    page.goto(demo.url + "other.html")
    assert selected_labels(page) == ["AMD"]
    page.reload()
    assert selected_labels(page) == ["AMD"]
    later = context.new_page()  # a later visit in the same browser profile
    later.goto(demo.url + "index.html")
    assert selected_labels(later) == ["AMD"]
    later.close()


def test_choice_follows_in_other_open_browser_tabs(context, demo):
    first, second = context.new_page(), context.new_page()
    first.goto(demo.url + "two.html")
    second.goto(demo.url + "other.html")
    click_tab(first, "AMD")
    second.wait_for_function(
        "document.querySelector('[role=tab][aria-selected=true]').textContent.trim() === 'AMD'"
    )


def test_a_new_profile_starts_on_the_first_tab(page, demo):
    page.goto(demo.url + "other.html")
    assert selected_labels(page) == ["Intel"]


@pytest.mark.parametrize("value", ["amd", "AMD", "Amd", "aMd"])
def test_link_selects_vendor(page, demo, value):
    page.goto(f"{demo.url}two.html?vendor={value}")
    assert selected_labels(page) == ["AMD", "AMD", "AMD"]
    page.goto(demo.url + "other.html")  # the linked choice is remembered
    assert selected_labels(page) == ["AMD"]


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("intel", "Intel"),
        ("s390x", "IBM Z (s390x)"),
        ("S390X", "IBM Z (s390x)"),
        ("ibm-z-(s390x)", "IBM Z (s390x)"),
        ("power", "IBM POWER"),
        ("arm64", "Arm64"),
        ("Arm64", "Arm64"),
    ],
)
def test_link_selects_any_architecture_by_key_or_label(page, demo, value, label):
    page.goto(f"{demo.url}arches.html?vendor={value}")
    assert selected_labels(page) == [label]
    assert visible_panels(page) == [label]
    key = page.evaluate("localStorage.getItem('nested-kvm-guide:vendor')")
    assert key == {"Intel": "intel", "IBM Z (s390x)": "s390x", "IBM POWER": "power",
                   "Arm64": "arm64"}[label]  # fmt: skip
    page.goto(demo.url + "two.html")  # a page without that tab keeps its default
    assert selected_labels(page) == ["Intel"] * 3


def test_keyboard_end_and_home_across_five_tabs(page, demo):
    page.goto(demo.url + "arches.html")
    page.get_by_role("tab", name="Intel").focus()
    page.keyboard.press("End")
    assert selected_labels(page) == ["Arm64"]
    page.keyboard.press("ArrowLeft")
    assert selected_labels(page) == ["IBM POWER"]
    page.keyboard.press("Home")
    page.keyboard.press("ArrowLeft")
    assert selected_labels(page) == ["Arm64"]


def test_link_overrides_stored_choice_and_unknown_vendor_is_ignored(page, demo):
    page.goto(demo.url + "two.html?vendor=amd")
    page.goto(demo.url + "two.html?vendor=intel")
    assert selected_labels(page) == ["Intel"] * 3
    page.goto(demo.url + "two.html?vendor=s390x")  # no such tab on this page
    assert selected_labels(page) == ["Intel"] * 3
    page.goto(demo.url + "two.html?vendor=%E2%80%AE&x=1")
    assert selected_labels(page) == ["Intel"] * 3


def test_linked_architecture_is_remembered_even_where_it_has_no_tab(page, demo):
    page.goto(demo.url + "two.html?vendor=s390x")  # x86-only page
    assert selected_labels(page) == ["Intel"] * 3
    page.goto(demo.url + "arches.html")
    assert selected_labels(page) == ["IBM Z (s390x)"]


def test_a_linked_vendor_the_page_lacks_keeps_the_readers_choice(page, demo):
    """?vendor=power where there is no POWER tab: the next x86 page still shows AMD."""
    page.goto(demo.url + "two.html")
    click_tab(page, "AMD")
    page.goto(demo.url + "other.html?vendor=power")  # Intel/AMD tabs only
    assert selected_labels(page) == ["AMD"]
    page.goto(demo.url + "two.html")
    assert selected_labels(page) == ["AMD"] * 3
    page.goto(demo.url + "arches.html")  # has POWER: the link's choice is the latest
    assert selected_labels(page) == ["IBM POWER"]
    click_tab(page, "Arm64")
    page.goto(demo.url + "other.html")  # no Arm64 tab: the latest choice it has
    assert selected_labels(page) == ["AMD"]
    page.reload()
    assert selected_labels(page) == ["AMD"]


def test_link_with_vendor_and_anchor(page, demo):
    page.goto(demo.url + "two.html?vendor=amd#far-section")
    assert selected_labels(page) == ["AMD"] * 3
    # Furo scrolls smoothly: wait until the section has arrived near the top.
    page.wait_for_function(
        "(() => { const t = document.getElementById('far-section').getBoundingClientRect().top;"
        " return t >= 0 && t < 300; })()",
        timeout=5000,
    )
    assert page.evaluate("window.scrollY") > 500


def test_keyboard_arrows_home_end_enter_space(page, demo):
    page.goto(demo.url + "two.html")
    first = page.locator(TABLISTS).first
    intel = first.get_by_role("tab", name="Intel", exact=True)
    amd = first.get_by_role("tab", name="AMD", exact=True)
    intel.focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.textContent.trim()") == "AMD"
    assert selected_labels(page) == ["AMD"] * 3
    page.keyboard.press("ArrowRight")  # wraps around
    assert selected_labels(page) == ["Intel"] * 3
    page.keyboard.press("ArrowLeft")  # wraps the other way
    assert selected_labels(page) == ["AMD"] * 3
    page.keyboard.press("Home")
    assert selected_labels(page) == ["Intel"] * 3
    assert page.evaluate("document.activeElement.textContent.trim()") == "Intel"
    page.keyboard.press("End")
    assert selected_labels(page) == ["AMD"] * 3
    assert page.evaluate("window.scrollY") == 0  # Home/End did not scroll the page
    intel.focus()
    page.keyboard.press("Enter")
    assert selected_labels(page) == ["Intel"] * 3
    amd.focus()
    page.keyboard.press("Space")
    assert selected_labels(page) == ["AMD"] * 3
    # Tab leaves the tablist for the open panel: one tab stop per tablist.
    amd.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "tabpanel"


def test_aria_roles_states_and_roving_tabindex(page, demo):
    page.goto(demo.url + "two.html")
    for label in ("Intel", "AMD"):
        click_tab(page, label)
        report = page.eval_on_selector_all(
            TABLISTS,
            """lists => lists.map(list => {
                 const tabs = [...list.children];
                 return {
                   roles: tabs.map(t => t.getAttribute('role')),
                   label: list.getAttribute('aria-label'),
                   selected: tabs.map(t => t.getAttribute('aria-selected')),
                   tabindex: tabs.map(t => t.getAttribute('tabindex')),
                   panels: tabs.map(t => {
                     const p = document.getElementById(t.getAttribute('aria-controls'));
                     return p && [p.getAttribute('role'),
                                  p.getAttribute('aria-labelledby') === t.id, p.hidden];
                   }),
                 };
               })""",
        )
        for tl in report:
            assert set(tl["roles"]) == {"tab"}
            assert tl["label"] == "CPU vendor or architecture"
            assert tl["selected"].count("true") == 1
            assert set(tl["selected"]) <= {"true", "false"}
            on = tl["selected"].index("true")
            assert tl["tabindex"] == ["0" if i == on else "-1" for i in range(len(tl["roles"]))]
            for i, panel in enumerate(tl["panels"]):
                assert panel == ["tabpanel", True, i != on]


def test_storage_failures_do_not_break_the_site(context, page, demo, watch):
    """Storage that throws on access (cookies blocked): no error, tabs still work."""
    context.add_init_script(
        """for (const name of ['localStorage', 'sessionStorage']) {
             Object.defineProperty(window, name, { configurable: true,
               get() { throw new DOMException('storage disabled', 'SecurityError'); } });
           }"""
    )
    page.goto(demo.url + "two.html?vendor=amd")
    assert selected_labels(page) == ["AMD"] * 3
    click_tab(page, "Intel")
    assert selected_labels(page) == ["Intel"] * 3
    page.locator(TABLISTS).first.get_by_role("tab", name="Intel", exact=True).focus()
    page.keyboard.press("ArrowRight")
    assert selected_labels(page) == ["AMD"] * 3
    tabindex = page.eval_on_selector_all(
        '[role="tab"][aria-selected="true"]', "ts => ts.map(t => t.tabIndex)"
    )
    assert tabindex == [0, 0, 0]
    page.locator(".theme-toggle:visible").first.click()  # Furo's toggle writes localStorage
    page.goto(demo.url + "search.html?q=nested")  # Sphinx's highlighter reads it
    # The context fixture fails the test on any console error or exception.


def test_storage_that_refuses_writes_does_not_break_tabs(context, page, demo):
    """Quota errors on write (old Safari private mode): choices last for the page."""
    context.add_init_script(
        """Storage.prototype.setItem = function () {
             throw new DOMException('quota', 'QuotaExceededError'); };"""
    )
    page.goto(demo.url + "two.html")
    click_tab(page, "AMD")
    assert selected_labels(page) == ["AMD"] * 3


def test_single_page_build_tabs_open_their_own_panels(page, singlehtml, axe_js):
    """sphinx-tabs repeats ids across merged documents; the script makes them unique."""
    page.goto(singlehtml.url + "index.html")
    if page.locator(TABLISTS).count() < 2:
        pytest.skip("the guide has fewer than two tab sets")
    ids = page.eval_on_selector_all(
        ".sphinx-tabs-tab, .sphinx-tabs-panel", "es => es.map(e => e.id)"
    )
    assert len(ids) == len(set(ids))
    click_tab(page, "AMD")
    own = page.eval_on_selector_all(
        TABLISTS,
        """ls => ls.map(l => {
             const t = l.querySelector('[aria-selected=true]');
             const p = document.getElementById(t.getAttribute('aria-controls'));
             return p.parentNode === l.parentNode && !p.hidden;
           })""",
    )
    assert all(own)
    assert "AMD" in selected_labels(page)
    assert run_axe(page, axe_js) == []


def test_print_shows_every_vendor_under_its_label(page, demo):
    page.goto(demo.url + "two.html")
    page.emulate_media(media="print")
    shown = page.eval_on_selector_all(
        '[role="tabpanel"]',
        """ps => ps.map(p => [getComputedStyle(p).display !== 'none',
                              getComputedStyle(p, '::before').content])""",
    )
    assert all(visible for visible, _ in shown)
    assert [label for _, label in shown][:2] == ['"Intel"', '"AMD"']
    assert page.locator(TABLISTS).first.evaluate("l => getComputedStyle(l).display") == "none"


# --- copy buttons ----------------------------------------------------------------------------


def copy_from(page, pre_locator) -> str:
    block = pre_locator.locator("xpath=..")
    block.hover()
    block.locator("button.copybtn").click()
    return page.evaluate("navigator.clipboard.readText()")


def copyable(page, selector: str):
    """The visible blocks matching `selector` that have a copy button (an example shown
    to fail has none; a hidden tab's blocks are skipped)."""
    blocks = page.locator(selector)
    for i in range(blocks.count()):
        pre = blocks.nth(i)
        if pre.is_visible() and pre.locator("xpath=../button").count():
            yield pre


@pytest.fixture
def clipboard_page(context, page, demo):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo.url.rstrip("/"))
    return page


def test_copy_button_copies_only_commands(clipboard_page, demo):
    page = clipboard_page
    page.goto(demo.url + "two.html")
    intel_pre = page.locator('[role="tabpanel"]:not([hidden]) div.highlight pre').first
    assert copy_from(page, intel_pre) == "cat /sys/module/kvm_intel/parameters/nested"
    click_tab(page, "AMD")
    amd_pre = page.locator('[role="tabpanel"]:not([hidden]) div.highlight pre').first
    assert copy_from(page, amd_pre) == "cat /sys/module/kvm_amd/parameters/nested"


def test_copy_button_is_visible_when_reached_by_keyboard(page, demo):
    """sphinx-copybutton hides its button until the block is hovered; a keyboard user
    who tabs onto it must see it, with a focus outline."""
    page.goto(demo.url + "two.html")
    _tab_to(page, "copybtn", 60)
    page.wait_for_timeout(400)  # the button's opacity transition is 0.3 s
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.opacity, s.outlineStyle]; })()"
    )
    assert style == ["1", "solid"]


def test_the_search_box_shows_where_the_focus_is(page, demo):
    """Reached with Tab, the search box has a solid outline of at least 2 px, as the
    copy button has (walk15 L11: Furo only tints its background)."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(demo.url + "two.html")
    _tab_to(page, "sidebar-search", 40)
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert style[0] == "solid" and style[1] >= 2, style


def _tab_to(page, css_class: str, presses: int) -> None:
    """Press Tab until the focus is on an element of ``css_class`` (fail after
    ``presses``)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.classList.contains('{css_class}')"):
            return
    pytest.fail(f"no .{css_class} reached with Tab")


def test_copy_button_keeps_continued_commands_whole(clipboard_page, demo):
    page = clipboard_page
    page.goto(demo.url + "two.html")
    pre = page.locator("div.highlight-console pre").filter(has_text="qemu-system-x86_64")
    assert copy_from(page, pre) == (
        "qemu-system-x86_64 \\\n    -enable-kvm \\\n    -cpu host\necho done"
    )


def test_copy_button_copies_config_files_verbatim(clipboard_page, demo):
    page = clipboard_page
    page.goto(demo.url + "two.html")
    pre = page.locator("pre").filter(has_text="options kvm_intel nested=1")
    assert copy_from(page, pre) == "options kvm_intel nested=1"


def test_copy_buttons_on_guide_pages_never_copy_prompts_or_output(context, page, guide):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=guide.url.rstrip("/"))
    checked = 0
    for path in guide.pages():
        if 'class="gp"' not in (guide.root / path).read_text():
            continue
        page.goto(guide.url + path)
        for pre in copyable(page, "div.highlight-console pre, div.highlight-shell-session pre"):
            outputs = pre.locator(".go").all_inner_texts()
            text = copy_from(page, pre)
            checked += 1
            assert not text.startswith(("$ ", "# ")), (path, text)
            for line in text.splitlines():
                assert line.strip(), (path, "blank line copied", text)
            for out in outputs:
                for line in out.splitlines():
                    if line.strip():
                        assert line not in text.splitlines(), (path, "output copied", line)
    assert checked, "no console transcript on any guide page"


def test_no_copied_text_ends_in_a_newline(context, page, guide):
    """Every copy button of every guide page, for Intel and AMD: pasting never runs."""
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=guide.url.rstrip("/"))
    copied = []
    for path in guide.pages():
        if "copybutton" not in (guide.root / path).read_text():
            continue
        for vendor in ("intel", "amd"):
            page.goto(f"{guide.url}{path}?vendor={vendor}")
            for pre in copyable(page, "div.highlight pre"):
                text = copy_from(page, pre)
                copied.append((path, text))
                assert not text.endswith(("\n", "\r")), (path, vendor, text)
    assert len(copied) > 20, copied
    builtin = [text for path, text in copied if path == "how-to/builtin-kvm.html"]
    # this block ends in an output line, "(builtin)", that Pygments reads as a prompt
    assert any(text.endswith("modinfo -n kvm_amd") for text in builtin), builtin


def test_command_lines_are_copied_whole(context, page, guide):
    """A block that is only a command (no output) is copied as shown, without its "$ "
    prompts (one per command): the body of a loop too, which Pygments reads as output;
    a Windows command without PowerShell's "PS> "."""
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=guide.url.rstrip("/"))
    multi, powershell = [], []
    for path in guide.pages():
        if "nested-command-line" not in (guide.root / path).read_text():
            continue
        page.goto(guide.url + path)
        for pre in copyable(page, "div.nested-command-line div.highlight pre"):
            shown = pre.inner_text().rstrip("\n")
            prompt = "PS> " if shown.startswith("PS> ") else "$ "  # Windows: PowerShell's
            assert shown.startswith(prompt), (path, shown)
            want = re.sub(rf"(?m)^{re.escape(prompt)}", "", shown)
            assert copy_from(page, pre) == want, (path, shown)
            powershell.append(prompt == "PS> ")
            if "\n" in shown and not shown.splitlines()[0].endswith("\\"):
                multi.append(path)
    assert "how-to/install-checker.html" in multi, multi  # the fleet's while loop
    assert any(powershell) and not all(powershell), "both prompts are tried"


def test_failing_examples_are_labelled_set_apart_and_not_copyable(page, guide):
    paths = [p for p in guide.pages() if "nested-snippet-fails" in (guide.root / p).read_text()]
    assert paths, "no guide page shows a failing example"
    for path in paths:
        page.goto(guide.url + path)
        found = page.evaluate(
            """() => [...document.querySelectorAll('div.nested-snippet-fails')].map(b => {
                 const box = b.closest('[role="group"]');
                 const label = box && document.getElementById(box.getAttribute('aria-labelledby'));
                 const ok = document.querySelector('div.nested-snippet:not(.nested-snippet-fails)');
                 const rule = getComputedStyle(box || b).borderLeftWidth;
                 return {
                   name: label ? label.textContent.trim() : null,
                   buttons: (box || b).querySelectorAll('button.copybtn').length,
                   rule: parseFloat(rule),
                   okRule: ok ? parseFloat(getComputedStyle(ok).borderLeftWidth) : 0,
                   okButtons: ok ? ok.querySelectorAll('button.copybtn').length : null,
                 }; })"""
        )
        assert found, path
        for block in found:
            assert block["name"] and block["name"].startswith("Wrong"), (path, block)
            assert block["buttons"] == 0, (path, block)
            assert block["rule"] >= 3 > block["okRule"], (path, block)
            assert block["okButtons"] in (None, 1), (path, block)


def test_reference_tables_fit_a_phone(chromium, guide):
    """390 px wide: no table cut off (the source column too), no ~16,000 px page."""
    ctx = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = ctx.new_page()
    pages = [p for p in guide.pages() if p.startswith("reference/")]
    module_pages = [p for p in pages if p.startswith("reference/parameters/")]
    assert len(module_pages) >= 4, pages
    checked = 0
    try:
        for path in pages:
            page.goto(guide.url + path)
            found = page.evaluate(
                """() => [...document.querySelectorAll('table.nested-reference td')]
                     .filter(td => td.offsetParent !== null)
                     .map(td => { const r = td.getBoundingClientRect();
                                  return [td.getAttribute('data-label'), r.left, r.right]; })"""
            )
            width = page.evaluate("innerWidth")
            cut = [f for f in found if f[1] < 0 or f[2] > width + 0.5]
            assert not cut, (path, cut[:5])
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
            sources = [f for f in found if f[0] == "Source"]
            if path in module_pages:
                assert sources, path
                height = page.evaluate("document.documentElement.scrollHeight")
                assert height < 6000, (path, height)
            checked += len(found)
        assert checked > 100
    finally:
        ctx.close()


# Words of an element (a table, a heading) that a line break cuts in two; a break right
# after a hyphen or a slash ("Cortex-" / "A710") is a sensible one and is not reported,
# nor is one between two text nodes (a heading's code name at its <wbr>s).
SPLIT_WORDS_JS = """(root) => {
  const split = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    for (const m of node.data.matchAll(/[^\\s\\-\\/]+[\\-\\/]?/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rows = new Set([...range.getClientRects()]
        .filter((r) => r.width > 0).map((r) => Math.round(r.bottom)));
      if (rows.size > 1) split.push(m[0]);
    }
  }
  return split;
}"""


def test_tables_read_on_a_phone_with_no_word_cut(chromium, guide):
    """Walk 9: at 390 px the CLI reference's Checks and "Links to this guide" tables
    were wider than the page and had to be scrolled sideways; the fix, fixed columns
    that break anywhere, cut words mid-word at 375 px ("enable_shadow_v" / "mcs",
    "7.0" / "5", walk 20). Every hand-written table is now a card per row, as the
    reference tables are: on every page at 375 px no table word is cut, no table
    runs out of its wrapper, a caption spans its table, and nothing scrolls
    sideways."""
    ctx = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    page = ctx.new_page()
    wide, cut, narrow, tables = [], {}, [], 0
    try:
        for path in guide.pages():
            page.goto(guide.url + path)
            found = page.evaluate(
                """() => [...document.querySelectorAll('article .table-wrapper')]
                     .map(w => [w.clientWidth, w.scrollWidth])"""
            )
            tables += len(found)
            wide += [(path, c, s) for c, s in found if s > c + 1]
            for table in page.locator("article table").all():
                if words := table.evaluate(SPLIT_WORDS_JS):
                    cut.setdefault(path, []).extend(words)
            narrow += [(path, c) for c in page.evaluate(
                """() => [...document.querySelectorAll('article table > caption')]
                     .filter(c => c.offsetWidth < c.parentNode.offsetWidth * 0.9)
                     .map(c => c.textContent.trim())"""
            )]  # fmt: skip
            width = page.evaluate("innerWidth")
            if page.evaluate("document.documentElement.scrollWidth") > width:
                wide.append((path, width, page.evaluate("document.documentElement.scrollWidth")))
        assert "reference/cli.html" in guide.pages()
        assert tables > 10, tables
        assert not cut, cut
        assert not wide, wide
        assert not narrow, narrow
    finally:
        ctx.close()


# --- themes -------------------------------------------------------------------------------


def panel_colors(page) -> tuple[float, float]:
    panel = page.locator('[role="tabpanel"]:not([hidden])').first
    bg = panel.evaluate("p => getComputedStyle(p).backgroundColor")
    fg = page.locator('[role="tab"][aria-selected="true"]').first.evaluate(
        "t => getComputedStyle(t).color"
    )
    return luminance(bg), luminance(fg)


def contrast(a: float, b: float) -> float:
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def test_tab_panels_follow_light_dark_and_auto(chromium, demo, watch):
    for scheme, theme, dark in [
        ("light", "light", False),
        ("light", "dark", True),
        ("dark", "light", False),
        ("dark", "auto", True),  # Furo's auto follows prefers-color-scheme
        ("light", "auto", False),
    ]:
        ctx = chromium.new_context(color_scheme=scheme)
        page = ctx.new_page()
        page.goto(demo.url + "two.html")
        set_theme(page, theme)
        bg, fg = panel_colors(page)
        label = f"prefers {scheme}, data-theme={theme}"
        assert (bg < 0.05) if dark else (bg > 0.9), (label, bg)
        assert contrast(bg, fg) >= 7, (label, bg, fg)
        body_bg = luminance(page.evaluate("getComputedStyle(document.body).backgroundColor"))
        assert abs(body_bg - bg) < 0.02, (label, "panel matches the page", body_bg, bg)
        ctx.close()


# --- offline, console, 404, search ------------------------------------------------------------


def test_every_page_loads_offline_without_console_errors(page, guide, watch):
    for path in guide.pages():
        page.goto(guide.url + path)
        page.wait_for_load_state("load")
    hosts = {r.split("/")[2] for r in watch.requests}
    assert hosts == {guide.url.split("/")[2]}, hosts
    # context fixture teardown fails on any console error or foreign request


def test_no_page_references_another_host_for_assets(guide):
    tag = r"<(?:script|link|img|iframe|source)\b[^>]*?(?:src|href)="
    pattern = re.compile(tag + r'"(//|https?:)')
    offenders = []
    for path in guide.pages():
        text = (guide.root / path).read_text()
        offenders += [path for _ in pattern.finditer(text)]
    for css in guide.root.rglob("_static/**/*.css"):
        remote = r"@import\s+url\(\s*['\"]?https?:|url\(\s*['\"]?(https?:)?//"
        if re.search(remote, css.read_text()):
            offenders.append(str(css))
    assert not offenders, offenders


def test_missing_page_gets_the_404_page(page, guide, watch):
    response = page.goto(guide.url + "how-to/no-such-page.html")
    assert response.status == 404
    assert page.locator("h1").inner_text().strip().startswith("Page not found")
    # The page's own assets load although it is served from a deeper path.
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    assert page.locator(".sidebar-brand").count() == 1
    page.get_by_role("link", name="contents").first.click()
    page.wait_for_url(guide.url + "index.html")
    # Chromium logs the 404 status of the document itself; nothing else may fail.
    watch.errors[:] = [e for e in watch.errors if "status of 404" not in e]
    failed = [r for r in watch.requests if "no-such-page" not in r]
    assert all("/_static/" in r or r.endswith(".html") or "searchindex" in r for r in failed)


def _internal_hrefs(page) -> list[str]:
    return page.eval_on_selector_all(
        "a[href]", "as => as.map(a => a.href).filter(h => !h.startsWith('mailto:'))"
    )


def test_404_page_works_opened_from_disk(chromium, guide):
    from pathlib import Path
    from urllib.parse import unquote, urlsplit

    ctx = chromium.new_context()  # file:// URLs: no 127.0.0.1 routing here
    try:
        page = ctx.new_page()
        page.goto((guide.root / "404.html").as_uri())
        assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
        assert page.locator(".sidebar-brand").count() == 1
        missing = []
        for href in _internal_hrefs(page):
            parts = urlsplit(href)
            if parts.scheme == "file" and not Path(unquote(parts.path)).exists():
                missing.append(href)
        assert not missing, missing
        page.get_by_role("link", name="contents").first.click()
        page.wait_for_url((guide.root / "index.html").as_uri())
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def subpath_guide(guide, tmp_path_factory):
    """The guide served under /en/latest/, a 404 there answered by its own 404.html."""
    import functools
    import http.server
    import threading

    from tests.browser.conftest import _Handler

    top = tmp_path_factory.mktemp("subpath")
    (top / "en").mkdir()
    (top / "en" / "latest").symlink_to(guide.root, target_is_directory=True)

    class Handler(_Handler):
        def send_error(self, code, message=None, explain=None):
            self.directory = str(top / "en" / "latest")  # its 404.html
            return super().send_error(code, message, explain)

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(top))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/en/latest/"
    server.shutdown()


@pytest.mark.parametrize("missing", ["how-to/gone.html", "gone.html", "old/deeper/gone.html"])
def test_404_page_works_under_a_sub_path(page, subpath_guide, watch, missing):
    import urllib.error
    import urllib.request

    response = page.goto(subpath_guide + missing)
    assert response.status == 404
    assert page.locator("h1").inner_text().strip().startswith("Page not found")
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    assert page.evaluate("document.baseURI") == subpath_guide
    broken = []
    host = subpath_guide.split("/en/")[0]
    for href in {h.split("#")[0] for h in _internal_hrefs(page)}:
        if not href.startswith(host) or href == subpath_guide + missing:
            continue  # another site (the footer's theme credits), or this page's own #anchors
        if not href.startswith(subpath_guide):
            broken.append(href)
            continue
        try:
            urllib.request.urlopen(href, timeout=10).close()
        except urllib.error.HTTPError as exc:
            broken.append(f"{href}: {exc.code}")
    assert not broken, broken
    page.get_by_role("link", name="contents").first.click()
    page.wait_for_url(subpath_guide + "index.html")
    # Chromium logs the 404 document (and a probe for the site's root) as errors.
    watch.errors[:] = [e for e in watch.errors if "status of 404" not in e]


def test_search_finds_nested(page, guide):
    page.goto(guide.url + "search.html?q=nested")
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=15000)
    assert results.count() >= 3
    assert page.locator("h1").inner_text() == "Search"


def search_results(page, site, query: str) -> list[str]:
    """Page paths of the search results for `query`, best first."""
    from urllib.parse import quote

    page.goto(f"{site.url}search.html?q={quote(query)}")
    page.wait_for_function(
        "() => /Search finished/.test(document.querySelector('#search-results')?.innerText || '')",
        timeout=20000,
    )
    hrefs = page.eval_on_selector_all(
        "#search-results ul.search li > a", "as => as.map(a => a.href)"
    )
    return [h[len(site.url) :].split("#")[0].split("?")[0] for h in hrefs]


def open_hit(page, guide, query: str, path: str) -> None:
    """Search for ``query`` and open the hit for ``path``."""
    found = search_results(page, guide, query)
    assert path in found, found
    page.locator("#search-results ul.search li > a").nth(found.index(path)).click()
    page.wait_for_url(f"**/{path}*")


def _article_text(site, path: str) -> str:
    text = (site.root / path).read_text()
    start, end = text.find("<article"), text.find("</article>")
    return re.sub(r"<[^>]+>", "", text[start:end])


def test_search_finds_identifiers_by_their_parts(page, guide):
    pages = [p for p in guide.pages() if p not in ("search.html", "genindex.html")]
    with_identifier = [p for p in pages if "enable_apicv" in _article_text(guide, p)]
    assert with_identifier
    bare = re.compile(r"(?<!_)\bapicv\b", re.I)  # the word alone, not inside enable_apicv
    only_identifier = [p for p in with_identifier if not bare.search(_article_text(guide, p))]
    found = search_results(page, guide, "apicv")
    assert set(only_identifier or with_identifier) <= set(found), (found, only_identifier)


def test_search_ranks_exact_words_before_partial_ones(page, guide):
    found = search_results(page, guide, "hyper-v")
    # Hyper-V, or an identifier such as hyperv_svm_test (indexed as "hyperv" too)
    exact = [p for p in found if re.search(r"hyper-?v(?!isor)", _article_text(guide, p), re.I)]
    assert exact, found
    assert found[: len(exact)] == exact, f"pages saying Hyper-V come first: {found}"


@pytest.mark.parametrize(
    "message",
    ["KVM: entry failed, hardware error 0x80000021", "/dev/kvm permission denied"],
)
def test_searching_an_error_message_leads_to_troubleshooting_not_home(page, guide, message):
    """The home page once listed every troubleshooting title and outranked the page."""
    found = search_results(page, guide, message)
    assert found and found[0] == "troubleshooting.html", found
    assert "index.html" not in found, found


def _named_messages():
    from tests.test_readers_guide import NAMED

    return NAMED


@pytest.mark.parametrize(("query", "entry"), _named_messages(),
                         ids=[q[:40] for q, _ in _named_messages()])  # fmt: skip
def test_each_message_issue_14_names_is_found_on_troubleshooting(page, guide, query, entry):
    """The real search (Sphinx's searchtools.js with search.js) lists Troubleshooting
    for each message, and links its entry when the message is most of an entry title
    (tests/test_readers_guide.py checks the same rules on the index without a browser)."""
    search_results(page, guide, query)
    hrefs = page.eval_on_selector_all(
        "#search-results ul.search li > a", "as => as.map(a => a.href)"
    )
    found = [h[len(guide.url) :] for h in hrefs]
    assert any(h.split("#")[0] == "troubleshooting.html" for h in found), found
    if entry:
        assert any(h.startswith("troubleshooting.html#") for h in found), found


@pytest.mark.parametrize(
    ("query", "first", "then"),
    [
        # the page titled with the word first; the cloud page's Hyper-V section next
        ("hyper-v", "how-to/windows-hyperv.html", ["how-to/clouds.html"]),
        # not a page that mentions WSL once in passing
        ("wsl", "how-to/windows-hyperv.html", None),
        # a task page before the reference table titled with the same word
        ("power", "how-to/power.html", None),
    ],
)
def test_search_ranks_the_page_about_the_word_first(page, guide, query, first, then):
    """Sphinx only knows whether a page has a word; search_rank.py adds the page title,
    how often the word occurs and the kind of page (new readers' walk, S3.3/S3.4/S5.2)."""
    found = search_results(page, guide, query)
    assert found[:1] == [first], found
    if then:
        assert found[1] in then, found
    if query == "wsl":  # builtin-kvm holds "WSL 2 as L1" (session 18), no mere mention
        assert found[1] == "how-to/builtin-kvm.html", found
    if query == "power":
        assert found.index(first) < found.index("reference/parameters/kvm_hv.html"), found


def _wait_heading_in_view(page, anchor: str) -> None:
    """The heading of section `anchor` (a label or a section id) ends up near the top."""
    page.wait_for_function(
        """(id) => {
            const label = document.getElementById(id);
            const h = label.matches("section")
                ? label.querySelector("h2, h3") : label.nextElementSibling;
            const r = h.getBoundingClientRect();
            const header = document.querySelector("header.mobile-header");
            const below = header && getComputedStyle(header).display !== "none"
                ? header.getBoundingClientRect().bottom : 0;
            return r.top >= below && r.top < window.innerHeight / 2;
        }""",
        arg=anchor,
        timeout=5000,
    )


def test_searching_a_whole_message_lists_its_entry_first(page, guide):
    """A query that is an entry's whole title links to the entry, above the page."""
    search_results(page, guide, "Could not access KVM kernel module: Permission denied")
    first = page.locator("#search-results ul.search li > a").first
    href = first.get_attribute("href")
    assert href.startswith("troubleshooting.html#"), href
    first.click()
    page.wait_for_url("**/troubleshooting.html#*")
    anchor = page.evaluate("location.hash.slice(1)")
    _wait_heading_in_view(page, anchor)
    # the hit links the entry's label (an empty span before its section), as heading
    # hits do, or the section itself
    assert "Permission denied" in page.evaluate(
        """(id) => { const el = document.getElementById(id);
                     return (el.matches("section") ? el : el.nextElementSibling).textContent; }""",
        anchor,
    )


def test_search_hit_for_part_of_a_message_lands_on_its_entry(page, guide):
    """The page-level result for part of a message opens the page at the entry that
    holds every word (most of them in its heading), not at the top of a long page
    (on a phone troubleshooting.html is some 35,000 px tall)."""
    page.set_viewport_size({"width": 390, "height": 844})
    found = search_results(page, guide, "/dev/kvm permission denied")
    assert found[0] == "troubleshooting.html", found
    page.locator("#search-results ul.search li > a").first.click()
    page.wait_for_url("**/troubleshooting.html*")
    page.wait_for_function("() => location.hash === '#troubleshooting-dev-kvm' && scrollY > 1000")
    _wait_heading_in_view(page, "troubleshooting-dev-kvm")
    # a page whose title has the words stays at its top
    search_results(page, guide, "power")
    page.locator("#search-results ul.search li > a").first.click()
    page.wait_for_url("**/how-to/power.html")
    assert page.evaluate("location.hash") == "" and page.evaluate("window.scrollY") == 0


# --- new readers' paths ------------------------------------------------------------------


def test_proof_line_link_explains_the_line(page, guide):
    """'Run on the fake host ...' under a block links to the section saying what it means."""
    page.goto(guide.url + "how-to/clouds.html")
    proof = page.locator("p.nested-proof").first
    assert "fake host" in proof.inner_text() or "Not executed" in proof.inner_text()
    proof.get_by_role("link", name="(what this line means)").click()
    page.wait_for_url("**/explanation/terminology.html#proof-lines")
    heading = page.get_by_role("heading", name=re.compile("^The line under each command"))
    heading.wait_for()
    # the scroll to the anchor may land before the page's scripts finish laying it out:
    # wait (bounded) for where the reader ends up, then check it
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            "el => { const r = el.getBoundingClientRect();"
            " return r.top >= 0 && r.top < innerHeight / 2; }",
            arg=heading.element_handle(),
            timeout=5000,
        )
    box = heading.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"] / 2, box


@pytest.mark.parametrize("width", [1280, 390])
def test_home_routes_cloud_windows_ibm_and_fleet_readers(chromium, guide, width):
    """From the home page, at desktop and phone width, one click reaches each reader's page."""
    ctx = chromium.new_context(viewport={"width": width, "height": 844})
    page = ctx.new_page()
    targets = {
        "Nest on a cloud VM or under another hypervisor": "how-to/clouds.html",
        "Run Windows with Hyper-V or WSL 2 as L1 on KVM": "how-to/windows-hyperv.html",
        "Nesting on IBM Z (s390x)": "how-to/s390x.html",
        "Nesting on IBM POWER": "how-to/power.html",
        "Install and run the nested-kvm checker": "how-to/install-checker.html",
    }
    try:
        for name, path in targets.items():
            page.goto(guide.url + "index.html")
            where = page.locator("section#where-to-start")
            link = where.get_by_role("link", name=name, exact=True).first
            link.scroll_into_view_if_needed()
            assert link.is_visible(), name
            link.click()
            page.wait_for_url(f"**/{path}*")
            width_now = page.evaluate("document.documentElement.scrollWidth")
            assert width_now <= width, f"{path} scrolls sideways at {width}px"
    finally:
        ctx.close()


# --- accessibility ---------------------------------------------------------------------------


def run_axe(page, axe_js) -> list[dict]:
    page.add_script_tag(path=str(axe_js))
    return page.evaluate(
        """async () => {
             const r = await axe.run(document, {resultTypes: ['violations']});
             return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
           }"""
    )


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_every_page(page, guide, demo, axe_js, theme):
    results = {}
    pages = [(guide, p) for p in guide.pages()] + [(demo, "two.html"), (demo, "arches.html")]
    pages.append((guide, "search.html?q=nested"))
    for site, path in pages:
        page.goto(site.url + path)
        set_theme(page, theme)
        if "?q=" in path:
            page.locator("#search-results ul.search li").first.wait_for(timeout=15000)
        if path == "two.html":  # the other vendor's panels, too
            click_tab(page, "AMD")
        results[f"{site.url}{path}"] = run_axe(page, axe_js)
    BUILD.mkdir(exist_ok=True)
    (BUILD / f"axe-{theme}.json").write_text(json.dumps(results, indent=1, sort_keys=True))
    bad = {p: v for p, v in results.items() if v}
    assert not bad, json.dumps(bad, indent=1)


# --- screenshots -----------------------------------------------------------------------------

MAIN_PAGES = ["index.html", "how-to/enable-x86.html", "troubleshooting.html", "404.html"]


def test_screenshots(chromium, guide, demo):
    """Artifacts for review: build/screenshots/<page>-<theme>-<vendor>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shots = []
    targets = [(guide, p) for p in MAIN_PAGES if (guide.root / p).is_file()]
    targets.append((demo, "two.html"))
    for scheme, theme in [("light", "light"), ("light", "dark"), ("dark", "auto")]:
        for vendor in ("intel", "amd"):
            ctx = chromium.new_context(viewport={"width": 1280, "height": 900},
                                       color_scheme=scheme)  # fmt: skip
            page = ctx.new_page()
            for site, path in targets:
                page.goto(f"{site.url}{path}?vendor={vendor}")
                set_theme(page, theme)
                name = ("demo-" if site is demo else "") + path.replace("/", "-")[:-5]
                mode = theme if theme != "auto" else f"auto-{scheme}"
                out = SCREENSHOTS / f"{name}-{mode}-{vendor}.png"
                page.screenshot(path=str(out), full_page=path != "two.html")
                shots.append(out)
            ctx.close()
    assert all(s.stat().st_size > 10_000 for s in shots)


def test_cli_synopsis_fits_a_phone(chromium, guide):
    """390 px wide: the synopsis wraps between option groups, inside its block, and
    never inside one (``[--`` at a line's end, ``level auto|L0|L1]`` on the next)."""
    ctx = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = ctx.new_page()
    try:
        page.goto(guide.url + "reference/cli.html")
        found = page.evaluate(
            """() => { const block = document.querySelector('#synopsis .line-block');
                 const r = block.getBoundingClientRect();
                 return { right: r.right, scroll: block.scrollWidth, client: block.clientWidth,
                          groups: [...block.querySelectorAll('code')].map(c =>
                            [c.textContent, c.getClientRects().length,
                             c.getBoundingClientRect().right]) }; }"""
        )
        width = page.evaluate("innerWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert found["right"] <= width and found["scroll"] <= found["client"], found
        texts = [g[0] for g in found["groups"]]
        assert "[--level auto|L0|L1]" in texts, texts
        broken = [g for g in found["groups"] if g[1] != 1 or g[2] > found["right"] + 0.5]
        assert not broken, broken
        lines = page.evaluate(
            "[...document.querySelectorAll('#synopsis .line')].map(l => l.getClientRects()"
            ".length && Math.round(l.getBoundingClientRect().height))"
        )
        assert max(lines) > min(lines), "no synopsis line wraps at 390 px: nothing was tested"
    finally:
        ctx.close()


@pytest.mark.parametrize("width", [375, 1000])
def test_tab_never_reaches_a_closed_drawer(chromium, guide, width):
    """Walk 15: at 375 px, Tab went through the off-screen navigation (about 27 links
    and the search box) before the page.  Every element Tab reaches is on screen,
    and opening the navigation brings its links back."""
    ctx = chromium.new_context(viewport={"width": width, "height": 800})
    page = ctx.new_page()
    try:
        page.goto(guide.url + "how-to/install-checker.html")
        off = []
        for _ in range(25):
            page.keyboard.press("Tab")
            box = page.evaluate(
                "(() => { const r = document.activeElement.getBoundingClientRect();"
                " return [r.left, r.right, r.width, document.activeElement.outerHTML"
                ".slice(0, 80)]; })()"
            )
            if box[2] and (box[1] <= 0 or box[0] >= width):
                off.append(box[3])
        assert not off, off
        if width == 375:
            page.click(".nav-overlay-icon")
            page.wait_for_timeout(400)
            shown = page.evaluate(
                "getComputedStyle(document.querySelector('.sidebar-drawer')).visibility"
            )
            assert shown == "visible"
    finally:
        ctx.close()
