"""The kinds of snippet body and the one interface they share.

Everything that handles a body (the model's checks, the runner, the real-kernel tier,
the Sphinx directives, the pytest plugin, the proof lines) asks it through
:class:`Body`: what it shows, what it runs or writes on the fake host, how it is
checked when it is not run and what proves it.  A new kind is one subclass here.
"""

from __future__ import annotations

import json
import re
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

NOTHING: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Proof:
    kind: str
    """``executed``, ``validated``, ``syntax``, ``not-executed`` or ``shown``."""
    text: str


@dataclass(frozen=True)
class Command:
    """One ``$ command`` of a transcript and the output lines shown under it."""

    text: str
    output: tuple[str, ...]
    status: int = 0
    """Expected exit status (``$?``); non-zero for the guide's failure examples."""


class Body:
    """What a snippet shows, and what the test suite does with it.

    A body that runs on the fake host has ``commands`` (run, output compared),
    ``writes`` (files written) or ``reboots``; any other is checked by :meth:`check`.
    """

    language = "text"
    caption = ""
    """Shown above the block (a config file's path)."""
    commands: tuple[Command, ...] = ()
    reboots = False

    @property
    def text(self) -> str:
        """The block's text, exactly as the page shows it."""
        raise NotImplementedError

    @property
    def writes(self) -> Mapping[str, str]:
        """Files this body writes on the fake host (path -> content)."""
        return NOTHING

    @property
    def on_host(self) -> bool:
        """Whether this body runs on (changes or reads) a fake host."""
        return bool(self.commands or self.writes or self.reboots)

    def problem(self) -> str:
        """What is wrong with the body as declared ("" when nothing is)."""
        return "" if self.text.strip() else f"empty {type(self).__name__}"

    def check(self) -> str:
        """For a body not run on the fake host: what a check here finds wrong ("")."""
        return ""

    def proof(self, releases: str, applied: bool) -> Proof:
        """What proves this body: run for ``releases`` (text), ``applied`` in a procedure."""
        return Proof("shown", "Shown only.")


@dataclass(frozen=True)
class Transcript(Body):
    """A console session: ``$ `` prompts, commands and their output."""

    commands: tuple[Command, ...]
    language: str = "console"

    @property
    def text(self) -> str:
        lines: list[str] = []
        for cmd in self.commands:
            first, *rest = cmd.text.split("\n")
            lines.append(f"$ {first}")
            lines.extend(rest)
            lines.extend(cmd.output)
        return "\n".join(lines)

    def problem(self) -> str:
        return "" if self.commands else "transcript has no '$ ' command"

    def proof(self, releases: str, applied: bool) -> Proof:
        return Proof("executed", f"Run on the fake host for {releases}.")


@dataclass(frozen=True)
class _File(Body):
    """A file shown with its path above it: what it is called and what it holds."""

    path: str
    content: str
    language: str = "text"

    @property
    def text(self) -> str:
        return self.content.rstrip("\n")

    @property
    def caption(self) -> str:  # type: ignore[override]
        return self.path


@dataclass(frozen=True)
class ConfigFile(_File):
    """A file the reader creates: where it goes and what it holds."""

    @property
    def writes(self) -> Mapping[str, str]:
        return MappingProxyType({self.path: self.content})

    @property
    def read_by_kmod(self) -> bool:
        """Checked against real kmod (``modprobe -C DIR -c``) in tests/realtools."""
        return self.path.startswith("/etc/modprobe.d/")

    def proof(self, releases: str, applied: bool) -> Proof:
        steps = "written on the fake host in a tested procedure" if applied else (
            "not applied by any test"
        )
        if self.read_by_kmod:
            return Proof("validated", f"Read by real kmod (modprobe -c); {steps}.")
        return Proof("executed" if applied else "shown", steps[0].upper() + steps[1:] + ".")


@dataclass(frozen=True)
class ForeignFile(_File):
    """A file of another product (a VMware ``.vmx``) that no fake host has: shown with
    its path, never written anywhere, and marked not executed with its source."""


_VIRSH_CALL = re.compile(r"\bvirsh\b[^|;&>\n]*")


