"""What a snippet is: transcripts, config files, command lines and XML, and procedures.

Snippet modules (``nested_snippets/snippets/*.py``) declare snippets with the helpers
here.  A snippet's text is exactly what readers see; the runner executes it against
the fake host and compares the output it gets with the output written here.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from nested_snippets import arches as arch_table
from nested_snippets.bodies import (
    REBOOT,
    Body,
    Command,
    CommandLine,
    ConfigFile,
    ForeignFile,
    Reboot,
    Transcript,
    Xml,
)
from nested_snippets.fakehost.start import Given
from nested_snippets.versions import version_key

__all__ = [  # what snippet modules and the machinery import from here
    "REBOOT", "Body", "Command", "CommandLine", "ConfigFile", "ForeignFile", "Given",
    "KernelRange", "NotExecuted", "Procedure", "Reboot", "Snippet", "SnippetError",
    "Transcript", "Xml", "command_line", "config", "foreign_config", "procedure", "snippet",
    "transcript", "xml",
]  # fmt: skip


class SnippetError(ValueError):
    """A snippet declaration is malformed; the message names the place."""


# --------------------------------------------------------------------------- bodies


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


_NAME = re.compile(r"[a-z][a-z0-9_]*")
_FROM_BOOT = Given()
"""The default start state: a freshly booted L0 host with KVM loaded."""


@dataclass(eq=False, kw_only=True)
class Declared:
    """What the registry gives a snippet or procedure when it loads its module."""

    name: str = ""
    """An explicit name, for one that must differ from the variable's (else "")."""
    id: str = ""
    """``<module>.<name>``; the name is the variable's unless given."""
    defined_at: str = ""
    """``path:line`` of the declaration, for error messages."""

    def bind(self, module: str, variable: str, defined_at: str) -> None:
        """Name this declaration after the variable ``variable`` of snippet module ``module``."""
        name = self.name or variable
        if not _NAME.fullmatch(name):
            raise SnippetError(f"{defined_at}: name {name!r} must be lower_snake_case")
        if self.id and self.id != f"{module}.{name}":
            raise SnippetError(
                f"{defined_at}: {module}.{variable} is {self.id} ({self.defined_at}) again: "
                "refer to another module's snippets through that module (enable.check_nested)"
            )
        self.id, self.defined_at = f"{module}.{name}", defined_at


@dataclass(eq=False)
class Snippet(Declared):
    """A snippet: one body, or one body per architecture key."""

    variants: Mapping[str, Body]
    """Keyed by architecture key; a single-body snippet uses the key ``""``."""
    given: Given = Given()
    kernels: KernelRange = KernelRange()
    because: str = ""
    """Why the kernel range is what it is (a commit or file at a version)."""
    arch: str | None = None
    """For a single-body snippet that runs on the fake host: that host's architecture
    (a per-architecture snippet has one per variant; a body not run has none)."""
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

    def host_arch(self, variant: str) -> str | None:
        """The architecture of the fake host variant ``variant`` runs on (None: none)."""
        return variant or self.arch

    def body_for(self, arch: str) -> Body:
        """The body a procedure step runs on an ``arch`` host."""
        return self.variants[arch if self.is_multi else ""]


@dataclass(eq=False)
class Procedure(Declared):
    """An ordered run of snippets (and reboots) tested end to end."""

    steps: tuple[Snippet | Reboot, ...]
    """The snippet objects (a typo is an error at import) and reboots, in order."""
    given: Given = Given()
    kernels: KernelRange = KernelRange()
    arches: tuple[str, ...] = ()
    because: str = ""


# ------------------------------------------------------------ declaration helpers


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
                f"transcript line {n} is output before any '$ ' command: {line!r}"
            )
        else:
            commands[-1][1].append(line)
        continuing = line.endswith("\\") and (continuing or line.startswith("$ "))
    if not silent and not any(out for _cmd, out in commands):
        raise SnippetError(
            "transcript has no expected output under any command; "
            "write the output the reader sees, or pass silent=True if nothing is printed"
        )
    status = dict(status or {})
    for index in status:
        if not 0 <= index < len(commands):
            raise SnippetError(
                f"status given for command {index}, transcript has {len(commands)}"
            )
    return Transcript(
        tuple(Command(c, tuple(out), status.get(i, 0)) for i, (c, out) in enumerate(commands))
    )


