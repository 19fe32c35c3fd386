"""The QEMU releases the proof lines name are those of the binaries that ran here.

``nested_snippets/fixtures/realtools/qemu.json`` (written by ``tools/record_qemu.py``)
names, per binary, the release whose ``-cpu help`` / ``-machine TYPE,help`` checked
the guide's command lines; the proof lines print its feature release (``7.2``).  Here
each binary the real-tool tests use is asked ``--version``: another feature release
fails until it is re-recorded (a stable update of the same one does not).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.realtools import tools

pytestmark = pytest.mark.realtools
RECORD = Path(__file__).resolve().parents[2] / "nested_snippets/fixtures/realtools/qemu.json"
BINARIES = sorted(json.loads(RECORD.read_text())["binaries"])


@pytest.mark.parametrize("binary", BINARIES)
def test_the_recorded_release_is_the_one_that_runs(binary):
    recorded = json.loads(RECORD.read_text())["binaries"][binary]
    out = subprocess.run([tools.require(binary), "--version"], capture_output=True, text=True,
                         timeout=60, check=True).stdout  # fmt: skip
    here = tools.qemu_version(out)["version"]
    assert here.split(".")[:2] == recorded["version"].split(".")[:2], (
        f"{binary} here is QEMU {here}, the proof lines name {recorded['version']}'s "
        "feature release: re-record with python tools/record_qemu.py"
    )