S390X_QEMU = "qemu-system-s390x"
"""Its lines' ``-cpu`` / ``-machine`` are checked against the QEMU data (every release)."""
X86_QEMU = "qemu-system-x86_64"
"""The one QEMU binary whose ``-cpu help`` lists ``host`` without KVM, so the only one
whose CPU models tests/realtools checks."""


def _words(command: str) -> list[str]:
    return shlex.split(command.replace("\\\n", " "), comments=False)


QUERIES = frozenset({"help", "?"})
"""``-cpu help``, ``-machine ?``: a question to QEMU, not a model or machine type."""


def _option_args(command: str, *names: str) -> list[str]:
    return _args_of(_words(command), names)


def _args_of(words: list[str], names: tuple[str, ...]) -> list[str]:
    return [words[i + 1] for i, w in enumerate(words[:-1])
            if w in names and words[i + 1] not in QUERIES]  # fmt: skip


def asks_qemu(command: str) -> bool:
    """A QEMU line that only asks a list (``-cpu help``, ``-machine ?``, ...)."""
    return _QemuLine.of(command).asks


def qemu_binary_in(command: str) -> str | None:
    """The ``qemu-system-ARCH`` program a shell command line runs (its file name), if any."""
    return _binary_of(_words(command))


def _binary_of(words: list[str]) -> str | None:
    for word in words:
        name = word.rsplit("/", 1)[-1]
        if re.fullmatch(r"qemu-system-[\w-]+", name):
            return name
    return None


@dataclass(frozen=True)
class _QemuLine:
    """What the proof line and the real-tool tests read in a command line, from one
    split of it into words (shlex is slow: a proof line split its line six times or more)."""

    binary: str | None
    cpu_args: list[str]
    machine_args: list[str]
    asks: bool
    """Only asks QEMU a list (``-cpu help``): :func:`asks_qemu`."""

    @classmethod
    def of(cls, command: str) -> _QemuLine:
        words = _words(command)
        binary = _binary_of(words)
        asks = bool(binary) and any(
            w.startswith("-") and words[i + 1] in QUERIES for i, w in enumerate(words[:-1])
        )
        return cls(binary, _args_of(words, ("-cpu",)), _args_of(words, ("-machine", "-M")), asks)

    @property
    def cpu_models(self) -> list[str]:
        """:attr:`CommandLine.cpu_models`."""
        if self.binary != X86_QEMU:
            return []
        return [arg.split(",")[0] for arg in self.cpu_args]

    @property
    def checked_machine_args(self) -> list[str]:
        """:attr:`CommandLine.machine_args`."""
        return self.machine_args if self.binary else []

    @property
    def s390x_args(self) -> list[str]:
        """:attr:`CommandLine.s390x_args`."""
        return self.cpu_args + self.machine_args if self.binary == S390X_QEMU else []


def cpu_args_in(command: str) -> list[str]:
    """The argument of every ``-cpu MODEL[,feature=on...]`` in a shell command line."""
    return _option_args(command, "-cpu")


def machine_args_in(command: str) -> list[str]:
    """The argument of every ``-machine TYPE[,option=value...]`` (or ``-M``)."""
    return _option_args(command, "-machine", "-M")


def cpu_models_in(command: str) -> list[str]:
    """The model of every ``-cpu MODEL[,feature=on...]`` in a shell command line."""
    return [arg.split(",")[0] for arg in cpu_args_in(command)]


@lru_cache(maxsize=1024)
def _shell_parse(command: str) -> tuple[frozenset[int], str]:
    """bashlex's reading of a command line, once per text (``CommandLine.text`` is read
    at every render, ``check`` by the tests): the lines on which its top-level
    commands start, and the syntax error ("" when it parses)."""
    import bashlex  # the doc-test kit's dependency, not the model's
    import bashlex.errors

    line = command.replace("\\\n", "  ")  # same length: positions hold
    try:
        parts = bashlex.parse(line)
    except (bashlex.errors.ParsingError, NotImplementedError) as exc:
        return frozenset(), str(exc)
    return frozenset(command.count("\n", 0, part.pos[0]) for part in parts), ""


