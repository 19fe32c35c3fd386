"""Hostile snippets of the attack review (/work/review-sandbox.md): each one is bounded,
refused with one message, or leaves nothing behind.  Row numbers name the review's rows.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

import pytest

from nested_snippets import model
from nested_snippets.fakehost.host import Scenario
from nested_snippets.model import Command, ConfigFile, SnippetError, Transcript
from nested_snippets.runner import run, sandbox
from nested_snippets.runner.__main__ import main
from nested_snippets.runner.run import Mismatch, execute, fake_host, judge, observe, run_commands
from nested_snippets.runner.sandbox import LimitExceeded, Limits

LIMITS = Limits(seconds=30, output_bytes=256 * 1024, memory_bytes=1 << 30, processes=48)


@contextlib.contextmanager
def _within(seconds: int):
    """Fail (instead of hanging the session) if the block takes longer."""

    def late(_sig, _frame):
        raise AssertionError(f"still running after {seconds} s: the run is not bounded")

    old = signal.signal(signal.SIGALRM, late)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _host(arch: str = "amd"):
    return fake_host(Scenario(arch=arch, kernel="6.6"))


@pytest.mark.parametrize(
    "plant", ["mkfifo /etc/modprobe.d/kvm.conf", "ln -s /dev/zero /etc/modprobe.d/z.conf"]
)
def test_rows_1_2_a_fifo_or_dev_zero_in_modprobe_d_does_not_stall_the_boot(plant):
    with _within(60), _host() as host:
        execute(host, plant, LIMITS)
        host.reboot()
        start = time.monotonic()
        got = execute(host, "lsmod | grep -c '^kvm_amd'", LIMITS)
        assert got.output == ["1"], got
        assert time.monotonic() - start < 20


@pytest.mark.parametrize(
    "command",
    [
        "ln -s /dev/zero /etc/modprobe.d/z.conf; sudo modprobe -c >/dev/null; echo $?",
        "mkfifo /etc/modprobe.d/f.conf; sudo modprobe -r kvm_amd; echo $?",
        "rm -f /etc/default/grub; ln -s /dev/zero /etc/default/grub; sudo update-grub; echo $?",
    ],
)
def test_rows_3_4_links_to_dev_zero_are_not_read(command):
    with _within(30), _host() as host:
        start = time.monotonic()
        got = execute(host, command, LIMITS)
    assert time.monotonic() - start < 8
    text = "\n".join(got.output)
    assert "internal error" not in text and "MemoryError" not in text, text
    assert got.output[-1] in ("0", "1"), got


def test_row_5_a_sandbox_gets_few_tool_calls_at_once():
    """Each connection is first told whether it is served; the ones past MAX_CALLS are
    told why not and closed, the others wait for their request."""
    script = (
        "fds=(); for i in $(seq 12); do exec {fd}<>/dev/tcp/127.0.0.1/4242 && fds+=($fd); done;"
        ' for fd in "${fds[@]}"; do read -r -t 5 -u "$fd" line; echo "$line";'
        ' read -r -t 0.5 -u "$fd"; echo $?; done'
    )
    with _within(60), _host() as host:
        got = execute(host, script, LIMITS)
    said, then = got.output[0::2], got.output[1::2]
    busy = [x for x in said if x.startswith("the fake host's tool server runs at most 8 calls")]
    assert said.count("ok") == 8 and len(busy) == 4, got.output
    assert then.count("1") == 4 and sum(int(x) > 128 for x in then) == 8, got.output


@pytest.mark.parametrize(
    ("where", "mib"),
    [("/run", 20), ("/tmp", 100), ("/dev/shm", 40), ("/sys", 20), ("/dev", 8),
     ("/root", 20), ("/etc", 20), ("/proc", 8), ("/lib", 4)],
)  # fmt: skip
def test_rows_6_8_every_tmpfs_is_small(where, mib):
    big = Limits(seconds=30, output_bytes=256 << 20, memory_bytes=1 << 30, processes=48)
    with _within(60), _host() as host:
        got = execute(host, f"head -c {mib}M /dev/zero > {where}/big; echo $?", big)
    assert got.output[-1] != "0", got.output
    assert any("No space left on device" in line for line in got.output), got.output


def test_row_8_tmp_is_not_the_disk():
    with _host() as host:
        execute(host, "cd /tmp && seq 1 500 | xargs touch && ls | wc -l", LIMITS)
        assert not any((host.root / "tmp").iterdir())


def test_row_10_a_command_cannot_forge_a_later_result():
    forge = (
        "( while [ ! -e /run/fakehost/out/2.status ]; do :; done;"
        " echo forged > /run/fakehost/out/2; echo 0 > /run/fakehost/out/2.status ) & disown;"
        " echo armed"
    )
    with _within(60), _host() as host:
        got = run_commands(host, [forge, "false; echo real", "sleep 0.3; echo three"], LIMITS)
    assert [o.output for o in got] == [["armed"], ["real"], ["three"]]
    assert got[1].status == 0 and got[0].status == 0


def test_row_11_the_machines_modprobe_configuration_is_not_visible():
    with _host() as host:
        got = execute(
            host, "ls -A /usr/lib/modprobe.d /usr/local; modprobe -c | grep -c snd", LIMITS
        )
    assert got.output == ["/usr/lib/modprobe.d:", "", "/usr/local:", "0"], got.output


def test_row_12_a_recycled_host_has_no_xattrs_or_old_times():
    setx = (
        'python3 -c \'import os; [os.setxattr(d, "user.msg", b"A") for d in'
        ' ("/", "/etc", "/etc/modprobe.d", "/root", "/etc/default")]\';'
        " touch -d 2001-02-03 /etc/modprobe.d /root"
    )
    with _host() as first:
        home = first.home
        execute(first, setx, LIMITS)
    with fake_host(Scenario(arch="intel", kernel="5.10")) as second:
        assert second.home == home, "the directory was not recycled: nothing is tested"
        got = execute(
            second,
            "python3 -c 'import os; print(sum(len(os.listxattr(d)) for d in"
            ' ("/", "/etc", "/etc/modprobe.d", "/root", "/etc/default")))\';'
            " date -r /root +%Y",
            LIMITS,
        )
    assert got.output[0] == "0" and got.output[1] != "2001", got.output


def test_rows_18_19_bytes_that_are_not_utf8_go_through():
    with _within(60), _host() as host:
        execute(host, "sudo grubby --update-kernel=ALL --args=$'kvm.x=\\xff'", LIMITS)
        execute(
            host,
            "printf 'GRUB_CMDLINE_LINUX=\"\\xff\"\\n' | sudo tee -a /etc/default/grub"
            " >/dev/null; sudo update-grub 2>/dev/null; echo $?",
            LIMITS,
        )
        host.reboot()
        got = execute(
            host, "od -c /proc/cmdline | grep -c 377; lsmod | grep -c '^kvm_amd '", LIMITS
        )
    assert got.output == ["1", "1"], got.output


@pytest.mark.parametrize("path", ["/", "/etc/./x.conf", "/etc/../x", "/etc/modprobe.d/"])
def test_row_20_a_config_path_that_names_no_file_is_one_clear_error(path):
    with pytest.raises(SnippetError, match="must name a file"):
        model.config(path, "x")
    with _host() as host:
        seen = observe(host, ConfigFile(path, "x\n", "text"))
    assert isinstance(seen, str) and seen.startswith("cannot write the config file"), seen


def test_row_20_content_that_is_not_utf8_is_one_clear_error():
    with pytest.raises(SnippetError, match="not UTF-8"):
        model.config("/etc/x.conf", "\ud800")
    with _host() as host:
        seen = observe(host, ConfigFile("/etc/x.conf", "\ud800\n", "text"))
        assert isinstance(seen, str) and "cannot write" in seen
        assert execute(host, "echo alive", LIMITS).output == ["alive"]


def test_row_21_chmod_000_root_is_the_snippets_own_business():
    with _within(60), _host() as host:
        got = run_commands(host, ["chmod 000 /; echo done", "echo next"], LIMITS)
        assert got[0].output == ["done"] and len(got) == 2, got
        assert execute(host, "echo second run", LIMITS).output == ["second run"]


def test_row_22_a_planted_link_for_sys_module_is_not_followed():
    with _within(60), _host() as host:
        got = execute(
            host,
            "rm -rf /sys/module && ln -s /etc /sys/module;"
            " sudo modprobe -r kvm_amd; echo $?; cat /etc/hostname",
            LIMITS,
        )
    assert got.output[-2:] == ["0", "fakehost"], got.output


def test_row_64_a_kernel_newer_than_the_data_is_refused(capsys):
    assert main(["enable.check_nested", "--kernel", "99.99"]) == 2
    assert "newer than the newest kernel with data" in capsys.readouterr().err


def test_tmpfs_sizes_are_given_to_bwrap():
    args = sandbox.base().static_args
    tmpfs = [i for i, a in enumerate(args) if a == "--tmpfs"]
    assert tmpfs and all(args[i - 2] == "--size" for i in tmpfs), args


# ------------------------------------------------------------------ session 3 (issue 10 rows)

HOLD = (
    "for i in 1 2 3 4 5 6; do python3 -c 'import time; b = bytearray(120 << 20);"
    ' b[::4096] = b"x" * len(b[::4096]); time.sleep(20)\' & done; wait; echo all held'
)


def test_row_7_the_snippets_total_memory_is_bounded():
    """Six processes of 120 MiB each stay under the per-process limit (256 MiB); their
    sum is stopped by the runner's watch, with one message naming the limit."""
    limits = Limits(seconds=40, output_bytes=1 << 20, memory_bytes=256 << 20, processes=48)
    start = time.monotonic()
    with _within(60), _host() as host:
        with pytest.raises(LimitExceeded, match=r"stopped: memory limit 256 MiB exceeded"):
            execute(host, HOLD, limits)
        assert execute(host, "echo next", limits).output == ["next"]
    assert time.monotonic() - start < 30


