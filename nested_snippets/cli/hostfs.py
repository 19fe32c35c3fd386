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

from nested_snippets.cli.escape import clip
from nested_snippets.regular import NotRegular, read_regular

__all__ = ["NotRegular", "read_regular"]

MAX_READ = 4 * 1024 * 1024
"""Read at most this much of one file (kernel logs can be large)."""


def _size(n: int) -> str:
    """``4 MiB``, ``4096 bytes``: a read limit as a reader would say it."""
    return f"{n >> 20} MiB" if n >= 1 << 20 and not n % (1 << 20) else f"{n} bytes"


LOOP = "a symbolic link that cannot be followed (too many levels of symbolic links)"
"""Why a path whose links lead round in a loop is not read (as ``dev-kvm`` says it)."""


def _loops(path: str) -> bool:
    """Do the symbolic links of ``path`` lead round in a loop (``stat`` fails with
    ELOOP), rather than one being swapped in after the path was checked?"""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def links_to_null(path: str) -> bool:
    """Is ``path`` a symbolic link to ``/dev/null``, the usual way to mask a
    configuration file of the same name (see :data:`nested_snippets.regular.NULL_DEVICE`)?
    Below ``--root`` such a link names the host's null device, which reads as empty,
    not a file to look for in the tree."""
    try:
        return os.readlink(path) == "/dev/null"
    except OSError:
        return False