@dataclass(frozen=True)
class CommandLine(Body):
    """A command shown but not run on the fake host (e.g. starting QEMU).

    Real tools validate these instead (QEMU's CPU model list, bash syntax).
    """

    command: str
    language: str = "console"

    @property
    def text(self) -> str:
        """The command with a ``$ `` prompt before each command it holds: commands one
        per line each get one; the lines a backslash, a loop or a list continues do not."""
        starts = self.command_starts()
        lines = self.command.split("\n")
        return "\n".join(f"$ {line}" if n in starts else line for n, line in enumerate(lines))

    def command_starts(self) -> set[int]:
        """The (0-based) lines on which a top-level command starts, as the shell reads
        them; line 0 alone when the line does not parse (check() reports that)."""
        starts, _error = _shell_parse(self.command)
        return {0, *starts}

    def problem(self) -> str:
        return "" if self.command.strip() else "empty command line"

    syntax_checked: ClassVar[bool] = True
    """Whether :meth:`check` reads the command as a shell does (its proof line says so)."""

    def check(self) -> str:
        _starts, error = _shell_parse(self.command)
        return f"shell syntax error: {error}" if error else ""

    @property
    def is_virt_install(self) -> bool:
        """Run by the real virt-install against libvirt's test driver (``--dry-run
        --print-xml``) in tests/realtools."""
        return self.command.startswith("virt-install ")

    @property
    def qemu_binary(self) -> str | None:
        return qemu_binary_in(self.command)

    @property
    def cpu_models(self) -> list[str]:
        """The CPU models an x86 QEMU line names, which the real ``qemu-system-x86_64
        -cpu help`` must list (other QEMUs list ``host`` only where KVM runs)."""
        return _QemuLine.of(self.command).cpu_models

    @property
    def s390x_args(self) -> list[str]:
        """The ``-cpu`` and ``-machine`` arguments of an s390x QEMU line, which
        tests/test_qemu_data.py checks against the QEMU data of every release (and
        tests/realtools the data against Debian's qemu-system-s390x)."""
        return _QemuLine.of(self.command).s390x_args

    @property
    def machine_args(self) -> list[str]:
        """The ``-machine`` arguments of a QEMU line, whose type and option names the
        same QEMU binary's ``-machine TYPE,help`` must list (tests/realtools)."""
        return _QemuLine.of(self.command).checked_machine_args

    @property
    def virsh_calls(self) -> list[list[str]]:
        """Each ``virsh ...`` in the line (up to a pipe, list operator or redirection),
        split into words: tests/realtools checks its command and options against the
        real ``virsh help``."""
        line = self.command.replace("\\\n", " ")
        return [shlex.split(m.group(0)) for m in _VIRSH_CALL.finditer(line)]

    def proof(self, releases: str, applied: bool) -> Proof:
        if self.is_virt_install:
            return Proof(
                "validated",
                "Run by the real virt-install against libvirt's test driver in dry-run "
                "mode; the domain XML it prints validated by virt-xml-validate.",
            )
        line = _QemuLine.of(self.command)
        if line.cpu_models or line.checked_machine_args:
            return Proof("validated", self._qemu_proof(line))
        if self.virsh_calls:
            return Proof(
                "validated",
                "Command and options checked with the real virsh's help (not run); "
                "shell syntax checked.",
            )
        if line.s390x_args:
            from nested_snippets import qemu  # the QEMU data, read when a proof is asked

            what = " and ".join(w for w, args in (
                ("CPU model and features", line.cpu_args),
                ("machine type", line.machine_args)) if args)  # fmt: skip
            return Proof(
                "validated",
                f"{what} checked against the QEMU data of every release "
                f"({qemu.describe(qemu.versions())}), read from QEMU's sources (-cpu host: "
                "built only with KVM) and checked with Debian's qemu-system-s390x -cpu help "
                "and -machine help; shell syntax checked (not run).",
            )
        if line.binary and line.cpu_args:
            return Proof("syntax", "Shell syntax checked only (not run); the CPU model is "
                         "not checked (QEMU lists -cpu host only where KVM runs).")  # fmt: skip
        if line.asks:
            ran = ("; the test suite runs this query itself to check the models other "
                   "blocks name" if line.binary == X86_QEMU else "")  # fmt: skip
            return Proof("syntax", "Shell syntax checked only (not run): it asks QEMU for "
                         f"a list and names no model or machine to check{ran}.")  # fmt: skip
        return Proof("syntax", "Shell syntax checked only (not run).")

    def _qemu_proof(self, line: _QemuLine) -> str:
        """What tests/realtools checks in a QEMU line, and what it leaves unchecked; the
        QEMU release that checked it, as recorded (:func:`qemu_checked_by`)."""
        binary = line.binary
        ran = qemu_checked_by(binary or "")
        tool = f"QEMU {ran}'s {binary}" if ran else f"{binary} (release not recorded)"
        done = []
        if line.cpu_models:
            done.append(f"CPU model checked with {tool} -cpu help and its properties "
                        "with -device MODEL-x86_64-cpu,help")  # fmt: skip
        types = ", ".join(a.split(",")[0] for a in line.checked_machine_args)
        if line.checked_machine_args:
            done.append(f"machine type and option names checked with {tool} -machine "
                        f"{types},help (values not checked)")  # fmt: skip
        if line.cpu_args and not line.cpu_models:
            done.append("CPU model not checked (QEMU lists -cpu host only where KVM runs)")
        text = "; ".join(done)
        return f"{text[0].upper()}{text[1:]}; shell syntax checked (not run)."


