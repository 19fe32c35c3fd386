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
    assert r.err == "nested-kvm params: Linux 6.6.58: using the data of Linux 6.6 (6.6.0)\n"
    assert list(r.json) == ["kernel", "params"]
    assert r.json["kernel"] == {
        "requested": "6.6.58", "data": "6.6", "release": "6.6.0",
        "status": kernel.index()[kernel.releases().index("6.6")].status, "exact": True,
        "newer": False,
    }  # fmt: skip
    data = r.json["params"]
    assert all(list(obj) == ["name", "type", "perm", "default", "source"] for obj in data)
    assert {"name": "nested", "type": "int", "perm": "0444", "default": "1"}.items() <= next(
        o for o in data if o["name"] == "nested"
    ).items()


def test_s390_and_power(cli):
    r = cli("params", "--module", "kvm", "--arch", "s390", "--kernel", "6.6", "--json")
    assert "hpage" in [o["name"] for o in r.json["params"]]
    r = cli("params", "--module", "kvm_hv", "--kernel", "6.6", "--json")
    assert "nested" in [o["name"] for o in r.json["params"]]
    assert r.err == ""  # 6.6 is answered by 6.6.0's own sources


def test_release_without_data_names_the_release_used(cli, kernel_gap):
    # the data without 5.13 (tests/conftest.py kernel_gap): 5.12's data answers
    assert kernel_gap == "5.13"
    r = cli("params", "--module", "kvm_intel", "--kernel", "5.13.4", "--json")
    assert r.rc == 0
    assert r.json["kernel"]["data"] == "5.12" and r.json["kernel"]["exact"] is False
    release = r.json["kernel"]["release"]
    assert r.err == (
        "nested-kvm params: Linux 5.13.4: no data for 5.13 (its sources were not found); "
        f"using the data of Linux 5.12 ({release})\n"
    )
    r = cli("params", "--module", "kvm_intel", "--kernel", "5.13")
    assert r.rc == 0 and "using the data of Linux 5.12" in r.err
    assert r.out.splitlines()[0].split() == ["name", "type", "perm", "default", "source"]


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


def test_params_kvm_on_an_arm64_host_is_arm64s(cli, monkeypatch):
    """``params --module kvm`` on an aarch64 machine listed x86's kvm parameters as if
    they were the host's (review s9, clifix's note); then it asked for --arch.  Since
    session 21 the kernel data's ``arm64/kvm`` (built-in code) answers: arm64's
    default halt_poll_ns is 500000, x86's 200000 (KVM_HALT_POLL_NS_DEFAULT)."""
    import os

    real = os.uname()
    fake = os.uname_result((real.sysname, real.nodename, "6.6.0", real.version, "aarch64"))
    monkeypatch.setattr(os, "uname", lambda: fake)
    r = cli("params", "--module", "kvm", "--kernel", "6.6")
    assert r.rc == 0 and "halt_poll_ns             uint  0644  500000" in r.out, (r.rc, r.err)
    assert "built into the kernel" in r.err, r.err
    r = cli("params", "--module", "kvm", "--kernel", "6.6", "--arch", "x86")
    assert r.rc == 0 and "200000" in r.out and "built into" not in r.err, (r.rc, r.err)


def test_an_option_params_would_ignore_is_refused(cli, tmp_path):
    """Before session 21, ``params --root DIR`` without ``--running`` listed this
    machine's kernel and ignored DIR, and ``--running --arch`` ignored ``--arch``."""
    r = cli("params", "--module", "kvm_intel", "--kernel", "6.6", "--root", str(tmp_path))
    assert (r.rc, r.out) == (2, "")
    assert r.err == ("nested-kvm params: --root DIR is read only with --running; "
                     "leave it out or add --running\n")  # fmt: skip
    r = cli("params", "--running", "--arch", "s390", "--root", str(tmp_path))
    assert (r.rc, r.out) == (2, "")
    assert r.err == "nested-kvm params: --arch is the host's with --running; leave it out\n"
