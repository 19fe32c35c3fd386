"""The guide for the readers who arrive (issue 14): what can be checked mechanically.

* each how-to of the set shows at least one step that a test executes (on the fake host)
  or a real tool validates, and the failure message a reader meets;
* a command of a tool that cannot run here (a cloud's CLI, PowerShell, VMware) is
  labelled "not executed here", and every such label names its source and date;
* Troubleshooting has at least 30 entries, and searching each message the issue names
  finds it in the built site's search index, by the rules of Sphinx's searchtools.js.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nested_snippets import pages, proofs, registry
from nested_snippets.bodies import CommandLine, ForeignFile

REPO = Path(__file__).resolve().parent.parent
REG = registry.load()

HOWTOS = {
    # page: a failure message the reader meets, as the page shows it
    "how-to/clouds.rst": "could not insert 'kvm_intel': Operation not supported",
    "how-to/windows-hyperv.rst": "HCS_E_HYPERV_NOT_INSTALLED",
    "how-to/distributions.rst": "error: failed to get domain 'l1'",
    "how-to/confidential-vms.rst": "KVM is unsupported when running as an SEV guest",
    "how-to/performance.rst": "BUG: soft lockup",
    "how-to/security.rst": "ls: cannot access '/dev/kvm': No such file or directory",
    "how-to/power.rst": "KVM implementation does not support Nested-HV",
    "how-to/community-tests.rst": "1..0 # SKIP - Requirement not met",
    "how-to/distribution-kernels.rst": "`Y' invalid for parameter `nested'",
    "how-to/kubevirt.rst": "1 Insufficient devices.kubevirt.io/kvm.",
}
"""Pages added for issue 14, and the failure message each must show."""

PROVEN = {"executed", "validated"}
"""Proof kinds of a step that a test runs (fake host, procedure) or a real tool checks."""


def _shown_on(page: str) -> list[str]:
    """Snippet ids shown on ``source/<page>``."""
    where = f"source/{page}"
    return [sid for sid, places in pages.usages().items() if any(p == where for p, _ in places)]


@pytest.mark.parametrize("page", sorted(HOWTOS))
def test_each_howto_has_an_executed_check_step(page):
    ids = _shown_on(page)
    assert ids, f"{page} shows no snippet"
    proven = [sid for sid in ids for era, key, _ in REG.get(sid).bodies()
              if proofs.proof(REG.get(sid), key, era, REG).kind in PROVEN]  # fmt: skip
    assert proven, f"{page}: no snippet a test executes or a real tool validates ({ids})"


@pytest.mark.parametrize("page", sorted(HOWTOS))
def test_each_howto_shows_the_failure_message_a_reader_meets(page):
    """In the page's text or in a snippet it shows (its expected output)."""
    texts = [(REPO / "source" / page).read_text(encoding="utf-8")]
    texts += [b.text for sid in _shown_on(page) for _, _, b in REG.get(sid).bodies()]
    text = re.sub(r"\s+", " ", "\n".join(texts))
    assert HOWTOS[page] in text, f"{page} does not show {HOWTOS[page]!r}"


_FOREIGN_TOOL = re.compile(
    r"^(?:sudo\s+)?(?:gcloud|aws|az|qm|pvesh|VBoxManage|vim-cmd|esxcli|wsl|kubectl|virtctl"
    r"|[A-Z][a-z]+-[A-Z]\w+)\s",
    re.M,
)
"""Tools no test machine here has: cloud CLIs, Proxmox, VirtualBox, ESXi, WSL, a
Kubernetes cluster's ``kubectl`` and KubeVirt's ``virtctl``, and PowerShell cmdlets
(``Verb-Noun``); any line of a command body counts."""


