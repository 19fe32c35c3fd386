"""Hostile snippets of the session-6 review (/work/review-hostile-sandbox-s6.md): the
fake host answers as the real tools do, and what the sandbox cannot hide is named.
Section numbers (S8, S11, ...) name the review's sections."""

from __future__ import annotations

import importlib
import itertools
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from nested_snippets.fakehost import commands, reads, toolserver
from nested_snippets.fakehost import state as fk
from nested_snippets.fakehost.host import Given, Scenario
from nested_snippets.model import Command, Transcript
from nested_snippets.runner import __main__ as runner_main
from nested_snippets.runner import run, sandbox
from nested_snippets.runner.sandbox import LimitExceeded


@pytest.fixture(scope="module")
def built() -> fk.State:
    with run.fake_host(Scenario("amd", "6.6")) as host:
        return fk.State.from_bytes(host.built.to_bytes())


def _tool(state: fk.State, tool: str, args: list[str]) -> tuple[int, str, str]:
    view = reads.StateView(fk.State.from_bytes(state.to_bytes()), reads.Recorder())
    return commands.run(tool, args, view, "/nonexistent", False)


def _coreutils_uname() -> bool:
    if os.uname().sysname != "Linux" or os.uname().machine != "x86_64":
        return False
    try:
        said = subprocess.run(["uname", "--version"], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "GNU coreutils" in said


UNAME_ARGS = [
    *(f"-{c}" for c in "snrvmpioa"),
    "-snrvmpio", "-pi", "-ip", "-ap", "-sp", "-mi", "-mpi", "-a", "-ps", "-im",
    "--kernel-name", "--nodename", "--kernel-release", "--kernel-version", "--machine",
    "--processor", "--hardware-platform", "--operating-system", "--all", "--proc", "--al",
    *("".join(p) for p in itertools.combinations(["-s ", "-p ", "-i ", "-o "], 2)),
]  # fmt: skip


@pytest.mark.skipif(not _coreutils_uname(), reason="needs GNU coreutils' uname on x86_64 Linux")
@pytest.mark.parametrize("args", UNAME_ARGS)
def test_s11_uname_prints_the_fields_coreutils_prints_in_its_order(built, args):
    """The machine's own uname, with its node name, release and version in place of the
    fake host's, is what the fake uname prints (amd: the same machine name)."""
    argv = args.split()
    real = subprocess.run(["uname", *argv], capture_output=True, text=True, check=True).stdout
    me = os.uname()
    for mine, fake in ((me.version, "#1 SMP"), (me.release, built.release),
                       (me.nodename, "fakehost")):  # fmt: skip
        real = real.replace(mine, fake)
    assert _tool(built, "uname", argv) == (0, real, "")


def test_s11_uname_p_and_i_print_unknown_and_all_leaves_them_out(built):
    """What coreutils 9.1 prints on Linux (Debian 12, checked 2026-12-02)."""
    assert _tool(built, "uname", ["-p"])[1] == "unknown\n"
    assert _tool(built, "uname", ["--hardware-platform"])[1] == "unknown\n"
    assert _tool(built, "uname", ["-snrvmpio"])[1] == (
        f"Linux fakehost {built.release} #1 SMP x86_64 unknown unknown GNU/Linux\n"
    )
    assert _tool(built, "uname", ["-a", "-p"])[1] == (
        f"Linux fakehost {built.release} #1 SMP x86_64 GNU/Linux\n"
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["-x"], "uname: invalid option -- 'x'"),
        (["--bogus"], "uname: unrecognized option '--bogus'"),
        (["--kernel"], "uname: unrecognized option '--kernel'"),  # ambiguous
        (["x"], "uname: extra operand 'x'"),
        (["--", "-a"], "uname: extra operand '-a'"),
    ],
)
def test_s11_uname_refuses_what_coreutils_refuses(built, args, said):
    status, out, err = _tool(built, "uname", args)
    assert (status, out) == (1, "")
    assert err.splitlines()[0] == said


def test_s11_uname_help_and_version_are_named_as_not_modelled(built):
    status, _out, err = _tool(built, "uname", ["--vers"])
    assert status == 2 and "--version is not modelled" in err


