"""Facts about KVM module parameters, authored from kernel history (not recomputed).

The data under nested_snippets/kernel/data is produced by
tools/extract_kernel_params.py; these tests pin what the real sources say, so a
broken extractor or a hand-edited data file shows up here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import pytest

from nested_snippets import kernel

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = ["4.19", "4.20", "5.3", "5.10", "5.15", "6.1", "6.6", "6.12"]
ALL = kernel.versions()


def _extractor():
    path = ROOT / "tools" / "extract_kernel_params.py"
    spec = importlib.util.spec_from_file_location("extract_kernel_params", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("extract_kernel_params", mod)
    spec.loader.exec_module(mod)
    return mod


# ----------------------------------------------------------------------------- versions
def test_required_versions_present():
    assert set(REQUIRED) <= set(ALL)
    assert kernel.version_key(kernel.latest()) > kernel.version_key("6.12")


def test_versions_sorted_numerically():
    assert sorted(ALL, key=kernel.version_key) == ALL
    assert ALL.index("4.19") < ALL.index("4.20") < ALL.index("5.3") < ALL.index("5.10")
    assert kernel.version_key("6.6.58") == (6, 6, 58)


def test_resolve_version():
    assert kernel.resolve_version("6.6.58") == "6.6"
    assert kernel.resolve_version("6.6") == "6.6"
    assert kernel.resolve_version("6.7") == "6.7"
    assert kernel.resolve_version("5.4.0") == "5.4"
    with pytest.raises(kernel.UnknownVersion) as exc:
        kernel.resolve_version("3.10")
    assert "4.19" in str(exc.value)
    assert "4.19" in exc.value.known
    assert isinstance(exc.value, kernel.KernelDataError)


@pytest.mark.parametrize("version", ALL)
def test_release_matches_version_and_source_is_pinned(version):
    data = kernel.load(version)
    assert re.fullmatch(re.escape(version) + r"\.\d+", data.release), "a release, not an rc"
    prov = data.provenance
    if "commit" in prov:  # a public import: OWNER/NAME at a commit
        assert re.fullmatch(r"[0-9a-f]{40}", prov["commit"])
        assert prov["repo"].count("/") == 1
    else:  # a distribution's tarball (Debian's, or Ubuntu's orig tarball), by its SHA-256
        assert re.fullmatch(r"[0-9a-f]{64}", prov["sha256"])
        assert re.match(r"(debian|ubuntu):linux", prov["repo"])
    assert data.provenance["extracted_by"] == "tools/extract_kernel_params.py"
    assert data.provenance["files"], "provenance lists the files read"


@pytest.mark.parametrize("version", ALL)
def test_every_source_is_a_module_file(version):
    data = kernel.load(version)
    for mod in data.modules.values():
        assert mod.params, f"{mod.key} has parameters"
        for p in mod.params:
            path, _, line = p.source.rpartition(":")
            assert path in mod.files, f"{mod.key} {p.name}: {p.source}"
            assert int(line) > 0
            assert path in data.provenance["files"]


# ----------------------------------------------------------------------------- Intel
@pytest.mark.parametrize("version", ALL)
def test_intel_nested(version):
    p = kernel.module("x86", "kvm_intel", version).param("nested")
    assert p.type == "bool"
    assert p.perm == 0o444
    assert p.modinfo_type == "bool"
    # commit 1e58e5e59148 ("KVM: VMX: enable nested virtualization by default"), 4.20
    assert p.default == ("N" if version == "4.19" else "Y")


@pytest.mark.parametrize("version", ALL)
@pytest.mark.parametrize("name", ["enable_apicv", "ept", "enable_shadow_vmcs"])
def test_intel_core_params(version, name):
    p = kernel.module("x86", "kvm-intel", version).param(name)
    assert p.type == "bool"
    assert p.perm == 0o444
    assert not p.writable and p.visible
    assert p.default == "Y"


def test_intel_ept_depends_on_cpu():
    p = kernel.module("x86", "kvm_intel", "6.6").param("ept")
    assert p.variable == "enable_ept"
    assert "ept" in p.runtime_requires
    assert p.runtime


def test_unknown_parameter_suggests():
    mod = kernel.module("x86", "kvm_intel", "6.6")
    with pytest.raises(kernel.UnknownParameter) as exc:
        mod.param("enable_apivc")
    assert "enable_apicv" in exc.value.suggestions
    assert isinstance(exc.value, KeyError)
    assert isinstance(exc.value, kernel.KernelDataError)
    assert str(exc.value) == (
        "kvm_intel (Linux 6.6) has no parameter 'enable_apivc'; did you mean 'enable_apicv'?"
    )


def test_unknown_module_suggests():
    with pytest.raises(kernel.UnknownModule) as exc:
        kernel.module("x86", "kvm_intl", "6.6")
    assert "x86/kvm_intel" in exc.value.suggestions
    assert "\n" not in str(exc.value)


# ----------------------------------------------------------------------------- AMD
@pytest.mark.parametrize("version", ALL)
def test_amd_nested_is_int_one(version):
    p = kernel.module("x86", "kvm-amd", version).param("nested")
    assert p.type == "int"
    assert p.default == "1"
    assert p.perm == 0o444


def test_amd_npt_and_nrips_follow_cpu_flags():
    mod = kernel.module("x86", "kvm_amd", "6.6")
    assert mod.param("npt").variable == "npt_enabled"
    assert "npt" in mod.param("npt").runtime_requires
    assert "nrip_save" in mod.param("nrips").runtime_requires


def test_amd_pause_filter_count_max_is_ushrt_max():
    assert kernel.module("x86", "kvm_amd", "6.6").param("pause_filter_count_max").default == (
        "65535"
    )


# ----------------------------------------------------------------------------- kvm.ko
def test_kvm_halt_poll_ns_and_bint():
    mod = kernel.module("x86", "kvm", "6.6")
    assert mod.param("halt_poll_ns").default == "200000"
    assert mod.param("halt_poll_ns").source.startswith("virt/kvm/kvm_main.c:")
    pit = mod.param("pi_inject_timer")
    assert pit.type == "bint" and pit.default == "-1" and pit.writable
    assert kernel.module("s390", "kvm", "6.6").param("halt_poll_ns").default == "50000"


# ----------------------------------------------------------------------------- s390
@pytest.mark.parametrize("version", ALL)
def test_s390_nested_and_hpage(version):
    mod = kernel.module("s390", "kvm", version)
    nested = mod.param("nested")
    assert (nested.type, nested.default, nested.perm) == ("int", "0", 0o444)
    hpage = mod.param("hpage")  # added in 4.19 (huge page backing for guests)
    assert (hpage.type, hpage.default, hpage.perm) == ("int", "0", 0o444)


# ----------------------------------------------------------------------------- POWER
@pytest.mark.parametrize("version", ALL)
def test_power_nested(version):
    mod = kernel.module("powerpc", "kvm-hv", version)
    if version == "4.19":
        assert not mod.has("nested")
        with pytest.raises(kernel.UnknownParameter):
            mod.param("nested")
        return
    # nested HV (POWER9) arrived in 4.20 with the param on by default
    p = mod.param("nested")
    assert (p.type, p.default) == ("bool", "Y")
    assert p.perm == 0o644 and p.writable


# ----------------------------------------------------------------------------- arm64
@pytest.mark.parametrize("version", ALL)
def test_arm64_mode_nested(version):
    mode = kernel.load(version).boot_params.get("arm64/kvm-arm.mode")
    key = kernel.version_key(version)
    if key <= (5, 10):
        # kvm-arm.mode (first value: "protected") came after 5.10
        assert mode is None
        return
    assert "nvhe" in mode["values"] or "protected" in mode["values"]
    assert mode["source"].startswith("arch/arm64/kvm/arm.c:")
    assert ("nested" in mode["values"]) == (key >= (6, 3))


# ----------------------------------------------------------------------------- loader
def test_load_is_cached_and_accepts_release():
    assert kernel.load("6.6") is kernel.load("6.6.58")


def test_malformed_file(tmp_path, monkeypatch):
    monkeypatch.setattr(kernel, "DATA_DIR", tmp_path)
    (tmp_path / "linux-9.9.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(kernel.KernelDataError) as exc:
        kernel.load("9.9")
    msg = str(exc.value)
    assert msg.startswith("linux-9.9.json: invalid JSON") and "\n" not in msg

    good = json.loads((ROOT / "nested_snippets/kernel/data/linux-6.6.json").read_text())
    good["version"] = "9.8"
    good["provenance"]["commit"] = "abc"
    (tmp_path / "linux-9.8.json").write_text(json.dumps(good), encoding="utf-8")
    with pytest.raises(kernel.KernelDataError, match="linux-9.8.json: provenance has neither"):
        kernel.load("9.8")


# ----------------------------------------------------------------------------- extractor
FAKE_MAKEFILE = """\
# SPDX-License-Identifier: GPL-2.0
KVM := ../../../virt/kvm
kvm-y += $(KVM)/kvm_main.o
kvm-y += x86.o
kvm-intel-y += vmx/vmx.o
kvm-intel-$(CONFIG_X86_SGX_KVM) += vmx/sgx.o
kvm-amd-y += svm.o
obj-$(CONFIG_KVM) += kvm.o
"""

FAKE_VMX = """\
#include "vmx.h"
static bool __read_mostly enable_ept = 1;
module_param_named(ept, enable_ept, bool, S_IRUGO);

