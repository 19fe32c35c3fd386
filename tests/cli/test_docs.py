"""source/reference/cli.rst documents what the CLI does: checks, anchors, JSON keys."""

from __future__ import annotations

import re

import pytest

from nested_snippets.cli import guide
from tests.cli.conftest import write
from tests.conftest import REPO

PAGE = (REPO / "source/reference/cli.rst").read_text()


def test_every_check_id_is_documented(cli, make_host):
    ids = set()
    for kw in ({"arch": "intel"}, {"arch": "amd"}, {"arch": "s390x"}, {"arch": "power"},
               {"arch": "arm64"}):  # fmt: skip
        ids |= {
            c["id"] for c in cli("check", "--root", str(make_host(**kw)), "--json").json["checks"]
        }
    ids.add("software-kvm")
    for check_id in sorted(ids):
        assert f"``{check_id}``" in PAGE, check_id


@pytest.mark.parametrize("anchor", sorted(guide.ANCHORS))
def test_every_anchor_is_documented_with_its_page(anchor):
    assert re.search(rf"\* - ``{anchor}``\n\s+- ``{guide.ANCHORS[anchor]}``", PAGE), anchor


def test_json_keys_are_documented(cli, make_host):
    j = cli("check", "--root", str(make_host()), "--json").json
    keys = set(j) | set(j["host"]) | set(j["checks"][0]) | set(j["verdict"])
    for key in sorted(keys):
        assert f"``{key}``" in PAGE, key
    assert "``nested-kvm-check/1``" in PAGE


def test_no_literal_blocks():
    """Pages may show code only through snippets: no ``::`` blocks or code-block here."""
    assert not re.search(r"::\s*$", PAGE, re.M) or all(
        line.lstrip().startswith(".. ")
        for line in PAGE.splitlines()
        if line.rstrip().endswith("::")
    )
    assert "code-block" not in PAGE


def test_every_page_that_mentions_the_checker_links_the_install_page():
    pages = [
        p
        for p in sorted((REPO / "source").rglob("*.rst"))
        if "nested-kvm" in p.read_text() and p.name != "install-checker.rst"
    ]
    assert REPO / "source/index.rst" in pages
    links = (":ref:`install-checker`", ":doc:`install-checker`")
    missing = [str(p.relative_to(REPO)) for p in pages
               if not any(link in p.read_text() for link in links)]  # fmt: skip
    assert not missing, missing
    assert ".. _install-checker:" in (REPO / "source/how-to/install-checker.rst").read_text()


@pytest.mark.parametrize(
    "path", ["README.rst", "source/reference/cli.rst", "source/how-to/install-checker.rst"]
)
def test_the_one_exception_to_read_only_is_stated(path):
    text = " ".join((REPO / path).read_text().split())
    assert "one exception" in text or "with one exception" in text, path
    assert "--no-probe" in text, path
    assert "destroy" in text, path


def test_no_probe_says_the_verdict_is_made_without_the_probe(cli, make_host):
    """With --no-probe a host whose files look right is "ready" (exit 0) although no VM
    was created: the option's entry and the install page must not let a reader take
    that 0 for a proof that KVM works."""
    run = cli("check", "--root", str(make_host()), "--no-probe", "--json")
    assert run.rc == 0 and run.json["verdict"]["l0_nested_ready"] is True
    assert [c["status"] for c in run.json["checks"] if c["id"] == "kvm-probe"] == ["SKIP"]
    assert not {"kvm-api", "kvm-create-vm"} & {c["id"] for c in run.json["checks"]}
    entry = " ".join(PAGE.split(".. option:: --no-probe", 1)[1].split(".. ", 1)[0].split())
    assert "verdicts are then made without the probe" in entry
    assert "not that KVM created a VM" in entry
    install = " ".join((REPO / "source/how-to/install-checker.rst").read_text().split())
    assert "``--no-probe`` and the JSON output" in install
    assert '"ready" then rests on files and CPU flags alone, without that proof' in install


def test_bug_report_page_says_the_hand_copied_logs_are_not_redacted(cli, make_host, monkeypatch):
    """The report hides a secret of a libvirt log; the bug-report how-to also copies
    that log by hand (sudo cat), which hides nothing, and must say so."""
    monkeypatch.setenv("PATH", "/nonexistent")
    root = make_host()
    write(root, "/var/log/libvirt/qemu/l1.log", "-object secret,id=s0,data=S3cr3tWalk14\n")
    r = cli("report", "--root", str(root))
    assert r.rc == 0 and "S3cr3tWalk14" not in r.out and "<redacted>" in r.out
    page = (REPO / "source/how-to/bug-report.rst").read_text()
    assert ".. snippet:: bugreport.libvirt_log" in page
    assert "$ sudo cat {_LOG} > " in (REPO / "nested_snippets/snippets/bugreport.py").read_text()
    text = " ".join(page.split())
    assert "the libvirt logs among them, are copied as they are, with nothing redacted" in text
