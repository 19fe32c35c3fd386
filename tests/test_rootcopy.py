"""The copy between a fake host's directory on disk and a sandbox's tmpfs root
(nested_snippets/fakehost/rootcopy.py), on plain directories."""

from __future__ import annotations

import os
import stat

import pytest

from nested_snippets.fakehost import rootcopy


def _fd(path) -> int:
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY)


def test_out_then_in_gives_the_same_tree_and_follows_no_link(tmp_path):
    live, disk, again, outside = (tmp_path / n for n in ("live", "disk", "again", "outside"))
    for d in (live, disk, again, outside):
        d.mkdir()
    (outside / "secret").write_text("keep\n")
    (live / "etc/modprobe.d").mkdir(parents=True)
    (live / "etc/modprobe.d/kvm.conf").write_text("options kvm_amd nested=0\n")
    (live / "link").symlink_to(outside / "secret")
    os.mkfifo(live / "fifo")
    (live / "locked/inner").mkdir(parents=True)
    (live / "locked").chmod(0)
    (disk / "gone").write_text("removed by the copy\n")
    fd = _fd(disk)
    try:
        rootcopy.copy_out(fd, str(live))
    finally:
        os.close(fd)
    assert not (disk / "gone").exists()
    assert os.readlink(disk / "link") == str(outside / "secret")
    assert stat.S_ISFIFO(os.lstat(disk / "fifo").st_mode)
    assert stat.S_IMODE(os.lstat(disk / "locked").st_mode) == 0
    assert (outside / "secret").read_text() == "keep\n"
    fd = _fd(disk)
    try:
        rootcopy.copy_in(fd, str(again))
    finally:
        os.close(fd)
    assert (again / "etc/modprobe.d/kvm.conf").read_text() == "options kvm_amd nested=0\n"
    assert os.readlink(again / "link") == str(outside / "secret")
    (live / "locked").chmod(0o700)
    (disk / "locked").chmod(0o700)
    (again / "locked").chmod(0o700)


def test_a_root_with_too_many_files_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(rootcopy, "MAX_ENTRIES", 10)
    live, disk = tmp_path / "live", tmp_path / "disk"
    live.mkdir()
    disk.mkdir()
    for n in range(11):
        (live / f"f{n}").touch()
    fd = _fd(disk)
    try:
        with pytest.raises(rootcopy.TooMany):
            rootcopy.copy_out(fd, str(live))
    finally:
        os.close(fd)


def _refused(tmp_path, build) -> str:
    live, disk = tmp_path / "live", tmp_path / "disk"
    live.mkdir()
    disk.mkdir()
    build(live)
    fd = _fd(disk)
    try:
        with pytest.raises(rootcopy.TooMany) as exc:
            rootcopy.copy_out(fd, str(live))
    finally:
        os.close(fd)
    assert list(disk.iterdir()) == []  # nothing half-written
    return str(exc.value)


def test_sparse_files_count_whole_and_nothing_reaches_the_disk(tmp_path):
    def build(live):
        for n in range(40):
            with (live / f"f{n}").open("wb") as fh:
                fh.truncate(1 << 20)  # no block used, 1 MiB apparent

    assert "MiB in files" in _refused(tmp_path, build)


def test_deep_directories_are_refused_before_python_recursion_gives_out(tmp_path):
    def build(live):
        fd = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
        for _ in range(rootcopy.MAX_DEPTH + 2):
            os.mkdir("d", dir_fd=fd)
            nxt = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        os.close(fd)

    assert f"nested more than {rootcopy.MAX_DEPTH} deep" in _refused(tmp_path, build)


