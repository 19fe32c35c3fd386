"""params --running: a vendor kernel's KVM parameters against mainline data."""

from __future__ import annotations

from nested_snippets.cli import running
from nested_snippets.cli.hostfs import HostFS
from tests.cli.conftest import write

PARAMS = "/sys/module/kvm_intel/parameters"


def vendor_host(make_host):
    """A 6.6 Intel host whose kernel adds one parameter, lacks one and re-defaults one."""
    root = make_host("intel", "6.6", nested=True)
    write(root, f"{PARAMS}/vendor_knob", "7\n")  # not in mainline 6.6
    (root / PARAMS.lstrip("/") / "pml").unlink()  # 0444 in mainline: sysfs shows it
    write(root, f"{PARAMS}/ept", "N\n")  # mainline default Y
    return root


def test_running_lists_the_differences(cli, make_host):
    r = cli("params", "--running", "--root", str(vendor_host(make_host)))
    assert r.rc == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].endswith("against the data of mainline Linux 6.6:")
    assert "  only on this host (newer than 6.6, or a vendor addition): vendor_knob=7" in lines
    assert "  in Linux 6.6, missing here (dropped by the vendor?): pml" in lines
    assert (
        "  value differs from Linux 6.6's default: ept=N (default Y; the kernel may change "
        "it at load: hardware_setup() arch/x86/kvm/vmx/vmx.c:8459)"
    ) in lines
    assert "nested=" not in r.out  # the same as mainline: only counted


def test_running_json(cli, make_host):
    doc = cli("params", "--running", "--json", "--root", str(vendor_host(make_host))).json
    assert doc["mainline"] == "6.6"
    by_name = {(p["module"], p["name"]): p for p in doc["params"]}
    assert by_name[("kvm_intel", "vendor_knob")]["status"] == "host-only"
    assert by_name[("kvm_intel", "pml")]["status"] == "mainline-only"
    assert by_name[("kvm_intel", "ept")] == {
        "module": "kvm_intel", "name": "ept", "status": "differs", "host": "N", "default": "Y",
        "reason": None, "at_load": "hardware_setup() arch/x86/kvm/vmx/vmx.c:8459",
    }  # fmt: skip
    assert by_name[("kvm_intel", "nested")]["status"] == "same"
    assert {p["module"] for p in doc["params"]} == {"kvm", "kvm_intel"}


def test_a_value_the_kernel_never_changes_at_load_has_no_note(cli, make_host):
    """kvm_intel's ``nested`` is decided by its default and the options alone (the data
    notes no load-time change): a vendor default that differs is shown bare."""
    root = make_host("intel", "6.6", nested=False)
    r = cli("params", "--running", "--root", str(root))
    assert "  value differs from Linux 6.6's default: nested=N (default Y)" in r.out.splitlines()
    doc = cli("params", "--running", "--json", "--root", str(root)).json
    [nested] = [p for p in doc["params"] if p["name"] == "nested"]
    assert (nested["status"], nested["at_load"]) == ("differs", None)


AMD = "/sys/module/kvm_amd/parameters"


def test_a_default_resolved_at_load_is_not_a_difference(cli, make_host):
    """kvm_amd's ``avic`` defaults to "auto" (7.3), which the module turns into Y or N
    when it loads: either is the outcome of that default, not a vendor's change."""
    root = make_host("amd", "7.3")
    assert (root / AMD.lstrip("/") / "avic").read_text() == "N\n"  # no x2AVIC: stays off
    lines = cli("params", "--running", "--root", str(root)).out.splitlines()
    [avic] = [ln for ln in lines if "avic" in ln and "ipiv" not in ln]
    assert avic.startswith(
        "  avic: decided at load: N (Linux 7.3's default auto is resolved when the module "
        "loads; by avic_want_avic_enabled() arch/x86/kvm/svm/avic.c:"
    ), avic
    doc = cli("params", "--running", "--json", "--root", str(root)).json
    [row] = [p for p in doc["params"] if p["name"] == "avic"]
    assert (row["status"], row["host"], row["default"]) == ("decided-at-load", "N", "auto")
    assert row["at_load"].startswith("avic_want_avic_enabled() arch/x86/kvm/svm/avic.c:")
    write(root, f"{AMD}/avic", "Y\n")  # a Zen 4 host: "auto" turned AVIC on
    doc = cli("params", "--running", "--json", "--root", str(root)).json
    [row] = [p for p in doc["params"] if p["name"] == "avic"]
    assert (row["status"], row["host"]) == ("decided-at-load", "Y")


def test_a_value_no_resolution_gives_still_differs(cli, make_host):
    """A bool prints Y or N; anything else under an "auto" default is reported as a
    difference, and so is N under a plain default of Y (``npt``: no keyword)."""
    root = make_host("amd", "7.3")
    write(root, f"{AMD}/avic", "1\n")
    write(root, f"{AMD}/npt", "N\n")
    doc = cli("params", "--running", "--json", "--root", str(root)).json
    by_name = {p["name"]: p for p in doc["params"]}
    assert (by_name["avic"]["status"], by_name["avic"]["host"]) == ("differs", "1")
    assert (by_name["npt"]["status"], by_name["npt"]["default"]) == ("differs", "Y")


def test_hidden_parameters_come_from_modinfo(make_host, monkeypatch):
    """A parameter with permission 0 is never in sysfs; only modinfo can list it."""
    root = make_host("intel", "6.6")
    fs = HostFS(root)
    plain = running.compare(fs, "6.6", "x86", ["kvm_intel"])
    assert "vendor_hidden" not in {r.name for r in plain}
    fs.real = True  # as on a real host, where modinfo runs
    monkeypatch.setattr(running, "modinfo_params", lambda m: ["vendor_hidden"])
    rows = running.compare(fs, "6.6", "x86", ["kvm_intel"])
    assert ("vendor_hidden", "host-only", None) in [(r.name, r.status, r.host) for r in rows]


def test_modinfo_is_never_run_below_root(make_host, monkeypatch):
    called = []
    monkeypatch.setattr(running, "modinfo_params", lambda m: called.append(m))
    running.compare(HostFS(make_host()), "6.6", "x86", list(running.MODULES))
    assert called == []


def test_running_needs_no_module_and_params_needs_one(cli):
    r = cli("params")
    assert r.rc == 2 and "give --module MODULE (or --running)" in r.err


def test_running_on_this_machine(cli):
    r = cli("params", "--running")
    assert r.rc == 0, r.err
    assert "(running) against the data of mainline Linux" in r.out
