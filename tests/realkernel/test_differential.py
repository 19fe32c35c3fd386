"""Every AMD snippet run on a real kernel gives what the fake host gives."""

from __future__ import annotations

import dataclasses

import pytest

from nested_snippets import kernel as kdata
from nested_snippets.realkernel import differential

from .conftest import tier_run


def test_snippet_matches_fake_host(target: str, case_id: str) -> None:
    tier = tier_run(target)
    if case_id in tier.skipped:
        pytest.skip(f"{case_id} not run on {tier.kernel.release}: {tier.skipped[case_id]}")
    upstream = ".".join(tier.kernel.upstream.split(".")[:2])
    data_series = ".".join(tier.kernel.data_version.split(".")[:2])
    if case_id.startswith("probe.") and upstream != data_series:
        # probes compare every parameter; a newer kernel adds parameters the data lacks
        pytest.skip(f"{case_id}: no kernel data for Linux {upstream} (compared with "
                    f"{tier.kernel.data_version}); the guide's snippets are still compared")
    diffs = differential.compare(tier, case_id)
    if diffs:
        head = (f"{len(diffs)} command(s) of {case_id} differ between Linux "
                f"{tier.kernel.release} ({tier.kernel.image.package} {tier.kernel.version}, "
                f"QEMU -cpu max, TCG) and the fake host (Linux data {tier.kernel.data_version})")
        pytest.fail(head + "\n\n" + "\n\n".join(d.explain() for d in diffs), pytrace=False)


def test_guest_is_what_the_tier_assumes(target: str) -> None:
    tier = tier_run(target)
    assert tier.guest.release == tier.kernel.release
    assert "svm" in tier.guest.flags and "vmx" not in tier.guest.flags


def _nested_prints_y(real_module):
    def module(arch: str, name: str, version: str):
        data = real_module(arch, name, version)
        if data.name != "kvm_amd":
            return data
        params = tuple(dataclasses.replace(p, default="Y") if p.name == "nested" else p
                       for p in data.params)  # fmt: skip
        return dataclasses.replace(data, params=params)

    return module


def test_a_broken_fake_is_caught(target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the fake's AMD ``nested`` print ``Y``: the differential check must fail."""
    tier = tier_run(target)
    case_id = "probe.amd_nested"
    assert differential.compare(tier, case_id) == [], "the unbroken fake must agree"
    monkeypatch.setattr(kdata, "module", _nested_prints_y(kdata.module))
    diffs = differential.compare(tier, case_id)
    assert diffs, "the differential check missed a fake that prints nested=Y"
    assert diffs[0].real == ["1"] and diffs[0].fake == ["Y"]
    assert "|" in diffs[0].explain()
