"""Fact review s21b (2026-12-05): performance, security, live-migration,
migration-limits, start-l1-qemu, start-l1-libvirt, distributions,
distribution-kernels and builtin-kvm, with the ``because=`` texts and Source
docstrings of the snippet modules they show.

Page findings are pinned to the page text as in :mod:`tests.test_fact_review_20b`;
the citations in snippet modules are checked against the kernel data they cite.
"""

from __future__ import annotations

import re

import pytest

from nested_snippets import kernel, registry
from nested_snippets.snippets import distro_kernels, performance, security
from tests.fact_findings import assert_fixed

LIBVIRT = "how-to/start-l1-libvirt.rst"
MIGRATION = "how-to/live-migration.rst"
LIMITS = "explanation/migration-limits.rst"
SECURITY = "how-to/security.rst"
DISTROS = "how-to/distributions.rst"

# finding: (page, wording that must be gone, wording that must be there)
FINDINGS = {
    # host-model: the complete definition (model plus the source host's extra
    # features) goes with the guest, so the destination needs all of it
    # (libvirt docs/formatdomain.rst, "CPU model and topology", host-model)
    "host-model-destination": (LIBVIRT, "provides every feature of the model libvirt "
                               "chose, not only", "provides every feature of that "
                               "definition: the model's and the extra features libvirt "
                               "added from the source host"),
    # QEMU 5.1 labels an svm vCPU's nested state VMX; on a kernel with SVM nested
    # state kvm_arch_put_registers() stops after the special registers, also after
    # an incoming migration of an L1 that runs no L2 (QEMU v5.1.0 target/i386/kvm.c)
    "amd-51-how-to": (MIGRATION, "", "On AMD, QEMU releases from "
                      ":qemu-since:`svm-nested-state-migration` up to the one before "
                      ":qemu-since:`svm-nested-state-format-set` fail too"),
    "amd-51-limits-count": (LIMITS, "runs no L2 guest, with three exceptions",
                            "runs no L2 guest, with four exceptions"),
    "amd-51-limits": (LIMITS, "", "On AMD, QEMU :qemu-since:`svm-nested-state-migration` "
                      "up to the release before"),
    # with the TDP MMU off (kvm.tdp_mmu=0, default off before 5.15, absent before
    # 5.10) an ordinary EPT/NPT guest is mapped through kvm_mmu_get_child_sp() and
    # kvm_mmu_get_shadow_page() (mmu.c @ 6.18.2): nesting off is not enough there
    "tdp-mmu": (SECURITY, "every guest runs in shadow mode); guests lose",
                "and KVM's TDP MMU maps their tables, as it does by default on 64-bit "
                "hosts from Linux :kernel-since:`x86/kvm tdp_mmu default=Y` on"),
    # only CVE-2026-80726's record has a reproducer's report (UID 1000)
    "one-reproducer": (SECURITY, "the records' reproducers run as an ordinary user",
                       "CVE-2026-80726's reproducer runs as an ordinary user"),
    # tests/realtools/test_virt_install.py replaces the connection and the local
    # backing image and key before it runs the line: not "this exact line"
    "virt-install-proof": (DISTROS, "The test suite runs this exact line",
                           "with only the connection and the two local files it names "
                           "(the image and the public key) replaced"),
}  # fmt: skip


def test_tdp_mmu_is_on_by_default_only_from_5_15_and_only_on_64_bit() -> None:
    """The release the security page names comes from the data, which agrees."""
    p = kernel.module("x86", "kvm", "5.15").param("tdp_mmu")
    assert (p.default, p.config) == ("Y", "CONFIG_X86_64")
    assert kernel.module("x86", "kvm", "5.14").param("tdp_mmu").default == "N"


@pytest.mark.parametrize("finding", FINDINGS)
def test_the_finding_is_fixed_in_the_page(finding: str) -> None:
    assert_fixed(FINDINGS[finding])


def _because(sid: str, era: str | None) -> str:
    """The ``because=`` text of snippet ``sid`` (of its era ``era`` if given)."""
    snip = registry.load().get(sid)
    if era is None:
        return snip.because
    return next(e.because for e in snip.eras if e.kernels.spec == era)


def _avic_file(series: str) -> tuple[str, str]:
    """(file under arch/x86/kvm/, release) of kvm_amd's ``avic`` in the kernel data."""
    path = kernel.module("x86", "kvm_amd", series).param("avic").source.split(":")[0]
    return path.removeprefix("arch/x86/kvm/"), kernel.load(series).release


# (snippet, era or None, series whose avic the text describes)
AVIC_CITES = [
    ("performance.l0_amd_params", None, "5.13"),
    ("distro_kernels.params_amd", "<5.12", "5.11"),
    ("distro_kernels.params_amd", ">=5.12,<5.13", "5.12"),
    ("distro_kernels.params_amd", ">=5.13", "5.13"),
    ("distro_kernels.params_amd", ">=5.13", "6.18"),
]


@pytest.mark.parametrize(("sid", "era", "series"), AVIC_CITES)
def test_avic_citations_name_the_file_that_declares_it(sid: str, era: str | None,
                                                       series: str) -> None:
    """avic is declared in svm/avic.c at 5.11.0, 5.12.9, 5.13.0 and 6.18.2 (svm/svm.c
    only from 5.14 to 6.17): the texts had cited svm/svm.c for it."""
    path, release = _avic_file(series)
    assert path == "svm/avic.c", (series, path)
    text = _because(sid, era)
    assert re.search(rf"{re.escape(path)}[^;]*@ {re.escape(release)}", text), (sid, era, text)


def test_npt_is_not_said_to_become_bool_in_5_13() -> None:
    """npt is a bool from 5.12 (svm/svm.c @ 5.12.9), a release before avic."""
    assert kernel.module("x86", "kvm_amd", "5.12").param("npt").type == "bool"
    text = _because("performance.l0_amd_params", None)
    assert "npt/avic are bool from 5.13" not in text
    assert "npt is a bool from 5.12 (svm/svm.c @ 5.12.9)" in text


def test_avic_from_6_18_is_a_callback_that_modinfo_shows_as_bool() -> None:
    p = kernel.module("x86", "kvm_amd", "6.18").param("avic")
    assert (p.type, p.modinfo_type) == ("callback", "bool")
    assert "__MODULE_PARM_TYPE" in _because("distro_kernels.params_amd", ">=5.13")
    assert "``svm/avic.c``" in distro_kernels.__doc__


def test_performance_docstring_names_where_each_assist_is_cleared() -> None:
    """6.18.2: vmx_hardware_setup() in vmx/vmx.c clears ept and enable_apicv;
    enable_shadow_vmcs is cleared in vmx/nested.c nested_vmx_hardware_setup(), called
    only when nested is on."""
    doc = " ".join(performance.__doc__.split())
    assert "``vmx/vmx.c`` ``hardware_setup()``" not in doc
    assert "``vmx_hardware_setup()`` @ 6.18.2" in doc
    assert "``nested_vmx_hardware_setup()`` @ 6.18.2" in doc


def test_security_docstring_gives_the_mode_each_release_writes() -> None:
    """vmx/vmx.c and svm/svm.c declare nested with 0444 at 6.18.2; S_IRUGO is 4.19's."""
    doc = " ".join(security.__doc__.split())
    assert "``module_param(nested, ..., 0444)`` in ``vmx/vmx.c`` and ``svm/svm.c``" in doc
    for key in ("kvm_intel", "kvm_amd"):
        for series in ("4.19", "6.18"):
            assert kernel.module("x86", key, series).param("nested").perm_octal == "0444"
