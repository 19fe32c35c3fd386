"""Shared runs: keyed on what a run can observe, checked by random pairs run in full."""

from __future__ import annotations

import pytest

from nested_snippets import registry
from nested_snippets.fakehost.host import Scenario
from nested_snippets.model import Command, Given, Transcript
from nested_snippets.runner import run, shared


@pytest.fixture(autouse=True)
def _own_table():
    """Each test starts with an empty table and leaves no pairs to the session's check."""
    shared.forget()
    yield
    shared.forget()


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


def test_an_identical_item_shares_and_its_pair_agrees_in_full():
    snippet = registry.load().get("enable.check_nested")
    assert run.run_snippet(snippet, "amd", "6.6") == "ran"
    assert run.run_snippet(snippet, "amd", "6.6") == "shared"
    done = shared.check_pairs(seed=1, count=shared.MIN_CHECKED)
    assert (done.shared, len(done.checked), done.failures) == (1, 1, [])


AVIC = "cat /sys/module/kvm_amd/parameters/avic"


def _avic(kernel: str, shown: str) -> str:
    """Run a body that prints ``kvm_amd.avic`` (0 on 4.19, N on 6.6) on ``kernel``."""
    body = Transcript((Command(AVIC, (shown,)),))
    return run.run_item(run.scenario_for("amd", kernel, Given()), [(body, f"avic {kernel}")])


def test_an_output_that_depends_on_the_release_is_not_shared():
    """The same body on two releases whose ``avic`` default differs: both run in full
    (had 6.6 used 4.19's run, it would print ``0`` and fail)."""
    assert _avic("4.19", "0") == "ran"
    assert _avic("6.6", "N") == "ran"
    assert _avic("6.6", "N") == "shared"


def test_a_fact_left_out_of_a_faulty_key_is_caught(monkeypatch):
    """With a key that leaves out the release's tables, 6.6 would share 4.19's run: its
    ``0`` then fails against the guide's ``N``, and a pair re-run in full shows the
    difference even where the guide was not consulted."""
    monkeypatch.setattr(shared, "key", lambda host, scenario, bodies: "one key")
    assert _avic("4.19", "0") == "ran"
    with pytest.raises(run.Mismatch, match="sharing is unsound here"):
        _avic("6.6", "N")  # the shared 0 fails the guide; the full run shows N
    shared.forget()
    assert _avic("4.19", "0") == "ran"
    assert _avic("4.19", "0") == "shared"
    pair = shared._PAIRS[0]
    body = Transcript((Command(AVIC, ("N",)),))
    on_66 = run.scenario_for("amd", "6.6", Given())
    pair.rerun = lambda: ("one key", run._full_run(on_66, [body])[1])
    done = shared.check_pairs(seed=7, count=1)
    assert done.checked == ["avic 4.19"]
    assert len(done.failures) == 1 and "sharing is unsound here" in done.failures[0]


def test_pairs_are_chosen_by_the_seed():
    for n in range(80):
        shared.note_shared(f"item {n}", "first", "k", "seen", lambda: ("k", "seen"))
    pairs = list(shared._PAIRS)
    one = shared.check_pairs(seed=3, count=10).checked
    shared._PAIRS.extend(reversed(pairs))
    again = shared.check_pairs(seed=3, count=10).checked
    shared._PAIRS.extend(pairs)
    other = shared.check_pairs(seed=4, count=10).checked
    assert one == again and one != other and len(set(one)) == 10


def test_a_pair_whose_host_cannot_be_built_again_is_not_counted():
    shared.note_shared("changed", "first", "k", "seen", lambda: ("other key", "different"))
    shared.note_shared("same", "first", "k", "seen", lambda: ("k", "seen"))
    done = shared.check_pairs(seed=1, count=2)
    assert (done.shared, done.checked, done.failures) == (2, ["same"], [])


def test_the_quota_covers_the_minimum_over_all_processes():
    for processes in (1, 2, 3, 7):
        assert shared.quota(processes) * processes >= shared.MIN_CHECKED


def test_a_shared_result_that_differs_from_a_full_run_fails_the_item(monkeypatch):
    snippet = registry.load().get("enable.check_nested")
    run.run_snippet(snippet, "amd", "6.6")
    monkeypatch.setattr(shared, "recall", lambda key, release: ([[(["0"], 0)]], "first"))
    with pytest.raises(run.Mismatch, match="sharing is unsound here"):
        run.run_snippet(snippet, "amd", "6.6")
