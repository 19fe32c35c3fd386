"""The real-kernel tier's private apt runs work where ``/tmp`` is not world-writable.

apt drops to ``_apt`` before it writes the configuration it hands gpgv into
``TMPDIR``; with a 0755 ``/tmp`` (as some container images ship it) every signature
check failed and the tier could fetch nothing (CI, stop 21).  A stand-in
``apt-get`` records the ``TMPDIR`` it was given.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from nested_snippets.realkernel import kernels


def test_apt_update_gets_a_sticky_world_writable_tmpdir(tmp_path, monkeypatch):
    seen = tmp_path / "seen"
    fake = tmp_path / "bin" / "apt-get"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$TMPDIR" > {seen}\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    monkeypatch.setenv("TMPDIR", "/nonexistent-tmp")
    monkeypatch.setattr(kernels, "CACHE", tmp_path / "cache")
    target = kernels.TARGETS[next(iter(kernels.TARGETS))]
    kernels.apt_update(target)
    tmpdir = Path(seen.read_text().strip())
    assert tmpdir.parent == tmp_path / "cache" / "apt" / target.name
    assert stat.S_IMODE(tmpdir.stat().st_mode) == 0o1777


def test_a_failing_apt_names_its_command(tmp_path, monkeypatch):
    fake = tmp_path / "apt-get"
    fake.write_text("#!/bin/sh\necho 'E: no network' >&2\nexit 100\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setattr(kernels, "CACHE", tmp_path / "cache")
    target = kernels.TARGETS[next(iter(kernels.TARGETS))]
    failed = r"`apt-get -o \.\.\.` failed: E: no network"
    with pytest.raises(kernels.RealKernelUnavailable, match=failed):
        kernels.apt_update(target)
