"""The runner's sandbox, tried as an attacker would: each hostile snippet is refused
or contained, and the machine is untouched.

Every case below runs in a fresh fake host and then checks, besides its own
assertion, that the real host name and a secret file outside never show up in what
the snippet printed, that sentinel paths outside stay absent or unchanged, and that
no process of the snippet is left behind.  Nothing here skips: without a working
sandbox every case fails with the runner's one-line reason.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import run, sandbox
from nested_snippets.runner.run import Outcome, execute, fake_host, run_commands
from nested_snippets.runner.sandbox import LimitExceeded, Limits, Refused

SMALL = Limits(seconds=6, output_bytes=256 * 1024, memory_bytes=1 << 30, processes=48)
REAL_HOSTNAME = socket.gethostname()
TOKEN = "nkg-secret-" + secrets.token_hex(8)
OUTSIDE = Path(tempfile.mkdtemp(prefix="nkg-outside-"))
"""A directory anyone may write, holding a secret anyone may read: an escape would
read the one or write the other."""
atexit.register(shutil.rmtree, OUTSIDE, True)
os.chmod(OUTSIDE, 0o1777)
SECRET = OUTSIDE / "secret"


def _id(value: object) -> str | None:
    """Test ids without the random outside directory: every xdist worker must
    collect the same ids."""
    return str(value).replace(str(OUTSIDE), "OUTSIDE") if isinstance(value, str) else None
SECRET.write_text(TOKEN + "\n")
SECRET.chmod(0o644)
WATCHED = [Path("/etc/hostname"), Path("/etc/passwd"), Path("/etc/modprobe.d"),
           Path("/escaped"), Path("/tmp/escaped"), Path("/etc/default/grub"), OUTSIDE]  # fmt: skip


def _digest(path: Path) -> str:
    if path.is_symlink():
        return "link:" + os.readlink(path)
    if path.is_dir():
        return "dir:" + ",".join(
            f"{p.name}={_digest(p)}" for p in sorted(path.iterdir()) if p.name != "escaped"
        ) + ("+escaped" if (path / "escaped").exists() else "")
    if path.is_file():
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except PermissionError:
            return "unreadable"
    return "absent"


def _machine() -> dict[str, str]:
    return {str(p): _digest(p) for p in WATCHED}


def _marker_processes(marker: str) -> list[str]:
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [ln for ln in ps.splitlines() if marker in ln and "ps -eo" not in ln]


def _contained(outcomes: list[Outcome]) -> None:
    for got in outcomes:
        text = "\n".join(got.output)
        assert TOKEN not in text, f"the secret outside leaked: {got.command!r}"
        assert not re.search(rf"(?<![\w-]){re.escape(REAL_HOSTNAME)}(?![\w-])", text), (
            f"the real host name {REAL_HOSTNAME!r} appeared: {got.command!r}: {text[:300]!r}"
        )


@pytest.fixture
def untouched():
    """Check the machine before and after the case."""
    before = _machine()
    yield
    assert _machine() == before


def _run(commands: list[str], arch: str = "amd", limits: Limits = SMALL) -> list[Outcome]:
    with fake_host(Scenario(arch=arch, kernel="6.6")) as host:
        out = run_commands(host, commands, limits)
    _contained(out)
    return out


def _one(command: str, **kw) -> Outcome:
    return _run([command], **kw)[0]


# ------------------------------------------------------------------ what it sees

SEES = [
    # (command, expected output lines or None, expected status or None)
    ("cat $(printf '\\057etc/hostname')", ["fakehost"], 0),
    ("cat ${HOME:0:1}etc/hostname", ["fakehost"], 0),
    ("p=/etc; cat $p/hostname", ["fakehost"], 0),
    ("hostname; uname -n", ["fakehost", "fakehost"], 0),
    ("python3 -c 'import socket; print(socket.gethostname())'", ["fakehost"], 0),
    ("cat /proc/sys/kernel/hostname", None, 1),
    ("ls /proc", ["cmdline", "cpuinfo", "modules", "version"], 0),
    ("ls /sys", ["module"], 0),
    ("cat /proc/self/status /proc/1/cmdline /proc/mounts", None, 1),
    ("ls /home /var /opt /srv /mnt /media /boot 2>&1 | grep -c 'No such file'", ["7"], 0),
    ("cut -d: -f1 /etc/passwd", ["root", "nobody"], 0),
    ("ls /lib/modules; ls /usr/lib/modules 2>/dev/null | wc -l", ["6.6.0-fake-amd64", "0"], 0),
    ("cat /usr/lib/modprobe.d/* /lib/modprobe.d/* 2>/dev/null | wc -l; modprobe -c | wc -l",
     ["0", "0"], 0),  # the machine's kmod configuration is not the fake host's
    (f"cat {SECRET}", None, 1),
    (f"ls {OUTSIDE}", None, 2),
    ("cat /etc/../etc/hostname", ["fakehost"], 0),
    ("cd /; cd ..; cd ..; cat etc/hostname", ["fakehost"], 0),
    ("grep -c /boot/vmlinuz /proc/cmdline", ["1"], 0),
    ("cat /proc/version", ["Linux version 6.6.0-fake-amd64 (fake@fakehost) #1 SMP"], 0),
    ("ls -a /run/fakehost", [".", "..", "bin"], 0),
    ("echo hi > /dev/tcp/10.0.2.2/22", None, 1),
    ("echo hi > /dev/tcp/1.1.1.1/53", None, 1),
    ("ls /sys/class /dev/sda /dev/vda 2>&1 | grep -c 'No such file'", ["3"], 0),
    ("find / -path /usr -prune -o -name state.marshal -print 2>/dev/null | wc -l", ["0"], 0),
]


@pytest.mark.parametrize(("command", "want", "status"), SEES, ids=_id)
def test_the_fake_host_is_the_whole_machine(command, want, status, untouched):
    got = _one(command)
    if want is not None:
        assert got.output == want, got.output
    if status is not None:
        assert got.status == status, (got.status, got.output)


# ------------------------------------------------------------------ only fake tools

FAKE = [
    "export PATH=/usr/sbin:/usr/bin:/sbin:/bin; uname -r",
    "printf -v PATH %s /usr/bin; uname -r",
    "read -r PATH <<< /usr/bin; uname -r",
    "for PATH in /usr/bin; do uname -r; done",
    "/usr/bin/uname -r",
    "command -p uname -r",
    "env -i /usr/bin/uname -r",
    "cat <<EOF\n$(uname -r)\nEOF",
    "bash -c 'uname -r'",
    "sh -c 'uname -r'",
]


@pytest.mark.parametrize("command", FAKE, ids=_id)
def test_every_way_to_uname_reaches_the_fake_one(command, untouched):
    assert _one(command).output == ["6.6.0-fake-amd64"]


FLAVOURS = [("amd", "amd64"), ("intel", "amd64"), ("s390x", "s390x"), ("arm64", "arm64"),
            ("power", "powerpc64le")]
"""Debian's kernel flavour of each architecture (``linux-image-6.1.0-37-powerpc64le``...)."""


