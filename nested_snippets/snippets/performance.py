"""Performance of nested guests: is each hardware assist on, on L0 and in L1?

Shown on ``source/how-to/performance.rst``.  Sources of the outputs:

* ``ept``, ``enable_shadow_vmcs``, ``enable_apicv`` (``kvm_intel``) and ``npt``,
  ``avic`` (``kvm_amd``) are read-only module parameters that KVM clears at load time
  when the CPU lacks the feature: ``ept`` and ``enable_apicv`` in ``vmx/vmx.c``
  ``vmx_hardware_setup()`` @ 6.18.2 (``hardware_setup()`` in ``vmx.c`` @ 4.19.0);
  ``enable_shadow_vmcs`` in ``vmx/nested.c`` ``nested_vmx_hardware_setup()`` @ 6.18.2,
  which ``vmx_hardware_setup()`` calls only when ``nested`` is on (4.19.0 cleared it in
  ``hardware_setup()`` itself); ``npt`` in ``svm/svm.c`` ``svm_hardware_setup()``;
  ``avic`` from 6.18 in ``svm/avic.c`` ``avic_hardware_setup()``. ``npt`` does so only
  from 5.12, where the parameter became ``npt_enabled`` itself (``svm/svm.c`` @ 5.12.9;
  an int that keeps its value before); types per release come from the kernel data.
* ``/proc/cpuinfo`` prints VMX capabilities on a separate ``vmx flags`` line
  (``arch/x86/kernel/cpu/proc.c`` with ``arch/x86/include/asm/vmxfeatures.h``: names
  ``ept``, ``vpid``, ``shadow_vmcs``, ``apicv``, ``posted_intr`` @ v6.18.2).
  ``proc.c`` prints that line in the 5.6.4 tree and not in 5.4.0, so the range
  below starts at 5.6.
* AMD's ``npt`` and ``avic`` flags are in the ``flags`` line
  (``arch/x86/include/asm/cpufeatures.h``).
"""

from nested_snippets.model import Given, command_line, snippet, transcript, xml

_VMX_ASSISTS = "ept|vpid|shadow_vmcs|apicv|posted_intr"

l0_intel_params = snippet(
    transcript("""
        $ grep -H . /sys/module/kvm_intel/parameters/{ept,enable_shadow_vmcs,enable_apicv}
        /sys/module/kvm_intel/parameters/ept:Y
        /sys/module/kvm_intel/parameters/enable_shadow_vmcs:Y
        /sys/module/kvm_intel/parameters/enable_apicv:Y
    """),
    arch="intel",
)

l0_amd_params = snippet(
    transcript("""
        $ grep -H . /sys/module/kvm_amd/parameters/{npt,avic}
        /sys/module/kvm_amd/parameters/npt:Y
        /sys/module/kvm_amd/parameters/avic:N
    """),
    arch="amd",
    kernels=">=5.13",
    because="npt is a bool from 5.12 (svm/svm.c @ 5.12.9), avic from 5.13 (svm/avic.c "
    "@ 5.13.0, an int there @ 5.12.9; in svm/svm.c from 5.14.2); "
    "from 6.18 avic starts as 'auto' (svm/avic.c avic_ops @ 6.18.2) "
    "and prints what load time decided as a bool: N without x2AVIC, as on the modelled "
    "Zen 3 (avic.c avic_want_avic_enabled() @ 7.3.4)",
)

l0_intel_cpu = snippet(
    transcript(f"""
        $ grep -o -w -E '{_VMX_ASSISTS}' /proc/cpuinfo | sort -u
        apicv
        ept
        posted_intr
        shadow_vmcs
        vpid
    """),
    kernels=">=5.6",
    because="arch/x86/kernel/cpu/proc.c prints the 'vmx flags' line @ 5.6.4, not @ 5.4.0 "
    "or 5.5.0 (fakehost/host.py)",
    arch="intel",
)

l0_amd_cpu = snippet(
    transcript("""
        $ grep -o -w -E 'npt|avic|vgif|v_vmsave_vmload' /proc/cpuinfo | sort -u
        avic
        npt
        v_vmsave_vmload
        vgif
    """),
    arch="amd",
)

l1_intel_cpu = snippet(
    transcript(f"""
        $ grep -o -w -E '{_VMX_ASSISTS}|hypervisor' /proc/cpuinfo | sort -u
        apicv
        ept
        hypervisor
        posted_intr
        shadow_vmcs
        vpid
    """),
    given=Given(level="L1"),
    kernels=">=5.6",
    because="see l0_intel_cpu",
    arch="intel",
)
"""Inside L1: the same line names what L0 offers to the guest hypervisor."""

l1_amd_cpu = snippet(
    transcript("""
        $ grep -o -w -E 'npt|hypervisor' /proc/cpuinfo | sort -u
        hypervisor
        npt
    """),
    given=Given(level="L1"),
    arch="amd",
)
"""Inside an AMD L1: L0's KVM offers ``npt`` to its guests only when its own ``npt`` is
on (``svm_set_cpu_caps()`` in ``svm/svm.c``, ``if (npt_enabled)`` under ``if
(nested)``, read at v6.18.2)."""

ept_off_conf = {"/etc/modprobe.d/kvm_intel.conf": "options kvm_intel ept=0\n"}

ept_off = snippet(
    transcript("""
        $ cat /sys/module/kvm_intel/parameters/ept
        N
        $ grep -r ept /etc/modprobe.d
        /etc/modprobe.d/kvm_intel.conf:options kvm_intel ept=0
    """),
    given=Given(files=ept_off_conf),
    arch="intel",
)
"""A left-over ``ept=0`` (a workaround from an old bug report) makes every guest slow."""

# --------------------------------------------------- what helps: libvirt settings

hugepages_xml = snippet(
    xml(
        """
        <memoryBacking>
          <hugepages/>
        </memoryBacking>
        """,
        fragment_of="domain",
    ),
)
"""libvirt docs/formatdomain.rst, "Memory Backing": guest RAM from the host's
default-size huge pages (reserve them on the host first)."""

pinning_xml = snippet(
    xml(
        """
        <cputune>
          <vcpupin vcpu='0' cpuset='2'/>
          <vcpupin vcpu='1' cpuset='3'/>
          <vcpupin vcpu='2' cpuset='4'/>
          <vcpupin vcpu='3' cpuset='5'/>
        </cputune>
        """,
        fragment_of="domain",
    ),
)
"""libvirt docs/formatdomain.rst, "CPU Tuning": one host CPU per vCPU of L1."""

# --------------------------------------------------- are they in use?

hugepages_in_use = snippet(
    command_line("grep -E '^HugePages_(Total|Free|Rsvd):' /proc/meminfo"),
)
"""On L0 with L1 running: pages L1 touched are no longer free, pages promised to it
but not yet touched are counted as reserved (``Documentation/admin-guide/mm/
hugetlbpage.rst``).  Not run on the fake host, which has no /proc/meminfo
(runner/sandbox.py)."""

pinning_in_use = snippet(
    command_line("virsh --connect qemu:///system vcpupin l1"),
)
"""Lists, per vCPU of L1, the host CPUs it may run on (virsh(1), ``vcpupin`` without
a CPU list shows the current pinning)."""