def test_row_7_allocating_without_end_is_stopped():
    grow = "python3 -c 'x = []\nwhile True: x.append(bytearray(8 << 20))' 2>&1 | tail -1"
    limits = Limits(seconds=40, output_bytes=1 << 20, memory_bytes=256 << 20, processes=48)
    with _within(60), _host() as host:
        got = execute(host, grow, limits)
    assert got.output == ["MemoryError"], got.output


def test_row_43_a_cpu_limit_kill_is_named(monkeypatch):
    """Review row 43 / session-3 row 5: a snippet killed for its CPU time is reported
    as that limit, naming the snippet, not as a bare status 137."""
    monkeypatch.setattr(run, "LIMITS", Limits(seconds=20, cpu_seconds=2))
    body = Transcript((Command("trap '' INT TERM HUP XCPU; while :; do :; done", ()),))
    with _within(60), _host() as host:
        seen = observe(host, body)
        with pytest.raises(Mismatch) as exc:
            judge(host, body, seen, "snippet hostile.spin[amd] on Linux 6.6")
    assert str(exc.value).startswith(
        "snippet hostile.spin[amd] on Linux 6.6: stopped: CPU time limit 2 s exceeded"
    ), exc.value


def test_row_43_a_cpu_limit_hit_inside_a_command_is_named():
    limits = Limits(seconds=20, cpu_seconds=2)
    with _within(60), _host() as host, pytest.raises(LimitExceeded, match="CPU time limit 2 s"):
        execute(host, "python3 -c 'while True: pass'; echo went on", limits)