@pytest.mark.parametrize(("arch", "flavour"), FLAVOURS)
def test_the_release_names_the_flavour_of_its_architecture(arch, flavour, untouched):
    """Audit 17: every fake host said ``-fake-amd64``, on s390x, arm64 and POWER too."""
    release = f"6.6.0-fake-{flavour}"
    with fake_host(Scenario(arch, "6.6")) as host:
        machine = execute(host, "uname -m").output[0]
        commands = ("uname -r", "uname -a", "cat /proc/version", "cat /proc/cmdline")
        got = {c: execute(host, c).output for c in commands}
    assert got["uname -r"] == [release], got
    assert got["uname -a"] == [f"Linux fakehost {release} #1 SMP {machine} GNU/Linux"], got
    assert got["cat /proc/version"] == [f"Linux version {release} (fake@fakehost) #1 SMP"], got
    assert got["cat /proc/cmdline"][0].startswith(f"BOOT_IMAGE=/boot/vmlinuz-{release} "), got


def test_the_real_kmod_tools_are_not_inside(untouched):
    got = _one(
        "for t in /usr/bin/kmod /usr/sbin/modprobe /usr/sbin/lsmod /usr/bin/busybox"
        " /usr/bin/dmesg /usr/bin/lscpu; do [ -e $t ] && $t --version 2>&1 | head -1; done;"
        " echo end"
    )
    for line in got.output[:-1]:
        assert "not a tool of the fake host" in line or line.startswith("fake "), line
    assert got.output[-1] == "end"


