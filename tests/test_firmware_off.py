"""Firmware that switched VT-x/SVM off: which releases hide the flag at boot."""

from __future__ import annotations

from nested_snippets.fakehost import cpus, firmware
from nested_snippets.model import Given


def _flags(arch: str) -> list[str]:
    return cpus.flags(arch, "L0", True)


def test_intel_keeps_vmx_before_feat_ctl_and_drops_it_after():
    assert "vmx" in firmware.cpu_flags("intel", "5.3", _flags("intel"))
    after = firmware.cpu_flags("intel", "5.10", _flags("intel"))
    assert "vmx" not in after and "ept" not in after
    assert not [f for f in after if f.startswith("vmx:")], "no 'vmx flags' line either"
    assert "sse2" in after


def test_amd_drops_only_svm_from_6_7():
    assert "svm" in firmware.cpu_flags("amd", "6.6", _flags("amd"))
    after = firmware.cpu_flags("amd", "6.12", _flags("amd"))
    assert "svm" not in after and "npt" in after


def test_other_architectures_are_untouched():
    assert firmware.cpu_flags("s390x", "6.12", _flags("s390x")) == _flags("s390x")


def test_the_start_state_says_so():
    assert "virtualization off in the firmware" in Given(firmware_vt=False).describe()
