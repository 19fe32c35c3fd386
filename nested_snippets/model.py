"""What a snippet is: transcripts, config files, command lines and XML, and procedures.

Snippet modules (``nested_snippets/snippets/*.py``) declare snippets with the helpers
here.  A snippet's text is exactly what readers see; the runner executes it against
the fake host and compares the output it gets with the output written here.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import pairwise

from nested_snippets import arches as arch_table
from nested_snippets.bodies import (
    REBOOT,
    Body,
    CheckerRun,
    Command,
    CommandLine,
    ConfigFile,
    ForeignFile,
    Reboot,
    Transcript,
    WindowsCommand,
    Xml,
)
from nested_snippets.fakehost.start import Given
from nested_snippets.versions import version_key

__all__ = [  # what snippet modules and the machinery import from here
    "REBOOT", "Body", "ByRelease", "Command", "CommandLine", "ConfigFile", "Era",
    "ForeignFile", "Given", "KernelRange", "NotExecuted", "Procedure", "Reboot", "Snippet",
    "SnippetError", "Transcript", "WindowsCommand", "Xml", "by_release", "command_line",
    "config", "era", "foreign_config", "procedure", "snippet", "transcript",
    "windows_command", "xml",
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

    def select(self, versions: Iterable[str]) -> list[str]:
        """The versions that :meth:`contains`, in their order (the range read once)."""
        if self.spec == "all":
            return list(versions)
        low, high = self.bounds()
        return [v for v in versions if (low is None or version_key(v) >= low)
                and (high is None or version_key(v) < high)]  # fmt: skip

    def bounds(self) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
        """``(low, high)``: the range is ``low <= version < high`` (None: unbounded)."""
        low: tuple[int, ...] | None = None
        high: tuple[int, ...] | None = None
        for part in ([] if self.spec == "all" else self.spec.split(",")):
            bound = version_key(part.lstrip("<>="))
            if part.startswith(">="):
                low = bound if low is None else max(low, bound)
            else:
                high = bound if high is None else min(high, bound)
        return low, high

    def covers(self, other: KernelRange) -> bool:
        """Whether every version of ``other`` is in this range."""
        (low, high), (o_low, o_high) = self.bounds(), other.bounds()
        return (low is None or (o_low is not None and o_low >= low)) and (
            high is None or (o_high is not None and o_high <= high)
        )

    def meets(self, other: KernelRange) -> bool:
        """Whether some version is in both ranges."""
        (low, high), (o_low, o_high) = self.bounds(), other.bounds()
        return (high is None or o_low is None or o_low < high) and (
            o_high is None or low is None or low < o_high
        )


    def split(self, starts: Iterable[tuple[int, ...]]) -> list[KernelRange]:
        """This range cut before each version of ``starts`` that lies inside it."""
        low, high = self.bounds()
        cuts = sorted(
            b for b in set(starts) if (low is None or b > low) and (high is None or b < high)
        )
        if not cuts:
            return [self]
        return [KernelRange(_spec(a, b)) for a, b in pairwise([low, *cuts, high])]


def _dotted(bound: tuple[int, ...]) -> str:
    return ".".join(map(str, bound))


def _spec(low: tuple[int, ...] | None, high: tuple[int, ...] | None) -> str:
    parts = [f">={_dotted(low)}"] if low else []
    return ",".join(parts + ([f"<{_dotted(high)}"] if high else [])) or "all"


# ------------------------------------------------------------------------ snippets


_NAME = re.compile(r"[a-z][a-z0-9_]*")
_FROM_BOOT = Given()
"""The default start state: an L0 host with KVM loaded (on s390 and POWER, whose modules
udev does not load, something has opened ``/dev/kvm`` since boot: see ``Given.kvm``)."""


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


@dataclass(frozen=True)
class Era:
    """The bodies a snippet shows for one range of kernel releases."""

    kernels: KernelRange
    variants: Mapping[str, Body]
    """Keyed by architecture key; a single-body snippet uses the key ``""``."""
    because: str = ""
    """Why this era starts and ends where it does (a commit or file at a version)."""


@dataclass(eq=False)
class Snippet(Declared):
    """A snippet: one body, or one body per architecture key, in one or more eras.

    Most snippets have one era, whose range is the snippet's.  A snippet whose
    output changed between releases has one era per behaviour (:func:`by_release`);
    the eras tile the snippet's range, oldest first.
    """

    eras: tuple[Era, ...]
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
    def keys(self) -> tuple[str, ...]:
        """The variant keys (the same in every era): architectures, or ``("",)``."""
        return tuple(self.eras[0].variants)

    @property
    def is_multi(self) -> bool:
        return "" not in self.keys

    @property
    def language(self) -> str:
        return next(iter(self.eras[0].variants.values())).language

    def host_arch(self, variant: str) -> str | None:
        """The architecture of the fake host variant ``variant`` runs on (None: none)."""
        return variant or self.arch

    def era_for(self, kernel: str) -> Era:
        """The era whose range holds ``kernel`` (a one-era snippet's era holds all)."""
        if len(self.eras) == 1:
            return self.eras[0]
        for one in self.eras:
            if one.kernels.contains(kernel):
                return one
        raise SnippetError(
            f"snippet {self.id}: Linux {kernel} is in none of its eras "
            f"({', '.join(e.kernels.spec for e in self.eras)})"
        )

    def body(self, variant: str, kernel: str) -> Body:
        """The body of variant ``variant`` shown for Linux ``kernel``."""
        return self.era_for(kernel).variants[variant]

    def key_for(self, arch: str) -> str:
        """The variant a procedure step runs on an ``arch`` host."""
        return arch if self.is_multi else ""

    def body_for(self, arch: str, kernel: str) -> Body:
        """The body a procedure step runs on an ``arch`` host with Linux ``kernel``."""
        return self.body(self.key_for(arch), kernel)

    def body_in(self, kernels: KernelRange, arch: str) -> Body:
        """The body a procedure step runs on an ``arch`` host for every release of
        ``kernels``, which must lie in one era."""
        era = next((e for e in self.eras if e.kernels.covers(kernels)), self.eras[0])
        if len(self.eras) > 1 and not era.kernels.covers(kernels):
            raise SnippetError(f"snippet {self.id}: kernels {kernels.spec!r} span its eras")
        return era.variants[self.key_for(arch)]

    def eras_in(self, spec: str) -> tuple[Era, ...]:
        """The eras a page shows for ``spec`` (``""``: the newest era; else every era
        inside that range, which must not cut one)."""
        if not spec:
            return self.eras[-1:]
        wanted = KernelRange(spec)
        cut = [e.kernels.spec for e in self.eras if e.kernels.meets(wanted)
               and not wanted.covers(e.kernels)]  # fmt: skip
        inside = tuple(e for e in self.eras if wanted.covers(e.kernels))
        if cut or not inside:
            raise SnippetError(
                f"snippet {self.id}: kernels {spec!r} "
                + (f"cuts its era {cut[0]!r}" if cut else "holds none of its eras")
                + f" (its eras: {', '.join(e.kernels.spec for e in self.eras)})"
            )
        return inside

    def bodies(self) -> Iterator[tuple[Era, str, Body]]:
        """Every (era, variant key, body) of the snippet."""
        for one in self.eras:
            for key, body in one.variants.items():
                yield one, key, body


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
    """A file of another product (VMware's ``.vmx``, an Ansible playbook): shown, never
    written; declare its snippet with ``not_executed=`` (its source and the date it was
    read).  A relative ``path`` names a file the reader keeps where they like."""
    checked = config(path if path.startswith("/") else f"/{path}", content, language=language)
    return ForeignFile(path, checked.content, language)


def checker_run(
    text: str,
    *,
    arch: str,
    kernel: str,
    given: Given | None = None,
    status: Mapping[int, int] | None = None,
) -> CheckerRun:
    """A sample of ``nested-kvm``'s output, authored as a transcript and compared by the
    snippet tests with what ``nested-kvm`` prints on a fake host built from ``arch``,
    ``kernel`` and ``given`` (see :class:`~nested_snippets.bodies.CheckerRun`)."""
    return CheckerRun(transcript(text, status=status), arch, kernel, given or Given())


def command_line(command: str) -> CommandLine:
    return CommandLine(textwrap.dedent(command).strip("\n"))


def windows_command(command: str) -> WindowsCommand:
    """A PowerShell command (one per line); its snippet needs ``not_executed=``."""
    return WindowsCommand(textwrap.dedent(command).strip("\n"))


def xml(content: str, *, fragment_of: str = "") -> Xml:
    return Xml(textwrap.dedent(content).strip("\n"), fragment_of)


@dataclass(frozen=True)
class _EraDecl:
    kernels: KernelRange
    body: Body | Callable[[arch_table.Arch], Body]
    because: str


@dataclass(frozen=True)
class ByRelease:
    """A snippet's bodies by kernel release: :func:`era` declarations, oldest first."""

    eras: tuple[_EraDecl, ...]


def era(
    kernels: str, body: Body | Callable[[arch_table.Arch], Body], *, because: str
) -> _EraDecl:
    """One era of :func:`by_release`: the body shown for the releases in ``kernels``."""
    if not because.strip():
        raise SnippetError(f"era {kernels!r} needs because= (why it starts and ends there)")
    return _EraDecl(KernelRange(kernels), body, because)


def by_release(*eras: _EraDecl) -> ByRelease:
    """A body that changed between kernel releases: one :func:`era` per behaviour.

    The eras' ranges must tile the snippet's ``kernels=`` range, oldest first, with
    no gap and no overlap; the tests run each era on the releases of its range and
    check that it fails just outside it.
    """
    if len(eras) < 2:
        raise SnippetError("by_release() needs two eras or more (one era: use kernels=)")
    for n, one in enumerate(eras, 1):
        if not isinstance(one, _EraDecl):
            raise SnippetError(f"by_release() argument {n} is {one!r}, not an era(...)")
    return ByRelease(tuple(eras))


def _check_tiling(eras: tuple[_EraDecl, ...], whole: KernelRange) -> None:
    """The eras' ranges tile ``whole``, oldest first: no gap, no overlap, none outside."""
    for one in eras:
        if not whole.covers(one.kernels):
            raise SnippetError(
                f"era {one.kernels.spec!r} is outside the snippet's kernels={whole.spec!r}"
            )
    for before, after in pairwise(eras):
        if before.kernels.meets(after.kernels):
            raise SnippetError(
                f"eras {before.kernels.spec!r} and {after.kernels.spec!r} overlap: "
                "each release belongs to one era"
            )
        end, start = before.kernels.bounds()[1], after.kernels.bounds()[0]
        if end is None or start is None or start < end:
            raise SnippetError(
                f"eras {before.kernels.spec!r} and {after.kernels.spec!r} are not oldest first"
            )
        if start != end:
            raise SnippetError(
                f"no era covers {_dotted(end)} up to {_dotted(start)}: eras "
                f"{before.kernels.spec!r} and {after.kernels.spec!r} leave a gap"
            )
    first, last = eras[0].kernels.bounds()[0], eras[-1].kernels.bounds()[1]
    low, high = whole.bounds()
    for edge, side in ((first, "below"), (last, "from")):
        if edge != (low if side == "below" else high):
            raise SnippetError(
                f"no era covers the releases {side} {_dotted(edge or ())} of the "
                f"snippet's kernels={whole.spec!r}"
            )


def _variants(
    body: Body | Callable[[arch_table.Arch], Body], keys: tuple[str, ...]
) -> dict[str, Body]:
    """One body per architecture key (``{"": body}`` without keys), each checked."""
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
    return variants


def snippet(
    body: Body | Callable[[arch_table.Arch], Body] | ByRelease,
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
    ``body`` may be :func:`by_release` eras when the output changed between releases.
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
    whole = KernelRange(kernels)
    if isinstance(body, ByRelease):
        _check_tiling(body.eras, whole)
        eras = tuple(
            Era(one.kernels, _variants(one.body, keys), one.because) for one in body.eras
        )
    else:
        eras = (Era(whole, _variants(body, keys), because),)
    if keys and arch is not None:
        raise SnippetError("arch= is for single-body snippets (use arches=)")
    if arch is None and not keys and any(b.on_host for e in eras for b in e.variants.values()):
        raise SnippetError(
            "a body run on the fake host names the architecture of that host: "
            "arch='intel' (or arches=... for one variant per architecture)"
        )
    bodies = [b for e in eras for b in e.variants.values()]
    if not_executed is not None and not all(
        isinstance(b, (CommandLine, ForeignFile)) for b in bodies
    ):
        raise SnippetError("not_executed is for command_line() and foreign_config() bodies")
    if not_executed is None and any(isinstance(b, (ForeignFile, WindowsCommand)) for b in bodies):
        raise SnippetError(
            "a foreign_config() or windows_command() body needs not_executed= "
            "(its source and date)"
        )
    return Snippet(
        eras=eras, given=given, kernels=whole, because=because,
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
