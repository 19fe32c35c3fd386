"""``.. checker-download::``: the checker as one file, shipped with the HTML site.

An HTML build (``html``, ``dirhtml``, ``singlehtml``) writes ``nested-kvm.pyz`` at the
site's root when the builder starts, made by ``tools/build_pyz.py`` from the same tree
as the pages, and its SHA-256 beside it (``nested-kvm.pyz.sha256``, the format
``sha256sum -c`` reads); again only when what goes into it changed
(:func:`build_pyz.inputs`, noted beside the doctrees), so an incremental build does
not pay for it.  The site's copy holds the sources only, no bytecode: a reader's
Python is seldom the one that built the site, and another one ignores the bytecode
(``make pyz``'s copy keeps it); compiling it made a clean build of the guide ~0.5 s
(~10 %) slower (ad hoc on 2026-12-04, four sphinx-build runs each way: 5.8 against
5.2 s wall, mean).
The directive links both files from the page it is on; another builder (man page,
EPUB), or a tree without the checker's ``pyproject.toml`` or ``tools/build_pyz.py``,
gets a sentence saying where the file is instead, so a page never links a file the
site lacks.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

PYZ = "nested-kvm.pyz"
SUMS = f"{PYZ}.sha256"
HTML_BUILDERS = ("html", "dirhtml", "singlehtml")
TOOLS = Path(__file__).resolve().parents[2] / "tools"
NEEDS = (TOOLS / "build_pyz.py", TOOLS.parent / "checker" / "pyproject.toml")
"""What building it takes: a tree that has them (a copy of part of the project, as
some tests build, does not) ships the file, another says that it does not."""
_BUILT: list[str] = []
"""The output directory the file was written to, once it is."""


class pyz_link(nodes.reference):
    """A link to a file at the site's root, made relative to its page when written."""


def _write(app: Sphinx) -> None:
    _BUILT.clear()  # another build in this process may be of another builder
    if app.builder.name not in HTML_BUILDERS or not all(f.is_file() for f in NEEDS):
        return
    build_pyz = _build_pyz()
    out = Path(app.outdir)
    stamp = Path(app.doctreedir) / f"{PYZ}.inputs"
    try:
        inputs = build_pyz.inputs()
        if not (out / PYZ).is_file() or _read(stamp) != inputs or _read(out / SUMS) is None:
            build_pyz.build(out / PYZ, bytecode=False)
            digest = hashlib.sha256((out / PYZ).read_bytes()).hexdigest()
            (out / SUMS).write_text(f"{digest}  {PYZ}\n")
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(inputs)
    except (OSError, SystemExit) as exc:
        raise ExtensionError(f"checker-download: cannot build {out / PYZ}: {exc}") from exc
    _BUILT.append(str(out))


def _build_pyz():
    """``tools/build_pyz.py`` of this source tree, loaded by its path: a tool of the
    tree, not a dependency of the kit (a tree without it ships no file: :data:`NEEDS`).
    """
    spec = importlib.util.spec_from_file_location("build_pyz", NEEDS[0])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(TOOLS))  # for its sibling checker_files
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(TOOLS))
    return module


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


class CheckerDownload(SphinxDirective):
    """A paragraph: the zipapp and its checksum, linked, or where they are."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        para = nodes.paragraph(classes=["nested-checker-download"])
        if not _BUILT:
            para += nodes.Text(
                f"The HTML edition of this guide carries {PYZ} at its root, with its "
                f"SHA-256 beside it ({SUMS}); this edition does not."
            )
            return [para]
        para += nodes.Text("This site carries the checker as one file, built from the same ")
        para += nodes.Text("sources as these pages: ")
        para += pyz_link(PYZ, PYZ, refuri=PYZ, classes=["nested-pyz"])
        para += nodes.Text(", and its SHA-256 in ")
        para += pyz_link(SUMS, SUMS, refuri=SUMS, classes=["nested-pyz"])
        para += nodes.Text(".")
        return [para]


def _relative(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Each link to the file, relative to the page that holds it."""
    page = app.builder.get_target_uri(docname)
    for node in doctree.findall(pyz_link):
        node["refuri"] = relative_uri(page, node["refuri"])


def setup(app: Sphinx) -> dict:
    app.add_node(pyz_link, html=(_visit, _depart))
    app.add_directive("checker-download", CheckerDownload)
    app.connect("builder-inited", _write)
    app.connect("doctree-resolved", _relative)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


def _visit(self, node: pyz_link) -> None:
    self.visit_reference(node)


def _depart(self, node: pyz_link) -> None:
    self.depart_reference(node)
