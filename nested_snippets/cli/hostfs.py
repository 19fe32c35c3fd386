"""Read-only access to a host's files, below ``/`` or a ``--root`` directory.

Every read goes through :meth:`HostFS.read_bytes`, so a failure always becomes an
:class:`Unreadable` naming the path as the host shows it (``/proc/cpuinfo``) and
why, never a traceback.  Nothing here writes, opens devices or follows into
``/dev``: ``/dev/kvm`` is only ``stat``-ed and checked with :func:`os.access`.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

MAX_READ = 4 * 1024 * 1024
"""Read at most this much of one file (kernel logs can be large)."""


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
    return (exc.strerror or type(exc).__name__).lower()


class HostFS:
    """The files of one host; ``root`` None means this machine's ``/``."""

    def __init__(self, root: Path | str | None = None):
        self.real = root is None
        self.root = Path("/") if root is None else Path(root)

    def path(self, shown: str) -> Path:
        """Where ``/proc/cpuinfo`` lives on disk for this host."""
        return self.root / shown.lstrip("/")

    def read_bytes(self, shown: str, limit: int = MAX_READ) -> bytes:
        """The file's bytes; raise :class:`Unreadable` on any failure."""
        path = self.path(shown)
        try:
            with open(path, "rb") as fh:
                return fh.read(limit)
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
        return self.path(shown).is_dir()

    def listdir(self, shown: str) -> list[str]:
        """Sorted entry names; raise :class:`Unreadable` if the directory cannot be read."""
        try:
            return sorted(os.listdir(self.path(shown)))
        except OSError as exc:
            why = "no such directory" if exc.errno == errno.ENOENT else _reason(exc)
            raise Unreadable(shown, why) from None

    def stat(self, shown: str) -> os.stat_result | None:
        try:
            return os.stat(self.path(shown))
        except OSError:
            return None

    def access(self, shown: str, mode: int) -> bool:
        """:func:`os.access` for the current user: may it open the file with ``mode``?"""
        return os.access(self.path(shown), mode)