def test_the_shared_tool_directory_is_read_only(untouched):
    got = _run(
        ["echo evil > /run/fakehost/bin/lsmod; touch /run/fakehost/bin/python3; echo $?",
         "lsmod | head -1; ls /run/fakehost/bin | grep -c python3"]  # fmt: skip
    )
    assert "Read-only file system" in got[0].output[0]
    assert got[1].output == ["Module                  Size  Used by", "0"]


def test_the_loader_cache_is_a_read_only_copy_of_the_machines(untouched):
    """``ld.so`` finds libraries through the machine's cache (else it probes every
    ``glibc-hwcaps`` directory of ``/lib`` for each library of each program); the copy
    cannot be changed, and the machine's own /etc stays out of sight."""
    want = hashlib.sha256(Path(sandbox.LD_CACHE).read_bytes()).hexdigest()
    got = _one(
        "sha256sum /etc/ld.so.cache | cut -d' ' -f1; echo x >> /etc/ld.so.cache; echo $?;"
        " ls /etc | tr '\\n' ' '"
    )
    assert got.output[0] == want
    assert got.output[-2] == "1"  # bash: /etc/ld.so.cache: Read-only file system
    assert got.output[-1].split() == sorted(
        ["alternatives", "default", "group", "hostname", "hosts", "ld.so.cache", "modprobe.d",
         "os-release", "passwd"]
    )  # fmt: skip


def test_a_loader_cache_that_is_a_link_or_too_big_is_not_copied(tmp_path, monkeypatch):
    secret = tmp_path / "secret"
    secret.write_bytes(b"not the cache")
    link = tmp_path / "ld.so.cache"
    link.symlink_to(secret)
    monkeypatch.setattr(sandbox, "LD_CACHE", str(link))
    assert sandbox._ld_cache() == b""
    big = tmp_path / "big"
    big.write_bytes(b"x" * 64)
    monkeypatch.setattr(sandbox, "LD_CACHE", str(big))
    monkeypatch.setattr(sandbox, "LD_CACHE_BYTES", 63)
    assert sandbox._ld_cache() == b""
    monkeypatch.setattr(sandbox, "LD_CACHE", "/dev/zero")
    assert sandbox._ld_cache() == b""


def test_usr_is_read_only_and_no_capability_is_left(untouched):
    got = _one(
        "touch /usr/bin/evil 2>&1; mount -t tmpfs x /mnt 2>&1 | head -1;"
        " unshare -r true 2>&1 | head -1; grep CapEff /proc/self/status 2>&1 | head -1"
    )
    assert "Read-only file system" in got.output[0]
    assert len(got.output) == 4 and "evil" not in "".join(got.output[1:])


def test_a_read_only_parameter_stays_read_only_under_sudo(untouched):
    param = "/sys/module/kvm_amd/parameters/nested"
    got = _one(f"echo N | sudo tee {param}; cat {param}")
    assert got.output == ["tee: /sys/module/kvm_amd/parameters/nested: Permission denied", "N", "1"]


def test_limits_cannot_be_raised(untouched):
    got = _one("ulimit -f unlimited 2>&1; ulimit -u 100000 2>&1; echo done")
    assert got.output[-1] == "done" and len(got.output) == 3  # two refusals


# ------------------------------------------------------------------ the state process


def test_module_names_cannot_reach_outside_the_host(untouched):
    got = _one(
        "sudo modprobe ../../../../tmp/escaped; sudo rmmod ../../x; modinfo ../../../etc/passwd;"
        " sudo modprobe -C /../../../ kvm_amd; echo end"
    )
    assert got.output[-1] == "end"
    assert not Path("/tmp/escaped").exists()


