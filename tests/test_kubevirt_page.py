"""The KubeVirt page (source/how-to/kubevirt.rst, gap 19k): KubeVirt on nodes that are VMs.

Pinned here: its sources (each read on 2026-12-05, KubeVirt's files at a fixed commit,
and the three reports of hangs and missing flags readers cite); the messages it quotes,
as the sources print them; the node checks, which are the existing snippets (run on
the fake host) and not copies; the cluster commands, each labelled not executed with
its source; and the two YAML parts, which are parsed here, so that the page can call
them syntax-checked.  Whitespace is normalised, so rewrapping a paragraph breaks nothing.
"""

from __future__ import annotations

import json
import re
import shlex

import pytest
import yaml  # PyYAML, installed with ansible-core (the [test] extra)

from nested_snippets import pages, registry
from nested_snippets.bodies import CommandLine, ForeignFile
from tests.fact_findings import REPO, page_text

PAGE = "how-to/kubevirt.rst"
READ = "2026-12-05"
REG = registry.load()
KV = "kubevirt/kubevirt/blob/d923fdb815cd2016ddaebdaaa51db04133576d72/"
GUIDE = "kubevirt/user-guide/blob/bf1f3564e2a41eb059df5ab126724bb78cf15200/docs/"
SITE = "kubevirt/kubevirt.github.io/blob/1a9fae231af78423a96f402fb5631cb54dee8f76/"

SOURCES = {
    # key: what its URL must contain
    "kv-software-emulation": KV + "docs/software-emulation.md",
    "kv-crd-useemulation": KV + "pkg/virt-operator/",
    "kv-device-plugin": KV + "pkg/virt-handler/device-manager/",
    "kv-resources": KV + "pkg/virt-controller/services/",
    "kv-configurator": KV + "pkg/virt-launcher/",
    "kv-heartbeat": KV + "pkg/virt-handler/heartbeat/",
    "kv-install": GUIDE + "cluster_admin/installation.md",
    "kv-labels": GUIDE + "cluster_admin/annotations",
    "kv-unresponsive": GUIDE + "cluster_admin/unresp",
    "kv-virtual-hardware": GUIDE + "compute/virtual_",
    "kv-quickstart-kind": SITE + "pages/quickstart_kind",
    "kv-lab2": SITE + "labs/kubernetes/lab2.md",
    "kv-1128": "github.com/kubevirt/kubevirt/issues/1128",
    "kv-6402": "github.com/kubevirt/kubevirt/issues/6402",
    "kv-7614": "github.com/kubevirt/kubevirt/issues/7614",
    "kv-10605": "github.com/kubevirt/kubevirt/issues/10605",
    "kv-9083": "github.com/kubevirt/kubevirt/issues/9083",
    "kv-9539": "github.com/kubevirt/kubevirt/issues/9539",
    "kv-10508": "github.com/kubevirt/kubevirt/issues/10508",
    "harvester-5243": "github.com/harvester/harvester/issues/5243",
}
"""Every source of the page; the reports readers cite (#9083, #9539, #10508) among them."""

MESSAGES = {
    # the message as the page quotes it: the source it comes from
    "0/1 nodes are available: 1 Insufficient devices.kubevirt.io/kvm.": "kv-6402",
    "device '/dev/kvm' is not present, the device plugin can't expose it.": "kv-device-plugin",
    "kvm not present and emulation is not allowed": "kv-configurator",
    "kvm not present. Using software emulation.": "kv-configurator",
    "Unable to open /dev/kvm: No such file or directory": "kv-10605",
    "Only emulated CPUs are available, performance will be significantly limited": "kv-10605",
    "watchdog: BUG: soft lockup - CPU#13 stuck for 22s! [systemd-udevd:248]": "kv-9539",
}
"""Each message verbatim, as read in the source named (kubevirt/kubevirt at
d923fdb815cd for the code's, the issue for a report's)."""

NODE_CHECKS = ("clouds.l1_check", "verify.l1_dev_kvm", "verify.l1_missing", "enable.check_nested")
"""The node-side checks the page shows: existing snippets that run on the fake host."""


def _shown() -> list[str]:
    where = f"source/{PAGE}"
    return [sid for sid, places in pages.usages().items() if any(p == where for p, _ in places)]


def _source_entries(text: str) -> dict[str, tuple[str, str]]:
    """``key: (url, read)`` of each ``.. source::`` entry of the page."""
    found = {}
    for m in re.finditer(r"\.\. source:: (\S+) :title: .*? :url: (\S+) :read: (\S+)", text):
        found[m.group(1)] = (m.group(2), m.group(3))
    return found


def test_the_page_is_in_the_how_to_index_with_a_sentence():
    index = page_text("how-to/index.rst")
    assert "- :doc:`kubevirt`: KubeVirt on Kubernetes nodes that are VMs" in index
    toctree = index[index.index(".. toctree::") :]
    assert " kubevirt " in toctree + " "


def test_one_pointer_from_the_clouds_page():
    clouds = (REPO / "source/how-to/clouds.rst").read_text(encoding="utf-8")
    lines = [line for line in clouds.splitlines() if ":ref:`kubevirt`" in line]
    pointer = "If the cloud VM is a Kubernetes node that runs KubeVirt, see also :ref:`kubevirt`."
    assert lines == [pointer]


