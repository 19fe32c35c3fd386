"""Every modprobe.d snippet means the same to the real kmod and to the fake host."""

from __future__ import annotations

import pytest

from nested_snippets import proofs, registry
from tests.realtools import tools

pytestmark = pytest.mark.realtools

REG = registry.load()
CONFIGS = [pytest.param(body, id=label) for label, body in REG.bodies()
           if proofs.is_modprobe_conf(body)]  # fmt: skip


def test_the_guide_has_modprobe_files():
    assert len(CONFIGS) >= 2


@pytest.mark.parametrize("conf", CONFIGS)
def test_real_and_fake_kmod_agree(conf):
    name = conf.path.rsplit("/", 1)[1]
    assert not tools.check_modprobe_conf(conf.content, name)


def test_dash_and_underscore_are_one_module():
    text = "options kvm-intel nested=1\noptions kvm_amd nested=1 avic=1\n"
    assert tools.real_kmod_options({"kvm.conf": text}) == [
        "options kvm_intel nested=1", "options kvm_amd nested=1 avic=1"]
    assert not tools.check_modprobe_conf(text, "kvm.conf")


@pytest.mark.parametrize(
    "text, name",
    [
        ("option kvm_intel nested=1\n", "kvm_intel.conf"),  # "option": kmod ignores the line
        ("options kvm_intel nested=1\n", "kvm_intel.cfg"),  # not *.conf: never read
    ],
)
def test_a_typo_is_caught(text, name):
    assert tools.check_modprobe_conf(text, name)


def test_fake_showconfig_reads_the_directory_named_by_dash_c():
    """``modprobe -C DIR`` reads DIR inside the host; the fake modprobe must find it."""
    got = tools.fake_kmod_options({"kvm_amd.conf": "options kvm-amd nested=1\n"})
    assert got == ["options kvm_amd nested=1"]
