"""A tool call made by ``sendto(MSG_FASTOPEN)`` instead of ``connect`` (review 13,
2026-12-03): the run's count of tool calls (``connect`` lines of its trace) misses it,
so such a run could be vouched for while one of its calls has no record of reads."""

from __future__ import annotations

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import sandbox, shared
from nested_snippets.runner.run import fake_host
from tests.test_review_s10_trace import LIMITS

FASTOPEN = (
    "python3 -S -c 'import socket\n"
    "s = socket.socket()\n"
    's.sendto(b"", socket.MSG_FASTOPEN, ("127.0.0.1", 4242))\n'
    "print(s.recv(3).decode().strip())'"
)


@pytest.mark.skipif(not sandbox.can_trace(), reason="strace is not installed")
def test_a_fast_open_connection_vouches_for_nothing():
    with fake_host(Scenario(arch="intel", kernel="6.12")) as host:
        got = sandbox.run(host.home, [FASTOPEN], LIMITS, trace=True)[0]
    trace = got.trace.decode("utf-8", "replace")
    assert got.output.decode().split() == ["ok"], got  # the worker answered it
    assert "MSG_FASTOPEN" in trace
    assert shared.read_paths([trace], "R") is None


def test_a_fast_open_line_vouches_for_nothing():
    start = '5 execve("/usr/bin/bash", ["bash", "-c", "..."], 0x0 /* 9 vars */) = 0\n'
    line = (
        '5 sendto(3, "", 0, MSG_FASTOPEN, {sa_family=AF_INET, sin_port=htons(4242), '
        'sin_addr=inet_addr("127.0.0.1")}, 16) = 0\n'
    )
    assert shared.read_paths([start + line + "5 +++ exited with 0 +++\n"], "R") is None
