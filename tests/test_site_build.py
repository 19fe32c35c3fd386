"""The site build: reproducible output, lint, internal links, offline linkcheck, other formats.

Run as a script to check a built site's internal links and list its external ones
(``make linkcheck`` does this after Sphinx's linkcheck builder)::

    python tests/test_site_build.py build/html [build/linkcheck/output.json]
"""

from __future__ import annotations

import html
import html.parser
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent


def sphinx(builder: str, out: Path, *extra: str, jobs: str = "auto") -> subprocess.CompletedProcess:
    """Build the guide like the Makefile does (warnings are errors, nitpicky)."""
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-c", str(REPO), "-j", jobs, "-W", "--keep-going", "-n",
         "-q", "-b", builder, "-d", str(out / "doctrees"), *extra, str(REPO / "source"),
         str(out / builder)],
        capture_output=True, text=True, cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"},
    )  # fmt: skip


def output_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".buildinfo"
    }


# --- reproducibility -------------------------------------------------------------------------


def test_two_builds_give_identical_html(tmp_path):
    """Two clean parallel builds (as `make html`) and a serial one give the same bytes."""
    builds = {"one": "auto", "two": "auto", "serial": "1"}
    for name, jobs in builds.items():
        proc = sphinx("html", tmp_path / name, jobs=jobs)
        assert proc.returncode == 0, proc.stderr
    a, b = output_files(tmp_path / "one" / "html"), output_files(tmp_path / "two" / "html")
    assert a.keys() == b.keys()
    html_files = [name for name in a if name.endswith(".html")]
    assert len(html_files) >= 10
    differ = [name for name in a if a[name] != b[name]]
    assert not differ, f"output differs between two builds: {differ}"
    serial = output_files(tmp_path / "serial" / "html")
    differ = [n for n in html_files if serial.get(n) != a[n]]
    assert not differ, f"parallel (-j auto) and serial builds differ: {differ}"


def test_html_carries_no_build_time_or_machine_paths(built_site):
    html = built_site / "html"
    leaks = []
    for page in html.rglob("*.html"):
        text = page.read_text()
        if str(REPO) in text or "/tmp/" in text or "Last updated" in text:
            leaks.append(page.relative_to(html).as_posix())
    assert not leaks


# --- lint ------------------------------------------------------------------------------------


def test_sphinx_lint_is_clean():
    proc = subprocess.run(
        [sys.executable, "-m", "sphinxlint", "source", "README.rst"],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- links -----------------------------------------------------------------------------------


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            value = attrs.get(key)
            if value and tag in ("a", "link", "script", "img", "source", "iframe"):
                self.hrefs.append(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text())
    return parser


def check_site_links(root: Path) -> tuple[list[str], list[str]]:
    """Broken internal links/anchors and external URLs of a built HTML site."""
    pages = {p: _parse(p) for p in root.rglob("*.html") if "_sources" not in p.parts}
    broken, external = [], set()
    for page, links in pages.items():
        for href in links.hrefs:
            parts = urlsplit(href)
            if parts.scheme in ("http", "https", "ftp", "mailto") or href.startswith("//"):
                external.add(href)
                continue
            if parts.scheme:  # data:, javascript:
                continue
            if parts.path.startswith("/"):  # 404.html: absolute from the site root
                target = root / unquote(parts.path.lstrip("/"))
            elif parts.path:
                target = (page.parent / unquote(parts.path)).resolve()
            else:
                target = page
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(root)}: {href}"
            if not target.is_file():
                broken.append(f"{where} (no such file)")
                continue
            frag = unquote(parts.fragment)
            if frag and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if frag not in ids:
                    broken.append(f"{where} (no anchor #{frag})")
    return broken, sorted(external)


def test_internal_links_and_anchors_resolve(built_site):
    broken, _ = check_site_links(built_site / "html")
    assert not broken, "\n".join(broken)


def external_refs(doctrees: dict) -> set[str]:
    from docutils import nodes

    refs = set()
    for tree in doctrees.values():
        for ref in tree.findall(nodes.reference):
            uri = ref.get("refuri", "")
            if re.match(r"(https?|ftp)://|mailto:", uri):
                refs.add(uri)
    return refs


def test_linkcheck_offline_lists_and_counts_the_links_it_could_not_check(tmp_path, doctrees):
    """Without a network (dead proxies) make linkcheck's probe says so; the builder then
    lists external links as "ignored" (never fetched), and the report counts them."""
    dead = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    env = {**os.environ, **dead}
    tool = [sys.executable, str(REPO / "tools" / "linkcheck.py")]
    probe = subprocess.run([*tool, "probe"], capture_output=True, text=True, env=env)
    assert probe.stdout.strip() == "1", probe.stdout + probe.stderr
    env["NESTED_KVM_LINKCHECK_OFFLINE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-c", str(REPO), "-W", "--keep-going", "-n", "-q",
         "-b", "linkcheck", "-d", str(tmp_path / "doctrees"), str(REPO / "source"),
         str(tmp_path / "linkcheck")],
        capture_output=True, text=True, cwd=REPO, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    output = tmp_path / "linkcheck" / "output.json"
    results = [json.loads(line) for line in output.read_text().splitlines() if line.strip()]
    statuses = {r["status"] for r in results}
    assert statuses <= {"ignored", "unchecked", "working"}, statuses
    fetched = [r for r in results if r["status"] == "working" and "://" in r["uri"]]
    assert not fetched, f"linkcheck fetched external URLs: {fetched}"
    ignored = {r["uri"] for r in results if r["status"] == "ignored"}
    refs = external_refs(doctrees)
    assert refs <= ignored
    assert any("git.kernel.org" in u for u in refs) and any("elixir.bootlin" in u for u in refs)
    report = subprocess.run([*tool, "report", str(output)], capture_output=True, text=True,
                            env=env)  # fmt: skip
    assert report.returncode == 0, report.stdout + report.stderr
    # the report counts mailto: links as external too (bug-report.rst mails the list)
    external = [r for r in results if "://" in r["uri"] or r["uri"].startswith("mailto:")]
    counted = sum(1 for r in external if r["status"] == "ignored")
    assert f"no network: {counted} of " in report.stdout, report.stdout
    assert counted >= len({u for u in refs if "://" in u})