def test_row_43_a_kill_by_the_snippet_is_not_a_limit():
    limits = Limits(seconds=20, cpu_seconds=2)
    with _within(60), _host() as host:
        got = run_commands(host, ["kill -9 $$", "kill -XCPU $$", "echo next"], limits)
    assert [(o.output, o.status) for o in got] == [([], 137), ([], 152), (["next"], 0)]


def test_time_and_output_limits_say_stopped(capsys):
    with _within(60), _host() as host:
        with pytest.raises(LimitExceeded, match=r"^stopped: time limit 1 s exceeded"):
            execute(host, "sleep 5", Limits(seconds=1))
        with pytest.raises(LimitExceeded, match=r"^stopped: output limit 1024 bytes exceeded"):
            execute(host, "yes | head -c 5000", Limits(output_bytes=1024))


WRITABLE = ["/", "/root", "/etc", "/etc/modprobe.d", "/tmp", "/run", "/run/fakehost", "/dev",
            "/dev/shm", "/sys/module", "/proc", "/lib", "/lib/modules", "/opt"]  # fmt: skip


def test_row_8_every_writable_place_is_a_small_tmpfs():
    """Session-3 row 2: no place a snippet can write is the runner's disk."""
    script = (
        "mkdir -p /opt; for d in " + " ".join(WRITABLE) + "; do"
        ' if touch "$d/.w" 2>/dev/null; then echo "$d $(stat -f -c %T "$d")"; fi; done;'
        " touch /usr/.w /usr/lib/.w /usr/local/.w 2>&1 | grep -c 'Read-only'"
    )
    with _within(60), _host() as host:
        got = execute(host, script, LIMITS)
    assert got.output[:-1] == [f"{d} tmpfs" for d in WRITABLE], got.output
    assert got.output[-1] == "3"  # /usr/local too (s6 S3)