def test_a_command_of_a_tool_that_cannot_run_here_is_labelled_not_executed():
    unlabelled = [sid for sid, snip in REG.snippets.items() if snip.not_executed is None
                  for _, _, body in snip.bodies()
                  if isinstance(body, CommandLine)
                  and _FOREIGN_TOOL.search(body.command)]  # fmt: skip
    assert not unlabelled, f"foreign tools without a not-executed label: {unlabelled}"
    assert _FOREIGN_TOOL.match("Set-VMProcessor -VMName l1 ")  # the pattern can match
    assert _FOREIGN_TOOL.search("ls -l /dev/kvm\nkubectl get nodes")  # on a later line too
    foreign = [sid for sid, snip in REG.snippets.items()
               if any(isinstance(b, ForeignFile) for _, _, b in snip.bodies())]  # fmt: skip
    assert "clouds.vmware_vhv" in foreign


def test_every_not_executed_block_names_its_source_and_date():
    """The line under the block (sphinxext._proof_paragraph) as the page renders it."""
    from nested_snippets.sphinxext import _proof_paragraph

    labelled = [s for s in REG.snippets.values() if s.not_executed is not None]
    assert len(labelled) >= 20, len(labelled)
    for snip in labelled:
        for era, key, _ in snip.bodies():
            line = _proof_paragraph(snip, key, era).astext()
            ne = snip.not_executed
            assert line.startswith("Not executed here: "), (snip.id, line)
            assert f"Source: {ne.source}, read {ne.read}." in line, (snip.id, line)


def test_every_virsh_command_names_its_connection():
    """Without --connect a normal user's virsh reaches the per-user session, which does
    not see the system connection's guests, pool or network (distributions page)."""
    shown = ("distributions.which_connection",)  # shows the default on purpose
    missing = [sid for sid, snip in REG.snippets.items() if sid not in shown and not snip.wrong
               for _, _, body in snip.bodies() if isinstance(body, CommandLine)
               for words in body.virsh_calls if "--connect" not in words]  # fmt: skip
    assert not missing, f"virsh without --connect: {missing}"


# ------------------------------------------------------------------ troubleshooting

NAMED = [
    # (what a reader pastes into search, whether it must link to its entry directly)
    ("KVM: entry failed, hardware error 0x7", True),
    ("KVM: entry failed, hardware error 0x80000021", True),
    ("KVM: entry failed, hardware error 0xffffffff", True),
    ("could not insert 'kvm_intel': Input/output error", True),
    ("x86/cpu: VMX (outside TXT) disabled by BIOS", True),
    ("VMX not fully enabled on CPU 0.  Check kernel logs and/or BIOS", True),
    ("BUG: soft lockup - CPU#0 stuck for 22s!", True),
    ("host-model gives L1 no vmx or svm", True),
    ("Nested VMX virtualization does not support live migration yet", False),
    (
        "Guest maybe enabled nested virtualization but kernel does not support required "
        "capabilities to save vCPU nested state",
        False,
    ),
    ("HCS_E_HYPERV_NOT_INSTALLED", True),
    ("Wsl/InstallDistro/Service/RegisterDistro/CreateVm/HCS/HCS_E_HYPERV_NOT_INSTALLED", False),
    ("kvm [1]: HYP mode not available", True),
    ("hypervisor that is not KVM", True),
]
"""The failures issue 14 names, each as a reader would search for it."""

_ENTRY = re.compile(r"^(?P<title>\S.*)\n-{3,}\n", re.M)
_NOT_ENTRIES = {"Still stuck?", "Sources"}


def test_troubleshooting_has_at_least_30_entries():
    text = (REPO / "source" / "troubleshooting.rst").read_text(encoding="utf-8")
    entries = [m["title"] for m in _ENTRY.finditer(text) if m["title"] not in _NOT_ENTRIES]
    assert len(entries) >= 30, f"{len(entries)} entries: {entries}"


