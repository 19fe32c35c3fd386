"""Hostile input, second review (2026-12-02): a directory link out of --root, huge
argv echoed in errors, secrets the report missed."""

from __future__ import annotations

import shutil

import pytest

from nested_snippets.cli import kvmprobe


def test_probe_never_opens_a_device_through_a_directory_link_out_of_root(
    cli, make_host, tmp_path, monkeypatch
):
    """``--root R`` with ``R/dev -> /dev``: ``lstat`` and ``O_NOFOLLOW`` only look at the
    last component, so ``R/dev/kvm`` would be this machine's /dev/kvm.  Here the link
    leads to a scratch directory; the probe must not even be asked."""
    root = make_host("intel")
    outside = tmp_path / "machine-dev"
    outside.mkdir()
    (outside / "kvm").write_text("")
    shutil.rmtree(root / "dev")
    (root / "dev").symlink_to(outside)
    asked = []
    monkeypatch.setattr(kvmprobe, "probe", lambda *a, **kw: asked.append(a))
    r = cli("check", "--root", str(root))
    assert asked == []
    assert r.status("dev-kvm") == "FAIL"  # not followed: absent, as for any file


LONG = "x" * 100_000


@pytest.mark.parametrize(
    "argv",
    [
        ["params", "--module", LONG, "--kernel", "6.6"],
        ["lint", "--kernel", "6.6", "/nonexistent/" + LONG],
        ["report", "-o", "/nonexistent/" + LONG],
    ],
)
def test_a_huge_argument_is_named_in_a_short_message(cli, argv):
    """An argument of 100 000 characters is quoted cut, with its length, not echoed whole."""
    r = cli(*argv)
    assert r.rc == 2
    assert len(r.err) < 500 and "(100" in r.err and r.err.count("\n") == 1, r.err[:300]


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--level", LONG],
        ["lint", "--arch", LONG, "/dev/null"],
        ["check", "--" + LONG],
        [LONG],
        ["check", "--root", "/nonexistent/" + LONG],
    ],
)
def test_usage_errors_quote_a_huge_argument_cut(capsys, argv):
    from nested_snippets.cli import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err) < 2000 and "characters)" in err, err[-300:]
