"""REVIEW s9b (adversarial review of the nested-kvm checker: check, lint, params).

The xfail(strict) tests are FAILING REPRODUCTIONS, not fixes: each shows one promise
of source/reference/cli.rst (or of the kmod source it cites) that does not hold.  A
fix turns one into an XPASS, which fails until its mark is dropped.

kmod sources read in the bare mirror of kmod-project/kmod (``git show TAG:FILE``).
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.cli.conftest import write

REASON = "REVIEW s9b: a promise of the nested-kvm CLI that does not hold (reproduction)"


# ------------------------------------------------------------- check: nested-config
@pytest.mark.parametrize("name", [".kvm.conf", ".conf"])
def test_check_nested_config_skips_hidden_modprobe_d_files(cli, make_host, name):
    """cli.rst (nested-config): the last nested= "in modprobe.d (read the way kmod
    reads it)".  kmod never reads a file whose name starts with a dot
    (``conf_files_filter_out()``: ``if (fn[0] == '.') return true;``,
    libkmod/libkmod-config.c, kmod v30 to v34); lint skips them since s8b, but check's
    reader (modprobe_conf.files_in) takes every name ending in .conf, so a hidden
    ``.kvm.conf`` with nested=0 makes check warn that nesting will be off."""
    root = make_host("intel")
    write(root, f"/etc/modprobe.d/{name}", "options kvm_intel nested=0\n")
    line = cli("check", "--root", str(root), "--no-probe").line("nested-config")
    assert name not in line, line
    assert line.startswith("PASS  nested-config: no nested= in modprobe.d"), line


def test_check_nested_config_usr_lib_modprobe_d_before_lib(cli, make_host):
    """cli.rst (nested-config): modprobe.d "read the way kmod reads it".  kmod 32 to
    34 read DISTCONFDIR/modprobe.d (``${prefix}/lib``: /usr/lib) before /lib/modprobe.d
    (``default_config_paths[]`` in libkmod/libkmod.c, v32, v33, v34; commit 8463809
    "libkmod, depmod: Load modprobe.d, depmod.d from ${prefix}/lib"), and of two
    files of one name only the first is read.  modprobe_conf.CONFIG_DIRS puts
    /lib/modprobe.d first, so on a root whose /lib is not a link to /usr/lib the
    /lib copy wins: check reports nested=0 where kmod hands on nested=1 (kmod 30 and
    31 do not read /usr/lib/modprobe.d at all)."""
    root = make_host("intel")
    assert not (root / "lib").is_symlink()
    write(root, "/lib/modprobe.d/kvm.conf", "options kvm_intel nested=0\n")
    write(root, "/usr/lib/modprobe.d/kvm.conf", "options kvm_intel nested=1\n")
    line = cli("check", "--root", str(root), "--no-probe").line("nested-config")
    assert "/lib/modprobe.d/kvm.conf" not in line.replace("/usr/lib/", "/usr/LIB/"), line
    assert line.startswith("PASS"), line


def test_check_cmdline_option_with_a_quote_open_at_the_end_is_dropped_by_kmod(cli, make_host):
    """cli.rst (nested-config): the command line's nested= is read "the way kmod
    reads it".  kmod_config_parse_kcmdline() (libkmod/libkmod-config.c, v30 to v34)
    completes an option only at white space or NUL outside quotes: at the end of
    /proc/cmdline with a quote still open (``case '\\0': iter = false;`` falls into
    ``if (is_quoted && state == STATE_VALUE) { /* no state change*/ }``) the last
    option never reaches kcmdline_parse_result() and is dropped.  So kmod hands on
    only nested=1; check takes the unterminated ``nested="0`` as the last setting and
    warns that nesting will be off."""
    root = make_host("intel")
    write(root, "/proc/cmdline", 'BOOT_IMAGE=/vmlinuz kvm_intel.nested=1 kvm_intel.nested="0\n')
    line = cli("check", "--root", str(root), "--no-probe").line("nested-config")
    assert line.startswith("PASS  nested-config: nested=1 (kernel command line)"), line


# ------------------------------------------------------------------ params --running
def test_params_running_parameters_dir_linked_out_of_root_is_not_dropped_by_vendor(
    cli, make_host, tmp_path
):
    """cli.rst: below --root "a symbolic link that leads out of DIR is not followed";
    params --running lists "parameters of that release that this kernel lacks" and an
    ``unreadable`` status with ``reason`` "a symbolic link out of --root"; "what cannot
    [be read] is reported as skipped, with the reason".  A
    /sys/module/kvm_intel/parameters that links out of --root is read as an empty
    directory (running.host_params: listdir_or_empty), so every parameter of Linux 6.6
    is reported as "missing here (dropped by the vendor?)" and the link is not named."""
    outside = tmp_path / "outside-params"
    outside.mkdir()
    (outside / "nested").write_text("Y\n")
    root = make_host("intel")
    params = root / "sys/module/kvm_intel/parameters"
    shutil.rmtree(params)
    params.symlink_to(outside)
    r = cli("params", "--running", "--root", str(root), "--module", "kvm_intel")
    assert "dropped by the vendor" not in r.out, r.out
    assert "symbolic link out of the --root directory" in r.out + r.err, (r.out, r.err)


# ------------------------------------------------------------------ --kernel spellings
@pytest.mark.parametrize("command", ["lint", "params"])
def test_kernel_tilde_release_candidate_comes_before_its_release(cli, tmp_path, command):
    """cli.rst (lint --kernel, used by params): "A release candidate (6.6-rc1, or
    6.6.0-rc1 as the kernel spells it) comes before its release: it uses the newest
    data older than that release".  The version syntax accepts ``~`` as a suffix
    separator (versions.VERSION), the Debian spelling of a candidate (``6.6~rc1``,
    sorted before 6.6 by dpkg), but release_candidate() wants a ``-``: 6.6~rc1 is
    checked against Linux 6.6 itself."""
    conf = tmp_path / "kvm.conf"
    conf.write_text("options kvm_intel nested=1\n")
    if command == "lint":
        r = cli("lint", "--kernel", "6.6~rc1", "--arch", "x86", str(conf))
    else:
        r = cli("params", "--module", "kvm_intel", "--kernel", "6.6~rc1")
    assert r.rc == 0, (r.rc, r.err)
    assert "6.5" in r.err, r.err  # the newest data before 6.6


def test_check_nested_config_does_not_pass_over_an_alias_file(cli, make_host):
    """cli.rst (nested-config): modprobe.d "read the way kmod reads it"; cli.rst (lint):
    "kmod 30 to 32 also read ``*.alias`` files" (``conf_files_filter_out()``,
    libkmod/libkmod-config.c v30: ``.conf`` or ``.alias``; Debian 12 ships kmod 30).
    check reads only ``*.conf`` and says, with no word about the file, "no nested= in
    modprobe.d" for a /etc/modprobe.d/kvm.alias that kmod 30 applies (nested=0)."""
    root = make_host("intel")
    write(root, "/etc/modprobe.d/kvm.alias", "options kvm_intel nested=0\n")
    line = cli("check", "--root", str(root), "--no-probe").line("nested-config")
    assert "kvm.alias" in line, line