def test_linkcheck_online_is_configured_to_fetch(monkeypatch):
    """With a network the builder ignores no http(s) link (only mailto:)."""
    monkeypatch.delenv("NESTED_KVM_LINKCHECK_OFFLINE", raising=False)
    ns: dict = {"__file__": str(REPO / "conf.py")}
    exec(compile((REPO / "conf.py").read_text(), "conf.py", "exec"), ns)  # noqa: S102
    assert not [p for p in ns["linkcheck_ignore"] if re.match(p, "https://git.kernel.org/x")]


def test_site_loads_nothing_from_another_host(built_site):
    """Links may lead out; scripts, styles, fonts, images and frames never come from out."""
    html = built_site / "html"
    tags = "script|link|img|iframe|source|video|audio|embed|object|image|use"
    tag = re.compile(rf"<({tags})\b[^>]*>", re.I)
    remote = r"""\s*=\s*["']?\s*(?:https?:)?//"""
    attr = re.compile(r"\b(?:src|href|srcset|data|xlink:href)" + remote, re.I)
    remote_css = re.compile(r"""url\(\s*['"]?\s*(?:https?:)?//|@import\s+['"]?(?:https?:)?//""")
    offenders = []
    for f in sorted(html.rglob("*")):
        if f.suffix in (".html", ".svg"):
            for m in tag.finditer(f.read_text()):
                canonical = 'rel="canonical"' in m.group(0)  # a link, not a resource
                if attr.search(m.group(0)) and not canonical:
                    offenders.append(f"{f.relative_to(html)}: {m.group(0)[:120]}")
        elif f.suffix == ".css" and remote_css.search(f.read_text(errors="replace")):
            offenders.append(str(f.relative_to(html)))
    assert not offenders, "\n".join(offenders)
    outs = [p for p in html.rglob("*.html") if 'reference external" href="https:' in p.read_text()]
    assert outs, "the site links out nowhere (roles :commit:, :kfile: ...)"


# --- other formats ---------------------------------------------------------------------------


@pytest.mark.parametrize("builder", ["singlehtml", "epub", "man"])
def test_other_formats_build_without_warnings(tmp_path, builder):
    if builder == "man":
        sys.path.insert(0, str(REPO))
        try:
            import conf  # noqa: PLC0415
        finally:
            sys.path.remove(str(REPO))
        if not conf.man_pages:
            pytest.skip("man_pages is empty until source/reference/cli.rst is written")
    proc = sphinx(builder, tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / builder
    if builder == "man":
        page = (out / "nested-kvm.1").read_text()
        assert "Install and run the nested" in page  # the :ref: text is kept
        # S9: no bare anchor a man reader cannot follow (man_refs.py)
        assert not re.findall(r"<\S*#\S*>", page), re.findall(r"<\S*#\S*>", page)
    elif builder == "epub":
        assert list(out.glob("*.epub"))
        # No JavaScript in e-readers: every vendor's variant is there, none hidden.
        hidden = [p.name for p in out.rglob("*.xhtml") if 'hidden="' in p.read_text()]
        assert not hidden, f"panels hidden in the EPUB: {hidden}"
    else:
        assert "sphinx-tabs" in (out / "index.html").read_text()


HTML_BUILDERS = {"html", "singlehtml", "dirhtml"}  # builders sphinx-tabs emits tabs for


def make_sphinx_commands(*targets: str) -> list[tuple[str, str, str]]:
    """(builder, doctree dir, command line) of each sphinx-build `make TARGETS` runs."""
    proc = subprocess.run(
        ["make", "-n", *targets, "VIRTUAL_ENV=/nonexistent"],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    found = []
    for line in proc.stdout.splitlines():
        m = re.search(r"-b (\w+) -d (\S+)", line)
        if m:
            found.append((m.group(1), m.group(2), line))
    assert found, proc.stdout + proc.stderr
    return found


def test_builders_that_read_tabs_differently_do_not_share_doctrees():
    """sphinx-tabs emits HTML tabs into the doctree only when an HTML builder reads it."""
    targets = ["html", "doctest", "linkcheck", "man", "epub", "singlehtml"]
    dirs: dict[str, set[str]] = {}
    for builder, doctrees, _ in make_sphinx_commands(*targets):
        dirs.setdefault(doctrees, set()).add(builder in HTML_BUILDERS)
    mixed = {d for d, kinds in dirs.items() if len(kinds) > 1}
    assert not mixed, f"doctree dirs shared by HTML and other builders: {mixed}"


def _html_pages(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in output_files(root).items() if k.endswith(".html")}


def test_make_doctest_then_html_gives_the_same_site(built_site, tmp_path):
    """The Makefile's own commands in the order `make test && make html` runs them."""
    for builder, _, line in make_sphinx_commands("doctest", "html"):
        argv = line.replace("/nonexistent/bin/sphinx-build", f"{sys.executable} -m sphinx")
        argv = argv.replace(" build/", f" {tmp_path}/build/")
        proc = subprocess.run(argv.split(), capture_output=True, text=True, cwd=REPO)
        assert proc.returncode == 0, f"{builder}: {proc.stderr}"
    got, want = _html_pages(tmp_path / "build" / "html"), _html_pages(built_site / "html")
    assert got.keys() == want.keys()
    assert [n for n in want if got[n] != want[n]] == []


def test_doctest_and_html_over_one_doctree_dir_give_the_same_site(built_site, tmp_path):
    """Builders of both kinds sharing a doctree dir: readmode.py re-reads every page.

    doctest reads first (its doctrees have no tabs), then html, then doctest and
    html again over the doctrees the previous builder left.
    """
    for builder in ("doctest", "html", "doctest", "html"):
        proc = sphinx(builder, tmp_path, jobs="1")
        assert proc.returncode == 0, f"{builder}: {proc.stderr}"
    page = (tmp_path / "html" / "how-to" / "builtin-kvm.html").read_text()
    assert page.count('role="tablist"') >= 2
    got, want = _html_pages(tmp_path / "html"), _html_pages(built_site / "html")
    assert [n for n in want if got.get(n) != want[n]] == []


def test_readthedocs_config():
    text = (REPO / ".readthedocs.yaml").read_text()
    assert re.search(r"^version:\s*2\b", text, re.M)
    assert re.search(r"^\s+os:\s*ubuntu-", text, re.M)
    assert re.search(r"^\s+python:\s*[\"']?3\.12[\"']?\s*$", text, re.M)
    assert re.search(r"^\s+configuration:\s*conf\.py\s*$", text, re.M)
    assert re.search(r"extra_requirements:\s*\n\s+-\s*docs", text)
    assert re.search(r"^\s+-\s*method:\s*pip\s*\n\s+path:\s*\.\s*$", text, re.M)


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "build/html")
    broken, external = check_site_links(root)
    linkcheck = Path(argv[2]) if len(argv) > 2 else None
    if linkcheck and linkcheck.is_file():
        for line in linkcheck.read_text().splitlines():
            entry = json.loads(line)
            if entry["status"] == "ignored":
                external.append(entry["uri"])
    external = sorted(set(external))
    print(f"external links (make linkcheck fetches them when online): {len(external)}")
    for uri in external:
        print(f"  {uri}")
    if broken:
        print(f"broken internal links: {len(broken)}")
        for b in broken:
            print(f"  {b}")
        return 1
    print("internal links and anchors: all resolve")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))


