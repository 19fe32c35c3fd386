"""The fake host behaves like kmod and the kernel for everything the guide touches.

Expected texts are authored from real outputs measured on Debian's 6.1 kernel under
QEMU (../shared/notes/real-kernel-under-qemu.md) and from kmod's sources; they are
not derived from the fake host's own tables.
"""

from __future__ import annotations

import pytest

from nested_snippets.fakehost.host import Scenario, ScenarioError
from nested_snippets.fakehost.start import Given
from nested_snippets.runner.run import execute, fake_host


def run(host, command: str) -> tuple[list[str], int]:
    out = execute(host, command)
    return out.output, out.status


def refused(host, args: str, why: str) -> None:
    """``sudo modprobe ARGS`` prints kmod's "could not insert" line with ``why``, exit 1."""
    module = next(word for word in args.split() if not word.startswith("-"))
    assert run(host, f"sudo modprobe {args}") == (
        [f"modprobe: ERROR: could not insert '{module}': {why}"], 1)  # fmt: skip


def last_log(host) -> str:
    """The newest kernel log line, without its time stamp."""
    lines, _ = run(host, "sudo dmesg")
    return lines[-1].split("] ", 1)[1]


@pytest.fixture
def amd():
    with fake_host(Scenario(arch="amd", kernel="6.1")) as host:
        yield host


@pytest.fixture
def intel():
    with fake_host(Scenario(arch="intel", kernel="6.6")) as host:
        yield host


def test_lsmod_lists_dependencies_newest_first_with_holders(amd):
    lines, status = run(amd, "lsmod | grep -i kvm")
    assert status == 0
    names = [ln.split()[0] for ln in lines]
    assert names == ["kvm_amd", "ccp", "kvm", "irqbypass"]
    assert lines[2].split()[2:] == ["1", "kvm_amd"]
    assert lines[3].split()[2:] == ["1", "kvm"]


def test_amd_nested_prints_an_int_and_modinfo_says_int(amd):
    assert run(amd, "cat /sys/module/kvm_amd/parameters/nested") == (["1"], 0)
    assert run(amd, "modinfo kvm_amd | grep -i nested") == (["parm:           nested:int"], 0)
    assert run(amd, "modinfo -p kvm_amd | grep -w nested") == (["nested: (int)"], 0)


def test_modprobe_d_dash_and_underscore_names_and_command_line_wins(amd):
    execute(amd, "echo 'options kvm-amd nested=0' | sudo tee /etc/modprobe.d/kvm.conf")
    run(amd, "sudo modprobe -r kvm_amd")
    assert run(amd, "sudo modprobe kvm-amd") == ([], 0)
    assert run(amd, "cat /sys/module/kvm_amd/parameters/nested") == (["0"], 0)
    run(amd, "sudo modprobe -r kvm_amd")
    assert run(amd, "sudo modprobe kvm_amd nested=1") == ([], 0)
    assert run(amd, "cat /sys/module/kvm_amd/parameters/nested") == (["1"], 0)


def test_files_not_ending_in_conf_are_ignored(amd):
    execute(amd, "echo 'options kvm_amd nested=0' | sudo tee /etc/modprobe.d/kvm_amd")
    run(amd, "sudo modprobe -r kvm_amd")
    run(amd, "sudo modprobe kvm_amd")
    assert run(amd, "cat /sys/module/kvm_amd/parameters/nested") == (["1"], 0)


def test_modprobe_of_a_loaded_module_changes_nothing(amd):
    assert run(amd, "sudo modprobe kvm_amd nested=0") == ([], 0)
    assert run(amd, "cat /sys/module/kvm_amd/parameters/nested") == (["1"], 0)
    refused(amd, "--first-time kvm_amd nested=0", "Module already in kernel")


def test_unknown_parameter_loads_and_logs(amd):
    run(amd, "sudo modprobe -r kvm_amd")
    assert run(amd, "sudo modprobe kvm_amd bogus_param=1") == ([], 0)
    lines, _ = run(amd, "sudo dmesg")
    texts = [ln.split("] ", 1)[1] for ln in lines]
    # parsed before the module's init runs, so it comes before the init's own lines
    unknown = texts.index("kvm_amd: unknown parameter 'bogus_param' ignored")
    assert texts[unknown + 1] == "kvm: Nested Virtualization enabled"
    assert run(amd, "cat /sys/module/kvm_amd/parameters/nested") == (["1"], 0)


