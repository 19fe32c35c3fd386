"""REVIEW s10b (adversarial review of the nested-kvm checker: check, lint, params,
completion, --json).  Each test shows one promise of source/reference/cli.rst (or of
the kmod source it cites) that did not hold before its fix in branch review10.

kmod sources read in the bare mirror of kmod-project/kmod (``git show TAG:FILE``).
"""

from __future__ import annotations

import json
import os

import pytest

from tests.cli.conftest import complete_without_bash_completion as _complete
from tests.cli.conftest import lint_calls, write


# ------------------------------------------------------------- check: symbolic link loops
def _loop(root, shown: str) -> None:
    """Make ``shown`` below ``root`` a symbolic link that leads round in a loop."""
    path = root / shown.lstrip("/")
    if path.exists() or path.is_symlink():
        path.unlink()
    other = path.with_name(path.name + ".2")
    os.symlink(other.name, path)
    os.symlink(path.name, other)


@pytest.mark.parametrize(
    "shown,check",
    [
        ("/proc/cpuinfo", None),
        ("/sys/module/kvm_intel/parameters/nested", None),
        ("/proc/cmdline", "nested-config"),
        ("/etc/modprobe.d/kvm.conf", "nested-config"),
    ],
)
def test_check_symbolic_link_loop_below_root_is_named_as_a_loop(cli, make_host, shown, check):
    """cli.rst (check, dev-kvm): a symbolic link "that is not followed (out of --root,
    dangling, a loop)" is named as what it is.  A link loop below --root was reported
    as "a symbolic link put in its path after it was checked" (a race that did not
    happen), for /proc/cpuinfo, a parameter, /proc/cmdline and a modprobe.d file."""
    root = make_host("intel")
    _loop(root, shown)
    run = cli("check", "--root", str(root), "--no-probe")
    text = run.line(check) if check else run.err
    assert "after it was checked" not in text, text
    assert "too many levels of symbolic links" in text, text


# ------------------------------------------------------------- --json: Unicode strings
def _strict_unicode(text: str) -> None:
    """Fail on a JSON text that holds a lone surrogate (``\\udcff``), as a strict
    reader does (RFC 8259 section 8.2; Rust's serde_json: "lone leading surrogate")."""

    def check(value):
        if isinstance(value, str):
            value.encode("utf-8")  # UnicodeEncodeError on a lone surrogate
        elif isinstance(value, dict):
            for v in value.values():
                check(v)
        elif isinstance(value, list):
            for v in value:
                check(v)

    check(json.loads(text))


def test_check_json_of_a_non_utf8_file_name_is_unicode(cli, make_host):
    """schemas/nested-kvm-check-1.json: ``value`` is a JSON string, and a fleet's
    reader parses it.  A modprobe.d file whose name is not UTF-8 (byte 0xff) was named
    in ``value`` as the lone surrogate ``\\udcff`` (Python's stand-in for the byte),
    which is no Unicode: a strict JSON reader refuses the whole document.  Now it is
    written as the text output writes it, ``\\xff``."""
    root = make_host("intel")
    d = os.fsencode(root / "etc/modprobe.d")
    with open(os.path.join(d, b"k\xff.conf"), "w") as fh:
        fh.write("options kvm_intel nested=0\n")
    run = cli("check", "--root", str(root), "--no-probe", "--json")
    _strict_unicode(run.out)
    value = next(c["value"] for c in run.json["checks"] if c["id"] == "nested-config")
    assert "/etc/modprobe.d/k\\xff.conf:1" in value, value


def test_params_running_json_of_a_non_utf8_parameter_name_is_unicode(cli, make_host):
    """cli.rst (params --running --json): ``name`` of each parameter is a string; a
    parameter file whose name is not UTF-8 below --root gave a lone surrogate."""
    root = make_host("intel")
    d = os.fsencode(root / "sys/module/kvm_intel/parameters")
    with open(os.path.join(d, b"x\xff"), "w") as fh:
        fh.write("Y\n")
    run = cli("params", "--running", "--root", str(root), "--json")
    assert run.rc == 0, run.err
    _strict_unicode(run.out)
    assert "x\\xff" in [p["name"] for p in run.json["params"]]


