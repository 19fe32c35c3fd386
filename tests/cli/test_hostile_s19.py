"""Session 19: hostile inputs to ``nested-kvm`` through fake roots (the rows of the
session-19 attack; the inputs that gave one clear message are not repeated here).
Each break below failed before its fix."""

from __future__ import annotations

import json

import pytest

from .conftest import write


@pytest.mark.parametrize("argv", [["check", "--no-probe"], ["check", "--no-probe", "--json"],
                                  ["report"]])  # fmt: skip
def test_a_nul_in_the_kernel_release_is_no_traceback(cli, make_host, argv):
    """A NUL in /proc/sys/kernel/osrelease went into the paths read below
    /lib/modules: ``os.path.realpath`` raised "embedded null byte" (a traceback, exit
    1, and no JSON).  No file name holds a NUL: such a file is missing."""
    root = make_host("intel")
    write(root, "/proc/sys/kernel/osrelease", "6.6\0x\n")
    r = cli(argv[0], "--root", str(root), *argv[1:])
    assert r.rc == 0, r.err
    if "--json" in argv:
        assert json.loads(r.out)["error"] is None
    assert "\0" not in r.out + r.err


def test_hostfs_takes_a_name_with_a_nul_for_a_missing_file(make_host):
    from nested_snippets.cli.hostfs import HostFS, Unreadable

    fs = HostFS(make_host("intel"))
    name = "/proc/cpu\0info"
    assert fs.read_optional(name) is None
    assert not fs.exists(name) and not fs.is_dir(name) and fs.stat(name) is None
    assert not fs.access(name, 4) and not fs.escapes(name) and fs.outside(name) == ""
    assert fs.listdir_or_empty(name + "/x") == []
    with pytest.raises(Unreadable, match="no such file"):
        fs.read(name)


@pytest.mark.parametrize(
    ("shown", "text", "where"),
    [
        ("/etc/modprobe.d/kvm.conf", "options kvm_intel nestd=1\n", "/etc/modprobe.d/kvm.conf:1"),
        ("/etc/modprobe.d/kvm.conf", "options kvm_intel Nested=1\n", "/etc/modprobe.d/kvm.conf:1"),
        ("/proc/cmdline", "root=/dev/sda1 kvm_intel.nestd=1\n", "kernel command line"),
        ("/proc/cmdline", "root=/dev/sda1 kvm-intel.nested_=1\n", "kernel command line"),
    ],
)
def test_a_misspelt_nested_setting_gets_a_did_you_mean(cli, make_host, shown, text, where):
    """``options kvm_intel nestd=1`` (or ``kvm_intel.nestd=1`` on the command line)
    with nested=N: nested-config passed with "no nested= in modprobe.d or on the
    kernel command line: the kernel's default applies", and the FAIL of nested told
    the user to add the line they had, misspelt.  The kernel ignores the unknown
    name; no parameter of any KVM module in the data is that close to nested
    (test below)."""
    root = make_host("intel")
    write(root, "/sys/module/kvm_intel/parameters/nested", "N\n")
    write(root, shown, text)
    r = cli("check", "--root", str(root), "--no-probe")
    line = r.line("nested-config")
    assert line.startswith("WARN  nested-config: "), line
    assert where in line and "did you mean 'nested'?" in line, line
    assert r.rc == 1


def test_no_parameter_of_the_data_is_taken_for_a_misspelt_nested():
    from nested_snippets import kernel
    from nested_snippets.cli.config import misspelt_nested

    names = {n for v in kernel.versions() for m in kernel.load(v).modules.values()
             for n in m.names()}  # fmt: skip
    assert "nested" in names and "nested_early_check" in names
    assert [n for n in sorted(names) if misspelt_nested(n)] == []
    assert misspelt_nested("nestd") and misspelt_nested("NESTED")


def test_a_misspelt_nested_beside_a_nested_setting_is_left_to_lint(cli, make_host):
    root = make_host("intel")
    write(root, "/etc/modprobe.d/kvm.conf", "options kvm_intel nested=1 nestd=1\n")
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.status("nested-config") == "PASS"


