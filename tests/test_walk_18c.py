"""New-reader walk 18c (a developer whose CI job needs /dev/kvm; a Windows 11 user who
wants KVM inside WSL 2 or whose Windows guest went into Automatic Repair; an admin
weighing the 2026 shadow-MMU CVEs, a VirtualBox user after a kernel update, someone
choosing an Arm server or a Mac): findings pinned to the page sources.  The browser
findings (where a search hit lands) are in tests/browser/test_walk_18c.py.

Whitespace is normalised, so rewrapping a paragraph does not break these.
"""

from __future__ import annotations

from tests.fact_findings import page_text as _text
from tests.test_walk_15 import _section


def test_h1_the_ci_fix_is_an_entry_of_its_own():
    """The CI-runner fix was a paragraph deep inside the "Permission denied" entry: not
    in "Problems on this page", no anchor, and a search for "github actions" opened
    Troubleshooting at its top (some 56,000 px on a phone)."""
    text = _text("troubleshooting.rst")
    dev_kvm = _section(text, "troubleshooting-dev-kvm")
    ci = _section(text, "troubleshooting-ci-kvm")
    assert ".. snippet:: troubleshooting.ci_kvm_udev_rule" not in dev_kvm
    assert ":ref:`troubleshooting-ci-kvm`" in dev_kvm
    assert "CI job (GitHub Actions): ``/dev/kvm`` refused, and no new login ---" in ci
    parts = (
        "**Symptom.**",
        "**Cause.**",
        "**Fix.**",
        ".. snippet:: troubleshooting.ci_kvm_udev_rule",
        "<runner-images-14062>",
    )
    for part in parts:
        assert part in ci, part
    assert ci.index("**Symptom.**") < ci.index("**Cause.**") < ci.index("**Fix.**")
    # the home page names it (without linking the entry: test_site_build)
    home = _text("index.rst")
    assert "A CI job refused ``/dev/kvm`` has an entry of its own there" in home


def test_m1_the_home_page_sends_a_wsl_2_reader_to_kvm_inside_wsl():
    """ "Windows, Hyper-V or WSL 2 as L1?" linked only the page about a Windows *guest*
    on KVM, the opposite of KVM inside WSL 2 on the reader's PC."""
    home = _text("index.rst")
    bullet = home[home.index("- Windows, Hyper-V") : home.index("- IBM Z")]
    assert ":doc:`how-to/windows-hyperv`" in bullet
    assert "KVM inside WSL 2 on your own Windows PC? :ref:`builtin-kvm-wsl`" in bullet
    assert "Arm64, on a server or on a Mac: :doc:`how-to/arm64`" in home


def test_m2_windows_hyperv_links_the_host_check_not_the_top_of_the_page():
    """ "check nesting on L0 (above)" linked the page title (:ref:`windows-hyperv`)."""
    text = _text("how-to/windows-hyperv.rst")
    assert ":ref:`above <windows-hyperv>`" not in text
    assert ".. _windows-hyperv-host: Check the host ---" in text
    wrong = text[text.index("What can go wrong") :]
    assert wrong.count("Check nesting on L0 (:ref:`windows-hyperv-host`)") == 1
    assert wrong.count("check nesting on L0 (:ref:`windows-hyperv-host`)") == 1


def test_m3_security_says_who_may_open_dev_kvm_and_links_switching_off():
    """The admin was told to keep /dev/kvm to the users who need it and sent to an
    entry about granting access; "switching nesting off (below)" was no link."""
    text = _text("how-to/security.rst")
    assert "switching nesting off (below)" not in text
    assert "switching nesting off (:ref:`security-nesting-off`)" in text
    assert ".. _security-nesting-off: Switch nesting off ---" in text
    todo = text[text.index("**What to do.**") : text.index("When not to nest")]
    assert "``ls -l /dev/kvm`` shows who may open it" in todo
    assert "on some distributions any user may (:ref:`troubleshooting-dev-kvm`" in todo
    # the modes themselves, with their sources, only in the linked entry (one source
    # of truth: the security page first restated them without their source)
    assert "0666" not in todo and "0660" not in todo
    entry = _section(_text("troubleshooting.rst"), "troubleshooting-dev-kvm")
    assert "upstream's default is 0666 (anyone may open it)" in entry
    assert "an ACL for the logged-in user" in entry


def test_m4_the_virtualbox_entry_names_the_kernel_update_and_links_the_entry_above():
    """Since session 21 the two entries sit in different groups: the link names the
    entry, not "the entry above"."""
    entry = _section(_text("troubleshooting.rst"), "troubleshooting-virtualbox")
    assert "(so it can start with a kernel update to that release)" in entry
    assert "This is the other side of :ref:`troubleshooting-eio` (its second form)" in entry
    assert "the entry above" not in entry


def test_m5_the_arm64_table_points_to_the_cloud_caveat_before_the_rows():
    """ "AWS Graviton3" in the table, with "a cloud VM is not enough" only after it."""
    text = _text("how-to/arm64.rst")
    cpus = text[text.index(".. _nested-arm64-cpus:") : text.index(".. _nested-arm64-boot:")]
    link = cpus.index("(:ref:`see below the table <nested-arm64-cloud>`)")
    assert link < cpus.index(".. list-table::")
    assert ".. _nested-arm64-cloud: A CPU with FEAT_NV2 in a cloud VM is not enough" in cpus
