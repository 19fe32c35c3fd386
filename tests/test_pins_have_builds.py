"""Each kernel the real-kernel tier boots has build data of its own point release
(audit of session 17): a pin without it would compare the booted kernel with the
data of another release."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("version", ["6.1.192-2", "6.12.118-1", "7.3.4-1~bpo13+1"])
def test_pinning_kernels_with_build_data_writes_them(monkeypatch, version):
    fresh = _freshness()
    deb = kernels.Deb("linux-image-x", version, "0" * 64, "x.deb")
    written = []
    monkeypatch.setattr(kernels, "newest_debs", lambda target: (deb,))
    monkeypatch.setattr(kernels, "write_pins", written.append)
    assert fresh.main(["--pin"]) == 0
    assert len(written) == 1