@pytest.mark.parametrize("json_out", [False, True])
def test_a_parameters_directory_of_thousands_is_not_read_through(cli, make_host, json_out):
    """``params --running`` read every entry of /sys/module/MODULE/parameters: 30,000
    files took 13 to 23 s (one file read each, however many), and --json listed them
    all.  No KVM module in the data has more than a few dozen parameters; more than
    :data:`running.MAX_PARAMS` entries is one error that names the directory."""
    from nested_snippets.cli import running

    root = make_host("intel")
    where = root / "sys/module/kvm/parameters"
    for i in range(running.MAX_PARAMS + 1):
        (where / f"p{i}").write_text("1\n")
    r = cli("params", "--running", "--root", str(root), *(["--json"] if json_out else []))
    assert r.rc == 2
    assert "/sys/module/kvm/parameters" in r.err and str(running.MAX_PARAMS) in r.err, r.err
    assert r.err.count("\n") == 1 + ("using the data" in r.err), r.err


def test_no_module_of_the_data_comes_near_the_cap():
    from nested_snippets import kernel
    from nested_snippets.cli import running

    most = max(len(m.params) for v in kernel.versions() for m in kernel.load(v).modules.values())
    assert most * 10 <= running.MAX_PARAMS


@pytest.mark.parametrize("json_out", [False, True])
def test_a_sysfs_value_that_is_not_utf8_is_unreadable_not_a_difference(cli, make_host, json_out):
    """``params --running`` read a parameter file of bytes that are not UTF-8 with
    U+FFFD in their place and listed "value differs from Linux 6.6's default:
    nested=\\x00\ufffd\ufffdY", a value no file holds; ``check`` says "not UTF-8 text
    (byte 1)" of the same file.  Now it is ``unreadable`` with that reason."""
    root = make_host("intel")
    (root / "sys/module/kvm_intel/parameters/nested").write_bytes(b"\x00\xff\xfeY\n")
    r = cli("params", "--running", "--root", str(root), *(["--json"] if json_out else []))
    assert r.rc == 0 and "\ufffd" not in r.out
    if json_out:
        row = next(p for p in r.json["params"] if p["name"] == "nested")
        assert row["status"] == "unreadable" and "not UTF-8 text (byte 1)" in row["reason"]
    else:
        assert "could not be read: nested (not UTF-8 text (byte 1))" in r.out, r.out


def _sys_module(root, kind: str) -> None:
    import shutil

    where = root / "sys/module"
    shutil.rmtree(where)
    if kind == "loop":
        where.symlink_to("module")
    elif kind == "dangling":
        where.symlink_to("gone")
    else:
        where.write_text("")


@pytest.mark.parametrize(("kind", "reason"), [
    ("loop", "a symbolic link that cannot be followed (too many levels of symbolic links)"),
    ("dangling", "dangling symbolic link to gone"),
    ("file", "not a directory"),
])  # fmt: skip
def test_a_sys_module_that_is_no_directory_is_not_called_missing(cli, make_host, kind, reason):
    """/sys/module as a symbolic link loop (or a dangling link, or a file) was "no
    /sys/module: a container?" and "/sys/module: no such directory (a container?)":
    the wrong reason, and the wrong advice (check on the container's host).  Now the
    line and the error name what is there."""
    root = make_host("intel")
    _sys_module(root, kind)
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.rc == 2
    assert f"cannot read /sys/module: {reason}" in r.line("nested"), r.out
    assert "container" not in r.line("nested")
    assert "no such directory" not in r.err and reason in r.err, r.err
    p = cli("params", "--running", "--root", str(root))
    assert p.rc == 2 and f"cannot read /sys/module: {reason}" in p.err, p.err
    assert "container" not in p.err


def test_a_missing_sys_module_is_still_a_container(cli, make_host):
    import shutil

    root = make_host("intel")
    shutil.rmtree(root / "sys/module")
    r = cli("check", "--root", str(root), "--no-probe")
    assert "a container?" in r.line("nested")
