"""``nested-kvm check``: is this host ready for nested KVM?  Reads files, and proves
KVM with a transient VM (:mod:`kvmprobe`) unless ``--no-probe``.

Exit status: 0 ready, 1 not ready, 2 could not check.  "Ready" is judged for the
host's level: an L0 must be able to run nested guests (KVM usable, ``nested`` on),
an L1 must be able to run KVM guests (vmx/svm/sie exposed, ``/dev/kvm`` present).
"""

from __future__ import annotations

import sys

from nested_snippets.cli import hypervisor, kvmprobe, probes
from nested_snippets.cli.checks import Evaluation, evaluate
from nested_snippets.cli.errors import CliError
from nested_snippets.cli.escape import clip, escape
from nested_snippets.cli.hostfs import HostFS
from nested_snippets.cli.probes import Facts

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    import argparse

SCHEMA = "nested-kvm-check/1"
READY, NOT_READY, CANNOT_CHECK = 0, 1, 2


def exit_status(facts: Facts, ev: Evaluation) -> int:
    verdict = ev.l1 if facts.level == "L1" else ev.l0
    return {True: READY, False: NOT_READY, None: CANNOT_CHECK}[verdict]


def host_json(facts: Facts) -> dict[str, object]:
    return {
        "machine": facts.machine,
        "arch": facts.cpu.arch,
        "vendor": facts.arch.key if facts.arch else None,
        "vendor_id": facts.cpu.vendor_id,
        "model": facts.cpu.model,
        "kernel": facts.release,
        "level": facts.level,
        "level_source": "given" if facts.level_given else "detected",
        "guest_evidence": facts.evidence,
        "l0": None
        if facts.l0 is None
        else {
            "kind": facts.l0.kind,
            "provider": facts.l0.provider,
            "name": hypervisor.describe(facts.l0),
            "evidence": facts.l0.evidence,
        },
    }


def _yes(v: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[v]


def _because(failed: list[str]) -> str:
    return f" (because of: {', '.join(failed)})" if failed else ""


def render_text(facts: Facts, ev: Evaluation, status: int) -> str:
    # a word from a file is shown cut past 80 characters (cli.rst, Bad input)
    who = facts.arch.label if facts.arch else f"unknown vendor '{clip(facts.cpu.vendor_id)}'"
    where = "guest (L1)" if facts.level == "L1" else "bare metal (L0)"
    how = (
        "as given by --level"
        if facts.level_given
        else ("; ".join(facts.evidence) if facts.evidence else "no sign of a hypervisor")
    )
    lines = [
        f"host: {facts.machine}, {who}, kernel {clip(facts.release or 'unknown')}",
        f"level: {where} — {how}",
    ]
    lines += [r.line() for r in ev.results]
    lines.append(f"VERDICT  run nested guests as L0: {_yes(ev.l0)}{_because(ev.l0_failed)}")
    l1 = f"VERDICT  run KVM guests as L1: {_yes(ev.l1)}{_because(ev.l1_failed)}"
    if facts.software_kvm and ev.l1 is False:  # a working /dev/kvm is no contradiction
        soft = facts.software_kvm
        l1 += f"; /dev/kvm works through {soft}, for PVM guests only: others need vmx/svm"
    lines.append(l1)
    word = {READY: "ready", NOT_READY: "not ready", CANNOT_CHECK: "could not check"}[status]
    lines.append(f"RESULT   {facts.level}: {word} (exit {status})")
    return "".join(escape(line) + "\n" for line in lines)


def render_json(
    facts: Facts | None, ev: Evaluation | None, status: int, error: str | None = None
) -> str:
    from nested_snippets.cli.escape import dumps

    doc = {
        "schema": SCHEMA,
        "host": host_json(facts) if facts else None,
        "checks": [r.as_json() for r in ev.results] if ev else [],
        "verdict": {
            "level": facts.level if facts else None,
            "l0_nested_ready": ev.l0 if ev else None,
            "l1_ready": ev.l1 if ev else None,
        },
        "exit": status,
        "error": error,
    }
    return dumps(doc)


def kvm_answer(fs: HostFS, facts: Facts, skip: bool) -> kvmprobe.Answer | str:
    """Run the KVM probe (the one exception to read-only), or say why not."""
    if skip:
        return "not probed (--no-probe)"
    why = fs.outside("/dev/kvm")  # e.g. a directory link, dev -> /dev
    if why:
        return f"not probed: /dev/kvm: {why}"
    states = set(facts.modules.values())
    if states and not states & set(probes.AVAILABLE):
        # /dev/kvm is a kmod static node ("devname:kvm"): its first open would make
        # the kernel load the module, which this read-only checker never does
        why = (
            "no KVM module is loaded"
            if states == {"absent"}
            else "cannot tell whether a KVM module is loaded (no /sys/module)"
        )
        return (
            f"not probed: {why}, and opening /dev/kvm would load one"
            " (load it yourself, then run check again)"
        )
    vendor = facts.arch.key if facts.arch else None
    try:
        return kvmprobe.probe(str(fs.path("/dev/kvm")), vendor, follow=fs.real)
    except kvmprobe.NotKvm as exc:
        return f"not probed: {exc}"


def run(args: argparse.Namespace) -> int:
    fs = HostFS(args.root)
    try:
        facts = probes.gather(fs, args.level)
    except CliError as exc:
        if args.json:
            sys.stdout.write(render_json(None, None, CANNOT_CHECK, str(exc)))
        raise
    ev = evaluate(fs, facts, kvm_answer(fs, facts, args.no_probe))
    status = exit_status(facts, ev)
    error = None
    if status == CANNOT_CHECK:
        error = "could not check: " + ("; ".join(dict.fromkeys(ev.unknown)) or "see the SKIP lines")
    if args.json:
        sys.stdout.write(render_json(facts, ev, status, error))
    else:
        sys.stdout.write(render_text(facts, ev, status))
    if error:
        print(escape(f"nested-kvm check: {error}"), file=sys.stderr)
    return status
