"""Run every case in one boot of a real kernel, then replay each on the fake host.

The fake host is built for the same start state, kernel-data version and CPU: the
guest's own ``/proc/cpuinfo`` flags and model (QEMU ``-cpu max`` under TCG lacks
nrip_save, lbrv, v_vmsave_vmload, ...) replace the fake's AMD EPYC while the host is
created.  Outputs are compared after :func:`~nested_snippets.runner.run.normalise`
and after renaming the guest's ``uname -r`` to the fake's.
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass

from nested_snippets.cli.escape import escape, escape_text
from nested_snippets.fakehost import cpus
from nested_snippets.fakehost.host import Scenario, release_for
from nested_snippets.realkernel import boot, plan
from nested_snippets.realkernel.kernels import Kernel
from nested_snippets.runner import run
from nested_snippets.runner.sandbox import LimitExceeded, Refused

HEADER = r"""
quiet guest.flags bash -c "grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2-"
quiet guest.model bash -c "grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2-"
quiet guest.family bash -c "grep -m1 '^cpu family' /proc/cpuinfo | cut -d: -f2-"
quiet guest.modelno bash -c "grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | cut -d: -f2-"
quiet guest.release uname -r
"""
_BASH_LINE = re.compile(r"^bash: line \d+: ")


@dataclass(frozen=True)
class Guest:
    """The guest CPU as its /proc/cpuinfo shows it."""

    flags: tuple[str, ...]
    model: str
    family: int
    model_no: int
    release: str


@dataclass
class TierRun:
    kernel: Kernel
    boot: boot.BootRun
    guest: Guest
    index: dict[str, int]
    """Case id -> its number in the script (``c<n>.`` result keys)."""
    skipped: dict[str, str]
    cases: dict[str, plan.Case]


def _one(results: dict[str, boot.Result], key: str) -> str:
    res = results.get(key)
    return " ".join(res.output).strip() if res else ""


def run_kernel(kern: Kernel, cases: list[plan.Case] | None = None) -> TierRun:
    """Boot ``kern`` once and run every applicable case."""
    cases = plan.all_cases() if cases is None else cases
    skipped = {c.id: why for c in cases if (why := plan.applicable(c, kern.data_version))}
    todo = [c for c in cases if c.id not in skipped]
    script = plan.script(todo)
    result = boot.boot(kern, HEADER + "\n".join(script.body) + "\n", script.files)
    r = result.results
    guest = Guest(tuple(_one(r, "guest.flags").split()), _one(r, "guest.model"),
                  int(_one(r, "guest.family") or 0), int(_one(r, "guest.modelno") or 0),
                  _one(r, "guest.release"))  # fmt: skip
    return TierRun(kern, result, guest, {c.id: i for i, c in enumerate(todo)}, skipped,
                   {c.id: c for c in cases})  # fmt: skip


def guest_cpu(guest: Guest) -> cpus.CpuModel:
    """The guest's CPU (flags and model) as a fake-host CPU model."""
    return cpus.CpuModel("AuthenticAMD", guest.model, guest.family, guest.model_no, guest.flags)


# ------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Difference:
    label: str
    command: str
    real: list[str]
    real_status: int
    fake: list[str]
    fake_status: int
    note: str = ""

    def explain(self) -> str:
        # escaped, each line of the command indented (review s21: an ANSI escape or a
        # carriage return of a command or of either side's output reached the log raw)
        shown = escape_text(self.command).replace("\n", "\n    ")
        head = [escape_text(self.label), f"  command: $ {shown}"]
        if self.note:
            head.append(f"  note: {self.note}")
        head.append(f"  exit status: real kernel {self.real_status}, fake host {self.fake_status}")
        return "\n".join(head + ["  " + row for row in side_by_side(self.real, self.fake)])


def side_by_side(left: list[str], right: list[str], width: int = 58,
                 titles: tuple[str, str] = ("real kernel", "fake host")) -> list[str]:  # fmt: skip
    """Two columns; ``|`` marks changed rows, ``<``/``>`` rows on one side only."""

    def cell(text: str) -> str:
        text = escape(text)  # a line's control characters, escaped (review s21)
        return text if len(text) <= width else text[: width - 1] + "…"

    rows = [f"{titles[0]:<{width}}   {titles[1]}", f"{'-' * width}   {'-' * width}"]
    long: list[str] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [f"{cell(a):<{width}}   {cell(a)}" for a in left[i1:i2]]
            continue
        for a, b in itertools.zip_longest(left[i1:i2], right[j1:j2]):
            mark = "|" if a is not None and b is not None else "<" if b is None else ">"
            rows.append(f"{cell(a or ''):<{width}} {mark} {cell(b or '')}")
            long += [f"{side}: {escape(t)}" for side, t in (("real", a), ("fake", b))
                     if t is not None and len(escape(t)) > width]  # fmt: skip
    if not left and not right:
        rows.append("(no output on either side)")
    return rows + (["full text of truncated lines:"] + long if long else [])


def _real_lines(lines: list[str], guest: Guest, fake_release: str) -> list[str]:
    out = []
    for line in lines:
        line = _BASH_LINE.sub("bash: ", line)
        out.append(line.replace(guest.release, fake_release) if guest.release else line)
    return out


def compare(tier: TierRun, case_id: str) -> list[Difference]:
    """Replay case ``case_id`` on the fake host; the differences from the real kernel."""
    case = tier.cases[case_id]
    i = tier.index[case_id]
    results = tier.boot.results
    version = tier.kernel.data_version
    fake_release = release_for(version, plan.ARCH)
    notes = [f"setup step {k} exited {r.status}: {' '.join(r.output)[:200]}"
             for k, r in results.items()
             if k.startswith(f"c{i}.") and not k.startswith(f"c{i}.s")
             and k != f"c{i}.reset" and r.status]  # fmt: skip
    out: list[Difference] = []
    scenario = Scenario(plan.ARCH, version, case.given, cpu=guest_cpu(tier.guest))
    host_cm = run.fake_host(scenario)
    host = host_cm.__enter__()
    try:
        for j, (label, body) in enumerate(case.items):
            if body.reboots:
                host.reboot()
            for target, text in body.writes.items():
                host.write_file(target, text)
            if body.commands:
                for k, cmd in enumerate(body.commands):
                    real = results.get(f"c{i}.s{j}.k{k}")
                    if real is None:
                        out.append(Difference(label, cmd.text, [], -1, [], -1,
                                              "no result from the guest"))  # fmt: skip
                        continue
                    try:
                        got = run.execute(host, cmd.text)
                        fake, fake_status = got.output, got.status
                    except Refused as exc:
                        fake, fake_status = [f"(refused by the sandbox: {exc})"], -1
                    except LimitExceeded as exc:
                        fake, fake_status = [f"(over a sandbox limit: {exc})"], -1
                    want = run.normalise(_real_lines(real.output, tier.guest, fake_release),
                                         cmd.text)  # fmt: skip
                    have = run.normalise(fake, cmd.text)
                    if want != have or real.status != fake_status:
                        out.append(
                            Difference(
                                f"{case.id} {label} #{k}",
                                cmd.text,
                                want,
                                real.status,
                                have,
                                fake_status,
                                "; ".join(notes),
                            )
                        )
    finally:
        host_cm.__exit__(None, None, None)
    return out
