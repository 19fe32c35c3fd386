"""The Debian QEMU the real-tool tier checks is pinned
(nested_snippets/realkernel/pinned_qemu.json).

``make test`` fetches exactly the pinned package (version and SHA256), never the
newest in Debian's index, so a Debian upload cannot turn CI red overnight;
``make freshness`` (``tools/freshness.py``) reports newer uploads instead.
No network here: Debian's index and the download are stand-ins.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from nested_snippets.realkernel import kernels
from tests.realtools import debian_qemu

REPO = Path(__file__).resolve().parents[1]
PIN_FILE = REPO / "nested_snippets" / "realkernel" / "pinned_qemu.json"
sys.path.insert(0, str(REPO / "tools"))
import freshness  # noqa: E402


def _pins() -> dict:
    return json.loads(PIN_FILE.read_text())["targets"]


def test_every_target_pins_version_and_sha256_of_each_package():
    pins = _pins()
    assert set(pins) == set(debian_qemu.TARGETS)
    for name, debs in pins.items():
        want = {*debian_qemu.PINNED_PACKAGES[name], *debian_qemu.LIBRARIES.get(name, ())}
        assert {d["package"] for d in debs} == want, name
        for d in debs:
            assert re.fullmatch(r"[0-9a-f]{64}", d["sha256"]), d
            upstream = d["version"].partition(":")[2] or d["version"]
            assert d["filename"] == f"{d['package']}_{upstream}_amd64.deb", d


def test_the_pinned_package_is_fetched_not_the_newest(tmp_path, monkeypatch):
    def newest(*_a):
        raise AssertionError("make test must not ask Debian's index for the newest QEMU")

    fetched = []

    def download(target, deb):
        fetched.append((target.name, deb))
        return tmp_path / deb.filename

    def unpack(cmd, **_kw):
        (Path(cmd[-1]) / "usr" / "bin").mkdir(parents=True)
        (Path(cmd[-1]) / "usr" / "bin" / "qemu-system-x86_64").touch()

    monkeypatch.setattr(kernels, "_newest", newest)
    monkeypatch.setattr(kernels, "apt_update", newest)
    monkeypatch.setattr(kernels, "download", download)
    monkeypatch.setattr(debian_qemu, "UNPACKED", tmp_path / "qemu")
    monkeypatch.setattr(debian_qemu.subprocess, "run", unpack)
    name = next(iter(debian_qemu.TARGETS))
    debian_qemu.binary(name, "qemu-system-x86_64")
    (want,) = [d for d in _pins()[name] if d["package"] == "qemu-system-x86"]
    assert fetched == [(name, kernels.Deb(**want))]


def test_a_package_without_a_pin_is_not_fetched(tmp_path, monkeypatch):
    monkeypatch.setattr(debian_qemu, "PINNED", tmp_path / "pins.json")
    (tmp_path / "pins.json").write_text('{"targets": {}}')
    monkeypatch.setattr(kernels, "download", lambda *_a: pytest.fail("fetched unpinned"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no pinned qemu-system-x86"):
        debian_qemu.binary(next(iter(debian_qemu.TARGETS)), "qemu-system-x86_64")


def _offline(monkeypatch, offered: dict) -> None:
    monkeypatch.setattr(freshness.kernels, "TARGETS", {})
    monkeypatch.setattr(freshness.kernels, "pinned", dict)
    monkeypatch.setattr(debian_qemu, "newest_debs", lambda name: offered)


def test_freshness_reports_a_newer_qemu_upload(monkeypatch, capsys):
    pinned = {d["package"]: kernels.Deb(**d) for d in _pins()["bookworm-backports"]}
    newer = {p: kernels.Deb(p, d.version + "1", "0" * 64, d.filename) for p, d in pinned.items()}
    _offline(monkeypatch, newer)
    assert freshness.report() == 1
    out = capsys.readouterr().out
    assert re.search(
        r"real-tool QEMU bookworm-backports: pinned qemu-system-x86 \S+; "
        r"Debian offers qemu-system-x86 \S+1 \(NEWER on Debian\)",
        out,
    ), out


def test_freshness_is_quiet_when_the_pin_is_current(monkeypatch, capsys):
    pinned = {name: {d["package"]: kernels.Deb(**d) for d in debs}
              for name, debs in _pins().items()}  # fmt: skip
    _offline(monkeypatch, pinned)
    monkeypatch.setattr(debian_qemu, "newest_debs", lambda name: pinned[name])
    assert freshness.report() == 0, capsys.readouterr().out
    assert "qemu-system-ppc" in capsys.readouterr().out


def test_bullseye_s_qemu_5_2_is_pinned_with_the_debian_11_libraries_it_links():
    # Debian's bullseye-security index (read 2026-12-04): qemu-system-x86
    # 1:5.2+dfsg-11+deb11u5; the libraries are what ldd found missing on Debian 12
    pins = {d["package"]: d for d in _pins()["bullseye"]}
    assert pins["qemu-system-x86"]["version"] == "1:5.2+dfsg-11+deb11u5"
    assert pins["qemu-system-x86"]["sha256"].startswith("dc824c1e8f6f")
    assert {"liburing1", "libvirglrenderer1", "libxenmisc4.14", "libxenstore3.0"} <= set(pins)
    assert debian_qemu.PINNED_PACKAGES["bullseye"] == ("qemu-system-x86",)


def test_a_library_target_runs_its_binary_through_a_wrapper(tmp_path, monkeypatch):
    """bullseye's binary is run by a script that puts its unpacked libraries first."""
    unpacked = []

    def fetch(name, package):
        root = tmp_path / package
        (root / "usr" / "bin").mkdir(parents=True)
        (root / "usr" / "lib" / "x86_64-linux-gnu").mkdir(parents=True)
        (root / "usr" / "bin" / "qemu-system-x86_64").touch()
        unpacked.append(package)
        return root / "usr" / "bin"

    monkeypatch.setattr(debian_qemu, "_fetch", fetch)
    monkeypatch.setattr(debian_qemu, "UNPACKED", tmp_path)
    path = Path(debian_qemu.binary("bullseye", "qemu-system-x86_64"))
    assert set(unpacked) == {"qemu-system-x86", *debian_qemu.LIBRARIES["bullseye"]}
    script = path.read_text()
    assert "LD_LIBRARY_PATH=" in script and str(tmp_path / "libxenmisc4.14") in script
    assert f'exec {tmp_path / "qemu-system-x86" / "usr" / "bin" / "qemu-system-x86_64"} "$@"' in (
        script)


def test_a_package_a_target_does_not_pin_is_skipped_even_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.skip.Exception, match="only qemu-system-x86 is pinned"):
        debian_qemu.binary("bullseye", "qemu-system-ppc64")
