"""Session 20 troubleshooting entry: libvirt's own "Cannot access storage file ... (as
uid:N, gid:N)" when QEMU's user cannot reach the L1 image (a home directory).

Pins the quoted message to libvirt's format string and to the report it comes from,
the cause to libvirt's source and documentation, and the entry's commands to the
documents they follow (read 2026-12-05).
"""

from __future__ import annotations

import re

import pytest

from nested_snippets import registry
from tests.fact_findings import page_text as _text
from tests.test_walk_15 import _section

LABEL = "troubleshooting-storage-access"
# libvirt 11.3.0 src/storage_file/storage_source.c virStorageSourceReportBrokenChain()
FORMAT = "Cannot access storage file '%1$s' (as uid:%2$u, gid:%3$u)"
BACKING_FORMAT = "Cannot access backing file '%1$s' of storage file '%2$s' (as uid:%3$u, gid:%4$u)"
# foxlet/macOS-Simple-KVM#620, virt-manager's line as the report quotes it
REPORTED = ("Error starting domain: Cannot access storage file "
            "'/home/tarif/macOS-Simple-KVM/ESP.qcow2' (as uid:64055, gid:109): "
            "Permission denied")  # fmt: skip


def _entry() -> str:
    return _section(_text("troubleshooting.rst"), LABEL)


def _pattern(fmt: str) -> re.Pattern[str]:
    """libvirt's printf format as a pattern: %N$s any text, %N$u a number."""
    parts = re.split(r"(%\d\$[su])", fmt)
    body = "".join(
        "[^']+" if p.endswith("s") and p.startswith("%") else r"\d+"
        if p.startswith("%") else re.escape(p) for p in parts
    )
    return re.compile(body)


def test_the_entry_has_symptom_cause_fix_in_order_and_sources():
    entry = _entry()
    marks = ["**Symptom.**", "**Cause.**", "**Fix"]
    assert entry.index(marks[0]) < entry.index(marks[1]) < entry.index(marks[2])
    assert entry.count(".. entry-sources::") == 3


def test_the_reported_line_is_libvirts_format_and_is_quoted_whole():
    assert _pattern(FORMAT).search(REPORTED)
    assert f"``{REPORTED}``" in _entry()
    assert "foxlet/macOS-Simple-KVM#620" in _entry()


def test_the_entry_names_the_format_strings_and_the_release_read():
    entry = _entry()
    assert f"``\"{FORMAT}\"``" in entry
    assert "Cannot access backing file '...' of storage file '...'" in entry
    assert _pattern(BACKING_FORMAT).fullmatch(
        "Cannot access backing file '/b.qcow2' of storage file '/a.qcow2' (as uid:107, gid:107)")
    for source in ("libvirt 11.3.0", "libvirt_11.3.0.orig.tar.xz", "6bcb0c42c458",
                   "virStorageSourceReportBrokenChain()", "qemuDomainDetermineDiskChain()",
                   "virFileAccessibleAs()", "``#dynamic_ownership = 1``",
                   "\"POSIX users/groups\"", "Linutronix/elbe#370"):
        assert source in entry, source


def test_the_cause_is_the_directories_not_the_file():
    entry = _entry()
    assert "makes the image file itself QEMU's, but not the directories above it" in entry
    assert '"too restrictive"' in entry
    assert '"strongly recommend against"' in entry


@pytest.mark.parametrize(
    "name, command, source",
    [
        ("storage_dac_namei", "namei -l /home/alice/vms/l1.qcow2", "misc-utils/namei.1.adoc"),
        ("storage_dac_chmod", "chmod o+x /home/alice /home/alice/vms", "docs/drvqemu.rst"),
        ("storage_dac_acl", "sudo setfacl -m u:libvirt-qemu:x /home/alice /home/alice/vms",
         "set-display-acls.html"),
    ],
)
def test_commands_are_shown_and_declared_not_executed_with_their_source(name, command, source):
    snip = registry.load().get(f"troubleshooting_reported.{name}")
    assert snip.eras[0].variants[""].text == f"$ {command}"
    assert snip.not_executed is not None and source in snip.not_executed.source
    assert snip.not_executed.read == "2026-12-05"
    assert f".. snippet:: troubleshooting_reported.{name}" in _entry()


def test_the_selinux_entry_routes_this_message_here():
    selinux = _section(_text("troubleshooting.rst"), "troubleshooting-selinux")
    assert f":ref:`{LABEL}`" in selinux
