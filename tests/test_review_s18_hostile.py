"""Adversarial review of session 18 (attack18): hostile snippets against the sandbox
that earlier reviews did not try.  Each asserts containment: the real host's name never
appears, sentinel files outside stay absent, no traceback, no process left running,
and the next command of the sandbox (or the next run) still answers; where the snippet
reads a tree, whatever a traced record then vouches for names the file read (or
vouches for nothing)."""

from __future__ import annotations

import os

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.model import Given
from nested_snippets.runner import run, sandbox, shared
from nested_snippets.runner.sandbox import LimitExceeded, Limits
from tests import hostile

LIMITS = Limits(seconds=20, output_bytes=256 * 1024, memory_bytes=1 << 30, processes=64)
needs_strace = pytest.mark.skipif(not sandbox.can_trace(), reason="strace cannot trace here")
MARK = f"73918{os.getpid()}"
"""In the argv of every process a snippet tries to leave running (``sleep MARK``); one
for each test process: with ``-n 2`` a test saw the processes another worker's test
had left running in its sandbox meanwhile, and failed (review s21)."""
SENTINEL = f"/tmp/.nkg-s18-escape-{MARK}"
"""A path of the machine's /tmp that a snippet writes to as its own /tmp."""
PARAM = "/sys/module/kvm_intel/parameters/nested"


def _left() -> list[str]:
    """Processes of the machine whose argv holds :data:`MARK`."""
    return hostile.processes_left(MARK)


def _py(code: str) -> str:
    """A command that writes ``code`` to /tmp/h.py and runs it."""
    return hostile.python_command(code)


def _contained(commands: list[str], trace: bool = False, kernel: str = "6.6",
               given: Given | None = None) -> list[run.Outcome]:  # fmt: skip
    """Run ``commands`` then ``echo next``, ``lsmod | head -1`` in one sandbox of a fresh
    host and check what every hostile snippet must leave as it was."""
    assert not os.path.lexists(SENTINEL)
    with run.fake_host(Scenario("intel", kernel, given or Given())) as host:
        got = run.run_commands(host, [*commands, "echo next", "lsmod | head -1"], LIMITS,
                               keep_writes=True, trace=trace)  # fmt: skip
        again = run.execute(host, "echo again; cat " + PARAM)
    hostile.assert_contained(got, again, SENTINEL, MARK)
    return got[:-2]


def _vouches_for(outcome: run.Outcome, path: str) -> bool:
    """Whether the traced record vouches for nothing or names ``path``."""
    read = shared.read_paths([outcome.trace.decode()], "6.6.0-fake-amd64")
    return read is None or path in read[0]


def test_io_uring_and_its_other_abis_are_refused():
    """io_uring_setup: EPERM; the same call by the i386 ABI (``int 0x80``) and the x32
    ABI: ENOSYS, neither reaching the kernel's io_uring."""
    code = """
        import ctypes, mmap
        libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long
        params = ctypes.create_string_buffer(120)
        r = libc.syscall(425, 8, params); print("native", r, ctypes.get_errno())
        r = libc.syscall(0x40000000 | 425, 8, params); print("x32", r, ctypes.get_errno())
        m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        m.write(bytes.fromhex("b8a9010000" "31db" "31c9" "cd80" "c3"))
        f = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(m)))
        print("i386", f())
    """
    out = _contained([_py(code)])[0].output
    assert out == ["native -1 1", "x32 -1 38", "i386 -38"], out


