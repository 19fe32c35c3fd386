"""Hypothesis fuzzing: parsers raise only their documented exceptions, and the CLI
never crashes on garbled host files (exit 0, 1 or 2; never a traceback)."""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nested_snippets.cli import main
from nested_snippets.fakehost.host import FakeHost, Scenario
from nested_snippets.parsers import cpuinfo, modprobe_conf, sysfs

KEYS = [
    "processor",
    "vendor_id",
    "flags",
    "features",
    "Features",
    "cpu",
    "platform",
    "model",
    "model name",
    "CPU implementer",
    "CPU part",
    "# processors",
    "machine",
    "vmx flags",
]
WORDS = [
    "GenuineIntel",
    "AuthenticAMD",
    "IBM/S390",
    "POWER9",
    "POWER",
    "PowerNV",
    "pSeries",
    "vmx",
    "svm",
    "sie",
    "hypervisor",
    "0x41",
    "",
    "Y",
    "N",
]

cpuinfo_text = st.one_of(
    st.text(),
    st.lists(
        st.tuples(
            st.sampled_from(KEYS) | st.text(max_size=8),
            st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=5),
        ),
        max_size=12,
    ).map(lambda rows: "".join(f"{k}\t: {' '.join(v)}\n" for k, v in rows)),
)
modprobe_text = st.one_of(
    st.text(),
    st.lists(
        st.tuples(
            st.sampled_from(["options", "blacklist", "install", "alias", "#", "", "optoins"]),
            st.sampled_from(["kvm", "kvm_intel", "kvm-amd", "kvm_hv", "kvm_intl", "snd", ""]),
            st.lists(
                st.tuples(
                    st.sampled_from(["nested", "ept", "hpage", "npt", "x", "enable-apicv"]),
                    st.sampled_from(["", "=1", "=0", "=Y", "=maybe", "=-1", "=0x10", "="]),
                ),
                max_size=3,
            ),
            st.sampled_from(["\n", "\\\n", "\r\n", "\t\n"]),
        ),
        max_size=8,
    ).map(
        lambda rows: "".join(f"{c} {m} {' '.join(a + b for a, b in ws)}{e}" for c, m, ws, e in rows)
    ),
)
param_text = st.one_of(st.text(), st.sampled_from(["Y\n", "N\n", "1\n", "0\n", "-1\n", "0x1\n"]))


@given(cpuinfo_text)
@settings(max_examples=400)
def test_cpuinfo_parser(text):
    try:
        info = cpuinfo.parse(text)
    except cpuinfo.CpuinfoError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert info.arch in ("x86", "s390", "powerpc", "arm64")
    assert info.arch_key in (None, "intel", "amd", "s390x", "power", "arm64")
    cpuinfo.power_generation(info.model)


@given(modprobe_text)
@settings(max_examples=400)
def test_modprobe_parser(text):
    cfg = modprobe_conf.parse_text(text, "/etc/modprobe.d/x.conf")
    for mod in ("kvm", "kvm_intel", "kvm_amd"):
        for word, _line in cfg.options(mod):
            modprobe_conf.split_option(word)
        cfg.blacklisted(mod)


@given(param_text)
@settings(max_examples=400)
def test_sysfs_values(text):
    try:
        value = sysfs.clean(text)
    except sysfs.ParamValueError:
        return
    assert "\n" not in value
    try:
        assert sysfs.as_bool(text) in (True, False)
    except sysfs.ParamValueError as exc:
        assert "\n" not in str(exc)


class _Host:
    """One fake host per test, its files rewritten for each example."""

    def __init__(self, arch: str):
        self.tmp = Path(tempfile.mkdtemp())
        self.root = FakeHost.create(self.tmp / "h", Scenario(arch=arch, kernel="6.6")).root

    def put(self, shown: str, text: str) -> None:
        path = self.root / shown.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()  # read-only files are replaced, not written through
        path.write_bytes(text.encode("utf-8", "surrogatepass"))

    def run(self, *argv: str) -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main([*argv])
        return rc, err.getvalue()


_SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@given(cpu=cpuinfo_text, nested=param_text, conf=modprobe_text, mods=st.text(max_size=80))
@_SETTINGS
def test_check_never_crashes(cpu, nested, conf, mods):
    host = _HOSTS.setdefault("intel", _Host("intel"))
    host.put("/proc/cpuinfo", cpu)
    host.put("/sys/module/kvm_intel/parameters/nested", nested)
    host.put("/etc/modprobe.d/fuzz.conf", conf)
    host.put("/proc/modules", mods)
    for extra in ([], ["--json"], ["--level", "L1"]):
        rc, err = host.run("check", "--root", str(host.root), *extra)
        assert rc in (0, 1, 2)
        assert "Traceback" not in err
        if rc == 2:
            assert err.count("\n") == 1, err


@given(
    conf=modprobe_text,
    arch=st.sampled_from(["x86", "s390", "powerpc"]),
    version=st.sampled_from(["4.19", "5.10", "6.6", "7.1"]),
)
@_SETTINGS
def test_lint_never_crashes(conf, arch, version):
    host = _HOSTS.setdefault("intel", _Host("intel"))
    host.put("/etc/modprobe.d/fuzz.conf", conf)
    rc, err = host.run(
        "lint", str(host.root / "etc/modprobe.d"), "--kernel", version, "--arch", arch
    )
    assert rc in (0, 1)
    assert err == ""


_HOSTS: dict[str, _Host] = {}


def teardown_module() -> None:
    for host in _HOSTS.values():
        shutil.rmtree(host.tmp, ignore_errors=True)