def test_the_protocol_names_no_host_and_bad_requests_are_refused(untouched):
    got = _run(
        [
            # a hand-made request: the fields after the arguments are ignored
            "exec 3<>/dev/tcp/127.0.0.1/4242; read -r hello <&3; "
            "printf '%s\\0' lsmod '' 0 /tmp/other-host >&3; head -1 <&3",
            "exec 3<>/dev/tcp/127.0.0.1/4242; printf 'lsmod\\0\\0-5\\0' >&3; cat <&3; echo end",
            "exec 3<>/dev/tcp/127.0.0.1/4242; printf 'lsmod\\0' >&3; exec 3>&-; echo end",
            "for i in 1 2 3; do exec 3<>/dev/tcp/127.0.0.1/4242; done; echo end",
        ]
    )
    assert got[0].output == ["0 186 0"]  # lsmod of this host: status 0, 186 bytes
    assert got[1].output == [
        "ok", "70 0 94",
        "the fake host's tool server refused the call: bad argument count -5 (at most "
        "10000: MAX_ARGS)",
        "end",
    ]  # fmt: skip
    assert got[2].output == ["end"] and got[3].output == ["end"]


def test_one_host_cannot_change_another(untouched):
    with fake_host(Scenario(arch="amd", kernel="6.6")) as a, \
            fake_host(Scenario(arch="amd", kernel="6.6")) as b:  # fmt: skip
        out = execute(b, "sudo modprobe -r kvm_amd; for p in 4242 4243 1 80; do"
                         " echo x > /dev/tcp/127.0.0.2/$p; done 2>/dev/null; lsmod | wc -l",
                      SMALL)  # fmt: skip
        assert out.output == ["1"]
        assert execute(a, "lsmod | wc -l", SMALL).output == ["5"]


# ------------------------------------------------------------------ planted links, FIFOs


PLANTS = [
    f"rm -f /etc/default/grub; ln -s {SECRET} /etc/default/grub",
    f"rm -rf /etc/modprobe.d; ln -s {OUTSIDE} /etc/modprobe.d",
    f"mv /etc /etc.old; ln -s {OUTSIDE} /etc",
    f"rm -f /bin; ln -s {OUTSIDE} /bin",
    f"rm -rf /root; ln -s {OUTSIDE} /root",
    "rm -f /etc/default/grub; mkfifo /etc/default/grub",
    "mkfifo /run/fakehost/out/2 /run/fakehost/out/2.status",
    f"ln -s {SECRET} /run/fakehost/out/2; ln -s {SECRET} /run/fakehost/out/2.status",
    f"ln -s {OUTSIDE} /tmp; ln -s {SECRET} /root/link; ln /etc/passwd /root/hard 2>/dev/null; true",
    "chmod 000 /root /etc /etc/modprobe.d; mkdir -p /root/deep/deeper; chmod 000 /root/deep",
]


@pytest.mark.parametrize("plant", PLANTS, ids=_id)
def test_planted_links_and_fifos_lead_nowhere(plant, untouched):
    limits = Limits(seconds=6, output_bytes=64 * 1024, processes=48)
    with fake_host(Scenario(arch="amd", kernel="6.6")) as host:
        home = host.home
        outcomes = [execute(host, plant, limits)]
        # the runner writes into the host, then runs again in it
        host.write_file("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"\"\n")
        host.write_file("/etc/modprobe.d/kvm.conf", "options kvm_amd nested=0\n")
        outcomes += run_commands(host, ["cat /etc/hostname; lsmod | head -1", "echo two"], limits)
        host.reboot()
        outcomes.append(execute(host, "lsmod | wc -l; ls /etc/modprobe.d", limits))
        _contained(outcomes)
        assert outcomes[1].output == ["fakehost", "Module                  Size  Used by"]
        assert outcomes[2].output == ["two"]
    with fake_host(Scenario(arch="intel", kernel="6.6")) as again:
        assert again.home == home, "the directory was not recycled: nothing is tested"
        got = execute(again, "cat /etc/hostname; ls /root /tmp 2>&1 | wc -l", limits)
        assert got.output[0] == "fakehost"
    assert SECRET.read_text() == TOKEN + "\n"


