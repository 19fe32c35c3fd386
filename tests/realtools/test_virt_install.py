"""Every virt-install line of the guide runs through the real virt-install.

``virt-install --connect test:///default --dry-run --print-xml`` parses every option,
builds the domain (and a cloud-init seed ISO) and prints the XML without creating
anything; the XML is then validated with ``virt-xml-validate``.  Only the connection
and the local files the line names (a backing image, a public key) are replaced.
The snippets are selected with :func:`nested_snippets.proofs.is_virt_install`, the
predicate behind the label the pages print under them.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from nested_snippets import proofs, registry
from tests.realtools import tools

pytestmark = pytest.mark.realtools

REG = registry.load()
LINES = [pytest.param(body.command, id=label) for label, body in REG.bodies()
         if proofs.is_virt_install(body)]  # fmt: skip
_FILE_OPTION = re.compile(r"(backing_store|clouduser-ssh-key|root-ssh-key)=([^,]+)")


def _words(command: str, image: Path, key: Path) -> list[str]:
    words = shlex.split(command.replace("\\\n", " "))
    assert words[0] == "virt-install", words[0]
    local = {"backing_store": str(image), "clouduser-ssh-key": str(key), "root-ssh-key": str(key)}
    out = []
    for word in words[1:]:
        if word == "qemu:///system":
            word = "test:///default"
        out.append(_FILE_OPTION.sub(lambda m: f"{m.group(1)}={local[m.group(1)]}", word))
    return out


def _dry_run(command: str, tmp_path: Path, extra: tuple[str, ...] = ()):
    tool = tools.require("virt-install")
    image = tmp_path / "cloud.img"
    image.write_bytes(b"\0" * 1024 * 1024)
    key = tmp_path / "id.pub"
    key.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5lc3RlZC1rdm0tZ3VpZGUtdGVzdA test\n")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    args = [tool, *_words(command, image, key), "--dry-run", "--print-xml", *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, env=env,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def _first_domain(xml_text: str) -> str:
    return xml_text[: xml_text.index("</domain>") + len("</domain>")]


def test_the_guide_has_a_virt_install_line_on_the_system_connection():
    assert LINES, "no virt-install snippet found"
    command = REG.get("distributions.virt_install_l1").eras[0].variants[""].command
    assert "--connect qemu:///system" in command


@pytest.mark.parametrize("command", LINES)
def test_virt_install_accepts_the_line_and_the_xml_validates(command, tmp_path):
    proc = _dry_run(command, tmp_path)
    assert proc.returncode == 0, proc.stderr
    domain = _first_domain(proc.stdout)
    ok, output = tools.validate_domain(domain)
    assert ok, f"virt-xml-validate rejects virt-install's XML:\n{output}"


def test_the_l1_line_gives_host_cpu_default_network_and_a_cloud_init_seed(tmp_path):
    command = REG.get("distributions.virt_install_l1").eras[0].variants[""].command
    domain = _first_domain(_dry_run(command, tmp_path).stdout)
    assert '<cpu mode="host-passthrough"/>' in domain
    assert '<source network="default"/>' in domain
    assert "ds=nocloud" in domain and "cloudinit.iso" in domain


def test_a_bad_option_is_refused(tmp_path):
    """The check can fail: virt-install rejects an unknown --cloud-init option."""
    command = REG.get("distributions.virt_install_l1").eras[0].variants[""].command
    proc = _dry_run(command, tmp_path, ("--cloud-init", "no-such-option=on"))
    assert proc.returncode != 0
    assert "no-such-option" in proc.stderr


def _virsh(*args: str) -> subprocess.CompletedProcess:
    virsh = tools.require("virsh")
    return subprocess.run([virsh, "--connect", "test:///default", *args], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip


def test_virsh_answers_as_the_libvirt_page_says_for_a_domain_it_does_not_have():
    proc = _virsh("edit", "l1")
    message = "error: failed to get domain 'l1'"
    assert proc.returncode != 0 and message in proc.stderr, proc.stderr
    assert message in REG.get("libvirt.wrong_session").wrong


def test_virsh_words_a_missing_network_as_the_distributions_page_quotes():
    proc = _virsh("net-info", "no-such-net")
    assert proc.returncode != 0
    assert "Network not found: no network with matching name 'no-such-net'" in proc.stderr
    page = Path(__file__).parents[2] / "source/how-to/distributions.rst"
    assert "Network not found: no network with matching name 'default'" in page.read_text()


def test_the_osinfo_name_of_ubuntu_24_04_is_still_unknown_here(tmp_path):
    """distributions.CLOUD_IMAGE stays jammy (22.04) because this virt-install does not
    know ubuntu24.04 (walk 18b, L3).  When it does, move the page to noble."""
    line = next(body.command for label, body in REG.bodies()
                if label.startswith("distributions.virt_install_l1"))  # fmt: skip
    assert "--osinfo ubuntu22.04" in line
    proc = _dry_run(line.replace("ubuntu22.04", "ubuntu24.04"), tmp_path)
    assert proc.returncode != 0 and "Unknown OS name 'ubuntu24.04'" in proc.stderr, (
        "virt-install now knows ubuntu24.04: switch the page to noble and this test"
    )
