"""check on an L1 says what L0 is, from files a fake root provides."""

from __future__ import annotations

import os

import pytest

from tests.cli.conftest import write

DMI = "/sys/class/dmi/id"
AZURE_TAG = "7783-7084-3265-9085-8269-3286-77"


CASES = [
    (
        {f"{DMI}/sys_vendor": "Google\n", f"{DMI}/product_name": "Google Compute Engine\n"},
        "KVM (Google Compute Engine)",
        "clouds-gce",
    ),
    (
        {
            f"{DMI}/sys_vendor": "Microsoft Corporation\n",
            f"{DMI}/product_name": "Virtual Machine\n",
            f"{DMI}/chassis_asset_tag": AZURE_TAG + "\n",
        },
        "Microsoft Hyper-V (Microsoft Azure)",
        "clouds-azure",
    ),
    (
        {f"{DMI}/sys_vendor": "Amazon EC2\n", f"{DMI}/product_name": "m7i.large\n"},
        "KVM (Amazon EC2)",
        "clouds-aws",
    ),
    (
        {
            f"{DMI}/sys_vendor": "Microsoft Corporation\n",
            f"{DMI}/product_name": "Virtual Machine\n",
            "/sys/bus/vmbus/devices/vmbus_0/uevent": "",
        },
        "Microsoft Hyper-V",
        "clouds-hyperv",
    ),
    ({f"{DMI}/sys_vendor": "VMware, Inc.\n"}, "VMware", "clouds-vmware"),
    ({f"{DMI}/sys_vendor": "innotek GmbH\n"}, "VirtualBox", "clouds-virtualbox"),
    ({"/sys/hypervisor/type": "xen\n"}, "Xen", "clouds-xen"),
    (
        {"/var/log/dmesg": "[0.0] Hypervisor detected: KVM\n"},
        "KVM",
        "start-l1-qemu",
    ),
    (
        {"/sys/devices/system/clocksource/clocksource0/available_clocksource": "tsc kvm-clock\n"},
        "KVM",
        "start-l1-qemu",
    ),
    ({}, "an unknown hypervisor", "troubleshooting-no-vmx"),
]


@pytest.mark.parametrize("files,name,anchor", CASES, ids=[c[1] + "-" + c[2] for c in CASES])
def test_l0_and_its_advice(cli, guest_root, files, name, anchor):
    r = cli("check", "--root", str(guest_root(files)), "--no-probe")
    line = r.line("l0")
    assert line.startswith(f"WARN  l0: {name} (from "), line
    assert line.endswith(f".html#{anchor})"), line
    j = cli("check", "--root", str(guest_root(files)), "--json", "--no-probe").json
    assert j["host"]["l0"]["name"] == name


def test_azure_advice_names_the_cloud_not_hyperv(cli, guest_root):
    r = cli("check", "--root", str(guest_root(CASES[1][0])), "--no-probe")
    assert "a size that offers nested virtualization" in r.line("l0")


def test_hyperv_advice_is_the_cmdlet(cli, guest_root):
    r = cli("check", "--root", str(guest_root(CASES[3][0])), "--no-probe")
    assert "-ExposeVirtualizationExtensions $true" in r.line("l0")


def test_ec2_metal_is_not_a_guest_of_ec2(cli, make_host):
    root = make_host("intel")  # bare metal: no hypervisor flag
    write(root, f"{DMI}/sys_vendor", "Amazon EC2\n")
    write(root, f"{DMI}/product_name", "c5.metal\n")
    r = cli("check", "--root", str(root), "--no-probe")
    assert "bare metal (L0)" in r.out
    assert "  l0: " not in r.out


def test_l1_with_vmx_names_l0_without_advice(cli, make_host):
    root = make_host("intel", level="L1")
    write(
        root,
        "/var/log/kern.log",
        "Dec  2 10:00:00 host kernel: [    0.000000] Hypervisor detected: Microsoft Hyper-V\n",
    )
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.line("l0").startswith("PASS  l0: Microsoft Hyper-V (from /var/log/kern.log: ")
    assert "http" not in r.line("l0")