# --- reader's path: checker install page, history kept aside ---------------------------------

CHECKER = re.compile(r"nested-kvm (check|report|lint|params)\b")


def _main_text(page: Path) -> str:
    """The article of a built page (Furo's <article>), without navigation."""
    text = page.read_text()
    start, end = text.find("<article"), text.find("</article>")
    return text[start:end] if start >= 0 else text


def test_every_page_mentioning_the_checker_links_its_install_page(built_site):
    html = built_site / "html"
    missing, mentioning = [], []
    for page in sorted(html.rglob("*.html")):
        rel = page.relative_to(html).as_posix()
        if rel.startswith(("_", "search", "genindex", "how-to/install-checker")):
            continue
        main = _main_text(page)
        if CHECKER.search(re.sub(r"<[^>]+>", "", main)):
            mentioning.append(rel)
            if not re.search(r'href="[^"]*install-checker\.html(#[^"]*)?"', main):
                missing.append(rel)
    assert "index.html" in mentioning and "how-to/bug-report.html" in mentioning, mentioning
    assert not missing, f"pages mention nested-kvm without linking its install page: {missing}"


def test_history_lives_with_the_maintainers_not_in_the_readers_way(built_site):
    html = built_site / "html"
    home = (html / "index.html").read_text()
    assert "What this guide corrects" not in _main_text(html / "index.html")
    top = re.findall(r'<li class="toctree-l1[^"]*"><a class="reference internal" href="([^"]+)"',
                     home)  # fmt: skip
    assert "maintainers/index.html" in top, top
    assert not {"project-health.html", "contributing.html"} & set(top), top
    history = (html / "maintainers" / "history.html").read_text()
    for kept in ("What this guide corrects", "enable_apivc", "kernel parameter", "/sys/cpuinfo"):
        assert kept in history, kept
    maint = _main_text(html / "maintainers" / "index.html")
    assert "project-health.html" in maint and "contributing.html" in maint
    for part in ("how-to", "tutorial", "explanation", "reference"):
        for page in (html / part).rglob("*.html"):
            text = re.sub(r"<[^>]+>", "", _main_text(page))
            assert "first draft" not in text and "Upstream's page calls" not in text, page.name
    assert "first draft" not in re.sub(r"<[^>]+>", "", _main_text(html / "troubleshooting.html"))


