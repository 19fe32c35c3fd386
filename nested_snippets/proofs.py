"""What proves each snippet: the one place that says which check covers which body.

The pages print :func:`label` under every code block, and the tests that run the
real tools select their inputs with the predicates here (``is_modprobe_conf``,
``names_cpu_model``, ``is_domain_xml``), so a label cannot claim a check that no
test makes.  :func:`counts` feeds the maintainers' page.
"""

from __future__ import annotations

import shlex
from collections import Counter
from dataclasses import dataclass

from nested_snippets import kernel as kdata
from nested_snippets import registry
from nested_snippets.model import (
    Body,
    CommandLine,
    ConfigFile,
    Procedure,
    Snippet,
    Transcript,
    Xml,
)


def is_modprobe_conf(body: Body) -> bool:
    """Checked against real kmod (``modprobe -C DIR -c``) in tests/realtools."""
    return isinstance(body, ConfigFile) and body.path.startswith("/etc/modprobe.d/")


def cpu_args_in(command: str) -> list[str]:
    """The argument of every ``-cpu MODEL[,feature=on...]`` in a shell command line."""
    words = shlex.split(command.replace("\\\n", " "), comments=False)
    return [words[i + 1] for i, w in enumerate(words[:-1]) if w == "-cpu"]


def cpu_models_in(command: str) -> list[str]:
    """The model of every ``-cpu MODEL[,feature=on...]`` in a shell command line."""
    return [arg.split(",")[0] for arg in cpu_args_in(command)]


def names_cpu_model(body: Body) -> bool:
    """A QEMU command line whose CPU model the real ``-cpu help`` must list."""
    return isinstance(body, CommandLine) and bool(cpu_models_in(body.command))


def is_virt_install(body: Body) -> bool:
    """A virt-install line, run by the real virt-install against libvirt's test
    driver (``--dry-run --print-xml``) in tests/realtools."""
    return isinstance(body, CommandLine) and body.command.startswith("virt-install ")


def is_domain_xml(body: Body) -> bool:
    """Validated by libvirt's ``virt-xml-validate`` in tests/realtools."""
    return isinstance(body, Xml)


@dataclass(frozen=True)
class Proof:
    kind: str
    """``executed``, ``validated``, ``syntax``, ``not-executed`` or ``shown``."""
    text: str


def _release_span(snippet: Snippet) -> str:
    versions = [v for v in kdata.versions() if snippet.kernels.contains(v)]
    if not versions:
        return "no release with data"
    if len(versions) == 1:
        return f"Linux {versions[0]}"
    return f"Linux {versions[0]}–{versions[-1]} ({len(versions)} releases with data)"


def _in_procedure(snippet: Snippet, procedures: dict[str, Procedure]) -> bool:
    return any(step is snippet for proc in procedures.values() for step in proc.steps)


def proof(snippet: Snippet, key: str, reg: registry.Registry | None = None) -> Proof:
    """What the test suite does with ``snippet``'s variant ``key``."""
    reg = reg or registry.load()
    body = snippet.variants[key]
    if snippet.not_executed is not None:
        ne = snippet.not_executed
        return Proof("not-executed", f"Not executed here: {ne.why}. Shell syntax checked.")
    if isinstance(body, Transcript):
        return Proof("executed", f"Run on the fake host for {_release_span(snippet)}.")
    if isinstance(body, ConfigFile):
        steps = "written on the fake host in a tested procedure"
        if not _in_procedure(snippet, reg.procedures):
            steps = "not applied by any test"
        if is_modprobe_conf(body):
            return Proof("validated", f"Read by real kmod (modprobe -c); {steps}.")
        kind = "executed" if "procedure" in steps else "shown"
        return Proof(kind, steps[0].upper() + steps[1:] + ".")
    if isinstance(body, Xml):
        return Proof("validated", "Validated by libvirt's virt-xml-validate.")
    if is_virt_install(body):
        return Proof(
            "validated",
            "Run by the real virt-install against libvirt's test driver in dry-run "
            "mode; the domain XML it prints validated by virt-xml-validate.",
        )
    if names_cpu_model(body):
        return Proof(
            "validated",
            "CPU model checked with QEMU's -cpu help and its properties with "
            "-device MODEL-x86_64-cpu,help; shell syntax checked.",
        )
    return Proof("syntax", "Shell syntax checked only (not run).")


def counts(reg: registry.Registry | None = None) -> Counter[str]:
    """How many snippet variants each kind of proof covers."""
    reg = reg or registry.load()
    return Counter(
        proof(s, key, reg).kind for s in reg.snippets.values() for key in s.variants
    )