@needs_strace
def test_openat2_with_resolve_flags_names_what_it_opened():
    """openat2 (437, below the filter's cut) with RESOLVE_* flags: from AT_FDCWD the
    record names the path, so sharing compares it; from a directory descriptor of a
    tree the record vouches for nothing."""
    code = f"""
        import ctypes, os, struct
        libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long
        def o2(dirfd, path, resolve):
            how = struct.pack("=QQQ", os.O_RDONLY, 0, resolve)
            fd = libc.syscall(437, dirfd, path.encode(), how, len(how))
            if fd < 0: return "err%d" % ctypes.get_errno()
            return os.read(fd, 10).decode().strip()
        print(o2(-100, "{PARAM}", 0x10 | 0x02))  # RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS
        d = os.open("/sys/module/kvm_intel/parameters", os.O_RDONLY | os.O_DIRECTORY)
        print(o2(d, "nested", 0x08))  # RESOLVE_BENEATH
        print(o2(d, "../parameters/nested", 0x08))  # ".." beneath the dirfd: EXDEV
    """
    got = _contained([_py(code)], trace=True)[0]
    # RESOLVE_IN_ROOT from AT_FDCWD: the root is the working directory (/tmp/...: ENOENT)
    assert got.output == ["err2", "Y", "err18"], got.output
    assert shared.read_paths([got.trace.decode()], "6.6.0-fake-amd64") is None


@needs_strace
def test_openat2_from_the_working_directory_is_in_the_record():
    code = f"""
        import ctypes, os, struct
        libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long
        how = struct.pack("=QQQ", os.O_RDONLY, 0, 0x04)  # RESOLVE_NO_SYMLINKS
        fd = libc.syscall(437, -100, b"{PARAM}", how, len(how))
        print(os.read(fd, 10).decode().strip())
    """
    got = _contained([_py(code)], trace=True)[0]
    assert got.output == ["Y"] and _vouches_for(got, PARAM), got


def test_file_handles_are_refused_even_for_tree_files():
    code = f"""
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long
        h = ctypes.create_string_buffer(128); ctypes.memmove(h, (128).to_bytes(4, "little"), 4)
        mnt = ctypes.c_int()
        print(libc.syscall(303, -100, b"{PARAM}", h, ctypes.byref(mnt), 0), ctypes.get_errno())
        print(libc.syscall(304, -100, h, 0), ctypes.get_errno())
    """
    assert _contained([_py(code)])[0].output == ["-1 1", "-1 1"]


@needs_strace
def test_a_script_executed_from_a_memfd_by_execveat_is_followed():
    """memfd_create + execveat(AT_EMPTY_PATH) of a script that reads a parameter: it runs
    (the interpreter is looked up by name), and the record names the file read."""
    code = f"""
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long
        script = os.memfd_create("x", 0)
        os.write(script, b"#!/bin/sh\\ncat {PARAM}\\n")
        elf = os.memfd_create("cat", 0)
        os.write(elf, open("/usr/bin/cat", "rb").read())
        envp = (ctypes.c_char_p * 1)(None)
        if os.fork() == 0:  # a script by descriptor: the kernel names it to sh by its fd
            argv = (ctypes.c_char_p * 2)(b"x", None)
            libc.syscall(322, script, b"", argv, envp, 0x1000); os._exit(9)
        os.wait()
        argv = (ctypes.c_char_p * 3)(b"cat", b"{PARAM}", None)
        libc.syscall(322, elf, b"", argv, envp, 0x1000)
        print("execveat failed", ctypes.get_errno())
    """
    got = _contained([_py(code) + " 2>&1 | sed 's/.*: //'"], trace=True)[0]
    assert got.output == ["No such file", "Y"], got.output
    assert _vouches_for(got, PARAM), got.trace.decode()[-2000:]


@needs_strace
def test_a_descriptor_of_a_tree_directory_reached_through_dev_fd():
    """``/dev/fd/3/nested`` with 3 opened on a parameters directory: the fake /proc
    has no ``self``, so it fails; the record names the directory."""
    got = _contained(
        [
            "exec 3</sys/module/kvm_intel/parameters; d=/de; "
            "cat ${d}v/fd/3/nested 2>&1 | sed 's/.*: //'"
        ],
        trace=True,
    )[0]
    assert got.output == ["No such file or directory"], got.output