def test_a_recycled_host_keeps_nothing_of_the_previous_one(untouched):
    with fake_host(Scenario(arch="intel", kernel="6.6")) as first:
        home = first.home
        execute(first, "echo 'options kvm_intel nested=0' | sudo tee /etc/modprobe.d/x.conf")
        execute(first, "sudo modprobe -r kvm_intel")
        execute(first, "sudo modprobe kvm_intel nested=0")
        execute(first, "mkdir -p /opt/left/over; touch /root/notes /tmp/t")
    with fake_host(Scenario(arch="intel", kernel="4.19")) as second:
        assert second.home == home, "the directory was not recycled: nothing is tested"
        assert execute(second, "ls /etc/modprobe.d /opt /root /tmp").output[:1] == [
            "ls: cannot access '/opt': No such file or directory",
        ]
        assert execute(second, "ls /root /etc/modprobe.d").output == [
            "/etc/modprobe.d:", "", "/root:"
        ]
        assert execute(second, "cat /sys/module/kvm_intel/parameters/nested").output == ["N"]
        assert execute(second, "ls /lib/modules").output == ["4.19.0-fake-amd64"]
        # 6.6's kvm_intel has parameters 4.19's lacks (e.g. enable_ipiv): none may remain
        assert execute(second, "ls /sys/module/kvm_intel/parameters/enable_ipiv").status == 2


def test_a_writable_parameter_keeps_its_value_between_runs(untouched):
    with fake_host(Scenario(arch="intel", kernel="6.6")) as host:
        execute(host, "echo 12345 | sudo tee /sys/module/kvm/parameters/halt_poll_ns")
        got = execute(host, "cat /sys/module/kvm/parameters/halt_poll_ns; sudo rmmod kvm_intel;"
                            " sudo modprobe kvm_intel; cat /sys/module/kvm/parameters/halt_poll_ns")
        assert got.output == ["12345", "12345"]  # kvm stayed loaded: the value with it


# ------------------------------------------------------------------ limits


def _no_leftovers(marker: str) -> None:
    deadline = time.monotonic() + 3
    while _marker_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _marker_processes(marker) == []


def test_a_long_sleep_hits_the_wall_clock_and_leaves_nothing(untouched):
    limits = Limits(seconds=1.5)
    with pytest.raises(LimitExceeded, match=r"stopped: time limit 1.5 s exceeded \(wall clock\)"):
        _one("sleep 4711 & sleep 4711", limits=limits)
    _no_leftovers("sleep 4711")


def test_background_processes_end_with_the_sandbox(untouched):
    got = _one("(setsid sleep 4712 &); nohup sleep 4712 >/dev/null 2>&1 & echo started")
    assert got.output == ["started"]
    _no_leftovers("sleep 4712")


def test_a_fifo_read_hits_the_wall_clock(untouched):
    with pytest.raises(LimitExceeded, match="time limit"):
        _one("mkfifo /tmp/f; cat /tmp/f", limits=Limits(seconds=1.5))


def test_huge_output_is_capped_not_held(untouched):
    with pytest.raises(LimitExceeded, match="stopped: output limit 262144 bytes exceeded"):
        _one("yes | head -c 300000000")


def test_a_one_megabyte_line_is_capped(untouched):
    with pytest.raises(LimitExceeded, match="output"):
        _one("head -c 1100000 /dev/zero | tr '\\0' a")


FORK_LOOP = """python3 -c '
import os, time
n = 0
for i in range(200):
    try:
        if os.fork() == 0:
            time.sleep(4713)
            os._exit(0)
    except BlockingIOError:
        break
    n += 1
print("forked", n)
'"""


def test_a_bounded_fork_loop_is_stopped_by_the_process_limit(untouched):
    got = _one(FORK_LOOP, limits=Limits(seconds=8, processes=32))
    assert got.output[0].startswith("forked ") and int(got.output[0].split()[1]) < 32
    _no_leftovers("4713")


def test_memory_is_limited(untouched):
    got = _one("python3 -c 'bytearray(3 << 30)' 2>&1 | tail -1",
               limits=Limits(memory_bytes=1 << 30))  # fmt: skip
    assert got.output == ["MemoryError"]
    assert run._limits_hit(got.output, got.status) == [
        "limit reached: memory (2048 MiB address space)"
    ]


