"""Release boundaries from the data: exact, in a gap, or at the edge."""

from __future__ import annotations

import pytest

from nested_snippets.kernel import boundaries as b

b_adjacent = b.adjacent


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("4.19", "4.20", True), ("4.20", "5.0", True), ("5.19", "6.0", True), ("6.19", "7.0", True),
     ("6.1", "6.3", False), ("7.3", "6.1", False)],
)  # fmt: skip
def test_adjacent_follows_the_mainline_series(a, b, expected):
    assert b_adjacent(a, b) is expected


def test_adjacent_releases_give_an_exact_boundary():
    assert b.Boundary("4.20", "4.19").text("since") == "4.20"
    assert b.Boundary("6.19", "7.0").text("until") == "6.19"


def test_a_gap_is_never_guessed():
    # a boundary across one release the data lacks names it with its neighbour (5.13 was
    # such a gap until its sources were found; Boundary takes the releases in between)
    assert b.Boundary("5.14", "5.12").text("since") == "5.13 or 5.14"
    assert b.Boundary("5.12", "5.14").text("until") == "5.12 or 5.13"
    assert b.Boundary("5.14", "5.12").missing == ["5.13"]
    # a wider gap than the data has today: the range
    assert b.Boundary("6.4", "6.0").text("since") == "between 6.0 and 6.4"


def test_the_edge_of_the_data_says_so():
    assert b.Boundary("4.19", None, edge=True).text("since") == "4.19 or earlier"


def test_intel_nested_default_is_on_from_4_20():
    # commit 1e58e5e59148 ("KVM: VMX: enable nested virtualization by default"), 4.20
    assert b.since("x86/kvm_intel nested default=Y").text("since") == "4.20"


@pytest.mark.parametrize(
    "condition",
    ["x86/kvm_intel nested", "x86/kvm_intel nested colour=Y", "arm64/kvm-arm.mode has nested"],
)
def test_malformed_conditions_are_refused(condition):
    with pytest.raises(b.ConditionError):
        b.since(condition)


def test_a_condition_true_nowhere_is_refused():
    with pytest.raises(b.ConditionError, match="holds in no release"):
        b.since("x86/kvm_intel nested default=maybe")


# ------------------------------------------------ source facts (nested_snippets/kernel/probes)
# Authored from the release trees the data names (git grep at both sides of each change):
# svm_get_nested_state absent in 5.7.14, in 5.8.1; the AVIC inhibit for guests with SVM
# in 5.6.4..5.18.12, not 5.5.0 nor 5.19.0; "KVM is unsupported when running as an SEV
# guest" absent in 5.10.0, in 5.11.0; "case KVM_CAP_ARM_EL2:" absent in 6.15.0, in
# 6.16.1; kvmhv_enable_nested()'s radix check absent in 5.13.0, in 5.14.0;
# "vmx flags" in proc.c absent in 5.5.0, in 5.6.4.
@pytest.mark.parametrize(
    ("find", "condition", "side", "text"),
    [("since", "source svm-nested-state present", "since", "5.8"),
     ("first", "source avic-off-for-svm-guests present", "since", "5.6"),
     ("until", "source avic-off-for-svm-guests present", "until", "5.18"),
     ("since", "source avic-off-only-in-l2 present", "since", "5.19"),
     ("since", "source sev-guest-refusal present", "since", "5.11"),
     ("since", "source arm64-el2-cap present", "since", "6.16"),
     ("since", "source ppc-nested-needs-radix present", "since", "5.14"),
     ("since", "source vmx-flags-line present", "since", "5.6")],
)  # fmt: skip
def test_source_facts_give_the_releases_read_in_the_trees(find, condition, side, text):
    assert getattr(b, find)(condition).text(side) == text


def test_an_unknown_source_fact_is_a_condition_error():
    with pytest.raises(b.ConditionError, match="no source fact 'nope'"):
        b.parse("source nope present")
    with pytest.raises(b.ConditionError, match="present' or"):
        b.parse("source svm-nested-state default=Y")
