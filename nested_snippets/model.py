"""What a snippet is: transcripts, config files, command lines and XML, and procedures.

Snippet modules (``nested_snippets/snippets/*.py``) declare snippets with the helpers
here.  A snippet's text is exactly what readers see; the runner executes it against
the fake host and compares the output it gets with the output written here.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from nested_snippets import arches as arch_table
from nested_snippets.versions import version_key


class SnippetError(ValueError):
    """A snippet declaration is malformed; the message names the place."""


def _declared_at() -> str:
    """``path:line`` of the innermost snippet-module frame on the stack (or "")."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_globals.get("__name__", "").startswith("nested_snippets.snippets."):
            return f"{frame.f_code.co_filename}:{frame.f_lineno}: "
        frame = frame.f_back
    return ""


# --------------------------------------------------------------------------- bodies


@dataclass(frozen=True)
class Command:
    """One ``$ command`` of a transcript and the output lines shown under it."""

    text: str
    output: tuple[str, ...]
    status: int = 0
    """Expected exit status (``$?``); non-zero for the guide's failure examples."""


@dataclass(frozen=True)
class Transcript:
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


@dataclass(frozen=True)
class ConfigFile:
    """A file the reader creates: where it goes and what it holds."""

    path: str
    content: str
    language: str = "text"

    @property
    def text(self) -> str:
        return self.content.rstrip("\n")


@dataclass(frozen=True)
class CommandLine:
    """A command shown but not run on the fake host (e.g. starting QEMU).

    Real tools validate these instead (QEMU's CPU model list, bash syntax).
    """

    command: str
    language: str = "console"

    @property
    def text(self) -> str:
        return f"$ {self.command}"


@dataclass(frozen=True)
class Xml:
    """A libvirt domain XML document or fragment (validated by virt-xml-validate)."""

    content: str
    fragment_of: str = ""
    """For a fragment, the element path it belongs under (e.g. ``domain``)."""
    language: str = "xml"

    @property
    def text(self) -> str:
        return self.content.rstrip("\n")


Body = Transcript | ConfigFile | CommandLine | Xml


@dataclass(frozen=True)
class NotExecuted:
    """Why a command cannot run here, and the document it comes from.

    For commands whose tool is not available on a test machine (a cloud's CLI,
    PowerShell, VMware): the page labels them "not executed here" with this source
    and the date it was read; the runner only checks their shell syntax.
    """

    why: str
    source: str
    """URL (or ``file@release``) of the document the command follows."""
    read: str
    """ISO date (YYYY-MM-DD) on which the source was read."""

    def __post_init__(self) -> None:
        if not self.why.strip() or not self.source.strip():
            raise SnippetError("not_executed needs a reason and a source")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.read):
            raise SnippetError(f"not_executed read date must be YYYY-MM-DD, not {self.read!r}")


# --------------------------------------------------------------------- start state


@dataclass(frozen=True)
class Given:
    """The state of the fake host a snippet or procedure starts from."""

    kvm: Literal["loaded", "unloaded", "builtin"] = "loaded"
    nested: bool | None = None
    """``None``: the kernel's compile-time default; else forced at boot."""
    level: Literal["L0", "L1"] = "L0"
    cpu_flag: bool = True
    """Whether the CPU advertises the vendor's virtualization flag."""
    firmware_vt: bool = True
    """False: the firmware switched VT-x/SVM off (see fakehost/firmware.py)."""
    vm_running: bool = False
    files: Mapping[str, str] = field(default_factory=dict)
    cmdline: str = ""

    def describe(self) -> str:
        parts = [self.level, f"kvm {self.kvm}"]
        if self.nested is not None:
            parts.append(f"nested {'on' if self.nested else 'off'}")
        if not self.cpu_flag:
            parts.append("no virtualization flag")
        if not self.firmware_vt:
            parts.append("virtualization off in the firmware")
        if self.vm_running:
            parts.append("a VM running")
        return ", ".join(parts)


