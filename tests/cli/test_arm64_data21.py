"""Session 21: ``params`` and ``lint`` answer from the kernel data's ``arm64/kvm``.

Arm64's KVM is built in (``Arch.builtin_code``): its parameters show in
/sys/module/kvm/parameters and are set on the kernel command line as
``kvm.NAME=VALUE``; nesting is the early parameter ``kvm-arm.mode=nested``.  Before,
``params`` and ``lint`` refused ``--arch arm64`` and stopped on an arm64 host asking
for another architecture; a real aarch64 host's ``params --running`` compared its
kvm with x86's data (``params.host_arch``).
"""

from __future__ import annotations

import os

import pytest

from nested_snippets.cli import params


@pytest.fixture
def aarch64(monkeypatch):
    real = os.uname()
    fake = os.uname_result((real.sysname, real.nodename, "6.6.0", real.version, "aarch64"))
    monkeypatch.setattr(os, "uname", lambda: fake)


def test_params_arch_arm64_lists_its_builtin_kvm(cli):
    r = cli("params", "--kernel", "6.6", "--arch", "arm64")  # its only code: kvm
    assert r.rc == 0, (r.rc, r.err)
    assert "halt_poll_ns             uint  0644  500000" in r.out, r.out
    assert "built into the kernel" in r.err and "kvm.NAME=VALUE" in r.err, r.err
    assert "kvm-arm.mode=none|protected|nvhe|nested (arch/arm64/kvm/arm.c:" in r.err, r.err


def test_params_arm64_early_values_follow_the_release(cli):
    r = cli("params", "--kernel", "6.1", "--arch", "arm64", "--json")
    assert r.rc == 0 and r.json["params"][0]["default"] == "500000", (r.rc, r.err)
    assert "kvm-arm.mode=none|protected|nvhe (" in r.err, r.err
    r = cli("params", "--kernel", "5.10", "--arch", "arm64")
    assert r.rc == 0 and "Linux 5.10 has no early parameter kvm-arm.mode" in r.err, r.err


def test_params_arm64_unknown_module_did_you_mean(cli):
    r = cli("params", "--kernel", "6.6", "--arch", "arm64", "--module", "kvm_intel")
    assert r.rc == 2 and "did you mean 'x86/kvm_intel'?" in r.err, r.err


def test_running_on_a_real_aarch64_host_reads_arm64_data(aarch64):
    assert params.host_arch() == "arm64"


def test_lint_arm64_modprobe_d(cli, tmp_path):
    conf = tmp_path / "kvm.conf"
    conf.write_text(
        "options kvm halt_pol_ns=3\noptions kvm halt_poll_ns=4\noptions kvm-arm mode=nested\n"
    )
    r = cli("lint", "--kernel", "6.6", "--arch", "arm64", str(conf))
    assert r.rc == 1, (r.rc, r.out, r.err)
    lines = r.out.splitlines()
    assert lines[0] == (
        f"{conf}:1: error: kvm is built into arm64 kernels: kmod never loads it, so no "
        "modprobe.d option reaches it; set them on the kernel command line as kvm.NAME=VALUE"
    )
    assert f"{conf}:1: error: kvm (Linux 6.6) has no parameter 'halt_pol_ns'; did you mean " \
        "'halt_poll_ns'? (the kernel ignores it)" in lines
    assert r.out.count("built into") == 1  # once per file
    assert f"{conf}:3: error: options kvm-arm sets nothing: kvm-arm.mode is an early " \
        "kernel parameter, read only from the kernel command line (put " \
        "kvm-arm.mode=VALUE there)" in lines


def test_lint_on_an_aarch64_host_defaults_to_arm64(cli, tmp_path, aarch64):
    conf = tmp_path / "kvm.conf"
    conf.write_text("options kvm halt_poll_ns=4\n")
    r = cli("lint", "--kernel", "6.6", str(conf))
    assert r.rc == 1 and "built into arm64 kernels" in r.out, (r.rc, r.out, r.err)


