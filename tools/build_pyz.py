#!/usr/bin/env python3
"""Build ``nested-kvm`` as one executable file: a zipapp (PEP 441, stdlib ``zipapp``).

Only what the checker imports goes in (:data:`FILES`): the CLI, the architecture
table, the parsers and the kernel parameter data.  No Sphinx, no fake host.
Run it with any Python 3.9 or later: ``python3 nested-kvm.pyz check``.  Bytecode
for the Python that builds it is included (``MODULE.pyc``), so that version starts
as fast as an installed copy; any other version compiles the sources at each start.

Usage: python3 tools/build_pyz.py [OUTPUT]   (default: build/nested-kvm.pyz)
"""

from __future__ import annotations

import py_compile
import shutil
import sys
import tempfile
import zipapp
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FILES = (
    "nested_snippets/__init__.py",
    "nested_snippets/arches/*.py",
    "nested_snippets/suggest.py",
    "nested_snippets/versions.py",
    "nested_snippets/regular.py",
    "nested_snippets/cli/*.py",
    "nested_snippets/kernel/__init__.py",
    "nested_snippets/kernel/messages.py",
    "nested_snippets/kernel/data/linux-*.json",
    "nested_snippets/kernel/data/index.json",
    "nested_snippets/parsers/*.py",
)
MAIN = '''"""nested-kvm as a zipapp: python3 nested-kvm.pyz COMMAND ..."""
import sys

from nested_snippets.cli import main

sys.exit(main())
'''


def build(output: Path) -> list[str]:
    """Write the zipapp to ``output``; return the archive's files."""
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        names = []
        for pattern in FILES:
            found = sorted(REPO.glob(pattern))
            if not found:
                raise SystemExit(f"build_pyz: nothing matches {pattern}")
            for src in found:
                rel = src.relative_to(REPO)
                (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, stage / rel)
                names.append(rel.as_posix())
                if src.suffix == ".py":
                    # zipimport cannot cache bytecode: ship it for the building Python
                    # (MODULE.pyc beside MODULE.py); other versions ignore it (magic
                    # number) and compile the source, which is shipped too.
                    py_compile.compile(
                        str(src),
                        cfile=str((stage / rel).with_suffix(".pyc")),
                        dfile=rel.as_posix(),
                        doraise=True,
                        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                    )
        (stage / "__main__.py").write_text(MAIN)
        output.parent.mkdir(parents=True, exist_ok=True)
        zipapp.create_archive(
            stage, output, interpreter="/usr/bin/env python3", compressed=True
        )
    return names


def main() -> int:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "build/nested-kvm.pyz"
    names = build(output)
    print(f"{output}: {len(names)} files, {output.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
