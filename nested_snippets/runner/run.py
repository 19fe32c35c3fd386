"""Run snippets against a fake host and compare what they print with the guide.

:func:`run_body` executes one snippet body; :func:`run_snippet` and
:func:`run_procedure` build the host from the declared start state and report
mismatches as :class:`Mismatch` with everything a contributor needs to act.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nested_snippets import kernel as kdata
from nested_snippets.cli.escape import escape_text
from nested_snippets.fakehost import reads
from nested_snippets.fakehost import state as fk
from nested_snippets.fakehost.host import FakeHost, Scenario, own, recycle, release_for
from nested_snippets.fakehost.toolserver import READS, REBOOT
from nested_snippets.model import (
    Body,
    Era,
    Procedure,
    Snippet,
)
from nested_snippets.runner import sandbox, shared
from nested_snippets.runner.sandbox import LimitExceeded, Limits, Refused, SandboxUnavailable

LIMITS = Limits()
_LSMOD_LINE = re.compile(r"^(\S+)\s+\d+\s+(\d+)((?: \S+)?)$")
_DMESG_STAMP = re.compile(r"^\[\s*\d+\.\d+\] ")
_BASH_LINE = re.compile(r"^(?:/bin/)?bash: line \d+: ")


class Mismatch(AssertionError):
    """A snippet's shown output or status differs from what the fake host gives."""


@dataclass(frozen=True)
class Outcome:
    command: str
    output: list[str]
    status: int
    trace: bytes | None = None
    """What strace recorded, for a traced run (:mod:`.shared`)."""


def normalise(lines: list[str], command: str) -> list[str]:
    """Blank out what truly varies between hosts: lsmod sizes, dmesg timestamps."""
    out = []
    for line in lines:
        if "lsmod" in command:
            line = _LSMOD_LINE.sub(r"\1 <size> \2\3", line)
        if "dmesg" in command:
            line = _DMESG_STAMP.sub("[<time>] ", line)
        out.append(line)
    return out


def execute(host: FakeHost, command: str, limits: Limits = LIMITS) -> Outcome:
    """Run one command line (as shown in the guide) in a sandbox of ``host``."""
    return run_commands(host, [command], limits)[0]


def run_commands(
    host: FakeHost,
    commands: list[str],
    limits: Limits = LIMITS,
    keep_writes: bool = True,
    trace: bool = False,
) -> list[Outcome]:
    """Run ``commands`` in one sandbox of ``host``, in order; one outcome each (with
    ``trace``, each carries what strace recorded: see :func:`sandbox.run`)."""
    results = sandbox.run(host.home, list(commands), limits, keep_writes, trace)
    outcomes = []
    for cmd, res in zip(commands, results, strict=False):
        text = res.output.decode("utf-8", "replace")
        lines = [_BASH_LINE.sub("bash: ", ln) for ln in text.splitlines()]
        outcomes.append(Outcome(cmd, lines, res.status, res.trace))
    if len(outcomes) < len(commands):
        raise LimitExceeded(
            f"stopped: the sandbox ended after {len(outcomes)} of {len(commands)} commands"
        )
    return outcomes


Observation = list[tuple[list[str], int]] | str | None
"""What running one body shows: each command's (output, status); a refusal or limit as
text; None for a body that runs nothing (a file written, a reboot)."""


def observe(
    host: FakeHost, body: Body, keep_writes: bool = True, traces: list | None = None
) -> Observation:
    """Apply ``body`` to ``host`` and return what it showed (no comparison); with
    ``traces``, run under strace and append each command's record to it."""
    return _observe(host, [body], keep_writes, traces)[0]


def _observe(
    host: FakeHost, bodies: list[Body], keep_writes: bool, traces: list | None = None
) -> list[Observation]:
    """What ``bodies`` show, one observation each: the first body's reboot and files
    are applied, then the commands of all run in one sandbox, in order."""
    first = bodies[0]
    if first.reboots:
        if traces is None:
            host.reboot()
        else:  # noted like a tool call's reads (see shared.tool_reads)
            rec = reads.Recorder()
            host.reboot(rec)
            _append_record(host, rec.to_bytes(REBOOT))
    for path, content in first.writes.items():
        try:
            host.write_file(path, content)
        except (ValueError, OSError) as exc:  # UnicodeEncodeError is a ValueError
            return [f"cannot write the config file {path!r}: {exc}"] * len(bodies)
    texts = [c.text for body in bodies for c in body.commands]
    if not texts:
        return [None] * len(bodies)
    try:
        outcomes = run_commands(host, texts, LIMITS, keep_writes, traces is not None)
    except Refused as exc:
        return [f"refused: {exc}"] * len(bodies)
    except LimitExceeded as exc:
        return [str(exc)] * len(bodies)
    except SandboxUnavailable as exc:
        return [f"cannot run: {exc}"] * len(bodies)
    if traces is not None:
        traces.extend(o.trace for o in outcomes)
    seen: list[Observation] = []
    at = 0
    for body in bodies:
        n = len(body.commands)
        seen.append([(o.output, o.status) for o in outcomes[at : at + n]] if n else None)
        at += n
    return seen


