"""Which first letters a bool parameter takes depends on the release's kstrtobool().

lib/kstrtox.c kstrtobool(), read in the trees the kernel data names (session 20,
2026-12-05): ``case 't': case 'T':`` (true) and ``case 'f': case 'F':`` (false) are
absent at 5.18.12 (esuoyanyu/kernel-5.18) and present at 5.19.0 (yishangzhang/linux-5.19);
``case 'e': case 'E':`` and ``case 'd': case 'D':`` are absent at 6.15.0
(julianw1010/WASP-linux) and present at 6.16.1 (KT0511/linux-6.16.1), 6.18.2 and 7.0.0.
A refused value makes parse_args() log "`VALUE' invalid for parameter `NAME'" (kernel/
params.c) and the load fail with -EINVAL, which modprobe prints as "Invalid argument".
The expected texts below are authored from those sources, not from the fake host.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nested_snippets import kernel
from nested_snippets.fakehost.host import Scenario
from nested_snippets.kernel import boundaries as b
from nested_snippets.kernel import probes
from nested_snippets.parsers import values
from nested_snippets.runner.run import execute, fake_host

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

import extract_kernel_messages as ekm  # noqa: E402

REFUSED = ["modprobe: ERROR: could not insert 'kvm_intel': Invalid argument"]


@pytest.mark.parametrize(
    ("condition", "first"),
    [("source kstrtobool-t-f present", "5.19"), ("source kstrtobool-e-d present", "6.16")],
)
def test_the_data_gives_the_releases_read_in_the_trees(condition, first):
    assert b.since(condition).text("since") == first


def test_each_release_records_the_letters_of_its_kstrtobool():
    for version in kernel.versions():
        key = kernel.version_key(version)
        want = ("tTfF" if key >= (5, 19) else "") + ("eEdD" if key >= (6, 16) else "")
        assert kernel.bool_letters(version) == want, version
        found = kernel.load(version).messages
        for fact in (f for f in probes.BOOL_LETTERS if probes.holds(f, found)):
            for fragment in probes.SOURCE_FACTS[fact].fragments:
                assert found[fragment].startswith("lib/kstrtox.c:"), (version, fragment)


def test_a_release_newer_than_the_data_reads_as_the_newest_and_a_build_as_its_release():
    assert kernel.bool_letters("99.1") == kernel.bool_letters(kernel.versions()[-1])
    assert kernel.bool_letters("6.1.192") == kernel.bool_letters("6.1") == "tTfF"


def test_the_extractor_scans_kstrtobool():
    assert {"lib/kstrtox.c", "lib/string.c"} <= set(ekm.EXTRA_FILES)


@pytest.mark.parametrize(
    ("value", "extra", "expected"),
    [("t", "", None), ("True", "tTfF", True), ("f", "tTfF", False), ("e", "tTfF", None),
     ("enable", "tTfFeEdD", True), ("D", "tTfFeEdD", False), ("Y", "", True), ("off", "", False),
     ("x", "tTfFeEdD", None)],
)  # fmt: skip
def test_kstrtobool_reads_the_letters_it_is_given(value, extra, expected):
    if expected is None:
        with pytest.raises(values.InvalidValue):
            values.kstrtobool(value, extra)
    else:
        assert values.kstrtobool(value, extra) is expected


def _load(version: str, option: str) -> tuple[list[str], int, list[str], str]:
    """Reload kvm_intel with ``option`` on a fake host of ``version``: modprobe's output
    and status, nested's sysfs file, the newest log line ("" for none)."""
    with fake_host(Scenario(arch="intel", kernel=version)) as host:
        execute(host, "sudo modprobe -r kvm_intel")
        out = execute(host, f"sudo modprobe kvm_intel {option}")
        shown = execute(host, "cat /sys/module/kvm_intel/parameters/nested").output
        logged = execute(host, "sudo dmesg").output
    return out.output, out.status, shown, logged[-1].split("] ", 1)[1] if logged else ""


@pytest.mark.parametrize("version", ["5.4", "5.18"])
def test_before_5_19_the_fake_host_refuses_nested_t(version):
    output, status, _shown, log = _load(version, "nested=t")
    assert (output, status) == (REFUSED, 1)
    assert log == "kvm_intel: `t' invalid for parameter `nested'"


@pytest.mark.parametrize(("version", "option", "shown"),
                         [("5.19", "nested=t", "Y"), ("6.1", "nested=T", "Y"),
                          ("5.19", "nested=false", "N"), ("6.16", "nested=enable", "Y"),
                          ("7.3", "nested=d", "N")])  # fmt: skip
def test_from_the_releases_that_read_it_the_fake_host_takes_the_letter(version, option, shown):
    output, status, sysfs, _log = _load(version, option)
    assert (output, status, sysfs) == ([], 0, [shown])


@pytest.mark.parametrize("version", ["5.19", "6.15"])
def test_before_6_16_the_fake_host_refuses_nested_e(version):
    output, status, _shown, log = _load(version, "nested=e")
    assert (output, status) == (REFUSED, 1)
    assert log == "kvm_intel: `e' invalid for parameter `nested'"


def test_the_page_names_the_releases_through_the_data():
    text = " ".join((REPO / "source/how-to/enable-x86.rst").read_text(encoding="utf-8").split())
    assert "newer releases accept a few more letters" not in text
    assert "``t`` or ``T`` from Linux :kernel-since:`source kstrtobool-t-f present` on" in text
    assert "``e`` or ``E`` from :kernel-since:`source kstrtobool-e-d present` on" in text
