"""Fact review 20 (2026-12-05): leftovers of fact review 19a.

The s390x and POWER citations named 7.1.3 trees while the kernel data runs through
7.3; they were re-read in the data's 7.3 source (Debian's ``linux-source-7.3``, 7.3.4,
the tarball whose SHA-256 the index records) and now name that release.  Where a
comment gives a file and line, the test takes both from the newest release's data, so
the next release with data makes it fail until the comment is re-read.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import nested_snippets
from nested_snippets import kernel, registry
from nested_snippets.bodies import Transcript
from nested_snippets.model import Snippet
from tests.fact_findings import assert_fixed, page_text

S390 = "how-to/s390x.rst"
POWER = "how-to/power.rst"
TROUBLE = "troubleshooting.rst"
X86 = "how-to/enable-x86.rst"
VERIFY = "how-to/verify.rst"
ARM64 = "how-to/arm64.rst"
SNIPPETS = Path(nested_snippets.__file__).parent / "snippets"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    "s390x-source-713": (S390, "@ v7.1.3:204,209", "@ v7.2.6:210,215"),
    "power-source-713": (POWER, "@ v7.1.3:131", "(Debian's linux-source-7.3, read 2026-12-05)"),
    "trouble-nestedv2-713": (
        TROUBLE, "book3s_hv.c at 7.1.3, kvmhv_enable_nested()",
        ":url: arch/powerpc/kvm/book3s_hv.c@v7.3.4 :read: 2026-12-05"),
    # L (a): kstrtobool() also takes "on" for kvm_intel's bool; kvm_amd's int takes a
    # number only (lib/kstrtox.c, kernel/params.c @ 4.19.0 .. 7.3.4)
    "a-bool-on": (
        X86, 'Either spelling of "on" (``Y``, ``y``, ``1``) is accepted',
        "``y`` or ``1``, or the word ``on``, switches it on"),
    "a-amd-number": (X86, "", "with ``nested=Y`` or ``nested=on``, ``kvm_amd`` does not load"),
    "a-source": (X86, "", ".. source:: linux-kstrtobool"),
    # the cases of kstrtobool(), not its comment: 6.18.2's code takes e/E already
    "a-code-not-comment": (X86, "'YyTt1NnFf0' at 6.1.15 and 6.18.2",
                           "e/E from 6.16.1 on (not at 6.15.0; 6.18.2's comment still lists"),
    # L (b): the kernel's page ties APICv to Haswell; Intel names a server line, and
    # kvm_intel keeps enable_apicv only with the three VMX controls
    "b-haswell": (VERIFY, "as :claim:`Intel processors from the Haswell generation on do",
                  "Do not infer them from the processor's generation alone"),
    "b-intel": (VERIFY, "", ".. source:: intel-apicv-blog"),
    "b-kernel": (VERIFY, "", ".. source:: linux-vmx-apicv"),
    # L (d): kernel-parameters.txt says ARMv8.4 with FEAT_NV2 (not ARMv8.3); the 6.16
    # pull request quoted beside the requirements was not a source anyone read
    "d-armv83": (ARM64, "Requires at least ARMv8.3 hardware",
                 "Requires at least ARMv8.4 hardware (with FEAT_NV2).\""),
    "d-pull": (ARM64, "we finally switch on nested virtualisation support",
               "the source probe arm64-el2-cap"),
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


# L: lscpu's summary is a two-column libsmartcols table whose first column is as wide
# as its longest label (util-linux sys-utils/lscpu.c print_summary(); off a terminal the
# vulnerability rows read "Vulnerability %s:"), so on x86 a "Vulnerability ..." row sets
# it.  Measured 2026-12-05: util-linux 2.38.1 (Debian 12) on Linux 6.18.44, piped through
# grep: the value starts at column 41 ("Vulnerability Indirect target selection:", 40
# characters, and one space).
MEASURED_LSCPU = ("Hypervisor vendor:                       KVM",
                  "Virtualization type:                     full")  # fmt: skip
LSCPU_KEYS = re.compile(r"^(Virtualization|Hypervisor vendor|Virtualization type):( +)\S")


def _lscpu_lines() -> list[str]:
    """The lscpu summary lines of every snippet body of the registry."""
    found = []
    for snip in registry.load().snippets.values():
        if not isinstance(snip, Snippet):
            continue
        for _era, _key, body in snip.bodies():
            if isinstance(body, Transcript):
                found += [line for cmd in body.commands for line in cmd.output
                          if LSCPU_KEYS.match(line)]  # fmt: skip
    return found


def test_lscpu_lines_are_aligned_as_the_measured_util_linux_output():
    column = {len(line) - len(line.split()[-1]) for line in MEASURED_LSCPU}
    assert column == {41}
    lines = _lscpu_lines()
    assert len(lines) >= 8
    for line in lines:
        assert len(line) - len(line.split()[-1]) == 41, line