def judge(host: FakeHost, body: Body, seen: Observation, label: str) -> None:
    """Raise :class:`Mismatch` where ``seen`` differs from what the guide shows."""
    if isinstance(seen, str):
        raise Mismatch(f"{label}: {escape_text(seen)}")  # may hold what a snippet printed
    if seen is None:
        return
    for cmd, (output, status) in zip(body.commands, seen, strict=True):
        want = normalise(list(cmd.output), cmd.text)
        have = normalise(output, cmd.text)
        if want != have or status != cmd.status:
            raise Mismatch(_explain(label, host, cmd.text, want, have, cmd.status, status))


def run_body(host: FakeHost | None, body: Body, label: str, keep_writes: bool = True) -> None:
    """Execute or apply ``body`` on ``host`` (None for a body not run on a host, which is
    checked instead); raise :class:`Mismatch` on a difference."""
    if not body.on_host:
        problem = body.check()
        if problem:
            raise Mismatch(escape_text(f"{label}: {problem}"))
    else:
        assert host is not None, f"{label}: a body run on the fake host needs one"
        judge(host, body, observe(host, body, keep_writes), label)


def _explain(label, host, command, want, have, want_status, got_status) -> str:
    # the label and command as the snippet wrote them, escaped, each line of a command
    # indented: before (review of 2026-12-05, session 21) an ANSI escape or a carriage
    # return in a command reached the terminal or log raw, and a line of a multi-line
    # command stood at the start of a report line (a forged "5 passed, 0 failed")
    shown = escape_text(command).replace("\n", "\n    ")
    lines = [escape_text(label), f"  command: $ {shown}"]
    if want != have:
        diff = difflib.unified_diff(want, have, "shown in the guide", "fake host", lineterm="")
        lines += ["  output differs:"] + [f"    {escape_text(d)}" for d in diff]
    if want_status != got_status:
        lines.append(f"  exit status: guide expects {want_status}, fake host gave {got_status}")
    hints = _did_you_mean(host, have) + _limits_hit(have, got_status)
    lines += [f"  hint: {h}" for h in hints]
    return "\n".join(lines)


def _limits_hit(output: list[str], status: int) -> list[str]:
    """Which of the sandbox's rlimits the output or status shows was reached."""
    text = "\n".join(output)
    hits = []
    if "fork: " in text or "Resource temporarily unavailable" in text:
        hits.append(f"limit reached: processes ({LIMITS.processes} per sandbox)")
    if any(m in text for m in ("Cannot allocate memory", "MemoryError", "xmalloc")):
        hits.append(f"limit reached: memory ({LIMITS.memory_bytes >> 20} MiB address space)")
    if status == 128 + 24:  # SIGXCPU
        hits.append(f"limit reached: CPU time ({LIMITS.cpu_seconds} s)")
    if status == 128 + 9:  # the runner raises for its own kills (CPU, memory, time)
        hits.append(
            "killed by SIGKILL from within the snippet (e.g. kill -9 -1), "
            "not by a limit of the runner"
        )
    return hits


_UNKNOWN = re.compile(r"(\w+): unknown parameter '([\w-]+)' ignored")


def _did_you_mean(host: FakeHost, output: list[str]) -> list[str]:
    state = host.state()
    texts = output + [t for _s, t in state.dmesg]
    hints = []
    for text in texts:
        m = _UNKNOWN.search(text)
        if not m:
            continue
        spec = state.modules.get(m.group(1))
        if spec is None or spec.data_key is None:
            continue
        arch, mod = spec.data_key.split("/")
        try:
            kdata.module(arch, mod, state.kernel).param(m.group(2))
        except kdata.KernelDataError as exc:
            hints.append(str(exc))
    return sorted(set(hints))


# --------------------------------------------------------------------- scenarios


_RECYCLED: list[Path] = []


@contextmanager
def fake_host(scenario: Scenario) -> Iterator[FakeHost]:
    """A fresh fake host for ``scenario``; its directory is recycled afterwards."""
    base = sandbox.base().path
    if _RECYCLED:
        home = _RECYCLED.pop()
    else:
        home = Path(tempfile.mkdtemp(prefix="host-", dir=base))
        own(str(home))
    try:
        yield FakeHost.create(home, scenario, disk_tree=False)
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)
        raise
    try:
        (home / READS).unlink(missing_ok=True)
        recycle(home, keep=sandbox.kept_paths())
        _RECYCLED.append(home)
    except OSError:
        shutil.rmtree(home, ignore_errors=True)


