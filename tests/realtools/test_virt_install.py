"""The guide's virt-install line runs through the real virt-install (test driver).

``virt-install --connect test:///default --dry-run --print-xml`` parses every option,
builds the domain (and the cloud-init seed ISO) and prints the XML without creating
anything; the XML is then validated with ``virt-xml-validate``.  Only the connection
and the two local files (the cloud image and the public key) are replaced.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from nested_snippets import registry
from tests.realtools import tools

pytestmark = pytest.mark.realtools

REG = registry.load()
SNIPPET = REG.get("distributions.virt_install_l1")
COMMAND = SNIPPET.variants[""].command


def _words(command: str, image: Path, key: Path) -> list[str]:
    words = shlex.split(command.replace("\\\n", " "))
    assert words[0] == "virt-install", words[0]
    out = []
    for word in words[1:]:
        if word == "qemu:///system":
            word = "test:///default"
        word = word.replace("/var/lib/libvirt/images/jammy-server-cloudimg-amd64.img", str(image))
        word = word.replace("$HOME/.ssh/id_ed25519.pub", str(key))
        out.append(word)
    return out


def _dry_run(tmp_path: Path, extra: list[str] = ()) -> subprocess.CompletedProcess:
    tool = tools.require("virt-install")
    image = tmp_path / "cloud.img"
    image.write_bytes(b"\0" * 1024 * 1024)
    key = tmp_path / "id.pub"
    key.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5lc3RlZC1rdm0tZ3VpZGUtdGVzdA test\n")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    args = [tool, *_words(COMMAND, image, key), "--dry-run", "--print-xml", *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, env=env,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def _first_domain(xml_text: str) -> str:
    end = xml_text.index("</domain>") + len("</domain>")
    return xml_text[:end]


def test_the_snippet_names_the_system_connection():
    assert "--connect qemu:///system" in COMMAND


def test_virt_install_accepts_the_line_and_the_xml_validates(tmp_path):
    proc = _dry_run(tmp_path)
    assert proc.returncode == 0, proc.stderr
    domain = _first_domain(proc.stdout)
    assert '<cpu mode="host-passthrough"/>' in domain
    assert '<source network="default"/>' in domain
    assert "ds=nocloud" in domain, "no cloud-init NoCloud seed in the domain"
    assert "cloudinit.iso" in domain
    ok, output = tools.validate_domain(domain)
    assert ok, f"virt-xml-validate rejects virt-install's XML:\n{output}"


def test_a_bad_option_is_refused(tmp_path):
    """The check can fail: virt-install rejects an unknown --cloud-init option."""
    proc = _dry_run(tmp_path, ["--cloud-init", "no-such-option=on"])
    assert proc.returncode != 0
    assert "no-such-option" in proc.stderr


def test_virsh_answers_as_the_page_says_for_a_domain_it_does_not_have():
    """The message quoted for the per-user session, from the real virsh."""
    virsh = tools.require("virsh")
    proc = subprocess.run([virsh, "--connect", "test:///default", "edit", "l1"],
                          capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)  # fmt: skip
    assert proc.returncode != 0
    message = "error: failed to get domain 'l1'"
    assert message in proc.stderr, proc.stderr
    assert message in REG.get("libvirt.wrong_session").wrong


def test_virsh_words_a_missing_network_as_the_distributions_page_quotes():
    """libvirt's wording for an unknown network, from the real virsh (test driver)."""
    virsh = tools.require("virsh")
    proc = subprocess.run([virsh, "--connect", "test:///default", "net-info", "no-such-net"],
                          capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)  # fmt: skip
    assert proc.returncode != 0
    assert "Network not found: no network with matching name 'no-such-net'" in proc.stderr
    page = Path(__file__).parents[2] / "source/how-to/distributions.rst"
    assert "Network not found: no network with matching name 'default'" in page.read_text()
