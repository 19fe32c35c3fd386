"""New-reader walk 13 (/work/walk13/report.md): each finding pinned to the page sources.

Whitespace is normalised, so rewrapping a paragraph does not break these.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "source"


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", (SOURCE / page).read_text(encoding="utf-8"))


def _section(page: str, title: str) -> str:
    """The normalised text of one section: from its title to the next title of any level."""
    raw = (SOURCE / page).read_text(encoding="utf-8")
    lines = raw.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    end = len(lines)
    for i in range(start + 2, len(lines) - 1):
        if lines[i].strip() and re.fullmatch(r"([-=~^*])\1{2,}", lines[i + 1].strip()):
            end = i
            break
    return re.sub(r"\s+", " ", "\n".join(lines[start:end]))


# --- M1: arm64's "as shown in the last section" ------------------------------------------------


def test_m1_arm64_links_the_refusal_section_by_name():
    text = _text("how-to/arm64.rst")
    assert "as shown in the last section" not in text
    assert "refuses to start L1 as shown in :ref:`nested-arm64-qemu-error`" in text


# --- M3: each command of a command-line block has its "$ " ------------------------------------


def test_m3_the_udev_check_shows_a_prompt_on_each_of_its_three_commands():
    from nested_snippets import registry

    body = next(iter(registry.load().get("troubleshooting.udev_kvm_rule").bodies()))[2]
    lines = body.text.splitlines()
    assert [line.split()[:2] for line in lines] == [["$", "ls"], ["$", "grep"], ["$", "getent"]]


def test_m3_only_lines_that_start_a_command_get_a_prompt():
    from nested_snippets.bodies import CommandLine

    loop = CommandLine('for t in a \\\n    b; do\n    ./"$t"\ndone\ncd /tmp && \\\n    ls')
    assert loop.text == '$ for t in a \\\n    b; do\n    ./"$t"\ndone\n$ cd /tmp && \\\n    ls'
    assert CommandLine("echo 'open").text == "$ echo 'open"  # unparsable: one prompt


# --- M2: Arm64 migration can be found from the migration pages ---------------------------------

ARM64_BLOCKER = "Live migration disabled because KVM nested virt is enabled"


def test_m2_the_how_to_names_the_other_architectures_and_links_them():
    text = _text("how-to/live-migration.rst")
    assert ":ref:`live-migration-other`" in _section(
        "how-to/live-migration.rst", "Live-migrate guests in a nested setup"
    )
    other = _section("how-to/live-migration.rst", "Arm64, IBM Z and IBM POWER")
    for target in ("nested-arm64-migration", "nested-s390x-migration", "migration-limits-by-arch"):
        assert f"<{target}>`" in other or f":ref:`{target}`" in other, target
    assert ARM64_BLOCKER in other and "<qemu-gicv3-nv-blocker>" in other
    assert text.index("Arm64, IBM Z and IBM POWER") < text.index("Suspending L1")


def test_m2_arm64_migration_links_the_migration_pages():
    section = _section("how-to/arm64.rst", "Live migration")
    for link in (
        ":doc:`/how-to/live-migration`",
        "<migration-limits-by-arch>`",
        ":ref:`troubleshooting-migration`",
    ):
        assert link in section, link
    assert ".. _nested-arm64-migration: Live migration" in _text("how-to/arm64.rst")


def test_m2_the_troubleshooting_entry_has_the_arm64_symptom():
    entry = _section("troubleshooting.rst", "Live migration fails with a nested guest")
    symptom = "**Symptom on Arm64.** QEMU refuses to migrate L1, naming the blocker"
    assert f"{symptom} ``{ARM64_BLOCKER}``" in entry
    assert "<nested-arm64-migration>`" in entry


# --- M4: a boundary in the data's gap is grammatical, and says why in one place ----------------


def test_m4_verify_and_distribution_kernels_say_the_same_sourced_thing():
    """The avic change fell in the data's 5.13 gap and a claim settled it; since 5.13 has
    data, both pages print the change from the data and cite the same commit."""
    for page in ("how-to/verify.rst", "how-to/distribution-kernels.rst"):
        text = _text(page)
        assert "most likely has it" not in text, page
        assert "the range is there because" not in text, page
        assert "cannot tell which" not in text and "<linux-5-13-rc4>" not in text, page
        assert "<avic-bool-commit>`" in text, page
    assert ":kernel-until:`x86/kvm_amd avic type=int` (:claim:`commit 28a4aa1160d7" in _text(
        "how-to/distribution-kernels.rst")  # fmt: skip
    assert ":kernel-first:`x86/kvm_amd avic type=bool` (:claim:`commit 28a4aa1160d7" in _text(
        "how-to/verify.rst")  # fmt: skip


def test_m4_power_and_troubleshooting_name_both_releases_and_link_why():
    power = _text("how-to/power.rst")
    trouble = _text("troubleshooting.rst")
    for page, text in (("power", power), ("troubleshooting", trouble)):
        assert "between 5.12 and 5.14" not in text, page
        # since session 17 the boundary is printed from the data (a source probe of
        # kvmhv_enable_nested()'s radix check): "5.13 or 5.14" linking the gap while 5.13
        # had no data (test_m4_the_generated_boundary_reads_and_links_the_gap), 5.14 since
        assert ":kernel-since:`source ppc-nested-needs-radix present` on" in text, page


def test_m4_the_gap_is_explained_once_in_the_versions_reference():
    pages = [p.relative_to(SOURCE).as_posix() for p in SOURCE.rglob("*.rst")
             if ".. _kernel-data-gaps:" in p.read_text(encoding="utf-8")]  # fmt: skip
    assert pages == ["reference/versions.rst"]
    section = _section("reference/versions.rst", "Releases without data")
    assert (
        "Releases of the series without data today: :kernel-missing:`releases`. For such a "
        "release this guide found no public copy" in section
    )


def test_m4_the_generated_boundary_reads_and_links_the_gap(tmp_path, kernel_gap, capsys):
    """The data has no gap since 5.13's sources were found, so the boundaries of the pages
    are built in-process on the data without 5.13 (``kernel_gap``), as they read then:
    the releases around the gap, each linked to the section that explains it."""
    from sphinx.cmd.build import build_main

    from tests.test_sphinx_ext import _site

    page = (
        "A\n=\n\n``avic`` became a bool :kernel-between:`x86/kvm_amd avic type=bool`, "
        "stays an int up to :kernel-until:`x86/kvm_amd avic type=int`; the radix check from "
        ":kernel-since:`source ppc-nested-needs-radix present` on.\n"
    )
    gaps = _section("reference/versions.rst", "Releases without data")
    versions = f"V\n=\n\n.. _kernel-data-gaps:\n\nReleases without data\n{'-' * 21}\n\n"
    versions += gaps[gaps.index("Releases of the series") :] + "\n"
    src = _site(tmp_path, {"a": page, "versions": versions})
    out = tmp_path / "out"
    rc = build_main(["-c", str(REPO), "-W", "--keep-going", "-q", "-b", "html",
                     "-d", str(out / "doctrees"), str(src), str(out / "html")])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    html = (out / "html" / "a.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert "From Linux between" not in text and "up to between" not in text
    assert (
        "became a bool between 5.12 and 5.14, stays an int up to 5.12 or 5.13; "
        "the radix check from 5.13 or 5.14 on" in text
    ), text
    for said in (r"between 5\.12 and 5\.14", r"5\.12 or 5\.13", r"5\.13 or 5\.14"):
        anchor = rf'<a class="reference internal" href="([^"]+)"[^>]*>(?:<[^>]+>)*{said}'
        link = re.search(anchor, html)
        assert link and link.group(1) == "versions.html#kernel-data-gaps", said
    versions_html = (out / "html" / "versions.html").read_text(encoding="utf-8")
    assert f"without data today: {kernel_gap}. For such a release this guide found" in re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", "", versions_html))  # fmt: skip


# --- M6: the project's own files and tools are named on the contributing page only -------------

READER_PAGES = sorted(
    p.relative_to(SOURCE).as_posix()
    for d in ("how-to", "tutorial", "explanation")
    for p in (SOURCE / d).glob("*.rst")
) + ["troubleshooting.rst", "index.rst"]
INTERNAL = ("pinned.json", "tools/freshness.py", "tools/extract_qemu_facts.py",
            ":repo:`nested_snippets/qemu/data`", "data's index")  # fmt: skip


def test_m6_reader_pages_name_no_internal_file_or_tool():
    found = [(page, word) for page in READER_PAGES for word in INTERNAL
             if word in (SOURCE / page).read_text(encoding="utf-8")]  # fmt: skip
    assert not found, found


def test_m6_the_detail_moved_to_contributing_and_is_linked():
    section = _section("contributing.rst", "QEMU data and real-kernel pins")
    for word in (
        ":repo:`nested_snippets/realkernel/pinned.json`",
        "``tools/freshness.py --pin``",
        ":repo:`tools/extract_qemu_facts.py`",
        ":repo:`nested_snippets/qemu/data`",
    ):
        assert word in section, word
    assert ".. _contributing-data-tools: QEMU data and real-kernel pins" in _text(
        "contributing.rst"
    )
    distro = _text("how-to/distribution-kernels.rst")
    assert ":realkernel-pins:`linux-image`. These versions are fixed and updated by hand" in distro
    assert "(:ref:`contributing-data-tools`)" in distro
    trouble = _text("troubleshooting.rst")
    made = "the guide's QEMU data (:ref:`how it is made <contributing-data-tools>`)"
    assert trouble.count(made) == 2
    for page in ("how-to/arm64.rst", "how-to/s390x.rst"):
        assert "<kernel-data-sources>`" in _text(page), page


# --- M5: clouds: the proof labels cite the providers, research notes go to Sources -------------

PROVIDER_SOURCES = {
    "clouds.gce_create": "https://cloud.google.com/sdk/gcloud/reference/",
    "clouds.aws_run": "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/",
    "clouds.aws_metal_types": "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/",
}


def test_m5_the_cloud_switches_cite_the_providers_own_reference():
    from nested_snippets import registry
    from nested_snippets.sphinxext import _proof_paragraph

    reg = registry.load()
    for sid, prefix in PROVIDER_SOURCES.items():
        snip = reg.get(sid)
        assert snip.not_executed.source.startswith(prefix), (sid, snip.not_executed.source)
        era, key, _ = next(iter(snip.bodies()))
        line = _proof_paragraph(snip, key, era).astext()
        for third_party in ("pub.dev", "hackage", "sdk-for-python", "pulumi"):
            assert third_party not in line, (sid, line)


def test_m5_research_notes_left_the_clouds_prose_for_its_sources():
    prose, _, sources = _text("how-to/clouds.rst").partition("Sources -------")
    for note in ("the stored copies of Google's how-to page", "you can't use any of the memor",
                 "only the start of its list was read"):  # fmt: skip
        assert note not in prose, note
    assert "the stored copies of Google's how-to page on enabling nesting end before" in sources
    assert "you can't use any of the memor" in sources
    assert "only the start of its instance-type list was read" in sources


# --- L2: power: no parentheses inside parentheses, and a full stop before "The" ----------------


def test_l2_a_run_to_the_newest_qemu_data_is_described_without_parentheses():
    from nested_snippets import qemu

    newest = qemu.versions()[-1]
    later = [m for m in qemu.missing() if qemu.key(m) > qemu.key(newest)]
    text = qemu.describe([qemu.versions()[-2], newest])
    assert "(" not in text and ")" not in text, text
    if later:  # today: 11.0 and 11.1 have no data
        assert text.endswith(f"; {' and '.join(later)} not checked"), text


def test_l2_the_power_refusals_start_with_a_sentence_that_ends():
    section = _section("how-to/power.rst", "When QEMU refuses")
    assert "(the wording of :qemu-releases:" not in section
    assert "(:qemu-releases:`nested-hv-power9@10.2`" not in section
    assert "older wordings are in :doc:`/troubleshooting`. The KVM this QEMU runs on" in section
    assert "from :qemu-since:`nested-hv-power9-check`. The guest CPU is older" in section


# --- L3: power's live migration has its own section, linked from the how-to -------------------


def test_l3_power_has_a_live_migration_section_linked_from_the_how_to():
    power = _text("how-to/power.rst")
    assert "not covered by this guide for POWER" not in power
    assert ".. _nested-power-migration: Live migration ----" in power
    assert "<migration-limits-by-arch>`" in _section("how-to/power.rst", "Live migration")
    other = _section("how-to/live-migration.rst", "Arm64, IBM Z and IBM POWER")
    assert "<nested-power-migration>`" in other


# --- L9: s390x: a clear antecedent, and the bug-report note out of "Live migration" ------------


def test_l9_s390x_intro_names_what_qemu_asks_for():
    text = _text("how-to/s390x.rst")
    assert "QEMU asks KVM for this only" not in text
    assert "QEMU asks KVM for huge-page support only for a guest whose memory" in text


def test_l9_s390x_bug_report_note_has_its_own_section():
    assert "/proc/sysinfo" not in _section("how-to/s390x.rst", "Live migration")
    assert "``/proc/sysinfo`` from L1" in _section("how-to/s390x.rst", "Reporting a problem")


# --- L11: the migration entry: releases oldest first, the AMD releases inline -----------------


def test_l11_the_migration_entry_lists_releases_oldest_first_and_inline():
    entry = _section("troubleshooting.rst", "Live migration fails with a nested guest")
    block = entry.index(":claim:`QEMU 3.1, where the block first appeared <qemu-vmx-blocker>`")
    assert block < entry.index(":qemu-releases:`vmx-migration-blocker`")
    assert "older than those named in" not in entry
    assert "listed in :ref:`the how-to's AMD section" not in entry
    # since session 17 both boundaries are printed from the data (source probes)
    assert "older than Linux :kernel-since:`source svm-nested-state present`" in entry
    assert "a QEMU older than :qemu-since:`svm-nested-state-format-set`" in entry


# --- L1: the selftest SKIP entry has Symptom, Cause and Fix ------------------------------------


def test_l1_the_selftest_skip_entry_has_symptom_cause_and_fix():
    title = "``1..0 # SKIP - Requirement not met: kvm_cpu_has(X86_FEATURE_VMX)``"
    entry = _section("troubleshooting.rst", title)
    parts = [entry.index(f"**{word}.**") for word in ("Symptom", "Cause", "Fix")]
    assert parts == sorted(parts), parts
    assert ":ref:`enable-nested-x86`" in entry and ":doc:`how-to/community-tests`" in entry


# --- L7: verify: a parseable aside, and no "as above" without an antecedent -------------------


def test_l7_verify_reads_plainly():
    text = _text("how-to/verify.rst")
    assert "leads one to expect" not in text and "Zen 3 host, as above" not in text
    assert (
        "(from :kernel-since:`source vmx-flags-line present` on, the first release after "
        ":claim:`the " in text
    )
    assert "Zen 3 host, like the one whose output is shown above, still prints ``N``" in text


# --- L10: the Intel requirements as a two-item list --------------------------------------------


def test_l10_the_intel_requirements_are_a_list():
    section = _section("how-to/live-migration.rst", "Intel (VMX)")
    assert "says: :claim:`Linux 5.3" not in section
    same = section.index("* between two hosts with the same processor and kernel:")
    # the release is printed from the data since session 17 (a QEMU source probe)
    assert same < section.index(
        "* between different hosts: also upstream's :qemu-since:`x86-vmx-feature-words`"
    )
