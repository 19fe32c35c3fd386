"""The KVM probe: for real against this machine's /dev/kvm, and against a fake
ioctl layer for the answers this machine cannot give."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat

import pytest

from nested_snippets.cli import kvmprobe

KVM = "/dev/kvm"


def _usable_kvm() -> bool:
    try:
        st = os.stat(KVM)
    except OSError:
        return False
    return kvmprobe._is_kvm(st) and os.access(KVM, os.R_OK | os.W_OK)


def _fds() -> dict[str, str]:
    out = {}
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            out[fd] = os.readlink(f"/proc/self/fd/{fd}")
    return out


@pytest.mark.skipif(not _usable_kvm(), reason="no /dev/kvm this user may open")
def test_real_probe_creates_and_destroys_a_vm_and_leaves_nothing_open(cli):
    before = _fds()
    r = cli("check")
    after = _fds()
    assert r.line("kvm-api") == "PASS  kvm-api: KVM_GET_API_VERSION 12"
    assert r.line("kvm-create-vm").startswith("PASS  kvm-create-vm: KVM_CREATE_VM made a VM")
    assert not [t for t in after.values() if "kvm" in t], after
    assert set(after) <= set(before) | {"3"}  # nothing new stays open (3: pytest may own it)
    ids = [c["id"] for c in cli("check", "--json").json["checks"]]
    assert "kvm-create-vm" in ids


@pytest.mark.skipif(not _usable_kvm(), reason="no /dev/kvm this user may open")
def test_real_probe_answers_capabilities_as_numbers():
    answer = kvmprobe.probe(KVM, "intel")
    assert answer.api == 12 and answer.created, answer
    names = [cap.name for cap, _ in answer.caps]
    assert names == [
        "KVM_CAP_NESTED_STATE",
        "KVM_CAP_EXCEPTION_PAYLOAD",
        "KVM_CAP_HYPERV_ENLIGHTENED_VMCS",
    ]
    assert all(isinstance(v, int) and v >= 0 for _, v in answer.caps)


class FakeKvm:
    """A stand-in for /dev/kvm: answers by request number, records every fd."""

    def __init__(self, api=12, create_errno=0, caps=None, open_errno=0):
        self.api, self.create_errno, self.open_errno = api, create_errno, open_errno
        self.caps = caps if caps is not None else {157: 8192, 164: 1, 163: 1, 160: 1}
        self.open_fds: set[int] = set()
        self.requests: list[int] = []
        self.next_fd = 100

    def open(self, path, follow=True):
        if self.open_errno:
            raise PermissionError(self.open_errno, os.strerror(self.open_errno))
        self.next_fd += 1
        self.open_fds.add(self.next_fd)
        return self.next_fd

    def ioctl(self, fd, request, arg=0):
        assert fd in self.open_fds
        self.requests.append(request)
        if request == kvmprobe.KVM_GET_API_VERSION:
            return self.api
        if request == kvmprobe.KVM_CREATE_VM:
            if self.create_errno:
                raise OSError(self.create_errno, os.strerror(self.create_errno))
            self.next_fd += 1
            self.open_fds.add(self.next_fd)
            return self.next_fd
        if request == kvmprobe.KVM_CHECK_EXTENSION:
            return self.caps.get(arg, 0)
        raise OSError(errno.ENOTTY, "not a KVM ioctl")

    def close(self, fd):
        self.open_fds.remove(fd)


@pytest.fixture
def fake_kvm(monkeypatch):
    def make(**kw) -> FakeKvm:
        fake = FakeKvm(**kw)
        monkeypatch.setattr(kvmprobe, "_open", fake.open)
        monkeypatch.setattr(kvmprobe, "_ioctl", fake.ioctl)
        monkeypatch.setattr(kvmprobe, "_close", fake.close)
        return fake

    return make


def test_ioctl_numbers_are_those_of_kvm_h():
    # include/uapi/linux/kvm.h: KVMIO 0xAE; _IO(KVMIO, 0x00), _IO(KVMIO, 0x01), _IO(KVMIO, 0x03)
    assert (kvmprobe.KVM_GET_API_VERSION, kvmprobe.KVM_CREATE_VM) == (0xAE00, 0xAE01)
    assert kvmprobe.KVM_CHECK_EXTENSION == 0xAE03


def test_all_capabilities_present(cli, make_host, fake_kvm):
    fake = fake_kvm()
    r = cli("check", "--root", str(make_host("intel", nested=True)))
    assert r.rc == 0, r.out
    assert r.line("cap-nested-state") == "PASS  cap-nested-state: KVM_CAP_NESTED_STATE 8192"
    assert r.status("cap-exception-payload") == "PASS"
    assert r.status("cap-hyperv-evmcs") == "PASS"
    assert not fake.open_fds  # /dev/kvm and the VM fd were closed


def test_missing_nested_state_warns_with_live_migration_link(cli, make_host, fake_kvm):
    fake_kvm(caps={164: 1})
    r = cli("check", "--root", str(make_host("amd", nested=True)))
    assert r.rc == 0  # a warning: nesting works, its migration does not
    line = r.line("cap-nested-state")
    assert line.startswith("WARN  cap-nested-state: KVM_CAP_NESTED_STATE 0 — no KVM_GET/SET")
    assert line.endswith("how-to/live-migration.html#live-migration)")
    assert "cap-hyperv-evmcs" not in r.out  # Intel only


def test_create_vm_fails(cli, make_host, fake_kvm):
    fake = fake_kvm(create_errno=errno.EBUSY)
    r = cli("check", "--root", str(make_host("intel", nested=True)))
    assert r.rc == 1
    line = r.line("kvm-create-vm")
    assert line.startswith("FAIL  kvm-create-vm: KVM_CREATE_VM: device or resource busy (EBUSY)")
    assert line.endswith("troubleshooting.html#troubleshooting-create-vm)")
    assert "because of: kvm-probe" in r.out
    assert kvmprobe.KVM_CHECK_EXTENSION not in fake.requests
    assert not fake.open_fds


def test_wrong_api_version(cli, make_host, fake_kvm):
    fake_kvm(api=11)
    r = cli("check", "--root", str(make_host("intel", nested=True)), "--json")
    assert r.rc == 1
    api = next(c for c in r.json["checks"] if c["id"] == "kvm-api")
    assert api["status"] == "FAIL" and api["value"] == "API version 11, expected 12"


def test_cannot_open_is_a_skip_not_a_failure(cli, make_host, fake_kvm):
    fake_kvm(open_errno=errno.EACCES)
    r = cli("check", "--root", str(make_host("intel", nested=True)))
    assert r.rc == 0
    assert r.line("kvm-probe").startswith("SKIP  kvm-probe: cannot open ")


def test_power_asks_for_nested_hv(cli, make_host, fake_kvm):
    fake_kvm(caps={})
    r = cli("check", "--root", str(make_host("power", nested=True)))
    line = r.line("cap-ppc-nested-hv")
    assert line.startswith("WARN  cap-ppc-nested-hv: KVM_CAP_PPC_NESTED_HV 0")


def test_no_probe_opens_nothing(cli, make_host, fake_kvm):
    fake = fake_kvm()
    r = cli("check", "--root", str(make_host("intel", nested=True)), "--no-probe")
    assert fake.requests == [] and fake.next_fd == 100
    assert r.line("kvm-probe").startswith("SKIP  kvm-probe: not probed (--no-probe)")


@pytest.mark.parametrize("kind", ["regular", "fifo", "devnull", "symlink"])
def test_only_the_kvm_device_is_ever_opened(tmp_path, monkeypatch, kind):
    path = tmp_path / "kvm"
    if kind == "regular":
        path.write_text("")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "devnull":
        path = "/dev/null"
    else:
        path.symlink_to(KVM)  # below --root a link is refused even to the real device
    opened = []
    monkeypatch.setattr(os, "open", lambda *a, **k: opened.append(a) or -1)
    with pytest.raises(kvmprobe.NotKvm):
        kvmprobe.probe(str(path), "intel", follow=False)
    assert opened == []


def test_fake_root_dev_kvm_is_not_probed(cli, make_host):
    root = make_host("intel", nested=True)
    assert stat.S_ISREG(os.lstat(root / "dev/kvm").st_mode)
    r = cli("check", "--root", str(root))
    assert "is not the KVM device" in r.line("kvm-probe")


@pytest.mark.skipif(os.geteuid() != 0 or not _usable_kvm(), reason="needs root and /dev/kvm")
@pytest.mark.skipif(not os.access("/usr/bin/python3", os.X_OK), reason="no /usr/bin/python3")
def test_a_user_who_may_not_open_dev_kvm_gets_a_skip_not_a_failure():
    import pwd
    import subprocess

    from tests.conftest import REPO

    if os.stat(KVM).st_mode & 0o006:
        pytest.skip("/dev/kvm is open to everyone here")
    proc = subprocess.run(
        ["/usr/bin/python3", "-m", "nested_snippets.cli", "check", "--json"],
        capture_output=True, text=True, cwd=REPO, timeout=60,
        user=pwd.getpwnam("nobody").pw_uid, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert "Traceback" not in proc.stderr
    checks = {c["id"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["kvm-probe"]["status"] == "SKIP"
    assert checks["kvm-probe"]["value"].startswith("cannot open /dev/kvm: permission denied")
    assert "kvm-create-vm" not in checks


def test_no_probe_when_no_kvm_module_is_loaded(cli, make_host, fake_kvm):
    """/dev/kvm is a kmod static node: opening it on a host where no KVM module is
    loaded (a freshly booted s390x or POWER host) would make the kernel load one,
    so the read-only checker does not open it."""
    fake = fake_kvm()
    root = make_host("s390x", kvm="booted")
    assert not (root / "sys/module/kvm").exists()
    (root / "dev").mkdir(exist_ok=True)
    (root / "dev/kvm").write_text("")
    r = cli("check", "--root", str(root))
    assert fake.requests == []
    assert r.line("kvm-probe").startswith(
        "SKIP  kvm-probe: not probed: no KVM module is loaded, and opening /dev/kvm would load one"
    ), r.out


def test_no_probe_when_it_cannot_tell_whether_kvm_is_loaded(cli, make_host, fake_kvm):
    """Without /sys/module and /proc/modules (some containers) the checker cannot know that opening
    /dev/kvm would not load a module, so it does not open it, and says why."""
    import shutil

    fake = fake_kvm()
    root = make_host("intel", nested=True)
    shutil.rmtree(root / "sys/module")
    (root / "proc/modules").unlink()
    r = cli("check", "--root", str(root))
    assert fake.requests == []
    assert r.line("kvm-probe").startswith(
        "SKIP  kvm-probe: not probed: cannot tell whether a KVM module is loaded"
    ), r.out


# --- arm64: KVM_CAP_ARM_EL2 (audit 15) --------------------------------------------------


def test_arm_el2_number_is_that_of_kvm_h():
    # include/uapi/linux/kvm.h of Linux 6.16.1: #define KVM_CAP_ARM_EL2 240
    (cap,) = [c for c in kvmprobe.CAPS if c.name == "KVM_CAP_ARM_EL2"]
    assert (cap.id, cap.number, cap.anchor, cap.since) == (
        "cap-arm-el2",
        240,
        "nested-arm64",
        (6, 16),
    )


def test_arm64_asks_for_el2(cli, make_host, fake_kvm):
    fake = fake_kvm(caps={240: 1})
    r = cli("check", "--root", str(make_host("arm64", kernel="6.18", nested=True)))
    assert r.line("cap-arm-el2") == "PASS  cap-arm-el2: KVM_CAP_ARM_EL2 1"
    assert fake.requests.count(kvmprobe.KVM_CHECK_EXTENSION) == 1
    assert "cap-nested-state" not in r.out  # x86's are not asked
    assert not fake.open_fds


def test_arm64_without_el2_warns_what_it_costs(cli, make_host, fake_kvm):
    fake_kvm(caps={})
    r = cli("check", "--root", str(make_host("arm64", kernel="6.18", nested=True)))
    line = r.line("cap-arm-el2")
    assert line.startswith(
        "WARN  cap-arm-el2: KVM_CAP_ARM_EL2 0 — KVM_ARM_VCPU_HAS_EL2 cannot be asked for: "
        "no vCPU can start at EL2, so no guest can run a hypervisor of its own"
    ), line
    assert "kvm-arm.mode=nested" in line and "FEAT_NV2" in line
    assert line.endswith("how-to/arm64.html#nested-arm64)")


def test_arm64_kernel_before_el2_cap_skips_its_zero(cli, make_host, fake_kvm):
    """A 6.15 kernel knows no capability 240 and answers 0 whether or not it nests."""
    fake_kvm(caps={})
    r = cli("check", "--root", str(make_host("arm64", kernel="6.6", nested=True)))
    assert r.line("cap-arm-el2") == (
        "SKIP  cap-arm-el2: KVM_CAP_ARM_EL2 0: this kernel predates KVM_CAP_ARM_EL2 "
        "(Linux 6.16), which it answers 0 as any number it does not know"
    )


def test_intel_does_not_ask_for_arm_el2(cli, make_host, fake_kvm):
    fake_kvm()
    assert "cap-arm-el2" not in cli("check", "--root", str(make_host("intel", nested=True))).out