def _nul(shown: str) -> bool:
    """Does a path hold a NUL (a kernel release read from a file may)?  No file's name
    does: such a file is missing (``os`` would raise ValueError, not OSError)."""
    return "\0" in shown


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
        if self.real or _nul(shown):
            return False
        root = os.path.realpath(self.root)
        real = os.path.realpath(self.path(shown))
        return real != root and not real.startswith(root.rstrip("/") + "/")

    def outside(self, shown: str) -> str:
        """Why ``shown`` is not followed below ``--root``, naming the symbolic link
        that leads out (``/sys``, for ``/sys/module`` when ``sys`` is a link to
        ``/sys``); "" if it stays inside."""
        if not self.escapes(shown):
            return ""
        parts = shown.strip("/").split("/")
        for n in range(1, len(parts) + 1):
            link = "/" + "/".join(parts[:n])
            if os.path.islink(self.path(link)) and self.escapes(link):
                try:
                    target = os.readlink(self.path(link))
                except OSError:
                    target = "?"
                what = "a symbolic link" if n == len(parts) else f"{link} is a symbolic link"
                return f"{what} out of the --root directory (to {clip(target)}), not followed"
        return "a symbolic link out of the --root directory, not followed"

    def not_dir(self, shown: str) -> str:
        """Why ``shown``, which is there, is no directory that can be listed (a
        symbolic link out of ``--root``, a loop, a dangling link, a file); "" when it
        is a directory or nothing is there."""
        why = self.outside(shown)
        if why or _nul(shown) or self.is_dir(shown) or not self.exists(shown):
            return why
        path = self.path(shown)
        if _loops(path):
            return LOOP
        if os.path.islink(path) and not os.path.exists(path):
            return f"dangling symbolic link to {clip(os.readlink(path))}"
        return "not a directory"

    def read_real(self, real: str, limit: int = MAX_READ) -> str:
        """Text of a file given by its path on disk (below the root), for parsers
        that list files themselves; raises OSError as :func:`open` would, and for a
        file larger than ``limit`` (read whole or not at all: never cut silently)."""
        if not self.real and links_to_null(real):
            return ""  # the null device, as on the host the tree was copied from
        why = self.outside("/" + os.path.relpath(real, self.root))
        if why:
            raise NotRegular(errno.EINVAL, why)
        root = os.path.realpath(self.root)
        try:
            data = read_regular(os.path.realpath(real), limit + 1, beneath=root)
        except OSError as exc:
            if exc.errno == errno.ELOOP and _loops(real):
                raise NotRegular(errno.ELOOP, LOOP) from None
            raise
        if len(data) > limit:
            raise NotRegular(errno.EFBIG, f"larger than {_size(limit)}, not read")
        return data.decode("utf-8", errors="replace")

    def _inside(self, shown: str) -> str:
        if _nul(shown):
            raise Unreadable(shown, "no such file")
        why = self.outside(shown)
        if why:
            path = self.path(shown)
            if os.path.islink(path) and not os.path.exists(path):
                raise Unreadable(shown, f"dangling symbolic link to {os.readlink(path)}")
            raise Unreadable(shown, why)
        return self.path(shown)

    def read_bytes(
        self, shown: str, limit: int = MAX_READ, from_end: bool = False, whole: bool = False
    ) -> bytes:
        """The file's bytes (at most ``limit``; with ``from_end`` its last ``limit``);
        raise :class:`Unreadable` on any failure.  With ``whole``, a file larger than
        ``limit`` is Unreadable too: read whole or not at all (a cut /proc/modules
        would turn a loaded module into a built-in one)."""
        path = self._inside(shown)
        want = limit + 1 if whole else limit
        try:
            if self.real:
                data = read_regular(path, want, from_end)
            else:
                # below --root: the path as checked (no links), each part opened without
                # following a link, so that one swapped in after the check is refused
                root = os.path.realpath(self.root)
                data = read_regular(os.path.realpath(path), want, from_end, beneath=root)
        except OSError as exc:
            if exc.errno == errno.ENOENT and os.path.islink(path):
                raise Unreadable(shown, f"dangling symbolic link to {os.readlink(path)}") from None
            if exc.errno == errno.ELOOP and _loops(path):
                raise Unreadable(shown, LOOP) from None
            raise Unreadable(shown, _reason(exc)) from None
        if len(data) > limit:
            raise Unreadable(shown, f"larger than {_size(limit)}, not read")
        return data

    def read(
        self, shown: str, limit: int = MAX_READ, strict: bool = True, whole: bool = True
    ) -> str:
        """The file as text; with ``strict``, bytes that are not UTF-8 are an error.

        ``whole`` as for :meth:`read_bytes` (the default here); without it, the first
        ``limit`` bytes, for callers that check the length themselves or use only the
        start."""
        data = self.read_bytes(shown, limit, whole=whole)
        try:
            return data.decode("utf-8", errors="strict" if strict else "replace")
        except UnicodeDecodeError as exc:
            raise Unreadable(shown, f"not UTF-8 text (byte {exc.start})") from None

    def read_tail(self, shown: str, limit: int = MAX_READ) -> tuple[str, int]:
        """The end of a file (a log) as text, and how many bytes before it were not
        read (0: the whole file); a cut first line is dropped."""
        data = self.read_bytes(shown, limit, from_end=True)
        st = self.stat(shown)
        left = max(0, st.st_size - len(data)) if st is not None else 0
        if left:
            data = data.partition(b"\n")[2]
            left = max(0, st.st_size - len(data))
        return data.decode("utf-8", errors="replace"), left

    def read_optional(
        self, shown: str, limit: int = MAX_READ, strict: bool = True, whole: bool = True
    ) -> str | None:
        """Like :meth:`read` but a missing file is None."""
        try:
            return self.read(shown, limit, strict, whole)
        except Unreadable as exc:
            if exc.missing:
                return None
            raise

    def exists(self, shown: str) -> bool:
        return not _nul(shown) and os.path.lexists(self.path(shown))

    def is_dir(self, shown: str) -> bool:
        return not _nul(shown) and not self.escapes(shown) and os.path.isdir(self.path(shown))

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
        if _nul(shown) or self.escapes(shown):
            return None
        try:
            return os.stat(self.path(shown))
        except OSError:
            return None

    def access(self, shown: str, mode: int) -> bool:
        """:func:`os.access` for the current user: may it open the file with ``mode``?"""
        return not _nul(shown) and not self.escapes(shown) and os.access(self.path(shown), mode)
