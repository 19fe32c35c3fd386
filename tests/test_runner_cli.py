"""``python -m nested_snippets.runner``: one snippet, one fake host, clear errors."""

from __future__ import annotations

import pytest

from nested_snippets.runner.__main__ import main


def test_runs_a_snippet_and_prints_the_fake_hosts_output(capsys):
    assert main(["enable.check_nested", "--arch", "amd", "--kernel", "6.6"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "$ cat /sys/module/kvm_amd/parameters/nested",
        "1",
    ]


def test_a_difference_exits_1(capsys):
    # kvm_hv has no nested parameter before 4.20: the guide's mode does not hold there
    assert main(["power.check_mode", "--kernel", "4.19"]) == 1
    assert "differs from the guide" in capsys.readouterr().out


def test_the_kernel_picks_the_era(capsys):
    # Intel's nested was N before 4.20: the era of that release says so
    assert main(["enable.check_nested", "--arch", "intel", "--kernel", "4.19"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "N"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["enable.check_nestd"], "did you mean 'enable.check_nested'"),
        (["enable.check_nested", "--arch", "sparc"], "has no variant 'sparc'"),
        (["enable.check_nested", "--kernel", "3.2"], "no kernel data for Linux 3.2"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("kernel", ["6.x", "6.99999999999999999999999", "٦.٦", "6.6\nx"])
def test_runner_refuses_a_kernel_that_is_not_a_version(kernel, capsys) -> None:
    assert main(["enable.check_nested", "--kernel", kernel]) == 2
    assert "not a kernel version" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["enable.check_nested" * 5000], ["enable.check_nested", "--arch", "x" * 100_000]]
)
def test_a_huge_id_or_variant_is_named_cut(argv, capsys) -> None:
    """Hostile review 2: a 95 000-character id was echoed whole in the one error line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err) < 500 and "characters)" in err and err.count("\n") == 1, err[:200]
