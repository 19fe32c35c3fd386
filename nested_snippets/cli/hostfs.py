"""Read-only access to a host's files, below ``/`` or a ``--root`` directory.

Every read goes through :meth:`HostFS.read_bytes`, so a failure always becomes an
:class:`Unreadable` naming the path as the host shows it (``/proc/cpuinfo``) and
why, never a traceback.  Only regular files are opened (a FIFO, socket or device
is refused before it is opened, so nothing can block), reads are capped, and below
a ``--root`` directory a symbolic link that leads out of it is not followed.
Nothing here writes; ``/dev/kvm`` is only ``stat``-ed here (see :mod:`kvmprobe`).
"""

from __future__ import annotations

import errno
import os
import stat

MAX_READ = 4 * 1024 * 1024
"""Read at most this much of one file (kernel logs can be large)."""


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


def read_regular(path: str | os.PathLike, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file; anything else raises OSError.

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


class Unreadable(Exception):
    """A file the host should have could not be read; ``str()`` is one line."""

    def __init__(self, shown: str, reason: str):
        super().__init__(shown, reason)
        self.shown = shown
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.shown}: {self.reason}"

    @property
    def missing(self) -> bool:
        return self.reason in ("no such file", "no such directory")


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "no such file"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (run as a user who may read it)"
    if exc.errno == errno.EISDIR:
        return "is a directory, expected a file"
    if isinstance(exc, NotRegular):
        return str(exc.strerror)
    return (exc.strerror or type(exc).__name__).lower()


class HostFS:
    """The files of one host; ``root`` None means this machine's ``/``."""

    def __init__(self, root: os.PathLike | str | None = None):
        self.real = root is None
        self.root = "/" if root is None else os.fspath(root)
        """A string: pathlib is not imported (it costs start-up time)."""

    def path(self, shown: str) -> str:
        """Where ``/proc/cpuinfo`` lives on disk for this host."""
        return os.path.join(self.root, shown.lstrip("/"))

    def escapes(self, shown: str) -> bool:
        """Below ``--root``: does this path lead out of the root (a symbolic link)?"""
        if self.real:
            return False
        root = os.path.realpath(self.root)
        real = os.path.realpath(self.path(shown))
        return real != root and not real.startswith(root.rstrip("/") + "/")

    def read_real(self, real: str) -> str:
        """Text of a file given by its path on disk (below the root), for parsers
        that list files themselves; raises OSError as :func:`open` would."""
        shown = "/" + os.path.relpath(real, self.root)
        if self.escapes(shown):
            raise NotRegular(errno.EINVAL, "a symbolic link out of the --root directory")
        return read_regular(real, MAX_READ).decode("utf-8", errors="replace")

    def _inside(self, shown: str) -> str:
        if self.escapes(shown):
            path = self.path(shown)
            if os.path.islink(path) and not os.path.exists(path):
                raise Unreadable(shown, f"dangling symbolic link to {os.readlink(path)}")
            raise Unreadable(shown, "a symbolic link out of the --root directory, not followed")
        return self.path(shown)

    def read_bytes(self, shown: str, limit: int = MAX_READ) -> bytes:
        """The file's bytes (at most ``limit``); raise :class:`Unreadable` on any failure."""
        path = self._inside(shown)
        try:
            return read_regular(path, limit)
        except OSError as exc:
            if exc.errno == errno.ENOENT and os.path.islink(path):
                raise Unreadable(shown, f"dangling symbolic link to {os.readlink(path)}") from None
            raise Unreadable(shown, _reason(exc)) from None

    def read(self, shown: str, limit: int = MAX_READ, strict: bool = True) -> str:
        """The file as text; with ``strict``, bytes that are not UTF-8 are an error."""
        data = self.read_bytes(shown, limit)
        try:
            return data.decode("utf-8", errors="strict" if strict else "replace")
        except UnicodeDecodeError as exc:
            raise Unreadable(shown, f"not UTF-8 text (byte {exc.start})") from None

    def read_optional(self, shown: str, limit: int = MAX_READ, strict: bool = True) -> str | None:
        """Like :meth:`read` but a missing file is None."""
        try:
            return self.read(shown, limit, strict)
        except Unreadable as exc:
            if exc.missing:
                return None
            raise

    def exists(self, shown: str) -> bool:
        return os.path.lexists(self.path(shown))

    def is_dir(self, shown: str) -> bool:
        return not self.escapes(shown) and os.path.isdir(self.path(shown))

    def listdir(self, shown: str) -> list[str]:
        """Sorted entry names; raise :class:`Unreadable` if the directory cannot be read."""
        path = self._inside(shown)
        try:
            return sorted(os.listdir(path))
        except OSError as exc:
            why = "no such directory" if exc.errno == errno.ENOENT else _reason(exc)
            raise Unreadable(shown, why) from None

    def listdir_or_empty(self, shown: str) -> list[str]:
        try:
            return self.listdir(shown)
        except Unreadable:
            return []

    def stat(self, shown: str) -> os.stat_result | None:
        if self.escapes(shown):
            return None
        try:
            return os.stat(self.path(shown))
        except OSError:
            return None

    def access(self, shown: str, mode: int) -> bool:
        """:func:`os.access` for the current user: may it open the file with ``mode``?"""
        return not self.escapes(shown) and os.access(self.path(shown), mode)