def test_killing_everything_kills_only_the_command(untouched):
    """Row 6 of the review: ``kill -9 -1`` kills the command's processes (the
    sandbox's first process is its PID 1, which no process inside can kill); the
    runner reports a status of its own making, and the next command runs."""
    got = _run(["sleep 4714 & sh -c 'kill -9 -1; sleep 4714'; echo unreachable", "echo next"])
    assert (got[0].output, got[0].status) == ([], 137), got[0]
    assert got[1].output == ["next"], got
    assert run._limits_hit(got[0].output, got[0].status) == [
        "killed by SIGKILL from within the snippet (e.g. kill -9 -1), not by a limit of the runner"
    ]
    assert sandbox.base().server.proc.poll() is None
    _no_leftovers("sleep 4714")
    assert _one("echo next run").output == ["next run"]


# ------------------------------------------------------------------ bad bytes


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("echo a\0b", "NUL byte"),
        ("echo \udcff", "not valid UTF-8"),
        ("echo " + "a" * 1_100_000, "bytes long"),
    ],
)
def test_text_bash_cannot_take_is_refused(command, reason, untouched):
    with pytest.raises(Refused, match=reason):
        _one(command)


def test_invalid_bytes_and_nul_in_output_are_plain_text(untouched):
    got = _one("printf 'a\\377\\376b\\000c\\n'")
    assert got.output == ["a\ufffd\ufffdb\x00c"]


def test_deep_nesting_ends_cleanly(untouched):
    got = _one("echo " + "$(" * 5000 + "echo deep" + ")" * 5000, limits=Limits(seconds=10))
    assert got.output == ["deep"] or got.status != 0


# ------------------------------------------------------------------ refusal


def _check_refuses(match: str) -> None:
    """``sandbox.check()``, run afresh (not cached), refuses with a message like ``match``."""
    sandbox.check.cache_clear()
    try:
        with pytest.raises(sandbox.SandboxUnavailable, match=match):
            sandbox.check()
    finally:
        sandbox.check.cache_clear()


def test_no_namespaces_means_one_message_and_no_run(monkeypatch):
    monkeypatch.setattr(sandbox, "BWRAP", "bwrap-not-installed")
    _check_refuses("apt-get install bubblewrap")


@pytest.mark.parametrize(
    ("files", "fix"),
    [
        ({"/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1"}, "AppArmor"),
        ({"/proc/sys/user/max_user_namespaces": "0"}, "user.max_user_namespaces"),
        ({"/.dockerenv": ""}, "seccomp profile"),
    ],
)
def test_each_cause_names_its_fix(files, fix, monkeypatch):
    monkeypatch.setattr(sandbox, "_read", lambda path: files.get(path, ""))
    monkeypatch.setattr(sandbox, "_exists", lambda path: path in files)
    message = sandbox._diagnose(["bwrap: setting up uid map: Permission denied"])
    assert fix in message and "\n" not in message


def test_an_old_bubblewrap_is_named():
    message = sandbox._diagnose(["bwrap: Unknown option --disable-userns"])
    assert "bubblewrap 0.8 or newer" in message


def test_bwrap_is_on_this_machine_under_ci():
    """CI must have the sandbox: the matrix would fail anyway, this says why first."""
    if os.environ.get("CI") == "true":
        assert shutil.which("bwrap"), ".ci/run must install bubblewrap"
    sandbox.check()


def test_root_inside_is_an_unprivileged_uid_outside(untouched):
    with fake_host(Scenario(arch="amd", kernel="6.6")) as host:
        assert execute(host, "touch /root/mine; id -u").output == ["0"]
        assert (host.root / "root/mine").stat().st_uid == sandbox.SANDBOX_UID != 0


def test_no_system_perl_means_one_message(monkeypatch):
    monkeypatch.setattr(sandbox.pid1, "PERL", "/nonexistent/perl")
    _check_refuses("/nonexistent/perl, which is missing .*apt-get install perl-base")
