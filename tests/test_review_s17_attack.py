"""Adversarial review of session 17 (attack17): reproductions, each a strict xfail that
a fix turns into an XPASS.

1. A snippet's own seccomp filter answering ``openat`` with ``SECCOMP_RET_USER_NOTIF``
   (which takes precedence over strace's ``SECCOMP_RET_TRACE``) and a supervisor
   thread answering ``SECCOMP_USER_NOTIF_FLAG_CONTINUE`` opens a tree file that the
   record does not show; the record still vouches.
2. Renaming a tree directory (``mv /sys/module/kvm/parameters /sys/p``) and reading
   files below the new name: the record names the directory (compared by its listing
   only) and paths absent from every built host, not the files whose content was
   read; 5.14 and 5.15 look the same through it and print different values.
3. In a run stopped by a limit the runner detaches (harvest and copy back) while the
   snippet's processes still run (bwrap is killed; PID 1 dies later, by
   ``--die-with-parent``): files grown after :func:`rootcopy.measure` are copied
   whole, past ``MAX_BYTES`` and past what the host's next ``/`` can hold.
"""

from __future__ import annotations

import os

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import sandbox, shared
from nested_snippets.runner.run import fake_host, run_commands
from nested_snippets.runner.sandbox import LimitExceeded, Limits

LIMITS = Limits(seconds=30, output_bytes=256 * 1024, memory_bytes=1 << 30, processes=48)
needs_strace = pytest.mark.skipif(not sandbox.can_trace(), reason="strace is not installed")

NOTIFY = r'''
import ctypes, os, struct, threading, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def insn(code, k, jt=0, jf=0): return struct.pack("=HBBI", code, jt, jf, k)
nr = 257 if os.uname().machine == "x86_64" else 56
code = b"".join([insn(0x20, 0), insn(0x15, nr, 0, 1), insn(0x06, 0x7fc00000),
                 insn(0x06, 0x7fff0000)])
buf = ctypes.create_string_buffer(code)
class Prog(ctypes.Structure): _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
prog = Prog(4, ctypes.addressof(buf))
path = bytes.fromhex(sys.argv[1])
box, res, ready = [], [], threading.Event()
def supervise():
    ready.wait()
    req = ctypes.create_string_buffer(80); rsp = ctypes.create_string_buffer(24)
    while box:
        ctypes.memset(req, 0, 80)
        if libc.ioctl(box[0], ctypes.c_ulong(0xC0502100), req) != 0: return
        struct.pack_into("=QqiI", rsp, 0, struct.unpack_from("=Q", req.raw)[0], 0, 0, 1)
        libc.ioctl(box[0], ctypes.c_ulong(0xC0182101), rsp)
def work():
    fd = libc.syscall(317, 1, 8, ctypes.byref(prog))  # SECCOMP_FILTER_FLAG_NEW_LISTENER
    if fd >= 0: box.append(fd)
    ready.set()
    if fd < 0: return res.append("no filter")
    os.stat("/tmp"); os.stat("/tmp")  # strace is in PTRACE_CONT mode after these
    res.append(os.read(os.open(path, os.O_RDONLY), 100).decode().strip())
threading.Thread(target=supervise, daemon=True).start()
t = threading.Thread(target=work); t.start(); t.join()
print("read", res[0]); sys.stdout.flush(); os._exit(0)
'''


@needs_strace
def test_user_notif_filter_hides_an_open_from_the_record():
    target = "/sys/module/kvm_intel/parameters/nested"
    cmd = f"cat > /tmp/n.py <<'EOF'\n{NOTIFY}EOF\npython3 /tmp/n.py {target.encode().hex()}"
    with fake_host(Scenario("intel", "6.6")) as host:
        got = run_commands(host, [cmd], LIMITS, keep_writes=False, trace=True)[0]
        release = host.built.release
    # the sandbox's filter refuses a listener (seccomp.py), so no supervisor can let
    # the open through unseen; were it read, the record would have to name it
    assert got.output == ["read no filter"], got
    read = shared.read_paths([got.trace.decode()], release)
    assert read is None or target in read[0] or got.output != ["read Y"], read