def _search_index(built_site: Path) -> dict:
    text = (built_site / "html" / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


def _files(value) -> list[int]:
    return value if isinstance(value, list) else [value]


def _terms(query: str) -> set[str]:
    """searchtools.js _parseQuery: split on non-word characters, drop stop words and
    numbers, stem (the index was stemmed by the same snowball stemmer)."""
    from sphinx.search.en import SearchEnglish

    lang = SearchEnglish({})
    words = [w for w in re.split(r"[^\w]+", query.strip()) if w]
    return {lang.stem(w) for w in words
            if w.lower() not in lang.stopwords and not w.isdigit()}  # fmt: skip


def _page_found(index: dict, doc: int, query: str) -> list[str]:
    """The query's terms of three letters or more that the page lacks (searchtools.js
    performTermsSearch: exact, or inside a longer indexed word)."""
    missing = []
    for term in sorted(t for t in _terms(query) if len(t) > 2):
        found = any(doc in _files(files) for table in (index["terms"], index["titleterms"])
                    for word, files in table.items() if term == word or term in word)  # fmt: skip
        if not found:
            missing.append(term)
    return missing


def _entry_titles(index: dict, doc: int, query: str) -> list[str]:
    """searchtools.js: a title that holds the whole query, which is at least half as
    long as the title, is a result that links to its section."""
    q = query.lower().strip()
    return [title for title, places in index["alltitles"].items()
            if q in title.lower().strip() and len(q) >= len(title) / 2
            and any(d == doc and anchor for d, anchor in places)]  # fmt: skip


@pytest.mark.parametrize(("query", "entry"), NAMED, ids=[q[:40] for q, _ in NAMED])
def test_searching_a_named_message_finds_its_troubleshooting_entry(built_site, query, entry):
    index = _search_index(built_site)
    doc = index["docnames"].index("troubleshooting")
    missing = _page_found(index, doc, query)
    assert not missing, f"the troubleshooting page lacks {missing} of {query!r}"
    if entry:
        assert _entry_titles(index, doc, query), f"no entry title holds {query!r}"


def test_the_search_check_can_fail(built_site):
    index = _search_index(built_site)
    doc = index["docnames"].index("troubleshooting")
    assert len(_page_found(index, doc, "zyxwvut qqqxjjj")) == 2
    assert not _entry_titles(index, doc, "hardware error")  # too short for any title


CLOUD_SECTIONS = ("clouds-gce", "clouds-azure", "clouds-aws", "clouds-proxmox",
                  "clouds-vmware", "clouds-hyperv", "clouds-virtualbox", "clouds-xen")  # fmt: skip


def _sections(text: str) -> dict[str, str]:
    """Label -> the text of the section that follows ``.. _label:``."""
    parts = re.split(r"^\.\. _([a-z0-9-]+):\n", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_each_cloud_platform_says_how_to_check_l1_and_what_it_does_not_allow():
    """Issue 14: per platform, the switch, what lscpu's vendor line shows in L1 (or
    that it was not checked), and what the platform does not allow."""
    sections = _sections((REPO / "source/how-to/clouds.rst").read_text(encoding="utf-8"))
    for label in CLOUD_SECTIONS:
        body = sections.get(label, "")
        assert ".. snippet::" in body, f"{label}: no command for the switch"
        assert re.search(r"lscpu|hypervisor vendor", body, re.I), f"{label}: no L1 check"
        assert "**What it does not allow:**" in body, f"{label}: no limits"
    assert "clouds.l1_check" in sections["clouds-check"]


# --- review s5 -------------------------------------------------------------------------------


def test_requires_python_role_reads_pyproject(tmp_path, monkeypatch):
    """S2: the Python a page names is requires-python of the distribution it names."""
    import tomllib

    from nested_snippets.sphinxext import python_req

    with (REPO / "checker" / "pyproject.toml").open("rb") as f:
        spec = tomllib.load(f)["project"]["requires-python"]
    assert python_req.minimum("checker") == spec.removeprefix(">=")
    bad = tmp_path / "pyproject.toml"
    bad.write_text('[project]\nrequires-python = "~=3.9"\n')
    monkeypatch.setitem(python_req.PYPROJECTS, "checker", bad)
    with pytest.raises(ValueError, match="not of the form"):
        python_req.minimum("checker")
    with pytest.raises(ValueError, match="unknown distribution"):
        python_req.minimum("nope")


def test_no_page_types_a_python_requirement():
    """S2: "Python 3.N or newer" comes from :requires-python:, never typed in a page."""
    typed = [
        f"{p.relative_to(REPO)}:{n}"
        for p in sorted((REPO / "source").rglob("*.rst"))
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"Python \d+\.\d+ or newer", line) and not line.lstrip().startswith("..")
    ]
    assert not typed, f"typed Python requirement (use :requires-python:): {typed}"


_SUDO_COPY = re.compile(r"^\s*(?:\$\s*)?sudo\s+(?:cp|mv|install|rsync)\b.*\bnested-report", re.M)
"""A root-made copy into the report folder: it keeps root's owner, and the final
``tar``, run as the user, cannot read a 0600 file (libvirt's logs are)."""


def test_bug_report_copies_are_the_users():
    """S3: files put into the report folder are written by the user's shell (``>``)."""
    shown = [b.text for sid in _shown_on("how-to/bug-report.rst")
             for _, _, b in REG.get(sid).bodies()]  # fmt: skip
    assert any("l1.log" in t for t in shown)
    bad = [t for t in shown if _SUDO_COPY.search(t)]
    assert not bad, f"sudo copies into the report stay root's (tar fails): {bad}"
    assert _SUDO_COPY.search("$ sudo cp /var/log/libvirt/qemu/l1.log nested-report-l0/")


def test_the_range_a_test_runs_a_snippet_on_is_the_snippets():
    """S20: "the test runs it on ..." prints the snippet's own range (:snippet-kernels:)."""
    said = re.compile(r"test runs it\s+on\s+(?!:snippet-kernels:`)")
    typed = [str(p.relative_to(REPO)) for p in sorted((REPO / "source").rglob("*.rst"))
             if said.search(p.read_text())]  # fmt: skip
    assert not typed, f"a snippet's range said by hand (use :snippet-kernels:): {typed}"
    assert said.search("the test runs it on every release of the data before Linux")
    page = (REPO / "source/how-to/arm64.rst").read_text()
    assert ":snippet-kernels:`arm64.too_old`" in page
    assert ":kernel-since:`arm64/kvm-arm.mode param present`" in page  # what older kernels do


def test_arm64_too_old_starts_where_the_option_appears():
    """S20: the prose's "exists from" is the first release the snippet runs on."""
    from nested_snippets import kernel as kdata
    from nested_snippets.kernel import boundaries

    first = boundaries.since("arm64/kvm-arm.mode param present").text("since")
    ran = [v for v in kdata.versions() if REG.get("arm64.too_old").kernels.contains(v)]
    assert ran and ran[0] == first, (ran, first)
    with pytest.raises(kdata.KernelDataError):
        boundaries.since("arm64/kvm-arm.mode param maybe")


def _section(page: str, title: str) -> str:
    text = (REPO / "source" / page).read_text()
    start = text.index(f"\n{title}\n")
    nxt = re.search(r"\n[^\n]+\n(-{4,}|~{4,})\n", text[start + len(title) + 2 :])
    return text[start : start + len(title) + 2 + (nxt.start() if nxt else len(text))]


def test_the_migration_pages_give_the_same_intel_minimum():
    """S12: the how-to and the explanation name the same kernel and QEMU minimum."""
    minimum = [":claim:`Linux 5.3 or later <upstream-nested-doc>`",
               ":qemu-since:`vmx-nested-state-migration` or later"]  # fmt: skip
    for page in ("how-to/live-migration.rst", "explanation/migration-limits.rst"):
        text = re.sub(r"\s+", " ", (REPO / "source" / page).read_text())
        missing = [m for m in minimum if m not in text]
        assert not missing, f"{page} lacks {missing}"


def test_troubleshooting_migration_entry_covers_amd():
    """S11: the entry says what an AMD reader sees and points to the AMD section."""
    entry = re.sub(r"\s+", " ", _section("troubleshooting.rst",
                                         "Live migration fails with a nested guest"))  # fmt: skip
    assert "**Symptom on AMD.**" in entry
    assert "<qemu-save-check-vmx-only>" in entry
    assert "<live-migration-amd>" in entry


def test_the_vmx_blocker_range_says_what_was_checked():
    """S13: only 2.10 to 3.0 were read; older QEMU releases are not claimed."""
    text = re.sub(r"\s+", " ", (REPO / "source/how-to/live-migration.rst").read_text())
    assert "older releases have no such block" not in text
    assert "older releases not checked" in text


def test_the_json_schema_is_a_link_to_the_published_file(built_site):
    """S8: reference/cli links the schema, and the link's target is in the site."""
    page = built_site / "html/reference/cli.html"
    hrefs = re.findall(r'href="([^"]*nested-kvm-check-1\.json)"', page.read_text())
    assert hrefs, "the schema is named but not linked"
    for href in hrefs:
        assert (page.parent / href).resolve().is_file(), href


# --- new-reader walk, session 6 ---------------------------------------------------------------

_COMMENT_SOURCE = re.compile(r"^\s*\.\. Source:", re.M)


def test_troubleshooting_sources_are_shown_to_readers(built_site):
    """Item 8: no entry keeps its sources in a comment; each shows a "Sources:" line."""
    text = (REPO / "source/troubleshooting.rst").read_text(encoding="utf-8")
    hidden = [text[: m.start()].count("\n") + 1 for m in _COMMENT_SOURCE.finditer(text)]
    assert not hidden, f"troubleshooting.rst: sources only in comments, lines {hidden}"
    assert _COMMENT_SOURCE.search("text\n   .. Source: svm.c\n")
    html = (built_site / "html/troubleshooting.html").read_text(encoding="utf-8")
    shown = re.findall(r'<p class="nested-source nested-entry-sources"><strong>Sources:</strong>'
                       r"(.*?)</p>", html, re.S)  # fmt: skip
    assert len(shown) >= 15, len(shown)
    assert any("kubevirt/kubevirt#10508" in s for s in shown)


def test_entry_sources_needs_content(tmp_path):
    from tests.conftest import sphinx_build

    src = tmp_path / "src"
    src.mkdir()
    (src / "index.rst").write_text("Title\n=====\n\n.. entry-sources::\n")
    result = sphinx_build(src, tmp_path / "out", "-q")
    assert "entry-sources needs the sources" in result.stderr, result.stderr


def _entries(page: str, prefix: str) -> dict[str, str]:
    text = (REPO / "source" / page).read_text(encoding="utf-8")
    titles = [m["title"] for m in _ENTRY.finditer(text) if m["title"].startswith(prefix)]
    return {t: _section(page, t) for t in titles}


def _longest_paragraph(entry: str) -> int:
    """Words in the entry's longest paragraph or list item (directives' bodies aside)."""
    blocks = re.split(r"\n\s*\n|\n(?=\* )", entry)
    return max(len(b.split()) for b in blocks if not b.lstrip().startswith(".."))


def test_power_troubleshooting_entries_are_symptom_cause_fix():
    """Item 6: each POWER entry reads Symptom, Cause, Fix, in short paragraphs."""
    entries = _entries("troubleshooting.rst", "POWER:")
    assert len(entries) >= 2, sorted(entries)
    for title, entry in entries.items():
        marks = [entry.find(m) for m in ("**Symptom.**", "**Cause.**", "**Fix.**")]
        assert -1 not in marks and marks == sorted(marks), (title, marks)
        assert _longest_paragraph(entry) <= 75, (title, _longest_paragraph(entry))
    assert _longest_paragraph("one two\n\n" + "word " * 80) == 80


def _makefile_recipe(target: str) -> str:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    m = re.search(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)+)", text, re.M)
    assert m, f"Makefile has no recipe for {target}"
    return m.group(1)


