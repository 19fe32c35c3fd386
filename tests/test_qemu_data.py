"""The QEMU data (nested_snippets/qemu) and the guide's QEMU command lines and messages.

Expected values here are authored from reading QEMU's sources (file and release in
each comment), not computed by the loader under test.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from nested_snippets import proofs, qemu, registry
from nested_snippets.bodies import cpu_args_in, machine_args_in
from nested_snippets.model import CommandLine
from nested_snippets.versions import spoken

REPO = Path(__file__).resolve().parents[1]
TOOL = REPO / "tools" / "extract_qemu_facts.py"
MIRRORS = Path("/work/.mirror")
RELEASES = qemu.versions()
REG = registry.load()


# ----------------------------------------------------------------- data and index
def test_index_covers_every_release_from_4_0_to_the_newest_debian_ships():
    idx = qemu.index()
    assert idx["first"] == "4.0"
    newest = idx["newest_debian"]
    assert newest in qemu.series()
    assert qemu.series()[-1] == newest
    listed = set(qemu.series())
    assert set(RELEASES) <= listed
    assert set(qemu.missing()) == listed - set(RELEASES), "missing = series minus data files"
    for row in idx["releases"]:
        assert row["status"] in ("cross-checked", "single-source", "missing"), row


@pytest.mark.parametrize("version", RELEASES)
def test_provenance_names_every_file_and_each_source_line(version):
    data = json.loads((qemu.DATA / f"qemu-{version}.json").read_text())
    prov = data["provenance"]
    if "commit" in prov:  # a git snapshot at the release commit
        assert re.fullmatch(r"[0-9a-f]{40}", prov["commit"]) and prov["repo"].count("/") == 1
    else:  # an unpacked original tarball, named with its SHA-256 (sources.json "tree")
        assert re.search(r"\.orig\.tar\.\w+ sha256 [0-9a-f]{64}$", prov["origin"]), prov
    assert prov["extracted_by"] == "tools/extract_qemu_facts.py"
    files = prov["files"]
    assert all(re.fullmatch(r"[0-9a-f]{40}", b) for b in files.values())
    assert data["release"].startswith(version + ".")
    sources = re.findall(r'"source": "([^"]+):(\d+)"', json.dumps(data))
    assert sources, "every fact carries file:line"
    for path, _line in sources:
        assert path in files, f"{path} cited but not in provenance.files"


@pytest.mark.parametrize("version", RELEASES)
def test_blob_ids_match_the_mirror(version):
    data = json.loads((qemu.DATA / f"qemu-{version}.json").read_text())
    prov = data["provenance"]
    if "repo" not in prov:  # an unpacked tarball: sources.json says where
        manifest = json.loads((REPO / "nested_snippets/qemu/sources.json").read_text())
        (entry,) = [e for e in manifest["releases"] if e["version"] == version]
        tree = Path(entry["tree"].replace("{ubuntu}", manifest["ubuntu_trees"])
                    .replace("{debian}", manifest["debian_trees"]))  # fmt: skip
        assert entry["origin"] == prov["origin"]
        if not tree.is_dir():
            pytest.skip(f"{tree} is not unpacked here")
        for path, blob in prov["files"].items():
            got = subprocess.run(["git", "hash-object", str(tree / path)],
                                 capture_output=True, text=True)  # fmt: skip
            assert got.stdout.strip() == blob, f"{version} {path}"
        return
    git_dir = MIRRORS / prov["repo"].replace("/", "+") / "repo"
    if not git_dir.is_dir():
        pytest.skip(f"{prov['repo']} is not mirrored here")
    for path, blob in prov["files"].items():
        cmd = ["git", "--git-dir", str(git_dir), "rev-parse", f"{prov['commit']}:{path}"]
        got = subprocess.run(cmd, capture_output=True, text=True)
        assert got.stdout.strip() == blob, f"{version} {path}"


# --------------------------------------------------------- facts read from sources
def test_qemu_4_0_blocks_every_vmx_guest_whatever_the_kernel():
    # target/i386/kvm.c @ v4.0.0:1273 kvm_arch_init_vcpu()
    (blocker,) = qemu.release("4.0").migration["blockers"]
    assert blocker["message"] == "Nested VMX virtualization does not support live migration yet"
    assert blocker["condition"] == "(env->features[FEAT_1_ECX] & CPUID_EXT_VMX) && !vmx_mig_blocker"
    assert "KVM_CAP" not in blocker["condition"]


@pytest.mark.parametrize("version", [v for v in RELEASES if qemu.key(v) >= (4, 1)])
def test_from_4_1_the_check_is_at_save_time_and_needs_two_kvm_capabilities(version):
    # target/i386/machine.c cpu_pre_save() @ v4.1.0:248 .. v10.2.0:264
    mig = qemu.release(version).migration
    assert mig["blockers"] == []
    (err,) = mig["save_errors"]
    assert err["message"] == (
        "Guest maybe enabled nested virtualization but kernel does not "
        "support required capabilities to save vCPU nested state"
    )
    assert mig["capabilities"] == {
        "kvm_has_exception_payload": ["KVM_CAP_EXCEPTION_PAYLOAD"],
        "kvm_max_nested_state_length": ["KVM_CAP_NESTED_STATE"],
    }


def test_named_release_boundaries():
    # hw/arm/virt.c machvirt_init() @ v10.0.0:2221 (rejects) and @ v10.1.0:2270 (requires EL2)
    assert qemu.since(qemu.FACTS["arm-virt-kvm-el2"]) == "10.1"
    assert qemu.until(qemu.FACTS["arm-virt-kvm-rejected"]) == "10.0"
    # hw/ppc/spapr_caps.c: "nested-papr" absent @ v8.2.0, present @ v9.0.0
    assert qemu.since(qemu.FACTS["cap-nested-papr"]) == "9.0"
    # target/i386/machine.c: "cpu/kvm_nested_state/svm" first @ v5.1.0
    assert qemu.since(qemu.FACTS["svm-nested-state-migration"]) == "5.1"
    assert qemu.until(qemu.FACTS["vmx-migration-blocker"]) == "4.0"
    # target/i386/machine.c cpu_pre_save() @ v4.1.0:252: also refuses, without
    # KVM_CAP_EXCEPTION_PAYLOAD, a vCPU in guest mode with an injected exception
    assert qemu.since(qemu.FACTS["vmx-save-needs-exception-payload"]) == "4.1"


@pytest.mark.parametrize("version", RELEASES)
def test_named_x86_models_need_vmx_or_svm_asked_for_under_kvm(version):
    # cpu.c builtin_x86_defs: no model sets CPUID_EXT_VMX; kvm_default_props has svm=off
    r = qemu.release(version)
    assert not any(m["vmx"] for m in r.data["x86_cpu_models"]["models"])
    assert r.cpu_model("EPYC").svm is True
    assert r.kvm_flag("EPYC", "svm") is False
    assert r.kvm_flag("EPYC,svm=on", "svm") is True
    assert r.kvm_flag("Haswell-noTSX-IBRS", "vmx") is False
    assert r.kvm_flag("Haswell-noTSX-IBRS,vmx=on", "vmx") is True
    # hw/ppc/spapr.c spapr_machine_class_init(): caps[SPAPR_CAP_NESTED_KVM_HV] = SPAPR_CAP_OFF
    assert r.spapr_cap("nested-hv")["default"]["value"] == "off"
    assert r.spapr_cap("nested-hv")["machine_overrides"] == []


def test_a_gap_is_printed_between_its_neighbours(monkeypatch):
    rows = [{"version": v, "status": "missing" if v in ("9.1", "9.2") else "x"}
            for v in ("9.0", "9.1", "9.2", "10.0")]  # fmt: skip
    monkeypatch.setattr(qemu, "index", lambda: {"releases": rows})
    monkeypatch.setattr(qemu, "versions", lambda: ["9.0", "10.0"])
    fake = {"9.0": False, "10.0": True}
    monkeypatch.setattr(qemu, "release", lambda v: fake[v])
    assert qemu.since(lambda r: r) == "between 9.0 and 10.0"
    assert qemu.until(lambda r: not r) == "between 9.0 and 9.2"


def test_a_fact_true_in_the_oldest_data_is_not_given_as_its_start():
    # kvm_default_props has svm=off in 4.0, the oldest QEMU data; the default came
    # with commit 75d373ef97 in 2.2, so "since 4.0" would be a wrong boundary
    assert qemu.versions()[0] == "4.0"
    assert qemu.since(qemu.FACTS["kvm-svm-off-by-default"]) == "4.0 or earlier (no data before 4.0)"


def test_unknown_release_names_the_data():
    with pytest.raises(KeyError, match="there is data for 4.0"):
        qemu.release("3.1")


def test_extractor_rejects_a_tree_that_is_not_qemu(tmp_path):
    (tmp_path / "VERSION").write_text("6.6.0\n")
    proc = subprocess.run(["python3", str(TOOL), "--source", str(tmp_path), "--version",
                           "7.2", "--origin", "test", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 1
    assert "VERSION says 6.6.0, not 7.2" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


# ---------------------------------------------------- the guide against the data
def _commands() -> list[tuple[str, str]]:
    return [(label, body.command) for label, body in REG.bodies()
            if isinstance(body, CommandLine) and "qemu-system-" in body.command]  # fmt: skip


COMMANDS = _commands()


def _words(command: str) -> list[str]:
    return shlex.split(command.replace("\\\n", " "))


def test_the_guide_has_qemu_command_lines_for_every_architecture():
    binaries = {w for _, c in COMMANDS for w in _words(c) if w.startswith("qemu-system-")}
    assert {"qemu-system-x86_64", "qemu-system-aarch64", "qemu-system-ppc64",
            "qemu-system-s390x"} <= binaries  # fmt: skip


@pytest.mark.parametrize(("sid", "command"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_qemu_command_line_agrees_with_every_release(sid, command):
    words = _words(command)
    binary = words[0]
    opts = dict(zip(words, [*words[1:], ""], strict=True))
    kvm = opts.get("-accel") == "kvm" or "-enable-kvm" in words
    for version in RELEASES:
        r = qemu.release(version)
        cpu = opts.get("-cpu", "")
        if binary == "qemu-system-x86_64" and cpu and cpu.split(",")[0] not in ("host", "help"):
            model = cpu.split(",")[0]
            assert r.cpu_model(model), f"QEMU {version} has no x86 model {model}"
            flag = "svm" if r.cpu_model(model).svm else "vmx"
            if kvm and "l1" in sid:
                assert r.kvm_flag(cpu, flag), f"QEMU {version}: {cpu} gives L1 no {flag}"
        machine = opts.get("-machine", "")
        if binary == "qemu-system-ppc64":
            for cap in re.findall(r"cap-([\w-]+)=", machine):
                assert r.spapr_cap(cap), f"QEMU {version} has no cap-{cap}"
        if binary == "qemu-system-aarch64" and "virtualization=on" in machine and kvm:
            assert "gic-version=3" in machine, "KVM EL2 needs the in-kernel GICv3"
            if r.arm_virt["virtualization_with_kvm"] == "rejected":
                continue  # the page says from which release it works: next test
    if binary == "qemu-system-aarch64" and "virtualization=on" in command:
        page = (REPO / "source/how-to/arm64.rst").read_text()
        assert ":qemu-since:`arm-virt-kvm-el2`" in page


# A QEMU message in the guide is recognised by who says it, not by how it starts:
# a quote printed with QEMU's program name (``qemu-system-x86_64: ...``), a quote
# that a clause gives to QEMU (QEMU / qemu-kvm / qemu-system-* ... stops with,
# prints, says, exits with ...), a section title that repeats such a quote, and,
# in the provenance of a QEMU source (``.. source::``, ``.. entry-sources::``), a
# C format (``"failed to initialize %s: %s"``) or a literal given to an
# error_*/fprintf call.  Every one must be printed by a release the data holds.
SPEAKER = re.compile(r"(?<!than )(?<!not )\b(?:QEMU|qemu-kvm|qemu-system-\w+)\b(?!:)")
SAYS = re.compile(r"\b(?:stops?|prints?|says?|exits?|fails?|refuses?|reports?|warns?|"
                  r"answers?|complains?|errors? out)\b")  # fmt: skip
PRINTED = re.compile(r"^qemu-system-\w+: \S")
CALL_BEFORE = re.compile(r"(?:error_\w+|warn_report|fprintf|message|error)\s*\(?\s*$")
QUOTE = re.compile(r"``(?P<lit>(?:[^`\n]|`(?!`)|\n(?!\s*\n))+?)``"
                   r"|(?<![\w`])\"(?P<dq>(?:[^\"\n]|\n(?!\s*\n))+)\"")  # fmt: skip
PROVENANCE = re.compile(r"^(\s*)\.\. (?:source|entry-sources)::")


def _message_shaped(q: str) -> bool:
    if PRINTED.match(q):
        return True
    if re.match(r"[-/<$'(\[{]|(?:sudo|virsh|qemu-system-\w+|nested-kvm) ", q) or "=" in q:
        return False
    return len(q.split()) >= 3 or (" " in q and q.endswith(":"))


def _provenance_blocks(text: str) -> dict[int, str]:
    """0-based line -> the text of the ``.. source::`` / ``.. entry-sources::`` block
    holding it (for ``.. source::``, its title: what the source is)."""
    out: dict[int, str] = {}
    lines, start, indent = text.split("\n"), None, 0

    def close(end: int) -> None:
        block = "\n".join(lines[start:end])
        title = re.search(r":title:(.*)", block)
        for i in range(start, end):
            out[i] = title.group(1) if title else block

    for i, line in enumerate(lines):
        if start is not None and line.strip() and len(line) - len(line.lstrip()) <= indent:
            close(i)
            start = None
        m = PROVENANCE.match(line)
        if m:
            start, indent = i, len(m.group(1))
    if start is not None:
        close(len(lines))
    return out


def _clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause: split at '. ', '; ', ': ' before a capital, blank
    lines and directive lines, never inside a quote."""
    masked = QUOTE.sub(lambda m: "x" * len(m.group(0)), text)
    cuts = [0]
    for m in re.finditer(r"(?<=[.;!?])\s+|\n\s*\n|\n(?=\s*\.\. |\s*:\w+:)", masked):
        cuts.append(m.end())
    cuts.append(len(text))
    return list(zip(cuts, cuts[1:], strict=False))


