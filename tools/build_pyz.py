#!/usr/bin/env python3
"""Build ``nested-kvm`` as one executable file: a zipapp (PEP 441, stdlib ``zipapp``).

Only the checker goes in: the files that ``checker/pyproject.toml`` selects for the
``nested-kvm`` distribution (read by ``tools/checker_files.py``), i.e. the CLI, the
architecture table, the parsers and the kernel data.  No Sphinx, no fake host.
Run it with the checker's ``requires-python``: ``python3 nested-kvm.pyz check``; its
``__main__.py`` (``tools/pyz_main.py``) tells an older Python so in one line.  Bytecode
for the Python that builds it is included (``MODULE.pyc``), so that version starts
as fast as an installed copy; any other version compiles the sources at each start.

Usage: python3 tools/build_pyz.py [OUTPUT]   (default: build/nested-kvm.pyz)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import py_compile
import re
import shutil
import sys
import tempfile
import zipapp
from pathlib import Path

if sys.version_info < (3, 11):  # noqa: UP036 (the zipapp runs on 3.9; building reads TOML)
    sys.exit("build_pyz: needs Python 3.11 or newer (tomllib reads checker/pyproject.toml)")

import checker_files  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
STAMP = 315532800
"""The time every file in the archive carries (1980-01-01, the earliest a zip entry
holds), so that two builds of one tree give the same bytes (the HTML site ships the
file: tests/test_site_build.py builds it twice)."""
MAIN = Path(__file__).resolve().parent / "pyz_main.py"
"""The zipapp's ``__main__.py``: checks the Python version before importing the checker."""


def _main_source() -> str:
    """pyz_main.py, after checking that its MINIMUM is the checker's requires-python and
    its SCHEMA ``check``'s."""
    text = MAIN.read_text()
    need = tuple(int(n) for n in checker_files.requires_python().split("."))
    m = re.search(r"^MINIMUM = \((\d+), (\d+)\)$", text, re.M)
    if m is None or (int(m[1]), int(m[2])) != need:
        raise SystemExit(
            f"build_pyz: {MAIN.name}'s MINIMUM is not {need}, checker/pyproject.toml's "
            "requires-python"
        )
    check = (REPO / "nested_snippets" / "cli" / "check.py").read_text()
    schema = re.search(r'^SCHEMA = "([^"]+)"$', check, re.M)
    if schema is None or f'\nSCHEMA = "{schema[1]}"\n' not in text:
        raise SystemExit(f"build_pyz: {MAIN.name}'s SCHEMA is not nested_snippets/cli/check.py's")
    return text


def _selected() -> list[str]:
    """The files checker/pyproject.toml selects for the checker."""
    try:
        return checker_files.files(REPO)
    except checker_files.DefinitionError as exc:
        raise SystemExit(f"build_pyz: {exc}") from None


def inputs() -> str:
    """A digest of everything the archive is made from (the checker's files, its
    ``__main__.py``, the Python that compiles them): equal digests, equal archives."""
    digest = hashlib.sha256(sys.version.encode())
    for name in [*_selected(), "__main__.py"]:
        data = _main_source().encode() if name == "__main__.py" else (REPO / name).read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def build(output: Path, bytecode: bool = True) -> list[str]:
    """Write the zipapp to ``output``; return the archive's files.  Without
    ``bytecode`` only the sources go in (a copy for other machines, whose Python is
    seldom the one that built it: see the HTML site's, ``sphinxext/pyz.py``)."""
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        selected = _selected()
        for name in selected:
            src, dest = REPO / name, stage / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            if bytecode and src.suffix == ".py":
                # zipimport cannot cache bytecode: ship it for the building Python
                # (MODULE.pyc beside MODULE.py); other versions ignore it (magic
                # number) and compile the source, which is shipped too.
                py_compile.compile(
                    str(src),
                    cfile=str(dest.with_suffix(".pyc")),
                    dfile=name,
                    doraise=True,
                    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                )
        (stage / "__main__.py").write_text(_main_source())
        for path in stage.rglob("*"):  # the archive's bytes depend on the tree only
            os.utime(path, (STAMP, STAMP))
        output.parent.mkdir(parents=True, exist_ok=True)
        zipapp.create_archive(
            stage, output, interpreter="/usr/bin/env python3", compressed=True
        )
    return selected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", nargs="?", type=Path, default=REPO / "build/nested-kvm.pyz",
                        help="where to write it (default: build/nested-kvm.pyz)")  # fmt: skip
    output = parser.parse_args(argv).output
    try:
        names = build(output)
    except OSError as exc:
        print(f"build_pyz: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{output}: {len(names)} files, {output.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
