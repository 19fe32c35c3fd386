"""nested-kvm report on a fake host, with the fake host's tools on PATH."""

from __future__ import annotations

import pytest

from tests.cli.conftest import write


@pytest.fixture
def host_env(fake_host, monkeypatch):
    def make(*args, **kw):
        host = fake_host(*args, **kw)
        monkeypatch.setenv("PATH", str(host.bin))
        monkeypatch.setenv("FAKEHOST", str(host.home))
        return host

    return make


def test_report_sections(cli, host_env, tmp_path):
    host = host_env("amd", nested=True)
    write(host.root, "/proc/version", "Linux version 6.6.0-fake-amd64 (fake) #1 SMP\n")
    write(
        host.root,
        "/proc/4242/cmdline",
        "/usr/bin/qemu-system-x86_64\0-enable-kvm\0-cpu\0host\0-spice\0password=hunter2\0",
    )
    write(host.root, "/proc/77/cmdline", "/bin/bash\0")
    write(
        host.root,
        "/var/log/libvirt/qemu/l1.log",
        "LC_ALL=C /usr/bin/qemu-system-x86_64 -cpu host\n",
    )
    out = tmp_path / "report.md"
    r = cli("report", "--root", str(host.root), "-o", str(out))
    assert (r.rc, r.out) == (0, "")
    text = out.read_text()
    for heading in (
        "# nested-kvm report",
        "## nested-kvm check",
        "## Kernel",
        "## CPU",
        "## QEMU and libvirt",
        "## KVM module parameters",
        "## Kernel log (KVM lines)",
        "## QEMU command lines",
        "## Skipped",
    ):
        assert f"\n{heading}\n" in "\n" + text, heading
    assert "PASS  nested: kvm_amd nested=1" in text
    assert "Linux version 6.6.0-fake-amd64" in text
    assert "`lscpu`:" in text and "AuthenticAMD" in text
    assert "| kvm_amd | nested | `1` |" in text
    assert (
        "[pid 4242] /usr/bin/qemu-system-x86_64 -enable-kvm -cpu host -spice password=<redacted>"
        in text
    )
    assert "hunter2" not in text and "/bin/bash" not in text
    assert "`/var/log/libvirt/qemu/l1.log`" in text
    assert "- `virsh --version`: not installed (not on PATH)" in text


def test_kernel_log_needs_privileges(cli, host_env):
    """The fake dmesg refuses without sudo, as with dmesg_restrict=1: said, not retried."""
    host = host_env("intel", kvm="unloaded")
    r = cli("report", "--root", str(host.root))
    assert r.rc == 0
    assert "- `journalctl -k -g kvm`: not installed (not on PATH)\n" in r.out
    assert (
        "- `dmesg`: exit status 1: dmesg: read kernel buffer failed: Operation not "
        "permitted (needs privileges; not retried with sudo)"
    ) in r.out


@pytest.fixture
def host_with_tool(host_env, tmp_path, monkeypatch):
    """An Intel host whose PATH starts with a shell-script stand-in for one command."""

    def make(name: str, body: str):
        host = host_env("intel")
        path = tmp_path / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
        monkeypatch.setenv("PATH", f"{tmp_path}:{host.bin}")
        return host

    return make


def test_kernel_log_from_dmesg(cli, host_with_tool):
    host = host_with_tool("dmesg", "echo '[    1.0] kvm_intel: loaded'; echo '[    1.1] other: x'")
    r = cli("report", "--root", str(host.root))
    assert "dmesg used instead" in r.out
    assert "[    1.0] kvm_intel: loaded" in r.out and "other: x" not in r.out


def test_failing_command_is_skipped_with_reason(cli, host_with_tool):
    host_with_tool("virsh", "echo 'virsh: Permission denied' >&2; exit 1")
    r = cli("report")
    assert (
        "- `virsh --version`: exit status 1: virsh: Permission denied "
        "(needs privileges; not retried with sudo)"
    ) in r.out


def test_hanging_command_times_out(cli, host_with_tool, monkeypatch):
    from nested_snippets.cli import report

    host = host_with_tool("virsh", "exec sleep 5")
    monkeypatch.setattr(report, "TIMEOUT", 0.2)
    r = cli("report", "--root", str(host.root))
    assert "- `virsh --version`: timed out after 0.2 s" in r.out


def test_report_writes_nothing_else(cli, host_env, tmp_path):
    host = host_env("intel")
    before = _snapshot(host.home)
    out = tmp_path / "r.md"
    cli("report", "--root", str(host.root), "-o", str(out))
    cli("check", "--root", str(host.root))
    assert _snapshot(host.home) == before


def _snapshot(top):
    return {
        str(p): (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
        for p in sorted(top.rglob("*"))
        if not p.is_symlink()
    }


def test_report_check_section_says_the_probe_was_skipped(cli, host_env):
    """Walk: ``check --no-probe`` prints a ``SKIP kvm-probe`` line; the report's check
    section, which never runs the probe, prints one too instead of saying nothing."""
    host = host_env("intel", nested=True)
    check = cli("check", "--root", str(host.root), "--no-probe")
    assert check.line("kvm-probe").startswith("SKIP  kvm-probe: not probed")
    r = cli("report", "--root", str(host.root))
    section = r.out[r.out.index("## nested-kvm check") : r.out.index("## Kernel")]
    lines = [ln for ln in section.splitlines() if "kvm-probe" in ln]
    assert len(lines) == 1, section
    assert lines[0].startswith("SKIP  kvm-probe: not probed (nested-kvm report never runs"), lines
    assert "cli.html#cli-kvm-probe" in lines[0]
