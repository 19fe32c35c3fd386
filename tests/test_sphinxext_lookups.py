"""The guide build's lookups done once give what the per-call lookups gave (session 21,
the extension's performance paragraph in nested_snippets/sphinxext/__init__.py): every
release's data listed once, a condition tested once a release, a range read once, a
command line split into words once, and a search text's compounds looked for only where
it has a joiner."""

from __future__ import annotations

import re

import pytest

from nested_snippets import kernel, registry
from nested_snippets.bodies import (
    QUERIES,
    S390X_QEMU,
    X86_QEMU,
    CommandLine,
    _words,
    asks_qemu,
    cpu_args_in,
    cpu_models_in,
    machine_args_in,
    qemu_binary_in,
)
from nested_snippets.kernel import boundaries
from nested_snippets.model import KernelRange
from nested_snippets.sphinxext import search

CONDITIONS = [  # each kind the guide's pages use
    "x86/kvm_intel nested default=Y",
    "x86/kvm_intel nested default=N",
    "x86/kvm enable_virt_at_load absent",
    "x86/kvm_amd npt type=int",
    "arm64/kvm-arm.mode accepts nested",
    "arm64/kvm-arm.mode param present",
    "message s390_nested_hpage 1",
    "source firmware-vmx-off-hides-flag absent",
]


def test_load_all_is_load_of_each_version():
    loaded = kernel.load_all()
    assert len(loaded) == len(kernel.versions())
    assert all(d is kernel.load(v) for v, d in zip(kernel.versions(), loaded, strict=True))


def _newest_run_per_call(condition: str) -> tuple[int, int]:
    """The run as session 20 found it: a test of each release by its version."""
    holds = boundaries.parse(condition)
    releases = kernel.versions()
    last = max(i for i, v in enumerate(releases) if holds(v))
    first = last
    while first > 0 and holds(releases[first - 1]):
        first -= 1
    return first, last


@pytest.mark.parametrize("condition", CONDITIONS)
def test_the_run_tested_once_a_release_is_the_run_tested_per_call(condition):
    _releases, first, last = boundaries._newest_run(condition)
    assert (first, last) == _newest_run_per_call(condition)


@pytest.mark.parametrize("spec", ["all", ">=4.20", "<4.20", ">=5.10,<6.1", "<5.4,>=4.19"])
def test_select_is_contains_of_each_version(spec):
    span = KernelRange(spec)
    versions = [*kernel.versions(), "6.1.192", "4.19.0", "99.1"]
    assert span.select(versions) == [v for v in versions if span.contains(v)]


def _command_lines() -> list[str]:
    reg = registry.load()
    lines = [b.command for s in reg.snippets.values() for _e, _k, b in s.bodies()
             if isinstance(b, CommandLine)]  # fmt: skip
    return [*lines, "qemu-system-x86_64 -cpu help", "qemu-system-s390x -M ? -cpu max"]


def _asks_per_call(command: str) -> bool:
    words = _words(command)
    return bool(qemu_binary_in(command)) and any(
        w.startswith("-") and words[i + 1] in QUERIES for i, w in enumerate(words[:-1])
    )


def test_a_command_split_once_reads_as_split_per_question():
    lines = _command_lines()
    assert any(qemu_binary_in(c) for c in lines)
    for command in lines:
        body = CommandLine(command)
        binary = qemu_binary_in(command)
        assert body.cpu_models == (cpu_models_in(command) if binary == X86_QEMU else [])
        assert body.machine_args == (machine_args_in(command) if binary else [])
        assert body.s390x_args == (
            cpu_args_in(command) + machine_args_in(command) if binary == S390X_QEMU else []
        )
        assert asks_qemu(command) == _asks_per_call(command)


def _split_everywhere(text: str) -> list[str]:
    """The search splitter as session 20 wrote it: every word and every text tried."""
    lang = search.SearchEnglishIdentifiers({})
    words = search.SearchEnglish.split(lang, text)
    extra = [part for word in words for part in search.identifier_parts(word)]
    extra += [re.sub(r"[-.]", "", m.group(0)) for m in search._COMPOUND.finditer(text)]
    return words + extra


@pytest.mark.parametrize("text", [
    "enable_apicv=1 on Hyper-V", "kvm-arm.mode=nested", "__init__ _x_ a_b_c", "plain words",
    "", "x86/kvm_intel.nested", "a-" * 50, "version 6.6 and 4.20.1",
])  # fmt: skip
def test_split_with_its_shortcuts_splits_as_before(text):
    assert search.SearchEnglishIdentifiers({}).split(text) == _split_everywhere(text)