def test_s3_usr_local_is_read_only_and_nothing_planted_there_runs():
    script = (
        "mkdir -p /usr/local/bin 2>&1; printf '#!/bin/sh\\necho planted\\n' > /usr/local/bin/cat;"
        " echo fake | cat"
    )
    with run.fake_host(Scenario("amd", "6.6")) as host:
        got = run.execute(host, script)
        hidden = run.execute(host, "touch /usr/lib/modprobe.d/x.conf /usr/lib/modules-load.d/x")
    assert got.output[-1] == "fake", got.output
    assert "planted" not in got.output and "Read-only file system" in got.output[0], got.output
    shown = [d for d in ("/usr/lib/modprobe.d", "/usr/lib/modules-load.d") if os.path.isdir(d)]
    assert len(hidden.output) == len(shown), hidden.output
    assert all("Read-only file system" in line for line in hidden.output), hidden.output


SOCKETS = r"""python3 - <<'EOF'
import socket, time
pairs = [socket.socketpair() for _ in range(400)]
for a, _b in pairs:
    a.setblocking(False)
    try:
        while True:
            a.send(b"x" * 65536)
    except BlockingIOError:
        pass
print("filled", flush=True)
time.sleep(6)
EOF"""


def test_s8_socket_buffers_count_against_the_memory_limit():
    """400 socket pairs filled with the default buffers queue ~88 MiB that no process
    maps; the watch charges each socket's buffer and stops the run as memory."""
    limits = sandbox.Limits(seconds=25, memory_bytes=96 << 20)
    stopped = pytest.raises(sandbox.LimitExceeded, match=r"^stopped: memory limit 96 MiB")
    with run.fake_host(Scenario("amd", "6.6")) as host, stopped:
        run.execute(host, SOCKETS, limits)


TCP_FLOOD = r"""python3 - <<'EOF'
import socket, time
server = socket.socket()
server.bind(("127.0.0.1", 5000))
server.listen(64)
conns = []
for _ in range(24):
    c = socket.create_connection(("127.0.0.1", 5000))
    conns += [c, server.accept()[0]]
    c.setblocking(False)
    try:
        while True:
            c.send(b"x" * 65536)
    except BlockingIOError:
        pass
print("queued", flush=True)
time.sleep(6)
EOF"""


def test_s8_tcp_queues_count_against_the_memory_limit():
    """TCP grows its buffers by itself (to net.ipv4.tcp_rmem/wmem's maximum): the watch
    reads their queues."""
    limits = sandbox.Limits(seconds=25, memory_bytes=48 << 20)
    stopped = pytest.raises(sandbox.LimitExceeded, match=r"^stopped: memory limit 48 MiB")
    with run.fake_host(Scenario("amd", "6.6")) as host, stopped:
        run.execute(host, TCP_FLOOD, limits)


def test_s8_a_socket_cannot_raise_its_buffers():
    script = r"""python3 - <<'EOF'
import socket
a, b = socket.socketpair()
for name in ("SO_SNDBUF", "SO_RCVBUF", "SO_SNDBUFFORCE", "SO_RCVBUFFORCE"):
    try:
        a.setsockopt(socket.SOL_SOCKET, getattr(socket, name, {"SO_SNDBUFFORCE": 32,
                     "SO_RCVBUFFORCE": 33}.get(name)), 4 << 20)
        print(name, "set")
    except PermissionError:
        print(name, "EPERM")
a.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
print("keepalive", a.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))
EOF
lsmod | head -1"""
    with run.fake_host(Scenario("amd", "6.6")) as host:
        got = run.execute(host, script)
    assert got.output == [
        "SO_SNDBUF EPERM", "SO_RCVBUF EPERM", "SO_SNDBUFFORCE EPERM", "SO_RCVBUFFORCE EPERM",
        "keepalive 1", "Module                  Size  Used by",
    ], got.output  # fmt: skip


ANSI = r"printf '\x1b]0;PWNED-TITLE\x07\x1b[2K\x1b[1A fake: all tests passed\n'"


def test_s4_a_snippets_escape_sequences_are_shown_escaped_in_a_mismatch():
    body = Transcript((Command(ANSI, ("something else",)),))
    with run.fake_host(Scenario("amd", "6.6")) as host:
        seen = run.observe(host, body)
        with pytest.raises(run.Mismatch) as exc:
            run.judge(host, body, seen, "snippet hostile.ansi[amd]")
    text = str(exc.value)
    assert "\x1b" not in text and "\x07" not in text, text
    assert r"+\x1b]0;PWNED-TITLE\x07\x1b[2K\x1b[1A fake: all tests passed" in text, text


