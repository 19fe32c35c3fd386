"""``nested-kvm --version`` says what data the checker carries (walk 18b, L8): it
printed only "nested-kvm 0.1.0", so a reader could not tell whether their kernel
release is covered or how old the data is.  The expected text comes from the data."""

from __future__ import annotations

import subprocess
import sys

from nested_snippets import __version__
from nested_snippets import kernel as kdata
from tests.conftest import REPO


def _version() -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nested_snippets.cli", "--version"],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip


def test_version_names_the_kernel_data_reach_and_its_newest_extraction():
    proc = _version()
    assert proc.returncode == 0 and proc.stderr == "", proc
    lines = proc.stdout.splitlines()
    assert lines[0] == f"nested-kvm {__version__}"
    have = kdata.versions()
    assert lines[1].startswith(f"kernel data: Linux {have[0]} to {have[-1]} ({len(have)} ")
    for missing in (v for v in kdata.releases() if v not in have):
        assert missing in lines[1]
    newest = max(str(kdata.load(v).provenance.get("extracted_on", "")) for v in have)
    assert lines[3] >= f"newest data extraction: {newest}"
    assert lines[2].startswith("QEMU data: none")


def test_the_cli_reference_describes_what_version_prints():
    text = (REPO / "source/reference/cli.rst").read_text()
    option = text[text.index(".. option:: --version") :]
    option = option[: option.index(".. option::", 10)]
    assert "kernel releases" in option and "QEMU data" in option