def test_mount_api_and_userfaultfd_from_a_new_user_namespace_are_refused():
    """``unshare -Urm`` gives a fresh user namespace with every capability in it; the
    filter still refuses fsopen, fsmount, mount and userfaultfd there."""
    code = """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long
        print(libc.syscall(430, b"tmpfs", 0), ctypes.get_errno())
        print(libc.syscall(165, b"none", b"/tmp", b"tmpfs", 0, None), ctypes.get_errno())
        print(libc.syscall(323, 0), ctypes.get_errno())
    """
    got = _contained(["unshare -Urm true 2>&1 | sed 's/.*: //'", _py(code)])
    assert got[0].output == ["No space left on device"], got[0]  # no user namespace to make
    assert got[1].output == ["-1 1", "-1 1", "-1 1"], got[1]


def test_ptrace_of_a_sibling_and_a_nested_strace_are_refused():
    got = _contained([
        f"sleep {MARK} & p=$!; python3 -c 'import ctypes,sys; l=ctypes.CDLL(None,use_errno=True);"
        " print(l.ptrace(16, int(sys.argv[1]), 0, 0), ctypes.get_errno())' $p; kill $p",
        "strace -o /dev/null -p 1 2>&1 | head -1",
    ])  # fmt: skip
    assert got[0].output == ["-1 1"], got[0]
    assert got[1].output and "Operation not permitted" in got[1].output[0], got[1]


@pytest.mark.parametrize(
    "leave",
    [
        f"(trap '' HUP TERM INT; exec -a keep{MARK} sleep {MARK}) & disown",
        f"setsid -f sh -c 'trap \"\" TERM HUP; sleep {MARK}'",
        f"unshare -Urpf --mount-proc=/tmp sh -c 'sleep {MARK}' 2>/dev/null & disown; true",
        f"python3 -c 'import os,ctypes; ctypes.CDLL(None).prctl(36,1); "
        f'os.fork() or (os.fork() or os.execvp("sleep", ["sleep", "{MARK}"]))\'',
    ],
    ids=["disowned", "setsid", "own-pidns", "subreaper"],
)
def test_a_process_left_running_is_gone_by_the_next_command(leave):
    got = _contained([f"{leave}; echo $! > /tmp/p; echo left",
                      f"sleep 0.2; ps 2>/dev/null | grep -c {MARK}; echo checked"])  # fmt: skip
    assert got[0].output[-1:] == ["left"], got[0]
    assert got[1].output[-1] == "checked", got[1]


@needs_strace
def test_writing_to_where_the_record_goes_reaches_nothing():
    """Every descriptor a traced command holds and every FIFO under /run, /tmp, /dev:
    nothing the snippet writes there shows in its record."""
    forged = "1 +++ exited with 0 +++"
    cmd = (
        "for f in /run/* /run/*/* /tmp/* /dev/* /dev/shm/*; do "
        f'[ -p "$f" ] && echo \'{forged}\' > "$f" 2>/dev/null; done; '
        f"for n in $(seq 3 1023); do echo '{forged}' >&$n; done 2>/dev/null; "
        f"cat {PARAM}"
    )
    got = _contained([cmd], trace=True)[0]
    assert got.output[-1] == "Y", got  # (fd 10: bash's saved stderr, the output)
    lines = got.trace.decode().splitlines()
    assert forged not in lines and not any(x.startswith("1 ") for x in lines), lines[-5:]
    assert _vouches_for(got, PARAM)


def test_signals_to_pid_1_change_nothing():
    got = _contained([
        "for s in HUP INT QUIT USR1 USR2 PIPE ALRM TERM CHLD CONT TSTP TTIN TTOU URG XCPU "
        "XFSZ VTALRM PROF WINCH IO PWR SYS STOP; do kill -s $s 1 2>&1; done; echo sent",
        "kill -SEGV 1; kill -KILL 1; kill -ABRT 1; echo still",
    ])  # fmt: skip
    assert got[0].output == ["sent"], got[0]
    assert got[1].output == ["still"], got[1]