def test_rhel9_reader_is_told_how_to_build_with_a_newer_python():
    """Item 1: RHEL 9's python3 cannot build the zipapp or the man page; the page names
    the AppStream package (with its source) and the Makefile's interpreter variable."""
    shown = _shown_on("how-to/install-checker.rst")
    for sid in ("checker.rhel9_python311", "checker.build_pyz_python311",
                "checker.man_page_python311"):  # fmt: skip
        assert sid in shown, f"install-checker does not show {sid}"
    assert REG.get("checker.rhel9_python311").not_executed is not None
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for sid, target in (("checker.build_pyz_python311", "pyz"),
                        ("checker.man_page_python311", "man")):  # fmt: skip
        ((_, _, body),) = REG.get(sid).bodies()
        var = re.search(rf"\b{target} ([A-Z_]+)=python3\.11\b", body.text)
        assert var, (sid, body.text)
        assert re.search(rf"^{var[1]}\s*\?=", makefile, re.M), f"Makefile has no {var[1]} ?="
        used = _makefile_recipe("pyz") if target == "pyz" else _makefile_recipe("$(STAMP)")
        assert f"$({var[1]})" in used, (target, used)
    page = (REPO / "source/how-to/install-checker.rst").read_text(encoding="utf-8")
    assert "<rhel9-python-versions>`" in page and ".. source:: rhel9-python-versions" in page