QEMU_RECORD = Path(__file__).resolve().parent / "fixtures" / "realtools" / "qemu.json"
"""Per QEMU binary, the release the real-tool tests ran (``tools/record_qemu.py``)."""


@cache
def qemu_checked_by(binary: str) -> str | None:
    """``7.2``: the feature release of ``binary`` whose help checked the guide's lines
    (the record also keeps the point release and Debian package, as provenance)."""
    try:
        version = json.loads(QEMU_RECORD.read_text())["binaries"][binary]["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return ".".join(str(version).split(".")[:2])


@dataclass(frozen=True)
class Xml(Body):
    """A libvirt domain XML document or fragment (validated by virt-xml-validate)."""

    content: str
    fragment_of: str = ""
    """For a fragment, the element path it belongs under (e.g. ``domain``)."""
    language: str = "xml"

    @property
    def text(self) -> str:
        return self.content.rstrip("\n")

    def check(self) -> str:
        try:
            ET.fromstring(self.content)
        except ET.ParseError as exc:
            return f"XML is not well-formed: {exc}"
        return ""

    def proof(self, releases: str, applied: bool) -> Proof:
        return Proof("validated", "Validated by libvirt's virt-xml-validate.")


@dataclass(frozen=True)
class Reboot(Body):
    """A procedure step: reboot the host (modprobe.d and the boot command line apply)."""

    reboots = True
    id = "reboot"

    @property
    def text(self) -> str:
        return "(reboot)"

    def body_for(self, arch: str, kernel: str) -> Body:
        return self


REBOOT = Reboot()


CHECKER_ROOT = "fake-host"
"""The directory a :class:`CheckerRun` shows its fake host's root as (``--root fake-host``)."""


def _below_root(path: str) -> bool:
    parts = path.split("/")
    return parts[0] == CHECKER_ROOT and ".." not in parts and "" not in parts[1:-1]


def _sample_problem(words: list[str]) -> str:
    """Why a :class:`CheckerRun` command could read or write outside its fake host."""
    if not words:
        return "empty command"
    if words[0] == "cat":
        ok = len(words) == 2 and _below_root(words[1])
        return "" if ok else f"cat takes one file below {CHECKER_ROOT}/"
    if words[0] != "nested-kvm" or len(words) < 2:
        return "runs nested-kvm or cat"
    sub, args = words[1], words[2:]
    if sub not in ("check", "lint", "params"):
        return f"runs check, lint or params, not {sub!r}"
    if any(a in ("-o", "--output") or a.startswith(("-o", "--output=")) for a in args):
        return "writes a file (-o)"
    rooted = any(a == f"--root={CHECKER_ROOT}" for a in args) or any(
        a == "--root" and b == CHECKER_ROOT for a, b in zip(args, args[1:], strict=False)
    )
    if sub == "check" and not (rooted and "--no-probe" in args):
        return f"check needs --no-probe and --root {CHECKER_ROOT}"
    if sub == "params" and "--running" in args and not rooted:
        return f"params --running needs --root {CHECKER_ROOT}"
    if sub == "lint":
        files = [a for a, before in zip(args, ["", *args], strict=False)
                 if not a.startswith("-")
                 and before not in ("--root", "--kernel", "--arch")]  # fmt: skip
        if not rooted or not all(_below_root(f) for f in files):
            return f"lint needs --root {CHECKER_ROOT} and files below it"
    return ""


@dataclass(frozen=True)
class CheckerRun(Body):
    """``nested-kvm`` run against a fake host of the test suite, read with ``--root``:
    a transcript whose commands are ``nested-kvm ...`` (or ``cat`` of one of the host's
    files, to show what it reads), each with the output a terminal shows (standard
    output and standard error in the order written).  It does not run in the sandbox:
    :meth:`check` builds the host (``arch``, ``kernel``, ``given``) in a temporary
    directory, runs each command there in-process with ``fake-host`` as its root's
    name and compares, so the sample on the page cannot go stale."""

    transcript: Transcript
    arch: str
    kernel: str
    given: object
    """A :class:`~nested_snippets.fakehost.start.Given` (not imported here)."""
    language = "console"

    @property
    def text(self) -> str:
        return self.transcript.text

    def problem(self) -> str:
        """The samples run outside the sandbox, so each may read only the fake host:
        ``cat`` of one file below it, ``lint`` of paths below it, ``check`` with
        ``--no-probe``, ``check``/``lint``/``params --running`` with ``--root`` it; no
        ``report`` and no ``-o`` (nothing is written)."""
        for cmd in self.transcript.commands:
            words = shlex.split(cmd.text)
            why = _sample_problem(words)
            if why:
                return f"checker sample {cmd.text!r}: {why}"
        return ""

    def run(self) -> list[tuple[list[str], int]]:
        """(lines printed, exit status) of each command, run on a new fake host."""
        import contextlib
        import io
        import os
        import tempfile
        from pathlib import Path

        from nested_snippets.cli import main
        from nested_snippets.fakehost.host import FakeHost, Scenario

        results = []
        with tempfile.TemporaryDirectory() as tmp:
            host = FakeHost.create(Path(tmp) / "home", Scenario(self.arch, self.kernel, self.given))
            (Path(tmp) / CHECKER_ROOT).symlink_to(host.root)
            here, saved = os.getcwd(), os.environ.pop("NESTED_KVM_GUIDE_URL", None)
            os.chdir(tmp)
            try:
                for cmd in self.transcript.commands:
                    words = shlex.split(cmd.text)
                    if words[0] == "cat":
                        text, status = Path(words[1]).read_text(), 0
                    else:
                        out = io.StringIO()
                        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                            status = main(words[1:])
                        text = out.getvalue()
                    results.append((text.splitlines(), status))
            finally:
                os.chdir(here)
                if saved is not None:
                    os.environ["NESTED_KVM_GUIDE_URL"] = saved
        return results

    def check(self) -> str:
        problems = []
        for cmd, (lines, status) in zip(self.transcript.commands, self.run(), strict=True):
            if list(cmd.output) != lines or status != cmd.status:
                problems.append(
                    f"$ {cmd.text}: the page shows (exit {cmd.status}):\n"
                    + "\n".join(cmd.output)
                    + f"\nnested-kvm on the fake host prints (exit {status}):\n"
                    + "\n".join(lines)
                )
        return "\n".join(problems)

    def proof(self, releases: str, applied: bool) -> Proof:
        return Proof(
            "executed",
            f"Run with nested-kvm on the test suite's fake host (read with --root): "
            f"{self.arch}, Linux {self.kernel} data; output compared.",
        )


@dataclass(frozen=True)
class WindowsCommand(CommandLine):
    """A command typed in Windows PowerShell (``wsl``, ``bcdedit``, Hyper-V's
    cmdlets), shown after PowerShell's ``PS>`` prompt.  No shell on a test machine
    reads PowerShell, so nothing here checks it: a snippet of one is always declared
    not executed (:class:`nested_snippets.model.NotExecuted`), and its proof line
    claims no syntax check."""

    language: str = "ps1con"
    syntax_checked: ClassVar[bool] = False

    @property
    def text(self) -> str:
        return "\n".join(f"PS> {line}" for line in self.command.split("\n"))

    def command_starts(self) -> set[int]:
        return set(range(len(self.command.split("\n"))))

    def check(self) -> str:
        return ""