def test_paravirtual_kvm_is_named(cli, guest_root):
    root = guest_root({}, kvm="unloaded")
    (root / "sys/module/kvm_pvm/parameters").mkdir(parents=True)
    write(root, "/proc/modules", "kvm_pvm 1 0 - Live 0x0\nkvm 1 1 kvm_pvm, Live 0x0\n")
    r = cli("check", "--root", str(root), "--no-probe")
    assert "this guest's own KVM is kvm_pvm, a paravirtual KVM" in r.line("l0")


def test_unreadable_or_fifo_kernel_log_is_skipped_quietly(cli, guest_root, deny):
    root = guest_root({})
    (root / "var/log").mkdir(parents=True, exist_ok=True)
    os.mkfifo(root / "var/log/dmesg")  # would block a plain open() forever
    write(root, "/var/log/kern.log", "Hypervisor detected: VMware\n")
    deny("/var/log/kern.log")
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.line("l0").startswith("WARN  l0: an unknown hypervisor (from CPU flag 'hypervisor')")


def test_dmi_control_characters_are_escaped(cli, guest_root):
    root = guest_root({f"{DMI}/sys_vendor": "VMware\x1b[2J\nPASS  nested: forged\n"})
    r = cli("check", "--root", str(root), "--no-probe")
    assert "\x1b" not in r.out
    assert "PASS  nested: forged" not in r.out.splitlines()


def test_xen_guest_without_cpu_flag_is_an_l1(cli, make_host):
    root = make_host("intel")  # no hypervisor flag, no DMI: as a Xen PV guest
    write(root, "/sys/hypervisor/type", "xen\n")
    r = cli("check", "--root", str(root), "--no-probe")
    assert "guest (L1) — /sys/hypervisor/type 'xen'" in r.out
    assert r.line("l0").startswith("PASS  l0: Xen (from /sys/hypervisor/type 'xen')")


OTHER_L0 = [c for c in CASES if c[2] not in ("start-l1-qemu", "troubleshooting-no-vmx")]


@pytest.mark.parametrize("files,name,anchor", OTHER_L0, ids=[c[1] + "-" + c[2] for c in OTHER_L0])
def test_cpu_flag_fix_defers_to_l0_when_l0_is_not_a_kvm_host_you_run(
    cli, guest_root, files, name, anchor
):
    """Walk 15: under Xen, Hyper-V, VMware, VirtualBox or a cloud, "start this guest with
    -cpu host (QEMU)" is advice the reader cannot follow; the cpu-flag line names L0
    and links the same section as the l0 line."""
    r = cli("check", "--root", str(guest_root(files)), "--no-probe")
    line = r.line("cpu-flag")
    assert "-cpu host" not in line and "host-passthrough" not in line, line
    assert f"L0 ({name}) must expose VT-x: see the l0 line" in line, line
    assert line.endswith(f".html#{anchor})"), line
    j = cli("check", "--root", str(guest_root(files)), "--json", "--no-probe").json
    flag = next(c for c in j["checks"] if c["id"] == "cpu-flag")
    assert flag["url"].endswith(f"#{anchor}"), flag


@pytest.mark.parametrize("files", [c[0] for c in CASES if c[2] == "start-l1-qemu"] + [{}])
def test_cpu_flag_fix_under_kvm_or_unknown_l0_still_says_how_to_start_l1(cli, guest_root, files):
    line = cli("check", "--root", str(guest_root(files)), "--no-probe").line("cpu-flag")
    assert "start this guest with -cpu host (QEMU)" in line, line
    assert line.endswith("troubleshooting.html#troubleshooting-no-vmx)"), line


@pytest.mark.parametrize(
    "files,line",
    [
        (CASES[3][0], "-ExposeVirtualizationExtensions $true"),
        (CASES[4][0], 'vhv.enable = "TRUE"'),
        (CASES[5][0], "--nested-hw-virt=on"),
        (CASES[6][0], "nestedhvm = 1"),
    ],
    ids=["hyperv", "vmware", "virtualbox", "xen"],
)
def test_l0_advice_quotes_the_switch_as_the_cloud_page_shows_it(cli, guest_root, files, line):
    """Walk 15: VMware's advice said vhv.enable = TRUE; the .vmx line the page shows
    (snippet clouds.vmware_vhv) quotes the value."""
    assert line in cli("check", "--root", str(guest_root(files)), "--no-probe").line("l0")
