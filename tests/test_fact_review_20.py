"""Fact review 20 (2026-12-05): leftovers of fact review 19a.

The s390x and POWER citations named 7.1.3 trees while the kernel data runs through
7.3; they were re-read in the data's 7.3 source (Debian's ``linux-source-7.3``, 7.3.4,
the tarball whose SHA-256 the index records) and now name that release.  Where a
comment gives a file and line, the test takes both from the newest release's data, so
the next release with data makes it fail until the comment is re-read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nested_snippets
from nested_snippets import kernel
from tests.fact_findings import assert_fixed, page_text

S390 = "how-to/s390x.rst"
POWER = "how-to/power.rst"
TROUBLE = "troubleshooting.rst"
SNIPPETS = Path(nested_snippets.__file__).parent / "snippets"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    "s390x-source-713": (S390, "@ v7.1.3:204,209", "@ v7.2.6:210,215"),
    "power-source-713": (POWER, "@ v7.1.3:131", "(Debian's linux-source-7.3, read 2026-12-05)"),
    "trouble-nestedv2-713": (
        TROUBLE, "book3s_hv.c at 7.1.3, kvmhv_enable_nested()",
        ":url: arch/powerpc/kvm/book3s_hv.c@v7.3.4 :read: 2026-12-05"),
}  # fmt: skip


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding):
    assert_fixed(FINDINGS[finding])


def _newest(key: str, name: str) -> tuple[str, str, int]:
    """(release, file, line) of a parameter in the newest release with data."""
    version = kernel.versions()[-1]
    path, line = kernel.module(*key.split("/"), version).param(name).source.split(":")
    return kernel.resolve(version).release, path, int(line)


def test_the_s390x_comment_names_the_newest_release_file_and_lines():
    release, path, nested = _newest("s390/kvm", "nested")
    _, hpage_path, hpage = _newest("s390/kvm", "hpage")
    assert hpage_path == path
    assert f"{path} @ v{release}:{nested},{hpage}" in page_text(S390)
    doc = (SNIPPETS / "s390x.py").read_text(encoding="utf-8")
    assert f"``{path}`` @ v{release}, line {nested}/{hpage}" in doc


def test_the_power_comment_names_the_newest_release_and_line():
    release, path, line = _newest("powerpc/kvm_hv", "nested")
    assert f"{path} @ v4.20:127 .. @ v{release}:{line}" in page_text(POWER)
    doc = " ".join((SNIPPETS / "power.py").read_text(encoding="utf-8").split())
    assert f"@ v{release} line {line}" in doc