def run_snippet(
    snippet: Snippet,
    variant: str,
    kernel: str,
    era: Era | None = None,
    then: str | None = None,
) -> str:
    """Run one (snippet, variant, kernel) item; returns how (see :func:`shared.run_item`).

    The body is that of the era holding ``kernel``, or of ``era`` (to show that an
    era's body fails on a release outside it).  ``then``: the item's next release
    (:data:`LAST` at its last), which decides whether tracing may pay (see
    :func:`shared.worth_tracing`)."""
    body = (era or snippet.era_for(kernel)).variants[variant]
    label = (
        f"snippet {snippet.id}[{variant or 'all'}] on Linux {kernel} ({snippet.given.describe()})"
    )
    if not body.on_host:
        run_body(None, body, label)
        return "checked"
    arch = snippet.host_arch(variant)
    assert arch is not None, f"{snippet.id}: a body run on the fake host names its arch"
    scenario = Scenario(arch, kernel, snippet.given)
    if (
        then not in (None, LAST)
        and era is None
        and snippet.era_for(then) is not snippet.era_for(kernel)
    ):
        then = LAST  # another era: another body, another group
    return run_item(scenario, [(body, label)], _then(scenario, then))


def run_procedure(proc: Procedure, arch: str, kernel: str, then: str | None = None) -> str:
    steps = [
        (step.body_for(arch, kernel), f"procedure {proc.id}[{arch}] on Linux {kernel}, "
                              f"step {n} ({step.id}, {proc.given.describe()})")
        for n, step in enumerate(proc.steps, 1)
    ]  # fmt: skip
    scenario = Scenario(arch, kernel, proc.given)
    return run_item(scenario, steps, _then(scenario, then))


LAST = "last"
"""``then`` at an item's last release: no later item of it can be served."""


def _then(scenario: Scenario, then: str | None) -> Scenario | str | None:
    if then is None or then == LAST:
        return then
    return Scenario(scenario.arch, then, scenario.given)


def run_item(
    scenario: Scenario, steps: list[tuple[Body, str]], then: Scenario | str | None = None
) -> str:
    """Run ``steps`` on a fresh host for ``scenario``, sharing runs (see :mod:`.shared`).

    Returns ``"ran"`` or ``"shared"`` (the result of an identical run was used; it
    may be re-run in full at the end of the session, see :func:`shared.check_pairs`).
    ``then``: the scenario of the item's next release, :data:`LAST`, or None when not
    known; it decides only whether the run is traced (:func:`shared.worth_tracing`).
    """
    bodies = [body for body, _label in steps]
    release = release_for(kdata.data_version(scenario.kernel), scenario.arch)
    item = steps[0][1] or "item"
    # what its sandboxes, reboots and harvests read can be traced (see _observe_all)
    sandboxes = sum(1 for start, end in _segments(bodies) if _commands(bodies[start:end]))
    group = shared.group(scenario, bodies) if sandboxes else ""
    if release in repr(bodies):
        # a name typed in the snippet would be compared as "the run's release" on every
        # release (the placeholder): no sharing by what it read (review s18)
        group = ""
    with fake_host(scenario) as host:
        run_key = shared.key(host, scenario, bodies)
        tree = _trees(host)  # one description serves the recall and the record
        recalled = shared.recall(run_key, release)
        if recalled is None and group and shared.has_reads(group):
            recalled = shared.recall_read(group, tree, host.built, release)
        if recalled is not None:
            seen, first = recalled[0], recalled[1]
            try:
                for (body, label), one_seen in zip(steps, seen, strict=True):
                    judge(host, body, one_seen, label)
            except Mismatch:
                pass  # run in full: the failure then carries this host's own hints
            else:
                shared.note_shared(item, first, run_key, seen, lambda: _full_run(scenario, bodies))
                return "shared"
        trace = bool(group) and shared.enabled() and sandbox.can_trace()
        if trace:
            here = shared.View(host.built, tree, release)
            trace = shared.worth_tracing(group, _agrees(here, then), last=then == LAST)
        traces: list = []
        if trace:
            _ask_reads(host)
        full = _observe_all(host, bodies, traces if trace else None)
        if trace and any(isinstance(s, str) for s in full):  # strace may be why
            traces = []
            full = _full_run(scenario, bodies)[1]
        if recalled is None:
            shared.remember(run_key, release, full, item)
            read = _what_was_read(host, traces, release, sandboxes) if traces else None
            if read is not None:
                shared.remember_read(group, tree(), release, *read, full, item)
        elif full != recalled[0]:
            raise Mismatch(
                f"{item}: sharing is unsound here: it would have used the run of "
                f"{recalled[1]}, which gave {recalled[0]!r}; run in full it gives {full!r}"
            )
        for (body, label), one_seen in zip(steps, full, strict=True):
            judge(host, body, one_seen, label)
    return "ran"


