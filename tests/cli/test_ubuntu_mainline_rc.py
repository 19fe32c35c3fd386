"""Ubuntu's mainline builds name a release candidate ``X.Y.0-XXYY00rcN-generic``
(:data:`nested_snippets.versions._UBUNTU_MAINLINE_RC`): it comes before X.Y, so its
parameters are those of the newest data older than X.Y, as for the kernel's own
``6.8-rc3`` spelling."""

import pytest

from nested_snippets.versions import release_candidate


@pytest.mark.parametrize(
    "release",
    ["6.8.0-060800rc3-generic", "4.10.0-041000rc1-generic", "3.17.0-031700rc1-lowlatency",
     "5.3.0-050300rc1-generic"],
)  # fmt: skip
def test_a_mainline_build_of_a_candidate_is_a_candidate(release):
    assert release_candidate(release)


@pytest.mark.parametrize(
    "release",
    ["6.8.0-060800-generic",  # the final 6.8
     "6.8.0-060700rc3-generic",  # digits of another release: not this spelling
     "6.8.1-060801-generic",  # a stable build
     "6.8.0-1006-generic",  # Ubuntu's own kernel
     "6.8.0-0608000rc3-generic"],
)  # fmt: skip
def test_other_ubuntu_names_are_not_candidates(release):
    assert not release_candidate(release)


def test_params_of_a_mainline_candidate_uses_the_data_before_it(cli):
    r = cli("params", "--module", "kvm", "--kernel", "6.8.0-060800rc3-generic", "--json")
    assert r.rc == 0, r.err
    assert r.json["kernel"]["exact"] is False
    assert r.json["kernel"]["data"] == "6.7"  # linux-6.7.json: the newest before 6.8
    assert "release candidate" in r.err and "Linux 6.7" in r.err, r.err
