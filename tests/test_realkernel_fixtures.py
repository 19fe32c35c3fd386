"""Recorded real-kernel fixtures agree with the source-derived kernel data (no QEMU).

Fixtures come from ``tools/record_fixture.py`` (a real Debian kernel booted under
QEMU TCG ``-cpu max``).  A failure names the fixture, the module, the parameter and
both values, so either the data or its extractor can be fixed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nested_snippets import kernel as kdata
from nested_snippets.kernel import messages
from nested_snippets.parsers import values
from nested_snippets.realkernel import FIXTURES

FILES = sorted(FIXTURES.glob("*.json"))
MODULES = ("kvm", "kvm_amd", "kvm_intel")
KNOWN = {
    ("value", "6.1.192", "kvm", "enable_pmu"):
        "cleared by kvm_init_pmu_capability() (pmu.h) when the CPU has no PMU; "
        "the data has no runtime marker",
    ("value", "6.12.118", "kvm", "enable_pmu"): "as on 6.1.192",
}
"""Known disagreements between the data and a real kernel, reported as xfail; a
mismatch not listed here fails, and so does an entry that no longer mismatches."""
_PARM = re.compile(r"^(?P<name>\w+):(?P<desc>.*?)(?: ?\((?P<type>\w+)\))?$")


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _data(fixture: dict, module: str) -> kdata.ModuleData:
    return kdata.module("x86", module, fixture["data_version"])


def _where(path: Path, fixture: dict, module: str) -> str:
    return f"{path.name} (Linux data {fixture['data_version']}) {module}"


def _series(version: str) -> str:
    return ".".join(version.split(".")[:2])


@pytest.fixture(params=FILES, ids=[p.stem for p in FILES])
def recorded(request) -> tuple[Path, dict]:
    """A fixture whose kernel series has its own data file (others would only report
    the changes since the nearest older data version, not errors in the data)."""
    fx = _load(request.param)
    if _series(fx["upstream_version"]) != _series(fx["data_version"]):
        pytest.skip(f"{request.param.name}: no kernel data for Linux "
                    f"{_series(fx['upstream_version'])} (nearest is {fx['data_version']})")
    return request.param, fx


def _verdict(kind: str, fx: dict, found: dict[tuple[str, str], str],
             checked: set[tuple[str, str]]) -> None:  # fmt: skip
    """Fail on unknown problems and on stale KNOWN entries; xfail on known ones."""
    version = (kind, fx["data_version"])
    new = [text for key, text in found.items() if (*version, *key) not in KNOWN]
    stale = [f"KNOWN{(*version, *key)} no longer differs: remove it" for key in checked
             if (*version, *key) in KNOWN and key not in found]  # fmt: skip
    assert not new + stale, "\n".join(new + stale)
    if found:
        pytest.xfail("known data gaps:\n" + "\n".join(
            f"{text} [known: {KNOWN[(*version, *key)]}]" for key, text in found.items()))


def test_every_known_gap_names_a_fixture() -> None:
    versions = {_load(p)["data_version"] for p in FILES}
    assert not [key for key in KNOWN if key[1] not in versions]


def test_there_is_a_fixture_for_linux_6_1() -> None:
    assert any(_series(_load(p)["data_version"]) == "6.1" for p in FILES), f"none in {FIXTURES}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fixture_is_compared_with_its_own_build(path: Path) -> None:
    """Each recorded kernel has the data of its own build (source package and config),
    so a difference is an extractor or fake-host error, not a stable backport."""
    fx = _load(path)
    build = kdata.load(fx["data_version"]).build
    assert build is not None, f"{path.name}: no data/builds/{fx['upstream_version']}.json"
    assert build["kernel_release"] == fx["kernel_release"]
    packages = {(d["package"], d["version"]) for d in fx["provenance"]["packages"]}
    config_package = tuple(build["config_source"].split(":")[0].split(" "))
    assert config_package in packages or config_package[0].startswith("linux-base-"), (
        f"{path.name}: the build's config comes from {config_package}, "
        f"the fixture booted {sorted(packages)}")


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fixture_provenance(path: Path) -> None:
    fx = _load(path)
    prov = fx["provenance"]
    assert path.name == f"{fx['kernel_release']}-tcg-{prov['cpu_model']}.json"
    assert kdata.data_version(fx["upstream_version"]) == fx["data_version"]
    for deb in prov["packages"]:
        assert re.fullmatch(r"[0-9a-f]{64}", deb["sha256"]), deb
    assert prov["qemu"].startswith("QEMU emulator version")


def test_recorded_parameters_exist_in_the_data(recorded) -> None:
    path, fx = recorded
    found: dict[tuple[str, str], str] = {}
    checked: set[tuple[str, str]] = set()
    for module, params in fx["params"].items():
        data = _data(fx, module)
        for name in params:
            checked.add((module, name))
            if not data.has(name):
                found[(module, name)] = (
                    f"{_where(path, fx, module)}: the kernel has '{name}', the data does not"
                )
    _verdict("present", fx, found, checked)


def test_data_parameters_exist_in_the_kernel(recorded) -> None:
    """Visible, config-independent parameters of the data are in the real sysfs."""
    path, fx = recorded
    found: dict[tuple[str, str], str] = {}
    checked: set[tuple[str, str]] = set()
    for module, params in fx["params"].items():
        for p in _data(fx, module).params:
            if p.visible and p.config is None:
                checked.add((module, p.name))
                if p.name not in params:
                    found[(module, p.name)] = (f"{_where(path, fx, module)}: the data has "
                                               f"'{p.name}' ({p.source}), the kernel does not")
    _verdict("absent", fx, found, checked)


def expected_value(param: kdata.Param, flags: set[str]) -> str | None:
    """What sysfs should print, or None where only the module's code decides."""
    if param.default is None:
        return None
    if param.runtime_requires:
        missing = [f for f in param.runtime_requires if f not in flags]
        return values.off_value(param.type) if missing else param.default
    if param.runtime:
        return None
    return param.default