def test_huge_argv_and_environment():
    big = 'python3 -c \'import os; os.execvpe("true", ["t"] + ["x" * 131000] * 40, {})\' 2>&1'
    env = 'export E=$(head -c 120000 /dev/zero | tr "\\0" x); /bin/true; echo ${#E}'
    tool = "lsmod $(seq 5000) 2>&1 | head -1 | cut -c1-12; uname $(seq 200000) 2>&1 | wc -l"
    got = _contained([big, env, tool])
    assert got[0].output and "Argument list too long" in got[0].output[-1], got[0]
    assert got[1].output == ["120000"], got[1]
    # lsmod takes no arguments (usage line, cut); uname's 200,000 words: one message line
    assert got[2].output == ["fake lsmod: ", "1"], got[2]


def test_deep_directories_in_tmp_and_in_the_kept_root():
    """3000 levels in /tmp (not kept) and 256 in /root (kept: the copy back and the
    next run's copy in walk them by descriptor); 300 levels in /root stop the run with
    a limit, not a traceback."""
    deep = (
        "python3 -c 'import os,sys; os.chdir(sys.argv[2]);\n"
        "for i in range(int(sys.argv[1])): os.mkdir(sys.argv[3]); os.chdir(sys.argv[3])\n"
        'print("made")\' $1 $2 ${3:-x}'
    )
    got = _contained([f"set -- 3000 /tmp; {deep}", f"set -- 255 /root; {deep}"])
    assert [o.output for o in got] == [["made"], ["made"]]
    with run.fake_host(Scenario("intel", "6.6", Given())) as host:
        run.execute(host, f"set -- 255 /root; {deep}")
        count = "cd /root; n=0; while cd x 2>/dev/null; do n=$((n+1)); done; echo $n"
        again = run.execute(host, count)
        assert again.output == ["255"], again
        with pytest.raises(LimitExceeded):
            run.execute(host, f"set -- 300 /root y; {deep}")
        assert run.execute(host, "echo ok").output == ["ok"]


def test_filling_every_tmpfs_leaves_the_next_command_working():
    fill = (
        "for d in /tmp /dev/shm /run /root /sys/module /proc /dev; do i=0; "
        "while head -c 200000 /dev/zero > $d/f$i 2>/dev/null && [ $i -lt 400 ]; do "
        "i=$((i+1)); done; done; echo full"
    )
    free = "rm -rf " + " ".join(f"{d}/f[0-9]*" for d in ("/tmp", "/dev/shm", "/run", "/sys/module",
                                                        "/proc", "/dev", "/root"))  # fmt: skip
    got = _contained([fill, f"{free}; echo freed"])
    assert [o.output for o in got] == [["full"], ["freed"]]


def test_symlink_loops_under_sys_and_in_place_of_parameters():
    got = _contained([
        "cd /sys/module; ln -s a b; ln -s b a; ln -s . self; ln -s self/self/self loop; "
        "cat a 2>&1 | sed 's/.*: //'",
        "chmod u+w kvm_intel/parameters 2>/dev/null; cd kvm_intel/parameters 2>/dev/null && "
        "rm -f nested && ln -s nested nested; cat /sys/module/kvm_intel/parameters/nested 2>&1"
        " | sed 's/.*: //'",
    ])  # fmt: skip
    assert got[0].output == ["Too many levels of symbolic links"], got[0]


@needs_strace
def test_renameat2_exchange_of_two_parameter_files_vouches_for_nothing():
    code = """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long
        d = b"/sys/module/kvm/parameters/"
        os.chmod(d, 0o755)
        r = libc.syscall(316, -100, d + b"tdp_mmu", -100, d + b"enable_pmu", 2)
        print(r, open(d + b"tdp_mmu").read().strip())
    """
    got = _contained([_py(code)], trace=True)[0]
    assert shared.read_paths([got.trace.decode()], "6.6.0-fake-amd64") is None, got


