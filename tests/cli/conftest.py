"""Fixtures for the nested-kvm CLI tests: fake hosts and an in-process runner.

Unreadable files are simulated three ways, because tests may run as root (CI),
where ``chmod 000`` does not stop reads: the path is made a directory, a dangling
symbolic link, or the reader that hostfs calls (``read_regular``) is monkeypatched to
raise EACCES for it (the ``deny`` fixture).  A real ``chmod 000`` test runs only as non-root.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from nested_snippets.cli import hostfs, main
from nested_snippets.fakehost.host import FakeHost, Scenario
from nested_snippets.fakehost.start import Given


@dataclass
class Run:
    rc: int
    out: str
    err: str

    @property
    def json(self) -> dict:
        return json.loads(self.out)

    def line(self, check_id: str) -> str:
        """The output line of one check (``PASS  nested: ...``)."""
        found = [ln for ln in self.out.splitlines() if ln[6:].startswith(f"{check_id}: ")]
        assert len(found) == 1, f"{check_id!r} not exactly once in:\n{self.out}"
        return found[0]

    def status(self, check_id: str) -> str:
        return self.line(check_id).split()[0]


@pytest.fixture
def cli(capsys) -> Callable[..., Run]:
    def run(*argv: str) -> Run:
        rc = main(list(argv))
        cap = capsys.readouterr()
        assert "Traceback" not in cap.err
        return Run(rc, cap.out, cap.err)

    return run


@pytest.fixture
def fake_host(tmp_path) -> Callable[..., FakeHost]:
    """fake_host(arch="intel", kernel="6.6", **scenario) -> a FakeHost (root and tools)."""
    counter = iter(range(1000))

    def make(arch: str = "intel", kernel: str = "6.6", cpu=None, **given) -> FakeHost:
        scenario = Scenario(arch, kernel, Given(**given), cpu)
        return FakeHost.create(tmp_path / f"h{next(counter)}", scenario)

    return make


@pytest.fixture
def make_host(fake_host) -> Callable[..., Path]:
    """make_host(arch="intel", kernel="6.6", **scenario) -> the fake root directory."""
    return lambda *a, **kw: fake_host(*a, **kw).root


@pytest.fixture
def check_urls(cli, make_host, monkeypatch) -> Callable[[str], list[str]]:
    """The guide links of ``check --json`` on an Intel host with
    ``NESTED_KVM_GUIDE_URL`` set to the base given (at least one)."""

    def urls(base: str) -> list[str]:
        monkeypatch.setenv("NESTED_KVM_GUIDE_URL", base)
        run = cli("check", "--root", str(make_host("intel")), "--no-probe", "--json")
        found = [c["url"] for c in run.json["checks"] if c["url"]]
        assert found
        return found

    return urls


@pytest.fixture
def guest_root(make_host) -> Callable[..., Path]:
    """guest_root({"/sys/class/dmi/id/sys_vendor": "VMware, Inc.\n"}, **scenario) -> a fake
    root of an Intel L1 guest without vmx (so ``check`` gives L0 advice), plus the
    files that tell what L0 is: DMI, /sys/hypervisor, VMBus, clock sources, logs."""

    def make(files: dict[str, str], **kw) -> Path:
        root = make_host("intel", level="L1", cpu_flag=False, **kw)
        for shown, text in files.items():
            write(root, shown, text)
        return root

    return make


@pytest.fixture
def report_of(cli, make_host):
    """report_of(text) -> the whole report of a host whose /proc/cmdline and libvirt
    log (``LOG`` of tests/cli/redacting.py) both hold ``text``."""
    from tests.cli.redacting import LOG

    def run(text: str) -> str:
        root = make_host("intel")
        write(root, "/proc/cmdline", text + "\n")
        write(root, LOG, text + "\n")
        out = cli("report", "--root", str(root))
        assert out.rc == 0
        assert out.out.count("`/proc/cmdline`:") == 1 and out.out.count(f"`{LOG}`:") == 1
        return out.out

    return run


@pytest.fixture
def deny(monkeypatch) -> Callable[[str], None]:
    """deny("/proc/cpuinfo"): opening that host path fails with EACCES, as for a
    non-root user on a 0400 file.  Patches the reader that hostfs uses, so the
    OSError -> Unreadable conversion is exercised too."""
    denied: list[str] = []
    real = hostfs.read_regular

    def fake_read(path, *args, **kwargs):
        if any(str(path).endswith(shown) for shown in denied):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(hostfs, "read_regular", fake_read)
    return denied.append


def write(root: Path, shown: str, text: str) -> Path:
    """Replace a file of a fake host (unlinked first: read-only files stay so)."""
    path = root / shown.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.exists():
        path.unlink()
    path.write_text(text)
    return path


def edit(root: Path, shown: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in a fake host's file (see :func:`write`)."""
    text = (root / shown.lstrip("/")).read_text()
    assert old in text, f"{old!r} not in {shown}"
    write(root, shown, text.replace(old, new))


def lint_calls(text: str) -> int:
    """Python function calls of linting ``text`` (counted, not timed: the suite never
    asserts a time; a linear lint makes as many calls per line for 10 lines as for
    10,000)."""
    import cProfile
    import pstats

    from nested_snippets.cli.lint import Linter

    prof = cProfile.Profile()
    prof.enable()
    linter = Linter("6.6", "x86")
    linter.lint_text("/x.conf", text)
    linter.finish()
    prof.disable()
    return sum(s[1] for s in pstats.Stats(prof).stats.values())


def complete_without_bash_completion(words: list[str], cwd) -> list[str]:
    """COMPREPLY of the completion file sourced as a reader without the bash-completion
    package does (no _init_completion, no _filedir), for ``words`` typed in ``cwd``."""
    import shlex
    import subprocess

    from tests.cli.test_reach import COMPLETION

    script = (
        "unset -f _init_completion _filedir 2>/dev/null\n"
        f"source {COMPLETION}\n"
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
        '_nested_kvm; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True,
                         text=True, check=True, cwd=cwd)  # fmt: skip
    return [w for w in out.stdout.splitlines() if w]


def judge_every_line(monkeypatch) -> None:
    """Make lint's parser judge every line (no line answered for by lint, no run):
    the reference reading that lint's short cuts are compared with."""
    from nested_snippets.parsers import modprobe_conf

    real = modprobe_conf.judged_text_lines
    monkeypatch.setattr(
        modprobe_conf,
        "judged_text_lines",
        lambda text, unquote=True, carried=None, run=None: real(text, unquote),
    )


def lint_files(files: list[tuple[str, str]], arch: str = "x86") -> tuple:
    """What ``nested-kvm lint`` finds in ``files`` ((shown path, text), in order):
    findings, left-out counts, the first left out, whether errors, the summary."""
    from nested_snippets.cli.lint import Linter

    linter = Linter("6.6", arch)
    for path, text in files:
        linter.lint_text(path, text)
    linter.finish()
    return linter.findings, linter.left_out, linter.first_left_out, linter.errors, (
        linter.summary())  # fmt: skip