@pytest.mark.parametrize(
    "kernel,cmdline,expected",
    [
        ("6.6", "kvm-arm.mode=nested", ""),
        ("6.6", "quiet kvm_arm.mode=nested", ""),  # parameq(): "-" and "_" alike
        ("6.6", 'x "kvm-arm.mode=nested"', ""),  # next_arg() drops the quotes
        ("6.6", "kvm-arm.mode=nestd", "error: kvm-arm.mode: 'nestd' is not one Linux 6.6 "
         "takes (none, protected, nvhe, nested: early_kvm_mode_cfg, arch/arm64/kvm/arm.c:"),
        ("6.6", "kvm-arm.mode=nestd", "keeps its default; did you mean 'nested'?"),
        ("6.1", "kvm-arm.mode=nested", "'nested' is not one Linux 6.1 takes (none, "
         "protected, nvhe:"),
        ("5.10", "kvm-arm.mode=nested", "error: Linux 5.10 has no early parameter kvm-arm.mode"),
        ("6.6", "kvm-arm.mod=nested", "error: unknown early parameter 'kvm-arm.mod' (the "
         "kernel ignores it); did you mean 'kvm-arm.mode'?"),
        ("6.6", "kvm-arm.wfi_trap_policy=notrap", "warning: 'kvm-arm.wfi_trap_policy': not "
         "checked (the kernel data records only kvm-arm.mode)"),
        ("6.6", "kvm.halt_poll_ns=x", "error: kvm.halt_poll_ns: 'x' is not a valid uint; the "
         "kernel keeps its value and says \"`x' invalid for parameter `kvm.halt_poll_ns'\""),
        ("6.6", "kvm.halt_pol=1", "error: kvm (Linux 6.6) has no parameter 'halt_pol'; did "
         "you mean 'halt_poll_ns'?"),
        ("6.6", "-- kvm.bogus=1 kvm-arm.mode=x", ""),  # after "--": init's, not the kernel's
        ("6.6", "kvm-intl.nested=1", "error: unknown module 'kvm-intl'; did you mean "
         "'kvm_intel'? (no module takes it)"),
    ],
)
def test_lint_cmdline_arm64(cli, tmp_path, kernel, cmdline, expected):
    path = tmp_path / "cmdline"
    path.write_text(f"BOOT_IMAGE=/vmlinuz {cmdline}\n")
    r = cli("lint", "--kernel", kernel, "--arch", "arm64", "--cmdline", str(path))
    if not expected:
        assert r.rc == 0 and r.out == "", (r.rc, r.out, r.err)
    else:
        assert f"{path}:1: " in r.out and expected in r.out, (r.rc, r.out, r.err)
        assert r.rc == (1 if "error" in r.out else 0), (r.rc, r.out)


def test_lint_cmdline_x86_loadable(cli, tmp_path):
    path = tmp_path / "cmdline"
    path.write_text("kvm_intel.nested=2 kvm-arm.mode=nestd\n")
    r = cli("lint", "--kernel", "6.6", "--arch", "x86", "--cmdline", str(path))
    assert r.rc == 1 and r.out == (
        f"{path}:1: error: kvm_intel nested: '2' is not a valid bool; kvm_intel refuses "
        "to load (Invalid argument)\n"
    ), r.out


def test_lint_cmdline_bad_files(cli, tmp_path):
    r = cli("lint", "--kernel", "6.6", "--arch", "arm64", "--cmdline", str(tmp_path / "none"))
    assert r.rc == 2 and "cannot read" in r.err and "no such file" in r.err, r.err
    os.mkfifo(tmp_path / "fifo")
    r = cli("lint", "--kernel", "6.6", "--arch", "arm64", "--cmdline", str(tmp_path / "fifo"))
    assert r.rc == 2 and "a fifo, not read" in r.err, r.err
    r = cli("lint", "--kernel", "6.6", "--arch", "arm64", "--cmdline", "")
    assert r.rc == 2 and "empty path" in r.err, r.err
    r = cli("lint", "--kernel", "6.6")
    assert r.rc == 2 and "give FILE|DIR" in r.err, r.err


def test_lint_arm64_modprobe_d_says_what_builtin_code_does(cli, tmp_path):
    """Hostile round 2 of session 21: for arm64's built-in kvm, lint said an invalid
    value makes kvm "refuse to load" and that blacklist keeps udev from loading it;
    kmod_module_probe_insert_module() (libkmod/libkmod-module.c, kmod 84fa569b2eb3)
    returns before blacklist and install for a module built in.  ``options KVM-ARM``
    got "did you mean 'kvm_amd'"."""
    conf = tmp_path / "kvm.conf"
    conf.write_text('options kvm halt_poll_ns="1 x"\nblacklist kvm\ninstall kvm /bin/true\n'
                    "options KVM-ARM mode=nested\n")  # fmt: skip
    r = cli("lint", "--kernel", "6.6", "--arch", "arm64", str(conf))
    assert "refuses to load" not in r.out and "udev" not in r.out, r.out
    assert (
        f"{conf}:1: error: kvm halt_poll_ns: '1 x' is not a valid uint; on the kernel command "
        "line too the kernel would reject it (\"`1 x' invalid for parameter `kvm.halt_poll_ns'\")"
    ) in r.out.splitlines(), r.out
    for n, kind in ((2, "blacklist"), (3, "install")):
        assert f"{conf}:{n}: warning: {kind} kvm: kvm is built into arm64 kernels, so kmod " \
            "finds it there and this line does nothing" in r.out, r.out
    assert f"{conf}:4: error: options KVM-ARM sets nothing: kvm-arm.mode is an early" in r.out


