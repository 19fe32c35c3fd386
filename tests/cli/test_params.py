"""nested-kvm params: the kernel data as a table or JSON."""

from __future__ import annotations

from nested_snippets import kernel


def test_table(cli):
    r = cli("params", "--module", "kvm_intel", "--kernel", "6.6")
    assert r.rc == 0
    lines = r.out.splitlines()
    assert lines[0].split() == ["name", "type", "perm", "default", "source"]
    nested = next(ln.split() for ln in lines if ln.startswith("nested "))
    p = kernel.module("x86", "kvm_intel", "6.6").param("nested")
    assert nested == ["nested", p.type, p.perm_octal, p.default, p.source]
    assert len(lines) == 1 + len(kernel.module("x86", "kvm_intel", "6.6").params)


def test_json_has_exactly_the_documented_keys(cli):
    r = cli("params", "--module", "kvm-amd", "--kernel", "6.6.58", "--json")
    assert r.rc == 0
    assert r.err == "nested-kvm params: Linux 6.6.58: using the data of Linux 6.6\n"
    data = r.json
    assert all(list(obj) == ["name", "type", "perm", "default", "source"] for obj in data)
    assert {"name": "nested", "type": "int", "perm": "0444", "default": "1"}.items() <= next(
        o for o in data if o["name"] == "nested"
    ).items()


def test_s390_and_power(cli):
    r = cli("params", "--module", "kvm", "--arch", "s390", "--kernel", "6.6", "--json")
    assert "hpage" in [o["name"] for o in r.json]
    r = cli("params", "--module", "kvm_hv", "--kernel", "6.6", "--json")
    assert "nested" in [o["name"] for o in r.json]


def test_unknown_module_did_you_mean(cli):
    r = cli("params", "--module", "kvm_intl", "--kernel", "6.6")
    assert r.rc == 2 and r.out == ""
    assert r.err == (
        "nested-kvm params: Linux 6.6 data has no module 'x86/kvm_intl'; "
        "did you mean 'x86/kvm_intel'?\n"
    )


def test_unknown_version(cli):
    r = cli("params", "--module", "kvm_intel", "--kernel", "2.6")
    assert r.rc == 2
    assert r.err.count("\n") == 1 and "known: 4.19" in r.err
    r = cli("params", "--module", "kvm_intel", "--kernel", "banana")
    assert r.rc == 2 and "'banana' is not a kernel version" in r.err
