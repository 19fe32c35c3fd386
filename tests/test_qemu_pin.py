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
        assert {d["package"] for d in debs} == set(debian_qemu.PINNED_PACKAGES), name
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
    pinned = {d["package"]: kernels.Deb(**d) for d in _pins()["bookworm-backports"]}
    _offline(monkeypatch, pinned)
    assert freshness.report() == 0, capsys.readouterr().out
    assert "qemu-system-ppc" in capsys.readouterr().out