def test_invalid_value_fails_to_insert(amd):
    run(amd, "sudo modprobe -r kvm_amd")
    refused(amd, "kvm_amd nested=banana", "Invalid argument")
    assert last_log(amd) == "kvm_amd: `banana' invalid for parameter `nested'"
    assert run(amd, "ls /sys/module/kvm_amd")[1] != 0


def test_intel_module_on_an_amd_cpu_after_kvm_amd_is_loaded(amd):
    # 6.1 checks "already loaded" first: kmod treats EEXIST as success (measured)
    assert run(amd, "sudo modprobe kvm_intel") == ([], 0)
    assert last_log(amd) == "kvm: already loaded vendor module 'kvm_amd'"
    assert "kvm_intel" not in "".join(run(amd, "lsmod")[0])


def test_no_hardware_support(amd):
    run(amd, "sudo modprobe -r kvm_amd")
    refused(amd, "kvm_intel", "Operation not supported")
    assert last_log(amd) == "kvm: no hardware support for 'kvm_intel'"
    # kvm and irqbypass stay loaded (measured)
    assert [ln.split()[0] for ln in run(amd, "lsmod")[0][1:]] == ["kvm", "irqbypass"]


def test_rmmod_in_use_and_not_loaded(intel):
    assert run(intel, "sudo rmmod kvm") == (["rmmod: ERROR: Module kvm is in use by: kvm_intel"], 1)
    assert run(intel, "sudo rmmod kvm-intel") == ([], 0)
    assert run(intel, "sudo rmmod kvm_intel") == (
        ["rmmod: ERROR: Module kvm_intel is not currently loaded"],
        1,
    )


def test_running_vm_keeps_the_module_busy():
    with fake_host(Scenario("intel", "6.6", Given(vm_running=True))) as host:
        assert run(host, "sudo rmmod kvm_intel") == (
            ["rmmod: ERROR: Module kvm_intel is in use"],
            1,
        )
        assert run(host, "sudo modprobe -r kvm_intel") == (
            ["modprobe: FATAL: Module kvm_intel is in use."],
            1,
        )


def test_builtin_kvm():
    with fake_host(
        Scenario(
            arch="intel", kernel="6.6", given=Given(kvm="builtin", cmdline="kvm_intel.nested=0")
        )
    ) as host:
        assert run(host, "sudo modprobe -r kvm_intel") == (
            ["modprobe: FATAL: Module kvm_intel is builtin."],
            1,
        )
        assert run(host, "sudo modprobe kvm_intel nested=1") == ([], 0)
        assert run(host, "cat /sys/module/kvm_intel/parameters/nested") == (["N"], 0)
        assert run(host, "lsmod") == (["Module                  Size  Used by"], 0)
        lines, _ = run(host, "modinfo kvm_intel")
        assert lines[:2] == ["name:           kvm_intel", "filename:       (builtin)"]


def test_kernel_command_line_reaches_a_loadable_module_too():
    with fake_host(Scenario("intel", "6.6", Given(cmdline="kvm-intel.nested=0"))) as host:
        assert run(host, "cat /sys/module/kvm_intel/parameters/nested") == (["N"], 0)


def test_kernel_command_line_after_double_dash():
    """kmod reads all of /proc/cmdline, past a ``--`` (kmod_config_parse_kcmdline(),
    libkmod/libkmod-config.c, kmod tags v30 to v34.2); the kernel stops there
    (parse_args(), kernel/params.c: "Stop at --"), so only a module modprobe loads
    gets an option written after it."""
    line = "quiet -- kvm-intel.nested=0"
    with fake_host(Scenario("intel", "6.6", Given(cmdline=line))) as host:
        assert run(host, "cat /sys/module/kvm_intel/parameters/nested") == (["N"], 0)
    with fake_host(Scenario("intel", "6.6", Given(kvm="builtin", cmdline=line))) as host:
        assert run(host, "cat /sys/module/kvm_intel/parameters/nested") == (["Y"], 0)


def test_open_quote_in_modprobe_d_takes_the_command_line_options_in():
    """kmod joins a module's options of the files and of the command line into one
    string (kmod_config_add_options(), libkmod/libkmod-config.c, and
    kmod_module_get_options(), libkmod/libkmod-module.c, kmod tag v30): a quote a
    file leaves open takes ``nested=0`` into ept's value (which kstrtobool reads by
    its first character), so nested keeps its default."""
    with fake_host(Scenario("intel", "6.6", Given(cmdline="kvm-intel.nested=0"))) as host:
        execute(host, "echo 'options kvm_intel ept=\"1' | sudo tee /etc/modprobe.d/kvm.conf")
        run(host, "sudo modprobe -r kvm_intel")
        assert run(host, "sudo modprobe kvm_intel") == ([], 0)
        assert run(host, "cat /sys/module/kvm_intel/parameters/nested") == (["Y"], 0)


