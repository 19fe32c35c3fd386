"""The ``.wslconfig`` the guide shows (``windows.wslconfig_nested``) is a file WSL reads,
and its kernel command line is the one the fake host boots with.

WSL cannot run here.  Microsoft's "Advanced settings configuration in WSL"
(MicrosoftDocs/WSL@8842def77a852af26318b9ebec78063a94b068ed:WSL/wsl-config.md, read
2026-12-05) documents ``.wslconfig`` as INI sections: the main one is ``[wsl2]``, with
``nestedVirtualization`` (boolean, default ``true``, Windows 11 only) and
``kernelCommandLine`` (string, "Additional kernel command line arguments").  Each body
is parsed as INI here, its sections and keys are checked against those, each
``kernelCommandLine`` word must set a parameter that the vendor's module has in the
kernel data, and ``builtin.cmdline_check`` (run on the fake host) must boot with the
same words.
"""

from __future__ import annotations

import configparser

import pytest

from nested_snippets import arches, kernel, registry

REG = registry.load()
SNIPPET = "windows.wslconfig_nested"
DOCUMENTED = {"wsl2": {"nestedVirtualization": "boolean", "kernelCommandLine": "string"}}
"""Section -> key -> value type, as wsl-config.md lists them (only the keys the guide uses)."""
BOOLEAN = {"true", "false"}
BOOL_WRITTEN = {"1", "0", "Y", "N"}
"""The values this guide writes for a bool parameter (the kernel accepts more)."""


def problems(content: str, vendor: str) -> list[str]:
    """What is wrong with ``content`` as the ``.wslconfig`` of ``vendor``'s tab."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keep the keys as written, to compare with the documentation
    try:
        parser.read_string(content)
    except configparser.Error as exc:
        return [f"not INI: {exc}"]
    found = []
    for section in parser.sections():
        if section not in DOCUMENTED:
            found.append(f"section [{section}] is not documented")
            continue
        for key, value in parser.items(section):
            kind = DOCUMENTED[section].get(key)
            if kind is None:
                found.append(f"[{section}] {key} is not documented")
            elif kind == "boolean" and value not in BOOLEAN:
                found.append(f"[{section}] {key}={value} is not a boolean")
    if "wsl2" not in parser:
        return [*found, "no [wsl2] section"]
    module = arches.get(vendor).module
    for word in parser["wsl2"].get("kernelCommandLine", "").split():
        name, _, rest = word.partition(".")
        param, equal, value = rest.partition("=")
        if name != module or not equal:
            found.append(f"{word!r} is not {module}.<parameter>=<value>")
            continue
        try:
            p = kernel.module("x86", name, kernel.latest()).param(param, suggest=False)
        except kernel.UnknownParameter:
            found.append(f"{module} has no parameter {param!r}")
            continue
        if p.type == "bool" and value not in BOOL_WRITTEN:
            found.append(f"{word!r}: {value!r} is not one of {sorted(BOOL_WRITTEN)}")
    return found


def _bodies():
    return [(key, body) for _, key, body in REG.get(SNIPPET).bodies()]


@pytest.mark.parametrize("vendor", ["intel", "amd"])
def test_the_wslconfig_has_only_documented_keys_and_real_parameters(vendor):
    bodies = dict(_bodies())
    assert problems(bodies[vendor].content, vendor) == []
    assert "nestedVirtualization=true" in bodies[vendor].content


def test_the_fake_host_boots_with_the_same_kernel_command_line():
    booted = REG.get("builtin.cmdline_check").given.cmdline.split()
    for key, body in _bodies():
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str
        parser.read_string(body.content)
        words = parser["wsl2"]["kernelCommandLine"].split()
        assert words and set(words) <= set(booted), (key, words, booted)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[wsl]\nnestedVirtualization=true\n", "section [wsl] is not documented"),
        ("[wsl2]\nnestedvirtualization=true\n", "[wsl2] nestedvirtualization is not documented"),
        ("[wsl2]\nnestedVirtualization=yes\n", "is not a boolean"),
        ("[wsl2]\nkernelCommandLine=kvm_amd.nested=1\n", "is not kvm_intel.<parameter>"),
        ("[wsl2]\nkernelCommandLine=kvm_intel.nestd=1\n", "has no parameter 'nestd'"),
        ("[wsl2]\nkernelCommandLine=kvm_intel.nested=2\n", "'2' is not one of"),
        ("nestedVirtualization=true\n", "not INI"),
    ],
)
def test_the_check_finds_a_wrong_file(content, expected):
    assert any(expected in p for p in problems(content, "intel")), problems(content, "intel")
