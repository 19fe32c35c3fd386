"""A parameter under a hidden Kconfig symbol exists only where the architecture selects it.

``enable_virt_at_load`` (virt/kvm/kvm_main.c) is under ``#ifdef
CONFIG_KVM_GENERIC_HARDWARE_ENABLING``, a ``bool`` with no prompt and no default
(virt/kvm/Kconfig:94 in Debian's linux-source-7.3, 7.3.4).  In that tree
``select KVM_GENERIC_HARDWARE_ENABLING`` is in arch/x86/kvm/Kconfig:47 (``KVM_X86``) and
arch/arm64/kvm/Kconfig:23 (``KVM``); arch/s390/kvm/Kconfig's ``KVM`` (lines 19-45) has
none, so an s390 kernel never has the parameter.  At 4.19.0 (ZDawnG/linux-4.19
724fb8f2) arm64's ``config KVM`` selects ``KVM_ARM_HOST`` (arch/arm64/kvm/Kconfig:30), a
``bool`` with no prompt (line 50) that guards arm64's halt_poll_ns*.  The expectations
below were read there, not from the kernel data; the data's ``kconfig`` section
(``tools/refresh_kernel_params.py --kconfig``) is checked against them.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from nested_snippets import kernel
from nested_snippets.fakehost.host import Scenario
from nested_snippets.kernel import builds
from nested_snippets.runner.run import execute, fake_host

ROOT = Path(__file__).resolve().parent.parent
KGHE = "CONFIG_KVM_GENERIC_HARDWARE_ENABLING"
PARAM = "/sys/module/kvm/parameters/enable_virt_at_load"


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, mod)
    spec.loader.exec_module(mod)
    return mod


def _raw(version: str) -> dict:
    path = ROOT / "nested_snippets" / "kernel" / "data" / f"linux-{version}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _cat(arch: str, version: str) -> tuple[list[str], int]:
    with fake_host(Scenario(arch=arch, kernel=version)) as host:
        out = execute(host, f"cat {PARAM}")
        return out.output, out.status


# ------------------------------------------------------------------------ the fake host
def test_s390x_at_7_3_has_no_enable_virt_at_load():
    assert _cat("s390x", "7.3") == ([f"cat: {PARAM}: No such file or directory"], 1)


@pytest.mark.parametrize("arch", ["intel", "amd", "arm64"])
def test_x86_and_arm64_at_7_3_still_have_it(arch):
    assert _cat(arch, "7.3") == (["Y"], 0)


def test_x86_has_it_from_the_first_release_whose_data_declares_it():
    versions = kernel.versions()
    first = next(v for v in versions if kernel.module("x86", "kvm", v).has("enable_virt_at_load"))
    before = versions[versions.index(first) - 1]
    assert _cat("intel", first) == (["Y"], 0)
    assert _cat("intel", before)[1] == 1
    assert _cat("s390x", first)[1] == 1


def test_the_data_leaves_it_out_of_s390_kvm_in_every_release():
    """The raw data declares it for s390/kvm (kvm_main.c is linked into s390's kvm.ko);
    the module read from it does not have it, in any release."""
    declared = [v for v in kernel.versions()
                if any(p["name"] == "enable_virt_at_load"
                       for p in _raw(v)["modules"]["s390/kvm"]["params"])]  # fmt: skip
    assert "7.3" in declared
    assert not [v for v in declared if kernel.module("s390", "kvm", v).has("enable_virt_at_load")]
    assert all(kernel.module("arm64", "kvm", v).has("enable_virt_at_load") for v in declared)


def test_arm64_keeps_halt_poll_ns_under_kvm_arm_host():
    assert kernel.module("arm64", "kvm", "4.19").names() == [
        "halt_poll_ns", "halt_poll_ns_grow", "halt_poll_ns_shrink"]  # fmt: skip


# ------------------------------------------------------------------------ the data
def test_7_3_kconfig_section_matches_the_sources_read():
    record = _raw("7.3")["kconfig"][KGHE]
    assert record["kind"] == "select"
    assert record["defined"] == ["virt/kvm/Kconfig:94"]
    assert record["selected"] == {
        "arm64": [{"by": "KVM", "at": "arch/arm64/kvm/Kconfig:23", "if": None}],
        "powerpc": [],
        "s390": [],
        "x86": [{"by": "KVM_X86", "at": "arch/x86/kvm/Kconfig:47", "if": None}],
    }


def test_4_19_kconfig_section_matches_the_sources_read():
    record = _raw("4.19")["kconfig"]["CONFIG_KVM_ARM_HOST"]
    assert (record["kind"], record["defined"]) == ("select", ["arch/arm64/kvm/Kconfig:50"])
    assert record["selected"]["arm64"] == [
        {"by": "KVM", "at": "arch/arm64/kvm/Kconfig:30", "if": None}]  # fmt: skip


@pytest.mark.parametrize("version", kernel.versions())
def test_every_guard_symbol_has_a_kconfig_record_from_recorded_files(version):
    data = _raw(version)
    named = {s for m in data["modules"].values() for p in m["params"]
             for s in builds.symbols(p.get("config"))}  # fmt: skip
    assert set(data["kconfig"]) == named
    files = data["provenance"]["files"]
    for sym, rec in data["kconfig"].items():
        sites = [*rec["defined"], *(s["at"] for ss in rec.get("selected", {}).values()
                                    for s in ss)]  # fmt: skip
        for site in sites:
            path = site.rsplit(":", 1)[0]
            unpinned = [u for r in data["provenance"].get("refreshed", [])
                        for u in r.get("unpinned", [])]  # fmt: skip
            assert path in files or path in unpinned, (sym, site)
        if rec["kind"] == "select":
            assert set(rec["selected"]) == {"x86", "s390", "powerpc", "arm64"}


# ------------------------------------------------------------------------ the rules
KCONFIG = """\
config HIDDEN
\tbool

config WITH_DEFAULT
\tdef_bool y

config CHOICE
\tbool "A user's choice"
\tselect VIA if PM
\thelp
\t  This text says select HIDDEN, but it is help text.

menuconfig KVM
\ttristate
\tprompt "KVM"
\tselect OTHER
"""
VIRT = "config VIA\n\tbool\n\tselect HIDDEN\n"


def test_kconfig_parser_reads_prompts_defaults_and_selects_not_help():
    ex = _tool("extract_kernel_params")
    ents = ex.parse_kconfig(KCONFIG, "arch/x86/kvm/Kconfig")
    kinds = [(e.prompt, e.default) for s in ("HIDDEN", "WITH_DEFAULT", "CHOICE", "KVM")
             for e in ents[s]]  # fmt: skip
    assert kinds == [(False, False), (False, True), (True, False), (True, False)]
    assert ents["CHOICE"][0].selects == [("VIA", "PM", "arch/x86/kvm/Kconfig:9")]
    assert ents["HIDDEN"][0].at == "arch/x86/kvm/Kconfig:1"


def test_selects_are_followed_through_the_architecture_s_own_symbols():
    ex = _tool("extract_kernel_params")
    defs = {"arch/x86/kvm/Kconfig": ex.parse_kconfig(KCONFIG, "arch/x86/kvm/Kconfig"),
            "virt/kvm/Kconfig": ex.parse_kconfig(VIRT, "virt/kvm/Kconfig")}  # fmt: skip
    assert ex._selects_of("x86", defs, "HIDDEN") == [
        {"by": "VIA", "at": "virt/kvm/Kconfig:3", "if": None, "via": ["CHOICE"]}]  # fmt: skip
    assert ex._selects_of("s390", defs, "HIDDEN") == []


def test_a_guard_is_possible_unless_a_fixed_symbol_rules_it_out():
    assert builds.possible(f"{KGHE}", {KGHE: True})
    assert not builds.possible(f"{KGHE}", {KGHE: False})
    assert not builds.possible(f"{KGHE} && CONFIG_X", {KGHE: False})
    assert builds.possible(f"{KGHE} || CONFIG_X", {KGHE: False})
    assert builds.possible(f"!{KGHE}", {KGHE: False})
    assert builds.possible("CONFIG_HYPERV", {KGHE: False})
    assert builds.possible(None, {KGHE: False})


def test_refresh_adds_kconfig_once_and_only_where_blobs_agree():
    rf = _tool("refresh_kernel_params")
    section = {KGHE: {"defined": ["virt/kvm/Kconfig:94"], "kind": "select", "selected": {}}}

    def data():
        return {"release": "6.1.4", "modules": {},
                "provenance": {"files": {"virt/kvm/Kconfig": "k"}}}  # fmt: skip

    d = data()
    done = rf.add_kconfig(d, section, {"virt/kvm/Kconfig": "k", "arch/s390/Kconfig": "s"}, "d")
    assert done == {"kconfig": [KGHE], "added": {"arch/s390/Kconfig": "s"}}
    with pytest.raises(rf.RefreshError, match="already has"):
        rf.add_kconfig(d, section, {}, "d")
    with pytest.raises(rf.RefreshError, match="not the blob"):
        rf.add_kconfig(data(), section, {"virt/kvm/Kconfig": "x"}, "d")
    low = ("6.1.0-rc7", section, {"virt/kvm/Kconfig": "k", "arch/x86/Kconfig": "1"})
    high = ("6.1.15", section, {"virt/kvm/Kconfig": "k", "arch/x86/Kconfig": "2"})
    done = rf.add_kconfig_bracketed(data(), low, high, "d")
    assert (done["added"], done["unpinned"]) == ({}, ["arch/x86/Kconfig"])
    with pytest.raises(rf.RefreshError, match="differs between"):
        rf.add_kconfig_bracketed(data(), low, ("6.1.15", {}, high[2]), "d")
    with pytest.raises(rf.RefreshError, match="do not enclose"):
        rf.add_kconfig_bracketed(data(), low, ("6.1.3", section, high[2]), "d")
