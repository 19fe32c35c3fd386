"""The tool server: unprivileged, one host per listener, nothing left behind."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import sandbox
from nested_snippets.runner.run import execute, fake_host


def _status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def test_the_server_runs_without_root_or_capabilities():
    server = sandbox.base().server.proc.pid
    status = _status(server)
    assert status["Uid"].split()[0] == str(sandbox.SANDBOX_UID)
    assert int(status["CapEff"], 16) == 0 and int(status["CapPrm"], 16) == 0
    assert sandbox.SANDBOX_UID != 0


@pytest.mark.parametrize(
    ("command", "output", "status"),
    [
        # stderr and stdout stay separate streams through the server
        ("sudo modprobe kvm_foo 2>/dev/null", [], 1),
        ("lsmod 2>/dev/null | head -1", ["Module                  Size  Used by"], 0),
        (
            "modprobe -v kvm_amd >/dev/null",
            ["fake modprobe: option -v is not modelled (see nested_snippets/fakehost/commands.py)"],
            2,
        ),
        ("modprobe -r kvm_amd", ["modprobe: ERROR: could not remove 'kvm_amd': "
                                 "Operation not permitted"], 1),  # fmt: skip
        ("sudo modprobe -r kvm_amd && lsmod | wc -l", ["1"], 0),
    ],
)
def test_streams_status_and_sudo_survive_the_socket(command, output, status):
    with fake_host(Scenario(arch="amd", kernel="6.6")) as host:
        got = execute(host, command)
        assert (got.output, got.status) == (output, status)


def test_a_call_that_never_ends_is_ended_with_its_sandbox():
    server = sandbox.base().server.proc.pid
    with fake_host(Scenario(arch="amd", kernel="6.6")) as host:
        got = execute(host, "exec 3<>/dev/tcp/127.0.0.1/4242; echo open")
        assert got.output == ["open"]
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(server)],
                              capture_output=True, text=True).stdout.split()  # fmt: skip
    assert children == []


def test_the_state_is_written_through_the_host_directory_only():
    with fake_host(Scenario(arch="intel", kernel="6.6")) as host:
        execute(host, "sudo modprobe -r kvm_intel")
        assert [m.name for m in host.state().loaded] == []
        assert sorted(os.listdir(host.home)) == ["root", "state.marshal"]


def test_the_trees_are_filled_when_attach_answers(monkeypatch):
    """The server fills a sandbox's trees at attach, in the process that makes its
    listener (no ``_fill`` call from inside: 2026-12-03, see ``runner/shared.py``):
    when ``attach`` answers, ``/sys/module`` already shows the loaded modules."""
    server = sandbox.base().server
    attach = server.attach
    seen: list[list[str]] = []

    def look_after(pid, home):
        attach(pid, home)
        seen.append(sorted(os.listdir(f"/proc/{pid}/root/sys/module")))

    monkeypatch.setattr(server, "attach", look_after)
    with fake_host(Scenario(arch="intel", kernel="6.6")) as host:
        assert execute(host, "ls /sys/module").output == ["irqbypass", "kvm", "kvm_intel"]
    assert seen == [["irqbypass", "kvm", "kvm_intel"]]


def test_a_first_process_that_cannot_set_its_limits_says_so():
    """PID 1 ends (status 99) before it says that it runs, so the runner never attaches;
    the reason is still the one line naming the step (not "did not start")."""
    too_many = sandbox.Limits(files=(1 << 31) - 1)  # over fs.nr_open: setrlimit fails
    scenario = Scenario(arch="intel", kernel="6.6")
    with fake_host(scenario) as host, pytest.raises(sandbox.SandboxUnavailable) as err:
        sandbox.run(host.home, ["true"], too_many)
    assert str(err.value) == "the sandbox's first process could not set its limits"