def test_values_are_the_data_defaults(recorded) -> None:
    path, fx = recorded
    flags = set(fx["cpu"]["flags"])
    problems: dict[tuple[str, str], str] = {}
    checked: set[tuple[str, str]] = set()
    for module, params in fx["params"].items():
        data = _data(fx, module)
        for name, value in params.items():
            if not data.has(name):
                continue
            param = data.param(name)
            want = expected_value(param, flags)
            checked.add((module, name))
            if want is not None and want != value:
                why = (f"runtime_requires {list(param.runtime_requires)}"
                       if param.runtime_requires else "no runtime marker")  # fmt: skip
                problems[(module, name)] = (
                    f"{_where(path, fx, module)}.{name}: kernel prints {value!r}, data says "
                    f"{want!r} ({why}; default {param.default!r}, runtime {param.runtime!r})")
    _verdict("value", fx, problems, checked)


def test_modes_are_the_data_perms(recorded) -> None:
    path, fx = recorded
    problems = []
    for module, modes in fx["param_modes"].items():
        data = _data(fx, module)
        problems += [f"{_where(path, fx, module)}.{name}: sysfs mode {mode}, data perm "
                     f"{data.param(name).perm_octal}"
                     for name, mode in modes.items()
                     if data.has(name)
                     and int(mode, 8) != data.param(name).perm & 0o777]  # fmt: skip
    assert not problems, "\n".join(problems)


def parse_modinfo_p(lines: list[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for line in lines:
        m = _PARM.match(line)
        if m:
            out[m.group("name")] = m.group("type")
    return out


def test_modinfo_types_are_the_data_types(recorded) -> None:
    path, fx = recorded
    problems = []
    found: dict[tuple[str, str], str] = {}
    checked: set[tuple[str, str]] = set()
    for module in MODULES:
        data = _data(fx, module)
        for name, ptype in parse_modinfo_p(fx["modinfo_p"][module]).items():
            checked.add((module, name))
            if not data.has(name):
                found[(module, name)] = (f"{_where(path, fx, module)}: modinfo lists "
                                         f"'{name}', the data does not")  # fmt: skip
            elif data.param(name).modinfo_type != ptype:
                problems.append(f"{_where(path, fx, module)}.{name}: modinfo type {ptype!r}, "
                                f"data modinfo_type {data.param(name).modinfo_type!r}")
    assert not problems, "\n".join(problems)
    _verdict("modinfo_listed", fx, found, checked)


def test_data_parameters_are_in_modinfo(recorded) -> None:
    """Every parameter modinfo would show according to the data is in the real modinfo
    (kvm_intel never loads under TCG, so this is the only check of its list)."""
    path, fx = recorded
    found: dict[tuple[str, str], str] = {}
    checked: set[tuple[str, str]] = set()
    for module in MODULES:
        listed = parse_modinfo_p(fx["modinfo_p"][module])
        for p in _data(fx, module).params:
            if p.config is None and (p.desc is not None or p.modinfo_type is not None):
                checked.add((module, p.name))
                if p.name not in listed:
                    found[(module, p.name)] = (f"{_where(path, fx, module)}: the data has "
                                               f"'{p.name}' ({p.source}), modinfo does not")
    _verdict("modinfo", fx, found, checked)


def test_kvm_intel_symptom_is_the_fake_hosts(recorded) -> None:
    """Under TCG (no VMX) kvm_intel fails with the line the fake host prints."""
    _path, fx = recorded
    load, version = fx["kvm_intel_load"], fx["data_version"]
    assert load["status"] == 1
    assert load["output"] == ["modprobe: ERROR: could not insert 'kvm_intel': "
                              "Operation not supported"]  # fmt: skip
    assert messages.errno_for("no_hw_support", version) == "EOPNOTSUPP"
    assert load["dmesg"] == [messages.message("no_hw_support", version, module="kvm_intel")]


def test_kvm_amd_nested_line_is_the_fake_hosts(recorded) -> None:
    _path, fx = recorded
    want = messages.message("amd_nested_enabled", fx["data_version"])
    assert fx["kvm_amd_load"]["status"] == 0
    assert want in fx["kvm_amd_load"]["dmesg"], fx["kvm_amd_load"]["dmesg"]


def test_the_tier_boots_the_kernels_the_fixtures_were_recorded_from():
    """pinned.json and the fixtures name the same packages, byte for byte (SHA256)."""
    import glob
    import json

    from nested_snippets.realkernel import FIXTURES, kernels

    pins = {name: [d.sha256 for d in debs] for name, debs in kernels.pinned().items()}
    recorded = {}
    for path in glob.glob(str(FIXTURES / "*.json")):
        prov = json.loads(Path(path).read_text())["provenance"]
        recorded[prov["target"]] = [p["sha256"] for p in prov["packages"]]
    assert set(pins) == set(kernels.TARGETS), "every target is pinned"
    assert pins == recorded
