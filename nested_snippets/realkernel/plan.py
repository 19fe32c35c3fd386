"""What one real-kernel boot runs: every AMD snippet and procedure that can run in a
TCG guest, turned into one bash script with one result per command.

A :class:`Case` is a snippet (variant ``amd``), a procedure or a built-in probe (the
Intel symptoms and a few kmod behaviours, :data:`PROBES`).  Start states a single
QEMU boot cannot reproduce are skipped with the reason (:func:`unreproducible`).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from nested_snippets import registry
from nested_snippets.model import (
    Body,
    Command,
    Given,
    KernelRange,
    Procedure,
    Reboot,
    Snippet,
    Transcript,
)

ARCH = "amd"
Item = tuple[str, Body]
"""(label, what to run): a snippet body or a reboot."""


@dataclass(frozen=True)
class Case:
    id: str
    given: Given
    items: tuple[Item, ...]
    kernels: KernelRange = KernelRange()
    skip: str = ""
    where: str = ""

    def commands(self) -> list[tuple[str, str, Command]]:
        """(result key suffix, label, command) for every command, in order."""
        out = []
        for j, (label, body) in enumerate(self.items):
            out += [(f"s{j}.k{k}", label, c) for k, c in enumerate(body.commands)]
        return out


def _probe(name: str, given: Given, *commands: tuple[str, int]) -> Case:
    body = Transcript(tuple(Command(text, (), status) for text, status in commands))
    return Case(f"probe.{name}", given, ((f"probe.{name}", body),), where=__file__)


_NESTED = "/sys/module/kvm_amd/parameters/nested"
PROBES: tuple[Case, ...] = (
    _probe("amd_nested", Given(), (f"cat {_NESTED}", 0)),
    _probe("intel_no_hw_support", Given(kvm="unloaded"),
           ("sudo modprobe kvm_intel", 1), ("sudo dmesg | grep -i kvm", 0),
           ("lsmod | grep -i kvm", 0), ("sudo modprobe -r kvm", 0),
           ("lsmod | grep -i kvm", 1)),
    _probe("intel_while_amd_loaded", Given(),
           ("sudo modprobe kvm_intel", 0), ("sudo dmesg | grep -i 'already loaded'", 0),
           ("lsmod | grep -c kvm_intel", 1)),
    _probe("modinfo_params", Given(kvm="unloaded"),
           ("modinfo -p kvm_intel", 0), ("modinfo kvm_intel | grep parm", 0),
           ("modinfo -p kvm_amd", 0), ("modinfo kvm_amd | grep -i nested", 0),
           ("modinfo -p kvm", 0)),
    _probe("modprobe_conf", Given(kvm="unloaded", files={
               "/etc/modprobe.d/kvm-nested.conf":
                   "options kvm-intel nested=0\noptions kvm-amd nested=0\n"}),
           ("modprobe -c | grep '^options'", 0), ("sudo modprobe kvm-amd", 0),
           (f"cat {_NESTED}", 0)),
    _probe("amd_params", Given(),
           ("grep -H . /sys/module/kvm_amd/parameters/*", 0),
           ("grep -H . /sys/module/kvm/parameters/*", 0),
           ("lsmod | grep -i kvm", 0), ("sudo dmesg | grep -i -e kvm -e svm", 0)),
    _probe("amd_reload", Given(),
           ("sudo modprobe kvm_amd nested=0", 0), (f"cat {_NESTED}", 0),
           ("sudo modprobe --first-time kvm_amd", 1),
           (f"echo 0 | sudo tee {_NESTED}", 1),
           ("sudo modprobe -r kvm_amd", 0), ("sudo modprobe kvm_amd nested=0", 0),
           (f"cat {_NESTED}", 0), ("sudo modprobe -r kvm_amd", 0),
           ("sudo modprobe kvm_amd bogus_param=1", 0), ("sudo modprobe -r kvm_amd", 0),
           ("sudo modprobe kvm_amd nested=banana", 1),
           ("sudo dmesg | grep -i -e kvm -e svm -e banana -e bogus", 0)),
)


def unreproducible(given: Given) -> str:
    """Why one QEMU boot with ``-cpu max`` cannot start from ``given`` ('' if it can)."""
    if given.kvm == "builtin":
        return "KVM built into the kernel (Debian builds modules)"
    if given.level == "L1":
        return "an L1 guest (the TCG guest is the L0 host here)"
    if not given.cpu_flag:
        return "a CPU without svm (-cpu max has it)"
    if given.vm_running:
        return "a running VM (none is started under TCG)"
    if given.cmdline:
        return "a kernel command line (one boot serves all snippets)"
    if not given.firmware_vt:
        return "virtualization switched off in the firmware (a TCG guest's CPU cannot be)"
    return ""


def _variant(snip: Snippet) -> str | None:
    if ARCH in snip.keys:
        return ARCH
    if not snip.is_multi and snip.arch == ARCH:
        return ""
    return None


def _snippet_cases(snip: Snippet, variant: str) -> list[Case]:
    """One case per era of the snippet (most have one)."""
    cases = []
    for era in snip.eras:
        body = era.variants[variant]
        cid = f"{snip.id}[{ARCH}]" + (f" {era.kernels.spec}" if len(snip.eras) > 1 else "")
        skip = unreproducible(snip.given)
        items: tuple[Item, ...] = ((snip.id, body),)
        if not body.commands:
            skip, items = skip or f"a {type(body).__name__}: nothing to run", ()
        cases.append(Case(cid, snip.given, items, era.kernels, skip, snip.defined_at))
    return cases


def _procedure_cases(proc: Procedure) -> list[Case]:
    """One case per stretch of ``proc``'s releases in which no step changes era."""
    starts = [era.kernels.bounds()[0] for step in proc.steps if isinstance(step, Snippet)
              for era in step.eras[1:]]  # fmt: skip
    parts = proc.kernels.split(b for b in starts if b is not None)
    return [_procedure_case(proc, part, len(parts) > 1) for part in parts]