def test_the_pip_floor_comes_with_the_next_step():
    """Item 3: beside "pip 21.3 or newer", how to check the version and what to do when
    the system's pip is older: a virtual environment whose pip is upgraded first."""
    text = (REPO / "source/how-to/install-checker.rst").read_text(encoding="utf-8")
    floor = text.index("<pip-in-tree-builds>`")
    rest = text[floor : text.index("\nWith pipx or pip\n")]
    ids = re.findall(r"\.\. snippet:: (\S+)", rest)
    bodies = {sid: next(iter(REG.get(sid).bodies()))[2].text for sid in ids}
    assert any(re.search(r"pip (--version|-V)\b", b) for b in bodies.values()), bodies
    steps = [b for b in bodies.values() if "install --upgrade pip" in b]
    assert steps, f"no step for an older pip after the floor: {ids}"
    body = steps[0]
    venv, upgrade = body.index("-m venv "), body.index("install --upgrade pip")
    assert venv < upgrade < body.index("install ./nested-kvm-guide/checker"), body
    assert "sudo" not in body, "the system's pip is the package manager's"


def test_pages_say_the_checkers_guide_address_from_its_code(built_site):
    """Item 4: the default base of the checker's links is printed from
    ``cli/guide.py`` (never typed), with how to point the links elsewhere."""
    from nested_snippets.cli import guide

    typed = [str(p.relative_to(REPO)) for p in sorted((REPO / "source").rglob("*.rst"))
             if guide.DEFAULT_BASE.rstrip("/") in p.read_text(encoding="utf-8")]  # fmt: skip
    assert not typed, f"the checker's default address typed by hand: {typed}"
    for page in ("how-to/install-checker.html", "reference/cli.html"):
        html = (built_site / "html" / page).read_text(encoding="utf-8")
        assert guide.DEFAULT_BASE in html and guide.ENV in html, page
    (_, _, body), = REG.get("checker.run_own_guide_url").bodies()  # fmt: skip
    assert body.command.startswith(f"{guide.ENV}=https://"), body.command
    assert "checker.run_own_guide_url" in _shown_on("how-to/install-checker.rst")


