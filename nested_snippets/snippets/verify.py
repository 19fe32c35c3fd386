"""Verifying nesting: on the host (L0) and inside the guest hypervisor (L1).

Shown on ``source/how-to/verify.rst`` and in the tutorial.  Sources of the outputs:

* ``modinfo`` prints ``parm:`` then the name and the ``__MODULE_PARM_TYPE`` text;
  ``nested`` is ``bool`` in ``kvm_intel`` and ``int`` in ``kvm_amd``
  (``arch/x86/kvm/vmx.c`` up to 4.20, ``arch/x86/kvm/vmx/vmx.c`` from 5.0;
  ``arch/x86/kvm/svm.c`` up to 5.6, ``arch/x86/kvm/svm/svm.c`` from 5.7: the kernel
  data's ``source`` of each parameter).  ``nested_early_check`` (4.20 .. 6.18; ``vmx/nested.c``
  from 5.0) also contains "nested", so the guide greps for the whole word.
* ``ept``, ``enable_shadow_vmcs`` and ``enable_apicv`` default to ``Y`` and are
  cleared at load time when the CPU lacks the feature: ``ept`` and ``enable_apicv`` in
  ``hardware_setup()`` (``vmx_hardware_setup()`` @ 6.18.2) of ``vmx/vmx.c``;
  ``enable_shadow_vmcs`` there at 4.19.0 and 4.20.0 (``vmx.c``), and from 5.0 in
  ``vmx/nested.c``'s ``nested_vmx_hardware_setup()``, called only when ``nested`` is on
  (5.0.0, 5.4.0, 6.18.2).  ``svm_hardware_setup()`` clears ``npt`` from 5.12, where the
  parameter is ``npt_enabled`` itself (``module_param_named``, ``svm/svm.c`` @ 5.12.9);
  up to 5.11 it clears only ``npt_enabled`` and the ``npt`` parameter keeps its value
  (``svm.c`` @ 4.19.0, ``svm/svm.c`` @ 5.11.0).  It also clears ``avic`` (off by
  default until 6.18).  In the kernel data ``npt`` is
  an ``int`` until 5.11 and a ``bool`` from 5.12, ``avic`` an ``int`` until 5.12 and a
  ``bool`` from 5.13 (commit 28a4aa1160d7; ``svm/avic.c`` @ 5.12.9 and 5.13.0, ``svm/svm.c``
  from 5.14, ``svm/avic.c`` again from 6.18); from 6.18
  ``avic`` is a callback (``avic_ops`` in ``svm/avic.c``) that starts as "auto" and
  prints the outcome of load time as a bool.
"""

from collections.abc import Callable

from nested_snippets.arches import X86
from nested_snippets.model import Given, Transcript, by_release, era, snippet, transcript

_LSMOD = {
    # Layout from kmod's lsmod; modules from a Debian 6.1 kernel (measured for AMD
    # under QEMU; kvm_amd pulls in ccp because of CONFIG_KVM_AMD_SEV=y).
    "intel": """\
        kvm_intel             380928  0
        kvm                  1146880  1 kvm_intel
        irqbypass              16384  1 kvm""",
    "amd": """\
        kvm_amd               163840  0
        ccp                   118784  1 kvm_amd
        kvm                  1146880  1 kvm_amd
        irqbypass              16384  1 kvm""",
}
_PARM_TYPE = {"intel": "bool", "amd": "int"}


def virt_flag(a):
    """The one-line CPU check used on L0 (tutorial) and in L1 (here)."""
    return transcript(f"""
        $ grep -o -w -E 'vmx|svm' /proc/cpuinfo | sort -u
        {a.cpu_flag}
    """)


# ------------------------------------------------------------------------ L0

l0_lsmod = snippet(
    lambda a: transcript(f"""
        $ lsmod | grep -i kvm
{_LSMOD[a.key]}
    """),
    arches=X86,
)

l0_modinfo = snippet(
    lambda a: transcript(f"""
        $ modinfo {a.module} | grep -w nested
        parm:           nested:{_PARM_TYPE[a.key]}
    """),
    arches=X86,
)

l0_intel_extras = snippet(
    lambda a: transcript(f"""
        $ cat /sys/module/{a.module}/parameters/ept
        Y
        $ cat /sys/module/{a.module}/parameters/enable_shadow_vmcs
        Y
        $ cat /sys/module/{a.module}/parameters/enable_apicv
        Y
    """),
    arches=("intel",),
)


def _npt_avic(npt: str, avic: str) -> Callable[..., Transcript]:
    """kvm_amd's npt and avic, printed as their type of each release prints them."""
    return lambda a: transcript(f"""
        $ cat /sys/module/{a.module}/parameters/npt
        {npt}
        $ cat /sys/module/{a.module}/parameters/avic
        {avic}
    """)


l0_amd_extras = snippet(
    by_release(
        era(
            "<5.12",
            _npt_avic("1", "0"),
            because="npt and avic are int parameters up to 5.11 (svm.c @ 4.19.0; "
            "npt in svm/svm.c and avic in svm/avic.c @ 5.11.0)",
        ),
        era(
            ">=5.12,<5.13",
            _npt_avic("Y", "0"),
            because="npt is a bool (svm/svm.c) and avic still an int (svm/avic.c) @ "
            "5.12.9; avic is a bool @ 5.13.0",
        ),
        era(
            ">=5.13",
            _npt_avic("Y", "N"),
            because="npt and avic are bool from 5.13 (npt in svm/svm.c, avic in svm/avic.c "
            "@ 5.13.0; avic an int @ 5.12.9); from 6.18 avic starts as 'auto' (svm/avic.c "
            "avic_ops @ 6.18.2) "
            "and prints what load time decided as a bool: N unless the CPU has x2AVIC and "
            "is a Zen 4 or later, so N on the modelled Zen 3 (avic.c "
            "avic_want_avic_enabled() @ 6.18.2)",
        ),
    ),
    arches=("amd",),
)

# ------------------------------------------------------------------------ L1

l1_flag = snippet(virt_flag, arches=X86, given=Given(level="L1"))

l1_dev_kvm = snippet(
    transcript("""
        $ ls /dev/kvm
        /dev/kvm
    """),
    given=Given(level="L1"),
    arch="intel",
)

l1_lscpu = snippet(
    lambda a: transcript(f"""
        $ lscpu | grep -i virtualization
        Virtualization:                          {a.extension}
        Virtualization type:                     full
    """),
    arches=X86,
    given=Given(level="L1"),
)

l1_missing = snippet(
    lambda a: transcript(
        """
        $ ls /dev/kvm
        ls: cannot access '/dev/kvm': No such file or directory
        $ lscpu | grep -i virtualization
        Virtualization type:                     full
        """,
        status={0: 2},
    ),
    arches=X86,
    given=Given(level="L1", cpu_flag=False),
)

l1_modprobe_unsupported = snippet(
    lambda a: transcript(
        f"""
        $ sudo modprobe {a.module}
        modprobe: ERROR: could not insert '{a.module}': Operation not supported
        """,
        status={0: 1},
    ),
    arches=X86,
    given=Given(level="L1", cpu_flag=False),
)
