"""The runner's sandbox: snippets reach only the fake root, never the real machine."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner.run import execute, fake_host
from nested_snippets.runner.sandbox import Refused, confine

ROOT = "/tmp/nkg-x/host/root"
TOOLS = {"cat", "tee", "rm", "grep", "modprobe", "ls", "touch", "sudo", "uname"}


def test_absolute_paths_are_rerooted():
    assert confine("cat /sys/module/kvm_intel/parameters/nested", ROOT, TOOLS) == (
        f"cat {ROOT}/sys/module/kvm_intel/parameters/nested"
    )


def test_quoted_paths_redirections_and_substitutions_are_rerooted():
    got = confine('grep -c vmx "/proc/cpuinfo" > /tmp/out; cat $(ls /etc)', ROOT, TOOLS)
    assert got == f'grep -c vmx "{ROOT}/proc/cpuinfo" > {ROOT}/tmp/out; cat $(ls {ROOT}/etc)'


def test_sudo_tee_is_rerooted():
    got = confine("echo options | sudo tee /etc/modprobe.d/kvm.conf", ROOT, TOOLS)
    assert got.endswith(f"sudo tee {ROOT}/etc/modprobe.d/kvm.conf")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("/usr/bin/cat /etc/passwd", "command named by a path"),
        ("sh -c 'rm -rf /'", "'sh' is not a command the fake host provides"),
        ("sudo sh -c 'echo 1 > /sys/x'", "'sh' is not a command"),
        ("cat ../../../../etc/shadow", "'..' in a path"),
        ("eval 'rm -rf /etc'", "'eval' is refused"),
        ("PATH=/usr/bin rm -rf /etc", "setting PATH"),
        ("tee --output=/etc/x", "path glued to an option"),
        ("source /etc/profile", "'source' is refused"),
        ("echo 'unterminated", "cannot parse"),
    ],
)
def test_escapes_are_refused_with_a_reason(text, reason):
    with pytest.raises(Refused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        confine(text, ROOT, TOOLS)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"


@pytest.mark.parametrize(
    "command",
    [
        "sudo rm -rf /etc/modprobe.d",
        "echo 1 | sudo tee /sys/module/kvm/parameters/halt_poll_ns",
        "cd /; touch escaped-file",
        "echo pwned > /etc/hostname",
    ],
)
def test_destructive_snippets_stay_inside_the_fake_root(command):
    real = [Path("/etc/hostname"), Path("/escaped-file"), Path("/etc/modprobe.d")]
    before = {p: (_digest(p), p.exists()) for p in real}
    with fake_host(Scenario(arch="intel", kernel="6.6")) as host:
        execute(host, command)
        assert host.root.is_dir()
    assert {p: (_digest(p), p.exists()) for p in real} == before


def _snapshot(path: Path) -> dict[str, str] | None:
    if not path.exists():
        return None
    return {str(p): _digest(p) for p in sorted(path.rglob("*"))}


def test_removing_modprobe_d_hits_only_the_fake_one():
    real = Path("/etc/modprobe.d")
    before = _snapshot(real)
    with fake_host(Scenario(arch="intel", kernel="6.6")) as host:
        (host.root / "etc/modprobe.d/keep.conf").write_text("options kvm_intel nested=1\n")
        out = execute(host, "sudo rm -rf /etc/modprobe.d")
        assert out.status == 0
        assert not (host.root / "etc/modprobe.d").exists()
    assert _snapshot(real) == before


def test_read_only_parameter_refuses_writes_even_for_root():
    with fake_host(Scenario(arch="intel", kernel="6.6")) as host:
        out = execute(host, "echo N | sudo tee /sys/module/kvm_intel/parameters/nested")
        assert out.status == 1
        # tee reports the failed open first, then still copies its input to stdout
        assert out.output == [
            "tee: /sys/module/kvm_intel/parameters/nested: Permission denied",
            "N",
        ]
        out = execute(host, "cat /sys/module/kvm_intel/parameters/nested")
        assert out.output == ["Y"]


def test_a_recycled_host_keeps_nothing_of_the_previous_one():
    with fake_host(Scenario(arch="intel", kernel="6.6")) as first:
        home = first.home
        execute(first, "echo 'options kvm_intel nested=0' | sudo tee /etc/modprobe.d/x.conf")
        execute(first, "sudo modprobe -r kvm_intel")
        execute(first, "sudo modprobe kvm_intel nested=0")
        execute(first, "mkdir -p /opt/left/over")
        execute(first, "touch /root/notes")
    with fake_host(Scenario(arch="intel", kernel="4.19")) as second:
        assert second.home == home, "the directory was not recycled: nothing is tested"
        assert execute(second, "ls /etc/modprobe.d /opt /root").output[:2] == [
            "ls: cannot access '/opt': No such file or directory",
            "/etc/modprobe.d:",
        ]
        assert execute(second, "ls /root").output == []
        assert execute(second, "cat /sys/module/kvm_intel/parameters/nested").output == ["N"]
        assert execute(second, "ls /lib/modules").output == ["4.19.0-fake-amd64"]
        # 6.6's kvm_intel has parameters 4.19's lacks (e.g. enable_ipiv): none may remain
        assert execute(second, "ls /sys/module/kvm_intel/parameters/enable_ipiv").status == 2