@pytest.mark.parametrize(
    "cmdline,expected",
    [
        ("kvm-arm.mode=nested\0x", ""),  # a C string: the kernel reads up to the NUL
        ("kvm.halt_poll_ns=4294967296", "'4294967296' is out of range for a uint; the kernel "
         "keeps its value"),
        ("KVM-ARM.mode=nested", "unknown early parameter 'KVM-ARM.mode' (the kernel ignores "
         "it); did you mean 'kvm-arm.mode'?"),
    ],
)
def test_lint_cmdline_arm64_hostile_round_2(cli, tmp_path, cmdline, expected):
    path = tmp_path / "cmdline"
    path.write_text(f"{cmdline}\n")
    r = cli("lint", "--kernel", "6.6", "--arch", "arm64", "--cmdline", str(path))
    if not expected:
        assert r.rc == 0 and r.out == "", (r.rc, r.out)
    else:
        assert r.rc == 1 and expected in r.out, (r.rc, r.out)


def _arm64_file(rng) -> str:
    words = ["halt_poll_ns=1", "halt_poll_ns=2", "nested=1", "--", 'a="x', 'b"', "halt-poll-ns"]
    lines = []
    for n in range(rng.randrange(1, 300)):
        module = rng.choice(["kvm", "kvm", "kvm", "kvm_intel", "kvm-arm", "kvm_intl"])
        chosen = [rng.choice(words) if rng.random() < 0.3 else f"u{n}x{k}=1"
                  for k in range(rng.choice([1, 1, 2, 3]))]  # fmt: skip
        lines.append(f"options {module} {' '.join(chosen)}")
        if rng.random() < 0.03:
            lines.append(rng.choice(["blacklist kvm", "install kvm /bin/true", "# x"]))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(12))
def test_arm64_builtin_findings_are_those_of_judging_every_line(monkeypatch, seed):
    """The built-in error, once per file, whatever lint's short cuts (runs, blocks past
    SHOWN findings) skip: the same findings as the parser judging every line."""
    import random

    from nested_snippets.cli import lint
    from tests.cli.conftest import judge_every_line, lint_files

    rng = random.Random(seed)
    files = [(f"/d/{k}.conf", _arm64_file(rng)) for k in range(rng.choice([1, 2, 3]))]
    with monkeypatch.context() as m:
        m.setattr(lint, "SHOWN", rng.choice([3, 10, 40]))
        m.setattr(lint, "LONG", rng.choice([1, 3, 1024]))
        fast = lint_files(files, "arm64")
        judge_every_line(m)
        slow = lint_files(files, "arm64")
    assert fast == slow, (seed, files)
    said = [f for f in fast[0] if "kmod never loads it" in f[3]]
    assert len(said) <= len(files)


def test_lint_cmdline_larger_than_1_mib_is_not_read(cli, tmp_path):
    """cli.rst (lint --cmdline): "larger than 1 MiB" is named on standard error."""
    path = tmp_path / "cmdline"
    path.write_bytes(b"kvm.x=1 " * ((1 << 20) // 8 + 1))
    r = cli("lint", "--kernel", "6.6", "--arch", "arm64", "--cmdline", str(path))
    assert r.rc == 2 and f"nested-kvm lint: {path}: larger than 1 MiB, not read" in r.err, r.err


@pytest.mark.parametrize("module", ["kvm-arm", "kvm_arm"])
def test_params_kvm_arm_is_the_early_parameters_prefix(cli, module):
    """Hostile round 4: ``params --module kvm-arm --arch arm64`` said "kvm_arm is a real
    module, but the parameter data covers only ..."; on arm64 it is the prefix of the
    early parameter kvm-arm.mode, whose values params --arch arm64 now names."""
    r = cli("params", "--module", module, "--kernel", "6.6", "--arch", "arm64")
    assert r.rc == 2 and r.err == (
        "nested-kvm params: kvm_arm is no module: kvm-arm.mode is an early parameter of the "
        "kernel command line; params --arch arm64 names the values it takes\n"
    ), r.err