@pytest.mark.parametrize("where", ["/root", "/tmp", "/dev/shm"])
def test_row_8_many_files_stop_at_the_inode_bound(where):
    with _within(120), _host() as host:
        got = execute(host, f"cd {where} && seq 1 6000 | xargs touch 2>&1 | sort -u | head -1;"
                            " ls | wc -l", LIMITS)  # fmt: skip
        assert "No space left on device" in got.output[0], got.output
        assert int(got.output[1]) <= 4096
        on_disk = sum(1 for _ in host.root.rglob("*"))
    assert on_disk <= 4096


def test_row_8_what_a_run_writes_is_kept_and_bounded_on_disk():
    big = Limits(seconds=30, output_bytes=64 << 20, memory_bytes=1 << 30, processes=48)
    with _within(60), _host() as host:
        execute(host, "mkdir /opt; echo x > /opt/y; head -c 30M /dev/zero > /root/big", big)
        size = (host.root / "root/big").stat().st_size
        assert size < 16 << 20 and (host.root / "opt/y").read_text() == "x\n"
        got = execute(host, "rm /root/big; cat /opt/y; ls /root", LIMITS)
        assert got.output == ["x"] and not (host.root / "root/big").exists()


def test_row_4_what_the_machine_still_shows_and_what_it_no_longer_does():
    """Session-3 row 4, as documented in the sandbox module: CPU count and file
    systems answer for the fake host; /proc/uptime and /proc/meminfo are absent;
    uname(2) and CLOCK_BOOTTIME still give the machine's (no mechanism without root
    hides them)."""
    script = (
        "nproc; getconf _NPROCESSORS_ONLN; stat -f -c '%T %b' / /root /etc;"
        " cat /proc/uptime /proc/meminfo 2>&1; uname -r; uname -m;"
        " python3 -c 'import os, time; u = os.uname();"
        " print(u.nodename, u.release, u.machine);"
        " print(int(time.clock_gettime(time.CLOCK_BOOTTIME)))'"
    )
    with _host() as host:
        got = execute(host, script, LIMITS)
    out = got.output
    if len(os.sched_getaffinity(0)) >= 2:
        assert out[:2] == ["2", "2"], out
    assert out[2:5] == ["tmpfs 4096"] * 3, out
    assert out[5:7] == [
        "cat: /proc/uptime: No such file or directory",
        "cat: /proc/meminfo: No such file or directory",
    ], out
    assert out[7:9] == ["6.6.0-fake-amd64", "x86_64"], out
    real = os.uname()
    assert out[9] == f"fakehost {real.release} {real.machine}", out  # the leak, as documented
    assert abs(int(out[10]) - time.clock_gettime(time.CLOCK_BOOTTIME)) < 30, out


def test_row_9_a_read_only_parameter_written_after_chmod_is_never_kept():
    """Session-3 row 3, NOT fixed (the sandbox module says why): the snippet owns
    the tmpfs files, so ``chmod`` then a write changes what that run reads back; the
    state never takes it, and the next run or module load shows the kernel's value.
    Without the chmod the write fails as on a real kernel (EACCES)."""
    p = "/sys/module/kvm_amd/parameters/nested"
    with _within(60), _host() as host:
        got = run_commands(
            host,
            [f"echo 0 | sudo tee {p}; cat {p}", f"sudo chmod 644 {p} && echo 0 > {p}; cat {p}"],
            LIMITS,
        )
        assert got[0].output == [f"tee: {p}: Permission denied", "0", "1"], got[0]
        assert got[1].output == ["0"], got[1]  # the gap, as documented
        assert execute(host, f"cat {p}", LIMITS).output == ["1"]


