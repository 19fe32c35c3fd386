#!/usr/bin/env python3
"""Build ``nested-kvm`` as one executable file: a zipapp (PEP 441, stdlib ``zipapp``).

Only the checker goes in: the files that ``checker/pyproject.toml`` selects for the
``nested-kvm`` distribution (read by ``tools/checker_files.py``), i.e. the CLI, the
architecture table, the parsers and the kernel data.  No Sphinx, no fake host.
Run it with any Python 3.9 or later: ``python3 nested-kvm.pyz check``.  Bytecode
for the Python that builds it is included (``MODULE.pyc``), so that version starts
as fast as an installed copy; any other version compiles the sources at each start.

Usage: python3 tools/build_pyz.py [OUTPUT]   (default: build/nested-kvm.pyz)
"""

from __future__ import annotations

import argparse
import py_compile
import shutil
import sys
import tempfile
import zipapp
from pathlib import Path

if sys.version_info < (3, 11):  # noqa: UP036 (the zipapp runs on 3.9; building reads TOML)
    sys.exit("build_pyz: needs Python 3.11 or newer (tomllib reads checker/pyproject.toml)")

import checker_files  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
MAIN = '''"""nested-kvm as a zipapp: python3 nested-kvm.pyz COMMAND ..."""
import sys

from nested_snippets.cli import main

sys.exit(main())
'''


def build(output: Path) -> list[str]:
    """Write the zipapp to ``output``; return the archive's files."""
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        try:
            selected = checker_files.files(REPO)
        except checker_files.DefinitionError as exc:
            raise SystemExit(f"build_pyz: {exc}") from None
        for name in selected:
            src, dest = REPO / name, stage / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            if src.suffix == ".py":
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
        (stage / "__main__.py").write_text(MAIN)
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
