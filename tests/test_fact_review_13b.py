"""Fact review 13b (clouds, confidential-vms, distribution-kernels).

Each finding of the review (/work/facts13b/report.md) is pinned to the page text: the
imprecise or unsupported wording is gone, and the corrected statement is there with
its source key or role.  Whitespace is normalised, so rewrapping a paragraph does not
break these.  The two generated statements (the pinned real kernels, a source's read
date) and the fake host's ``modprobe -c`` are checked against their own inputs:
pinned.json read here with :mod:`json`, a source entry's ``:read:``, and what kmod's
libkmod/libkmod-config.c (v34.2) does with a command line, worked out by hand.
"""

from __future__ import annotations

import json
import re

import pytest

from nested_snippets.fakehost import commands, reads
from nested_snippets.fakehost import state as fk
from nested_snippets.fakehost.host import Scenario
from nested_snippets.parsers.modprobe_conf import kcmdline_config
from nested_snippets.runner import run
from tests.fact_findings import REPO, assert_fixed
from tests.fact_findings import page_text as _text
from tests.test_sphinx_ext import _build, _site

CLOUDS = "how-to/clouds.rst"
CONF = "how-to/confidential-vms.rst"
DISTRO = "how-to/distribution-kernels.rst"
PINNED = REPO / "nested_snippets/realkernel/pinned.json"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    "1-real-kernel-pins": (DISTRO, "boot Debian 13 (trixie)'s 6.12.118-1 and a 7.3.4",
                           ":realkernel-pins:`linux-image`"),
    "2-modprobe-c-cmdline": (DISTRO, "If ``modprobe -c`` shows nothing, check the kernel",
                             "module.parameter=value of /proc/cmdline <kmod-kcmdline>`"),
    "3-gce-intel-series": (CLOUDS, "and VMs on AMD or Arm processors cannot nest <gce-overview>",
                           "on Intel processors some machine series are excluded as well"),
    "4-gce-constraint-scope": (CLOUDS, "for every VM of the project when enforced",
                               "the organization, folder or project where it is set "
                               "<gce-constraint>"),
    "5-gce-enable-page": (CLOUDS, "was not among the sources found here",
                          "end before its steps"),
    "6-aws-flex": (CONF, "(C8i, M8i, R8i) only", "R8i and their flex variants) only"),
    "7-aws-read-date": (CONF, "", "read :source-read:`aws-cpu-options`"),
    "7-azure-read-date": (CONF, "", "(read :source-read:`ms-enable-nested`)"),
    "7-gce-read-date": (CONF, "", "(read :source-read:`gce-overview`)"),
    "8-gce-tdx": (CONF, "", "Intel TDX-based confidential VMs cannot run KVM as L1 either"),
    # superseded by 19b M1: Trusted launch allows nesting on most v5 sizes
    "9-azure-security-type": (CLOUDS, "(not Trusted launch, not Confidential VM)",
                              "Microsoft's page on nesting says :claim:`it must be"),
    "10-acu-note": (CLOUDS, "is no longer maintained <azure-acu>",
                    "is planned for archival on 12/16/2024.\" <azure-acu>`"),
    "11-rhel-secondary": (DISTRO, "", "Red Hat's own release table was not read here"),
    "11-pve-secondary": (DISTRO, "", "forum announcement, which was not read here"),
}  # fmt: skip


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding):
    assert_fixed(FINDINGS[finding])


def _pinned_images() -> list[tuple[str, str]]:
    targets = json.loads(PINNED.read_text())["targets"]
    return [(name, d["version"]) for name, debs in targets.items()
            for d in debs if d["package"].startswith("linux-image-")]  # fmt: skip


def test_no_pinned_version_is_typed_in_the_page():
    text = _text(DISTRO)
    for _name, version in _pinned_images():
        assert version not in text, f"{DISTRO} types {version}: use :realkernel-pins:"