def _blocks(page: Path) -> list[str]:
    """The text of every code block of a built page, in page order."""
    pres = re.findall(r"<pre>(.*?)</pre>", page.read_text(), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", pre)) for pre in pres]


def test_bug_report_copies_l1s_folder_out_before_packing_it(built_site):
    """The folder made inside L1 is copied to L0 before L0 packs both (issue 13, item 10),
    and the checker's report goes into each folder."""
    page = built_site / "html" / "how-to" / "bug-report.html"
    blocks = _blocks(page)

    def first(pattern: str) -> int:
        found = [i for i, b in enumerate(blocks) if re.search(pattern, b, re.M)]
        assert found, f"bug-report.html has no block matching {pattern!r}"
        return found[0]

    made_in_l1 = first(r"^\$ mkdir nested-report-l1$")
    copied_out = first(r"^\$ (scp|rsync|virt-copy-out)\b.*nested-report-l1")
    packed = first(r"^\$ tar .*nested-report-l0 nested-report-l1")
    assert made_in_l1 < copied_out < packed, (made_in_l1, copied_out, packed)
    for level in ("l0", "l1"):
        report = first(rf"^\$ nested-kvm report -o nested-report-{level}/")
        assert report < packed, level
    assert 'href="install-checker.html' in _main_text(page)


_LOG_LINE = re.compile(r"^\[\s*(\d+\.\d{6})\] (.+)$", re.M)


def test_kernel_log_lines_on_the_pages_have_plausible_times(built_site):
    """Issue 13, item 11: every log line once showed [    4.013000].  In a block the times
    increase; across the site one time never stands for two different messages."""
    said: dict[str, set[str]] = {}
    blocks = 0
    for page in sorted((built_site / "html").rglob("*.html")):
        for block in _blocks(page):
            stamps = [(float(t), t, msg) for t, msg in _LOG_LINE.findall(block)]
            if not stamps:
                continue
            blocks += 1
            times = [t for t, _, _ in stamps]
            assert times == sorted(times) and len(set(times)) == len(times), (page.name, block)
            for _, t, msg in stamps:
                said.setdefault(t, set()).add(msg.strip())
    assert blocks >= 10, blocks
    shared = {t: sorted(m) for t, m in said.items() if len(m) > 1}
    assert not shared, f"one time, several messages: {shared}"


def test_no_page_shows_raw_inline_markup(doctrees):
    """reST has no nested inline markup: ``code`` inside **bold** is shown with its
    backticks ("What can go wrong" on the Windows and cloud pages did)."""
    from docutils import nodes

    raw = []
    code = (nodes.literal, nodes.literal_block, nodes.raw, nodes.comment)
    for docname, tree in sorted(doctrees.items()):
        for text in tree.findall(nodes.Text):
            if isinstance(text.parent, code):
                continue
            if re.search(r"``|\*\*\S|:[a-z-]+:`", text.astext()):
                raw.append(f"{docname}: {text.astext()[:70]!r}")
    assert not raw, "\n".join(raw)


def test_generated_tables_have_no_empty_default_and_say_what_the_dash_means(built_site):
    """An empty Default cell read as a value the table forgot (avic on a phone card)."""
    html = built_site / "html"
    dashes, empty = 0, []
    for page in sorted(html.rglob("*.html")):
        for table in re.findall(r'<table class="[^"]*nested-reference.*?</table>', page.read_text(),
                                re.S):  # fmt: skip
            heads = [_text(h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
            if "Default" not in heads:
                continue
            col = heads.index("Default")
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]:
                cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
                if re.search(r"\((absent|no data)\)", _text(row)):
                    continue  # no parameter in that release, nothing to show
                value = _text(cells[col]).strip() if len(cells) == len(heads) else "?"
                dashes += value == "\u2014"
                if not value:
                    empty.append(f"{page.relative_to(html)}: {_text(row)[:60]}")
    assert not empty, "\n".join(empty[:10])
    assert dashes, "no parameter without a single default: the check would prove nothing"
    assert "A dash (\u2014) under Default means" in _text(_main_text(html / "reference" /
                                                                "parameters.html"))


# --- new readers: routes from the home page, what the labels mean -----------------------------


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_home_page_routes_each_kind_of_reader_to_its_page(built_site):
    """Cloud, Windows, IBM Z/POWER and fleet readers find their page from the home page,
    and the levels are named (with a link) before the page uses them."""
    main = _main_text(built_site / "html" / "index.html")
    start = main.find('id="where-to-start"')
    assert start >= 0, "no 'Where to start' section"
    where = main[start:]
    for target in ("how-to/clouds.html", "how-to/windows-hyperv.html", "how-to/s390x.html",
                   "how-to/power.html", "how-to/install-checker.html", "troubleshooting.html",
                   "explanation/terminology.html"):  # fmt: skip
        assert f'href="{target}' in where, f"'Where to start' does not link {target}"
    intro = main[:main.find('id="quick-check-is-nesting-on"')]
    assert "fake host" not in _text(intro) or 'terminology.html#proof-lines"' in intro, \
        "the home page names the fake host before linking what it is"
    text = _text(where)
    assert text.index("L0 is the host") < text.index("verifying L0 and L1"), text[:300]
    for word in ("GCE", "Azure", "AWS", "Hyper-V", "WSL", "IBM Z", "POWER", "JSON"):
        assert word in text, word


def test_home_contents_lists_pages_not_every_troubleshooting_message(built_site):
    """The home page's contents list stops at page titles: every error message listed
    there made the home page outrank Troubleshooting in search for that message."""
    page = (built_site / "html" / "index.html").read_text()
    main = _main_text(built_site / "html" / "index.html")
    start = page.index('class="sidebar-tree"')
    sidebar = page[start:page.index("</div>", start)]
    assert 'href="how-to/clouds.html"' in sidebar
    assert "troubleshooting.html#" not in main
    assert "0x80000021" not in _text(main)


def test_how_to_index_says_what_each_guide_is_for(built_site):
    """Each how-to is listed with a sentence, grouped by where the reader starts."""
    html = built_site / "html"
    main = _main_text(html / "how-to" / "index.html")
    guides = sorted(p.name for p in (html / "how-to").glob("*.html") if p.name != "index.html")
    items = re.findall(r"<li><p>(.*?)</p></li>", main, re.S)
    described = {}
    for item in items:
        for name in re.findall(r'href="([\w-]+\.html)"', item):
            described[name] = _text(item).split(":", 1)[-1].strip()
    missing = [g for g in guides if len(described.get(g, "")) < 15]
    assert not missing, f"how-to guides without a description on the index: {missing}"
    text = _text(main)
    for heading in ("Set up nesting on your own host", "When L0 is not yours"):
        assert heading in text, heading


def test_every_proof_line_links_to_what_it_means(built_site):
    """The line under each block ("Run on the fake host ...", "Not executed here ...")
    links to the section that explains it, and that section names every kind of line."""
    html = built_site / "html"
    lines = 0
    unlinked = []
    for page in sorted(html.rglob("*.html")):
        rel = page.relative_to(html).as_posix()
        for para in re.findall(r'<p class="nested-proof[^"]*">(.*?)</p>', page.read_text(), re.S):
            lines += 1
            if not re.search(r'href="[^"]*terminology\.html#proof-lines"', para):
                unlinked.append(rel)
    assert lines > 100, lines
    assert not unlinked, f"proof lines without a link to their explanation: {sorted(set(unlinked))}"
    section = _main_text(html / "explanation" / "terminology.html")
    section = _text(section[section.index('id="proof-lines"'):])
    for phrase in ("Run on the fake host", "Read by real kmod", "virt-xml-validate",
                   "Command and options checked with the real virsh", "a VMware .vmx line",
                   "Shell syntax checked only", "Not applied by any test",
                   "Not executed here", "Written on the fake host",
                   "Wrong — shown to fail", "doctest builder"):  # fmt: skip
        assert phrase in section, f"the proof-lines section does not explain {phrase!r}"


def test_cloud_page_lists_its_platforms_at_the_top(built_site):
    """On a phone the cloud page is long: a list at the top jumps to each platform."""
    main = _main_text(built_site / "html" / "how-to" / "clouds.html")
    top = main[: main.find('id="clouds-check"')]
    for platform in ("Google Compute Engine", "Microsoft Azure", "Amazon EC2", "Proxmox VE",
                     "VMware ESXi", "Microsoft Hyper-V", "Oracle VirtualBox"):  # fmt: skip
        assert platform in _text(top), f"{platform} is not listed at the top of clouds.html"


def test_fleet_and_wsl_readers_find_their_next_step(built_site):
    """The install page tells a fleet admin what to collect from many servers; the
    Windows page sends readers who run KVM inside Hyper-V to the cloud page's section."""
    html = built_site / "html"
    main = _main_text(html / "how-to" / "install-checker.html")
    fleet = main[main.index('id="on-many-servers"'):]
    assert 'href="../reference/cli.html#cli-check-json"' in fleet
    assert "--no-probe" in _text(main) and "could not check" in _text(fleet)
    windows = _main_text(html / "how-to" / "windows-hyperv.html")
    intro = windows[: windows.index('id="check-the-host"')]
    assert 'href="clouds.html#clouds-hyperv"' in intro


def test_tutorial_says_how_to_leave_qemu_and_where_errors_are_explained(built_site):
    """A first-time reader on a -nographic console needs the way out and, when QEMU
    refuses /dev/kvm, the troubleshooting entry for it."""
    main = _main_text(built_site / "html" / "tutorial" / "first-nested-guest.html")
    start = main.index('id="start-the-guest-hypervisor-l1"')
    section = main[start:main.index("<section", start + 10)]
    assert "<kbd" in section and "Ctrl+a then x" in _text(section)
    assert 'href="../troubleshooting.html#troubleshooting-dev-kvm"' in section
    assert "Permission denied" in _text(section)


def test_home_says_how_to_tell_the_cpu_vendor_before_asking_for_it(built_site):
    """'Pick your CPU vendor' comes with the tutorial's one-line check that tells it."""
    main = _main_text(built_site / "html" / "index.html")
    quick = main[main.index('id="quick-check-is-nesting-on"'):main.index('id="where-to-start"')]
    text = html.unescape(_text(quick))
    tell = text.find("grep -o -w -E 'vmx|svm' /proc/cpuinfo")
    assert tell >= 0, "the home page does not show the command that tells the vendor"
    assert text.index("Pick your CPU vendor") < tell < text.index("/sys/module/kvm_intel")
    assert "vmx is Intel" in text and "svm is AMD" in text


def _sources_page(tmp_path: Path, *extra: str) -> str:
    """A one-page site with ``.. project-sources::``, built with the project's conf.py."""
    from tests.conftest import sphinx_build

    src = tmp_path / "src"
    src.mkdir(parents=True)
    (src / "index.rst").write_text("Install\n=======\n\n.. project-sources::\n")
    proc = sphinx_build(src, tmp_path / "out", "-q", *extra)
    assert proc.returncode == 0, proc.stderr
    return _text(_main_text(tmp_path / "out" / "html" / "index.html"))


def test_install_page_works_without_a_repository_address(built_site, tmp_path, monkeypatch):
    """No public address is configured: no page promises a checkout it cannot give,
    the zipapp comes first, and the sources' origin is stated (new readers, S6.3)."""
    main = _main_text(built_site / "html" / "how-to" / "install-checker.html")
    text = _text(main)
    assert "gives no address for the project’s source repository" in text
    assert "does not name the project’s repository" not in text
    # the page names where the guide is published (:guide-url:), so the paragraph
    # says what that site holds instead of claiming the copy names nothing (walk L4)
    from nested_snippets.cli.guide import DEFAULT_BASE

    say = text[text.index("gives no address"):]
    assert DEFAULT_BASE in say[: say.index("Which way to install")]
    assert "git clone" not in text
    which = text[text.index("Which way to install"):]
    assert which.index("The zipapp") < which.index("pipx or pip")
    monkeypatch.delenv("NESTED_KVM_REPOSITORY", raising=False)
    assert "gives no address for the project’s source repository" in _sources_page(
        tmp_path / "none"
    )


def test_install_page_gives_the_clone_command_when_the_repository_is_set(tmp_path, monkeypatch):
    """NESTED_KVM_REPOSITORY (read by conf.py) turns the paragraph into a link and the
    ``git clone`` command that makes ./nested-kvm-guide."""
    url = "https://git.example.org/nested-kvm-guide.git"
    monkeypatch.setenv("NESTED_KVM_REPOSITORY", url)
    text = _sources_page(tmp_path / "env")
    assert f"git clone {url} nested-kvm-guide" in text
    assert "https://git.example.org/nested-kvm-guide" in text
    assert "gives no address" not in text
    monkeypatch.setenv("NESTED_KVM_REPOSITORY", "git@git.example.org:x.git")  # no web page
    assert "gives no address" in _sources_page(tmp_path / "ssh")


def test_fleet_section_shows_a_loop_that_collects_exit_statuses(built_site):
    """A fleet admin gets a loop over hosts that keeps each JSON and exit status,
    labelled as not executed here with its source (new readers, S6.4)."""
    main = _main_text(built_site / "html" / "how-to" / "install-checker.html")
    fleet = main[main.index('id="on-many-servers"'):]
    fleet = fleet[:fleet.find("<section", 10)]
    text = html.unescape(_text(fleet))
    assert "while read -r host" in text and "check --no-probe --json" in text
    assert 'echo "$host $?"' in text and "exit-status.txt" in text
    assert "Not executed here" in text
    assert "manpages.debian.org/bookworm/openssh-client/ssh.1" in fleet


def test_search_weights_are_published_for_the_search_page_only(built_site):
    """search_rank.py's per-page data: loaded by search.html only, indexed like Sphinx's
    index (stemmed, identifiers split), with the page kind."""
    root = built_site / "html"
    prefix = "var NESTED_KVM_SEARCH = "
    data = json.loads((root / "_static" / "nested-kvm-search.js").read_text()
                      .removeprefix(prefix).rstrip().rstrip(";"))  # fmt: skip
    assert "nested-kvm-search.js" in (root / "search.html").read_text()
    assert "nested-kvm-search.js" not in (root / "index.html").read_text()
    windows = data["how-to/windows-hyperv"]
    assert {"hyperv", "wsl", "window"} <= set(windows["t"]), windows["t"]
    assert windows["p"] == 1 and windows["n"]["wsl"] >= 2
    assert data["reference/parameters/kvm_hv"]["p"] == 0 and data["how-to/index"]["p"] == 0
    assert all(n >= 2 for page in data.values() for n in page["n"].values())


def test_option_names_in_prose_keep_their_two_hyphens(built_site):
    """An option named in running text or a source line (ansible-playbook --syntax-check,
    git merge-base --is-ancestor) is shown as typed: docutils' smart quotes would turn
    its "--" into an en dash (review walk8), which a reader copies as a wrong option."""
    bad = []
    for page in sorted((built_site / "html").rglob("*.html")):
        text = html.unescape(_text(_main_text(page)))
        for m in re.finditer(r"\S+ –[\[a-z][^\s,;)]*", text):
            bad.append(f"{page.relative_to(built_site / 'html')}: {m.group()}")
    assert not bad, "\n".join(bad)


def test_pip_user_install_says_what_debian_12_answers_and_what_to_do(built_site):
    """Walk: ``pip install --user`` stops with externally-managed-environment on Debian
    12 (PEP 668); the page says so with its sources, sends the reader to pipx or the
    virtual environment, and says what to do when the command is not on PATH."""
    main = _main_text(built_site / "html" / "how-to" / "install-checker.html")
    section = main[main.index('id="with-pipx-or-pip"'):]
    section = section[:section.index("<section", 10)]
    text = html.unescape(_text(section))
    after = text[text.index("pip install --user ./nested-kvm-guide/checker"):]
    assert "externally-managed-environment" in after
    assert 'href="#source-pep-668"' in section
    assert 'href="#source-debian-externally-managed"' in section
    assert "~/.local/nested-kvm/bin/nested-kvm" in after and "pipx" in after
    assert "command not found" in after and "pipx ensurepath" in after
    sources = _text(main[main.index('id="source-debian-externally-managed"'):])
    assert "/usr/lib/python3.11/EXTERNALLY-MANAGED" in sources


def test_zipapp_choice_names_rhel8s_python_with_its_source(built_site):
    """Walk: "the system Python of current enterprise distributions" was unsourced and
    wrong for RHEL 8 (python3 is 3.6); the page says so with a Red Hat source and what
    the zipapp does there."""
    main = _main_text(built_site / "html" / "how-to" / "install-checker.html")
    which = main[main.index('id="which-way-to-install"'):]
    first = html.unescape(_text(which[: which.index("pipx or pip")]))
    assert "enterprise distributions" not in first
    assert "RHEL 8" in first and "exits with status 2" in first
    assert 'href="#source-rhel8-python"' in which[: which.index("pipx or pip")]
    assert "configuring_basic_system_settings" in main


def test_completion_section_names_its_package_and_what_it_completes(built_site):
    """Walk: the completion file is loaded by the bash-completion package; the page
    names it (with sources), says what to do without it, and that ``python3
    nested-kvm.pyz`` is not completed."""
    main = _main_text(built_site / "html" / "how-to" / "install-checker.html")
    section = main[main.index('id="shell-completion-and-manual-page"'):]
    text = html.unescape(_text(section))
    assert "bash-completion" in text and "~/.bashrc" in text
    for key in ("debian-bash-completion", "fedora-bash-completion", "bash-completion-user-dir"):
        assert f'href="#source-{key}"' in section, key
    assert "python3 nested-kvm.pyz" in text and "installed nested-kvm command" in text


def test_dev_kvm_entry_says_when_joining_the_group_cannot_help(built_site):
    """Walk: for crw------- root:root, "add yourself to its group" cannot help; the
    entry says so, cites systemd's udev rule and gives the check the checker prints."""
    from nested_snippets.cli.checks import UDEV_KVM_CHECK

    main = _main_text(built_site / "html" / "troubleshooting.html")
    entry = main[main.index('id="troubleshooting-dev-kvm"'):]
    entry = entry[: entry.index("<section", 10)]
    text = html.unescape(_text(entry))
    fix = text[text.index("Fix."):]
    assert "crw------- root:root" in fix and "no group helps" in fix
    assert "50-udev-default.rules.in" in fix and 'KERNEL=="kvm", GROUP="kvm"' in fix
    for part in UDEV_KVM_CHECK.split("; "):
        assert part in fix, part


def test_kvm_probe_numbers_carry_their_kernel_sources(built_site):
    """Walk: "must answer 12", "misc device 10:232" and "POWER9 or later" on the CLI
    page were typed by hand; each now links its kernel source (file and release)."""
    main = _main_text(built_site / "html" / "reference" / "cli.html")
    probe = main[main.index('id="cli-kvm-probe"'):]
    probe = probe[: probe.index("<section", 10)]
    assert re.search(r"10:232</span><a [^>]*href=\"#source-linux-kvm-minor\"", probe), probe
    assert re.search(r"12</span><a [^>]*href=\"#source-linux-kvm-api-version\"", probe), probe
    checks = main[main.index('id="checks"'):main.index('id="cli-kvm-probe"')]
    assert re.search(r"POWER9 or later</span><a [^>]*href=\"[^\"]*#source-linux-book3s-hv-c\"",
                     checks), "POWER9 claim"  # fmt: skip
    sources = html.unescape(_text(main[main.index('id="source-linux-kvm-api-version"'):]))
    assert "include/uapi/linux/kvm.h@v6.1.187" in sources
    assert "include/linux/miscdevice.h@v5.10.13" in sources


def test_where_to_start_has_a_bullet_for_checking_one_host(built_site):
    """Walk: the home page's list had a bullet for many servers but none for the reader
    with one host; that bullet names ``nested-kvm check`` and links the install page."""
    main = _main_text(built_site / "html" / "index.html")
    where = main[main.index('id="where-to-start"'):]
    where = where[: where.index("</ul>")]
    items = re.findall(r"<li>(.*?)</li>", where, re.S)
    one = [i for i in items if "Checking one host" in _text(i)]
    assert one, [_text(i)[:60] for i in items]
    assert "nested-kvm check" in html.unescape(_text(one[0]))
    assert 'href="how-to/install-checker.html' in one[0]


def test_pip_floor_cites_pips_changelog_not_a_pull_request(built_site):
    """Walk: [pip-in-tree-builds] said "pip 21.3 release notes" but linked PR #10495;
    it now cites pip's NEWS.rst entry for 21.3 and links the published changelog."""
    main = _main_text(built_site / "html" / "how-to" / "install-checker.html")
    start = main.index('id="source-pip-in-tree-builds"')
    entry = main[start : main.index("</p>", start)]
    assert "NEWS.rst" in entry and "In-tree builds are now the default" in _text(entry)
    assert 'href="https://pip.pypa.io/en/stable/news/#v21-3"' in entry
    assert "pull/10495" not in entry


def _entry_sources_after(main: str, anchor: str, phrase: str) -> str:
    """The text of the first "Sources:" note after ``anchor`` that contains ``phrase``."""
    start = main.index(anchor)
    for note in re.findall(r'<p class="[^"]*nested-entry-sources[^"]*">(.*?)</p>',
                           main[start:], re.S):  # fmt: skip
        text = html.unescape(_text(note))
        if phrase in text:
            return text
    raise AssertionError(f"no Sources note with {phrase!r} after {anchor}")


def test_no_source_is_an_unpublished_measurement(built_site):
    """Walk 9: three Sources notes cited "measured by the project (its notes on real
    kernels under QEMU, not published)"; they now name the committed real-kernel probe
    and the recorded fixture that show it, and the fixture holds the model name."""
    html_dir = built_site / "html"
    unpublished = [p.relative_to(html_dir).as_posix() for p in sorted(html_dir.rglob("*.html"))
                   if "not published" in _text(_main_text(p))]  # fmt: skip
    assert not unpublished, unpublished
    main = _main_text(html_dir / "troubleshooting.html")
    reload = _entry_sources_after(main, 'id="troubleshooting-loaded"', "amd_reload")
    assert "nested_snippets/realkernel/plan.py" in reload
    assert "tests/realkernel/test_differential.py" in reload
    banana = _entry_sources_after(main, 'id="troubleshooting-loaded"', "nested=banana")
    assert "amd_reload" in banana and "plan.py" in banana
    fixture = "nested_snippets/fixtures/realkernel/6.1.0-57-amd64-tcg-max.json"
    tcg = _entry_sources_after(main, 'id="troubleshooting-tcg"', fixture)
    recorded = json.loads((REPO / fixture).read_text())
    assert recorded["cpu"]["model_name"] == "QEMU TCG CPU version 2.5+"
    assert (recorded["provenance"]["accel"], recorded["provenance"]["cpu_model"]) == ("tcg", "max")
    assert recorded["provenance"]["qemu"].startswith("QEMU emulator version 7.2.22 ")
    assert "QEMU 7.2.22" in tcg and "-cpu max" in tcg
    from nested_snippets.realkernel import plan

    probe = {c.id: c for c in plan.PROBES}["probe.amd_reload"]
    commands = [command.text for _key, _label, command in probe.commands()]
    assert "sudo modprobe kvm_amd nested=0" in commands
    assert "sudo modprobe kvm_amd nested=banana" in commands


def test_udev_rule_is_cited_at_a_systemd_release_tag(built_site):
    """Walk 9: the rule that gives /dev/kvm to the kvm group was cited at a commit of
    systemd/systemd; it is now cited at the release tag whose file was read (v252.39,
    Debian 12's systemd source), with the line as that file has it."""
    main = _main_text(built_site / "html" / "troubleshooting.html")
    rule = _entry_sources_after(main, 'id="troubleshooting-dev-kvm"', "50-udev-default.rules.in")
    assert not re.search(r"\b[0-9a-f]{40}\b", rule), rule
    assert "systemd v252.39" in rule and "systemd/systemd-stable" in rule
    assert 'KERNEL=="kvm", GROUP="kvm", MODE="{{DEV_KVM_MODE}}", OPTIONS+="static_node=kvm"' in rule
    mode = _entry_sources_after(main, 'id="troubleshooting-dev-kvm"', "meson_options.txt")
    assert "systemd v252.39" in mode and "stored copy" not in mode


def test_install_page_offers_the_sites_zipapp_and_the_build(built_site):
    """Walk 9: "Copy it to a server" left the reader looking for a download; walks 14
    and 15: a published guide then offered none.  The first choice now offers the
    file the site carries and the build (make pyz), linking the section of each, and
    the only .pyz a page links is the site's own."""
    main = _main_text(built_site / "html" / "how-to" / "install-checker.html")
    which = main[main.index('id="which-way-to-install"'):]
    zipapp = which[: which.index("pipx or pip")]
    text = html.unescape(_text(zipapp))
    assert "Download it with this guide" in text and "make pyz" in text
    assert 'href="#install-checker-download"' in zipapp
    assert 'href="#install-checker-pyz"' in zipapp
    assert 'id="install-checker-pyz"' in main and 'id="install-checker-download"' in main
    assert "make -C nested-kvm-guide pyz" in html.unescape(_text(main))
    for page in (built_site / "html").rglob("*.html"):
        for link in re.findall(r'href="([^"]*\.pyz)"', page.read_text()):
            assert (page.parent / link).resolve() == (built_site / "html/nested-kvm.pyz")
    readme = (REPO / "README.rst").read_text()
    assert "puts the zipapp and its SHA-256 at the root of the HTML" in readme


def test_install_page_says_what_pip_needs_without_a_network(built_site):
    """Walk 9: offline, pip cannot fetch the build backend that checker/pyproject.toml
    names; the page names it (from that file), how to carry its wheel over, and the pip
    options that build with it and download nothing."""
    import tomllib

    with (REPO / "checker" / "pyproject.toml").open("rb") as f:
        backend = ", ".join(tomllib.load(f)["build-system"]["requires"])
    main = _main_text(built_site / "html" / "how-to" / "install-checker.html")
    start = main.index('id="install-checker-offline"')
    section = main[start: main.index("<section", start + 10)]
    text = html.unescape(_text(section))
    assert f"under [build-system], {backend}," in text, text[:400]
    assert "pip download --no-deps -d wheels setuptools" in text
    install = text[text.index("python3 -m venv"):]
    for option in ("--no-index", "--find-links ./wheels --upgrade setuptools",
                   "--no-build-isolation ./nested-kvm-guide/checker"):  # fmt: skip
        assert option in install, option


def test_build_requires_role_reads_the_build_system(tmp_path, monkeypatch):
    """:build-requires: prints [build-system] requires and refuses what it cannot read."""
    from nested_snippets.sphinxext import python_req

    other = tmp_path / "pyproject.toml"
    other.write_text('[build-system]\nrequires = ["flit_core>=3.4", "wheel"]\n')
    monkeypatch.setitem(python_req.PYPROJECTS, "checker", other)
    assert python_req.build_requires("checker") == "flit_core>=3.4, wheel"
    other.write_text("[project]\nname = 'x'\n")
    with pytest.raises(ValueError, match=r"no \[build-system\] requires"):
        python_req.build_requires("checker")
    with pytest.raises(ValueError, match="unknown distribution"):
        python_req.build_requires("nope")


def test_man_page_see_also_points_at_pages_the_site_has(built_site, tmp_path):
    """Walk 9: `make man` gave links without addresses ("Install and run the nested-kvm
    checker") and no SEE ALSO. The page now has one whose guide addresses (the
    checker's default base + PAGE.html) are files of the built site; so is every other
    address at that base in the page."""
    from nested_snippets.cli.guide import DEFAULT_BASE

    proc = sphinx("man", tmp_path)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "man" / "nested-kvm.1").read_text()
    sections = re.split(r"^\.SH ", page, flags=re.M)
    see_also = [s for s in sections if s.startswith("SEE ALSO")]
    assert len(see_also) == 1, [s.split("\n", 1)[0] for s in sections]
    plain = see_also[0].replace("\\-", "-")
    urls = re.findall(r"https://[^\s\\]+", plain)
    assert len(urls) >= 3, urls
    for need in ("how-to/install-checker.html", "troubleshooting.html"):
        assert DEFAULT_BASE + need in urls, need
    assert "modprobe.d(5)" in plain
    everywhere = re.findall(r"https://[^\s\\<>)]+", page.replace("\\-", "-").replace("\\:", ""))
    at_base = sorted({u for u in everywhere if u.startswith(DEFAULT_BASE)} | set(urls))

    def target(url: str) -> Path:
        return built_site / "html" / (url.removeprefix(DEFAULT_BASE).split("#")[0] or "index.html")

    missing = [u for u in at_base if not target(u).is_file()]
    assert not missing, missing


def _page_transcripts(page: Path, first: str) -> list[tuple[str, list[str]]]:
    """The ``$ `` commands and output lines of the page's code block that starts with
    ``first``."""
    blocks = [b for b in _blocks(page) if b.startswith(first)]
    assert len(blocks) == 1, f"{page.name}: {len(blocks)} blocks start with {first!r}"
    runs: list[tuple[str, list[str]]] = []
    for line in blocks[0].rstrip("\n").split("\n"):
        if line.startswith("$ "):
            runs.append((line[2:], []))
        else:
            runs[-1][1].append(line)
    return runs


@pytest.mark.parametrize(
    "first", ["$ nested-kvm check --no-probe --root fake-host", "$ cat fake-host/etc/modprobe.d"]
)
def test_cli_samples_are_what_nested_kvm_prints(built_site, tmp_path, monkeypatch, first):
    """Walk 9: the CLI reference showed no output. Its samples of check and lint are now
    authored blocks; this runs each command of the block, as the page shows it, on the
    fake host the sample names (checker_samples._HOST, built as tests/cli's make_host
    builds hosts) and compares what a terminal would show with the page."""
    import contextlib
    import io
    import shlex

    from nested_snippets.cli import main
    from nested_snippets.fakehost.host import FakeHost, Scenario
    from nested_snippets.snippets import checker_samples

    page = built_site / "html" / "reference" / "cli.html"
    host = checker_samples._HOST
    root = FakeHost.create(tmp_path / "h", Scenario(host["arch"], host["kernel"], host["given"]))
    (tmp_path / "fake-host").symlink_to(root.root)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NESTED_KVM_GUIDE_URL", raising=False)
    runs = _page_transcripts(page, first)
    assert any(cmd.startswith("nested-kvm ") for cmd, _ in runs), runs
    for command, shown in runs:
        words = shlex.split(command)
        if words[0] == "cat":
            printed = Path(words[1]).read_text()
        else:
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                main(words[1:])
            printed = out.getvalue()
        assert printed.splitlines() == shown, (command, printed)
    main_text = _main_text(page)
    assert "Run with nested-kvm on the test suite’s fake host" in html.unescape(main_text)


def test_checker_sample_check_catches_a_stale_line():
    """The snippet suite's check of a sample (bodies.CheckerRun) fails on one wrong line."""
    import dataclasses

    from nested_snippets.snippets import checker_samples

    _era, _variant, body = next(iter(checker_samples.lint.bodies()))
    assert body.check() == ""
    cmd = body.transcript.commands[1]
    stale = dataclasses.replace(cmd, output=(*cmd.output[:-1], cmd.output[-1] + " (old)"))
    commands = (body.transcript.commands[0], stale)
    wrong = dataclasses.replace(body, transcript=dataclasses.replace(body.transcript,
                                                                     commands=commands))
    assert "nested-kvm on the fake host prints" in wrong.check()
