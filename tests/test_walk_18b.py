"""New-reader walk 18, part b (a reader who follows the tutorial to the end, checks
with the checker, runs Windows or WSL 2 in a cloud VM, or installs on Ubuntu 24.04):
findings pinned to the page sources and snippets.

Whitespace is normalised, so rewrapping a paragraph does not break these.
"""

from __future__ import annotations

from pathlib import Path

from nested_snippets import registry
from tests.fact_findings import page_text as _text
from tests.test_walk_15 import _section

SOURCE = Path(__file__).resolve().parent.parent / "source"
REG = registry.load()


def _body(name: str) -> str:
    return str(next(iter(REG.get(name).bodies()))[2])


def test_m1_quitting_l2_inside_l1s_console_does_not_kill_l1():
    """L2 runs with -nographic inside L1's -nographic console: Ctrl+a x reaches the
    outer QEMU first and quits L1; Ctrl+a twice sends one Ctrl+a on (QEMU's mux keys)."""
    assert "-nographic" in _body("qemu.l1_host") and "-nographic" in _body("qemu.l2_host")
    for page in ("tutorial/first-nested-guest.rst", "how-to/start-l1-qemu.rst"):
        text = _text(page)
        l2 = text[text.index("qemu.l2_host") :]
        assert "press :kbd:`Ctrl+a` twice, then :kbd:`x`" in l2.replace("Press", "press"), page
        assert "<qemu-mux-keys>" in l2, page
        assert "``ssh``" in l2, page
    tutorial = _text("tutorial/first-nested-guest.rst")
    # the v10.2.0 file spells the keys Ctrl+a (fact check 18b L2)
    assert '"Ctrl+a Ctrl+a", Send the escape character to the frontend' in tutorial


def test_l4_the_sources_paragraph_names_where_the_guide_is_published():
    """The page named readthedocs as where the guide is published, yet said 'this copy
    does not name the project's repository'."""
    src = (SOURCE.parent / "nested_snippets/sphinxext/sources.py").read_text()
    assert "does not name the project's repository" not in src
    assert "DEFAULT_BASE" in src


def test_l4_the_playbook_copies_the_downloaded_zipapp():
    """src was nested-kvm-guide/build/nested-kvm.pyz, a source build's path."""
    body = _body("checker.fleet_playbook")
    assert "src: nested-kvm.pyz" in body
    assert "nested-kvm-guide/build" not in body
    text = _text("how-to/install-checker.rst")
    assert "``src`` is the zipapp you downloaded (:ref:`install-checker-download`)" in text


def test_l5_verify_and_tutorial_offer_the_one_command_check():
    for page in ("how-to/verify.rst", "tutorial/first-nested-guest.rst"):
        text = _text(page)
        assert "``nested-kvm check``" in text, page
        assert "install-checker`" in text, page
    verify = _text("how-to/verify.rst")
    assert verify.index("``nested-kvm check`` on L0 and again in L1") < verify.index(
        ".. _verify-l0:"
    )


def test_m4_windows_and_wsl2_in_a_cloud_vm_get_an_answer():
    """A Windows/WSL 2 user in a cloud VM found nothing: the page assumed a KVM host."""
    win = _text("how-to/windows-hyperv.rst")
    cloud = _section(win, "windows-hyperv-cloud")
    for claim in ("<azure-acu>", "<ms-enable-nested>", "<gce-overview>", "<aws-nested>",
                  "<ms-wsl-troubleshooting>"):  # fmt: skip
        assert claim in cloud, claim
    assert '"Standard"' in cloud and "Trusted Launch" in cloud and "stop and start" in cloud
    assert "0x80370102" in cloud and ".. source:: ms-wsl-troubleshooting" in win
    hcs = _section(_text("troubleshooting.rst"), "troubleshooting-hcs")
    assert "0x80370102" in hcs and ":ref:`windows-hyperv-cloud`" in hcs
    assert "Four causes are documented" in hcs
    assert ":ref:`windows-hyperv-cloud`" in _text("how-to/clouds.rst")


def test_l11_windows_side_check_before_hyper_v():
    check = _text("how-to/windows-hyperv.rst")
    check = check[check.index("Check inside Windows") : check.index(".. _windows-hyperv-cloud:")]
    assert check.index("windows.systeminfo_requirements") < check.index("After enabling Hyper-V")
    assert "<ms-hyperv-requirements>" in check
    for name in ("windows.systeminfo_requirements", "windows.hypervisor_launch"):
        assert REG.get(name).not_executed is not None, name


def test_l3_ubuntu_installs_the_real_package_and_readers_see_no_jargon():
    """qemu-kvm is a name qemu-system-x86 provides; 'the stored package pages searched'
    was internal wording in the proof line readers see."""
    ubuntu = REG.get("distributions.install_ubuntu")
    assert "sudo apt install qemu-system-x86 " in _body("distributions.install_ubuntu")
    assert "stored package pages" not in ubuntu.not_executed.why
    assert "qemu-kvm" in ubuntu.not_executed.why


def test_l3_the_daemon_start_is_a_snippet_not_a_pointer_elsewhere():
    text = _text("how-to/distributions.rst")
    assert "(see your distribution's documentation)" not in text
    for name in ("which_daemon", "start_libvirtd", "start_modular"):
        assert f".. snippet:: distributions.{name}" in text, name
    assert "systemctl enable --now libvirtd.service" in _body("distributions.start_libvirtd")
    assert "virtnetworkd" in _body("distributions.start_modular")
    assert "<libvirt-daemons>" in text
    assert "ubuntu24.04" in text  # why the image is 22.04