@dataclass(frozen=True)
class KernelRange:
    """Which kernel versions a snippet applies to (``">=4.20"``, ``"<4.20"``, ``"all"``)."""

    spec: str = "all"

    def __post_init__(self) -> None:
        if self.spec != "all" and not re.fullmatch(r"(>=|<)\d+\.\d+(,(>=|<)\d+\.\d+)*", self.spec):
            raise SnippetError(f"bad kernel range {self.spec!r}: use 'all', '>=X.Y' or '<X.Y'")

    def contains(self, version: str) -> bool:
        if self.spec == "all":
            return True
        key = version_key(version)
        for part in self.spec.split(","):
            op, bound = part[:2] if part.startswith(">=") else part[:1], part.lstrip("<>=")
            if op == ">=" and key < version_key(bound):
                return False
            if op == "<" and key >= version_key(bound):
                return False
        return True


# ------------------------------------------------------------------------ snippets


@dataclass(frozen=True)
class Snippet:
    """A snippet: one body, or one body per architecture key."""

    id: str
    variants: Mapping[str, Body]
    """Keyed by architecture key; a single-body snippet uses the key ``""``."""
    given: Given = Given()
    kernels: KernelRange = KernelRange()
    because: str = ""
    """Why the kernel range is what it is (a commit or file at a version)."""
    defined_at: str = ""
    """``path:line`` of the declaration, for error messages."""
    host: str = "intel"
    """For a single-body snippet: the architecture of the fake host it runs on."""
    wrong: str = ""
    """Non-empty for a counterexample (shown to fail): why a reader must not copy it."""
    not_executed: NotExecuted | None = None
    """Set for commands no test machine can run (shown with that label)."""

    @property
    def is_multi(self) -> bool:
        return "" not in self.variants

    @property
    def language(self) -> str:
        return next(iter(self.variants.values())).language


@dataclass(frozen=True)
class Reboot:
    """A procedure step: reboot the host (modprobe.d and the boot command line apply)."""


REBOOT = Reboot()


@dataclass(frozen=True)
class Procedure:
    """An ordered run of snippets (and reboots) tested end to end."""

    id: str
    steps: tuple[str | Reboot, ...]
    given: Given = Given()
    kernels: KernelRange = KernelRange()
    arches: tuple[str, ...] = ()
    because: str = ""
    defined_at: str = ""


# ------------------------------------------------------------ declaration helpers


def _caller() -> tuple[str, str]:
    """The calling snippet module's short name and ``path:line``."""
    frame = sys._getframe(2)
    modname = frame.f_globals.get("__name__", "")
    path = frame.f_code.co_filename
    prefix = "nested_snippets.snippets."
    if not modname.startswith(prefix):
        raise SnippetError(f"{path}:{frame.f_lineno}: snippets must be declared in {prefix}*")
    return modname[len(prefix) :], f"{path}:{frame.f_lineno}"


def transcript(
    text: str, *, status: Mapping[int, int] | None = None, silent: bool = False
) -> Transcript:
    """Parse an authored console transcript.

    Lines starting with ``$ `` are commands (a trailing ``\\`` continues a command on
    the next line); all other lines are the output of the command above them.
    ``status`` maps a command's index to its expected non-zero exit status.
    A transcript in which no command prints anything must say ``silent=True``, so a
    forgotten expected output is an error rather than a test that checks nothing.
    """
    lines = textwrap.dedent(text).strip("\n").split("\n")
    commands: list[list] = []
    continuing = False
    for n, line in enumerate(lines, 1):
        if continuing:
            commands[-1][0] += "\n" + line
        elif line.startswith("$ "):
            commands.append([line[2:], []])
        elif not commands:
            raise SnippetError(
                f"{_declared_at()}transcript line {n} is output before any '$ ' command: {line!r}"
            )
        else:
            commands[-1][1].append(line)
        continuing = line.endswith("\\") and (continuing or line.startswith("$ "))
    if not silent and not any(out for _cmd, out in commands):
        raise SnippetError(
            f"{_declared_at()}transcript has no expected output under any command; "
            "write the output the reader sees, or pass silent=True if nothing is printed"
        )
    status = dict(status or {})
    for index in status:
        if not 0 <= index < len(commands):
            raise SnippetError(
                f"{_declared_at()}status given for command {index}, transcript has {len(commands)}"
            )
    return Transcript(
        tuple(Command(c, tuple(out), status.get(i, 0)) for i, (c, out) in enumerate(commands))
    )