def config(path: str, content: str, *, language: str = "text") -> ConfigFile:
    if not path.startswith("/"):
        raise SnippetError(f"config file path must be absolute: {path!r}")
    parts = path.split("/")[1:]
    if any(p in ("", ".", "..") for p in parts) or "\0" in path:
        raise SnippetError(f"config file path must name a file: {path!r}")
    for what, text in (("path", path), ("content", content)):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise SnippetError(f"config file {what} is not UTF-8: {path!r}") from None
    return ConfigFile(path, textwrap.dedent(content).strip("\n") + "\n", language)


def foreign_config(path: str, content: str, *, language: str = "text") -> ForeignFile:
    """A file of another product (VMware's ``.vmx``): shown, never written; declare
    its snippet with ``not_executed=`` (its source and the date it was read)."""
    checked = config(path, content, language=language)
    return ForeignFile(checked.path, checked.content, language)


def command_line(command: str) -> CommandLine:
    return CommandLine(textwrap.dedent(command).strip("\n"))


def xml(content: str, *, fragment_of: str = "") -> Xml:
    return Xml(textwrap.dedent(content).strip("\n"), fragment_of)


def snippet(
    body: Body | Callable[[arch_table.Arch], Body],
    *,
    arches: Iterable[str] = (),
    given: Given = _FROM_BOOT,
    kernels: str = "all",
    because: str = "",
    arch: str | None = None,
    wrong: str = "",
    not_executed: NotExecuted | None = None,
    name: str = "",
) -> Snippet:
    """Declare a snippet in a snippet module; its id is ``<module>.<variable>``.

    The registry names it after the variable it is assigned to (``name`` overrides).
    With ``arches``, ``body`` is a function of an :class:`~nested_snippets.arches.Arch`
    row and one variant is generated per architecture: never write a tab by hand.
    A single body that runs on the fake host (a transcript, a config file) names the
    architecture of that host with ``arch``; command lines and XML need none.
    ``wrong`` marks a counterexample the guide shows failing (styled apart, no copy
    button); ``not_executed`` marks command lines no test machine can run and files of
    other products (``foreign_config``).
    """
    keys = tuple(arches)
    try:
        for key in (*keys, *([arch] if arch else [])):
            arch_table.get(key)
    except arch_table.UnknownArch as exc:
        raise SnippetError(str(exc).strip('"')) from None
    if keys:
        if not callable(body):
            raise SnippetError("per-architecture snippets take a function")
        variants = {k: body(arch_table.get(k)) for k in keys}
    else:
        if callable(body):
            raise SnippetError("a function body needs arches=(...)")
        variants = {"": body}
    for key, b in variants.items():
        if not isinstance(b, Body):
            raise SnippetError(f"not a snippet body: {b!r}")
        if b.problem():
            raise SnippetError(f"variant {key}: {b.problem()}" if key else b.problem())
    if keys and arch is not None:
        raise SnippetError("arch= is for single-body snippets (use arches=)")
    if arch is None and not keys and variants[""].on_host:
        raise SnippetError(
            "a body run on the fake host names the architecture of that host: "
            "arch='intel' (or arches=... for one variant per architecture)"
        )
    foreign = [isinstance(b, ForeignFile) for b in variants.values()]
    if not_executed is not None and not all(
        isinstance(b, (CommandLine, ForeignFile)) for b in variants.values()
    ):
        raise SnippetError("not_executed is for command_line() and foreign_config() bodies")
    if any(foreign) and not_executed is None:
        raise SnippetError("a foreign_config() body needs not_executed= (its source and date)")
    return Snippet(
        variants=variants, given=given, kernels=KernelRange(kernels), because=because,
        arch=arch, wrong=wrong, not_executed=not_executed, name=name,
    )  # fmt: skip


def procedure(
    steps: Iterable[Snippet | Reboot],
    *,
    given: Given = _FROM_BOOT,
    kernels: str = "all",
    arches: Iterable[str] = (),
    because: str = "",
    name: str = "",
) -> Procedure:
    """Declare a procedure: snippets (the objects: ``check_nested`` in its own module,
    ``enable.check_nested`` from another) and reboots, run in order."""
    steps = tuple(steps)
    if not steps:
        raise SnippetError("a procedure needs steps")
    for n, step in enumerate(steps, 1):
        if not isinstance(step, (Snippet, Reboot)):
            raise SnippetError(
                f"procedure step {n} is {step!r}, not a snippet: name the snippet object "
                "(check_nested, or enable.check_nested from another module) or REBOOT"
            )
    return Procedure(
        steps=steps, given=given, kernels=KernelRange(kernels), arches=tuple(arches),
        because=because, name=name,
    )  # fmt: skip