def test_the_checkers_help_and_schema_name_the_same_default():
    from nested_snippets.cli import EXIT_HELP, guide

    assert guide.DEFAULT_BASE in EXIT_HELP.replace("\n", "")
    schema = json.loads((REPO / "source/_extra/schemas/nested-kvm-check-1.json").read_text())
    assert schema["$id"] == guide.DEFAULT_BASE + "schemas/nested-kvm-check-1.json"


def test_a_read_the_docs_build_elsewhere_than_the_default_fails():
    """Item 4: the default must be the publisher's host (warning = build error)."""
    from nested_snippets.cli import guide
    from nested_snippets.sphinxext.guide_url import publisher_mismatch

    ours = guide.DEFAULT_BASE.replace("/en/latest/", "/en/stable/")
    assert publisher_mismatch({}) is None
    assert publisher_mismatch({"READTHEDOCS_CANONICAL_URL": ours}) is None
    other = {"READTHEDOCS_CANONICAL_URL": "https://other-name.readthedocs.io/en/latest/"}
    assert "other-name.readthedocs.io" in publisher_mismatch(other)
    assert publisher_mismatch({**other, "READTHEDOCS_VERSION_TYPE": "external"}) is None


def test_the_fleet_section_shows_an_ansible_playbook():
    """Item 2: the playbook (checked by tests/realtools/test_ansible_playbook.py)."""
    assert "checker.fleet_playbook" in _shown_on("how-to/install-checker.rst")
    body = next(iter(REG.get("checker.fleet_playbook").bodies()))[2]
    assert isinstance(body, ForeignFile) and body.language == "yaml"
    assert REG.get("checker.fleet_playbook").not_executed is not None