def _procedure_case(proc: Procedure, kernels: KernelRange, named: bool) -> Case:
    items: list[Item] = []
    for n, step in enumerate(proc.steps, 1):
        body = step if isinstance(step, Reboot) else step.body_in(kernels, ARCH)
        if body.on_host:
            items.append((f"step {n} ({step.id})", body))
    skip = unreproducible(proc.given)
    texts = [c.text for _l, b in items for c in b.commands]
    if any(("update-grub" in t or "grubby" in t) for t in texts):
        skip = skip or "changes the kernel command line, which needs a real reboot"
    cid = f"{proc.id}[{ARCH}]" + (f" {kernels.spec}" if named else "")
    return Case(cid, proc.given, tuple(items), kernels, skip, proc.defined_at)


def all_cases() -> list[Case]:
    """Every AMD snippet and procedure of the registry, then the built-in probes."""
    reg = registry.load()
    out: list[Case] = []
    for snip in reg.snippets.values():
        variant = _variant(snip)
        if variant is not None:
            out.extend(_snippet_cases(snip, variant))
    for proc in reg.procedures.values():
        if ARCH in reg.arches_of(proc):
            out.extend(_procedure_cases(proc))
    return out + list(PROBES)


def applicable(case: Case, data_version: str) -> str:
    """Why ``case`` does not run on this kernel ('' if it does)."""
    if case.skip:
        return case.skip
    if not case.kernels.contains(data_version):
        return f"kernel range {case.kernels.spec} excludes {data_version}"
    return ""


# ---------------------------------------------------------------- the guest script


RESET = r"""
reset_state() {  # back to a freshly booted guest without KVM modules
    modprobe -r kvm_amd kvm_intel >/dev/null 2>&1
    modprobe -r kvm ccp irqbypass >/dev/null 2>&1
    rm -rf /etc/modprobe.d; mkdir -p /etc/modprobe.d
    rm -f "$@"
    dmesg -C
}
reboot_state() {  # a reboot: modules and the log are gone, files stay
    modprobe -r kvm_amd kvm_intel >/dev/null 2>&1
    modprobe -r kvm ccp irqbypass >/dev/null 2>&1
    dmesg -C
}
boot_modules() {  # what udev does at boot on an AMD host
    modprobe kvm_amd "$@"
}
"""


@dataclass
class Script:
    body: list[str] = field(default_factory=lambda: [RESET])
    files: dict[str, str] = field(default_factory=dict)

    def add_file(self, name: str, text: str) -> str:
        path = f"/nkg/{name}"
        self.files[path] = text
        return path

    def write(self, key: str, target: str, text: str) -> None:
        src = self.add_file(f"{key}.file", text)
        cmd = f"mkdir -p {shlex.quote(target.rsplit('/', 1)[0] or '/')} && "
        cmd += f"cp {src} {shlex.quote(target)}"
        self.body.append(f"quiet {key} bash -c {shlex.quote(cmd)}")


def script(cases: list[Case]) -> Script:
    """The guest script for ``cases`` (all applicable) and its data files."""
    out = Script()
    written: list[str] = []
    for i, case in enumerate(cases):
        out.body.append(f"\n# {case.id}")
        out.body.append(f"quiet c{i}.reset reset_state {' '.join(map(shlex.quote, written))}")
        written = list(case.given.files)
        for n, (path, text) in enumerate(case.given.files.items()):
            out.write(f"c{i}.given{n}", path, text)
        if case.given.kvm in ("loaded", "booted"):  # the same on AMD (a CPU alias)
            extra = "" if case.given.nested is None else f" nested={int(case.given.nested)}"
            out.body.append(f"quiet c{i}.boot boot_modules{extra}")
        for j, (_label, body) in enumerate(case.items):
            if body.reboots:
                out.body.append(f"quiet c{i}.s{j} reboot_state; quiet c{i}.s{j}.boot boot_modules")
            for n, (target, text) in enumerate(body.writes.items()):
                out.write(f"c{i}.s{j}" + (f".w{n}" if n else ""), target, text)
                written.append(target)
            for k, cmd in enumerate(body.commands):
                path = out.add_file(f"c{i}.s{j}.k{k}.sh", cmd.text)
                out.body.append(f"run c{i}.s{j}.k{k} {path}")
    return out
