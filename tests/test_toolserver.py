"""The tool server and the standalone launcher are the same tools."""

from __future__ import annotations

import pytest

from nested_snippets.fakehost.host import FakeHost, Scenario
from nested_snippets.runner.run import execute, fake_host

COMMANDS = [
    "lsmod",
    "modinfo -p kvm_amd",
    "sudo modprobe -r kvm_amd",
    "sudo modprobe kvm_amd nested=banana",
    "sudo modprobe kvm_amd bogus=1",
    "sudo dmesg",
    "cat /sys/module/kvm_amd/parameters/nested",
    "modprobe -v kvm_amd",
    "dmesg",
]


def _transcript(host) -> list[tuple[int, list[str]]]:
    return [(o.status, o.output) for o in (execute(host, c) for c in COMMANDS)]


def test_served_tools_print_what_standalone_tools_print(tmp_path):
    scenario = Scenario(arch="amd", kernel="6.6")
    standalone = FakeHost.create(tmp_path / "host", scenario)
    assert (standalone.bin / "modprobe").resolve().name == "_fake_tool"
    with fake_host(scenario) as served:
        assert (served.bin / "modprobe").resolve().name == "_fake_tool_client"
        assert _transcript(served) == _transcript(standalone)


@pytest.mark.parametrize(
    ("command", "output", "status"),
    [
        # stderr and stdout stay separate streams through the server
        ("sudo modprobe kvm_foo 2>/dev/null", [], 1),
        ("lsmod 2>/dev/null | head -1", ["Module                  Size  Used by"], 0),
        (
            "modprobe -v kvm_amd >/dev/null",
            ["fake modprobe: option -v is not modelled (see nested_snippets/fakehost/tools.py)"],
            2,
        ),
    ],
)
def test_streams_and_status_survive_the_socket(command, output, status):
    with fake_host(Scenario(arch="amd", kernel="6.6")) as host:
        got = execute(host, command)
        assert (got.output, got.status) == (output, status)
