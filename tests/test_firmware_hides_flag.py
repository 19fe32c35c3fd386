"""Firmware switched VT-x/SVM off: which releases hide the flag and log a boot line.

Session 19 bound the boot-time check to the sources: ``probes.py`` facts
``firmware-vmx-off-hides-flag`` (feat_ctl.c: ``pr_err_once("VMX (%s TXT) disabled by
BIOS\\n", ...)`` followed by ``clear_cpu_cap(c, X86_FEATURE_VMX)``) and
``firmware-svm-off-hides-flag`` (amd.c: the VM_CR notice followed by
``clear_cpu_cap(c, X86_FEATURE_SVM)``), and the two boot wordings of ``messages.py``.
Expected releases authored from the trees the data names (git show / grep): no
feat_ctl.c in 4.19.0..5.5.0 (and no clear of vmx anywhere in arch/x86/kernel of 4.19.0
and 5.5.0), feat_ctl.c with the check in 5.6.4; amd.c without the VM_CR check in 6.6.0,
with it in 6.7.3 (and in every later tree, Debian's 7.3.4 included).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from nested_snippets import kernel
from nested_snippets.kernel import boundaries as b
from nested_snippets.kernel import messages, probes

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

import extract_kernel_messages as ekm  # noqa: E402

VMX = "source firmware-vmx-off-hides-flag present"
SVM = "source firmware-svm-off-hides-flag present"


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", (REPO / "source" / page).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("find", "condition", "side", "text"),
    [("since", VMX, "since", "5.6"),
     ("until", "source firmware-vmx-off-hides-flag absent", "until", "5.5"),
     ("since", SVM, "since", "6.7"),
     ("until", "source firmware-svm-off-hides-flag absent", "until", "6.6")],
)  # fmt: skip
def test_the_boundaries_are_the_releases_read_in_the_trees(find, condition, side, text):
    assert getattr(b, find)(condition).text(side) == text


@pytest.mark.parametrize(
    ("fact", "key", "path"),
    [("firmware-vmx-off-hides-flag", "feat_ctl_vmx_disabled", "arch/x86/kernel/cpu/feat_ctl.c"),
     ("firmware-svm-off-hides-flag", "amd_svm_disabled_boot", "arch/x86/kernel/cpu/amd.c")],
)  # fmt: skip
def test_every_release_records_whether_it_hides_the_flag_and_what_it_logs(fact, key, path):
    """Each release with data says whether the flag is cleared (the fact, with the
    line of the boot code) and which boot line is logged (the message variant bound to
    the same code); the two agree in every release."""
    assert messages.probed(key)
    for version in kernel.versions():
        found = kernel.load(version).messages
        hides = probes.holds(fact, found)
        logged = messages.in_sources(key, found)
        assert (logged.template != "") is hides, version
        if hides:
            assert found[probes.SOURCE_FACTS[fact].fragments[0]].startswith(path + ":"), version


def test_the_boot_wordings_are_the_ones_the_fake_host_logs():
    for key in ("feat_ctl_vmx_disabled", "amd_svm_disabled_boot"):
        for version in kernel.versions():
            shown = messages.in_sources(key, kernel.load(version).messages)
            assert shown is messages.variant(key, version), (key, version)


def test_the_tutorial_prints_both_boundaries_from_the_data():
    text = _text("tutorial/first-nested-guest.rst")
    assert "only in newer kernels" not in text
    assert f"VT-x off only from Linux :kernel-since:`{VMX}`" in text
    assert f"SVM off only from Linux :kernel-since:`{SVM}`" in text


@pytest.mark.parametrize(
    ("gone", "there"),
    [("Newer Intel kernels hide ``vmx`` too",
      f"Intel kernels from :kernel-since:`{VMX}` hide ``vmx`` too"),
     ("Older kernels keep the flag",
      "Linux :kernel-until:`source firmware-vmx-off-hides-flag absent` and older keep the flag"),
     ("and newer kernels clear ``svm`` at boot",
      f"and from :kernel-since:`{SVM}` the kernel clears ``svm`` at boot"),
     ("From :kernel-since:`message disabled_by_bios_amd 3` an AMD host",
      f"From :kernel-since:`{SVM}` an AMD host")],
)  # fmt: skip
def test_troubleshooting_names_the_releases_through_roles(gone, there):
    text = _text("troubleshooting.rst")
    assert gone not in text
    assert there in text


def test_the_extractor_scans_the_boot_code():
    assert {"arch/x86/kernel/cpu/feat_ctl.c", "arch/x86/kernel/cpu/amd.c"} <= set(ekm.EXTRA_FILES)


def test_a_second_partial_run_keeps_what_the_first_asked_and_refuses_another_tree():
    data = {"provenance": {"probes_partial": {"source": "a/b@1", "fragments": ["x", "y"]}}}
    assert ekm._asked_before(data, "a/b@1") == ["x", "y"]
    assert ekm._asked_before({"provenance": {}}, "a/b@1") == []
    with pytest.raises(ekm.ExtractError, match="a/b@1"):
        ekm._asked_before(data, "c/d@2")
