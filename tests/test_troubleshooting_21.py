"""Session 21: the troubleshooting page grouped by where the failure shows.

The page was one flat list of 48 entries; a reader with a symptom could not see where
to look. Entries now sit in groups, under a "Find your symptom" overview that links
every one. Every label stays (the checker prints URLs with them), and the page is
not split: ``nested-kvm`` links ``troubleshooting.html#<label>`` (cli/guide.py).
Search: one identifier typed alone lands on the entry that quotes it; "GCP" names
the clouds page. Proxmox VE's ``qm`` is shown as run by root.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nested_snippets import registry
from nested_snippets.bodies import CommandLine
from nested_snippets.cli import guide

REPO = Path(__file__).resolve().parents[1]
REG = registry.load()
PAGE = REPO / "source" / "troubleshooting.rst"
GROUP_RULE = re.compile(r"~{3,}")
ENTRY_RULE = re.compile(r"-{3,}")
NOT_GROUPS = {"Find your symptom", "Still stuck?", "Sources"}

LABELS_BEFORE = [
    "not-loaded", "no-vmx", "nested-off", "initramfs", "loaded", "in-use", "builtin",
    "read-only", "unknown-parameter", "amd-y", "tcg", "migration", "avic", "sev", "arm64",
    "dev-kvm", "ci-kvm", "create-vm", "software-kvm", "container", "power-nested-hv",
    "entry-failed-0x7", "entry-failed-0x80000021", "entry-failed-0xffffffff", "eio",
    "virtualbox", "txt", "vmx-not-enabled", "vmx-not-fully", "disabled-by-bios",
    "no-kvm-module", "kvm-ok-no-extensions", "kvm-ok", "proxmox", "host-model",
    "only-emulated", "domaintype", "cpu-mismatch", "selinux", "apparmor", "storage-access",
    "l2-hangs", "hcs", "hyp-mode", "not-kvm", "selftest-skip", "power-parent",
]  # fmt: skip
"""The 47 labels of the flat page (main 16991ba), without their common prefix."""


def _lines() -> list[str]:
    return PAGE.read_text(encoding="utf-8").splitlines()


def _headings() -> list[tuple[int, str, str, str | None]]:
    """(line, level "group" or "entry", title, label) of each heading below the title."""
    lines = _lines()
    found = []
    for i in range(1, len(lines) - 1):
        rule = lines[i + 1]
        level = ("group" if GROUP_RULE.fullmatch(rule) else
                 "entry" if ENTRY_RULE.fullmatch(rule) else None)  # fmt: skip
        if level and lines[i].strip():
            label = re.fullmatch(r"\.\. _([a-z0-9-]+):", lines[i - 2])
            found.append((i, level, lines[i], label and label[1]))
    return found


def _entries() -> list[str]:
    return [label for _, level, _, label in _headings() if level == "entry"]


def _groups() -> list[str]:
    return [label for _, level, title, label in _headings()
            if level == "group" and title not in NOT_GROUPS]  # fmt: skip


def _overview() -> str:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index(".. _troubleshooting-find:")
    return text[start : text.index(f".. _{_groups()[0]}:")]


def _refs(text: str) -> set[str]:
    return {m[1] or m[2] for m in re.finditer(r":ref:`(?:[^`<]*<([^>]+)>|([^`<]+))`", text)}


def test_every_entry_has_a_label():
    unlabelled = [title for _, level, title, label in _headings() if level == "entry" and not label]
    assert not unlabelled, unlabelled
    assert len(_entries()) == 48


def test_every_label_of_the_flat_page_is_kept():
    labels = set(_entries())
    lost = [f"troubleshooting-{name}" for name in LABELS_BEFORE
            if f"troubleshooting-{name}" not in labels]  # fmt: skip
    assert not lost, lost


def test_the_checkers_links_stay_on_one_page():
    """Splitting the page would move labels the checker links as troubleshooting.html."""
    linked = [a for a, page in guide.ANCHORS.items() if a.startswith("troubleshooting-")]
    assert linked and all(guide.ANCHORS[a] == "troubleshooting" for a in linked)
    assert set(linked) <= set(_entries())


def test_every_entry_sits_in_a_group():
    group = None
    loose = []
    for _, level, title, label in _headings():
        if level == "group":
            group = None if title in NOT_GROUPS else label
        elif group is None:
            loose.append(label)
    assert not loose, f"entries outside a group: {loose}"
    assert 6 <= len(_groups()) <= 10, _groups()


def test_every_entry_and_group_is_reachable_from_the_overview():
    refs = _refs(_overview())
    missing = [label for label in _entries() + _groups() if label not in refs]
    assert not missing, f"not linked from 'Find your symptom': {missing}"


def test_the_overview_links_render(built_site):
    html = (built_site / "html" / "troubleshooting.html").read_text(encoding="utf-8")
    start = html.index('id="troubleshooting-find"')
    overview = html[start : html.index(f'id="{_groups()[0]}"')]
    hrefs = set(re.findall(r'href="#([a-z0-9-]+)"', overview))
    missing = [label for label in _entries() if label not in hrefs]
    assert not missing, missing
    # an entry is a third-level heading, in a group
    assert '<span id="troubleshooting-no-vmx"></span><h3>' in html


def _search_data(built_site) -> dict:
    text = (built_site / "html" / "_static" / "nested-kvm-search.js").read_text()
    return json.loads(text[text.index("=") + 1 :].strip().rstrip(";"))


def test_an_entry_lists_the_identifiers_it_quotes(built_site):
    """``w``: one identifier typed alone finds the entry that quotes it (search.js)."""
    page = _search_data(built_site)["troubleshooting"]
    ids = {label: sid for sid, *rest in page["h"] for label in rest[1:2]}
    words = page["w"]
    assert "verr_vmx_no_vmx" in words[ids["troubleshooting-no-vmx"]]
    assert "0x80000021" in words[ids["troubleshooting-entry-failed-0x80000021"]]
    holding = [sid for sid, terms in words.items() if "verr_vmx_no_vmx" in terms]
    assert holding == [ids["troubleshooting-no-vmx"]], holding
    assert not any(w.isalpha() for terms in words.values() for w in terms)


def test_a_group_heading_is_not_a_search_hit_of_its_own(built_site):
    page = _search_data(built_site)["troubleshooting"]
    labels = {rest[1] for _, *rest in page["h"] if len(rest) > 1}
    assert not labels & set(_groups()), labels & set(_groups())
    assert set(_entries()) <= labels


def test_gcp_finds_the_clouds_page(built_site):
    text = (built_site / "html" / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    files = index["terms"].get("gcp")
    files = files if isinstance(files, list) else [files]
    assert index["docnames"].index("how-to/clouds") in files


@pytest.mark.parametrize("tool", ["qm", "pct", "pvesh", "pveum"])
def test_proxmox_tools_are_shown_as_run_by_root(tool):
    """qm dies "please run as root" for another user (pve-common RESTEnvironment.pm
    setup_default_cli_env); it was shown after a bare ``$``."""
    bare = [sid for sid, snip in REG.snippets.items()
            for _, _, body in snip.bodies() if isinstance(body, CommandLine)
            for line in body.command.splitlines() if line.split()[:1] == [tool]]  # fmt: skip
    assert not bare, bare
    if tool == "qm":
        [(_, _, body)] = REG.get("clouds.proxmox_cpu_host").bodies()
        assert body.text == "$ sudo qm set 100 --cpu host"


def test_the_windows_page_gives_microsofts_efs_note_with_its_source():
    text = re.sub(r"\s+", " ", (REPO / "source/how-to/windows-hyperv.rst").read_text())
    assert (
        "one-time access to a domain controller to decrypt content, such as files "
        "that were encrypted with EFS <ms-credential-guard-manage>`"
    ) in text
    assert "carry no such note <ms-credential-guard>`" in text
