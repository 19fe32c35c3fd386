"""Hostile input, one test per case of issue 15: nothing hangs, nothing is read
unbounded, nothing is overwritten through a link, no secret and no control
character gets through."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import pytest

from tests.cli.conftest import write
from tests.conftest import REPO

TIMEOUT = 60  # a hang fails the test instead of stalling the suite


def run_cli(*argv: str, user: str | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nested_snippets.cli", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=TIMEOUT,
        user=user,
        **kw,
    )


# ------------------------------------------------------------------ lint
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "socket-dir-entry"])
def test_lint_refuses_fifos_and_devices_without_reading(tmp_path, kind):
    if kind == "fifo":
        target = tmp_path / "kvm.conf"
        os.mkfifo(target)  # a plain open() of it blocks until a writer comes
    elif kind == "dev-zero":
        target = "/dev/zero"  # endless: a read without a cap never returns
    else:
        target = tmp_path / "d"
        target.mkdir()
        (target / "zero.conf").symlink_to("/dev/zero")
    proc = run_cli("lint", "--kernel", "6.6", str(target))
    assert proc.returncode == 2, proc
    assert proc.stderr.count("\n") == 1 and "not read" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_lint_caps_reads(tmp_path):
    big = tmp_path / "big.conf"
    with open(big, "wb") as fh:  # sparse: 17 MiB of zeros on no disk space
        fh.truncate(17 * 1024 * 1024)
    proc = run_cli("lint", "--kernel", "6.6", str(big))
    assert proc.returncode == 2
    assert proc.stderr == f"nested-kvm lint: {big}: larger than 16 MiB, not read\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a command as nobody")
@pytest.mark.skipif(not os.access("/usr/bin/python3", os.X_OK), reason="no /usr/bin/python3")
@pytest.mark.parametrize("where", ["file", "directory"])
def test_lint_file_nobody_may_not_read(where):
    """As ``nobody``, with the system Python (the test's own may live below /root)."""
    base = Path(tempfile.mkdtemp(prefix="nested-kvm-nobody-"))
    try:
        base.chmod(0o755)
        secret = base / "d" / "kvm.conf"
        secret.parent.mkdir(mode=0o700 if where == "directory" else 0o755)
        secret.write_text("options kvm_intel nested=1\n")
        secret.chmod(0o600)
        proc = subprocess.run(
            ["/usr/bin/python3", "-m", "nested_snippets.cli", "lint", "--kernel", "6.6",
             str(secret)],  # fmt: skip
            capture_output=True, text=True, cwd=REPO, timeout=TIMEOUT,
            user=pwd.getpwnam("nobody").pw_uid, env={"PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert proc.returncode == 2, proc
        assert proc.stderr == f"nested-kvm lint: cannot read {secret}: permission denied\n"
        assert proc.stdout == ""
    finally:
        shutil.rmtree(base)


def test_control_characters_in_names_and_contents_are_escaped(cli, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    forged = "x.conf:1: error: forged\n"
    (d / f"a\x1b[2K{forged.strip()}.conf").write_text("options kvm_intel nestd=1\n")
    (d / "b.conf").write_text("options kvm_intel \x1b]0;title\x07bogus=1 \u202eevil=1\n")
    r = cli("lint", "--kernel", "6.6", str(d))
    assert r.rc == 1
    assert "\x1b" not in r.out and "\x07" not in r.out and "\u202e" not in r.out
    assert "\\x1b[2K" in r.out and "\\u202e" in r.out
    assert all(line.startswith(str(d)) for line in r.out.splitlines()), r.out


@pytest.mark.parametrize(
    "line,finding",
    [
        ('options kvm_intel nested="1"', None),
        ('options kvm_intel "nested=1"', None),
        ('options kvm_intel nested="maybe so"', "'maybe so' is not a valid bool"),
        ('options kvm_intel nested="1" ept="0"', None),
    ],
)
def test_double_quotes_are_read_as_the_kernel_reads_them(cli, tmp_path, line, finding):
    path = tmp_path / "kvm.conf"
    path.write_text(line + "\n")
    r = cli("lint", "--kernel", "6.6", str(path))
    if finding is None:
        assert (r.rc, r.out) == (0, ""), r.out
    else:
        assert r.rc == 1 and finding in r.out, r.out


def test_quoted_cmdline_option_reaches_check(cli, make_host):
    root = make_host("intel")
    write(root, "/proc/cmdline", 'BOOT_IMAGE=/vmlinuz "kvm-intel.nested=0" quiet\n')
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.line("nested-config").startswith("WARN  nested-config: nested=0 (kernel command line)")


def test_options_after_double_dash_go_to_init_not_the_kernel(cli, make_host):
    """For a built-in kvm_intel: the kernel stops at ``--`` (a module modprobe loads
    gets the words after it from kmod: test_review_s8b)."""
    root = make_host("intel", kvm="builtin")
    write(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz -- kvm-intel.nested=0\n")
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.status("nested-config") == "PASS"


# ---------------------------------------------------------------- params
@pytest.mark.parametrize("version", ["6.abc", "6.", "6..6", "6 6", "", "abc", "6"])
def test_params_rejects_what_is_not_a_version(cli, version):
    r = cli("params", "--module", "kvm_intel", "--kernel", version)
    assert r.rc == 2
    assert r.out == ""
    assert r.err.startswith(f"nested-kvm params: --kernel: {version!r} is not a kernel version")


@pytest.mark.parametrize("version", ["6.6", "v6.6", "6.6.58", "6.1.0-13-amd64", "5.14.0-362.el9"])
def test_params_accepts_releases(cli, version):
    assert cli("params", "--module", "kvm_intel", "--kernel", version).rc == 0


# ---------------------------------------------------------------- report
def test_report_output_never_follows_a_symlink(cli, make_host, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    victim.chmod(0o600)
    link = tmp_path / "report.md"
    link.symlink_to(victim)  # planted in a shared directory
    r = cli("report", "--root", str(make_host()), "-o", str(link))
    assert r.rc == 2
    assert "not overwritten" in r.err
    assert victim.read_text() == "precious\n"
    dangling = tmp_path / "r2.md"
    dangling.symlink_to(tmp_path / "created-through-link")
    assert cli("report", "--root", str(make_host()), "-o", str(dangling)).rc == 2
    assert not (tmp_path / "created-through-link").exists()


def test_report_output_is_new_and_private(cli, make_host, tmp_path):
    out = tmp_path / "r.md"
    assert cli("report", "--root", str(make_host()), "-o", str(out)).rc == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert cli("report", "--root", str(make_host()), "-o", str(out)).rc == 2  # exists


SECRETS = {
    "qemu secret object": ("-object\0secret,id=sec0,data=S3cr3tData1,format=raw", "S3cr3tData1"),
    "json secret": ('-object\0{"qom-type":"secret","id":"s1","data":"S3cr3tJson2"}', "S3cr3tJson2"),
    "json password": ('-blockdev\0{"driver":"ssh","password":"S3cr3tPw3"}', "S3cr3tPw3"),
    "json key": ('-blockdev\0{"driver":"luks","key":"S3cr3tKey4"}', "S3cr3tKey4"),
    "rbd key": ("-drive\0file=rbd:pool/img:id=admin:key=AQBS3cr3tRbd5==:conf=/c", "AQBS3cr3tRbd5"),
    "url password": ("-cdrom\0https://alice:S3cr3tUrl6@mirror.example/x.iso", "S3cr3tUrl6"),
    "vnc password": ("-vnc\0:0,password=S3cr3tVnc7", "S3cr3tVnc7"),
    "percent-encoded name": ("-cdrom\0https://m.example/x.iso?%70assword=S3cr3tPct8", "S3cr3tPct8"),
    "no scheme": ("-drive\0file=alice:S3cr3tBare9@nas.example", "S3cr3tBare9"),
    "iscsi": ("-drive\0file=iscsi://alice%S3cr3tIscsi10@192.0.2.1/iqn.x/1", "S3cr3tIscsi10"),
}


def test_report_redacts_every_kind_of_secret_and_says_so(cli, make_host, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    root = make_host()
    argv = "\0".join(["/usr/bin/qemu-system-x86_64", *(a for a, _ in SECRETS.values())])
    write(root, "/proc/4242/cmdline", argv + "\0")
    write(root, "/var/log/libvirt/qemu/l1.log", argv.replace("\0", " ") + "\n")
    r = cli("report", "--root", str(root))
    assert r.rc == 0
    for what, (_, secret) in SECRETS.items():
        assert secret not in r.out, what
    assert r.out.count("<redacted>") >= 2 * len(SECRETS)
    assert "Redacted everywhere in this report" in r.out
    for kind in ("data=", "key=", '"password"', "user:password@"):
        assert kind in r.out.split("\n## ", 1)[0], kind


# ------------------------------------------------------------------ --root
def test_root_never_follows_links_out_of_dir(cli, make_host, tmp_path):
    root = make_host("intel", nested=True)
    outside = tmp_path / "outside.conf"
    outside.write_text("options kvm_intel nested=0\n")
    (root / "etc/modprobe.d").mkdir(parents=True, exist_ok=True)
    (root / "etc/modprobe.d/evil.conf").symlink_to(outside)
    r = cli("check", "--root", str(root), "--no-probe")
    assert "nested=0" not in r.line("nested-config")
    cpuinfo = root / "proc/cpuinfo"
    cpuinfo.unlink()
    cpuinfo.symlink_to("/proc/cpuinfo")  # this machine's, not the root's
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.rc == 2
    assert "/proc/cpuinfo: a symbolic link out of the --root directory" in r.err


def test_links_inside_root_are_followed(cli, make_host):
    root = make_host("intel", nested=True)
    real = root / "proc/cpuinfo.real"
    (root / "proc/cpuinfo").rename(real)
    (root / "proc/cpuinfo").symlink_to("cpuinfo.real")
    assert cli("check", "--root", str(root), "--no-probe").rc == 0


@pytest.mark.parametrize("command", ["check", "report"])
@pytest.mark.parametrize("fifo", ["/proc/cpuinfo", "/etc/modprobe.d/kvm.conf"])
def test_fifo_in_root_does_not_hang(make_host, command, fifo):
    root = make_host("intel", nested=True)
    path = root / fifo.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    os.mkfifo(path)
    argv = [command, "--root", str(root)] + (["--no-probe"] if command == "check" else [])
    proc = run_cli(*argv, env={**os.environ, "PATH": "/nonexistent"})
    assert "Traceback" not in proc.stderr
    if fifo == "/proc/cpuinfo":
        if command == "check":
            assert proc.returncode == 2
            assert "/proc/cpuinfo: a FIFO, not read" in proc.stderr
        else:
            assert "- `/proc/cpuinfo`: a FIFO, not read" in proc.stdout
    else:
        assert proc.returncode in (0, 1)
        if command == "check":
            assert "PASS  nested:" in proc.stdout


def test_lint_prints_a_repeated_finding_a_bounded_number_of_times(cli, tmp_path):
    path = tmp_path / "kvm.conf"
    path.write_text("options kvm_intel nestd=1\n" * 1000 + "options kvm_intel nested=maybe\n")
    r = cli("lint", "--kernel", "6.6", str(path))
    assert r.rc == 1
    lines = r.out.splitlines()
    assert sum("has no parameter 'nestd'" in ln for ln in lines) == 20 + 1  # 20 and the note
    assert f"{path}:20: note: 980 more of this error left out: kvm_intel" in r.out
    assert f"{path}:1001: error: kvm_intel nested: 'maybe' is not a valid bool" in r.out


def test_lint_time_grows_linearly(tmp_path):
    """Work per line must not grow with the file: count calls, not seconds."""
    from tests.cli.conftest import lint_calls

    def calls(n: int) -> int:
        return lint_calls("options kvm_intel nested=1\noptions kvm_intel nested=0 nestd=1\n" * n)

    small, big = calls(2000), calls(8000)
    assert big < 4.5 * small, (small, big)


# ------------------------------------------------------------------ report: review of issue 15
@pytest.mark.parametrize(
    "text",
    [
        "-object secret,id=v,data='Zq9secret'",
        '-object secret,id=v,data="Zq9secret"',
        "-object secret,id=x,data=Zq9,,secret,format=base64",
        "-iscsi user=u,password=Zq9:secret",
        "password = Zq9secret",
        "data%3DZq9secret",
        "{'password': 'Zq9secret'}",
        "http://user%3AZq9secret@host/",
        "https://user:Zq9@secret@host/x",
        "-drive file=rbd:pool/img:id=admin:KEY=Zq9secret:conf=/c",
        # percent-encoded option names (review 2 of issue 15), as a URL decoder reads them
        "https://h/x.iso?%70assword=Zq9secret",
        "p%61ssword=Zq9secret",
        "%50ASSWORD%3DZq9secret",
        "%64ata=Zq9secret",
        "k%65y=Zq9secret",
        "?next=%2Fx%3Fpassword%3DZq9secret",
        '{"\\u0070assword": "Zq9secret"}',
        # user:password@host without a scheme, and iSCSI's user%password@host
        "scp alice:Zq9secret@host:/x",
        "file=alice:Zq9secret@nas.example",
        "alice%3AZq9secret@host",
        "alice:Zq9@secret@host.example",
        "rsync bob:Zq9secret@[::1]::module",
        "iscsi://alice%Zq9secret@192.0.2.1/iqn.x/1",
    ],
)
def test_redaction_variants(text):
    """Quoted values, QEMU's ``,,``, blanks around ``=``, ``%3D``/``%3A``, single
    quotes, an ``@`` inside a password, an uppercase rbd KEY= (review of issue 15)."""
    from nested_snippets.cli.report import redact

    out = redact(text)
    assert "Zq9" not in out and "secret@" not in out
    assert "<redacted>" in out


@pytest.mark.parametrize(
    "text",
    [
        "options kvm_intel:nested",
        "kvm_intel:nested=1",
        "at 10:30 the job ran",
        "Dec  2 01:46:00 host kernel: kvm: Nested Virtualization enabled",
        "model name\t: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz",
        "Model name:   Intel(R) Xeon(R) CPU @ 2.20GHz",
        "alice@example.com and http://alice@host/",
        "git@github.com:org/repo",
        "user@1000.service: Succeeded",
        "10:30:00 user@host",
        "-netdev user,hostfwd=tcp::2222-:22 -chardev socket,id=m,fd=31,server=on",
        "keyboard=us metadata=1 monkey=1 path=/run/a:b@c",
        "IPv6 fe80::1%eth0",
    ],
)
def test_redaction_leaves_ordinary_text(text):
    """What looks a little like a secret but is not stays as it was."""
    from nested_snippets.cli.report import redact

    assert redact(text) == text


def test_rbd_options_after_the_key_survive():
    from nested_snippets.cli.report import redact

    assert redact("file=rbd:p/i:key=AQB==:conf=/etc/ceph.conf") == (
        "file=rbd:p/i:key=<redacted>:conf=/etc/ceph.conf"
    )


def test_report_redacts_values_with_blanks_in_argv_and_logs(cli, make_host, monkeypatch):
    """A blank inside an argument (``data=a b``) is part of the value: a live process
    has it in one argv word, a libvirt log has it in shell quotes."""
    monkeypatch.setenv("PATH", "/nonexistent")
    root = make_host()
    argv = ["/usr/bin/qemu-system-x86_64", "-object", "secret,id=s,data=Zq9 tail9,format=raw"]
    write(root, "/proc/4242/cmdline", "\0".join(argv) + "\0")
    log = "/usr/bin/qemu-system-x86_64 -object 'secret,id=s,data=Zq9 tail9,format=raw'\n"
    write(root, "/var/log/libvirt/qemu/l1.log", log)
    r = cli("report", "--root", str(root))
    assert r.rc == 0
    assert "Zq9" not in r.out and "tail9" not in r.out
    assert r.out.count("data=<redacted>,format=raw") == 2


def test_report_header_lists_kinds_unredacted(cli, make_host, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    r = cli("report", "--root", str(make_host()))
    header = r.out.split("\n## ", 1)[0]
    assert "values of password=, passwd=" in header
    assert "<redacted>`)" in header and header.count("<redacted>") == 1


def test_report_escapes_control_characters_from_files(cli, make_host, monkeypatch):
    """An ANSI escape, a bell or a carriage return in a host file must not reach
    the terminal that shows the report; newlines and tabs stay."""
    monkeypatch.setenv("PATH", "/nonexistent")
    root = make_host()
    write(root, "/proc/version", "Linux version 6.6 \x1b[31mRED\x1b[0m\rFAKE\u202e\n")
    write(root, "/proc/cmdline", "BOOT_IMAGE=/x \x1b]0;title\x07 ro\n")
    r = cli("report", "--root", str(root))
    assert r.rc == 0
    for raw in ("\x1b", "\x07", "\r", "\u202e"):
        assert raw not in r.out
    assert "6.6 \\x1b[31mRED\\x1b[0m\\rFAKE\\u202e" in r.out
    assert "\t" in r.out or "\n" in r.out


# ------------------------------------------------------------------ lint: kmod's line breaks
def test_lint_breaks_lines_at_newline_only(cli, tmp_path):
    """kmod reads lines with getline: a carriage return or a form feed inside a line
    does not end it, and the kernel then splits the options at it (``isspace``).
    Before the review the linter split there: it called the hidden ``nested=0`` a
    line kmod ignores, missed the conflict and numbered the next lines wrongly."""
    path = tmp_path / "kvm.conf"
    path.write_bytes(
        b"options kvm_intel nested=1\n"
        b"options kvm_intel ept=1\rnested=0\n"
        b"options kvm_intel nestd=1\x0cept=1\n"
        b"options kvm_intel nested=maybe\n"
    )
    r = cli("lint", "--kernel", "6.6", str(path))
    assert r.rc == 1
    assert f"{path}:2: error: kvm_intel nested=0 conflicts with nested=1 at {path}:1" in r.out
    assert f"{path}:3: error: kvm_intel (Linux 6.6) has no parameter 'nestd'" in r.out
    assert f"{path}:4: error: kvm_intel nested: 'maybe' is not a valid bool" in r.out
    assert "ignores this line" not in r.out


def test_lint_splits_commands_at_blanks_only(cli, tmp_path):
    """kmod splits a command and its module name at spaces and tabs only
    (``strtok_r(line, "\\t ")``): ``options<VT>kvm_intel`` is one unknown command."""
    path = tmp_path / "kvm.conf"
    path.write_bytes(b"options\x0bkvm_intel nested=2\n")
    r = cli("lint", "--kernel", "6.6", str(path))
    assert r.rc == 0
    assert r.out == (
        f"{path}:1: warning: kmod ignores this line: ignoring bad line starting with "
        "'options\\x0bkvm_intel'\n"
    )


# ------------------------------------------------------------------ locales and file names
@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_output_in_a_non_utf8_locale_never_fails(make_host, tmp_path, encoding):
    """A server whose locale is not UTF-8 (or PYTHONIOENCODING=ascii) got a
    UnicodeEncodeError traceback for check's em dash and lint's file names."""
    root = make_host("intel", nested=True)
    write(root, "/etc/modprobe.d/kvm.conf", "options kvm_intel nested=0\n")
    conf = tmp_path / "h\u00e9.conf"
    conf.write_text("options kvm_intel nested=2\n")
    env = {**os.environ, "PYTHONIOENCODING": encoding, "PATH": "/nonexistent"}
    for argv in (
        ["check", "--root", str(root), "--no-probe"],
        ["lint", "--kernel", "6.6", str(conf)],
        ["report", "--root", str(root)],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "nested_snippets.cli", *argv],
            capture_output=True, cwd=REPO, timeout=TIMEOUT, env=env,
        )  # fmt: skip
        assert b"Traceback" not in proc.stderr, argv
        assert proc.returncode in (0, 1), (argv, proc.stderr)
        if argv[0] == "lint":
            shown = "h\\xe9" if encoding == "ascii" else "h\xe9"
            assert f"{shown}.conf:1: error".encode("latin-1") in proc.stdout


def test_undecodable_bytes_in_file_names_are_escaped(tmp_path):
    """A file name byte that is not UTF-8 (``\\x9b`` is CSI to 8-bit terminals) is
    shown as ``\\x9b``, never written back raw."""
    name = os.path.join(os.fsencode(tmp_path), b"k\x9b1m\xff.conf")
    with open(name, "wb") as fh:
        fh.write(b"options kvm_intel nested=2\n")
    proc = subprocess.run(
        [sys.executable, "-m", "nested_snippets.cli", "lint", "--kernel", "6.6",
         os.fsdecode(tmp_path)],
        capture_output=True, cwd=REPO, timeout=TIMEOUT,
    )  # fmt: skip
    assert proc.returncode == 1
    assert b"\x9b" not in proc.stdout and b"\xff" not in proc.stdout
    assert b"k\\x9b1m\\xff.conf:1: error" in proc.stdout


@pytest.mark.parametrize("version", ["6." + "9" * 5000, "6.6-" + "a" * 5000])
def test_huge_kernel_version_is_refused_in_one_short_line(cli, version):
    """5000 digits used to get past the version check, fail in int() and be echoed
    whole (5 KB) without naming --kernel."""
    r = cli("params", "--module", "kvm", "--kernel", version)
    assert r.rc == 2
    assert r.err.startswith("nested-kvm params: --kernel: '6.")
    assert "(5002 characters)" in r.err or "(5004 characters)" in r.err
    assert len(r.err) < 300 and r.err.count("\n") == 1


@pytest.mark.parametrize("module", ["kvm_intl", "KVM_INTEL"])
def test_a_misspelt_module_repeated_costs_one_difflib_call(module, monkeypatch):
    """10 MB of ``options kvm_intl nested=1`` took 19 s of CPU: the did-you-mean
    search (difflib) ran once per line.  Now once per name; an uppercase name, which
    kmod treats as another module, gets the hint too (it got none)."""
    from nested_snippets import suggest
    from nested_snippets.cli import lint

    searched = []
    real = suggest.close
    monkeypatch.setattr(suggest, "close", lambda *a, **k: searched.append(a) or real(*a, **k))
    linter = lint.Linter("6.6", "x86")
    linter.lint_text("/x.conf", f"options {module} nested=1\n" * 5000)
    linter.finish()
    assert len(searched) == 1
    assert linter.repeats[
        ("/x.conf", "error", f"unknown module '{module}'; did you mean 'kvm_intel'? "
         "(options for it are never applied)")
    ] == 5000  # fmt: skip


def test_distinct_misspelt_modules_past_shown_are_counted_not_searched(cli, tmp_path, monkeypatch):
    """10 MB of distinct near-miss module names (``kvm_intl0``, ``kvm_intl1``...) ran
    difflib once per name, ~12 s.  Past SHOWN findings, once an error decides the exit
    status, a new module name is no longer compared: the last line says how many."""
    from nested_snippets import suggest
    from nested_snippets.cli import lint

    searched = []
    real = suggest.close
    monkeypatch.setattr(suggest, "close", lambda *a, **k: searched.append(a) or real(*a, **k))
    monkeypatch.setattr(lint, "SHOWN", 30)
    text = "".join(f"options kvm_intl{i} nested=1\n" for i in range(5000))
    path, r = lint_text(cli, tmp_path, text)
    assert r.rc == 1
    lines = r.out.splitlines()
    assert len(searched) == 30  # the printed ones; the 31st name finds 30 findings
    assert all("did you mean 'kvm_intel'?" in ln for ln in lines[:30])
    assert lines[30:] == [
        f"{path}:31: note: 4970 module names without data not compared with KVM's, this "
        "one first: past 30 findings, a close name would only be one more error",
    ]


def test_unsearched_modules_never_change_the_exit_status(cli, tmp_path, monkeypatch):
    """Past SHOWN findings that are all warnings, module names are still compared:
    a close one is an error (left out, counted) and makes the exit status 1."""
    from nested_snippets.cli import lint

    monkeypatch.setattr(lint, "SHOWN", 3)
    text = "".join(f"frob{i} x\n" for i in range(4)) + "options kvm_intl nested=1\n"
    path, r = lint_text(cli, tmp_path, text)
    assert r.rc == 1
    assert r.out.splitlines()[3:] == [
        f"{path}:4: note: 1 error and 1 warning left out, this one first: only the first "
        "3 distinct findings are printed"
    ]


def test_an_equals_sign_first_does_not_split_the_word(cli, tmp_path):
    """As the kernel's next_arg(): ``=1`` is a parameter named ``=1`` (was: '')."""
    path = tmp_path / "kvm.conf"
    path.write_text("options kvm_intel =1 ==\n")
    r = cli("lint", "--kernel", "6.6", str(path))
    assert "has no parameter '=1'" in r.out and "has no parameter '='" in r.out
    assert "has no parameter ''" not in r.out


def lint_text(cli, tmp_path, text: str):
    """(path, run) of ``nested-kvm lint --kernel 6.6`` on a kvm.conf holding ``text``."""
    path = tmp_path / "kvm.conf"
    path.write_text(text)
    return path, cli("lint", "--kernel", "6.6", str(path))


def test_did_you_mean_runs_only_for_printed_findings(cli, tmp_path, monkeypatch):
    """10 MB of distinct wrong names (``nestd1=1``, ``nestd2=1``...) took 49 s of CPU
    in difflib, then 11.6 s with the searches capped (the hint dropped past 1000).
    Now the search runs only for the findings that are printed (at most SHOWN), and
    each of them has its hint."""
    from nested_snippets import kernel
    from nested_snippets.cli import lint

    searched = []
    real = kernel._suggest.close
    counting = types.SimpleNamespace(close=lambda *a, **k: searched.append(a) or real(*a, **k))
    monkeypatch.setattr(kernel, "_suggest", counting)  # the kernel data's searches only
    monkeypatch.setattr(lint, "SHOWN", 30)
    text = "".join(f"options kvm_intel nestd{i}=1\n" for i in range(5000))
    path, r = lint_text(cli, tmp_path, text)
    assert r.rc == 1
    lines = r.out.splitlines()
    assert len(lines) == 31 and len(searched) == 30
    assert all(ln.endswith("did you mean 'nested'? (the kernel ignores it)") for ln in lines[:30])
    assert lines[30] == (
        f"{path}:31: note: 4970 errors left out, this one first: only the first 30 "
        "distinct findings are printed"
    )


def test_kvm_other_arch_hint_only_for_printed_findings(cli, tmp_path, monkeypatch):
    """``options kvm nestdN=1`` looked up s390's kvm for every distinct name (71 s
    of CPU for 10 MB); the hint itself is still given where it applies."""
    from nested_snippets.cli import lint

    asked = []
    real = lint.Linter.other_arch_hint
    monkeypatch.setattr(
        lint.Linter, "other_arch_hint", lambda self, *a: asked.append(a) or real(self, *a)
    )
    monkeypatch.setattr(lint, "SHOWN", 5)
    path = tmp_path / "kvm.conf"
    path.write_text("options kvm nested=1\n" + "".join(f"options kvm x{i}=1\n" for i in range(900)))
    r = cli("lint", "--kernel", "6.6", "--arch", "x86", str(path))
    assert r.rc == 1 and len(asked) == 5
    assert "s390's kvm has it: lint with --arch s390" in r.out.splitlines()[0]
    assert r.out.endswith("896 errors left out, this one first: only the first 5 distinct "
                          "findings are printed\n")  # fmt: skip


def test_distinct_conflicts_are_summarised(cli, tmp_path, monkeypatch):
    """Distinct conflicting values (``ple_gap=1``, ``ple_gap=2``...) printed one
    finding each: 10 MB gave 47 MB of output.  Past SHOWN they are counted; the
    warnings left out are counted apart from the errors."""
    from nested_snippets.cli import lint

    monkeypatch.setattr(lint, "SHOWN", 10)
    text = "".join(f"options kvm_intel ple_gap={i}\n" for i in range(1000))
    path, r = lint_text(cli, tmp_path, text)
    assert r.rc == 1
    lines = r.out.splitlines()
    assert len(lines) == 11
    assert lines[0] == (
        f"{path}:2: error: kvm_intel ple_gap=1 conflicts with ple_gap=0 at {path}:1; "
        "the kernel applies the one read last"
    )
    assert lines[-1] == (
        f"{path}:12: note: 989 errors left out, this one first: only the first 10 distinct "
        "findings are printed"
    )
    path.write_text(path.read_text() + "optoins1\noptoins2\noptoins3\n")
    monkeypatch.setattr(lint, "SHOWN", 2)  # findings are taken in file order
    r = cli("lint", "--kernel", "6.6", str(path))
    assert r.rc == 1 and len(r.out.splitlines()) == 3
    assert r.out.splitlines()[-1] == (
        f"{path}:4: note: 997 errors and 3 warnings left out, this one first: only the "
        "first 2 distinct findings are printed"
    )


def test_conflict_keeps_two_values_and_names_the_right_one():
    """Only the first two values of a parameter are kept (memory stays bounded); a
    later value still names the first earlier one that differs."""
    from nested_snippets.cli.lint import Linter

    linter = Linter("6.6", "x86")
    text = "".join(f"options kvm_intel ple_gap={v}\n" for v in (5, 6, 7, 5, 6))
    linter.lint_text("/x.conf", text)
    linter.finish()
    got = [(n, m.split(";")[0]) for _, n, _, m in linter.findings]
    assert got == [
        (2, "kvm_intel ple_gap=6 conflicts with ple_gap=5 at /x.conf:1"),
        (3, "kvm_intel ple_gap=7 conflicts with ple_gap=5 at /x.conf:1"),
        (4, "kvm_intel ple_gap=5 conflicts with ple_gap=6 at /x.conf:2"),
        (5, "kvm_intel ple_gap=6 conflicts with ple_gap=5 at /x.conf:1"),
    ]
    assert linter.first[("kvm_intel", "ple_gap")][::2] == ("5", "6")  # (value, place) twice


def test_unreadable_modprobe_file_is_named_once(cli, make_host):
    root = make_host("intel", nested=True)
    (root / "etc/modprobe.d").mkdir(parents=True, exist_ok=True)
    os.mkfifo(root / "etc/modprobe.d/kvm.conf")
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.line("nested-config") == (
        "SKIP  nested-config: /etc/modprobe.d/kvm.conf: cannot read: a FIFO, not read"
    )


# ------------------------------------------------------------------ attack round 2 (issue 15)
def test_a_huge_word_is_shown_cut(cli, tmp_path):
    """One 15 MB word made a 15 MB line of output (and took 16 s)."""
    path = tmp_path / "kvm.conf"
    path.write_text("options kvm_intel " + "a" * 3_000_000 + "\n" + "b" * 200 + "\n")
    r = cli("lint", "--kernel", "6.6", str(path))
    why = f"ignoring bad line starting with '{'b' * 200}'"
    assert r.rc == 1
    assert r.out == (
        f"{path}:1: error: kvm_intel (Linux 6.6) has no parameter '{'a' * 40}... "
        "(3000000 characters)' (the kernel ignores it)\n"
        f"{path}:2: warning: kmod ignores this line: {why[:40]}... ({len(why)} characters)\n"
    )


@pytest.mark.parametrize(
    "digits,refused",
    [
        ("9" * 5000, "is out of range for a uint"),
        ("0x" + "f" * 5000, "is out of range for a uint"),
        ("-" + "1" * 99, "is not a valid uint"),
    ],
)
def test_an_integer_of_thousands_of_digits_is_invalid_not_a_traceback(
    cli, tmp_path, digits, refused
):
    """int() refuses more than 4300 decimal digits (ValueError, a traceback); the
    kernel's kstrtouint says ERANGE for anything past 64 bits (Linux 6.1.176
    lib/kstrtox.c, _kstrtoull()), EINVAL for a "-" (kstrtoull() reads no digit)."""
    path = tmp_path / "kvm.conf"
    path.write_text(f"options kvm_intel ple_gap={digits}\n")
    r = cli("lint", "--kernel", "6.6", str(path))
    assert r.rc == 1
    shown = f"'{digits[:40]}... ({len(digits)} characters)'"
    assert f"kvm_intel ple_gap: {shown} {refused}" in r.out


def test_a_long_module_name_costs_no_difflib(monkeypatch):
    """``options kvm_intlxxxx...`` (15 MB) took 10 s in difflib, which cannot find a
    75 % match for a name that long."""
    from nested_snippets import suggest
    from nested_snippets.cli import lint

    searched = []
    monkeypatch.setattr(suggest, "close", lambda *a, **k: searched.append(a))
    assert lint.Linter.unknown_message("kvm_intl" + "x" * 100, "kvm_intl" + "x" * 100) == ""
    assert searched == []


def test_check_shows_a_huge_nested_value_cut(cli, make_host):
    """A 1 MB ``kvm_intel.nested=111...`` on the kernel command line was echoed whole
    in the nested-config line."""
    root = make_host("intel", nested=True)
    write(root, "/proc/cmdline", "ro kvm_intel.nested=" + "1" * 1_000_000 + "\n")
    r = cli("check", "--root", str(root), "--no-probe")
    line = r.line("nested-config")
    assert f"nested={'1' * 40}... (" in line and len(line) < 200  # cmdline: 64 KiB read


def test_report_cuts_a_huge_line(cli, make_host, monkeypatch):
    """A /proc/cpuinfo of NUL bytes (a sparse file) is one 4 MB line: the report
    printed it escaped, 16 MB, in 28 s."""
    monkeypatch.setenv("PATH", "/nonexistent")
    root = make_host()
    with open(root / "proc/cpuinfo", "r+b") as fh:
        fh.truncate(8_000_000)
    r = cli("report", "--root", str(root))
    assert r.rc == 0
    assert len(r.out) < 200_000
    assert re.search(r"(\\x00){20}\.\.\. \(41\d{5} characters\)\n", r.out)


def test_report_lists_a_bounded_number_of_qemu_processes(cli, make_host, monkeypatch):
    from nested_snippets.cli import report

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(report, "MAX_QEMU", 3)
    root = make_host()
    for pid in range(100, 110):
        write(root, f"/proc/{pid}/cmdline", "/usr/bin/qemu-system-x86_64\0-vnc\0:0,password=Zq9\0")
    r = cli("report", "--root", str(root))
    assert r.out.count("[pid 10") == 3 and "Zq9" not in r.out
    assert "[7 more QEMU processes left out: the report shows 3]" in r.out


def test_report_refuses_an_empty_output_name(cli, make_host):
    r = cli("report", "--root", str(make_host()), "-o", "")
    assert r.rc == 2 and r.out == ""
    assert r.err == "nested-kvm report: -o: an empty file name (use -o - for standard output)\n"


@pytest.mark.parametrize("command", ["check", "lint"])
def test_a_full_or_closed_stdout_is_one_line_and_status_2(make_host, tmp_path, command):
    """``>/dev/full`` gave an OSError traceback and ``>&-`` an AttributeError one."""
    root = make_host("intel", nested=True)
    conf = tmp_path / "kvm.conf"
    conf.write_text("options kvm_intel nestd=1\n")
    argv = ["check", "--root", str(root), "--no-probe"] if command == "check" else [
        "lint", "--kernel", "6.6", str(conf)]  # fmt: skip
    base = [sys.executable, "-m", "nested_snippets.cli", *argv]
    with open("/dev/full", "w") as full:
        proc = subprocess.run(base, stdout=full, stderr=subprocess.PIPE, text=True, cwd=REPO,
                              timeout=TIMEOUT)  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr == (
        f"nested-kvm {command}: cannot write standard output: no space left on device\n"
    )
    proc = subprocess.run(base, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          cwd=REPO, timeout=TIMEOUT, preexec_fn=lambda: os.close(1))  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr == "nested-kvm: standard output is closed: nowhere to write\n"


@pytest.mark.parametrize("version", ["\u0666.\u0666", "\uff16.\uff16", "\U0001d7d4.\U0001d7d4"])
def test_a_version_in_other_digits_is_refused(cli, tmp_path, version):
    """Arabic-Indic, full-width or mathematical digits matched \\d and were read as
    Linux 6.6: no kernel is numbered so."""
    conf = tmp_path / "kvm.conf"
    conf.write_text("options kvm_intel nested=1\n")
    for argv in (["params", "--module", "kvm"], ["lint", str(conf)]):
        r = cli(*argv, "--kernel", version)
        assert r.rc == 2 and r.out == ""
        assert "is not a kernel version" in r.err and r.err.count("\n") == 1