# ------------------------------------------------------------- lint: run time
def test_lint_backslashes_cost_no_call_each():
    """lint.py (issue 15): a hostile 10 MB file in at most 2 s, "run time grows
    linearly".  Each ``\\`` of a line was dropped by ``re.sub(r"\\\\(.)", r"\\1")``,
    which on Python 3.11 calls a Python function per backslash: a 10 MB line of
    backslashes took 5.3 to 7.5 s CPU (``/usr/bin/time``, session 10); now 0.33 s."""
    small = lint_calls("options kvm_intel " + "\\" * 2_000 + "\n")
    big = lint_calls("options kvm_intel " + "\\" * 200_000 + "\n")
    assert big - small < 100, (small, big)


# ------------------------------------------------------------- lint: lines kmod ignores
@pytest.mark.parametrize(
    "line",
    [
        "install kvm_intel",  # no command after the module
        "install kvm_intel ",  # the one blank that ends the module, nothing after it
        "remove kvm_intel",
        "softdep kvm_intel",
        "alias kvmi",  # no module
        "options kvm_intel] nested=1",  # a ']' that closes no '['
        "options kvm-intel[ nested=1",  # a '[' that nothing closes
        "blacklist kvm_intel]",
    ],
)
def test_lint_warns_of_a_line_kmod_ignores_as_bad(cli, tmp_path, line):
    """cli.rst (lint): "warning: A line kmod ignores".  kmod_config_parse()
    (libkmod/libkmod-config.c, kmod v30 to v34) ignores ("ignoring bad line starting
    with ...") an install/remove/softdep line whose ``strtok_r(NULL, "\\0", ...)``
    after the module is NULL, an alias without its module, and any line whose module
    name ``underscores()`` (shared/util.c) refuses: an unpaired ``[`` or ``]``.  kmod 30
    (``modprobe -C DIR -c`` as nobody, session 10) said so for each of these lines.
    lint said 'install kvm_intel' "replaces loading kvm_intel by a command", called
    kvm_intel] an unknown module (exit status 1), or said nothing."""
    path = tmp_path / "kvm.conf"
    path.write_text(line + "\n")
    run = cli("lint", "--kernel", "6.6", "--arch", "x86", str(path))
    assert f"{path}:1: warning: kmod ignores this line: " in run.out, run.out
    assert "replaces loading" not in run.out and "unknown module" not in run.out, run.out
    assert run.rc == 0, run.out


@pytest.mark.parametrize(
    "line,finding",
    [
        ("install kvm_amd  ", "'install kvm_amd' replaces loading kvm_amd by a command"),
        ("options kvm_int[e]l nested=1", "unknown module 'kvm_int[e]l'"),
    ],
)
def test_lint_keeps_what_kmod_takes(cli, tmp_path, line, finding):
    """The other side of the test above: kmod 30 kept ``install kvm_amd`` followed by
    two blanks (the command is the second blank) and ``options kvm_int[e]l`` (paired
    brackets; options match a module by name, streq, so it never applies)."""
    path = tmp_path / "kvm.conf"
    path.write_text(line + "\n")
    run = cli("lint", "--kernel", "6.6", "--arch", "x86", str(path))
    assert finding in run.out, run.out
    assert "kmod ignores" not in run.out, run.out


# ------------------------------------------------------------- bash completion
def test_completion_after_double_dash_offers_lint_files(tmp_path):
    """``nested-kvm lint -- -x.conf`` lints the file -x.conf (argparse: after ``--``
    every word is positional), so the completion must offer file names there; it
    offered lint's options (``--kernel``...), which would be taken as file names."""
    (tmp_path / "-x.conf").write_text("")
    assert _complete(["nested-kvm", "lint", "--", "-"], tmp_path) == ["-x.conf"]
    assert _complete(["nested-kvm", "lint", "--", "--r"], tmp_path) == []


@pytest.mark.parametrize("option", ["--json", "--no-probe"])
def test_completion_offers_no_value_to_an_option_without_one(tmp_path, option):
    """bash splits ``--json=`` at ``=``: the words are --json, = and the value.  The
    completion offered check's options as the value (``--json=--root``), which
    argparse refuses ("ignored explicit argument")."""
    assert _complete(["nested-kvm", "check", option, "=", ""], tmp_path) == []
    assert _complete(["nested-kvm", "check", "--level", "=", ""], tmp_path) == ["auto", "L0", "L1"]