@needs_strace
def test_renamed_tree_directory_hides_what_was_read():
    """attack17 #2: ``mv`` of a tree directory, then a read through the new name, which
    no built host has: the record vouched for it, and 5.14 (N) and 5.15 (Y) looked the
    same.  A record that moves or links a tree path now vouches for nothing."""
    cmd = (
        "chmod u+w /sys/module/kvm/parameters; mv /sys/module/kvm/parameters /sys/p; "
        "cat /sys/p/tdp_mmu"
    )
    for kernel, value in (("5.14", "N"), ("5.15", "Y")):  # the same parameter names
        with fake_host(Scenario("intel", kernel)) as host:
            got = run_commands(host, [cmd], LIMITS, keep_writes=False, trace=True)[0]
            release = host.built.release
        assert got.output == [value], got
        assert shared.read_paths([got.trace.decode()], release) is None, got.trace
    for moving in ("ln /sys/module/kvm/parameters/tdp_mmu /tmp/t; cat /tmp/t",
                   "mv /sys/module/kvm /sys/k 2>/dev/null; cat /sys/k/parameters/tdp_mmu"):
        with fake_host(Scenario("intel", "5.15")) as host:
            got = run_commands(host, [moving], LIMITS, keep_writes=False, trace=True)[0]
            release = host.built.release
        assert shared.read_paths([got.trace.decode()], release) is None, (moving, got)
    with fake_host(Scenario("intel", "5.15")) as host:  # moving files outside the trees
        got = run_commands(host, ["echo a > /tmp/a; mv /tmp/a /tmp/b; ln /tmp/b /tmp/c"],
                           LIMITS, keep_writes=False, trace=True)[0]  # fmt: skip
        release = host.built.release
    assert shared.read_paths([got.trace.decode()], release) is not None, got


def _members(ns: str) -> list[str]:
    """The processes of the PID namespace ``ns`` (a ``/proc/PID/ns/pid`` link)."""
    found = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if os.readlink(f"/proc/{p}/ns/pid") == ns:
                    found.append(p)
            except OSError:
                continue
    return found


def test_a_stopped_run_is_detached_after_its_processes_end(monkeypatch):
    """Stopped by a limit, the runner kills bubblewrap, whose PID 1 dies later
    (``--die-with-parent``): the detach (harvest, :func:`rootcopy.copy_out`) then ran
    while the snippet's processes still ran.  Seen 2026-12-04: files measured small and
    grown (sparse) before the copy reached them kept 50 MiB on disk (MAX_BYTES 32 MiB;
    the host's next sandbox failed: "No space left on device")."""
    alive: list[list[str]] = []
    detach = sandbox._detach

    def spy(server, pid, keep):
        try:
            ns = os.readlink(f"/proc/{pid}/ns/pid")
        except OSError:
            ns = ""
        alive.append(_members(ns) if ns else [])
        return detach(server, pid, keep)

    monkeypatch.setattr(sandbox, "_detach", spy)
    cmd = "for i in 1 2 3 4; do (while :; do :; done) & done; sleep 0.2; yes | head -c 10000000"
    with fake_host(Scenario("intel", "6.6")) as host, pytest.raises(LimitExceeded):
        run_commands(host, [cmd], LIMITS)
    assert alive == [[]], f"the sandbox's processes {alive} ran while it was detached"

LOADER = r"""cat > /tmp/e.c <<'EOF'
static const char m[] = "not bash: planted loader\n";
void _start(void) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(1), "D"(1), "S"(m), "d"(sizeof m - 1)
                     : "rcx", "r11", "memory");
    __asm__ volatile("syscall" :: "a"(231), "D"(0));
    for (;;) ;
}
EOF
gcc -static -nostdlib -O2 -o /tmp/ld /tmp/e.c && python3 -c '
import os, shutil
os.unlink("/lib64"); os.mkdir("/lib64")
shutil.copy("/tmp/ld", "/lib64/ld-linux-x86-64.so.2")'
"""


@pytest.mark.skipif(
    os.uname().machine != "x86_64" or not os.path.exists("/usr/bin/gcc"),
    reason="x86_64 with gcc only",
)
def test_a_later_command_is_run_by_the_machines_bash():
    """PID 1 starts ``/usr/bin/bash`` by its path, but the kernel loads bash's
    interpreter ``/lib64/ld-linux-x86-64.so.2`` through ``/lib64``, a link on the
    snippet's writable ``/``: an earlier command replaces it and the later command is
    run by the snippet's program."""
    with fake_host(Scenario("intel", "6.6")) as host:
        got = run_commands(host, [LOADER, "echo bash ran"], LIMITS, keep_writes=False)
    assert got[1].output == ["bash ran"], got[1]