# ----------------------------------------------------------------------------- lint
def test_lint_bad_release_below_root_names_the_file(cli, make_host, tmp_path):
    """cli.rst (Bad input): "Every command reports bad input in one line naming the
    file".  params --running names /proc/sys/kernel/osrelease for a release that is
    no version (REVIEW s8 fix); lint --root says only "the running kernel's release:
    '6.abc' is not a kernel version", without the file."""
    root = make_host("intel")
    write(root, "/proc/sys/kernel/osrelease", "6.abc\n")
    conf = tmp_path / "kvm.conf"
    conf.write_text("options kvm_intel nested=1\n")
    r = cli("lint", "--root", str(root), str(conf))
    assert r.rc == 2 and r.out == "", (r.rc, r.out)
    assert "/proc/sys/kernel/osrelease" in r.err, r.err


@pytest.mark.parametrize("how", ["fifo", "not-utf8"])
def test_check_unreadable_cmdline_is_not_an_empty_one(cli, make_host, how):
    """cli.rst: "Everything it needs can be read as an ordinary user; what cannot is
    reported as skipped, with the reason", and a FIFO "is refused before it is
    opened".  probes.gather turns an unreadable /proc/cmdline into None, which
    nested_setting reads as an empty command line: nested-config PASSes "no nested=
    in modprobe.d or on the kernel command line".  A command line with one byte that
    is not UTF-8 (the kernel takes any bytes) loses its kvm_intel.nested=0 so."""
    root = make_host("intel")
    path = root / "proc/cmdline"
    path.unlink()
    if how == "fifo":
        os.mkfifo(path)
    else:
        path.write_bytes(b"BOOT_IMAGE=/vmlinuz root=LABEL=caf\xe9 kvm_intel.nested=0\n")
    line = cli("check", "--root", str(root), "--no-probe").line("nested-config")
    assert not line.startswith("PASS"), line
    if how == "fifo":
        assert "/proc/cmdline" in line, line


# ------------------------------------------------------------------ check: arm64 nested
@pytest.mark.parametrize(
    "cmdline,applied",
    [
        ("-- kvm-arm.mode=nested", False),  # after "--": for init, not for the kernel
        ("kvm_arm.mode=nested", True),  # parameq(): "-" and "_" are the same
        ('"kvm-arm.mode=nested"', True),  # next_arg() drops the quotes
    ],
)
def test_check_arm64_nested_reads_the_command_line_as_the_kernel(cli, make_host, cmdline, applied):
    """cli.rst (nested): "On Arm64, kvm-arm.mode=nested on the kernel command line";
    cli.rst (nested-config): the kernel does not read the command line past "--".
    kvm-arm.mode is an early_param: parse_early_options() hands the command line to
    parse_args(), which stops at "--" (kernel/params.c v6.1.176: "Stop at --") and
    unquotes each word (next_arg(), lib/cmdline.c), and do_early_param() compares
    names with parameq() (dashes and underscores alike, kernel/params.c v6.1.176).
    (init/main.c read in a public copy of the tree in the code index, not verified
    against a tag.)  checks._cmdline_nested splits at blanks and compares the text
    "kvm-arm.mode=": a word after "--" PASSes (the verdict says ready, the kernel
    boots without nesting), the underscore and quoted spellings FAIL."""
    root = make_host("arm64", kernel="6.12")
    write(root, "/proc/cmdline", f"BOOT_IMAGE=/vmlinuz {cmdline}\n")
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.status("nested") == ("PASS" if applied else "FAIL"), r.line("nested")


