"""Bounded reads of regular files only (shared by the checker and the fake host's tools).

A FIFO, socket or device is refused before it is opened, so nothing can block, and
a read stops at a cap, so a link to ``/dev/zero`` or a huge file costs nothing.
"""

from __future__ import annotations

import errno
import os
import stat


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


class NotRegular(OSError):
    """A path that is not a regular file: refused, never opened."""


def read_regular(path: str | os.PathLike, limit: int, from_end: bool = False) -> bytes:
    """At most ``limit`` bytes of a regular file (with ``from_end``, its last
    ``limit`` bytes: one seek, then a bounded read); anything else raises OSError.

    The type is checked before opening (a FIFO or a device is never opened) and
    again on the open descriptor (a file swapped in between is refused)."""
    before = os.stat(path)
    if stat.S_ISDIR(before.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory")
    if not stat.S_ISREG(before.st_mode):
        raise NotRegular(errno.EINVAL, f"{_kind(before.st_mode)}, not read")
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY
    fd = os.open(path, flags)
    try:
        after = os.fstat(fd)
        if not stat.S_ISREG(after.st_mode) or after.st_ino != before.st_ino:
            raise NotRegular(errno.EINVAL, "changed while it was opened, not read")
        if from_end and after.st_size > limit:
            os.lseek(fd, after.st_size - limit, os.SEEK_SET)
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
