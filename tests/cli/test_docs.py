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