static bool __read_mostly nested = 1;
module_param(nested, bool, 0444);
MODULE_PARM_DESC(nested, "Enable " "nesting");

static unsigned int ple_gap = KVM_DEFAULT_PLE_GAP;
module_param(ple_gap, uint, 0444);

static int unset;
module_param(unset, int, 0);

static int shrink = -1;
module_param(shrink, uint, S_IRUGO | S_IWUSR);

int __read_mostly pi_timer = -1;
module_param(pi_timer, bint, 0644);

static char *label;
module_param(label, charp, 0444);

static int flush_param;
static const struct kernel_param_ops flush_ops = { .set = flush_set, .get = flush_get };
module_param_cb(l1d_flush, &flush_ops, NULL, 0644);

static __init int hardware_setup(void)
{
	if (!cpu_has_vmx_ept())
		enable_ept = 0;
	return 0;
}
"""

FAKE_VMX_H = "#define KVM_DEFAULT_PLE_GAP\t\t128\n"
FAKE_SGX = "static bool enable_sgx = true;\nmodule_param_named(sgx, enable_sgx, bool, 0444);\n"
FAKE_MAIN = """\
unsigned int halt_poll_ns = KVM_HALT_POLL_NS_DEFAULT;
module_param(halt_poll_ns, uint, 0644);
"""
FAKE_X86 = """\
#ifdef CONFIG_X86_64
static bool tdp = true;
module_param_named(tdp_mmu, tdp, bool, 0444);
#endif
"""
FAKE_SVM = "static int nested = true;\nmodule_param(nested, int, S_IRUGO);\n"


def _fake_tree(root: Path) -> None:
    files = {
        "Makefile": "VERSION = 6\nPATCHLEVEL = 6\nSUBLEVEL = 1\nEXTRAVERSION =\n",
        "arch/x86/kvm/Makefile": FAKE_MAKEFILE,
        "arch/x86/kvm/vmx/vmx.c": FAKE_VMX,
        "arch/x86/kvm/vmx/vmx.h": FAKE_VMX_H,
        "arch/x86/kvm/vmx/sgx.c": FAKE_SGX,
        "arch/x86/kvm/x86.c": FAKE_X86,
        "arch/x86/kvm/svm.c": FAKE_SVM,
        "arch/x86/include/asm/kvm_host.h": "#define KVM_HALT_POLL_NS_DEFAULT 200000\n",
        "arch/x86/include/asm/cpufeatures.h": (
            '#define X86_FEATURE_EPT\t\t( 8*32+ 3) /* "ept" Intel Extended Page Table */\n'
        ),
        "virt/kvm/kvm_main.c": FAKE_MAIN,
        "arch/arm64/kvm/arm.c": (
            "static int __init early_kvm_mode_cfg(char *arg)\n{\n"
            '\tif (strcmp(arg, "none") == 0)\n\t\treturn 0;\n'
            '\tif (strcmp(arg, "nested") == 0)\n\t\treturn 0;\n'
            "\treturn -EINVAL;\n}\n"
            'early_param("kvm-arm.mode", early_kvm_mode_cfg);\n'
        ),
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_extractor_round_trip(tmp_path):
    ex = _extractor()
    src = tmp_path / "linux"
    _fake_tree(src)
    out = tmp_path / "out"
    rc = ex.main(
        [
            "--source", str(src), "--version", "6.6", "--repo", "example/linux",
            "--commit", "0123456789abcdef0123456789abcdef01234567",
            "--out-dir", str(out), "--extracted-on", "2026-11-26",
        ]
    )  # fmt: skip
    assert rc == 0
    data = json.loads((out / "linux-6.6.json").read_text())
    assert data["release"] == "6.6.1"
    assert data["provenance"]["commit"] == "0123456789abcdef0123456789abcdef01234567"
    assert "arch/x86/kvm/vmx/vmx.c" in data["provenance"]["files"]
    # s390 and powerpc are not in the fake tree: reported, not invented
    assert any(m.startswith("s390/kvm") for m in data["missing"])
    assert any(m.startswith("powerpc/kvm_hv") for m in data["missing"])
    assert data["boot_params"]["arm64/kvm-arm.mode"]["values"] == ["none", "nested"]
    assert data["boot_params"]["arm64/kvm-arm.mode"]["source"] == "arch/arm64/kvm/arm.c:9"

    intel = {p["name"]: p for p in data["modules"]["x86/kvm_intel"]["params"]}
    kvm = {p["name"]: p for p in data["modules"]["x86/kvm"]["params"]}
    amd = {p["name"]: p for p in data["modules"]["x86/kvm_amd"]["params"]}
    assert data["modules"]["x86/kvm"]["files"] == ["virt/kvm/kvm_main.c", "arch/x86/kvm/x86.c"]

    ept = intel["ept"]
    assert (ept["type"], ept["perm"], ept["default"], ept["variable"]) == (
        "bool", "0444", "Y", "enable_ept",
    )  # fmt: skip
    assert ept["source"] == "arch/x86/kvm/vmx/vmx.c:3"
    assert ept["runtime_requires"] == ["ept"]
    assert "hardware_setup()" in ept["runtime"]

    assert intel["nested"]["desc"] == "Enable nesting"
    assert intel["nested"]["modinfo_type"] == "bool"
    assert intel["ple_gap"]["default"] == "128"  # #define in a header of the same dir
    assert (intel["unset"]["perm"], intel["unset"]["default"]) == ("0000", "0")
    assert intel["shrink"]["default"] == "4294967295"  # uint of -1
    assert intel["shrink"]["perm"] == "0644"
    assert (intel["pi_timer"]["type"], intel["pi_timer"]["default"]) == ("bint", "-1")
    assert intel["label"]["default"] == "(null)"
    cb = intel["l1d_flush"]
    assert (cb["type"], cb["default"], cb["modinfo_type"], cb["ops"]) == (
        "callback", None, None, "flush_ops",
    )  # fmt: skip
    assert intel["sgx"]["config"] == "CONFIG_X86_SGX_KVM"

    assert kvm["halt_poll_ns"]["default"] == "200000"
    assert kvm["tdp_mmu"]["config"] == "CONFIG_X86_64"
    assert (amd["nested"]["type"], amd["nested"]["default"]) == ("int", "1")


def test_extractor_render_rules():
    ex = _extractor()
    assert ex.render("bool", 0) == "N"
    assert ex.render("bool", -1) == "Y"
    assert ex.render("invbool", 1) == "N"
    assert ex.render("ushort", -1) == "65535"
    assert ex.render("byte", 300) == "44"
    assert ex.render("int", 0xFFFFFFFF) == "-1"
    assert ex.render("ulong", -1) == "18446744073709551615"
    assert ex.render("charp", None, is_null=True) == "(null)"
    assert ex.parse_perm("S_IRUGO | S_IWUSR") == 0o644
    assert ex.parse_perm("0") == 0


FAKE_AVIC = """\
#define AVIC_AUTO_MODE -1

