"""nested-kvm check on fake hosts: one test per kind of host the tool must be truthful on."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.cli.conftest import edit, write

X86 = [("intel", "vmx", "kvm_intel", "Y", "N"), ("amd", "svm", "kvm_amd", "1", "0")]


@pytest.mark.parametrize("arch,flag,module,on,off", X86)
@pytest.mark.parametrize("kernel", ["4.20", "6.6", "7.1"])
def test_x86_l0_ready(cli, make_host, arch, flag, module, on, off, kernel):
    r = cli("check", "--root", str(make_host(arch, kernel, nested=True)))
    assert r.rc == 0, r.out
    assert r.line("cpu-flag") == f"PASS  cpu-flag: {flag} present"
    assert r.line("kvm-module") == f"PASS  kvm-module: {module} loaded"
    assert r.line("nested") == f"PASS  nested: {module} nested={on}"
    assert "bare metal (L0)" in r.out
    assert "VERDICT  run nested guests as L0: yes" in r.out


@pytest.mark.parametrize("arch,flag,module,on,off", X86)
def test_nested_off_fails_with_fix_and_link(cli, make_host, arch, flag, module, on, off):
    r = cli("check", "--root", str(make_host(arch, nested=False)))
    assert r.rc == 1
    line = r.line("nested")
    assert line.startswith(f"FAIL  nested: {module} nested={off} — ")
    assert f"options {module} nested=1" in line
    assert line.endswith("how-to/enable-x86.html#enable-nested-x86)")
    assert "VERDICT  run nested guests as L0: no (because of: nested)" in r.out
    assert "VERDICT  run KVM guests as L1: yes" in r.out


def test_builtin_kvm(cli, make_host):
    r = cli("check", "--root", str(make_host("intel", kvm="builtin")))
    assert r.rc == 0
    assert r.line("kvm-module") == "PASS  kvm-module: kvm_intel built-in"


def test_builtin_detected_from_sysfs_without_proc_modules_entry(cli, make_host):
    root = make_host("amd")
    write(root, "/proc/modules", "")  # /sys/module/kvm_amd but not in /proc/modules
    r = cli("check", "--root", str(root))
    assert r.line("kvm-module") == "PASS  kvm-module: kvm_amd built-in"


def test_builtin_ignores_modprobe_d(cli, make_host):
    root = make_host("intel", kvm="builtin")
    write(root, "/etc/modprobe.d/kvm.conf", "options kvm_intel nested=1\n")
    r = cli("check", "--root", str(root))
    assert r.status("nested-config") == "WARN"
    assert "kvm-intel.nested=1" in r.line("nested-config")
    assert r.line("nested-config").endswith("how-to/builtin-kvm.html#builtin-kvm)")


def test_kvm_not_loaded(cli, make_host):
    r = cli("check", "--root", str(make_host("intel", kvm="unloaded")))
    assert r.rc == 1
    assert r.line("kvm-module").startswith("FAIL  kvm-module: kvm_intel not loaded — sudo modprobe")
    assert r.status("dev-kvm") == "FAIL"
    assert r.line("nested") == "SKIP  nested: kvm_intel not loaded: cannot read nested"


def test_persistent_setting_that_turns_nesting_off(cli, make_host):
    root = make_host("amd", nested=True)
    write(root, "/etc/modprobe.d/kvm_amd.conf", "options kvm_amd nested=0\n")
    r = cli("check", "--root", str(root))
    assert r.rc == 0  # on now
    line = r.line("nested-config")
    assert line.startswith("WARN  nested-config: nested=0 (/etc/modprobe.d/kvm_amd.conf:1)")
    assert line.endswith("how-to/enable-x86.html#enable-nested-persistent)")


def test_kernel_command_line_overrides_modprobe_d(cli, make_host):
    """kmod 30 adds the command line's options after modprobe.d's: kmod_config_new()
    calls kmod_config_parse_kcmdline() after its loop over the files
    (libkmod/libkmod-config.c), and the kernel's parse_args() applies the joined
    options left to right, so the command line's value is the one applied."""
    root = make_host("intel", nested=True)
    write(root, "/etc/modprobe.d/kvm.conf", "options kvm_intel nested=0\n")
    write(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz kvm_intel.nested=1 quiet\n")
    r = cli("check", "--root", str(root), "--no-probe")
    line = r.line("nested-config")
    assert line.startswith("PASS  nested-config: nested=1 (kernel command line); overrides 1 ")


def test_modprobe_d_does_not_override_the_kernel_command_line(cli, make_host):
    root = make_host("intel", nested=True)
    write(root, "/etc/modprobe.d/kvm.conf", "options kvm_intel nested=1\n")
    write(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz kvm_intel.nested=0 quiet\n")
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.line("nested-config").startswith(
        "WARN  nested-config: nested=0 (kernel command line); overrides 1 "
    )


def test_l1_without_vmx(cli, make_host):
    r = cli("check", "--root", str(make_host("intel", level="L1", cpu_flag=False)))
    assert r.rc == 1
    assert "guest (L1) — CPU flag 'hypervisor'" in r.out
    line = r.line("cpu-flag")
    assert line.startswith("FAIL  cpu-flag: no vmx flag in /proc/cpuinfo — L0 must expose VT-x")
    assert line.endswith("troubleshooting.html#troubleshooting-no-vmx)")
    assert "cannot load without the vmx flag" in r.line("kvm-module")
    assert "VERDICT  run KVM guests as L1: no (because of: cpu-flag, dev-kvm)" in r.out


def test_l1_with_vmx_is_ready_and_nested_is_not_required(cli, make_host):
    r = cli("check", "--root", str(make_host("intel", level="L1", nested=False)))
    assert r.rc == 0, r.out
    assert r.status("nested") == "SKIP"
    assert "RESULT   L1: ready (exit 0)" in r.out


def test_software_kvm_guest(cli, make_host):
    """kvm_pvm: /dev/kvm works without vmx/svm; not a hardware-nesting L1."""
    root = make_host("amd", level="L1", cpu_flag=False, kvm="unloaded")
    (root / "sys/module/kvm_pvm/parameters").mkdir(parents=True)
    (root / "dev/kvm").touch()
    write(root, "/proc/modules", "kvm_pvm 98304 0 - Live 0x0\nkvm 1146880 1 kvm_pvm, Live 0x0\n")
    r = cli("check", "--root", str(root))
    assert r.rc == 1
    assert r.line("dev-kvm").startswith("WARN  dev-kvm: /dev/kvm")  # a stand-in file
    assert r.line("software-kvm").startswith("WARN  software-kvm: kvm_pvm provides /dev/kvm")
    assert r.status("kvm-module") == "WARN"
    assert r.status("cpu-flag") == "FAIL"
    verdict = next(ln for ln in r.out.splitlines() if "as L1:" in ln)
    assert "works through kvm_pvm, for PVM guests only: others need vmx/svm" in verdict
    j = cli("check", "--root", str(root), "--json").json
    assert j["verdict"] == {"level": "L1", "l0_nested_ready": False, "l1_ready": False}


@pytest.mark.parametrize("proc_modules", [True, False])
def test_container_without_sys_module(cli, make_host, proc_modules):
    """A container sees the host's /proc/modules (or none) but no /sys/module."""
    root = make_host("intel")
    shutil.rmtree(root / "sys/module")
    if not proc_modules:
        (root / "proc/modules").unlink()
    r = cli("check", "--root", str(root))
    assert r.rc == 2, r.out
    if proc_modules:
        assert r.line("kvm-module") == "PASS  kvm-module: kvm_intel loaded"
    else:
        assert r.line("kvm-module").startswith("SKIP  kvm-module: no /sys/module: a container?")
    assert r.line("nested").startswith("SKIP  nested: no /sys/module: a container?")
    assert (
        r.err
        == "nested-kvm check: could not check: /sys/module: no such directory (a container?)\n"
    )


def test_container_in_l1_with_dev_kvm_is_usable(cli, make_host):
    root = make_host("intel", level="L1")
    shutil.rmtree(root / "sys/module")
    r = cli("check", "--root", str(root))
    assert r.rc == 0, r.out


def test_container_without_dev_kvm(cli, make_host):
    root = make_host("intel", level="L1")
    shutil.rmtree(root / "sys/module")
    (root / "dev/kvm").unlink()
    r = cli("check", "--root", str(root))
    assert r.rc == 1
    assert "--device /dev/kvm" in r.line("dev-kvm")


@pytest.mark.parametrize("sie", [True, False])
def test_s390x(cli, make_host, sie):
    r = cli("check", "--root", str(make_host("s390x", cpu_flag=sie, nested=True)))
    assert "host: s390x, IBM Z (s390x)" in r.out
    if sie:
        assert r.rc == 0, r.out
        assert r.line("cpu-flag") == "PASS  cpu-flag: sie present"
        assert r.line("nested") == "PASS  nested: kvm nested=1"
        assert r.line("hpage") == "PASS  hpage: kvm hpage=0"
    else:
        assert r.rc == 1
        assert r.line("cpu-flag").startswith("FAIL  cpu-flag: no sie flag")
        assert r.status("kvm-module") == "FAIL"


def test_s390x_guest_detected_from_sysinfo(cli, make_host):
    root = make_host("s390x")
    write(root, "/proc/sysinfo", "VM00 Name:            L1GUEST\nVM00 Control Program: KVM/Linux\n")
    r = cli("check", "--root", str(root), "--json")
    assert r.json["host"]["level"] == "L1"
    assert r.json["host"]["guest_evidence"] == ["/proc/sysinfo 'VM00 Control Program: KVM/Linux'"]


def test_power_l0(cli, make_host):
    r = cli("check", "--root", str(make_host("power")))
    assert r.rc == 0, r.out
    assert r.line("nested") == "PASS  nested: kvm_hv nested=Y"
    assert r.status("cpu-flag") == "PASS"


def test_power8_cannot_nest(cli, make_host):
    root = make_host("power")
    edit(root, "/proc/cpuinfo", "POWER9", "POWER8")
    r = cli("check", "--root", str(root))
    assert r.rc == 1
    assert "needs POWER9 or later" in r.line("cpu-flag")


def test_power_pseries_guest_without_kvm_hv(cli, make_host):
    root = make_host("power", kvm="unloaded")
    edit(root, "/proc/cpuinfo", "PowerNV", "pSeries")
    r = cli("check", "--root", str(root))
    assert r.rc == 1
    assert "guest (L1)" in r.out
    assert "cap-nested-hv=on" in r.line("kvm-module")


@pytest.mark.parametrize("cmdline,rc", [("", 1), ("kvm-arm.mode=nested", 0)])
def test_arm64(cli, make_host, cmdline, rc):
    r = cli("check", "--root", str(make_host("arm64", cmdline=cmdline)))
    assert r.rc == rc, r.out
    assert "host: aarch64, Arm64" in r.out
    assert r.status("cpu-flag") == "SKIP"
    if rc:
        assert r.line("nested").endswith("how-to/arm64.html#nested-arm64)")


def test_dmi_marks_a_guest(cli, make_host):
    root = make_host("intel")
    write(root, "/sys/class/dmi/id/sys_vendor", "QEMU\n")
    write(root, "/sys/class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)\n")
    r = cli("check", "--root", str(root))
    assert "guest (L1) — DMI sys_vendor 'QEMU'; DMI product_name 'Standard PC" in r.out


def test_level_override(cli, make_host):
    r = cli("check", "--root", str(make_host("intel", level="L1", nested=False)), "--level", "L0")
    assert r.rc == 1
    assert "as given by --level" in r.out
    assert r.status("nested") == "FAIL"


def test_dev_kvm_not_accessible(cli, make_host, monkeypatch):
    root = make_host("intel")
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    r = cli("check", "--root", str(root))
    assert r.rc == 0  # KVM works; this user is just not allowed in
    assert r.line("dev-kvm").startswith("WARN  dev-kvm: /dev/kvm -rw-rw----")
    assert "troubleshooting.html#troubleshooting-dev-kvm" in r.line("dev-kvm")


def test_tuning_params(cli, make_host):
    root = make_host("intel")
    write(root, "/sys/module/kvm_intel/parameters/ept", "N\n")
    (root / "sys/module/kvm_intel/parameters/enable_shadow_vmcs").unlink()
    r = cli("check", "--root", str(root))
    assert r.rc == 0
    assert r.line("ept").startswith("WARN  ept: kvm_intel ept=N — nested guests fall back")
    assert "enable_shadow_vmcs:" not in r.out  # absent in this kernel: not listed


def test_guide_url_from_environment(cli, make_host, monkeypatch):
    monkeypatch.setenv("NESTED_KVM_GUIDE_URL", "http://localhost:8000/guide")
    r = cli("check", "--root", str(make_host("amd", nested=False)))
    assert "(http://localhost:8000/guide/how-to/enable-x86.html#enable-nested-x86)" in r.line(
        "nested"
    )


def test_json_schema(cli, make_host):
    r = cli("check", "--root", str(make_host("amd", nested=False)), "--json")
    j = r.json
    assert set(j) == {"schema", "host", "checks", "verdict", "exit", "error"}
    assert j["schema"] == "nested-kvm-check/1"
    assert j["exit"] == r.rc == 1
    assert set(j["host"]) == {
        "machine",
        "arch",
        "vendor",
        "vendor_id",
        "model",
        "kernel",
        "level",
        "level_source",
        "guest_evidence",
        "l0",
    }
    assert j["host"]["kernel"] == "6.6.0-fake-amd64"
    for c in j["checks"]:
        assert set(c) == {"id", "status", "value", "fix", "url"}
        assert c["status"] in ("PASS", "WARN", "FAIL", "SKIP")
        assert (c["url"] is None) == (c["status"] == "PASS")
    nested = next(c for c in j["checks"] if c["id"] == "nested")
    assert nested["value"] == "kvm_amd nested=0"
    assert j["verdict"] == {"level": "L0", "l0_nested_ready": False, "l1_ready": True}


@pytest.mark.parametrize(("arch", "machine", "kernel_arch", "release"), [
    ("s390x", "s390x", "s390", "6.6.0-fake-s390x"),
    ("power", "ppc64le", "powerpc", "6.6.0-fake-powerpc64le"),
    ("arm64", "aarch64", "arm64", "6.6.0-fake-arm64"),
])  # fmt: skip
def test_the_release_of_each_architecture_is_read_whole(cli, make_host, arch, machine,
                                                        kernel_arch, release):  # fmt: skip
    """Audit 17: non-x86 fake roots now end their release in their own Debian flavour;
    the checker reads it whole and still judges the host by its machine."""
    r = cli("check", "--root", str(make_host(arch)), "--no-probe", "--json")
    host = r.json["host"]
    assert (host["kernel"], host["machine"], host["arch"]) == (release, machine, kernel_arch)
    text = cli("check", "--root", str(make_host(arch)), "--no-probe")
    assert text.out.splitlines()[0].endswith(f"kernel {release}"), text.out


def test_real_host_smoke(cli):
    """Runs on whatever machine runs the tests: read-only, any verdict, no traceback."""
    r = cli("check")
    assert r.rc in (0, 1, 2)
    assert "RESULT" in r.out


def test_every_guide_anchor_names_an_existing_page():
    from nested_snippets.cli import guide
    from tests.conftest import REPO

    for anchor, page in guide.ANCHORS.items():
        assert (REPO / "source" / f"{page}.rst").is_file(), (anchor, page)


def test_every_guide_anchor_is_used():
    """No stale entries: each anchor appears in the code that reports findings, or in an
    architecture's row (which the checks read)."""
    from nested_snippets.cli import guide
    from tests.conftest import REPO

    files = [*(REPO / "nested_snippets/cli").glob("*.py")]
    files += (REPO / "nested_snippets/arches").glob("*.py")
    code = "".join(p.read_text() for p in files if p.name != "guide.py")
    for anchor in guide.ANCHORS:
        prefix = anchor.rsplit("-", 1)[0] + "-{" if anchor.startswith("enable-nested-") else ""
        assert f'"{anchor}"' in code or prefix in code, anchor


def test_unknown_x86_vendor_without_extension(cli, make_host):
    root = make_host("intel", cpu_flag=False, kvm="unloaded")
    edit(root, "/proc/cpuinfo", "GenuineIntel", "GenuineTMx86")
    r = cli("check", "--root", str(root))
    assert r.rc == 1
    assert "host: x86_64, unknown vendor 'GenuineTMx86'" in r.out
    assert r.line("cpu-flag").startswith("FAIL  cpu-flag: no vmx or svm flag")


def test_arm64_guest_with_dev_kvm_is_a_ready_l1(cli, make_host):
    root = make_host("arm64")
    write(root, "/proc/device-tree/compatible", "linux,dummy-virt\0")
    r = cli("check", "--root", str(root), "--json")
    assert r.rc == 0
    assert r.json["host"]["guest_evidence"] == [
        "device tree 'linux,dummy-virt' (QEMU virt machine)"
    ]
    assert r.json["verdict"]["l1_ready"] is True


def test_cannot_check_json_names_the_reason(cli, make_host):
    root = make_host("intel")
    shutil.rmtree(root / "sys/module")
    j = cli("check", "--root", str(root), "--json").json
    assert j["exit"] == 2 and j["verdict"]["l0_nested_ready"] is None
    assert j["error"] == "could not check: /sys/module: no such directory (a container?)"


def _char_dev_kvm(monkeypatch, mode: str, owner: str) -> None:
    """/dev/kvm as the host shows it: a character device this user may not open."""
    from nested_snippets.cli import probes

    dev = probes.DevKvm(True, mode=mode, owner=owner, is_char=True, can_rw=False,
                        kind="character device")  # fmt: skip
    monkeypatch.setattr(probes, "dev_kvm", lambda fs: dev)


def test_dev_kvm_without_group_access_does_not_say_join_the_group(cli, make_host, monkeypatch):
    """crw------- root:root: the group may not open it, so joining it cannot help;
    the advice is udev's rule that did not apply, with the check (walk)."""
    _char_dev_kvm(monkeypatch, "crw-------", "root:root")
    line = cli("check", "--root", str(make_host("intel")), "--no-probe").line("dev-kvm")
    assert line.startswith("WARN  dev-kvm: /dev/kvm crw------- root:root;"), line
    assert "add yourself" not in line
    assert "cannot help" in line and "udev" in line
    assert "grep -rs 'KERNEL==\"kvm\"' /etc/udev/rules.d /usr/lib/udev/rules.d" in line
    assert "getent group kvm" in line


def test_dev_kvm_with_group_access_names_the_group(cli, make_host, monkeypatch):
    """crw-rw---- root:kvm: joining the group that owns it helps, and is named."""
    _char_dev_kvm(monkeypatch, "crw-rw----", "root:kvm")
    line = cli("check", "--root", str(make_host("intel")), "--no-probe").line("dev-kvm")
    assert "add yourself to group kvm and log in again" in line, line


@pytest.mark.parametrize("kvm", ["loaded", "builtin"])
@pytest.mark.parametrize("how", ["missing", "denied"])
def test_sys_module_without_proc_modules_says_present_not_loaded(cli, make_host, deny, kvm, how):
    """A built-in module with parameters has /sys/module/NAME too (kernel/params.c
    param_sysfs_builtin): without /proc/modules (nor modules.builtin) the check cannot
    tell loaded from built in, in text and in --json."""
    root = make_host("intel", kvm=kvm, nested=True)
    builtin = next((root / "lib/modules").glob("*/modules.builtin"), None)
    if builtin:
        builtin.unlink()
    if how == "missing":
        (root / "proc/modules").unlink()
    else:
        deny("/proc/modules")
    assert (root / "sys/module/kvm_intel").is_dir()
    r = cli("check", "--root", str(root))
    want = "PASS  kvm-module: kvm_intel present (loaded or built in; /proc/modules not read)"
    if how == "denied":  # and why it was not read (audit 15)
        want = want[:-1] + ": permission denied (run as a user who may read it))"
    assert r.line("kvm-module") == want
    assert r.status("nested") == "PASS"
    j = cli("check", "--root", str(root), "--json").json
    (row,) = [c for c in j["checks"] if c["id"] == "kvm-module"]
    assert row["status"] == "PASS"
    assert row["value"] == want[len("PASS  kvm-module: "):]
    assert "kvm_intel loaded" not in json.dumps(j) and "kvm_intel built-in" not in json.dumps(j)
