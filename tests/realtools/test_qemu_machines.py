"""Every ``-machine TYPE,option=...`` in a QEMU command-line snippet is a machine type
and option names that the same real QEMU binary lists (``-machine TYPE,help``)."""

from __future__ import annotations

import pytest

from nested_snippets import proofs, registry
from tests.realtools import tools

pytestmark = pytest.mark.realtools

REG = registry.load()
COMMANDS = [pytest.param(body.command, id=label) for label, body in REG.bodies()
            if proofs.names_machine(body)]  # fmt: skip


def test_the_guide_names_machines_of_several_qemus():
    binaries = {proofs.qemu_binary_in(c.values[0]) for c in COMMANDS}
    assert {"qemu-system-ppc64", "qemu-system-aarch64"} <= binaries, binaries


@pytest.mark.parametrize("command", COMMANDS)
def test_machine_type_and_options_are_known_to_that_qemu(command):
    unknown = tools.unknown_machine_options(command)
    binary = proofs.qemu_binary_in(command)
    assert not unknown, f"not listed by {binary} -machine TYPE,help: {unknown}"


def test_a_bogus_option_and_type_are_caught():
    cmd = "qemu-system-ppc64 -accel kvm -machine pseries,cap-nested-hv=on,cap-nested-hw=on"
    assert tools.unknown_machine_options(cmd) == ["cap-nested-hw=on"]
    assert tools.unknown_machine_options("qemu-system-ppc64 -M pseriez") == ["pseriez?"]


def test_only_x86_lines_claim_a_cpu_model_check():
    """``-cpu host`` of a ppc64, aarch64 or s390x line is listed by no -cpu help here."""
    for label, body in REG.bodies():
        if proofs.names_cpu_model(body):
            assert proofs.qemu_binary_in(body.command) == "qemu-system-x86_64", label