# ------------------------------------------------------------------ check --json
def test_check_json_url_of_a_local_build_is_a_uri(cli, make_host, monkeypatch):
    """source/_extra/schemas/nested-kvm-check-1.json: each check's ``url`` is
    ``{"type": ["string", "null"], "format": "uri"}`` (RFC 3986: a scheme, no blank);
    cli.rst (NESTED_KVM_GUIDE_URL): "Where links to this guide start, for a local
    build or a mirror".  A local build given as its directory (with a blank, as a
    home directory may have) is copied into ``url`` as is: no scheme, a raw blank."""
    import re

    monkeypatch.setenv("NESTED_KVM_GUIDE_URL", "/home/me/my docs/build/html")
    root = make_host("intel")
    write(root, "/etc/modprobe.d/kvm.conf", "options kvm_intel nested=0\n")
    urls = [
        c["url"] for c in cli("check", "--root", str(root), "--no-probe", "--json").json["checks"]
    ]
    urls = [u for u in urls if u]
    assert urls
    for u in urls:  # RFC 3986 section 3: scheme ":" hier-part, no white space
        assert re.match(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]*\Z", u), u


def test_check_nested_config_of_a_long_modprobe_d_file_is_not_cut_silently(cli, make_host):
    """cli.rst (nested-config): modprobe.d "read the way kmod reads it"; "what cannot
    [be read] is reported as skipped, with the reason".  kmod reads a whole file (the
    code's own note: "kmod has no such limit", modprobe_conf.MAX_CONF); check reads
    4 MiB of it (hostfs.MAX_READ, HostFS.read_real) and says nothing of the rest, so
    the nested=0 at the end of a 5 MiB file (lint reads up to 16 MiB) is not seen:
    "no nested= in modprobe.d"."""
    root = make_host("intel")
    pad = "# " + "x" * 1021 + "\n"  # 1 KiB comment lines
    write(root, "/etc/modprobe.d/kvm.conf", pad * 5 * 1024 + "options kvm_intel nested=0\n")
    line = cli("check", "--root", str(root), "--no-probe").line("nested-config")
    assert not line.startswith("PASS"), line


# ------------------------------------------------------------------ kernel release below --root
def test_release_from_the_only_directory_below_lib_modules(cli, make_host):
    """cli.rst (check --root): the kernel release comes from osrelease, /proc/version
    "or the only directory below /lib/modules".  probes.release_source counts every
    entry of /lib/modules, so one directory next to a file (a ``.keep``, a stray
    ``modules.order``) gives "kernel unknown", and params --running cannot tell the
    version."""
    root = make_host("intel")
    for shown in ("proc/sys/kernel/osrelease", "proc/version"):
        (root / shown).unlink(missing_ok=True)
    (root / "lib/modules/.keep").write_text("")
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.out.splitlines()[0].endswith("kernel 6.6.0-fake-amd64"), r.out.splitlines()[0]


# ----------------------------------------------- a build answers for another arch
def test_params_x86_build_does_not_answer_for_powerpc(cli):
    """cli.rst (params): "When the release asked for has no data of its own ... the
    newest older release answers"; a point release "that a distribution build in the
    data stands for" is answered by that build.  data/builds/6.1.192.json is Debian's
    6.1.0-57-amd64 ("arch": "x86"), yet it answers for every architecture: kvm_hv at
    6.1.192 is "Linux 6.1.192 data has no module 'powerpc/kvm_hv'", exit 2, where
    6.1 (and 6.1.191) list its parameters."""
    assert cli("params", "--module", "kvm_hv", "--kernel", "6.1.191").rc == 0
    r = cli("params", "--module", "kvm_hv", "--kernel", "6.1.192")
    assert r.rc == 0, r.err
    assert "dynamic_mt_modes" in r.out


def test_lint_s390_at_a_release_with_an_x86_build_is_checked(cli, tmp_path):
    """As above, for lint: with --kernel 6.1.192 --arch s390 an unknown kvm parameter
    is only "warning: no parameter data for s390/kvm in Linux 6.1.192: not checked"
    (exit 0); with 6.1.191 it is an error (exit 1): the x86 build took the s390 data's
    place."""
    conf = tmp_path / "kvm.conf"
    conf.write_text("options kvm nested=1 bogus=1\n")
    assert cli("lint", "--kernel", "6.1.191", "--arch", "s390", str(conf)).rc == 1
    r = cli("lint", "--kernel", "6.1.192", "--arch", "s390", str(conf))
    assert r.rc == 1 and "bogus" in r.out, (r.rc, r.out)
