"""New-reader walk 21b (an Arm64 server owner; an Arch user; a reader who reports a
bug; a Proxmox user): the Arm64 page used "VHE mode" and "GICv3" without saying what
they are and named no core for Ampere Altra; the Arch-only dnsmasq paragraph showed
under every distribution tab; the bug report page's link text was the list's address
though it opened the list's archive; Proxmox's ``qm set`` had a user's ``$`` prompt
and no ``sudo``. The browser findings are in tests/browser/test_walk_21b.py.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx_tabs.tabs import SphinxTabsTab

from nested_snippets.snippets import clouds
from nested_snippets.sphinxext import links
from tests.fact_findings import REPO, page_text


def test_the_arm64_page_says_what_vhe_mode_and_gicv3_are() -> None:
    text = page_text("how-to/arm64.rst")
    assert ":ref:`VHE mode <nested-arm64-terms>`" in text
    assert ":ref:`GICv3 <nested-arm64-terms>`" in text
    terms = text[text.index(".. _nested-arm64-terms:") : text.index(".. _nested-arm64-cpus:")]
    assert "VHE mode :claim:`With the Virtualization Host Extensions (VHE)" in terms
    assert "<linux-arm64-vhe>`" in terms
    assert "GICv3 Version 3 of Arm's Generic Interrupt Controller" in terms
    assert "<linux-vgic-v3>`" in terms
    for key in ("linux-arm64-vhe", "linux-vgic-v3"):
        assert f".. source:: {key} :title: Linux 7.3.4" in text


def test_the_arm64_page_names_the_core_of_ampere_altra() -> None:
    text = page_text("how-to/arm64.rst")
    cpus = text[text.index(".. _nested-arm64-cpus:") : text.index(".. _nested-arm64-cloud:")]
    assert "**Ampere Altra** has Neoverse N1 cores" in cpus
    assert "<oci-arm-a1>`" in cpus and "<arm-lp-migration>`" in cpus
    for key in ("oci-arm-a1", "arm-lp-migration"):
        assert f".. source:: {key} " in text


def test_the_arch_dnsmasq_paragraph_is_in_the_arch_tab_only() -> None:
    raw = (REPO / "source/how-to/distributions.rst").read_text(encoding="utf-8")
    arch = raw[raw.index("   .. group-tab:: Arch\n") : raw.index("   .. group-tab:: openSUSE\n")]
    assert "      The line above also installs ``dnsmasq`` and ``iptables-nft``" in arch
    assert raw.count("also installs ``dnsmasq``") == 1  # not copied into another tab


def test_the_kvm_list_link_says_what_it_opens() -> None:
    uri, text = links.kvm_list_uri("kvm@vger.kernel.org")
    assert uri == "https://lore.kernel.org/kvm/" and text == "lore.kernel.org/kvm"
    page = page_text("how-to/bug-report.rst")
    assert "`kvm@vger.kernel.org <mailto:kvm@vger.kernel.org>`__" in page
    assert ":kvm-list:`the list's archive on lore.kernel.org <kvm@vger.kernel.org>`" in page
    assert not re.search(r":kvm-list:`kvm@vger\.kernel\.org`", page)


def test_proxmox_qm_set_is_shown_as_a_root_command() -> None:
    body = clouds.proxmox_cpu_host.eras[0].variants[""]
    assert body.text == "$ sudo qm set 100 --cpu host"
    page = page_text("how-to/clouds.rst")
    assert "<pve-no-sudo>`" in page and ".. source:: pve-no-sudo" in page


def test_tab_labels_are_collected_for_the_search_ranking() -> None:
    """A distribution tab's label names its panel as a heading does (walk 21b: a
    search for "ubuntu" listed a page with one "On Debian and Ubuntu" heading above
    the page with an Ubuntu tab)."""
    from nested_snippets.sphinxext.search_rank import tab_labels

    doc = nodes.container()
    for label in ("Debian", "Ubuntu", "Debian / Ubuntu"):
        doc += SphinxTabsTab(label, label)
    assert tab_labels(doc, lambda text: sorted(set(text.lower().replace("/", " ").split()))) == [
        "debian",
        "ubuntu",
    ]
