"""source/reference/cli.rst documents what the CLI does: checks, anchors, JSON keys."""

from __future__ import annotations

import re

import pytest

from nested_snippets.cli import guide
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