def test_sparse_files_and_deep_trees_are_not_kept_and_say_why():
    """Review 2026-12-02: sparse files used no tmpfs space but their whole size on
    disk when kept; 1,100 nested directories broke the copy back half-way."""
    for script, why in (
        ("mkdir /sp; for i in $(seq 200); do truncate -s 200K /sp/f$i; done", "MiB in files"),
        ("for i in $(seq 300); do mkdir d; cd d; done", "nested more than 256 deep"),
    ):
        with _within(120), _host() as host:
            with pytest.raises(LimitExceeded, match=f"^stopped: limit of the host's files.*{why}"):
                execute(host, script, LIMITS)
            assert not (host.root / "sp").exists() and not (host.root / "d").exists()


def test_the_machines_distribution_does_not_show():
    """Review 2026-12-02: /usr/lib/os-release (under the read-only /usr) named the
    machine's distribution."""
    machine = ""
    if os.path.isfile("/usr/lib/os-release"):
        with open("/usr/lib/os-release") as fh:
            machine = next((ln for ln in fh if ln.startswith("PRETTY_NAME=")), "")
    with _within(60), _host() as host:
        got = execute(host, "cat /etc/os-release /usr/lib/os-release", LIMITS)
    assert got.output == sandbox.OS_RELEASE.splitlines() * 2
    assert not machine or machine.strip() not in got.output


STEAL = r"""python3 - <<'EOF'
import ctypes, os, platform, re
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.process_vm_readv.restype = ctypes.c_ssize_t
class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
def why():
    return os.strerror(ctypes.get_errno())
def peek(addr, size):
    buf = ctypes.create_string_buffer(size)
    mine, theirs = Iovec(ctypes.addressof(buf), size), Iovec(addr, size)
    got = libc.process_vm_readv(1, ctypes.byref(mine), 1, ctypes.byref(theirs), 1, 0)
    return buf.raw[:got] if got > 0 else None
seen = b""
for name in ("/proc/1/environ", "/proc/1/mem", "/proc/1/cmdline"):
    try:
        with open(name, "rb") as f:
            seen += f.read(1 << 20)
    except OSError as exc:
        print(name, exc.strerror)
if peek(0x10000, 8) is None:
    print("process_vm_readv:", why())
if libc.ptrace(16, 1, None, None) != 0:  # PTRACE_ATTACH
    print("PTRACE_ATTACH:", why())
else:
    os.waitpid(1, 0x40000000)  # __WALL
    regs = (ctypes.c_uint64 * 64)()
    iov = Iovec(ctypes.addressof(regs), ctypes.sizeof(regs))
    libc.ptrace(0x4204, 1, ctypes.c_void_p(1), ctypes.byref(iov))  # GETREGSET NT_PRSTATUS
    sp = regs[{"x86_64": 19, "aarch64": 31}.get(platform.machine(), 19)] & ~0xFFF
    while (page := peek(sp, 4096)) is not None:  # the stack, up to the environment
        seen += page
        sp += 4096
    libc.ptrace(17, 1, None, None)  # PTRACE_DETACH
marks = set(re.findall(rb"nkg-[0-9a-f]{32}", seen))
for mark in marks:
    print("FORGED")
    print("\n%s E 1 0\n0m0.000s 0m0.000s\n0m0.000s 0m0.000s" % mark.decode())
print("found", len(marks))
EOF
exit 3"""
"""A command that looks for the run's mark in PID 1 (its files under ``/proc``, its
memory through ``process_vm_readv``, its stack through ``PTRACE_ATTACH``) and, with
it, writes an end line saying status 0 before it exits 3."""


def test_a_command_cannot_read_pid_1_to_forge_its_own_status(monkeypatch):
    """PID 1 is non-dumpable: the same uid without capabilities cannot ptrace it or
    read its memory, so the mark stays secret and the real status is recorded."""
    marks = []
    results = sandbox._results

    def spy(said, mark, limits):
        marks.append(mark)
        return results(said, mark, limits)

    monkeypatch.setattr(sandbox, "_results", spy)
    with _within(60), _host() as host:
        got = run_commands(host, [STEAL, "echo next"], LIMITS)
    assert [(o.status, o.output[-1:]) for o in got] == [(3, ["found 0"]), (0, ["next"])], got
    text = "\n".join(got[0].output)
    assert "PTRACE_ATTACH: Operation not permitted" in text, text
    assert "process_vm_readv: Operation not permitted" in text, text
    assert len(marks) == 1 and marks[0] not in text and "FORGED" not in text, text
