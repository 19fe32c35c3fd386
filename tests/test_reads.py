"""The view through which fake tool calls read the fake kernel's state (fakehost/reads.py)."""

from __future__ import annotations

import pytest

from nested_snippets.fakehost import commands, reads
from nested_snippets.fakehost import state as fk
from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import run


@pytest.fixture(scope="module")
def built() -> fk.State:
    with run.fake_host(Scenario("intel", "6.6")) as host:
        return fk.State.from_bytes(host.built.to_bytes())


def _call(state: fk.State, tool: str, args: list[str], root: str = "/nonexistent", sudo=False):
    rec = reads.Recorder()
    status, out, err = commands.run(tool, args, reads.StateView(state, rec), root, sudo)
    return rec, status, out, err


def _copy(state: fk.State) -> fk.State:
    return fk.State.from_bytes(state.to_bytes())


def test_lsmod_notes_the_loaded_modules_and_not_their_parameters(built):
    rec, status, out, _err = _call(_copy(built), "lsmod", [])
    assert status == 0 and "kvm_intel" in out
    assert rec.reads[("loaded",)] == repr(["kvm_intel", "kvm", "irqbypass"])
    assert ("loaded", "kvm", "holders") in rec.reads
    assert not [k for k in rec.reads if "params" in k or k[0] == "params_data"]


def test_every_noted_value_is_what_lookup_finds_on_the_state(built):
    """The keys name the same parts for the recorder and for :func:`reads.lookup`,
    which the runner uses on another host's built state."""
    for tool, args in (("lsmod", []), ("modinfo", ["-p", "kvm_intel"]), ("uname", ["-r"])):
        state = _copy(built)
        rec, *_ = _call(state, tool, args)
        assert rec.reads
        for key, seen in rec.reads.items():
            assert reads.canon(reads.lookup(built, key)) == seen, key


def test_modinfo_notes_the_whole_table_it_prints(built):
    rec, *_ = _call(_copy(built), "modinfo", ["-p", "kvm_intel"])
    assert reads.canon(built.params_data["kvm_intel"]) == rec.reads[("params_data", "kvm_intel")]


def test_writes_go_through_and_the_list_is_noted_before_it_changes(built, tmp_path):
    state = _copy(built)
    fk.materialize(state, tmp_path, full=True)
    rec, status, _out, err = _call(state, "rmmod", ["kvm_intel"], str(tmp_path), sudo=True)
    assert (status, err) == (0, "")
    assert [m.name for m in state.loaded] == ["kvm", "irqbypass"]
    assert rec.reads[("loaded",)] == repr(["kvm_intel", "kvm", "irqbypass"])
    assert not (tmp_path / "sys/module/kvm_intel").exists()


def test_a_module_not_loaded_is_missing_for_lookup(built):
    assert reads.lookup(built, ("loaded", "kvm_amd", "users")) == reads.MISSING
    assert reads.lookup(built, ("params_data", "nope")) == reads.MISSING


def test_the_view_hands_out_nothing_it_does_not_note(built):
    view = reads.StateView(_copy(built), reads.Recorder())
    with pytest.raises(AttributeError):
        view.FIELDS  # noqa: B018
    with pytest.raises(AttributeError):
        view.loaded = []


def test_saving_leaves_the_directories_of_unchanged_modules_alone(built, tmp_path):
    state = _copy(built)
    fk.materialize(state, tmp_path, full=True)
    param = sorted((tmp_path / "sys/module/kvm/parameters").iterdir())[0]
    shown = param.read_text()
    param.chmod(0o644)
    param.write_text("drifted\n")
    fk.materialize(state, tmp_path, keep={"kvm"})
    assert param.read_text() == "drifted\n"
    fk.materialize(state, tmp_path)
    assert param.read_text() == shown
    kept = reads.unchanged(state, fk.State.from_bytes(built.to_bytes()).to_json())
    assert kept == {"kvm_intel", "kvm", "irqbypass"}
    state.get("kvm").holders.append("other")
    assert reads.unchanged(state, built.to_json()) == {"kvm_intel", "irqbypass"}


def test_modinfo_filename_reads_no_parameter_table(built):
    """``modinfo -n`` prints where the module lives: a run that asks it depends on no
    parameter table (builtin.fedora's first step shares across releases by this)."""
    rec, status, out, _err = _call(_copy(built), "modinfo", ["-n", "kvm_intel"])
    assert status == 0 and out.strip().endswith("kvm-intel.ko")
    assert not [k for k in rec.reads if k[0] in ("params_data", reads.ROW)]


