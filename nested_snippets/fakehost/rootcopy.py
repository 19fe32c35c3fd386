"""Copy a fake host's root between its directory on disk and a sandbox's tmpfs ``/``.

A sandbox's ``/`` is a size-bounded tmpfs (:mod:`nested_snippets.runner.sandbox`), so
nothing a snippet writes reaches the disk while it runs.  The tool server copies the
host's tree from disk into it before the first command (:func:`copy_in`) and, when
the run's writes are kept, mirrors it back afterwards (:func:`copy_out`).  Both run
in a tool-server process that has entered the sandbox's mount namespace and reach the
disk only through a directory descriptor opened before; neither follows a link.

Only ``/``'s own filesystem is copied: a path that is a mount point there (``/usr``,
``/proc``, ``/etc/passwd``, ...) is left alone on both sides.  Regular files,
directories, symbolic links and FIFOs are copied with their permission bits; times,
extended attributes and other kinds of file are not.
"""

from __future__ import annotations

import os
import stat

MAX_ENTRIES = 4096
"""Files a root may hold (each tmpfs of a sandbox is given as many inodes)."""
MAX_BYTES = 32 << 20
"""Bytes (apparent sizes: a sparse file counts whole) a root may bring back to disk."""
MAX_DEPTH = 256
"""Directory levels a root may hold."""
CHUNK = 1 << 16


class TooMany(Exception):
    """The root is over :data:`MAX_ENTRIES` files, :data:`MAX_BYTES` or :data:`MAX_DEPTH`;
    the message says which.  Nothing has been written to disk."""


SHORT_LINK = 128
"""A link target at least this long takes a page of a tmpfs (shorter ones are kept in
the inode): ``shmem_symlink`` keeps ``strlen + 1 <= SHORT_SYMLINK_LEN`` (128) inline,
as read in a copy of an older release's mm/shmem.c (kpatsakis/primevul4, file
``42020.c``, 2026-12-03).  Checked on the running kernel by
``tests/test_rootcopy.py`` (on Linux 6.18, 2026-12-03: 50 links of 127 bytes took no
block of a fresh tmpfs, 50 of 128 bytes 50 blocks)."""


def measure(root_fd: int, dev: int, capacity: int | None = None, inodes: int | None = None) -> None:
    """Walk ``root_fd`` (its own filesystem, without recursion) and raise
    :class:`TooMany` before anything is copied when it is over a bound.

    Besides :data:`MAX_BYTES` and :data:`MAX_ENTRIES`, what :func:`copy_in` will need
    must fit in a file system like ``root_fd``'s (``capacity`` bytes and ``inodes``
    inodes, by default its own): each name of a regular file is written whole, in
    pages (a sparse file and each hard link take their full size there, not what they
    take here), and each name is an inode, as is the root.  Before (review 12,
    2026-12-03), 20 MiB of sparse files or hard links, under :data:`MAX_BYTES`, were
    kept, and the 16 MiB ``/`` of every later sandbox of the host could not hold them:
    its fill failed."""
    fs = os.fstatvfs(root_fd)
    page = fs.f_bsize or 4096
    capacity = fs.f_blocks * fs.f_frsize if capacity is None else capacity
    inodes = fs.f_files if inodes is None else inodes
    bound = min(MAX_BYTES, capacity) if capacity > 0 else MAX_BYTES
    max_entries = min(MAX_ENTRIES, inodes - 1) if inodes > 0 else MAX_ENTRIES
    entries, size = 0, 0
    stack = [(os.dup(root_fd), 0)]
    try:
        while stack:
            fd, depth = stack.pop()
            try:
                if depth > MAX_DEPTH:
                    raise TooMany(f"directories nested more than {MAX_DEPTH} deep")
                for name in os.listdir(fd):
                    entries += 1
                    if entries > max_entries:
                        raise TooMany(f"more than {max_entries} files")
                    st = os.lstat(name, dir_fd=fd)
                    if st.st_dev != dev:
                        continue
                    if stat.S_ISREG(st.st_mode):
                        size += -(-st.st_size // page) * page
                    elif stat.S_ISLNK(st.st_mode) and st.st_size >= SHORT_LINK:
                        size += page
                    if size > bound:
                        raise TooMany(f"more than {bound / (1 << 20):g} MiB in files "
                                      "(what a sandbox's / holds: a sparse file counts "
                                      "whole, each hard link as a copy, each file in "
                                      "whole pages)")  # fmt: skip
                    if stat.S_ISDIR(st.st_mode):
                        stack.append((_open_dir(name, fd), depth + 1))
            finally:
                os.close(fd)
    finally:
        for fd, _depth in stack:
            os.close(fd)


def _lstat(name: str, dir_fd: int) -> os.stat_result | None:
    try:
        return os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return None


def _open_dir(name: str, dir_fd: int) -> int:
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)


def _copy_file(src_fd: int, name: str, dst_fd: int, mode: int) -> None:
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=src_fd)
    try:
        out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600,
                      dir_fd=dst_fd)  # fmt: skip
        try:
            while chunk := os.read(fd, CHUNK):
                os.write(out, chunk)
            os.fchmod(out, mode)
        finally:
            os.close(out)
    finally:
        os.close(fd)


