"""What a module's init does to parameter values beyond the compile-time default.

The kernel data marks many of these (``runtime_requires``: "cleared unless the CPU
has flag X").  The rules here cover the rest, each with the code that makes it so;
they were found by the real-kernel differential tier (``tests/realkernel``), which
compares the fake host with Debian kernels booted under QEMU.
"""

from __future__ import annotations

from nested_snippets.fakehost import cpus


def omitted(config: str | None) -> bool:
    """Whether a declared parameter is absent from the modelled kernel: its guard is
    ``CONFIG_BROKEN`` (no kernel is built with it) or an ``#ifdef`` on a macro no
    file of the tree defines (mmu.c's ``dbg`` under ``MMU_DEBUG``: the extractor
    marks it "not built").  A distribution build (``kernel.builds``) has already
    left out what its own config does not build, and the release data what the
    architecture never builds (a hidden symbol its Kconfig files do not select:
    :meth:`.KernelData.selects`)."""
    return bool(config) and ("CONFIG_BROKEN" in config or "not built" in config)


REQUIRES_FLAG = {
    ("kvm_amd", "sev"): ("sev",),
    ("kvm_amd", "sev_es"): ("sev_es",),
    ("kvm_amd", "sev_snp"): ("sev_snp",),
    ("kvm_amd", "vnmi"): ("vnmi",),
    ("kvm_amd", "avic"): ("avic",),
    ("kvm", "enable_pmu"): ("arch_perfmon", "perfctr_core"),
}
"""Cleared unless the CPU has one of these flags.

sev*: ``sev_hardware_setup()`` (svm/sev.c) turns them off without the CPUID bits;
vnmi: ``svm_hardware_setup()`` (svm/svm.c); avic: ``svm_hardware_setup()`` /
``avic_hardware_setup()`` keep it only with the AVIC CPUID bit (found when
``options kvm_amd avic=1`` read back ``N`` on 6.1 and 6.12 under QEMU TCG);
enable_pmu: ``kvm_init_pmu_capability()`` (pmu.c) turns it off when perf finds no
PMU, as in a guest without a virtual PMU (QEMU TCG): the flags stand for "the host
has a PMU" (an approximation).
"""


def adjust(
    module: str,
    values: dict[str, str],
    cpu_flags: list[str],
    declared: dict[str, dict],
    given: frozenset[str] = frozenset(),
) -> None:
    """Apply the rules above to a module's freshly parsed parameter ``values``.

    ``declared``: the parameters this kernel version declares for ``module`` (name ->
    state row); ``given``: those set by the options the module was loaded with.

    Under a tool call's view (:mod:`.reads`) a rule that decides a parameter from its
    own row and the CPU reads them unnoted, as the value's copy from its row is: the
    value follows from that row, which whoever reads the value notes.  The one rule
    that decides parameters from another's row (``enable_ipiv`` and
    ``enable_device_posted_irqs`` follow ``avic``) notes that row.
    """
    vals, table = _raw(values), _raw(declared)
    for (mod, name), flags in REQUIRES_FLAG.items():
        present = mod == module and name in vals
        if present and not any(cpus.has_flag(cpu_flags, f) for f in flags):
            vals[name] = "N" if vals[name] in ("Y", "N") else "0"
    if module == "kvm":
        # x86.c kvm_x86_vendor_init(): "if (pi_inject_timer == -1)
        #   pi_inject_timer = housekeeping_enabled(HK_TYPE_TIMER);" -> 0 without nohz_full
        if vals.get("pi_inject_timer") == "-1":
            vals["pi_inject_timer"] = "0"
        # mmu.c: nx_huge_pages "auto" resolves to the CPU's iTLB-multihit bug, which
        # neither modelled CPU (Ice Lake-SP, Zen 3, QEMU TCG) has.
        if "nx_huge_pages" in table:
            vals["nx_huge_pages"] = "Y" if "bug:itlb_multihit" in cpu_flags else "N"
    if module != "kvm_amd":
        return
    if table.get("avic", {}).get("type") == "callback":
        vals["avic"] = "Y" if _avic_on(vals, table, cpu_flags, given) else "N"
    following = [n for n in ("enable_ipiv", "enable_device_posted_irqs") if n in vals]
    if following and not _avic_on(values, declared, cpu_flags, given):  # notes avic's row
        # svm/avic.c avic_hardware_setup(): IPI virtualization needs AVIC in use;
        # x86.c kvm_x86_vendor_init(): "enable_device_posted_irqs &= enable_apicv && ..."
        # and svm.c: "enable_apicv = avic_hardware_setup();"
        for name in following:
            vals[name] = "N"


def _avic_on(values, declared, cpu_flags: list[str], given: frozenset[str]) -> bool:
    """Whether kvm_amd's init keeps AVIC in use.

    svm/avic.c from 6.18: avic is "auto" unless set; avic_want_avic_enabled() turns
    auto into "x2AVIC and (Zen 4 or family >= 0x1A)" and then needs the AVIC CPUID
    bit; the getter prints the outcome as a bool (7.3.4 avic.c:80-88, 1277-1290,
    1316).  Approximation: ZEN4 has no /proc/cpuinfo name, so the x2avic flag stands
    for both (no modelled CPU has x2AVIC without Zen 4).  The data's default is
    "auto" (6.18 on, refreshed from the sources); the rule for a missing CPU flag may
    already have turned it into "0", hence "not in given".  Before 6.18 avic is a
    bool that needs the AVIC CPUID bit."""
    on = values.get("avic") in ("Y", "1")
    if declared.get("avic", {}).get("type") == "callback":
        auto = "avic" not in given or values.get("avic") == "auto"
        on = cpus.has_flag(cpu_flags, "x2avic") if auto else on
    return on and cpus.has_flag(cpu_flags, "avic")


def _raw(mapping):
    """The plain dictionary behind a noting one: :func:`.state.raw`, which cannot be
    imported here (``state`` imports this module)."""
    return mapping.raw() if hasattr(mapping, "raw") else mapping
