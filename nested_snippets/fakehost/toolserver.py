"""Serve the fake tools from one warm process instead of starting Python per call.

The runner starts this server once per test process (``python -m
nested_snippets.fakehost.toolserver`` prints its port and serves on 127.0.0.1 only).
The tools in the runner's shared ``bin`` are then small bash clients (see
:data:`CLIENT`): they send the tool name, the host, ``sudo`` and the arguments over
a loopback socket, and the server forks a child that runs the same
:func:`nested_snippets.fakehost.tools.run` a standalone launcher runs.  Each call
still gets its own process (the fork), and a tool costs a few milliseconds instead
of a Python start-up.

Protocol: the request is NUL-terminated fields: name, FAKEHOST, FAKEHOST_SUDO, argc,
then argc arguments.  The reply is a line ``STATUS OUTLEN ERRLEN`` followed by the
stdout and stderr bytes.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import sys

CLIENT = r"""#!/bin/bash
# A fake tool: forwards its call to the runner's tool server (toolserver.py).
LC_ALL=C
exec 3<>"/dev/tcp/127.0.0.1/${FAKEHOST_TOOLPORT:?no tool server}" || exit 70
printf '%s\0' "${0##*/}" "$FAKEHOST" "${FAKEHOST_SUDO:-}" "$#" "$@" >&3
IFS=' ' read -r status outlen errlen <&3 || exit 70
if [ "$outlen" -gt 0 ]; then IFS= read -r -d '' -N "$outlen" out <&3; printf '%s' "$out"; fi
if [ "$errlen" -gt 0 ]; then IFS= read -r -d '' -N "$errlen" err <&3; printf '%s' "$err" >&2; fi
exit "$status"
"""


def _read_request(conn: socket.socket) -> list[str]:
    data = b""
    fields: list[bytes] = []
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("request ended early")
        data += chunk
        fields = data.split(b"\0")
        if len(fields) > 4:
            argc = int(fields[3])
            if len(fields) > 4 + argc:
                return [f.decode() for f in fields[: 4 + argc]]


def _serve_one(conn: socket.socket) -> None:
    from nested_snippets.fakehost import tools

    fields = _read_request(conn)
    name, home, sudo, _argc, *args = fields
    try:
        status, out, err = tools.run(name, args, home, sudo == "1")
    except Exception as exc:  # a bug in a fake tool: report it, as a crash would
        status, out, err = 70, "", f"fake {name}: internal error: {exc!r}\n"
    body_out, body_err = out.encode(), err.encode()
    conn.sendall(f"{status} {len(body_out)} {len(body_err)}\n".encode() + body_out + body_err)


def serve() -> None:
    from nested_snippets.fakehost import tools  # noqa: F401  (warm: imported before forking)

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(listener.getsockname()[1], flush=True)
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1):
            return  # the runner that started us has gone: stop serving
        if listener not in ready:
            continue
        conn, _addr = listener.accept()
        if os.fork() == 0:
            listener.close()
            try:
                _serve_one(conn)
            finally:
                conn.close()
                os._exit(0)
        conn.close()


if __name__ == "__main__":
    sys.exit(serve())