def test_s4_the_runner_cli_shows_a_snippets_output_escaped(monkeypatch, capsys):
    def fake_run(host, texts):
        return [run.Outcome(t, ["\x1b]52;c;cGF3bmVk\x07 1"], 0) for t in texts]

    monkeypatch.setattr(runner_main, "run_commands", fake_run)
    assert runner_main.main(["enable.check_nested", "--arch", "amd", "--kernel", "6.6"]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out, out
    assert r"\x1b]52;c;cGF3bmVk\x07 1" in out


PARAM = "/sys/module/kvm_amd/parameters/dump_invalid_vmcb"


def test_s7_a_fifo_in_place_of_a_parameter_is_named_by_the_tool():
    folder = PARAM.rsplit("/", 1)[0]
    script = f"chmod u+w {folder}; rm {PARAM}; mkfifo {PARAM}; exec 5<>{PARAM}; lsmod; echo $?"
    with run.fake_host(Scenario("amd", "6.6")) as host:
        got = run.execute(host, script)
    assert got.output == [
        f"fake lsmod: {PARAM} is a FIFO, not the parameter file the fake kernel made (the "
        "snippet replaced it): the fake tools read no value from it",
        "70",
    ], got.output


def test_s7_a_directory_in_place_of_a_parameter_is_not_kept_and_the_run_is():
    folder = PARAM.rsplit("/", 1)[0]
    with run.fake_host(Scenario("amd", "6.6")) as host:
        before = run.execute(host, f"cat {PARAM}").output
        got = run.execute(host, f"chmod u+w {folder}; rm {PARAM}; mkdir {PARAM}; echo made")
        after = run.execute(host, f"cat {PARAM}").output
    assert got.output == ["made"] and after == before, (got, after, before)


def test_s7_the_bound_on_a_hosts_bytes_is_a_stopped_limit():
    script = "mkdir /sp; for i in $(seq 40); do truncate -s 1000K /sp/f$i; done"
    # the bound is what the next sandbox's / holds, under MAX_BYTES (review 12)
    mib = sandbox.TMPFS_BYTES["/"] >> 20
    limit = rf"^stopped: limit of the host's files exceeded: .* held more than {mib} MiB in files"
    with run.fake_host(Scenario("amd", "6.6")) as host, pytest.raises(LimitExceeded, match=limit):
        run.execute(host, script)


@pytest.mark.parametrize(
    ("command", "named"),
    [
        ("cat <(echo procsub)", "<("),
        ("diff <(echo a) <(echo b)", "<("),
        ("echo hi | tee >(cat)", ">("),
        ("echo hi | cat /dev/stdin", "/dev/stdin"),
        ("echo e > /dev/stderr", "/dev/stderr"),
        ("echo o | tee /dev/stdout", "/dev/stdout"),
        ("cat /dev/fd/0", "/dev/fd/"),
    ],
)
def test_s13_what_needs_proc_self_is_refused_with_one_message(command, named):
    with run.fake_host(Scenario("amd", "6.6")) as host:
        seen = run.observe(host, Transcript((Command(command, ()),)))
    assert seen == (
        f"refused: the command uses {named!r}: process substitution and /dev/stdin, "
        "/dev/stdout, /dev/stderr and /dev/fd/N need /proc/self/fd, which the fake host's "
        "/proc (the fake kernel's files, not procfs) does not have; use a pipe, >&2 or a "
        "file in /tmp"
    )


def test_s13_redirections_that_need_no_proc_still_run():
    with run.fake_host(Scenario("amd", "6.6")) as host:
        got = run.execute(host, "echo e >&2; echo $(( 2 > 1 )); cat < /etc/hostname 2>&1")
    assert got.output == ["e", "1", "fakehost"], got.output


def test_s9_after_entering_a_sandbox_a_call_imports_nothing(tmp_path):
    """A module not yet imported, planted on the path, is an ImportError, never run."""
    (tmp_path / "nkg_planted_mod.py").write_text(f"open({str(tmp_path / 'ran')!r}, 'w').close()\n")
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            sys.path.insert(0, str(tmp_path))
            toolserver._no_imports()
            try:
                # by name: the planted module is no dependency of the tests
                importlib.import_module("nkg_planted_mod")
            except ImportError:
                code = 0
            import json  # noqa: F401  (imported already: from sys.modules)
        finally:
            os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert not (tmp_path / "ran").exists()


def test_s9_the_tool_server_runs_isolated_with_no_runner_environment(monkeypatch):
    seen = []
    popen = subprocess.Popen

    def spy(argv, **kw):
        seen.append((argv, kw))
        return popen(argv, **kw)

    monkeypatch.setenv("NKG_SECRET_TOKEN", "x")
    monkeypatch.setattr(toolserver.subprocess, "Popen", spy)
    server = toolserver.Server(os.getuid(), os.getgid())
    server.close()
    argv, kw = seen[0]
    assert argv[1:3] == ["-I", "-c"] and "-m" not in argv
    assert "NKG_SECRET_TOKEN" not in kw["env"] and "PYTHONPATH" not in kw["env"]


PLANTED = r"""
plant() { for m in json difflib textwrap shlex uuid glob gettext locale stringprep \
  encodings/idna _strptime nkg_planted; do mkdir -p "$1/${m%/*}" 2>/dev/null;
  { printf 'open("/tmp/PLANTED", "a").write(__name__ + " ran ")\n' > "$1/$m.py"; } 2>/dev/null
  done; }
plant /; plant /root; plant STDLIB; plant SITE; plant PKG; plant PKG/nested_snippets
plant PKG/nested_snippets/fakehost
"""


def test_s9_modules_planted_in_the_view_never_run_in_a_tool_call():
    """Review s6 S9: the tool server's forked call runs in the sandbox's mount namespace;
    nothing the snippet plants on any path the server's Python knows may run."""
    pkg = str(Path(toolserver.__file__).resolve().parents[2])
    site = sysconfig.get_paths()["purelib"]
    calls = [
        "uname -a", "uname --bogus", "arch", "lsmod", "modinfo kvm_amd", "modinfo nosuch",
        "modprobe -c | head -1", "sudo modprobe -r kvm_amd", "sudo modprobe kvm_amd nested=0",
        "sudo rmmod kvm_amd", "sudo modprobe kvm_amd", "dmesg | tail -1", "sudo dmesg | tail -1",
        "lscpu", "lscpu -J", "sudo update-grub", "sudo grubby --update-kernel=ALL --args=x",
        "grubby", "modprobe --bogus", "rmmod", "systemd-detect-virt", "systemd-detect-virt -x",
    ]  # fmt: skip
    stdlib = os.path.dirname(os.__file__)  # the tool server's Python is this one
    script = PLANTED.replace("PKG", pkg).replace("SITE", site).replace("STDLIB", stdlib)
    script += "".join(f"{{ {c}; }} >/dev/null 2>&1\n" for c in calls)
    script += "cat /tmp/PLANTED 2>&1; ls /json.py /root/json.py"  # /tmp: this run's own
    with run.fake_host(Scenario("amd", "6.6")) as host:
        got = run.execute(host, script)
    assert got.output[0] == "cat: /tmp/PLANTED: No such file or directory", got.output
    assert got.output[1:] == ["/json.py", "/root/json.py"], got.output


DETECT = (
    "systemd-detect-virt; echo $?; systemd-detect-virt --vm; systemd-detect-virt -c; echo $?;"
    " systemd-detect-virt -q; echo $?; /usr/bin/systemd-detect-virt -v"
)


@pytest.mark.parametrize(
    ("arch", "level", "said"),
    [
        ("amd", "L0", ["none", "1", "none", "none", "1", "1", "none"]),
        ("intel", "L1", ["kvm", "0", "kvm", "none", "1", "0", "kvm"]),
        ("s390x", "L1", ["kvm", "0", "kvm", "none", "1", "0", "kvm"]),
    ],
)
def test_s10_systemd_detect_virt_answers_for_the_fake_host(arch, level, said):
    """Review s6 S10: the real one said ``kvm`` (the machine's CPUID) on an L0 fake host.
    An L1 fake host is a KVM guest, as its ``lscpu`` says."""
    with run.fake_host(Scenario(arch, "6.6", Given(level=level))) as host:
        got = run.execute(host, DETECT)
        lscpu = run.execute(host, "lscpu | grep -c 'Hypervisor vendor: *KVM'")
    assert got.output == said, got.output
    assert lscpu.output == ["1" if level == "L1" else "0"]


def test_s10_cpuid_still_answers_for_the_machine_as_documented():
    """What the sandbox docstring says it cannot hide: a program's own CPUID instruction
    (here gcc's -march=native) names the machine's CPU, not the fake host's."""
    gcc = "/usr/bin/gcc"
    if not os.path.isfile(gcc):
        pytest.skip("no gcc on this machine")
    probe = f"{gcc} -march=native -Q --help=target | grep -m1 -- '-march='"
    outside = subprocess.run(probe, shell=True, capture_output=True, text=True).stdout
    with run.fake_host(Scenario("intel", "6.6")) as host:
        got = run.execute(host, probe)
    assert got.output == outside.splitlines() and outside.strip(), (got.output, outside)
    assert "cpuid" in sandbox.__doc__.lower() and "-march=native" in sandbox.__doc__