def test_kernel_command_line_wins_over_modprobe_d():
    """kmod 30 passes modprobe.d's options first and the command line's after them
    (kmod_config_new() calls kmod_config_parse_kcmdline() after reading the files,
    libkmod/libkmod-config.c); the kernel applies them in order, the last one wins."""
    with fake_host(Scenario("intel", "6.6", Given(cmdline="kvm_intel.nested=1"))) as host:
        execute(host, "echo 'options kvm_intel nested=0' | sudo tee /etc/modprobe.d/kvm.conf")
        run(host, "sudo modprobe -r kvm_intel")
        assert run(host, "sudo modprobe kvm_intel") == ([], 0)
        assert run(host, "cat /sys/module/kvm_intel/parameters/nested") == (["Y"], 0)
        run(host, "sudo modprobe -r kvm_intel")
        assert run(host, "sudo modprobe kvm_intel nested=0") == ([], 0)  # modprobe's own: last
        assert run(host, "cat /sys/module/kvm_intel/parameters/nested") == (["N"], 0)


def test_read_only_parameter_refuses_writes_even_for_root(intel):
    lines, status = run(intel, "echo N | sudo tee /sys/module/kvm_intel/parameters/nested")
    assert status == 1
    assert lines[0] == "tee: /sys/module/kvm_intel/parameters/nested: Permission denied"
    lines, status = run(intel, "echo N > /sys/module/kvm_intel/parameters/nested")
    assert (lines, status) == (
        ["bash: /sys/module/kvm_intel/parameters/nested: Permission denied"],
        1,
    )


def test_privileged_tools_need_sudo(intel):
    assert run(intel, "dmesg") == (["dmesg: read kernel buffer failed: Operation not permitted"], 1)
    assert run(intel, "modprobe -r kvm_intel")[1] == 1


def test_intel_default_changed_in_4_20():
    with fake_host(Scenario(arch="intel", kernel="4.19")) as old, \
            fake_host(Scenario(arch="intel", kernel="4.20")) as new:  # fmt: skip
        assert run(old, "cat /sys/module/kvm_intel/parameters/nested") == (["N"], 0)
        assert run(new, "cat /sys/module/kvm_intel/parameters/nested") == (["Y"], 0)


def test_s390_nested_and_hpage_refuse_to_load_together():
    with fake_host(Scenario(arch="s390x", kernel="6.6", given=Given(kvm="unloaded"))) as host:
        refused(host, "kvm nested=1 hpage=1", "Invalid argument")
        assert last_log(host) == (
            "kvm-s390: A KVM host that supports nesting cannot back its KVM guests with huge pages"
        )
        assert run(host, "sudo modprobe kvm nested=1") == ([], 0)
        assert run(host, "cat /sys/module/kvm/parameters/nested") == (["1"], 0)


def test_l1_without_the_vmx_flag_has_no_kvm():
    with fake_host(Scenario("intel", "6.6", Given(level="L1", cpu_flag=False))) as host:
        assert run(host, "grep -c -w vmx /proc/cpuinfo") == (["0"], 1)
        assert run(host, "grep -c -w hypervisor /proc/cpuinfo") == (["2"], 0)
        assert run(host, "ls /dev/kvm")[1] == 2
        refused(host, "kvm_intel", "Operation not supported")


def test_unmodelled_options_are_refused_not_ignored(intel):
    lines, status = run(intel, "modprobe -v kvm_intel")
    assert status == 2 and "not modelled" in lines[0]


def test_bad_scenarios_are_refused_with_one_message():
    with pytest.raises(ScenarioError, match="kvm must be loaded, booted, unloaded or builtin"):
        Scenario("intel", "6.6", Given(kvm="maybe"))
    with pytest.raises(ScenarioError, match="3.10"):
        Scenario(arch="intel", kernel="3.10")


