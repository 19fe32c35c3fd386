"""Read-only files of fake hosts, shared as hard links from one pool.

Creating a file costs an inode allocation (measured here: ~450 µs on ext4, against
~9 µs for a hard link), and a fake host holds dozens of read-only files: sysfs
parameters, /proc/cpuinfo, /proc/modules.  Files whose content and mode are equal
are therefore one inode in ``POOL`` linked into every host that shows them.  Only
read-only files (no write bit, and snippets run without CAP_DAC_OVERRIDE) may be
pooled, so no host can change what another host reads.
"""

from __future__ import annotations

import os
import zlib


def place(pool: str, path: str, content: str, mode: int) -> None:
    """Make ``path`` a file holding ``content`` with ``mode`` (read-only modes only)."""
    if mode & 0o222:
        raise ValueError(f"only read-only files can be pooled: {path} mode {mode:o}")
    data = content.encode()
    name = f"{zlib.crc32(data):08x}-{len(data)}-{mode:o}"
    source = os.path.join(pool, name)
    if not os.path.exists(source):
        tmp = f"{source}.{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, source)
    elif _read(source) != data:  # a checksum collision: keep this file private
        _unlink(path)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        return
    if os.path.exists(path) or os.path.islink(path):
        if os.path.samefile(source, path):
            return
        os.unlink(path)
    os.link(source, path)


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _unlink(path: str) -> None:
    if os.path.lexists(path):
        os.unlink(path)
