"""nested-kvm lint: modprobe.d files against the kernel parameter data."""

from __future__ import annotations

import pytest


@pytest.fixture
def lint(cli, tmp_path):
    """Write ``text`` to ``name`` and lint it with ``args`` (default: ``--kernel 6.6``);
    returns the file's path and the result."""

    def run(text: str, *args: str, name: str = "kvm.conf"):
        path = tmp_path / name
        path.write_text(text)
        return path, cli("lint", str(path), *(args or ("--kernel", "6.6")))

    return run


def test_clean_file(lint):
    _path, r = lint("# comment\noptions kvm_intel nested=1 ept=Y\noptions kvm-amd nested=1\n")
    assert (r.rc, r.out) == (0, "")


def test_unknown_parameter_did_you_mean(lint):
    path, r = lint("options kvm_intel enable_apivc=1\n")
    assert r.rc == 1
    assert r.out == (
        f"{path}:1: error: kvm_intel (Linux 6.6) has no parameter 'enable_apivc'; "
        "did you mean 'enable_apicv'? (the kernel ignores it)\n"
    )


def test_dashes_in_parameter_names_are_underscores(lint):
    assert lint("options kvm_intel enable-apicv=1\n")[1].rc == 0


def test_parameter_that_is_newer_than_the_kernel(lint):
    assert lint("options kvm_intel enable_ipiv=0\n")[1].rc == 0
    _path, r = lint("options kvm_intel enable_ipiv=0\n", "--kernel", "5.10")
    assert r.rc == 1 and "(Linux 5.10) has no parameter 'enable_ipiv'" in r.out


@pytest.mark.parametrize(
    "line,why",
    [
        ("options kvm_intel nested=maybe", "is not a valid bool"),
        ("options kvm_amd nested=yes", "is not a valid int"),
        # kstrtou16(): -ERANGE (Linux 6.1.176 lib/kstrtox.c), strerror(ERANGE)
        (
            "options kvm_amd pause_filter_count=70000",
            "is out of range for a ushort; kvm_amd refuses to load (Numerical result out of range)",
        ),
        ("options kvm_amd nested", "is not a valid int"),
    ],
)
def test_wrong_value_type(lint, line, why):
    path, r = lint(line + "\n")
    assert r.rc == 1
    assert r.out.startswith(f"{path}:1: error: ")
    assert why in r.out


def test_unknown_module(lint):
    path, r = lint(
        "options kvm_intl nested=1\noptions snd_hda_intel power_save=1\noptions kvmgt enable=1\n"
    )
    assert r.rc == 1
    assert r.out == (
        f"{path}:1: error: unknown module 'kvm_intl'; did you mean 'kvm_intel'? "
        "(options for it are never applied)\n"
    )


def test_conflicting_settings_name_both_places(cli, tmp_path):
    d = tmp_path / "modprobe.d"
    d.mkdir()
    (d / "10-kvm.conf").write_text("options kvm_intel nested=1\n")
    (d / "20-nested.conf").write_text("\noptions kvm_intel nested=N\n")
    (d / "30-same.conf").write_text(
        "options kvm_intel nested=0\n"
    )  # same value as 20: no new finding
    r = cli("lint", str(d), "--kernel", "6.6")
    assert r.rc == 1
    first = d / "10-kvm.conf"
    assert r.out.splitlines() == [
        f"{d / '20-nested.conf'}:2: error: kvm_intel nested=N conflicts with nested=1 at "
        f"{first}:1; the kernel applies the one read last",
        f"{d / '30-same.conf'}:1: error: kvm_intel nested=0 conflicts with nested=1 at "
        f"{first}:1; the kernel applies the one read last",
    ]


def test_same_value_in_two_spellings_is_no_conflict(lint):
    assert lint("options kvm_intel nested=1\noptions kvm-intel nested=Y\n")[1].rc == 0


def test_not_conf_file_is_ignored_by_kmod(lint):
    path, r = lint("options kvm_intel nested=1\n", name="kvm.conf.bak")
    assert r.rc == 0
    assert (
        r.out == f"{path}:1: warning: kmod reads only files ending in .conf: this file is ignored\n"
    )


def test_s390_nested_with_hpage(lint):
    both = "options kvm nested=1\noptions kvm hpage=1\n"
    path, r = lint(both, "--kernel", "6.6", "--arch", "s390")
    assert r.rc == 1
    assert r.out.startswith(f"{path}:2: error: kvm hpage=1 with nested=1 at {path}:1: kvm refuses")
    assert lint(both, "--kernel", "7.1", "--arch", "s390")[1].rc == 0


def test_s390_options_on_x86_point_to_arch(lint):
    _path, r = lint("options kvm nested=1\n", "--kernel", "6.6", "--arch", "x86")
    assert r.rc == 1 and "lint with --arch s390" in r.out


def test_arch_and_version_from_root(cli, make_host, tmp_path):
    root = make_host("s390x", kernel="6.1")
    conf = tmp_path / "kvm.conf"
    conf.write_text("options kvm nested=1 hpage=1\n")
    r = cli("lint", str(conf), "--root", str(root))
    assert r.rc == 1 and "kvm refuses to load on Linux 6.1" in r.out
    assert r.err == "nested-kvm lint: Linux 6.1.0-fake-s390x: checking against Linux 6.1\n"


def test_kmod_ignored_lines_and_blacklist(lint):
    path, r = lint("optoins kvm_intel nested=1\nblacklist kvm_intel\n")
    assert r.rc == 0
    assert r.out.splitlines() == [
        f"{path}:1: warning: kmod ignores this line: ignoring bad line starting with 'optoins'",
        f"{path}:2: warning: blacklist kvm_intel: udev will not load it at boot "
        "(modprobe still can)",
    ]


def test_unknown_kernel_version(lint):
    _path, r = lint("options kvm_intel nested=1\n", "--kernel", "3.10")
    assert r.rc == 2
    assert r.err.startswith("nested-kvm lint: no kernel data for Linux 3.10")