def test_a_specific_cpu_model_drives_flags_and_load_time_values():
    """QEMU TCG's -cpu max, with the flags recorded from a real 6.1 guest."""
    import json
    from pathlib import Path

    from nested_snippets.fakehost.cpus import CpuModel

    fixture = Path(__file__).parent.parent / "nested_snippets/fixtures/realkernel"
    cpu = json.loads((fixture / "6.1.0-57-amd64-tcg-max.json").read_text())["cpu"]
    model = CpuModel(cpu["vendor_id"], cpu["model_name"], cpu["family"], cpu["model"],
                     tuple(cpu["flags"]))  # fmt: skip
    with fake_host(Scenario(arch="amd", kernel="6.1", cpu=model)) as host:
        # measured on the real kernel under TCG (real-kernel-under-qemu.md)
        cat = "cat /sys/module/kvm_amd/parameters/{nrips,lbrv,vls,vgif,nested}"
        assert run(host, cat) == (["0", "0", "0", "1", "1"], 0)
        assert run(host, "cat /sys/module/kvm/parameters/enable_pmu") == (["N"], 0)
        assert run(host, "grep -m1 'model name' /proc/cpuinfo") == (
            ["model name\t: QEMU TCG CPU version 2.5+"],
            0,
        )


def test_kernel_log_times_increase_and_differ(amd):
    run(amd, "sudo modprobe -r kvm_amd")
    run(amd, "sudo modprobe kvm_amd bogus_param=1")
    run(amd, "sudo modprobe -r kvm_amd")
    run(amd, "sudo modprobe kvm_amd other_param=1")
    lines, _ = run(amd, "sudo dmesg")
    stamps = [float(ln[1 : ln.index("]")]) for ln in lines]
    assert len(stamps) >= 4
    assert all(a < b for a, b in zip(stamps, stamps[1:], strict=False)), lines
    # two loads are separate events, seconds apart; not one fixed step per line
    first = stamps[lines.index(next(ln for ln in lines if "'bogus_param'" in ln))]
    second = stamps[lines.index(next(ln for ln in lines if "'other_param'" in ln))]
    assert second - first >= 1.0, lines
    assert len({round(b - a, 6) for a, b in zip(stamps, stamps[1:], strict=False)}) > 1, lines


def test_boot_loads_only_the_modules_with_a_cpu_alias():
    """udev loads kvm_intel at boot (x86cpu modalias); s390's kvm and POWER's kvm_hv have
    only devname:kvm, so a fresh host has no /sys/module entry for them until modprobe."""
    with fake_host(Scenario("intel", "6.6", Given(kvm="booted"))) as host:
        assert run(host, "cat /sys/module/kvm_intel/parameters/nested") == (["Y"], 0)
    for arch, module, value in (("s390x", "kvm", "0"), ("power", "kvm_hv", "Y")):
        with fake_host(Scenario(arch, "6.6", Given(kvm="booted"))) as host:
            path = f"/sys/module/{module}/parameters/nested"
            assert run(host, f"cat {path}") == (
                [f"cat: {path}: No such file or directory"], 1)  # fmt: skip
            assert run(host, f"lsmod | grep -c -w {module}") == (["0"], 1)
            assert run(host, f"sudo modprobe {module}") == ([], 0)
            assert run(host, f"cat {path}") == ([value], 0)


def test_a_reboot_unloads_s390_kvm_for_good():
    with fake_host(Scenario("s390x", "6.6")) as host:
        assert run(host, "cat /sys/module/kvm/parameters/nested") == (["0"], 0)
        host.reboot()
        assert run(host, "ls /sys/module/kvm")[1] == 2


@pytest.mark.parametrize("release", ["6.18", "7.0", "7.1"])
def test_avic_starts_as_auto_and_sysfs_shows_what_the_cpu_gives(release):
    """From 6.18 ``avic`` starts as "auto" (svm/avic.c: ``static int avic =
    AVIC_AUTO_MODE``, which ``avic_param_set()`` stores for "auto"); at load
    ``avic_want_avic_enabled()`` turns it into x2AVIC-and-Zen-4 and ``avic_hardware_setup()``
    needs the AVIC bit.  sysfs then prints the outcome as a bool, never "auto"."""
    from nested_snippets import kernel
    from nested_snippets.arches import amd
    from nested_snippets.fakehost.cpus import CpuModel

    assert kernel.module("x86", "kvm_amd", release).param("avic").default == "auto"
    cat = "cat /sys/module/kvm_amd/parameters/avic"
    with fake_host(Scenario(arch="amd", kernel=release)) as host:  # EPYC 7763: Zen 3
        assert run(host, cat) == (["N"], 0)
    base = (*amd.ARCH.fake_flags, *amd.ARCH.fake_virt_flags)
    zen4 = CpuModel("AuthenticAMD", "AMD EPYC 9654 96-Core Processor", 25, 17, (*base, "x2avic"))
    with fake_host(Scenario(arch="amd", kernel=release, cpu=zen4)) as host:
        assert run(host, cat) == (["Y"], 0)
    no_avic = tuple(f for f in base if f != "avic")
    bare = CpuModel("AuthenticAMD", "AMD EPYC 7763 64-Core Processor", 25, 1, no_avic)
    with fake_host(Scenario(arch="amd", kernel=release, cpu=bare)) as host:
        assert run(host, cat) == (["N"], 0)