def test_a_lease_on_a_parameter_file_does_not_hang_the_tool_server():
    """A write lease on a writable parameter: the tool server's harvest opens it for
    reading, which breaks the lease (up to lease-break-time); the call still answers
    within the run's limit, or the run stops with a limit."""
    code = """
        import fcntl, os, signal, subprocess, sys
        signal.signal(signal.SIGIO, signal.SIG_IGN)
        fd = os.open("/sys/module/kvm/parameters/halt_poll_ns", os.O_RDONLY)
        try:
            fcntl.fcntl(fd, 1024, fcntl.F_WRLCK)  # F_SETLEASE
            print("lease")
        except OSError as e:
            print("no lease", e.errno)
        sys.stdout.flush()
        print(subprocess.run(["lsmod"], capture_output=True, timeout=15).returncode)
    """
    try:
        got = _contained([_py(code)])[0]
    except LimitExceeded:
        return
    assert got.output[-1] == "0", got


def test_inotify_on_a_tree_during_a_tool_call_shows_no_machine_path():
    code = """
        import ctypes, os, struct, subprocess
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.inotify_init1(os.O_NONBLOCK)
        for d in (b"/sys/module", b"/sys/module/kvm/parameters", b"/proc", b"/"):
            libc.inotify_add_watch(fd, d, 0xFFF)
        subprocess.run(["sudo", "modprobe", "-r", "kvm_intel"])
        subprocess.run(["sudo", "modprobe", "kvm_intel"])
        names = set()
        try:
            data = os.read(fd, 1 << 16)
        except BlockingIOError:
            data = b""
        while data:
            wd, mask, cookie, n = struct.unpack_from("iIII", data)
            names.add(data[16:16 + n].rstrip(b"\\0").decode())
            data = data[16 + n:]
        print(len(names) > 0, sorted(x for x in names if x.startswith(("/", "."))))
    """
    got = _contained([_py(code)])[0]
    assert got.output == ["True []"], got


def test_tiocsti_and_the_controlling_terminal():
    code = """
        import fcntl, os, termios
        for fd in (0, 1, 2):
            try:
                fcntl.ioctl(fd, termios.TIOCSTI, b"x"); print(fd, "injected")
            except OSError as e:
                print(fd, e.errno)
        try:
            os.open("/dev/tty", os.O_RDWR); print("tty")
        except OSError as e:
            print("tty", e.errno)
    """
    out = _contained([_py(code)])[0].output
    assert not any("injected" in line for line in out) and "tty" not in out, out


def test_o_tmpfile_linked_into_a_parameters_directory():
    code = """
        import os
        d = "/sys/module/kvm/parameters"
        os.chmod(d, 0o755)
        fd = os.open(d, os.O_TMPFILE | os.O_WRONLY, 0o644)
        os.write(fd, b"666\\n")
        os.link(f"/proc/self/fd/{fd}", d + "/halt_poll_ns.new")
    """
    got = _contained([_py(code) + " 2>&1 | tail -1", "ls /sys/module/kvm/parameters | grep -c new"])
    assert got[1].output == ["0"], got


def test_a_forking_chain_does_not_outrun_the_end_of_its_command():
    """A chain of processes, each forking the next and exiting (a new PID each time,
    so a single pass of ``kill -1`` may miss the newest) and appending to a file: the
    file stops growing once the command ends."""
    got = _contained([
        "f() { echo $BASHPID >> /tmp/c; sleep 0.01; f & }; f & sleep 1; echo started",
        "a=$(wc -l < /tmp/c); sleep 1; b=$(wc -l < /tmp/c); [ $a = $b ] && echo stopped",
    ])  # fmt: skip
    assert [o.output for o in got] == [["started"], ["stopped"]], got
