"""The tool server under hostile calls (nested_snippets/fakehost/toolserver.py): each
limit gives the snippet one message naming it, and other sandboxes go on unaffected."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner.run import execute, fake_host
from nested_snippets.runner.sandbox import Limits

LIMITS = Limits(seconds=40, output_bytes=1 << 20, memory_bytes=1 << 30, processes=48)
HOLD = (
    "for i in $(seq 40); do exec {fd}<>/dev/tcp/127.0.0.1/4242 || echo \"conn $i failed\"; done; "
    'echo "held $EPOCHREALTIME"; lsmod | head -1; echo "status ${PIPESTATUS[0]}"'
)
"""40 idle connections to the sandbox's tool server, then a call of its own."""
BUSY = (
    "lsmod: the fake host's tool server runs at most 8 calls of a sandbox at once "
    "(MAX_CALLS), and that many are still open: this call was refused"
)


def _run(command: str) -> tuple[list[str], float]:
    start = time.monotonic()
    with fake_host(Scenario(arch="amd", kernel="6.6")) as host:
        got = execute(host, command, LIMITS)
    assert got.status == 0, got
    return got.output, time.monotonic() - start


def test_more_than_ten_thousand_arguments_is_one_message():
    out, took = _run('lsmod $(seq 10001) | head -3; echo "status ${PIPESTATUS[0]}"')
    assert out == [
        "lsmod: the fake host's tool server takes at most 10000 arguments in one call "
        "(MAX_ARGS); this call has 10001",
        "status 70",
    ]
    assert took < 20


def test_arguments_over_the_request_size_are_one_message():
    big = 'modinfo $(seq 100000 109999 | sed "s/$/$(printf %0100d 0)/"); echo "status $?"'
    out, _took = _run(big)
    assert out == [
        "modinfo: the fake host's tool server takes at most 1044480 bytes of arguments in "
        "one call (MAX_REQUEST); this call has 1070000",
        "status 70",
    ]


def test_a_raw_request_over_a_limit_is_answered_not_dropped():
    raw = ('exec 3<>/dev/tcp/127.0.0.1/4242; read -r hello <&3; echo "$hello"; '
           'printf "lsmod\\0\\0999999\\0" >&3; cat <&3')  # fmt: skip
    out, _took = _run(raw)
    assert out == [
        "ok", "70 0 98",
        "the fake host's tool server refused the call: bad argument count 999999 (at most "
        "10000: MAX_ARGS)",
    ]  # fmt: skip


def test_idle_connections_make_the_snippets_own_call_fail_by_name():
    out, took = _run(HOLD)
    assert [line for line in out if not line.startswith("held")] == [BUSY, "status 70"], out
    assert took < 30


def test_the_next_sandbox_of_the_same_server_is_served():
    _run(HOLD)
    out, took = _run("lsmod | head -1")
    assert out == ["Module                  Size  Used by"]
    assert took < 5


def test_a_concurrent_sandbox_is_unaffected(tmp_path: Path):
    """The hostile run happens in another test process (as under xdist: another
    runner, another tool server) and holds its connections for 6 s; runs here meanwhile
    answer as always."""
    hostile = tmp_path / "hostile.py"
    hostile.write_text(textwrap.dedent(f"""\
        from nested_snippets.fakehost.host import Scenario
        from nested_snippets.runner.run import execute, fake_host
        from nested_snippets.runner.sandbox import Limits
        with fake_host(Scenario(arch="amd", kernel="6.6")) as host:
            got = execute(host, {HOLD + '; sleep 6; echo "freed $EPOCHREALTIME"'!r},
                          Limits(seconds=40))
        print("\\n".join(got.output))
        """))  # fmt: skip
    proc = subprocess.Popen([sys.executable, str(hostile)], stdout=subprocess.PIPE, text=True)
    seen = []
    try:
        end = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < end:
            out, took = _run('echo "at $EPOCHREALTIME"; lsmod | head -1; modinfo -F vermagic kvm')
            seen.append((float(out[0].split()[1]), took))
            assert out[1:] == ["Module                  Size  Used by",
                               "6.6.0-fake-amd64 SMP mod_unload"], out  # fmt: skip
            assert took < 5, took
    finally:
        said, _ = proc.communicate(timeout=60)
    lines = said.splitlines()
    held = float(next(x for x in lines if x.startswith("held")).split()[1])
    freed = float(next(x for x in lines if x.startswith("freed")).split()[1])
    assert BUSY in lines, lines
    assert any(held <= at <= freed for at, _took in seen), (held, freed, seen)