def test_modprobe_reads_byte_0xa0_as_white_space_as_lint_does(intel, tmp_path):
    """kmod hands the bytes of an ``options`` line to the kernel, whose isspace() is
    true for byte 0xA0 (lib/ctype.c): ``nested=0<A0>ept=maybe`` is two words, and
    ept=maybe makes kvm_intel refuse to load.  Lint said so; the fake modprobe
    decoded the file as UTF-8 (0xA0 alone became U+FFFD), read one word and loaded."""
    import subprocess
    import sys

    data = b"options kvm_intel nested=0\xa0ept=maybe\n"
    conf = tmp_path / "kvm.conf"
    conf.write_bytes(data)
    lint = subprocess.run(
        [sys.executable, "-m", "nested_snippets.cli", "lint", "--kernel", "6.6", str(conf)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert lint.returncode == 1
    assert "kvm_intel ept: 'maybe' is not a valid bool; kvm_intel refuses to load" in lint.stdout
    (intel.root / "etc/modprobe.d/kvm.conf").write_bytes(data)
    run(intel, "sudo modprobe -r kvm_intel")
    refused(intel, "kvm_intel", "Invalid argument")


# ------------------------------------------- kvm_amd's load lines on older kernels (claims17)
def _amd_load_lines(kernel: str, cpu=None) -> list[str]:
    with fake_host(Scenario(arch="amd", kernel=kernel, cpu=cpu)) as host:
        run(host, "sudo modprobe -r kvm_amd")
        assert run(host, "sudo modprobe kvm_amd") == ([], 0)
        lines, _ = run(host, "sudo dmesg")
    return [ln.split("] ", 1)[1] for ln in lines]


def test_kvm_amd_on_4_19_logs_svm_c_lines():
    """4.19's svm.c (svm_hardware_setup()): printk(KERN_INFO "kvm: Nested Paging
    enabled\\n") without pr_fmt, pr_info("Virtual GIF supported\\n") with "SVM: "."""
    texts = _amd_load_lines("4.19")
    assert "kvm: Nested Paging enabled" in texts, texts
    assert "SVM: Virtual GIF supported" in texts, texts


def test_kvm_amd_on_4_19_without_npt_logs_no_paging_line():
    """4.19 clears npt_enabled for a CPU without NPT before the "disabled" printk, which
    needs npt_enabled: no Nested Paging line; 5.7 and later print "disabled"."""
    from nested_snippets.fakehost import cpus

    flags = tuple(f for f in cpus.flags("amd", "L0", True) if f != "npt")
    cpu = cpus.CpuModel("AuthenticAMD", "AMD EPYC (no NPT)", 23, 49, flags)
    assert not [t for t in _amd_load_lines("4.19", cpu) if "Nested Paging" in t]
    assert "SVM: kvm: Nested Paging disabled" in _amd_load_lines("5.10", cpu)


def test_grubby_replaces_an_argument_it_already_has(intel):
    """grubby-bls ``update_args`` (rhboot/grubby, ``grubby-bls`` at 526e39e4, read
    2026-12-05): ``KEY=VALUE`` replaces the value of a ``KEY=`` already on the line,
    else it is appended; a word without ``=`` is appended only when absent."""
    for args in ("kvm_intel.nested=0", "kvm_intel.nested=1", "quiet", "quiet"):
        assert run(intel, f'sudo grubby --update-kernel=ALL --args="{args}"') == ([], 0)
    intel.reboot()
    (line,), status = run(intel, "cat /proc/cmdline")
    assert status == 0
    words = line.split()
    assert [w for w in words if w.startswith("kvm_intel.nested=")] == ["kvm_intel.nested=1"]
    assert words.count("quiet") == 1
