"""Shared runs: keyed on what a run can observe, checked by full runs."""

from __future__ import annotations

import pytest

from nested_snippets import registry
from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import run, shared


def _key(kernel: str, body) -> tuple[str, str]:
    scenario = Scenario(arch="amd", kernel=kernel)
    with run.fake_host(scenario) as host:
        return shared.key(host, scenario, [body]), host.built.release


def test_the_key_ignores_the_release_name_but_not_what_it_shows():
    body = registry.load().get("enable.check_nested").variants["amd"]
    key_66, release = _key("6.6", body)
    scenario = Scenario(arch="amd", kernel="6.6")
    with run.fake_host(scenario) as host:
        renamed = host.built
        other = "6.6.0-renamed-amd64"
        renamed.release = other
        renamed.cmdline = renamed.cmdline.replace(release, other)
        assert shared.key(host, scenario, [body]) == key_66
        renamed.cmdline += " quiet"  # a difference a snippet can see
        assert shared.key(host, scenario, [body]) != key_66
    assert _key("6.1", body)[0] != key_66  # other parameter tables


def test_an_identical_item_shares_and_is_checked_in_full():
    snippet = registry.load().get("enable.check_nested")
    first = run.run_snippet(snippet, "amd", "6.6")
    again = run.run_snippet(snippet, "amd", "6.6")
    assert first in ("ran", "verified", "shared") and again in ("verified", "shared")


def test_a_shared_result_that_differs_from_the_full_run_fails(monkeypatch):
    snippet = registry.load().get("enable.check_nested")
    run.run_snippet(snippet, "amd", "6.6")
    monkeypatch.setattr(shared, "recall", lambda key, release: [[(["0"], 0)]])
    monkeypatch.setattr(shared, "verify_this_one", lambda: True)
    with pytest.raises(run.Mismatch, match="sharing is unsound here"):
        run.run_snippet(snippet, "amd", "6.6")