def test_the_pins_role_prints_every_pinned_kernel(tmp_path):
    images = _pinned_images()
    assert {n for n, _ in images} == {"bookworm", "trixie", "trixie-backports"}, images
    page = "A\n=\n\nThe tests boot :realkernel-pins:`linux-image`.\n"
    proc = _build(_site(tmp_path, {"a": page}), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out/html/a.html").read_text()
    for name, version in images:
        assert f"{version} from {name}" in html, (name, version)


def test_the_read_date_role_prints_the_entry_date_linked(tmp_path):
    source = ("A\n=\n\n.. source:: vendor-doc\n   :title: Vendor, \"Nesting\"\n"
              "   :url: https://example.invalid/n\n   :read: 2026-11-05\n")  # fmt: skip
    pages = {"a": source, "b": "B\n=\n\nAs read :source-read:`vendor-doc`.\n"}
    proc = _build(_site(tmp_path, pages), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out/html/b.html").read_text()
    assert 'href="a.html#source-vendor-doc"' in html
    assert re.search(r">\s*2026-11-05\s*</span>", html), html


def test_the_confidential_page_names_sources_with_a_read_date():
    """The three read dates it prints come from entries that have one (on clouds.rst)."""
    clouds = (REPO / "source" / CLOUDS).read_text()
    for key in ("aws-cpu-options", "ms-enable-nested", "gce-overview"):
        entry = re.search(rf"\.\. source:: {key}\n(?:   .*\n)*?   :read: (\S+)", clouds)
        assert entry and re.fullmatch(r"\d{4}-\d\d-\d\d", entry[1]), key


# What kmod v34.2 adds from /proc/cmdline (kmod_config_parse_kcmdline() and
# kcmdline_parse_result(), libkmod/libkmod-config.c), worked out by reading the code.
KCMDLINE = {
    "kvm-intel.nested=0": ["options kvm_intel nested=0"],  # underscores(modname)
    "quiet.x": ["options quiet x"],  # STATE_PARAM completes too: no "=" needed
    "a.b.c=1": [],  # a second "." in STATE_PARAM: STATE_IGNORE
    "root=/dev/sda1.x": [],  # "=" in STATE_MODNAME: STATE_IGNORE
    "modprobe.blacklist=kvm_amd,foo-bar": ["blacklist kvm_amd", "blacklist foo-bar"],
    '"kvm.p=a b"': ['options kvm p="a b"'],  # quoted whole: re-quoted (memmove)
    'kvm.p="a\tb"': ['options kvm p="a b"'],  # kmod_config_add_options(): tab -> blank
    'kvm.p="open': [],  # quote open at the end: never STATE_COMPLETE
    "x[.y=1": [],  # underscores() fails: "Ignoring bad option"
}


@pytest.mark.parametrize("line", KCMDLINE)
def test_the_command_line_is_read_as_kmod_reads_it(line):
    assert kcmdline_config(line) == KCMDLINE[line]


@pytest.fixture(scope="module")
def built() -> fk.State:
    with run.fake_host(Scenario("intel", "6.6")) as host:
        return fk.State.from_bytes(host.built.to_bytes())


def test_fake_modprobe_c_lists_command_line_blacklists_and_options(built):
    """Old fake: ``options modprobe blacklist=kvm_amd``, and no ``options quiet x``."""
    state = fk.State.from_bytes(built.to_bytes())
    state.cmdline += " modprobe.blacklist=kvm_amd kvm-intel.nested=0 quiet.x a.b.c=1"
    status, out, _err = commands.run("modprobe", ["-c"], reads.StateView(state, reads.Recorder()),
                                     "/nonexistent", False)  # fmt: skip
    assert status == 0
    lines = [ln for ln in out.splitlines() if ln.startswith(("options ", "blacklist "))]
    assert lines == ["blacklist kvm_amd", "options kvm_intel nested=0", "options quiet x"]
