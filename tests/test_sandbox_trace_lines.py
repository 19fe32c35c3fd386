"""What a traced command's record holds besides the command: the locales and the gate.

A traced run costs by the lines of its record (strace stops at each call it records).
Two sources of lines that say nothing about the fake host are gone (session 16):
each ``setlocale`` opening 13 category files one by one (the sandbox now shows an
archive built from the machine's own locales, :func:`sandbox._locales`), and the
gate's loader looking for ``libc.so.6`` in every ``glibc-hwcaps`` directory
(:data:`sandbox.GATE_PRELOAD`).  The locale data itself must not change.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.runner import sandbox
from nested_snippets.runner.run import execute, fake_host, run_commands

needs_strace = pytest.mark.skipif(not sandbox.can_trace(), reason="strace is not installed")


def _archive_expected() -> bool:
    """Whether the runner builds an archive here: the machine has none of its own, a
    compiled ``C.utf8`` and ``localedef`` (Debian and Ubuntu without ``locales``)."""
    where = "/usr/lib/locale"
    return (
        not os.path.lexists(f"{where}/locale-archive")
        and os.path.isfile(f"{where}/C.utf8/LC_CTYPE")
        and shutil.which("localedef") is not None
    )


def _record(command: str) -> list[str]:
    with fake_host(Scenario("intel", "6.6")) as host:
        got = run_commands(host, [command], keep_writes=False, trace=True)[0]
    assert got.status == 0, got
    return got.trace.decode(errors="replace").splitlines()


@needs_strace
def test_a_traced_shell_opens_one_locale_file_not_one_per_category():
    if not _archive_expected():
        pytest.skip("this machine has its own locale archive, or no localedef")
    lines = _record("true")
    locale = [ln for ln in lines if f"{sandbox.LOCALES}/" in ln]
    assert locale, lines  # bash does read its locale
    assert all("locale-archive" in ln for ln in locale), locale


@needs_strace
def test_the_gate_loads_its_c_library_by_path():
    lines = _record("true")
    assert not [ln for ln in lines if "glibc-hwcaps" in ln or "/tls/" in ln], lines


def test_the_locale_data_is_the_machines():
    """The same answers as the machine's own locale gives (C.UTF-8: one character of two
    bytes is one character; the charmap), and the listing of the locale directory keeps
    every locale the machine has."""
    with fake_host(Scenario("intel", "6.6")) as host:
        got = execute(host, "printf 'é\\n' | wc -m; locale charmap; locale -a")
    assert got.output[:2] == ["2", "UTF-8"], got
    machine = sorted(
        n for n in os.listdir(sandbox.LOCALES) if os.path.isdir(f"{sandbox.LOCALES}/{n}")
    )
    assert set(machine) <= set(got.output[2:]), got


def test_no_archive_is_built_where_the_machine_has_one(tmp_path, monkeypatch):
    mine = tmp_path / "locale"
    (mine / "C.utf8").mkdir(parents=True)
    (mine / "C.utf8" / "LC_CTYPE").write_bytes(b"x")
    (mine / "locale-archive").write_bytes(b"x")
    monkeypatch.setattr(sandbox, "LOCALES", str(mine))
    assert sandbox._locales(tmp_path / "out") is None
    assert not (tmp_path / "out").exists()


def test_no_archive_is_built_without_localedef_or_when_it_fails(tmp_path, monkeypatch):
    mine = tmp_path / "locale"
    (mine / "C.utf8").mkdir(parents=True)
    (mine / "C.utf8" / "LC_CTYPE").write_bytes(b"not a locale")
    monkeypatch.setattr(sandbox, "LOCALES", str(mine))
    monkeypatch.setattr(sandbox, "LOCALEDEF", str(tmp_path / "absent"))
    assert sandbox._locales(tmp_path / "out") is None
    if shutil.which("localedef"):
        monkeypatch.setattr(sandbox, "LOCALEDEF", shutil.which("localedef"))
        assert sandbox._locales(tmp_path / "out") is None  # not a compiled locale
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locale"]  # nothing left behind


@pytest.mark.skipif(not shutil.which("localedef"), reason="no localedef")
def test_the_archive_is_read_only_beside_copies_of_the_directories(tmp_path):
    if not os.path.isfile(f"{sandbox.LOCALES}/C.utf8/LC_CTYPE") or os.path.lexists(
        f"{sandbox.LOCALES}/locale-archive"
    ):
        pytest.skip("this machine has no C.utf8 directory, or an archive of its own")
    out = sandbox._locales(tmp_path / "out")
    assert out is not None
    assert sorted(p.name for p in Path(out).iterdir()) >= ["C.utf8", "locale-archive"]
    assert (Path(out) / "locale-archive").stat().st_mode & 0o777 == 0o444
    want = Path(f"{sandbox.LOCALES}/C.utf8/LC_CTYPE").read_bytes()
    assert (Path(out) / "C.utf8" / "LC_CTYPE").read_bytes() == want


@needs_strace
def test_bash_is_started_by_its_path_not_searched_for():
    """PID 1 and the gate start the machine's ``bash`` by its path with ``$0`` given
    (:func:`sandbox.bash_path`): no failed ``execve`` along ``PATH`` to start it, and no
    search by bash for itself to set ``$BASH`` (session 17: 11 lines of ``true``'s 46)."""
    lines = _record("true")
    searched = [ln for ln in lines if '/bash"' in ln and "ENOENT" in ln]
    assert not searched, searched


@pytest.mark.parametrize("trace", [False, True], ids=["untraced", "traced"])
def test_bash_looks_as_if_found_on_path(trace):
    """What a command sees of its shell is that of a ``bash`` found on ``PATH``: ``$0``,
    ``$BASH`` and the name in bash's own messages, traced or not."""
    if trace and not sandbox.can_trace():
        pytest.skip("strace is not installed")
    with fake_host(Scenario("intel", "6.6")) as host:
        got = run_commands(
            host, ['echo "$0 $BASH $BASH_ARGV0"; no-such-program'], keep_writes=False,
            trace=trace,
        )[0]  # fmt: skip
    assert got.output == [
        "bash /usr/bin/bash bash",
        "bash: no-such-program: command not found",
    ], got
    assert got.status == 127, got