static int avic_param_set(const char *val, const struct kernel_param *kp)
{
	if (val && sysfs_streq(val, "auto")) {
		*(int *)kp->arg = AVIC_AUTO_MODE;
		return 0;
	}

	return param_set_bint(val, kp);
}

static const struct kernel_param_ops avic_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = avic_param_set,
	.get = param_get_bool,
};

static int avic = AVIC_AUTO_MODE;
module_param_cb(avic, &avic_ops, &avic, 0444);

static const struct kernel_param_ops two_ops = { .set = avic_param_set, .get = param_get_bool };
static int plain = 1;
module_param_cb(plain, &two_ops, &plain, 0444);
"""


def test_a_keyword_its_setter_stores_is_the_default_not_the_bits(tmp_path):
    """svm/avic.c from 6.18: the initializer is what the setter stores for "auto", so
    the default is "auto" (read as a bool, AVIC_AUTO_MODE would print Y)."""
    ex = _extractor()
    src = tmp_path / "linux"
    _fake_tree(src)
    (src / "arch/x86/kvm/svm.c").write_text(FAKE_SVM + FAKE_AVIC, encoding="utf-8")
    out = tmp_path / "out"
    rc = ex.main(["--source", str(src), "--version", "6.6", "--repo", "example/linux",
                  "--commit", "0" * 40, "--out-dir", str(out)])  # fmt: skip
    assert rc == 0
    amd = {p["name"]: p for p in json.loads((out / "linux-6.6.json").read_text())
           ["modules"]["x86/kvm_amd"]["params"]}  # fmt: skip
    assert amd["avic"]["default"] == "auto"
    assert 'stores for "auto"' in amd["avic"]["runtime"]
    assert amd["plain"]["default"] == "Y"  # an initializer the setter never stores


def _refresher():
    path = ROOT / "tools" / "refresh_kernel_params.py"
    spec = importlib.util.spec_from_file_location("refresh_kernel_params", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_refresh_takes_only_default_and_runtime_from_the_same_file():
    rf = _refresher()
    old = {"name": "avic", "type": "callback", "default": "Y", "source": "a/avic.c:90",
           "runtime": "x; value may be changed at load time: f()"}  # fmt: skip
    new = {**old, "default": "auto",
           "runtime": "x; initializer A is what s() stores for \"auto\"; value may be changed "
                      "at load time: f()"}  # fmt: skip
    data = {"provenance": {"files": {"a/avic.c": "b1"}},
            "modules": {"x86/kvm_amd": {"params": [dict(old)]}}}  # fmt: skip
    ext = {"modules": {"x86/kvm_amd": {"params": [new]}}}
    done = rf.refresh(data, ext, ["x86/kvm_amd avic"], {"a/avic.c": "b1"}, "d.json")
    assert done == [{"param": "x86/kvm_amd avic", "file": "a/avic.c", "blob": "b1"}]
    assert data["modules"]["x86/kvm_amd"]["params"][0]["default"] == "auto"
    with pytest.raises(rf.RefreshError, match="not the blob the data records"):
        rf.refresh(data, ext, ["x86/kvm_amd avic"], {"a/avic.c": "b2"}, "d.json")
    moved = {**new, "source": "a/avic.c:91"}
    with pytest.raises(rf.RefreshError, match="differs in source"):
        rf.refresh(data, {"modules": {"x86/kvm_amd": {"params": [moved]}}},
                   ["x86/kvm_amd avic"], {"a/avic.c": "b1"}, "d.json")  # fmt: skip


def test_refresh_from_an_unpacked_tarball_records_its_sha256(tmp_path, capsys):
    """A Debian orig tarball has no commit: the refresh names it by its SHA-256 and
    refuses a tree that is neither a git directory nor named by one."""
    ex, rf = _extractor(), _refresher()
    src = tmp_path / "linux"
    _fake_tree(src)
    (src / "arch/x86/kvm/svm.c").write_text(FAKE_SVM + FAKE_AVIC, encoding="utf-8")
    out = tmp_path / "out"
    assert ex.main(["--source", str(src), "--version", "6.6", "--repo", "example/linux",
                    "--sha256", "a" * 64, "--out-dir", str(out)]) == 0  # fmt: skip
    path = out / "linux-6.6.json"
    data = json.loads(path.read_text())
    [avic] = [p for p in data["modules"]["x86/kvm_amd"]["params"] if p["name"] == "avic"]
    avic["default"] = None  # as the extractor wrote it before it read the setter's keyword
    avic["runtime"] = "; ".join(n for n in avic["runtime"].split("; ") if "stores for" not in n)
    path.write_text(json.dumps(data), encoding="utf-8")
    args = [str(path), "--source", str(src), "--label", "debian:linux_6.6.1.orig.tar.xz",
            "--param", "x86/kvm_amd avic", "--on", "2026-12-02"]  # fmt: skip
    assert rf.main(args) == 1
    assert "not a git directory: give --sha256" in capsys.readouterr().err
    assert json.loads(path.read_text()) == data  # refused: nothing written
    assert rf.main([*args, "--sha256", "b" * 64]) == 0
    done = json.loads(path.read_text())
    [avic] = [p for p in done["modules"]["x86/kvm_amd"]["params"] if p["name"] == "avic"]
    assert avic["default"] == "auto"
    [record] = done["provenance"]["refreshed"]
    assert (record["from"], record["commit"], record["sha256"]) == (
        "debian:linux_6.6.1.orig.tar.xz", None, "b" * 64)  # fmt: skip
    blob = data["provenance"]["files"]["arch/x86/kvm/svm.c"]
    assert record["params"] == [
        {"param": "x86/kvm_amd avic", "file": "arch/x86/kvm/svm.c", "blob": blob}
    ]


def test_listing_follows_the_directory(tmp_path, monkeypatch):
    """The data directory's listing is kept between calls, but a file added or removed
    shows at once (the cache is keyed on the directory's modification time)."""
    monkeypatch.setattr(kernel, "DATA_DIR", tmp_path)
    (tmp_path / "linux-6.1.json").write_text("{}", encoding="utf-8")
    assert kernel.versions() == ["6.1"]
    (tmp_path / "linux-6.6.json").write_text("{}", encoding="utf-8")
    assert kernel.versions() == ["6.1", "6.6"]
    assert kernel.resolve_version("6.7") == "6.6"
    (tmp_path / "linux-6.6.json").unlink()
    assert kernel.resolve_version("6.7") == "6.1"
    versions = kernel.versions()
    versions.append("9.9")  # a caller's copy: the kept listing is not changed
    assert kernel.versions() == ["6.1"]


def test_listing_of_a_directory_changed_within_one_clock_tick(tmp_path, monkeypatch):
    """Two changes within one tick of the file system's clock leave the directory's
    modification time the same; a listing made between them must not be kept."""
    monkeypatch.setattr(kernel, "DATA_DIR", tmp_path)
    (tmp_path / "linux-6.1.json").write_text("{}", encoding="utf-8")
    assert kernel.versions() == ["6.1"]
    stamp = tmp_path.stat().st_mtime_ns
    (tmp_path / "linux-6.6.json").write_text("{}", encoding="utf-8")
    os.utime(tmp_path, ns=(stamp, stamp))  # as if within the same tick
    assert kernel.versions() == ["6.1", "6.6"]


# ------------------------------------------------------------------- arm64's built-in kvm
FAKE_ARM64_MAKEFILE = """\
KVM=../../../virt/kvm
obj-$(CONFIG_KVM) += kvm.o
kvm-y += $(KVM)/kvm_main.o arm.o
"""
ARM64_HOST_H = "#define KVM_HALT_POLL_NS_DEFAULT 500000\n"


def _arm64_tree(root: Path) -> None:
    _fake_tree(root)
    (root / "arch/arm64/kvm/Makefile").write_text(FAKE_ARM64_MAKEFILE, encoding="utf-8")
    (root / "arch/arm64/include/asm").mkdir(parents=True)
    (root / "arch/arm64/include/asm/kvm_host.h").write_text(ARM64_HOST_H, encoding="utf-8")


def _halt_poll_ns(data: dict, key: str) -> str:
    return next(p["default"] for p in data["modules"][key]["params"]
                if p["name"] == "halt_poll_ns")  # fmt: skip


def test_extractor_reads_arm64_builtin_kvm_with_its_own_headers(tmp_path):
    """arm64's kvm.o links virt/kvm/kvm_main.c as x86's kvm.ko does, but its
    KVM_HALT_POLL_NS_DEFAULT comes from arch/arm64/include/asm/kvm_host.h."""
    ex = _extractor()
    _arm64_tree(tmp_path / "linux")
    data = ex.extract(ex.FsTree(str(tmp_path / "linux")), "6.6", "e/linux", None, "2026-12-05",
                      sha256="a" * 64)  # fmt: skip
    assert _halt_poll_ns(data, "arm64/kvm") == "500000"
    assert _halt_poll_ns(data, "x86/kvm") == "200000"
    assert data["modules"]["arm64/kvm"]["params"][0]["source"] == "virt/kvm/kvm_main.c:2"
    assert "arch/arm64/include/asm/kvm_host.h" in data["provenance"]["files"]


def test_refresh_adds_a_module_only_from_the_data_source(tmp_path, capsys):
    """``--module`` adds a module the data lacks from the tree the data came from (its
    tarball's SHA-256 here), records the files it read, and refuses another tree."""
    ex, rf = _extractor(), _refresher()
    src = tmp_path / "linux"
    _fake_tree(src)
    out = tmp_path / "out"
    assert ex.main(["--source", str(src), "--version", "6.6", "--repo", "example/linux",
                    "--sha256", "a" * 64, "--out-dir", str(out)]) == 0  # fmt: skip
    path = out / "linux-6.6.json"
    before = json.loads(path.read_text())
    assert "arm64/kvm" not in before["modules"]
    assert any(m.startswith("arm64/kvm:") for m in before["missing"])
    _arm64_tree(tmp_path / "other")
    (src / "arch/arm64/kvm/Makefile").write_text(FAKE_ARM64_MAKEFILE, encoding="utf-8")
    (src / "arch/arm64/include/asm").mkdir(parents=True)
    (src / "arch/arm64/include/asm/kvm_host.h").write_text(ARM64_HOST_H, encoding="utf-8")
    args = [str(path), "--source", str(src), "--label", "example/linux",
            "--module", "arm64/kvm", "--on", "2026-12-05"]  # fmt: skip
    assert rf.main([*args, "--sha256", "b" * 64]) == 1
    assert "not the data's source" in capsys.readouterr().err
    assert json.loads(path.read_text()) == before
    assert rf.main([*args, "--sha256", "a" * 64]) == 0
    done = json.loads(path.read_text())
    assert _halt_poll_ns(done, "arm64/kvm") == "500000"
    assert not any(m.startswith("arm64/kvm:") for m in done.get("missing", []))
    [record] = done["provenance"]["refreshed"]
    assert record["module"] == "arm64/kvm"
    # arm.c was read before, for kvm-arm.mode
    assert set(record["added"]) == {"arch/arm64/kvm/Makefile", "arch/arm64/include/asm/kvm_host.h"}
    assert {k: done["modules"][k] for k in before["modules"]} == before["modules"]
    assert rf.main([*args, "--sha256", "a" * 64]) == 1
    assert "already in the data" in capsys.readouterr().err


def test_refresh_adds_a_module_from_a_changed_copy_only_where_blobs_agree(tmp_path):
    """A tree whose kvm_main.c is not the data's blob is refused."""
    ex, rf = _extractor(), _refresher()
    src = tmp_path / "linux"
    _arm64_tree(src)
    tree = ex.FsTree(str(src))
    data = ex.extract(tree, "6.6", "e/linux", None, "2026-12-05", sha256="a" * 64)
    extracted = json.loads(json.dumps(data))
    del data["modules"]["arm64/kvm"]
    read = dict(tree.read_files, **{"virt/kvm/kvm_main.c": "0" * 40})
    with pytest.raises(rf.RefreshError, match="kvm_main.c is not the blob the data records"):
        rf.add_module(data, extracted, "arm64/kvm", read, "d.json")


def test_bracketing_trees_must_enclose_the_release_and_agree():
    rf = _refresher()
    entry = {"params": [{"name": "halt_poll_ns", "source": "virt/kvm/kvm_main.c:78"}]}

    def data():
        return {"release": "6.1.4", "modules": {},
                "provenance": {"files": {"virt/kvm/kvm_main.c": "m"}}}  # fmt: skip

    low = ("6.1.0-rc7", entry, {"virt/kvm/kvm_main.c": "m", "a.h": "1", "b.c": "2"})
    high = ("6.1.15", entry, {"virt/kvm/kvm_main.c": "m", "a.h": "1", "b.c": "3"})
    d = data()
    done = rf.add_bracketed(d, "arm64/kvm", low, high, "d.json")
    assert done == {"module": "arm64/kvm", "added": {"a.h": "1"}, "unpinned": ["b.c"]}
    assert d["provenance"]["files"] == {"a.h": "1", "virt/kvm/kvm_main.c": "m"}
    with pytest.raises(rf.RefreshError, match="do not enclose"):
        rf.add_bracketed(data(), "arm64/kvm", low, ("6.1.3", entry, high[2]), "d.json")
    other = {"params": [{"name": "halt_poll_ns", "source": "virt/kvm/kvm_main.c:79"}]}
    with pytest.raises(rf.RefreshError, match="differs between"):
        rf.add_bracketed(data(), "arm64/kvm", low, ("6.1.15", other, high[2]), "d.json")
    moved = ("6.1.15", entry, {**high[2], "virt/kvm/kvm_main.c": "n"})
    with pytest.raises(rf.RefreshError, match="is not one blob"):
        rf.add_bracketed(data(), "arm64/kvm", low, moved, "d.json")


@pytest.mark.parametrize("version", ALL)
def test_arm64_builtin_kvm_polls_500000_ns(version):
    """arch/arm64/include/asm/kvm_host.h defines KVM_HALT_POLL_NS_DEFAULT 500000 (read at
    4.19.0, 6.12 and 7.3; x86's is 200000), the initializer of kvm_main.c's halt_poll_ns."""
    p = kernel.module("arm64", "kvm", version).param("halt_poll_ns")
    assert (p.type, p.default, p.perm_octal) == ("uint", "500000", "0644")