def _chmod_file(name: str, dir_fd: int, mode: int) -> None:
    """Set the mode of the regular file ``dir_fd/name`` through a descriptor opened
    without following a link.  Not ``chmod(..., follow_symlinks=False)``: the copy runs
    in the sandbox's mount namespace, whose /proc is the fake one, and glibc (2.36)
    emulates ``fchmodat(AT_SYMLINK_NOFOLLOW)`` through /proc/self/fd, which then fails
    (Python's ``ValueError: chmod: cannot use dir_fd and follow_symlinks together``)."""
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY, dir_fd=dir_fd)
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def _same_file(src_fd: int, name: str, dst_fd: int, st: os.stat_result) -> bool:
    """Whether ``dst_fd/name`` is a regular file with the bytes of ``src_fd/name``."""
    other = _lstat(name, dst_fd)
    if other is None or not stat.S_ISREG(other.st_mode) or other.st_size != st.st_size:
        return False
    a = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=src_fd)
    try:
        b = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dst_fd)
        try:
            while True:
                x, y = os.read(a, CHUNK), os.read(b, CHUNK)
                if x != y:
                    return False
                if not x:
                    return True
        finally:
            os.close(b)
    finally:
        os.close(a)


def remove(name: str, dir_fd: int) -> None:
    """Remove ``dir_fd/name`` and everything under it, whatever the modes."""
    st = _lstat(name, dir_fd)
    if st is None:
        return
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(name, dir_fd=dir_fd)
        return
    fd = _open_dir(name, dir_fd)
    try:
        os.fchmod(fd, 0o700)
        for entry in os.listdir(fd):
            remove(entry, fd)
    finally:
        os.close(fd)
    os.rmdir(name, dir_fd=dir_fd)


def copy_in(disk_fd: int, root: str = "/") -> None:
    """Copy the tree of ``disk_fd`` into ``root`` (a fresh tmpfs): entries that exist
    there already (mount points, the runner's links) are left as they are."""
    root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _copy_in(disk_fd, root_fd, os.fstat(root_fd).st_dev)
    finally:
        os.close(root_fd)


def _copy_in(src: int, dst: int, dev: int) -> None:
    for name in os.listdir(src):
        st = os.lstat(name, dir_fd=src)
        there = _lstat(name, dst)
        mode = stat.S_IMODE(st.st_mode)
        if stat.S_ISDIR(st.st_mode):
            if there is None:
                os.mkdir(name, 0o700, dir_fd=dst)
            elif not stat.S_ISDIR(there.st_mode) or there.st_dev != dev:
                continue
            s_fd, d_fd = _open_dir(name, src), _open_dir(name, dst)
            try:
                os.fchmod(d_fd, 0o700)
                _copy_in(s_fd, d_fd, dev)
                os.fchmod(d_fd, mode)
            finally:
                os.close(s_fd)
                os.close(d_fd)
        elif there is not None:
            continue
        elif stat.S_ISREG(st.st_mode):
            _copy_file(src, name, dst, mode)
        elif stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(name, dir_fd=src), name, dir_fd=dst)
        elif stat.S_ISFIFO(st.st_mode):
            os.mkfifo(name, mode, dir_fd=dst)


NOT_KEPT = stat.S_ISUID | stat.S_ISGID
"""Mode bits :func:`copy_out` drops: a setuid or setgid file of the sandbox's uid has
no use on the machine's disk (since 2026-12-02; the host's next run sees the file
without them)."""


def copy_out(disk_fd: int, root: str = "/") -> None:
    """Make the tree of ``disk_fd`` what ``root`` holds (its own filesystem only),
    rewriting only what differs.  Raises :class:`TooMany` (from :func:`measure`, before
    anything is written) when the root is over a bound."""
    root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        measure(root_fd, os.fstat(root_fd).st_dev)
        _copy_out(root_fd, disk_fd, os.fstat(root_fd).st_dev, [0])
    finally:
        os.close(root_fd)


def _copy_out(src: int, dst: int, dev: int, count: list[int]) -> None:
    names = os.listdir(src)
    count[0] += len(names)
    if count[0] > MAX_ENTRIES:
        raise TooMany(f"more than {MAX_ENTRIES} files")
    mounted = set()
    for name in names:
        st = os.lstat(name, dir_fd=src)
        if st.st_dev != dev:
            mounted.add(name)
            continue
        there = _lstat(name, dst)
        mode = stat.S_IMODE(st.st_mode) & ~NOT_KEPT
        kind = stat.S_IFMT(st.st_mode)
        if there is not None and stat.S_IFMT(there.st_mode) != kind:
            remove(name, dst)
            there = None
        if stat.S_ISDIR(st.st_mode):
            if there is None:
                os.mkdir(name, 0o700, dir_fd=dst)
            s_fd, d_fd = _open_dir(name, src), _open_dir(name, dst)
            try:
                os.fchmod(d_fd, 0o700)
                _copy_out(s_fd, d_fd, dev, count)
                os.fchmod(d_fd, mode)
            finally:
                os.close(s_fd)
                os.close(d_fd)
        elif stat.S_ISREG(st.st_mode):
            if not _same_file(src, name, dst, st):
                if there is not None:
                    os.unlink(name, dir_fd=dst)
                _copy_file(src, name, dst, mode)
            elif stat.S_IMODE(there.st_mode) != mode:
                _chmod_file(name, dst, mode)
        elif stat.S_ISLNK(st.st_mode):
            target = os.readlink(name, dir_fd=src)
            if there is not None and os.readlink(name, dir_fd=dst) == target:
                continue
            if there is not None:
                os.unlink(name, dir_fd=dst)
            os.symlink(target, name, dir_fd=dst)
        elif stat.S_ISFIFO(st.st_mode):
            if there is None:
                os.mkfifo(name, mode, dir_fd=dst)
        elif there is not None:
            remove(name, dst)
    for name in set(os.listdir(dst)) - set(names) - mounted:
        remove(name, dst)
