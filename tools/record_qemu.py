#!/usr/bin/env python3
"""Record which QEMU release checks the guide's QEMU command lines.

Writes ``nested_snippets/fixtures/realtools/qemu.json``: for each QEMU binary the
real-tool tests (``tests/realtools``) run to check the guide's lines
(``-cpu help``, ``-machine TYPE,help``), the release and Debian package its
``--version`` prints.  The proof lines under those lines name that release, and
``tests/realtools/test_qemu_record.py`` fails when the binaries there and the record
disagree.  Run it where the real-tool tests run (CI's image), then commit the file.

    python tools/record_qemu.py
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nested_snippets.bodies import QEMU_RECORD  # noqa: E402
from tests.realtools.tools import SEARCH_PATH, qemu_version  # noqa: E402

BINARIES = ("qemu-system-x86_64", "qemu-system-ppc64", "qemu-system-aarch64")


def main() -> int:
    found = {}
    for binary in BINARIES:
        path = shutil.which(binary, path=SEARCH_PATH)
        if path is None:
            print(f"record_qemu: {binary} is not installed; not recorded", file=sys.stderr)
            continue
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60,
                             check=True).stdout  # fmt: skip
        found[binary] = qemu_version(out)
        print(f"{binary}: QEMU {found[binary]['version']} ({found[binary]['package']})")
    body = {"comment": "written by tools/record_qemu.py from each binary's --version",
            "recorded_on": datetime.date.today().isoformat(), "binaries": found}  # fmt: skip
    QEMU_RECORD.parent.mkdir(parents=True, exist_ok=True)
    QEMU_RECORD.write_text(json.dumps(body, indent=2) + "\n")
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main())