def _agrees(here: shared.View, then: Scenario | str | None):
    """A test of whether the host of ``then`` (a scenario) agrees with ``here`` on what
    a traced run read (:func:`shared.agree`); None when ``then`` is not a scenario."""
    if not isinstance(then, Scenario):
        return None

    def agrees(entry: shared.ReadEntry) -> bool:
        with fake_host(then) as there:
            release = release_for(kdata.data_version(then.kernel), then.arch)
            return shared.agree(entry, here, shared.View(there.built, _trees(there), release))

    return agrees


READS_MAX = 64 << 20
"""A longer record of tool reads is not read: the run is not shared."""


def _append_record(host: FakeHost, record: bytes) -> None:
    """Add the runner's own record (a reboot's reads) to the host's record of reads."""
    fd = os.open(host.home / READS, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW)
    try:
        os.write(fd, record)
    finally:
        os.close(fd)


def _ask_reads(host: FakeHost) -> None:
    """Have the tool server record what each call of the next run reads (an empty
    ``reads.marshal`` beside the state)."""
    path = host.home / READS
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        own(fd)
    finally:
        os.close(fd)


def _what_was_read(
    host: FakeHost, traces: list[bytes | None], release: str, sandboxes: int
) -> tuple[list[str], list] | None:
    """(the tree paths a traced run and its tool calls read, the reads of the state
    it depended on), see :func:`shared.read_paths` and :func:`shared.tool_reads`; None
    when the records cannot vouch for the run."""
    texts = []
    for trace in traces:
        if not trace or len(trace) >= LIMITS.output_bytes - 4096:
            return None  # no record, or one possibly cut by the file-size limit
        texts.append(trace.decode("utf-8", "replace"))
    traced = shared.read_paths(texts, release)
    try:
        with open(host.home / READS, "rb") as f:
            data = f.read(READS_MAX + 1)
        records = reads.read_records(data) if len(data) <= READS_MAX else None
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if records is None:
        return None
    if traced is None or host.built is None:
        return None
    tools = shared.tool_reads(records, traced[1], host.built, release, sandboxes)
    if tools is None:
        return None
    paths = sorted({*traced[0], *tools[0]})
    rows = shared.row_reads(paths, host.built, release)
    return paths, sorted({*tools[1], *rows})


def _trees(host: FakeHost) -> Callable[[], dict[str, fk.Node]]:
    """A function giving the trees the sandbox shows ``host`` as built
    (:func:`.fakehost.state.trees`), described once, on its first call; nothing is
    written."""
    made: list[dict[str, fk.Node]] = []

    def tree() -> dict[str, fk.Node]:
        if not made:
            made.append(fk.trees(host.built, full=True))
        return made[0]

    return tree


def _observe_all(
    host: FakeHost, bodies: list[Body], traces: list | None = None
) -> list[Observation]:
    """What each of ``bodies`` shows, applied in order to one host (with ``traces``,
    each sandbox traced and each reboot's reads recorded, see :func:`_observe`).

    A body that only runs commands (no reboot, no file) runs in the sandbox of the
    body before it, as the next commands of a reader's session on that host would:
    the fake kernel's state is one for the whole host anyway, and a procedure of
    three such steps costs one sandbox instead of three."""
    seen: list[Observation] = []
    for start, end in _segments(bodies):
        seen += _observe(host, bodies[start:end], end < len(bodies), traces)
    return seen


def _segments(bodies: list[Body]) -> list[tuple[int, int]]:
    """(start, end) of each run of bodies that share one sandbox (see :func:`_joins`)."""
    out = []
    n = 0
    while n < len(bodies):
        end = n + 1
        while end < len(bodies) and _joins(bodies[end]):
            end += 1
        out.append((n, end))
        n = end
    return out


def _commands(bodies: list[Body]) -> bool:
    return any(b.commands for b in bodies)


def _joins(body: Body) -> bool:
    return bool(body.commands) and not body.reboots and not body.writes


def _full_run(scenario: Scenario, bodies: list[Body]) -> tuple[str, list[Observation]]:
    """(key, what ``bodies`` show) on a fresh host for ``scenario``, run in full."""
    with fake_host(scenario) as host:
        return shared.key(host, scenario, bodies), _observe_all(host, bodies)
