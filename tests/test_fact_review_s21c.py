"""Fact review s21c (2026-12-05): index, tutorial/first-nested-guest, enable-x86,
verify, bug-report, reference/versions, explanation/terminology and use-cases, with
the ``because=`` texts and Source docstrings of the snippet modules they show.

Page findings are pinned to the page text as in :mod:`tests.test_fact_review_s21b`;
the facts behind them are checked against the kernel data and the snippet registry.
"""

from __future__ import annotations

import pytest

from nested_snippets import kernel, proofs, registry
from nested_snippets.snippets import verify
from tests.fact_findings import assert_fixed

INDEX = "index.rst"
ENABLE = "how-to/enable-x86.rst"
TUTORIAL = "tutorial/first-nested-guest.rst"
VERIFY = "how-to/verify.rst"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    # not every host command runs on the fake host: grep of /proc/meminfo
    # (performance.hugepages_in_use), ls -l /dev/kvm, update-grub, dmidecode and the
    # version commands are syntax-checked only (nested_snippets/proofs.py)
    "index-host-commands": (INDEX, "lives in a tested snippet: host commands run against",
                            "some host commands, such as reading ``/proc/meminfo``, "
                            "only for their shell syntax"),
    # up to 5.11 kvm_amd's npt parameter is a separate int that svm_hardware_setup()
    # never clears (svm.c @ 4.19.0, svm/svm.c @ 5.11.0); from 5.12 the parameter is
    # npt_enabled itself (module_param_named, svm/svm.c @ 5.12.9)
    "npt-before-bool": (VERIFY, "", ":claim:`npt prints 1 even on a CPU without nested "
                        "page tables <linux-npt-param>`"),
    # from 5.0 enable_shadow_vmcs is cleared only in nested_vmx_hardware_setup(), which
    # vmx_hardware_setup()/hardware_setup() calls only when nested is on (vmx/vmx.c @
    # 5.0.0, 5.4.0, 6.18.2); 4.19.0 and 4.20.0 clear it in hardware_setup() regardless
    "shadow-vmcs-nested-off": (VERIFY, "", "<linux-shadow-vmcs-setup>"),
    "what-your-cpu-has": (VERIFY, "The parameters below say what your CPU has:",
                          "With nesting on, the parameters below say what your CPU has"),
    "two-exceptions": (VERIFY, "the module switches each one off at load time on a CPU "
                       "that lacks it. If", "with the two exceptions given below"),
    # Proxmox VE runs its VMs with QEMU/KVM (pve-docs qm.adoc, "QEMU/KVM Virtual
    # Machines"; clouds.rst: "Proxmox VE is KVM itself"): not "another hypervisor"
    "proxmox-is-kvm": (INDEX, "VirtualBox, Xen, Proxmox VE)? :ref:`clouds`",
                       "or under Proxmox VE, :claim:`whose VMs run on QEMU/KVM <pve-qm-kvm>`"),
    # nested is 0444: set only by the load itself (kernel/params.c parse_args() from
    # load_module()); "when the module is loaded" also reads "while it is loaded"
    "set-at-load": (TUTORIAL, "The parameter can only be set when the module is loaded",
                    "The parameter can only be set as the module loads"),
    # s390x's nested is off by default in every release of the data (s390/kvm nested
    # default 0): "on by default in the upstream kernel" holds for x86 only
    "x86-default": (ENABLE, "Nesting is **on by default** in the upstream kernel, with",
                    "On x86, nesting is **on by default** in the upstream kernel"),
}  # fmt: skip


def test_s390x_nested_is_off_by_default_in_every_release() -> None:
    for series in kernel.versions():
        assert kernel.module("s390", "kvm", series).param("nested").default == "0", series


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding: str) -> None:
    assert_fixed(FINDINGS[finding])


def test_the_index_example_is_a_syntax_checked_host_command() -> None:
    """The host command the home page names is one the tests only parse."""
    reg = registry.load()
    snip = reg.get("performance.hugepages_in_use")
    assert "/proc/meminfo" in str(snip.eras[-1].variants[""])
    assert proofs.proof(snip, "", reg=reg).kind == "syntax"


def test_npt_is_an_int_exactly_while_it_is_not_npt_enabled() -> None:
    """The page's boundary role reads ``x86/kvm_amd npt type=int``: the int is the
    separate ``npt`` variable (svm.c), the bool is ``npt_enabled`` (5.12.9 on)."""
    assert kernel.module("x86", "kvm_amd", "5.11").param("npt").type == "int"
    assert kernel.module("x86", "kvm_amd", "5.12").param("npt").type == "bool"
    assert kernel.module("x86", "kvm_amd", "4.19").param("npt").source.startswith(
        "arch/x86/kvm/svm.c")


def test_shadow_vmcs_file_marks_where_it_is_checked_only_with_nesting() -> None:
    """The table the page points to names vmx.c at 4.19/4.20 and vmx/nested.c from 5.0."""
    for series, path in (("4.19", "arch/x86/kvm/vmx.c"), ("4.20", "arch/x86/kvm/vmx.c"),
                         ("5.0", "arch/x86/kvm/vmx/nested.c"),
                         ("6.18", "arch/x86/kvm/vmx/nested.c")):
        src = kernel.module("x86", "kvm_intel", series).param("enable_shadow_vmcs").source
        assert src.split(":")[0] == path, (series, src)


def test_verify_docstring_names_where_each_assist_is_cleared() -> None:
    """enable_shadow_vmcs is not cleared by vmx.c's hardware_setup() from 5.0, and npt
    is not cleared at all before 5.12 (only npt_enabled is)."""
    doc = " ".join(verify.__doc__.split())
    assert "``nested_vmx_hardware_setup()``" in doc
    assert "only when ``nested`` is on" in doc
    assert "``npt`` likewise" not in doc
    assert "``npt_enabled``" in doc