def test_setuid_and_setgid_bits_never_reach_the_disk(tmp_path):
    """Review s6 S3: the sticky bit stays (a shared directory), setuid/setgid go."""
    live, disk = tmp_path / "live", tmp_path / "disk"
    live.mkdir()
    disk.mkdir()
    (live / "suid").write_text("#!/bin/sh\n")
    (live / "suid").chmod(0o6755)
    (live / "shared").mkdir()
    (live / "shared").chmod(0o3777)
    (disk / "kept").write_text("same\n")
    (live / "kept").write_text("same\n")
    (live / "kept").chmod(0o4755)  # same content: only the mode is rewritten
    fd = _fd(disk)
    try:
        rootcopy.copy_out(fd, str(live))
    finally:
        os.close(fd)
    assert stat.S_IMODE(os.lstat(disk / "suid").st_mode) == 0o755
    assert stat.S_IMODE(os.lstat(disk / "shared").st_mode) == 0o1777
    assert stat.S_IMODE(os.lstat(disk / "kept").st_mode) == 0o755


def test_short_link_is_where_a_tmpfs_link_starts_taking_a_page():
    """``rootcopy.SHORT_LINK`` against the running kernel: on a fresh tmpfs (in a
    bubblewrap sandbox, as the snippets' trees are), links one byte shorter take no
    block, links of ``SHORT_LINK`` bytes one block each."""
    import shutil
    import subprocess

    from nested_snippets.fakehost.rootcopy import SHORT_LINK
    from nested_snippets.runner import sandbox

    sandbox.check()
    n = SHORT_LINK
    script = (
        f"cd /t; a=$(stat -f -c %f .); for i in $(seq 50); do ln -s $(printf '%0{n - 2}d' $i)x "
        f"s$i; done; b=$(stat -f -c %f .); for i in $(seq 50); do ln -s "
        f"$(printf '%0{n - 1}d' $i)x l$i; done; c=$(stat -f -c %f .); echo $((a - b)) $((b - c))"
    )
    got = subprocess.run(
        [shutil.which(sandbox.BWRAP), "--unshare-all", "--die-with-parent", "--ro-bind", "/usr",
         "/usr", "--symlink", "usr/lib", "/lib", *sandbox._merged_links_args(), "--tmpfs", "/t",
         "/usr/bin/bash", "-c", script],
        capture_output=True, text=True, timeout=60, **sandbox._drop(),
    )  # fmt: skip
    assert got.stdout.split() == ["0", "50"], got


@pytest.mark.parametrize("mode", [0o600, 0o000, 0o444])
def test_a_changed_mode_is_copied_where_proc_is_not_mounted(tmp_path, monkeypatch, mode):
    """The tool server copies a sandbox's root out from inside its mount namespace,
    whose /proc is the fake one: glibc (2.36) emulates ``fchmodat(AT_SYMLINK_NOFOLLOW)``
    through /proc/self/fd and fails with EOPNOTSUPP there, which Python raises as
    ``ValueError: chmod: cannot use dir_fd and follow_symlinks together`` (CI of
    2026-12-04, session 17, ``test_row_8_many_files_stop_at_the_inode_bound``)."""
    real = os.chmod

    def no_proc(path, mode, *, dir_fd=None, follow_symlinks=True):
        if dir_fd is not None and not follow_symlinks:
            raise ValueError("chmod: cannot use dir_fd and follow_symlinks together")
        return real(path, mode, dir_fd=dir_fd, follow_symlinks=follow_symlinks)

    live, disk = tmp_path / "live", tmp_path / "disk"
    live.mkdir()
    disk.mkdir()
    (live / "f").write_text("same\n")
    (disk / "f").write_text("same\n")
    os.utime(disk / "f", ns=(os.stat(live / "f").st_atime_ns, os.stat(live / "f").st_mtime_ns))
    (disk / "f").chmod(0o644)
    (live / "f").chmod(mode)
    monkeypatch.setattr(os, "chmod", no_proc)
    fd = _fd(disk)
    try:
        rootcopy.copy_out(fd, str(live))
    finally:
        os.close(fd)
    assert stat.S_IMODE(os.lstat(disk / "f").st_mode) == mode
    assert (disk / "f").read_text() == "same\n" or mode == 0
