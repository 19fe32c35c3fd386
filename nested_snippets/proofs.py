"""What proves each snippet: the proof line under every code block.

Each body kind says what proves it (:meth:`nested_snippets.bodies.Body.proof`); the
tests that run the real tools select their inputs with the predicates here
(``is_modprobe_conf``, ``names_cpu_model``, ``names_machine``, ``is_virt_install``,
``checked_against_qemu_data``,
``is_virsh_call``, ``is_domain_xml``),
which read the same body properties, so a line cannot claim a check that no test
makes.  :func:`counts` feeds the maintainers' page.
"""

from __future__ import annotations

from collections import Counter

from nested_snippets import kernel as kdata
from nested_snippets import registry
from nested_snippets.bodies import (
    Proof,
    cpu_args_in,
    cpu_models_in,
    machine_args_in,
    qemu_binary_in,
)
from nested_snippets.model import (
    Body,
    CommandLine,
    ConfigFile,
    Era,
    KernelRange,
    Procedure,
    Snippet,
    Xml,
)

__all__ = ["Proof", "checked_against_qemu_data", "counts", "cpu_args_in", "cpu_models_in",
           "is_domain_xml", "is_modprobe_conf", "is_virsh_call", "is_virt_install",
           "machine_args_in",
           "names_cpu_model", "names_machine", "proof", "qemu_binary_in"]  # fmt: skip


def is_modprobe_conf(body: Body) -> bool:
    """Checked against real kmod (``modprobe -C DIR -c``) in tests/realtools."""
    return isinstance(body, ConfigFile) and body.read_by_kmod


def names_cpu_model(body: Body) -> bool:
    """A QEMU command line whose CPU model the real ``-cpu help`` must list."""
    return isinstance(body, CommandLine) and bool(body.cpu_models)


def names_machine(body: Body) -> bool:
    """A QEMU command line whose ``-machine`` type and option names that QEMU binary's
    real ``-machine TYPE,help`` must list."""
    return isinstance(body, CommandLine) and bool(body.machine_args)


def checked_against_qemu_data(body: Body) -> bool:
    """An s390x QEMU line whose ``-cpu`` / ``-machine`` tests/test_qemu_data.py checks
    against the QEMU data of every release."""
    return isinstance(body, CommandLine) and bool(body.s390x_args)


def is_virt_install(body: Body) -> bool:
    """A virt-install line, run by the real virt-install against libvirt's test
    driver (``--dry-run --print-xml``) in tests/realtools."""
    return isinstance(body, CommandLine) and body.is_virt_install


def is_virsh_call(body: Body) -> bool:
    """A command line with virsh in it, whose commands and options the real
    ``virsh help`` must know (tests/realtools)."""
    return isinstance(body, CommandLine) and bool(body.virsh_calls)


def is_domain_xml(body: Body) -> bool:
    """Validated by libvirt's ``virt-xml-validate`` in tests/realtools."""
    return isinstance(body, Xml)


def _release_span(kernels: KernelRange) -> str:
    versions = kernels.select(kdata.versions())
    if not versions:
        return "no release with data"
    if len(versions) == 1:
        return f"Linux {versions[0]}"
    return f"Linux {versions[0]}–{versions[-1]} ({len(versions)} releases with data)"


def _in_procedure(snippet: Snippet, procedures: dict[str, Procedure]) -> bool:
    return any(step is snippet for proc in procedures.values() for step in proc.steps)


def proof(
    snippet: Snippet, key: str, era: Era | None = None, reg: registry.Registry | None = None
) -> Proof:
    """What the test suite does with ``snippet``'s variant ``key`` in ``era`` (default:
    the newest; the body says, unless the snippet is marked not executed)."""
    reg = reg or registry.load()
    if snippet.not_executed is not None:
        ne = snippet.not_executed
        era = era or snippet.eras[-1]
        body = era.variants[key]
        checked = (
            " Shell syntax checked."
            if isinstance(body, CommandLine) and body.syntax_checked
            else ""
        )
        return Proof("not-executed", f"Not executed here: {ne.why}.{checked}")
    era = era or snippet.eras[-1]
    return era.variants[key].proof(
        _release_span(era.kernels), _in_procedure(snippet, reg.procedures)
    )


def shown_counts(reg: registry.Registry | None = None) -> Counter[str]:
    """How many proof lines of each kind the pages show: one under each code block
    (a tab is a block, and so is each ``testcode`` and ``testoutput`` example), a
    block shown on two pages counted on each, as a reader counts."""
    from nested_snippets import pages

    reg = reg or registry.load()
    found: Counter[str] = Counter()
    for d in pages.directives():
        snip = reg.get(d.snippet_id)
        if d.name == "snippet-tabs":
            keys = d.options.get("arches", "").split() or list(snip.keys)
        else:
            keys = [d.options.get("arch", "")]
        for era in snip.eras_in(d.options.get("kernels", "")):
            found.update(proof(snip, key, era, reg).kind for key in keys)
    if examples := pages.doctest_blocks():  # Python examples: a proof line each, too
        found[DOCTEST] += len(examples)
    return found


DOCTEST = "doctest"
"""The proof kind of a page's Python example (``testcode``, ``testoutput``): Sphinx's
doctest builder runs it (:mod:`nested_snippets.sphinxext.freshness` adds its line)."""


def counts(reg: registry.Registry | None = None) -> Counter[str]:
    """How many snippet variants (of every era) each kind of proof covers."""
    reg = reg or registry.load()
    return Counter(
        proof(s, key, era, reg).kind for s in reg.snippets.values() for era, key, _b in s.bodies()
    )
