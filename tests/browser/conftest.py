"""Fixtures for the browser tests: a built site, a local HTTP server, Chromium.

* ``guide``: the guide's HTML, reusing ``build/html`` when it is newer than every
  input (source/, conf.py, nested_snippets/) and has this checkout's static
  files, else the session build from ``tests/conftest.py``.
* ``demo``: a small site built with the project's conf.py and extension from
  pages written here (two vendor tab sets on one page, a second page, a
  multi-line console transcript), so tab sync, persistence and copying are
  tested whatever state the guide's pages are in.
* Each site is served by ``http.server`` on 127.0.0.1 (random port) in a thread;
  unknown paths get the site's 404.html with status 404, as on Read the Docs.
* ``page``: a fresh browser context (empty storage) per test that records every
  request (any host but 127.0.0.1 is aborted and fails the test) and every
  console error / uncaught exception (fails the test unless the test clears it).

Chromium is Debian's (``/usr/bin/chromium``, or ``$CHROMIUM``). Without it, or
without Playwright for Python, the tests skip with one reason; under ``CI=true``
they fail instead. axe-core comes from npm into ``build/npm`` on first use.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build"
NPM_PREFIX = BUILD / "npm"
AXE_JS = NPM_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = BUILD / "screenshots"
STATIC = REPO / "nested_snippets" / "sphinxext" / "static"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


# --- sites ------------------------------------------------------------------------------


def _newest_mtime(paths) -> float:
    newest = 0.0
    for root in paths:
        root = Path(root)
        files = [root] if root.is_file() else root.rglob("*")
        for f in files:
            if f.is_file() and "__pycache__" not in f.parts:
                newest = max(newest, f.stat().st_mtime)
    return newest


def _reusable(html: Path) -> bool:
    """build/html is complete and newer than everything it is built from."""
    needed = [html / "index.html", html / "404.html", html / "search.html"]
    if not all(p.is_file() for p in needed):
        return False
    for f in STATIC.iterdir():
        built = html / "_static" / f.name
        if not built.is_file() or built.read_bytes() != f.read_bytes():
            return False
    inputs = [REPO / "source", REPO / "conf.py", REPO / "nested_snippets"]
    return _newest_mtime(inputs) < _newest_mtime([html])


@pytest.fixture(scope="session")
def guide_html(request) -> Path:
    html = BUILD / "html"
    if os.environ.get("NESTED_KVM_REBUILD") != "1" and _reusable(html):
        return html
    return request.getfixturevalue("built_site") / "html"


DEMO_PAGES = {
    "index.rst": """
        Demo of vendor tabs
        ===================

        .. snippet-tabs:: enable.check_nested

        .. toctree::

           two
           arches
           other
        """,
    "two.rst": """
        Two tab sets
        ============

        First set.

        .. snippet-tabs:: enable.check_nested

        Second set.

        .. snippet-tabs:: enable.persistent_conf

        A transcript with a continued command and output.

        .. code-block:: console

           $ qemu-system-x86_64 \\
               -enable-kvm \\
               -cpu host
           QEMU 8.2.2 monitor - type 'help' for more information
           $ echo done
           done

        {filler}

        .. _far-section:

        Far section
        ===========

        Third set, far down the page.

        .. snippet-tabs:: enable.check_nested_off

        {filler}
        """,
    "arches.rst": """
        Every architecture
        ==================

        Group tabs labelled like the architecture table (what snippet-tabs emits for a
        snippet with a variant per architecture).

        .. tabs::

           .. group-tab:: Intel

              Intel text.

           .. group-tab:: AMD

              AMD text.

           .. group-tab:: IBM Z (s390x)

              IBM Z text.

           .. group-tab:: IBM POWER

              POWER text.

           .. group-tab:: Arm64

              Arm64 text.
        """,
    "other.rst": """
        Another page
        ============

        .. snippet-tabs:: enable.check_nested
        """,
}


@pytest.fixture(scope="session")
def demo_html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    src = out / "source"
    src.mkdir()
    filler = "\n\n".join(["Filler paragraph so that the far section is off screen."] * 60)
    for name, text in DEMO_PAGES.items():
        body = textwrap.dedent(text).replace("{filler}", filler)
        (src / name).write_text(body.lstrip())
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-c", str(REPO), "-W", "--keep-going", "-n", "-q",
         "-b", "html", "-d", str(out / "doctrees"), str(src), str(out / "html")],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, f"demo site build failed:\n{proc.stderr}"
    return out / "html"


@pytest.fixture(scope="session")
def singlehtml(tmp_path_factory):
    """The guide as one page (make singlehtml), served."""
    out = tmp_path_factory.mktemp("singlehtml")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-c", str(REPO), "-W", "--keep-going", "-n", "-q",
         "-b", "singlehtml", "-d", str(out / "doctrees"), str(REPO / "source"),
         str(out / "html")],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, f"singlehtml build failed:\n{proc.stderr}"
    server, url = _serve(out / "html")
    yield Site(out / "html", url)
    server.shutdown()


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _serve(root: Path):
    handler = functools.partial(_Handler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_port}/"


@pytest.fixture(scope="session")
def guide(guide_html):
    server, url = _serve(guide_html)
    yield Site(guide_html, url)
    server.shutdown()


@pytest.fixture(scope="session")
def demo(demo_html):
    server, url = _serve(demo_html)
    yield Site(demo_html, url)
    server.shutdown()


@dataclass
class Site:
    root: Path
    url: str

    def pages(self) -> list[str]:
        """Every HTML page of the site, as URL paths relative to the root."""
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*.html")
            if not p.relative_to(self.root).parts[0].startswith("_")
        )


# --- browser ----------------------------------------------------------------------------


def chromium_path() -> str:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(chromium_path()).is_file():
        return "Chromium not installed (apt-get install chromium chromium-driver)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def chromium():
    reason = browser_unavailable()
    if reason:
        _unavailable(reason)
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with tempfile.TemporaryDirectory(prefix="nested-kvm-chromium-") as profile:
        pw = sync_playwright().start()
        browser = pw.chromium.launch(
            executable_path=path,
            args=[*CHROMIUM_ARGS, f"--disk-cache-dir={profile}/cache"],
            env={**os.environ, "HOME": profile, "XDG_CONFIG_HOME": profile},
        )
        yield browser
        browser.close()
        pw.stop()


@pytest.fixture(scope="session")
def axe_js() -> Path:
    if not AXE_JS.is_file():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm not installed: cannot fetch axe-core")
        proc = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(NPM_PREFIX),
             "axe-core@4"],
            capture_output=True, text=True,
        )  # fmt: skip
        if proc.returncode != 0 or not AXE_JS.is_file():
            _unavailable(f"npm install axe-core@4 failed:\n{proc.stderr[-2000:]}")
    return AXE_JS


@dataclass
class Watch:
    """What one browser context did: requests, console errors, uncaught exceptions."""

    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def context(chromium, watch):
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900})

    def route(r):
        url = r.request.url
        watch.requests.append(url)
        if urlsplit(url).hostname != "127.0.0.1" and not url.startswith(("data:", "blob:")):
            watch.foreign.append(url)
            r.abort()
        else:
            r.continue_()

    ctx.route("**/*", route)

    def on_page(p):
        p.on("console", lambda m: m.type == "error" and watch.errors.append(f"console: {m.text}"))
        p.on("pageerror", lambda e: watch.errors.append(f"exception: {e}"))

    ctx.on("page", on_page)
    yield ctx
    ctx.close()
    assert not watch.foreign, f"requests left 127.0.0.1: {watch.foreign}"
    assert not watch.errors, "console errors:\n" + "\n".join(watch.errors)


@pytest.fixture
def page(context):
    return context.new_page()
