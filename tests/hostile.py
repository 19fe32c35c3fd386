"""What the hostile-snippet reviews (sessions 18 and 21) share: the processes a snippet
left running on the machine, what a contained run must leave, and a Python program as
one shell command."""

from __future__ import annotations

import os
import socket
import textwrap


def processes_left(mark: str) -> list[str]:
    """Processes of the machine whose argv holds ``mark`` (read-only /proc), pytest's
    own left out."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read()
            except OSError:
                continue
            if mark.encode() in argv and b"pytest" not in argv:
                found.append(pid)
    return found


def python_command(code: str, tail: str = "") -> str:
    """A command that writes ``code`` to /tmp/h.py and runs it, ``tail`` appended."""
    text = textwrap.dedent(code).strip()
    return f"cat > /tmp/h.py <<'EOF'\n{text}\nEOF\npython3 /tmp/h.py{tail}"


def assert_contained(got: list, again, sentinel: str, mark: str) -> None:
    """What every hostile run must leave: ``got`` ends with ``echo next`` and
    ``lsmod | head -1``, ``again`` is a later run of ``echo again; cat`` kvm_intel's
    ``nested`` on the same Intel host; the machine's host name never shows, no
    traceback of the runner, the sentinel absent outside, no process left."""
    text = "\n".join(line for o in [*got, again] for line in o.output)
    assert socket.gethostname() not in text.split(), text
    assert "nested_snippets" not in text, text  # no traceback of the runner's own code
    assert not os.path.lexists(sentinel)
    assert processes_left(mark) == []
    assert got[-2].output == ["next"], got
    assert got[-1].output == ["Module                  Size  Used by"], got
    assert again.output == ["again", "Y"], again
