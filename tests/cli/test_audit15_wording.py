"""Audit 15: the --help texts and the project-health page say what the code does."""

from __future__ import annotations

import sys

import pytest

from nested_snippets.cli import build_parser
from tests.cli.conftest import write
from tests.conftest import REPO

CLOCKS = "/sys/devices/system/clocksource/clocksource0/available_clocksource"


def _sub(name: str):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices[name]


def _help_of(name: str, option: str) -> str:
    action = next(a for a in _sub(name)._actions if option in a.option_strings)
    return " ".join(action.help.split())


def test_top_level_help_names_the_one_exception_to_read_only():
    """check creates and destroys a VM: "(read-only)" alone is not true (cli.rst)."""
    text = " ".join(build_parser().format_help().split())
    assert "(read-only)" not in text
    assert "one exception" in text and "--no-probe" in text


def test_params_json_help_says_what_is_printed(cli):
    """params --json prints an object (kernel, params), not a list (cli.rst)."""
    doc = cli("params", "--module", "kvm_intel", "--kernel", "6.6", "--json").json
    assert isinstance(doc, dict) and {"kernel", "params"} <= set(doc)
    text = _help_of("params", "--json")
    assert "list" not in text and "kernel" in text and "params" in text


def test_lint_root_help_says_only_the_defaults_come_from_dir():
    """lint reads FILE|DIR as given; --root gives only --kernel's and --arch's defaults."""
    text = _help_of("lint", "--root")
    assert "instead of /" not in text
    assert "--kernel" in text and "--arch" in text


def test_health_page_says_how_often_each_figure_was_measured():
    """The clean builds are medians of --runs, the checker's rows of --check-runs
    interleaved rounds, the matrix and lint one run: not "median of N runs" for all."""
    sys.path.insert(0, str(REPO / "tools"))
    import bench

    r = {
        "date": "2026-12-04", "nproc": 2, "machine": "Linux x86_64", "python": "3.11.2",
        "runs": 5, "check_runs": 7, "skipped": [], "n_docs": 1, "matrix": None,
        "realkernel": None, "weights": [("index.html", 1024, 2048)], "lint": ["lint x: 1"],
        "build": {"guide": 2.0, "plain": 1.0, "guide_cpu": 2.0, "plain_cpu": 1.0,
                  "counts": {"snippet": 0, "snippet-tabs": 0, "tables": 0}},
        "incr": {"module": "enable", "seconds": 0.5, "cpu": 0.5, "noop_seconds": 0.4,
                 "pages": []},
        "check": {"rows": [{"name": "nested-kvm check", "wall": "1", "min": "1", "cpu": "1",
                            "ratio": "1.00"}], "notes": []},
    }  # fmt: skip
    head = " ".join(bench.write_page(r).split("Building the guide")[0].split())
    assert "median of 5 runs where repeated" not in head
    assert "median of 5 runs" in head and "7 interleaved rounds" in head
    assert "lint (each file) ran once" in head


def test_readmes_do_not_say_files_only():
    """report runs lscpu, virsh, journalctl and params --running runs modinfo (cli.rst):
    the READMEs say the tool only reads, not that it reads files only."""
    for path in ("README.rst", "checker/README.rst"):
        text = " ".join((REPO / path).read_text().split())
        assert "reads files only" not in text, path
        assert "programs that only read" in text, path


def test_output_lines_entry_allows_skip_lines_without_fix_or_url(cli, make_host):
    """A SKIP line may have neither fix nor URL (cli.rst, Output lines), a PASS line
    never has them."""
    root = make_host("intel", nested=True)
    (root / "sys/module/kvm_intel/parameters/nested").unlink()
    checks = cli("check", "--root", str(root), "--no-probe", "--json").json["checks"]
    assert any(c["status"] == "SKIP" and not c["fix"] and not c["url"] for c in checks)
    assert all(not c["url"] for c in checks if c["status"] == "PASS")
    page = " ".join((REPO / "source/reference/cli.rst").read_text().split())
    assert "unless the status is ``PASS``, an em dash, the fix and the URL" not in page
    assert "a ``SKIP`` line (a parameter not loaded, a file not read) often has neither" in page


@pytest.mark.parametrize(
    "shown,text,doc",
    [
        (CLOCKS, "tsc kvm-clock\n", "``kvm-clock``"),
        (CLOCKS, "tsc hyperv_clocksource_tsc_page\n", "Hyper-V's"),
        ("/sys/bus/vmbus/devices/vmbus_0/uevent", "", "Hyper-V VMBus devices"),
        ("/sys/hypervisor/type", "xen\n", "``/sys/hypervisor/type`` of ``xen``"),
    ],
)
def test_level_auto_entry_names_every_source_that_makes_a_guest(cli, make_host, shown, text, doc):
    """Without the CPU flag or DMI, these alone make an x86 host L1: --level names them."""
    root = make_host("intel", nested=True)
    write(root, shown, text)
    assert cli("check", "--root", str(root), "--no-probe", "--json").json["host"]["level"] == "L1"
    page = " ".join((REPO / "source/reference/cli.rst").read_text().split())
    entry = page.split(".. option:: --level auto|L0|L1", 1)[1].split(".. option::", 1)[0]
    assert doc in entry