def config(path: str, content: str, *, language: str = "text") -> ConfigFile:
    if not path.startswith("/"):
        raise SnippetError(f"{_declared_at()}config file path must be absolute: {path!r}")
    parts = path.split("/")[1:]
    if any(p in ("", ".", "..") for p in parts) or "\0" in path:
        raise SnippetError(f"{_declared_at()}config file path must name a file: {path!r}")
    for what, text in (("path", path), ("content", content)):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            where = _declared_at()
            raise SnippetError(f"{where}config file {what} is not UTF-8: {path!r}") from None
    return ConfigFile(path, textwrap.dedent(content).strip("\n") + "\n", language)


def command_line(command: str) -> CommandLine:
    return CommandLine(textwrap.dedent(command).strip("\n"))


def xml(content: str, *, fragment_of: str = "") -> Xml:
    return Xml(textwrap.dedent(content).strip("\n"), fragment_of)


def snippet(
    name: str,
    body: Body | Callable[[arch_table.Arch], Body],
    *,
    arches: Iterable[str] = (),
    given: Given = Given(),
    kernels: str = "all",
    because: str = "",
    host: str = "intel",
    wrong: str = "",
    not_executed: NotExecuted | None = None,
) -> Snippet:
    """Declare a snippet in a snippet module; its id is ``<module>.<name>``.

    With ``arches``, ``body`` is a function of an :class:`~nested_snippets.arches.Arch`
    row and one variant is generated per architecture: never write a tab by hand.
    ``wrong`` marks a counterexample the guide shows failing (styled apart, no copy
    button); ``not_executed`` marks command lines no test machine can run.
    """
    module, where = _caller()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise SnippetError(f"{where}: snippet name {name!r} must be lower_snake_case")
    keys = tuple(arches)
    if keys:
        if not callable(body):
            raise SnippetError(f"{where}: {name}: per-architecture snippets take a function")
        try:
            variants = {k: body(arch_table.get(k)) for k in keys}
        except arch_table.UnknownArch as exc:
            raise SnippetError(f"{where}: {module}.{name}: {exc}") from None
    else:
        if callable(body):
            raise SnippetError(f"{where}: {name}: a function body needs arches=(...)")
        variants = {"": body}
    for key, b in variants.items():
        _check_body(f"{where}: {module}.{name}" + (f"[{key}]" if key else ""), b)
    if keys and host != "intel":
        raise SnippetError(f"{where}: {name}: host= is for single-body snippets")
    arch_table.get(host)
    if not_executed is not None and not all(isinstance(b, CommandLine) for b in variants.values()):
        raise SnippetError(f"{where}: {name}: not_executed is for command_line() bodies")
    return Snippet(
        f"{module}.{name}", variants, given, KernelRange(kernels), because, where, host,
        wrong, not_executed,
    )  # fmt: skip


def procedure(
    name: str,
    steps: Iterable[str | Reboot],
    *,
    given: Given = Given(),
    kernels: str = "all",
    arches: Iterable[str] = (),
    because: str = "",
) -> Procedure:
    """Declare a procedure: snippet ids (``module.name``) and reboots, run in order."""
    module, where = _caller()
    steps = tuple(steps)
    if not steps:
        raise SnippetError(f"{where}: procedure {name} has no steps")
    return Procedure(
        f"{module}.{name}", steps, given, KernelRange(kernels), tuple(arches), because, where
    )


def _check_body(where: str, body: Body) -> None:
    if isinstance(body, Transcript):
        if not body.commands:
            raise SnippetError(f"{where}: transcript has no '$ ' command")
    elif isinstance(body, (ConfigFile, Xml)):
        if not body.text.strip():
            raise SnippetError(f"{where}: empty {type(body).__name__} content")
    elif isinstance(body, CommandLine):
        if not body.command.strip():
            raise SnippetError(f"{where}: empty command line")
    else:
        raise SnippetError(f"{where}: not a snippet body: {body!r}")
