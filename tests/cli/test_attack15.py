"""ATTACK 15 (adversarial review of the nested-kvm CLI).  Each test shows one promise
of source/reference/cli.rst (bad input: one clear message and a non-zero exit, no
traceback; unknown parameters get a "did you mean"; ``--json`` follows
schemas/nested-kvm-check-1.json) that did not hold before its fix in branch attack15.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def _run(argv: list[str], stdout, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "nested_snippets.cli", *argv],
        stdout=stdout, stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=TIMEOUT,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


# ------------------------------------------------ stdout that cannot be written: parsing
@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["lint", "--help"],
        ["check", "--json", "--level", "X"],  # a usage error of check --json: JSON on stdout
        ["check", "--json", "--root", "/nonexistent-attack15"],
    ],
)
def test_stdout_full_while_parsing_is_one_line_and_status_2(argv):
    """``>/dev/full`` is one line and status 2 for every command (test_hostile.py); what
    argparse writes itself was not covered: ``--help``/``--version`` exited 0 with
    nothing written and nothing said (argparse drops the OSError), and the JSON of a
    usage error of ``check --json`` ended in an OSError traceback, status 1."""
    with open("/dev/full", "w") as full:
        proc = _run(argv, full)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stderr.endswith("cannot write standard output: no space left on device\n")
    assert proc.stderr.count("\n") == 1, proc.stderr


def test_help_into_a_closed_pipe_is_still_status_0():
    """``nested-kvm --help | head -c1``: the pipe takes the whole help before head
    exits, so it is a success (a pipe closed before the write: test_signals20.py)."""
    proc = subprocess.run(
        f"{sys.executable} -m nested_snippets.cli lint --help | head -c1 >/dev/null; "
        "echo ${PIPESTATUS[0]}",
        shell=True, executable="bash", capture_output=True, text=True, cwd=REPO,
        timeout=TIMEOUT,
    )  # fmt: skip
    assert proc.stdout == "0\n" and "Traceback" not in proc.stderr, proc


# ------------------------------------------------ COLUMNS
@pytest.mark.parametrize("columns", ["0", "-5"])
def test_help_with_columns_zero_or_negative_is_laid_out_as_unset(columns):
    """argparse's own width (shutil.get_terminal_size) takes COLUMNS=0 or less as unset;
    the start-up formatter took it as a width of -2: one word per line."""
    proc = _run(["lint", "--help"], subprocess.PIPE, {"COLUMNS": columns})
    plain = _run(["lint", "--help"], subprocess.PIPE, {"COLUMNS": ""})
    assert proc.returncode == 0
    assert proc.stdout == plain.stdout


# ------------------------------------------------ --json: url is a URI
@pytest.mark.parametrize(
    "base,start",
    [
        ("/home/me/docs[1]/html", "file:///home/me/docs%5B1%5D/html/"),
        ("/home/me/what?/html", "file:///home/me/what%3F/html/"),
        ("https://docs.example.org/a[b]/", "https://docs.example.org/a%5Bb%5D/"),
        ("https://[::1]:8000/docs/", "https://[::1]:8000/docs/"),  # an IPv6 host: kept
    ],
)
def test_check_json_url_with_brackets_or_question_mark_is_a_uri(check_urls, base, start):
    """schemas/nested-kvm-check-1.json: ``url`` is ``"format": "uri"`` (RFC 3986).  A
    ``[`` or ``]`` is allowed only around an IP literal host (section 3.2.2); in a
    path it made no URI.  A local build's directory with a ``?`` gave a link whose
    path ends there (the rest became a query): the file is another one."""
    for u in check_urls(base):
        assert u.startswith(start), u


# ------------------------------------------------ did you mean, whatever the case
@pytest.mark.parametrize(
    "word,meant", [("NESTED", "nested"), ("EPT", "ept"), ("Enable_APICv", "enable_apicv")]
)
def test_lint_unknown_parameter_in_capitals_gets_did_you_mean(cli, tmp_path, word, meant):
    """cli.rst: an unknown parameter gets "did you mean".  Parameter names are
    lower case and the kernel compares them exactly, but difflib's ratio of NESTED
    and nested is 0: no hint for the commonest slip (copying EPT from a text)."""
    conf = tmp_path / "kvm.conf"
    conf.write_text(f"options kvm_intel {word}=1\n")
    run = cli("lint", "--kernel", "6.6", "--arch", "x86", str(conf))
    assert run.rc == 1
    assert f"has no parameter '{word}'; did you mean '{meant}'?" in run.out, run.out


# ------------------------------------------------ --kernel: malformed releases
@pytest.mark.parametrize("version", ["06.6", "6.06", "6.6.07", "v06.6"])
def test_params_kernel_with_leading_zeros_is_refused(cli, version):
    """A kernel release is never written with leading zeros (6.6.7, not 6.06.07);
    ``--kernel 6.06`` was read as 6.6 without a word, ``6.6.07`` as 6.6.7."""
    r = cli("params", "--module", "kvm_intel", "--kernel", version)
    assert r.rc == 2 and r.out == ""
    assert "is not a kernel version" in r.err and r.err.count("\n") == 1, r.err


# ------------------------------------------------ report: pre-signed URLs
@pytest.mark.parametrize(
    "url",
    [
        "https://b.s3.amazonaws.com/d.qcow2?X-Amz-Date=20261204T000000Z&X-Amz-Signature=S3CR3T",
        "https://storage.googleapis.com/b/d.qcow2?X-Goog-Date=1&X-Goog-Signature=S3CR3T",
        "https://b.s3.amazonaws.com/d.qcow2?AWSAccessKeyId=AKIAX&Signature=S3CR3T&Expires=1",
    ],
)
def test_report_redacts_the_signature_of_a_pre_signed_url(url):
    """QEMU's curl block driver opens an https image (``-drive file=https://...``);
    the signature of a pre-signed S3 or GCS URL grants whoever reads the report the
    disk image, and was shown.  ``Signature`` names a secret now (SECRET_WORDS)."""
    from nested_snippets.cli.report import redact, redact_args

    line = f"qemu-system-x86_64 -drive file={url},if=virtio"
    assert "S3CR3T" not in redact(line), redact(line)
    assert "S3CR3T" not in " ".join(redact_args(line.split())), redact_args(line.split())
    assert "X-Amz-Date=20261204T000000Z" in redact(line) or "Amz" not in url


# ------------------------------------------------ a cut name keeps the colon after it
def test_a_cut_long_path_keeps_the_colon_that_ends_it(cli, tmp_path):
    """cli.rst: a huge argument is named cut, in one short line.  The word cut was
    the path with its colon ("/tmp/aaa...: no such file"), so the line read
    "/tmp/aaa... (312 characters) no such file or directory": the colon that parts
    the name from why was lost with the cut."""
    long = str(tmp_path / ("a" * 200) / ("b" * 200) / "x.conf")
    r = cli("lint", "--kernel", "6.6", "--arch", "x86", long)
    assert r.rc == 2
    assert f"... ({len(long)} characters): no such file or directory\n" in r.err, r.err


# ------------------------------------------------ lint: one file given twice
def test_lint_a_file_given_twice_is_not_called_unread(cli, tmp_path):
    """``lint a.conf a.conf`` (a shell glob and a name, ``lint *.conf kvm.conf``) said
    "a.conf not read: kmod reads one file named a.conf, a.conf": the file was read.
    The same file given again is read once without a note; another file of the same
    name still gets it."""
    conf = tmp_path / "kvm.conf"
    conf.write_text("options kvm_intel nested=1\n")
    again = f"{tmp_path}/./kvm.conf"
    r = cli("lint", "--kernel", "6.6", "--arch", "x86", str(conf), str(conf), again)
    assert r.rc == 0 and r.err == "", r.err
    other = tmp_path / "d"
    other.mkdir()
    (other / "kvm.conf").write_text("options kvm_intel nested=0\n")
    r = cli("lint", "--kernel", "6.6", "--arch", "x86", str(conf), str(other / "kvm.conf"))
    assert f"{other / 'kvm.conf'} not read: kmod reads one file named kvm.conf" in r.err


# ------------------------------------------------ a working directory removed
@pytest.mark.parametrize(
    "argv,env",
    [
        (["check", "--no-probe", "--root", "."], {}),
        (["check", "--no-probe", "--json", "--root", "."], {}),
        (["report", "--root", "ROOT"], {"NESTED_KVM_GUIDE_URL": "docs/html"}),
    ],
)
def test_a_removed_working_directory_is_not_a_stdout_error(make_host, tmp_path, argv, env):
    """Run from a directory removed since (``cd build && rm -rf ../build``): a relative
    --root or guide base needs os.getcwd(), whose FileNotFoundError was taken for a
    write error: "cannot write standard output: no such file or directory"."""
    root = make_host("intel")
    gone = tmp_path / "gone"
    gone.mkdir()
    argv = [str(root) if a == "ROOT" else a for a in argv]
    script = (
        "import os, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]); "
        "from nested_snippets.cli import main; sys.exit(main(sys.argv[2:]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(gone), *argv],
        capture_output=True, text=True, timeout=TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )  # fmt: skip
    assert proc.returncode == 2, proc
    assert "standard output" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert "current directory was removed" in proc.stderr, proc.stderr
    if "--json" in argv:
        import json

        assert json.loads(proc.stdout)["exit"] == 2


@pytest.mark.parametrize(
    "text", ["X-Amz-Signature: S3CR3T", "x-goog-signature: S3CR3T", "Signature: S3CR3T"]
)
def test_report_redacts_a_signature_header(text):
    """A header whose name names a secret is redacted (``X-Auth-Token: ...``); the
    prefilters (_NEEDLES) skipped the pattern for a signature header."""
    from nested_snippets.cli.report import redact, redact_line

    assert "S3CR3T" not in redact(text) and "S3CR3T" not in redact_line(text)


# ------------------------------------------------ report -o: interrupted
def test_report_output_interrupted_while_written_is_removed(tmp_path, monkeypatch):
    """cli.rst: report -o is "never half-written (removed on failure)".  Ctrl-C (or a
    write that raises anything but OSError/ValueError) while the file was written
    left it there, cut: a later report -o of the same name then refused to replace it."""
    from nested_snippets.cli import report

    real = os.fdopen

    class Interrupted:
        def __init__(self, fd, *a, **k):
            self.fh = real(fd, *a, **k)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, text):
            self.fh.write(text[:10])
            self.fh.flush()
            raise KeyboardInterrupt

    monkeypatch.setattr(report.os, "fdopen", Interrupted)
    out = tmp_path / "r.md"
    with pytest.raises(KeyboardInterrupt):
        report.write_new(str(out), "x" * 100)
    assert not out.exists()


# ------------------------------------------------ params: a module of another architecture
@pytest.mark.parametrize(
    "module,arch,meant",
    [("kvm_hv", "x86", "powerpc/kvm_hv"), ("kvm_amd", "s390", "x86/kvm_amd")],
)
def test_params_module_of_another_arch_is_named_with_its_arch(cli, module, arch, meant):
    """``params --module kvm_hv --arch x86`` answered "did you mean 'x86/kvm'?": the
    module exists, for powerpc; the closest spelling hid it."""
    r = cli("params", "--module", module, "--arch", arch, "--kernel", "6.6")
    assert r.rc == 2
    assert f"did you mean '{meant}'?" in r.err, r.err


@pytest.mark.parametrize(
    "text",
    [
        "-drive file=https://a.blob.core.windows.net/c/d.vhd?sv=2022-11-02&sig=S3CR3T%2B&se=1",
        "-drive file.url=https://a.blob.core.windows.net/c/d.vhd?sig=S3CR3T,if=virtio",
        '{"url": "https://a.blob.core.windows.net/c/d.vhd?SIG=S3CR3T"}',
    ],
)
def test_report_redacts_the_sig_of_an_azure_sas_url(text):
    """An Azure SAS URL's ``sig=`` grants the blob, and was shown; only as a query
    parameter (``audit: ... sig=6`` is the signal a process died of: kept)."""
    from nested_snippets.cli.report import redact, redact_arg, redact_line

    for f in (redact, redact_line, redact_arg):
        assert "S3CR3T" not in f(text), f(text)
    kept = 'audit: type=1701 comm="qemu-kvm" sig=6 res=1'
    assert redact(kept) == kept


# ------------------------------------------------ check: /proc/modules larger than the cap
def test_check_a_proc_modules_past_the_cap_is_not_read_cut(cli, make_host):
    """hostfs: a file is "read whole or not at all: never cut silently".  A
    /proc/modules larger than 4 MiB (a hostile or garbled copy) was read cut: the
    kvm_intel line after the cut was not seen, and a loaded module was called
    "built-in" (whose advice is the kernel command line, not modprobe.d)."""
    root = make_host("intel", nested=True)
    modules = root / "proc/modules"
    line = "kvm_intel 245760 0 - Live 0x0000000000000000\n"
    filler = "".join(f"mod{i} 16384 0 - Live 0x0000000000000000\n" for i in range(120_000))
    assert len(filler) > 4 * 1024 * 1024
    modules.write_text(filler + line + modules.read_text())
    run = cli("check", "--root", str(root), "--no-probe")
    assert "built-in" not in run.line("kvm-module"), run.line("kvm-module")


# ------------------------------------------------ check: a long kernel command line
def test_check_reads_a_command_line_longer_than_64_kib(cli, make_host):
    """/proc/cmdline was read cut at 64 KiB, silently: a kvm_intel.nested=0 after the
    cut was not seen ("no nested= ... on the kernel command line") for a built-in
    kvm_intel, whose parameters the kernel reads from the whole line (kmod reads only
    4095 bytes of it for a loadable one).  s390 allows a command line of up to 1 MiB
    (its COMMAND_LINE_SIZE); past that it is not read."""
    root = make_host("intel", nested=True, kvm="builtin")
    cmdline = root / "proc/cmdline"
    cmdline.write_text(" ".join(["quiet"] * 12000) + " kvm_intel.nested=0\n")
    run = cli("check", "--root", str(root), "--no-probe")
    assert "nested=0" in run.line("nested-config") or "nested=N" in run.line("nested-config"), (
        run.line("nested-config")
    )
    cmdline.write_text("x" * (1024 * 1024 + 1))
    run = cli("check", "--root", str(root), "--no-probe")
    assert run.status("nested-config") == "SKIP", run.line("nested-config")
    assert "/proc/cmdline" in run.line("nested-config")
