"""search_rank.py without a build: the section headings a search can list as hits."""

from __future__ import annotations

from docutils.core import publish_doctree

from nested_snippets.sphinxext.search_rank import entry_prior, headings

PAGE = """
Troubleshooting
===============

Intro.

.. _troubleshooting-not-loaded:

The host has no ``/dev/kvm``: KVM is not loaded
-----------------------------------------------

Text.

Sub entry
~~~~~~~~~

More text.
"""


def _terms(text: str) -> list[str]:
    return sorted({w for w in text.lower().replace("/", " ").replace(":", " ").split()})


def test_headings_below_the_title_with_their_ids_and_labels():
    # as Sphinx reads a page: the title stays a section
    doctree = publish_doctree(PAGE, settings_overrides={"doctitle_xform": False})
    found = headings(doctree, _terms)
    assert [[entry[0], *entry[2:]] for entry in found] == [
        ["the-host-has-no-dev-kvm-kvm-is-not-loaded", "troubleshooting-not-loaded"],
        ["sub-entry"],  # no label
    ]
    assert {"dev", "kvm", "host", "loaded"} <= set(found[0][1])


def test_troubleshooting_is_the_page_of_symptom_entries():
    assert entry_prior("troubleshooting") == 1
    assert entry_prior("how-to/builtin-kvm") == 0


ENTRY = """
Troubleshooting
===============

.. _troubleshooting-proxmox:

Proxmox VE: ``KVM virtualisation configured, but not available``
----------------------------------------------------------------

**Symptom.** Starting a VM fails with ``TASK ERROR: KVM virtualisation configured, but
not available. Either disable in VM configuration or enable in BIOS.``

**Cause.** Not ``quoted here``.

Sub entry without a symptom
~~~~~~~~~~~~~~~~~~~~~~~~~~~
"""


def test_an_entrys_symptom_messages_are_searchable_words():
    """A message pasted whole (walk 20b) is longer than the entry's heading."""
    from nested_snippets.sphinxext.search_rank import symptom_messages

    doctree = publish_doctree(ENTRY, settings_overrides={"doctitle_xform": False})
    found = symptom_messages(doctree, _terms)
    section = "proxmox-ve-kvm-virtualisation-configured-but-not-available"
    assert list(found) == [section]
    # one list per message: a query is matched against one message at a time
    assert len(found[section]) == 1
    assert {"task", "either", "bios."} <= set(found[section][0])
    assert "quoted" not in found[section][0]


LOGGED = """
Troubleshooting
===============

L1 cannot load KVM
------------------

**Symptom.** Loading the KVM module fails:

.. code-block:: console

   $ sudo dmesg | grep hardware
   [   28.503117] has_svm: svm not available
   [   28.503199] kvm: no hardware support
   modprobe: ERROR: could not insert 'kvm_amd': Operation not supported

Another entry
-------------

**Symptom.** Something else.

.. code-block:: console

   $ echo [   1.000000] kvm: typed in a command
"""


def test_an_entrys_kernel_log_lines_are_searchable_messages():
    """Walk 21: "kvm: no hardware support" is in the kernel log an entry shows, not in
    its Symptom paragraph; a kernel log line (after its timestamp) is a message too,
    a command line and other output are not."""
    from nested_snippets.sphinxext.search_rank import symptom_messages

    doctree = publish_doctree(LOGGED, settings_overrides={"doctitle_xform": False})
    found = symptom_messages(doctree, _terms)
    assert found.get("l1-cannot-load-kvm") == [
        ["available", "has_svm", "not", "svm"], ["hardware", "kvm", "no", "support"]
    ]
    assert "another-entry" not in found
