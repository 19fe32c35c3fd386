"""A proof line that says a real QEMU checked a command line names that QEMU's release.

The release comes from ``nested_snippets/fixtures/realtools/qemu.json``, which
``tools/record_qemu.py`` writes from ``BINARY --version`` of the binaries the
real-tool tests run; ``tests/realtools/test_qemu_record.py`` fails when the record
and those binaries disagree.  Expected values here are read from the record with
:mod:`json`, not from the code under test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from nested_snippets import proofs, registry

REPO = Path(__file__).resolve().parents[1]
RECORD = REPO / "nested_snippets" / "fixtures" / "realtools" / "qemu.json"
REG = registry.load()


def _recorded() -> dict[str, str]:
    """Binary -> its feature release (``7.2`` of ``7.2.22``)."""
    raw = json.loads(RECORD.read_text())["binaries"]
    return {b: re.match(r"\d+\.\d+", r["version"]).group(0) for b, r in raw.items()}


def _qemu_checked() -> list[tuple[str, object]]:
    return [(label, body) for label, body in REG.bodies()
            if proofs.names_cpu_model(body) or proofs.names_machine(body)]  # fmt: skip


def test_the_record_names_a_release_of_every_binary_the_proof_lines_name():
    recorded = _recorded()
    binaries = {proofs.qemu_binary_in(body.command) for _, body in _qemu_checked()}
    assert binaries and binaries <= set(recorded), (binaries, recorded)
    for binary, r in json.loads(RECORD.read_text())["binaries"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", r["version"]), (binary, r)


def test_each_validated_qemu_line_names_the_release_that_checked_it():
    recorded = _recorded()
    for label, body in _qemu_checked():
        binary = proofs.qemu_binary_in(body.command)
        text = body.proof("", False).text
        if proofs.names_cpu_model(body):
            assert f"CPU model checked with QEMU {recorded[binary]}'s {binary} -cpu help" in text, (
                label, text)  # fmt: skip
        if proofs.names_machine(body):
            assert f"checked with QEMU {recorded[binary]}'s {binary} -machine" in text, (
                label, text)  # fmt: skip