def _rst_messages(path: Path) -> list[tuple[str, str]]:
    text = path.read_text()
    rel = path.relative_to(REPO)
    provenance = _provenance_blocks(text)
    out: list[tuple[int, str]] = []
    clauses = _clauses(text)
    for n, (a, b) in enumerate(clauses):
        clause = text[a:b]
        for m in QUOTE.finditer(clause):
            q = " ".join((m.group("lit") or m.group("dq")).split())
            line = text.count("\n", 0, a + m.start())
            inner = (re.findall(r'"([^"]+)"', q) if m.group("lit") else []) or [q]
            for cand in inner:
                if line in provenance:
                    block = provenance[line]
                    if ":title:" not in "\n".join(text.split("\n")[line - 3 : line + 1]):
                        # an entry-sources list: this clause and the one before it
                        block = text[clauses[n - 1][0] if n else a : a + m.start()]
                    names_qemu = SPEAKER.search(block) is not None
                    given = CALL_BEFORE.search(clause[: m.start()]) or cand != q
                    fmt = re.search(r"%[-0-9.]*[a-z]", cand) and " " in cand
                    if names_qemu and (fmt or (given and _message_shaped(cand))):
                        out.append((line + 1, cand.strip()))
                    continue
                said = SPEAKER.search(clause[: m.start()])
                verb = said and SAYS.search(clause, said.end(), m.start())
                if PRINTED.match(cand) or (verb and _message_shaped(cand)):
                    out.append((line + 1, cand))
    # a section title that is one quote, repeated by a recognised message below it
    found = {q for _, q in out}
    for m in re.finditer(r"^``([^`]+)``\n([-=~^\"'`]{3,})$", text, re.M):
        title = " ".join(m.group(1).split())
        if any(q.startswith(title.removesuffix("...")) for q in found):
            out.append((text.count("\n", 0, m.start()) + 1, title))
    return [(f"{rel}:{line}", q) for line, q in sorted(set(out))]