def test_every_source_is_pinned_and_read_on_the_day():
    entries = _source_entries(page_text(PAGE))
    assert set(entries) == set(SOURCES), sorted(set(entries) ^ set(SOURCES))
    for key, (url, read) in entries.items():
        assert SOURCES[key] in url, (key, url)
        assert read == READ, (key, read)


def test_every_claim_names_a_source_of_the_page():
    text = page_text(PAGE)
    keys = set(re.findall(r":claim:`[^`]*<([a-z0-9-]+)>`", text))
    assert keys and keys <= set(SOURCES), sorted(keys - set(SOURCES))
    unused = set(SOURCES) - keys
    assert not unused, f"sources no claim rests on: {sorted(unused)}"


@pytest.mark.parametrize("message", sorted(MESSAGES))
def test_the_page_quotes_each_message_with_its_source(message):
    text = page_text(PAGE)
    assert message in text, message
    # the claim that carries it, or the paragraph around it, names its source
    at = text.index(message)
    assert f"<{MESSAGES[message]}>" in text[max(0, at - 400) : at + 400], message


def test_the_node_checks_are_the_existing_snippets_not_copies():
    shown = _shown()
    for sid in NODE_CHECKS:
        assert sid in shown, sid
        assert REG.get(sid).not_executed is None, f"{sid} should run on the fake host"
    own = [s for s in shown if s.startswith("kubevirt.")]
    node_commands = re.compile(r"/proc/cpuinfo|\bls\b[^|]*/dev/kvm|/sys/module/")
    for sid in own:
        for _, _, body in REG.get(sid).bodies():
            assert not node_commands.search(body.text), f"{sid} copies a node check"


def test_every_cluster_command_is_labelled_not_executed_with_its_source():
    own = [s for s in REG.snippets if s.startswith("kubevirt.")]
    assert set(own) <= set(_shown()), sorted(set(own) - set(_shown()))
    tools = set()
    for sid in own:
        snip = REG.get(sid)
        assert snip.not_executed is not None, sid
        assert snip.not_executed.read == READ, sid
        assert snip.not_executed.source.startswith("https://"), sid
        for _, _, body in snip.bodies():
            if isinstance(body, CommandLine):
                tools |= {line.split()[0] for line in body.command.splitlines()}
    assert tools == {"kubectl", "virtctl"}, tools


def _yaml(sid: str) -> dict:
    (_, _, body), = REG.get(sid).bodies()  # fmt: skip
    assert isinstance(body, ForeignFile) and body.language == "yaml", sid
    return yaml.safe_load(body.content)


def _at(data: dict, path: str):
    for part in path.split("."):
        data = data[part]
    return data


def test_the_emulation_switch_parses_at_the_path_kubevirt_documents():
    cr = _yaml("kubevirt.use_emulation_cr")
    assert _at(cr, "spec.configuration.developerConfiguration.useEmulation") is True


def test_the_patch_command_sets_the_same_switch_as_the_yaml():
    (_, _, body), = REG.get("kubevirt.use_emulation_patch").bodies()  # fmt: skip
    words = shlex.split(body.command)
    assert words[:6] == ["kubectl", "-n", "kubevirt", "patch", "kubevirt", "kubevirt"]
    assert "--type=merge" in words
    patch = json.loads(words[words.index("--patch") + 1])
    assert patch == _yaml("kubevirt.use_emulation_cr")


def test_the_vmi_part_parses_with_host_passthrough():
    vmi = _yaml("kubevirt.vmi_host_passthrough")
    assert vmi["apiVersion"] == "kubevirt.io/v1" and vmi["kind"] == "VirtualMachineInstance"
    assert _at(vmi, "spec.domain.cpu.model") == "host-passthrough"


def test_the_yaml_check_can_fail():
    """``cpu`` indented one level too little lands beside ``domain``: the path check
    catches it; a list item where a mapping continues is a YAML error."""
    (_, _, body), = REG.get("kubevirt.vmi_host_passthrough").bodies()  # fmt: skip
    moved = body.content.replace("    cpu:\n      model:", "  cpu:\n    model:", 1)
    assert moved != body.content
    bad = yaml.safe_load(moved)
    with pytest.raises((KeyError, TypeError)):
        assert _at(bad, "spec.domain.cpu.model") == "host-passthrough"
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(body.content.replace("  domain:", "domain:\n  - x", 1))


def test_the_page_says_what_was_run_and_what_was_not():
    text = page_text(PAGE)
    assert "no ``kubectl`` or ``virtctl`` command on this page was run here" in text
    assert "The guide did not measure KubeVirt under emulation." in text
    assert "(how that report was resolved was not read here)" in text


def test_the_cpu_model_facts_rest_on_the_user_guide():
    text = page_text(PAGE)
    for claim in (
        ":claim:`When neither the VM nor the cluster's default names a model, KubeVirt "
        "uses host-model <kv-virtual-hardware>`",
        ":claim:`passes the node's CPU through to the VM <kv-virtual-hardware>`",
        ":claim:`the VM's CPU had no svm flag and the VM had no /dev/kvm <kv-10508>`",
    ):
        assert claim in text, claim


def test_a_missing_dev_kvm_is_not_said_to_make_the_node_unschedulable():
    """Readers report nodes marked unschedulable; the sources read say otherwise: the
    label goes false for plugins not yet started or a stale heartbeat, and a missing
    device only makes the kvm plugin report it unhealthy."""
    text = page_text(PAGE)
    assert "A missing ``/dev/kvm`` alone does not do it" in text
    assert "<kv-heartbeat>" in text and "more than five minutes old <kv-unresponsive>" in text
