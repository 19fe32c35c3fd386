"""Distribution builds (``kernel/data/builds``): guards evaluated, kept apart from releases."""

from __future__ import annotations

import json

import pytest

from nested_snippets import kernel as kdata
from nested_snippets.kernel import builds

CONFIG = {"CONFIG_A": "y", "CONFIG_M": "m", "CONFIG_OFF": None, "CONFIG_STR": "abc"}


@pytest.mark.parametrize(
    ("expr", "want"),
    [
        (None, True),
        ("CONFIG_A", True),
        ("CONFIG_M", True),
        ("CONFIG_OFF", False),
        ("CONFIG_UNKNOWN", False),
        ("CONFIG_STR", False),
        ("!CONFIG_OFF", True),
        ("CONFIG_A && CONFIG_OFF", False),
        ("CONFIG_A && !CONFIG_OFF", True),
        ("CONFIG_OFF || CONFIG_M", True),
        ("!(CONFIG_A || CONFIG_OFF)", False),
        ("CONFIG_OFF || CONFIG_A && CONFIG_M", True),
        ("(CONFIG_OFF || CONFIG_A) && !CONFIG_M", False),
        ("MMU_DEBUG (defined nowhere in the tree: not built)", False),
        ("CONFIG_A && (CONFIG_M", False),
        ("CONFIG_A CONFIG_M", False),
    ],
)
def test_guard_is_evaluated_with_the_config(expr, want) -> None:
    assert builds.built(expr, CONFIG) is want


def test_builds_are_not_releases() -> None:
    assert kdata.build_versions() == ["6.1.192", "6.12.118", "7.3.4"]
    assert not set(kdata.build_versions()) & set(kdata.versions())
    assert "6.1.192" not in [r.version for r in kdata.index()]


def test_a_build_stands_for_its_point_release_only() -> None:
    assert kdata.data_version("6.1.192") == "6.1.192"
    assert kdata.data_version("6.1.191") == "6.1"
    assert kdata.load("6.1.191").version == "6.1"


def test_stable_backport_and_config_show_in_the_build_only() -> None:
    # x86.c of 6.1.0 (the 6.1 data) has no mitigate_smt_rsb; Debian's 6.1.192 has the
    # 6.1.y backport; vmx.c of 6.1.192 puts pt_mode under CONFIG_BROKEN, 6.1.0 does not
    release, build = kdata.load("6.1"), kdata.load("6.1.192")
    assert "mitigate_smt_rsb" not in release.module("x86", "kvm")
    assert "mitigate_smt_rsb" in build.module("x86", "kvm")
    assert release.module("x86", "kvm_intel").param("pt_mode").config is None
    assert "pt_mode" not in build.module("x86", "kvm_intel")
    # tdx.c is linked only with CONFIG_KVM_INTEL_TDX, which Debian's 7.3.4 leaves unset
    assert kdata.load("7.3").module("x86", "kvm_intel").param("tdx").config == (
        "CONFIG_KVM_INTEL_TDX"
    )
    assert kdata.load("7.3.4").build["config"]["CONFIG_KVM_INTEL_TDX"] is None
    assert "tdx" not in kdata.load("7.3.4").module("x86", "kvm_intel")


def test_a_build_without_its_config_is_refused(tmp_path) -> None:
    raw = json.loads((kdata.DATA_DIR / "builds" / "6.1.192.json").read_text())
    del raw["build"]["config"]
    path = tmp_path / "6.1.192.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(kdata.KernelDataError, match=r"^6\.1\.192\.json: build lacks"):
        kdata._build(path)


def test_a_build_named_for_another_version_is_refused(tmp_path) -> None:
    raw = json.loads((kdata.DATA_DIR / "builds" / "6.12.118.json").read_text())
    path = tmp_path / "6.12.117.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(kdata.KernelDataError, match="does not match the file name"):
        kdata._build(path)


@pytest.mark.parametrize(
    "expr", ["(" * 5000, "!" * 5000, 5, ["CONFIG_A"], {"x": 1}, " || ".join(["CONFIG_A"] * 400)]
)
def test_a_hostile_guard_is_not_built_and_raises_nothing(expr) -> None:
    assert builds.built(expr, CONFIG) is False


def _bad_build(tmp_path, mutate) -> str:
    raw = json.loads((kdata.DATA_DIR / "builds" / "6.1.192.json").read_text())
    mutate(raw)
    path = tmp_path / "6.1.192.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(kdata.KernelDataError) as exc:
        kdata._build(path)
    return str(exc.value)


def _param(raw) -> dict:
    return raw["modules"]["x86/kvm"]["params"][0]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: _param(r).update(config=5), "config is not a string"),
        (lambda r: _param(r).update(config=["CONFIG_A"]), "config is not a string"),
        (lambda r: _param(r).update(config="(" * 3000), "config over 1000 characters"),
        (lambda r: _param(r).update(name=5), "name is not a string"),
        (lambda r: r.update(messages=[]), "messages is not an object"),
        (lambda r: r.update(missing=5), "missing is not a list"),
        (lambda r: r.update(notes="text"), "notes is not a list"),
        (lambda r: r.update(boot_params=[]), "boot_params is not an object"),
        (lambda r: r["modules"]["x86/kvm"].update(files="abc"), "files is not a list of strings"),
    ],
)
def test_a_malformed_build_is_refused_with_its_place(tmp_path, mutate, message) -> None:
    assert message in _bad_build(tmp_path, mutate)


def test_bytes_that_are_not_json_are_refused(tmp_path) -> None:
    path = tmp_path / "6.1.192.json"
    path.write_bytes(b'{"version": "\xff"}')
    with pytest.raises(kdata.KernelDataError, match=r"^6\.1\.192\.json: not UTF-8"):
        kdata._build(path)
    path.write_text("[" * 100_000)
    with pytest.raises(kdata.KernelDataError, match="nested too deeply|invalid JSON"):
        kdata._build(path)
