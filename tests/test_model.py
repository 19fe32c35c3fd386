"""Snippet declarations: what authors write, and the errors they get."""

from __future__ import annotations

import pytest

from nested_snippets import registry
from nested_snippets.model import KernelRange, SnippetError, transcript


def test_transcript_splits_commands_and_output():
    t = transcript("""
        $ lsmod | grep -i kvm
        kvm_intel             380928  0
        kvm                  1146880  1 kvm_intel
        $ cat /sys/module/kvm_intel/parameters/nested
        Y
    """)
    assert [c.text for c in t.commands] == [
        "lsmod | grep -i kvm",
        "cat /sys/module/kvm_intel/parameters/nested",
    ]
    assert t.commands[1].output == ("Y",)
    assert t.text.splitlines()[0] == "$ lsmod | grep -i kvm"


def test_continuation_lines_belong_to_the_command():
    t = transcript("""
        $ qemu-system-x86_64 -enable-kvm \\
            -cpu host
        done
    """)
    assert t.commands[0].text == "qemu-system-x86_64 -enable-kvm \\\n    -cpu host"
    assert t.commands[0].output == ("done",)


def test_output_before_any_command_is_an_error():
    with pytest.raises(SnippetError, match="output before any"):
        transcript("Y\n$ cat x\n")


def test_transcript_without_any_output_must_say_silent():
    with pytest.raises(SnippetError, match="no expected output"):
        transcript("$ sudo modprobe -r kvm_intel\n")
    assert transcript("$ sudo modprobe -r kvm_intel\n", silent=True).commands


def test_kernel_ranges():
    assert KernelRange(">=4.20").contains("6.6")
    assert not KernelRange(">=4.20").contains("4.19")
    assert KernelRange("<7.1").contains("6.12") and not KernelRange("<7.1").contains("7.1")
    with pytest.raises(SnippetError, match="bad kernel range"):
        KernelRange("4.20+")


def test_unknown_ids_get_a_suggestion():
    reg = registry.load()
    with pytest.raises(registry.UnknownSnippet, match="did you mean 'enable.check_nested'"):
        reg.get("enable.check_nestd")


def test_every_snippet_is_shown_on_a_page_and_every_page_names_real_snippets():
    from nested_snippets import pages

    reg = registry.load()
    used = pages.usages()
    unknown = sorted(set(used) - set(reg.snippets))
    assert not unknown, f"pages name unknown snippets: {unknown}"
    procedures_steps = {s for p in reg.procedures.values() for s in p.steps if isinstance(s, str)}
    orphans = sorted(set(reg.snippets) - set(used) - procedures_steps)
    assert not orphans, f"snippets shown nowhere (and in no procedure): {orphans}"
