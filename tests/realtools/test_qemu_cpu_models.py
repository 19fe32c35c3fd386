"""Every ``-cpu MODEL`` in a command-line snippet is a model the real QEMU knows."""

from __future__ import annotations

import re

import pytest

from nested_snippets import proofs, registry
from nested_snippets.model import Xml
from tests.realtools import tools

pytestmark = pytest.mark.realtools

REG = registry.load()
COMMANDS = [pytest.param(body.command, id=label) for label, body in REG.bodies()
            if proofs.names_cpu_model(body)]  # fmt: skip
XML_MODELS = [
    pytest.param(m.group(1), id=label)
    for label, body in REG.bodies()
    if isinstance(body, Xml)
    for m in re.finditer(r"<model[^>]*>\s*([^<\s]+)\s*</model>", body.content)
]


def test_the_guide_names_cpu_models():
    assert len(COMMANDS) >= 3, "expected -cpu host and the named models in qemu.py"


@pytest.mark.parametrize("command", COMMANDS)
def test_cpu_model_is_listed_by_qemu(command):
    assert not tools.unknown_cpu_models(command), (
        f"not in `qemu-system-x86_64 -cpu help`: {tools.unknown_cpu_models(command)}"
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_cpu_properties_are_known_to_qemu(command):
    unknown = tools.unknown_cpu_properties(command)
    assert not unknown, f"not among the CPU type's properties in QEMU: {unknown}"


def test_a_bogus_property_is_caught():
    cmd = "qemu-system-x86_64 -cpu host,hv-relaxed,hv-evmcs,hv-evmcz,vmx=on -m 1G"
    assert tools.unknown_cpu_properties(cmd) == ["hv-evmcz"]


@pytest.mark.parametrize("model", XML_MODELS)
def test_libvirt_custom_model_is_a_qemu_model(model):
    assert model in tools.qemu_cpu_models(), f"{model} is not in `qemu-system-x86_64 -cpu help`"


def test_a_bogus_model_is_caught():
    cmd = "qemu-system-x86_64 -accel kvm -cpu Haswell-noTSX-IBRZ,vmx=on -m 1G"
    assert tools.unknown_cpu_models(cmd) == ["Haswell-noTSX-IBRZ"]
    assert tools.unknown_cpu_models("qemu-system-x86_64 -cpu EPYC,svm=on") == []


def test_model_parsing_follows_continuations():
    cmd = "qemu-system-x86_64 -m 1G \\\n    -cpu EPYC,svm=on -nographic"
    assert tools.cpu_models_in(cmd) == ["EPYC"]
