"""Bounded reads of regular files only (shared by the checker and the fake host's tools).

A FIFO, socket or device is refused before it is opened, so nothing can block, and
a read stops at a cap, so a link to ``/dev/zero`` or a huge file costs nothing.  The
null device alone is read, as empty (:data:`NULL_DEVICE`).
"""

from __future__ import annotations

import contextlib
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


NULL_DEVICE = (1, 3)
"""``/dev/null``'s major and minor (Linux, Documentation/admin-guide/devices.txt: "1 char
Memory devices ... 3 = /dev/null Null device"): read as the empty file it reads as.  A
configuration file linked to it is the usual way to mask a file of the same name in a
directory read later: kmod's ``conf_files_filter_out()`` (libkmod/libkmod-config.c,
v30 to v34) skips only dot-files, other suffixes and directories, so it opens the link
and reads nothing."""


def _device(rdev: int) -> tuple[int, int]:
    return os.major(rdev), os.minor(rdev)


class NotRegular(OSError):
    """A path that is not a regular file: refused, never opened."""


SEARCH = getattr(os, "O_PATH", 0) or getattr(os, "O_SEARCH", 0) or os.O_RDONLY
"""How each directory of a walk is opened: ``O_PATH`` (Linux) or ``O_SEARCH``
(POSIX.1-2008) need no read permission on it, only search; ``O_RDONLY`` elsewhere."""


class WalkError(OSError):
    """A directory of a walk could not be opened: ``index`` is its place in the
    parts walked, ``link`` whether it is a symbolic link (not followed)."""

    index = 0
    link = False


def walk(start: str, parts: list[str]) -> int:
    """A descriptor of the directory ``start/parts[0]/parts[1]/...``: each part is
    opened below the one before it with ``O_NOFOLLOW``, so that no part can be a
    symbolic link (``O_NOFOLLOW`` on a whole path guards only its last part).  Opened
    for search only (:data:`SEARCH`): a directory that may be searched but not listed
    (mode 0711) is walked as ``open(2)`` of the whole path would walk it.  Raises
    :class:`WalkError` for a part that cannot be opened, OSError for ``start``."""
    fd = os.open(start, SEARCH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for i, part in enumerate(parts):
            if part in ("", "."):
                continue
            try:
                nxt = os.open(
                    part, SEARCH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd
                )
            except OSError as exc:
                err = WalkError(exc.errno, exc.strerror)
                err.index = i
                with contextlib.suppress(OSError):
                    err.link = stat.S_ISLNK(os.lstat(part, dir_fd=fd).st_mode)
                raise err from None
            os.close(fd)
            fd = nxt
    except BaseException:
        os.close(fd)
        raise
    return fd


_LINK = "a symbolic link put in its path after it was checked, not followed"


def read_regular(
    path: str | os.PathLike, limit: int, from_end: bool = False, beneath: str | None = None
) -> bytes:
    """At most ``limit`` bytes of a regular file (with ``from_end``, its last
    ``limit`` bytes: one seek, then a bounded read); anything else raises OSError.

    The type is checked before opening (a FIFO or a device is never opened) and
    again on the open descriptor (a file swapped in between is refused).  With
    ``beneath`` (a directory holding ``path``, both without symbolic links), every
    part of ``path`` below it is opened with ``O_NOFOLLOW`` (:func:`walk`): a link
    swapped in after the caller checked the path is refused, not followed."""
    if beneath is None:
        return _read(os.fspath(path), None, limit, from_end)
    parts = os.path.relpath(path, beneath).split(os.sep)
    if ".." in parts:
        raise NotRegular(errno.EINVAL, "not below the directory it is read from")
    try:
        dir_fd = walk(beneath, parts[:-1])
    except WalkError as exc:
        if exc.link or exc.errno == errno.ELOOP:
            raise NotRegular(errno.ELOOP, _LINK) from None
        raise
    try:
        return _read(parts[-1], dir_fd, limit, from_end)
    finally:
        os.close(dir_fd)


def _read(path: str, dir_fd: int | None, limit: int, from_end: bool) -> bytes:
    """:func:`read_regular` of ``path`` (below ``dir_fd``, not following a link)."""
    before = os.stat(path, dir_fd=dir_fd, follow_symlinks=dir_fd is None)
    if stat.S_ISLNK(before.st_mode):
        raise NotRegular(errno.ELOOP, _LINK)
    if stat.S_ISDIR(before.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory")
    if stat.S_ISCHR(before.st_mode) and _device(before.st_rdev) == NULL_DEVICE:
        return b""  # what reading it gives, without opening it
    if not stat.S_ISREG(before.st_mode):
        raise NotRegular(errno.EINVAL, f"{_kind(before.st_mode)}, not read")
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY
    flags |= os.O_NOFOLLOW if dir_fd is not None else 0
    try:
        fd = os.open(path, flags, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP and dir_fd is not None:
            raise NotRegular(errno.ELOOP, _LINK) from None
        raise
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
