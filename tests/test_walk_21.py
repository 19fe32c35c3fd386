"""New-reader walk 21 (an Ubuntu admin with an Intel laptop; a cloud user): the
tutorial sent a reader without disk images to the distributions page for "a cloud
image you can log in to", but that page creates L1 with libvirt, not an
``l1.qcow2`` for the tutorial's QEMU line, and said nothing of where to go on; a
search for "GCP", the name many readers use for Google Cloud, found no page. The
browser findings are in tests/browser/test_walk_21.py.
"""

from __future__ import annotations

from tests.fact_findings import page_text


def test_the_tutorial_says_where_to_go_on_after_creating_l1_with_libvirt() -> None:
    text = page_text("tutorial/first-nested-guest.rst")
    needs = text[text.index("You need:") : text.index("Check the CPU")]
    assert "how to make a cloud image you can log in to" not in needs
    assert ":ref:`distributions`" in needs
    assert ":ref:`tutorial-check-l1`" in needs and ":ref:`tutorial-start-l1`" in needs
    assert ".. _tutorial-check-l1: Check the guest hypervisor ---" in text


def test_the_cloud_page_names_google_cloud_as_gcp() -> None:
    text = page_text("how-to/clouds.rst")
    goal = text[: text.index("Unless L0")]
    assert "Google Cloud (GCP)" in goal