# ------------------------------------------------------------- --json: url is a URI
@pytest.mark.parametrize(
    "base,start",
    [
        ("https://docs.example.org/a#b/", "https://docs.example.org/a%23b/"),
        ("https://docs.example.org/100%/", "https://docs.example.org/100%25/"),
        ("https://docs.example.org/%7Ex/", "https://docs.example.org/%7Ex/"),  # kept
        ("/home/me/100%41 #1/html", "file:///home/me/100%2541%20%231/html/"),
    ],
)
def test_check_json_url_with_hash_or_percent_is_a_uri(check_urls, base, start):
    """schemas/nested-kvm-check-1.json: ``url`` has ``"format": "uri"`` (RFC 3986);
    guide.base() promises a URI.  A base with a ``#`` gave ``.../a#b/troubleshooting
    .html#label``: two ``#``, no URI (a fragment holds no ``#``, section 3.5); a ``%``
    that starts no escape (``100%/``) is no URI either (section 2.1)."""
    import re

    for u in check_urls(base):
        assert u.startswith(start), u
        assert u.count("#") == 1, u
        assert not re.search(r"%(?![0-9A-Fa-f]{2})", u), u


def test_lint_a_line_of_quotes_takes_memory_of_its_size():
    """cli.rst (lint): a hostile file is bounded ("a file larger than 16 MiB ... is
    not read").  The expression that splits a line with quotes into words kept 120
    bytes of state per quoted piece of one word (to backtrack into): a 10 MB line of
    quotes took 1.25 GB (``/usr/bin/time``, session 10), a 16 MiB one 2 GB.  Peak
    memory of the split, traced: 1 to 17 bytes per character now (3.11+ and 3.9)."""
    import tracemalloc

    from nested_snippets.parsers import kargs

    text = 'nested="' + '"' * 400_000
    tracemalloc.start()
    try:
        words = kargs.split_words(text, unquote=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert words == [text]
    assert peak < 20 * len(text), peak


# ------------------------------------------------------------- params --running
def test_params_running_parameters_that_cannot_be_listed_are_not_dropped(cli, make_host):
    """cli.rst (params --running): "parameters of that release that this kernel lacks"
    are listed as missing.  A /sys/module/kvm_intel/parameters that cannot be listed
    (mode 000 as an ordinary user, or not a directory in a copied tree) was read as
    empty: all 27 of kvm_intel's parameters "missing here (dropped by the vendor?)",
    exit status 0.  Now it is an error naming it (as a link out of --root is, s9b)."""
    root = make_host("intel")
    params_dir = root / "sys/module/kvm_intel/parameters"
    for f in params_dir.iterdir():
        f.unlink()
    params_dir.rmdir()
    params_dir.write_text("")
    run = cli("params", "--running", "--root", str(root))
    assert run.rc == 2, run.out
    assert "dropped by the vendor" not in run.out
    assert "cannot read /sys/module/kvm_intel/parameters: not a directory" in run.err, run.err


def test_params_running_without_sys_module_cannot_tell(cli, make_host):
    """cli.rst (params --running) compares "the KVM modules loaded on this host"; with
    no /sys/module (a container, a copy without /sys) it said "no KVM module with
    parameter data is loaded", exit status 0: an answer it cannot know (check calls
    the same tree "could not check", status 2)."""
    import shutil

    root = make_host("intel")
    shutil.rmtree(root / "sys")
    run = cli("params", "--running", "--root", str(root))
    assert run.rc == 2, run.out
    assert "no KVM module with parameter data is loaded" not in run.out
    assert "cannot read /sys/module" in run.err, run.err


def test_params_running_value_longer_than_a_sysfs_page_is_not_read_cut(cli, make_host):
    """cli.rst (Bad input): "A word from a file longer than 80 characters is shown
    cut, with its length"; sysfs shows at most one page (4096 bytes).  A 1 MiB
    parameter file was read as its first 4096 bytes, silently, and printed whole
    (a 16 KB line of ``\\x00``); a 500-character value was printed whole too."""
    root = make_host("intel")
    write(root, "/sys/module/kvm_intel/parameters/nested", "Y\n" + "\0" * (1 << 20))
    write(root, "/sys/module/kvm_intel/parameters/ept", "N" * 500 + "\n")
    run = cli("params", "--running", "--root", str(root))
    assert run.rc == 0, run.err
    assert "could not be read: nested (longer than a sysfs page (4096 bytes), not read)" in run.out
    assert "ept=" + "N" * 40 + "... (500 characters)" in run.out, run.out
    assert max(len(line) for line in run.out.splitlines()) < 400
    doc = cli("params", "--running", "--root", str(root), "--json").json
    nested = next(p for p in doc["params"] if p["module"] == "kvm_intel" and p["name"] == "nested")
    assert nested["status"] == "unreadable" and "sysfs page" in nested["reason"], nested


# ------------------------------------------------------------- --root DIR
@pytest.mark.parametrize("command", ["check", "lint", "params"])
def test_root_that_cannot_be_reached_is_not_called_no_directory(capsys, tmp_path, command):
    """cli.rst (Bad input): bad input is reported "in one line naming the file ...
    and the reason".  A --root DIR that is a directory out of reach (a path longer
    than PATH_MAX, or below a directory the user may not search) was called "is not a
    directory"; now the reason is given."""
    root = str(tmp_path) + "/." * 2100  # the same directory, named in 4200+ characters
    extra = {"check": [], "lint": [str(tmp_path)], "params": ["--running"]}[command]
    from nested_snippets.cli import main

    with pytest.raises(SystemExit) as exc:
        main([command, *extra, "--root", root])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "is not a directory" not in err, err
    assert "cannot be reached: file name too long" in err, err  # lower case, as elsewhere


def test_lint_options_line_with_a_blank_in_a_quote_takes_the_short_way(monkeypatch):
    """lint.py (issue 15): 10 MB in at most 2 s.  A file of distinct short lines each
    with a blank inside a quote (``options kvm_intel a="1 b``) went through the
    general reading of each line (_judge_line, _split_line, _check: 12 more Python
    calls per line): 2.87 s CPU (tools/bench_lint.py, "distinct open quotes with a
    blank", load 3).  _judge now reads such a printable options line itself (2.25 s);
    the words are the same (a differential run of 400 000 random lines, session 10)."""
    from nested_snippets.cli.lint import Linter
    from nested_snippets.parsers import modprobe_conf

    calls = []
    general = modprobe_conf._judge_line
    monkeypatch.setattr(
        modprobe_conf, "_judge_line", lambda *a, **kw: calls.append(a) or general(*a, **kw)
    )
    text = "".join(f'options kvm_intel a="{i} b\n' for i in range(1000))
    linter = Linter("6.6", "x86")
    linter.lint_text("/x.conf", text)
    linter.finish()
    assert not calls, len(calls)
    assert any("has no parameter 'a'" in str(f[3]) for f in linter.findings)


def test_params_running_with_kernel_does_not_call_it_running(cli, make_host):
    """``params --running --kernel 6.1`` compares this host's parameters with Linux
    6.1's data, but its first line said "Linux 6.1 (running)": a kernel the host does
    not run (its release below --root is 6.6.0-fake-amd64)."""
    root = make_host("intel", kernel="6.6")
    run = cli("params", "--running", "--root", str(root), "--kernel", "6.1")
    assert run.rc == 0, run.err
    first = run.out.splitlines()[0]
    assert "(running)" not in first, first
    assert first == "this host's parameters against the data of mainline Linux 6.1 (--kernel 6.1):"


# ------------------------------------------------------------- check: long words from files
@pytest.mark.parametrize("what", ["release", "vendor_id"])
def test_check_long_word_from_a_file_is_shown_cut(cli, make_host, what):
    """cli.rst (Bad input): "A word from a file longer than 80 characters is shown
    cut, with its length."  A 3000-character kernel release (below --root,
    /proc/sys/kernel/osrelease) made the ``host:`` line 3034 characters long, and a
    3000-character vendor_id without vmx/svm made the cpu-flag line 3208."""
    import re

    root = make_host("intel")
    long = ("6.6.0-" + "r" * 3000) if what == "release" else "X" * 3000
    if what == "release":
        write(root, "/proc/sys/kernel/osrelease", long + "\n")
    else:
        cpuinfo = (root / "proc/cpuinfo").read_text()
        cpuinfo = re.sub(r"vendor_id.*", "vendor_id\t: " + long, cpuinfo).replace(" vmx", "")
        write(root, "/proc/cpuinfo", cpuinfo)
    run = cli("check", "--root", str(root), "--no-probe")
    assert "... (3006 characters)" in run.out or "... (3000 characters)" in run.out, run.out
    assert max(len(line) for line in run.out.splitlines()) < 400
    doc = cli("check", "--root", str(root), "--no-probe", "--json").json
    assert long in (doc["host"]["kernel"], doc["host"]["vendor_id"])  # the data, whole


def test_check_long_dmi_and_log_words_are_shown_cut(cli, guest_root):
    """cli.rst (Bad input), as above: a 244-character DMI sys_vendor and product_name
    made the ``level:`` line 835 characters long (each DMI file is read up to 256
    bytes), and a ``Hypervisor detected:`` name of 3003 characters in a log was
    printed whole on the ``l0`` line."""
    root = guest_root(
        {
            "/sys/class/dmi/id/sys_vendor": "QEMU" + "Q" * 240 + "\n",
            "/sys/class/dmi/id/product_name": "QEMU" + "P" * 240 + "\n",
        }
    )
    run = cli("check", "--root", str(root), "--no-probe")
    assert "... (244 characters)" in run.line("l0"), run.line("l0")
    level = next(ln for ln in run.out.splitlines() if ln.startswith("level:"))
    assert len(level) < 400, level
    line = "[    0.000000] Hypervisor detected: KVM" + "K" * 3000 + "\n"
    root = guest_root({"/var/log/dmesg": line})
    run = cli("check", "--root", str(root), "--no-probe")
    assert "... (3003 characters)" in run.line("l0"), run.line("l0")
    assert max(len(line) for line in run.out.splitlines()) < 400


@pytest.mark.parametrize("name", ["nested", "ept"])
def test_check_long_parameter_value_is_shown_cut(cli, make_host, name):
    """cli.rst (Bad input), as above: a parameter file holds up to a sysfs page (4096
    bytes), and a 3000-digit value was printed whole on its check's line (3031
    characters)."""
    root = make_host("intel")
    write(root, f"/sys/module/kvm_intel/parameters/{name}", "1" * 3000 + "\n")
    run = cli("check", "--root", str(root), "--no-probe")
    line = run.line(name)
    assert line.endswith(f"kvm_intel {name}=" + "1" * 40 + "... (3000 characters)"), line


# ------------------------------------------------------------- check: nested-config files
def test_check_nested_config_skips_a_directory_named_conf(cli, make_host):
    """cli.rst (nested-config): "The files are those lint reads of a directory".  kmod
    filters a directory out of a configuration directory ("Directories inside
    directories are not supported", conf_files_filter_out() in libkmod/libkmod-config.c,
    kmod v30 to v34), and lint skips it; check's reader took /etc/modprobe.d/k.conf/ as
    a file: SKIP "cannot read: is a directory", and it hid /lib/modprobe.d/k.conf,
    whose nested=0 kmod hands on."""
    root = make_host("intel")
    write(root, "/etc/modprobe.d/k.conf/x.conf", "options kvm_intel nested=1\n")
    write(root, "/lib/modprobe.d/k.conf", "options kvm_intel nested=0\n")
    line = cli("check", "--root", str(root), "--no-probe").line("nested-config")
    assert line.startswith("WARN  nested-config: nested=0 (/lib/modprobe.d/k.conf:1)"), line


# ------------------------------------------------------------- params: did-you-mean
@pytest.mark.parametrize("running", [False, True])
@pytest.mark.parametrize("module", ["kvm_pvm", "kvm-pvm", "kvmgt", "kvm_pr"])
def test_params_real_module_without_data_is_no_typo(cli, make_host, running, module):
    """cli.rst (params): "An unknown module ... prints one line with the closest
    match".  kvm_pvm, kvmgt, kvm_pr and kvm_arm are real modules (lint.OTHER_KVM: "not
    typos"); params answered "did you mean 'x86/kvm_amd'?" for kvm_pvm, also with
    --running on a host that has kvm_pvm loaded (this review's build host)."""
    argv = ["--running", "--root", str(make_host("intel"))] if running else ["--kernel", "6.6"]
    run = cli("params", "--module", module, *argv)
    assert run.rc == 2
    assert "did you mean" not in run.err, run.err
    assert "is a real module, but the parameter data covers only" in run.err, run.err
