"""hostfs reads a file whole or not at all: a /proc/modules larger than the read limit
is not cut (the loaded module past the cut would read as built in); check names the
file and why it was not read (audit 15)."""

from __future__ import annotations

from nested_snippets.cli import hostfs
from nested_snippets.cli.hostfs import HostFS, Unreadable


def _pad(root, shown: str, size: int) -> str:
    """Put ``size`` bytes of other modules' lines before the file's own lines."""
    path = root / shown.lstrip("/")
    own = path.read_text()
    line = "pad_module 16384 0 - Live 0x0000000000000000\n"
    path.write_text(line * (size // len(line) + 1) + own)
    return own


def test_a_padded_proc_modules_is_not_read_as_built_in(cli, make_host):
    root = make_host("intel", nested=True)
    assert "kvm_intel" in _pad(root, "/proc/modules", hostfs.MAX_READ)
    r = cli("check", "--root", str(root), "--no-probe")
    line = r.line("kvm-module")
    assert "built-in" not in line and "built in;" in line, line
    assert line.endswith("present (loaded or built in; /proc/modules not read: larger than 4 MiB)")


def test_read_is_whole_or_refused(tmp_path):
    (tmp_path / "f").write_bytes(b"x" * 10)
    fs = HostFS(str(tmp_path))
    assert fs.read("/f", limit=10) == "x" * 10
    try:
        fs.read("/f", limit=9)
    except Unreadable as exc:
        assert str(exc) == "/f: larger than 9 bytes, not read"
    else:
        raise AssertionError("a cut read was returned")
    assert fs.read("/f", limit=9, whole=False) == "x" * 9  # asked for: a prefix