def _snippet_messages(path: Path) -> list[tuple[str, str]]:
    """Lines a snippet's expected output gives to QEMU (``qemu-system-ARCH: ...``)."""
    out = []
    for i, line in enumerate(path.read_text().split("\n"), 1):
        for m in re.finditer(r"qemu-system-\w+: [^\"'`\n]+", line):
            out.append((f"{path.relative_to(REPO)}:{i}", m.group(0).strip()))
    return out


def _quoted_messages() -> list[tuple[str, str]]:
    out = []
    for path in sorted((REPO / "source").rglob("*.rst")):
        out += _rst_messages(path)
    for path in sorted((REPO / "nested_snippets" / "snippets").glob("*.py")):
        out += _snippet_messages(path)
    return out


QUOTED = _quoted_messages()


def test_the_guide_quotes_qemu_messages():
    # authored: the /dev/kvm entries of troubleshooting.rst quote kvm_init()'s line
    quotes = {q for _, q in QUOTED}
    assert "Could not access KVM kernel module: Permission denied" in quotes
    assert "failed to initialize kvm: Permission denied" in quotes
    assert "qemu-system-x86_64: failed to initialize kvm: No such file or directory" in quotes
    assert "failed to initialize %s: %s" in quotes


def test_a_message_is_recognised_by_its_speaker_not_its_start(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    page = tmp_path / "p.rst"
    page.write_text(
        "T\n=\n\nIf QEMU stops with ``Frobnication of the flux failed: 3``, check ``/dev/kvm``.\n\n"
        "Linux prints ``kvm: disabled by bios``. ``qemu-system-x86_64: Bad thing``.\n\n"
        '.. source:: x\n   :title: QEMU 9.2.4, a.c (error_report("Nope %s"), "not a format")\n'
    )
    got = {q for _, q in _rst_messages(page)}
    assert got == {"Frobnication of the flux failed: 3", "qemu-system-x86_64: Bad thing",
                   "Nope %s"}, got  # fmt: skip


def _printed_by(quoted: str) -> list[str]:
    return [v for v in RELEASES if qemu.release(v).printing(quoted)]


@pytest.mark.parametrize(("where", "quoted"), QUOTED, ids=[q[0] for q in QUOTED])
def test_every_quoted_qemu_message_is_one_a_release_prints(where, quoted):
    assert _printed_by(quoted), (
        f"{where}: {quoted!r} is not a message of any QEMU release in the data "
        "(nested_snippets/qemu/data); extract the file that prints it "
        "(tools/extract_qemu_facts.py CATALOGUE_FILES) or correct the quote"
    )


def _paragraphs_around(path: Path, line: int, after: int = 2) -> str:
    """The paragraph holding ``line`` and the ``after`` paragraphs that follow it."""
    blocks = re.split(r"\n\s*\n", path.read_text())
    seen = 0
    for i, block in enumerate(blocks):
        seen += block.count("\n") + 2
        if seen > line:
            return "\n\n".join(blocks[i : i + 1 + after])
    return ""


RST_QUOTED = [q for q in QUOTED if q[0].startswith("source/")]
NAMED = re.compile(r"\bQEMU (\d+\.\d+)(?:\.\d+)?\b|\b(\d+\.\d+)\.\d+\b")


@pytest.mark.parametrize(("where", "quoted"), RST_QUOTED, ids=[q[0] for q in RST_QUOTED])
def test_a_message_not_every_release_prints_comes_with_its_releases(where, quoted):
    """Printed by every release with data, or the text around it names its releases:
    a :qemu-*: role (generated from the data), or a release ("QEMU 9.2.4", "10.2.0")
    whose data prints it."""
    printed_by = _printed_by(quoted)
    if not printed_by or printed_by == RELEASES:
        return  # not printed at all: the test above fails
    path, line = where.rsplit(":", 1)
    around = _paragraphs_around(REPO / path, int(line))
    if re.search(r":qemu-(since|until|releases|message):", around):
        return
    named = {a or b for a, b in NAMED.findall(around)} & set(RELEASES)
    also = f", not by {spoken(sorted(named, key=qemu.key))}, named next to it" if named else ""
    assert named & set(printed_by), (
        f"{where}: {quoted!r} is printed only by QEMU {qemu.describe(printed_by)}{also}; "
        "name the releases with a :qemu-*: role next to it"
    )


# ------------------------------------------------------------ source probes (claims17)
# Read in the pbo-linaro/qemu-ci release commits: KVM_STATE_NESTED_FORMAT_SVM first in
# target/i386/kvm.c at v5.2.0 (commit 2654ace151; 5.1.0 only in machine.c); kvm_init()'s
# fprintf "ioctl(KVM_CREATE_VM) failed: %d %s\n" through v9.1.0, error_report() without
# the number from v9.2.0 (804dfbe3ef); FEAT_VMX_PROCBASED_CTLS in cpu.c from v4.2.0.
def test_source_probes_give_the_releases_read_in_the_sources():
    from nested_snippets import qemu

    assert qemu.since(qemu.FACTS["svm-nested-state-format-set"]) == "5.2"
    assert qemu.until(qemu.FACTS["create-vm-prints-errno"]) == "9.1"
    assert qemu.since(qemu.FACTS["x86-vmx-feature-words"]) == "4.2"
    where = qemu.release("9.2").data["probes"]["x86-vmx-feature-words"]
    assert where.startswith("target/i386/cpu.c:")


# ------------------------------------------------------------- IBM Z (s390x) lines
# Expected values authored from reading hw/s390x/s390-virtio-ccw.c, include/hw/boards.h
# and target/s390x/cpu_models.c, cpu_features.c / cpu_features_def.h.inc at each tag.
def test_s390x_machine_types_and_cpu_models_read_from_sources():
    # s390-virtio-ccw.c @ v7.2.0:833 DEFINE_CCW_MACHINE(7_2, "7.2", true); last: (2_4, "2.4")
    r72 = qemu.release("7.2")
    assert r72.s390x_default_machine() == "s390-ccw-virtio-7.2"
    assert {"s390-ccw-virtio", "s390-ccw-virtio-2.4", "s390-ccw-virtio-7.2"} <= (
        r72.s390x_machine_names())
    assert "s390-ccw-virtio-8.0" not in r72.s390x_machine_names()
    # @ v10.0.0: DEFINE_CCW_MACHINE(2, 9) .. AS_LATEST(10, 0); boards.h: types more than
    # MACHINE_VER_DELETION_MAJOR (6) years old (2.9 .. 4.0) go only with the environment
    # variable QEMU_DELETE_MACHINES set, or from 10.1 (MACHINE_VER_DELETION's gate)
    r100 = qemu.release("10.0")
    assert r100.s390x_default_machine() == "s390-ccw-virtio-10.0"
    assert {"s390-ccw-virtio-2.9", "s390-ccw-virtio-4.0"} <= r100.s390x_machine_names()
    assert r100.s390x["machines"]["deletion_env"]["variable"] == "QEMU_DELETE_MACHINES"
    old = {t["name"] for t in r100.s390x["machines"]["types"] if t["deleted_if_env_set"]}
    assert old == {f"s390-ccw-virtio-{v}" for v in
                   ("2.9", "2.10", "2.11", "2.12", "3.0", "3.1", "4.0")}  # fmt: skip
    # @ v10.1.0 the gate is gone and the file starts at DEFINE_CCW_MACHINE(4, 2)
    assert qemu.release("10.1").s390x["machines"]["deletion_env"] is None
    assert "s390-ccw-virtio-4.1" not in qemu.release("10.1").s390x_machine_names()
    # cpu_models.c: CPUDEF_INIT(0x3906, 14, 1, ..., "z14", ...) from 4.0; "gen16a" not @ 4.0
    assert {"z14", "z14-base", "qemu", "max"} <= qemu.release("4.0").s390x_cpu_model_names()
    assert "gen16a" not in qemu.release("4.0").s390x_cpu_model_names()
    assert "gen16a" in r72.s390x_cpu_model_names()
    # host_s390_cpu_type_info is registered only #ifdef CONFIG_KVM
    assert "host" in r72.s390x_cpu_model_names(kvm=True)
    assert "host" not in r72.s390x_cpu_model_names(kvm=False)
    # FEAT_INIT("sief2", ...) @ v4.0.0 cpu_features.c; DEF_FEAT(SIE_F2, "sief2", ...) later
    assert all("sief2" in r.s390x_cpu_features() for r in qemu.releases())


S390X_LINES = [(label, body.command) for label, body in REG.bodies()
               if proofs.checked_against_qemu_data(body)]  # fmt: skip


def test_the_guide_has_s390x_command_lines_and_every_one_is_checked():
    assert [sid for sid, _ in S390X_LINES] == ["s390x.l1_qemu[all]"]
    unchecked = [sid for sid, c in COMMANDS if _words(c)[0] == "qemu-system-s390x"
                 and re.search(r"\s-(cpu|machine|M)\s", c)
                 and (sid, c) not in S390X_LINES]  # fmt: skip
    assert not unchecked, unchecked
    (body,) = [b for label, b in REG.bodies() if label == "s390x.l1_qemu[all]"]
    proof = body.proof("", False)
    assert proof.kind == "validated", proof
    assert proof.text.startswith("CPU model and features checked against the QEMU data of "
                                 "every release (4.0 to"), proof  # fmt: skip


def _s390x_problems(command: str, version: str) -> list[str]:
    words = _words(command)
    kvm = "kvm" in dict(zip(words, [*words[1:], ""], strict=True)).get("-accel", "") or (
        "-enable-kvm" in words)
    r = qemu.release(version)
    return r.s390x_problems(cpu_args_in(command), machine_args_in(command), kvm=kvm)


@pytest.mark.parametrize(("sid", "command"), S390X_LINES, ids=[c[0] for c in S390X_LINES])
def test_s390x_command_line_agrees_with_every_release(sid, command):
    for version in RELEASES:
        assert not _s390x_problems(command, version), f"QEMU {version}: {sid}"


S390X_PAGE = REPO / "source" / "how-to" / "s390x.rst"


def _s390x_page_options() -> list[str]:
    """The ``-cpu ...`` / ``-machine ...`` literals the s390x page gives in its prose."""
    text = S390X_PAGE.read_text()
    return re.findall(r"``((?:-cpu|-machine|-M) [^`]+)``", text)


def test_s390x_page_options_agree_with_every_release_and_name_releases_with_data():
    options = _s390x_page_options()
    assert "-cpu z14,sief2=on" in options and "-cpu host" in options, options
    for opt in options:
        for version in RELEASES:
            problems = _s390x_problems(f"qemu-system-s390x -accel kvm {opt}", version)
            assert not problems, f"s390x.rst ``{opt}``, QEMU {version}: {problems}"
    named = set(re.findall(r"\bQEMU (\d+\.\d+)\.\d+", S390X_PAGE.read_text()))
    assert named and named <= set(RELEASES), named


@pytest.mark.parametrize(("bad", "why"), [
    ("-machine s390-ccw-virtioo", "no machine type s390-ccw-virtioo"),
    ("-M s390-ccw-virtio-11.9", "no machine type s390-ccw-virtio-11.9"),
    ("-cpu z14x,sief2=on", "no s390x CPU model z14x"),
    ("-cpu z14,sief3=on", "no s390x CPU feature sief3"),
])  # fmt: skip
def test_a_wrong_s390x_machine_cpu_or_feature_fails(bad, why):
    problems = _s390x_problems(f"qemu-system-s390x -accel kvm {bad} -m 4G", "10.2")
    assert any(why in p for p in problems), problems


def test_s390x_host_model_needs_kvm():
    assert _s390x_problems("qemu-system-s390x -accel kvm -cpu host", "7.2") == []
    problems = _s390x_problems("qemu-system-s390x -accel tcg -cpu host", "7.2")
    assert any("host" in p for p in problems), problems
