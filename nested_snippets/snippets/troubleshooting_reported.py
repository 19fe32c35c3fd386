"""Troubleshooting: failures from public issue trackers (the second half of the page).

Shown on ``source/troubleshooting.rst``.  Most of these failures happen in QEMU,
libvirt, Windows or firmware, which the fake host does not model; their messages
are quoted in the page text with the source file (at a named release) or the issue
thread they come from.  What the fake host can show runs here:

* ``lscpu`` prints ``Hypervisor vendor:`` from CPUID leaf 0x40000000 inside a guest
  (util-linux ``sys-utils/lscpu-virt.c``); under KVM it reads ``KVM``.
* The libvirt ``<cpu>`` fragments are validated with ``virt-xml-validate`` by
  ``tests/realtools``; ``require`` is libvirt's documented feature policy
  (``docs/formatdomain.rst``, "CPU model and topology").
* QEMU's ``KVM: entry failed, hardware error 0x...`` and ``Could not access KVM
  kernel module: %m`` are in ``target/i386/kvm/kvm.c`` and ``accel/kvm/kvm-all.c``
  of QEMU 9.2.4 (read in a snapshot of that release).
"""

from nested_snippets.arch import X86
from nested_snippets.model import Given, command_line, snippet, transcript, xml

# ------------------------------------------------------- which hypervisor is L0?

l1_hypervisor_vendor = snippet(
    "l1_hypervisor_vendor",
    lambda a: transcript(f"""
        $ lscpu | grep -i -E 'hypervisor vendor|virtualization'
        Virtualization:                       {a.extension}
        Hypervisor vendor:                    KVM
        Virtualization type:                  full
    """),
    arches=X86,
    given=Given(level="L1"),
)
"""Inside L1: which hypervisor runs it, and whether it passed the extension on."""

# ----------------------------------------------- libvirt host-model without vmx

host_model_require = snippet(
    "host_model_require",
    lambda a: xml(
        f"""
        <cpu mode='host-model' check='partial'>
          <feature policy='require' name='{a.cpu_flag}'/>
        </cpu>
        """,
        fragment_of="domain",
    ),
    arches=X86,
)

dumpxml_cpu = snippet(
    "dumpxml_cpu",
    command_line("virsh --connect qemu:///system dumpxml l1 | grep -A3 '<cpu'"),
)

capabilities = snippet(
    "capabilities",
    command_line("virsh --connect qemu:///system capabilities | grep \"domain type\""),
)
"""Lists ``<domain type='qemu'/>`` and, when libvirt can use /dev/kvm, ``kvm``."""

# ------------------------------------------------------ QEMU in L1: which error?

qemu_accel_kvm = snippet(
    "qemu_accel_kvm",
    command_line("qemu-system-x86_64 -accel kvm -cpu host -m 1G -nographic -display none"),
)
"""Starts a guest with nothing in it: enough to see whether KVM opens."""