def _amd(kernel: str) -> tuple[fk.State, reads.Recorder]:
    """kvm_amd loaded through a view, on an AMD host where it was not loaded."""
    with run.fake_host(Scenario("amd", kernel, fk_given(kvm="unloaded"))) as host:
        state = fk.State.from_bytes(host.built.to_bytes())
    rec = reads.Recorder()
    view = reads.StateView(state, rec)
    for name in ("kvm", "kvm_amd"):
        fk.insert(view, state.modules[name], [])
    return state, rec


def fk_given(**kw):
    from nested_snippets.model import Given

    return Given(**kw)


def test_a_rule_that_decides_a_value_from_its_own_row_notes_nothing_at_load():
    """6.11 added kvm_amd's sev_snp, which the CPU rule clears on a CPU without it: the
    value follows from its own row (noted by whoever reads it), so loading kvm_amd does
    not depend on that row, and a run that shows only ``nested`` shares across 6.10 and
    6.11."""
    state, rec = _amd("6.11")
    assert state.get("kvm_amd").params["sev_snp"] == "N"
    assert (reads.ROW, "kvm_amd", "sev_snp") not in rec.reads
    assert (reads.ROW, "kvm_amd", "nested") in rec.reads  # _log_init reads it


def test_values_that_follow_avic_note_its_row():
    """enable_ipiv (6.17) is cleared when AVIC is not in use, which avic's row decides
    (a bool before 6.18, "auto" from 6.18): loading kvm_amd notes that row there, and
    not on a release without a parameter that follows it."""
    state, rec = _amd("6.17")
    assert state.get("kvm_amd").params["enable_ipiv"] == "N"
    assert (reads.ROW, "kvm_amd", "avic") in rec.reads
    _state, rec = _amd("6.10")
    assert (reads.ROW, "kvm_amd", "avic") not in rec.reads


def test_modprobe_notes_the_options_the_command_line_gives_not_the_line(tmp_path):
    """The command line holds the release (``BOOT_IMAGE=/boot/vmlinuz-6.6.0-...``), whose
    length differs between releases; modprobe reads only the options it gives the
    module, so a run that loads kvm_intel does not depend on the rest of the line."""
    with run.fake_host(Scenario("intel", "6.6", fk_given(kvm="unloaded"))) as host:
        state = fk.State.from_bytes(host.built.to_bytes())
    fk.materialize(state, tmp_path, full=True)
    rec, status, _out, err = _call(state, "modprobe", ["kvm_intel"], str(tmp_path), sudo=True)
    assert (status, err) == (0, "")
    assert ("cmdline",) not in rec.reads
    assert rec.reads[(reads.CMDLINE, "kvm_intel")] == "[]"
    other = fk.State.from_bytes(state.to_bytes())
    other.cmdline += " kvm-intel.nested=0"
    assert reads.canon(reads.lookup(other, (reads.CMDLINE, "kvm_intel"))) == "['nested=0']"


def test_the_early_parameters_note_their_own_words_not_the_line():
    """arm64's boot reads ``kvm-arm.mode=`` from the command line; the rest of the line
    (``BOOT_IMAGE`` with the release) is not part of what it depends on."""
    from nested_snippets.fakehost import early_params

    with run.fake_host(Scenario("arm64", "6.6")) as host:
        state = fk.State.from_bytes(host.built.to_bytes())
    state.cmdline += " kvm-arm.mode=bogus"
    rec = reads.Recorder()
    early_params.parse(reads.StateView(state, rec))
    assert ("cmdline",) not in rec.reads
    assert rec.reads[(reads.EARLY,)] == "['kvm-arm.mode=bogus']"
    assert "Malformed early option 'kvm-arm.mode'" in state.dmesg[-1][1]


def test_modprobe_c_notes_the_module_words_of_the_command_line(built):
    state = _copy(built)
    state.cmdline += " kvm_intel.nested=0 quiet.x"
    rec, status, out, _err = _call(state, "modprobe", ["-c"])
    assert status == 0 and "options kvm_intel nested=0" in out
    assert ("cmdline",) not in rec.reads
    assert rec.reads[(reads.MODULE_WORDS,)] == "['options kvm_intel nested=0', 'options quiet x']"