_INTO = re.compile(r"> (nested-report-l[01])/([\w.-]+)")


def test_bug_report_collects_on_every_architecture_and_in_l1():
    """Item 5: the collection runs on every architecture's fake host, in L0 and in L1;
    what L0's directory gets, L1's gets too (L2's log in place of L1's), and each
    architecture's tab names its own QEMU (the row's ``qemu_binary``)."""
    from nested_snippets.arches import ARCHES

    shown = _shown_on("how-to/bug-report.rst")
    for sid in ("bugreport.collect_l0", "bugreport.collect_l1"):
        assert sid in shown and set(REG.get(sid).keys) == set(ARCHES), sid
    into: dict[str, set[str]] = {"nested-report-l0": set(), "nested-report-l1": set()}
    for sid in shown:
        for _, _, body in REG.get(sid).bodies():
            for level, name in _INTO.findall(body.text):
                into[level].add(name)
    l0, l1 = into["nested-report-l0"], into["nested-report-l1"]
    assert {"qemu-version.txt", "dmidecode.txt", "sysinfo.txt", "l2.log"} <= l1, sorted(l1)
    assert l0 - {"l1.log"} <= l1, sorted(l0 - l1)
    binaries = {a.qemu_binary for a in ARCHES.values()}
    for sid in ("bugreport.versions_l0", "bugreport.versions_l1"):
        assert sid in shown, sid
        for _, key, body in REG.get(sid).bodies():
            named = {b for b in binaries if re.search(rf"\b{re.escape(b)}\b", body.text)}
            assert named == {ARCHES[key].qemu_binary}, (sid, key, named)


_MESSAGE_ROLE = re.compile(r":kernel-(first|until|since):`message (\w+) (\d+)`")


def test_not_loaded_cause_bounds_each_wording_by_the_message_data():
    """Review s6a: a wording that a later one replaced is not open-ended ("from" a
    first release with no last one), and each quoted wording is a message-data text."""
    from nested_snippets.kernel import messages

    entry = _section("troubleshooting.rst", "The host has no ``/dev/kvm``: KVM is not loaded")
    start, end = entry.index("**Cause.**"), entry.index(".. entry-sources::")
    cause = re.sub(r"\s+", " ", entry[start:end])
    roles = _MESSAGE_ROLE.findall(cause)
    assert roles, "the cause names no message boundary"
    for side, key, n in roles:
        last = len(messages.MESSAGES[key]) - 1
        if side == "first" and int(n) < last:
            assert f":kernel-until:`message {key} {n}`" in cause, f"{key} {n} has no last release"
    keys = {key for _, key, _ in roles} | {"amd_svm_disabled_boot", "feat_ctl_vmx_disabled"}
    texts = [v.template.replace("{cpu}", "N") for k in keys for v in messages.MESSAGES[k]]
    quoted = [q for q in re.findall(r"``([^`]+)``", cause) if " " in q]
    assert quoted
    for q in quoted:
        assert any(q in t for t in texts), f"{q!r} is no wording of {sorted(keys)}"
