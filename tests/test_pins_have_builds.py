"""Each kernel the real-kernel tier boots has build data of its own point release
(audit of session 17): a pin without it would compare the booted kernel with the
data of another release."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from nested_snippets import kernel as kdata
from nested_snippets.realkernel import kernels

REPO = Path(__file__).resolve().parent.parent


def _freshness():
    spec = importlib.util.spec_from_file_location("freshness", REPO / "tools/freshness.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("freshness", module)
    spec.loader.exec_module(module)
    return module


def test_every_pinned_image_has_build_data_of_its_point_release():
    assert _freshness().unbuilt(kernels.pinned()) == []


def test_pinning_a_kernel_without_build_data_is_refused(monkeypatch, capsys):
    fresh = _freshness()
    newer = kernels.Deb("linux-image-6.1.0-99-amd64", "6.1.999-1", "0" * 64, "x.deb")
    written = []
    monkeypatch.setattr(kernels, "newest_debs", lambda target: (newer,))
    monkeypatch.setattr(kernels, "write_pins", written.append)
    assert fresh.main(["--pin"]) == 2
    assert written == []
    err = capsys.readouterr().err
    assert "linux-image-6.1.0-99-amd64 6.1.999-1 has no build data" in err
    assert "builds/6.1.999.json" in err


def _built_images() -> list[kernels.Deb]:
    """The image package each build file was made for (its ``uname -r`` and version)."""
    images = []
    for point in kdata.build_versions():
        build = kdata.load(point).build
        package = f"linux-image-{build['kernel_release']}"
        version = build["source_package"]["version"]
        images.append(kernels.Deb(package, version, "0" * 64, "x.deb"))
    return images


@pytest.mark.parametrize("deb", _built_images(), ids=lambda d: d.version)
def test_pinning_kernels_with_build_data_writes_them(monkeypatch, deb):
    fresh = _freshness()
    written = []
    monkeypatch.setattr(kernels, "newest_debs", lambda target: (deb,))
    monkeypatch.setattr(kernels, "write_pins", written.append)
    monkeypatch.setattr(fresh.debian_qemu, "newest_debs", lambda name: {})
    monkeypatch.setattr(fresh.debian_qemu, "write_pins", lambda pins: None)
    assert fresh.main(["--pin"]) == 0
    assert len(written) == 1


def test_a_reupload_of_a_built_point_release_is_refused(monkeypatch, capsys):
    """Session 21: Debian re-uploaded 6.1.192 (-2 to -3, ABI 6.1.0-56 to -57); the build
    file of 6.1.192 is of one upload only, and the tier checks the one it booted."""
    fresh = _freshness()
    reupload = kernels.Deb("linux-image-6.1.0-99-amd64", "6.1.192-99", "0" * 64, "x.deb")
    written = []
    monkeypatch.setattr(kernels, "newest_debs", lambda target: (reupload,))
    monkeypatch.setattr(kernels, "write_pins", written.append)
    assert fresh.main(["--pin"]) == 2
    assert written == []
    err = capsys.readouterr().err
    assert "linux-image-6.1.0-99-amd64 6.1.192-99 has no build data of its own" in err
    assert "builds/6.1.192.json is of " in err


def test_pin_target_repins_that_target_only(monkeypatch, capsys):
    fresh = _freshness()
    before = kernels.pinned()
    new = kernels.Deb(before["bookworm"][0].package, before["bookworm"][0].version, "1" * 64,
                      before["bookworm"][0].filename)  # fmt: skip
    asked, written = [], []

    def newest(target):
        asked.append(target.name)
        return (new,)

    monkeypatch.setattr(kernels, "newest_debs", newest)
    monkeypatch.setattr(kernels, "write_pins", written.append)
    monkeypatch.setattr(fresh.debian_qemu, "newest_debs", lambda n: pytest.fail("asked " + n))
    monkeypatch.setattr(fresh.debian_qemu, "write_pins", lambda p: pytest.fail("QEMU re-pinned"))
    assert fresh.main(["--pin", "--target", "bookworm"]) == 0
    assert asked == ["bookworm"]
    assert written == [{**before, "bookworm": (new,)}]
    assert "pinned bookworm: " in capsys.readouterr().out


def test_target_needs_pin(capsys):
    with pytest.raises(SystemExit):
        _freshness().main(["--target", "bookworm"])
    assert "--target needs --pin" in capsys.readouterr().err
