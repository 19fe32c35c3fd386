"""nested-config when /proc/modules cannot be read: the KVM module in /sys/module is
"present (loaded or built in)", so whether modprobe.d applies to it at all is not
known.  kmod hands modprobe.d options only to a module it loads; a built-in module
reads ``module.param`` from the kernel command line alone (Linux
include/linux/moduleparam.h: MODULE_PARAM_PREFIX is KBUILD_MODNAME "." for built-in
code; init/main.c start_kernel(): parse_args("Booting kernel", ..., __start___param,
...)).  The check says what holds either way and claims no PASS it cannot know."""

from __future__ import annotations

import pytest

from tests.cli.conftest import write

MODULE_DOC = "modprobe.d applies only to a loadable module"
BOTH = "kvm-intel.nested=1 on the kernel command line works for both"
ANCHOR = "how-to/enable-x86.html#enable-nested-persistent)"


@pytest.fixture
def present_root(make_host, deny):
    """An Intel host whose kvm_intel is in /sys/module, without /proc/modules or
    modules.builtin (``how``: the file missing or unreadable)."""

    def make(how: str = "missing", kvm: str = "loaded"):
        root = make_host("intel", kvm=kvm, nested=True)
        for listing in (root / "lib/modules").glob("*/modules.builtin"):
            listing.unlink()
        if how == "missing":
            (root / "proc/modules").unlink()
        else:
            deny("/proc/modules")
        return root

    return make


def _config(cli, root):
    r = cli("check", "--root", str(root), "--no-probe")
    assert "present (loaded or built in" in r.line("kvm-module")
    (row,) = [
        c
        for c in cli("check", "--root", str(root), "--no-probe", "--json").json["checks"]
        if c["id"] == "nested-config"
    ]
    return r.line("nested-config"), row


@pytest.mark.parametrize("how", ["missing", "denied"])
@pytest.mark.parametrize("kvm", ["loaded", "builtin"])
def test_a_modprobe_d_setting_of_a_present_module_is_not_a_pass(cli, present_root, how, kvm):
    root = present_root(how, kvm)
    write(root, "/etc/modprobe.d/kvm.conf", "options kvm_intel nested=1\n")
    line, row = _config(cli, root)
    assert line.startswith("WARN  nested-config: "), line
    assert row["status"] == "WARN"
    for text in (line, f"{row['value']} — {row['fix']}"):
        assert "nested=1 (/etc/modprobe.d/kvm.conf:1)" in text
        assert "loadable" in text and "built in" in text
        assert MODULE_DOC in text and BOTH in text
    assert line.endswith(ANCHOR)
    assert row["url"].endswith(ANCHOR[:-1])


def test_a_modprobe_d_setting_that_turns_nesting_off_is_not_stated_as_fact(cli, present_root):
    root = present_root()
    write(root, "/etc/modprobe.d/kvm.conf", "options kvm_intel nested=0\n")
    line, row = _config(cli, root)
    assert row["status"] == "WARN"
    # not the loadable module's verdict ("nesting will be off after the next load")
    assert "nesting will be off" not in line
    assert "nested=0 (/etc/modprobe.d/kvm.conf:1)" in row["value"]
    assert "the kernel's default" in row["value"]  # what a built-in kvm_intel gets
    assert BOTH in row["fix"]


def test_the_command_line_alone_is_read_alike_either_way(cli, present_root):
    """kmod hands a loadable module the command line's options and the kernel gives
    them to a built-in one: the same setting, so a PASS is known."""
    root = present_root()
    write(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz kvm_intel.nested=1 quiet\n")
    line, row = _config(cli, root)
    assert line == "PASS  nested-config: nested=1 (kernel command line)"
    assert row["status"] == "PASS"


def test_the_command_line_wins_over_modprobe_d_either_way(cli, present_root):
    root = present_root()
    write(root, "/etc/modprobe.d/kvm.conf", "options kvm_intel nested=0\n")
    write(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz kvm-intel.nested=1 quiet\n")
    line, row = _config(cli, root)
    assert line.startswith("PASS  nested-config: nested=1 (kernel command line)"), line


def test_no_setting_anywhere_is_the_default_either_way(cli, present_root):
    line, row = _config(cli, present_root())
    assert line.startswith("PASS  nested-config: no nested= in modprobe.d"), line


def test_a_command_line_past_dashes_differs_between_kmod_and_the_kernel(cli, present_root):
    """kmod reads /proc/cmdline past ``--``, the kernel does not: loadable, the module
    gets nested=0; built in, the kernel's default."""
    root = present_root()
    write(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz quiet -- kvm_intel.nested=0\n")
    line, row = _config(cli, root)
    assert row["status"] == "WARN", line
    assert "nested=0 (kernel command line)" in row["value"]
    assert "the kernel's default" in row["value"]


def test_a_known_state_keeps_its_reading(cli, make_host):
    """Loaded (listed in /proc/modules): modprobe.d applies, as before."""
    root = make_host("intel", nested=True)
    write(root, "/etc/modprobe.d/kvm.conf", "options kvm_intel nested=1\n")
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.line("nested-config") == "PASS  nested-config: nested=1 (/etc/modprobe.d/kvm.conf:1)"


def test_nesting_off_in_a_built_in_module_is_not_fixed_by_modprobe_d(cli, make_host):
    """A built-in kvm_intel cannot be reloaded and reads no modprobe.d: the fix is the
    kernel command line (the builtin-kvm page)."""
    root = make_host("intel", kvm="builtin", nested=False)
    line = cli("check", "--root", str(root), "--no-probe").line("nested")
    assert line.startswith("FAIL  nested: kvm_intel nested=N — "), line
    assert "kvm-intel.nested=1" in line and "built in" in line
    assert "reload" not in line and "options kvm_intel" not in line
    assert line.endswith("how-to/builtin-kvm.html#builtin-kvm)")


@pytest.mark.parametrize("kvm", ["loaded", "builtin"])
def test_nesting_off_in_a_present_module_names_both_fixes(cli, present_root, make_host, kvm):
    root = present_root(kvm=kvm)
    write(root, "/sys/module/kvm_intel/parameters/nested", "N\n")
    line = cli("check", "--root", str(root), "--no-probe").line("nested")
    assert line.startswith("FAIL  nested: kvm_intel nested=N — "), line
    assert "if it is loadable" in line
    assert "kvm-intel.nested=1 on the kernel command line works for both" in line
