"""What the hostile-snippet reviews (sessions 18 and 21) share: the processes a snippet
left running on the machine, and a Python program as one shell command."""

from __future__ import annotations

import os
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
