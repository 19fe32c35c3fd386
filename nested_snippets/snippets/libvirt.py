"""Starting the guest hypervisor (L1) with libvirt: the ``<cpu>`` element.

Shown on ``source/how-to/start-l1-libvirt.rst`` and in the tutorial.  Modes and
feature policies are from libvirt's ``docs/formatdomain.rst`` ("CPU model and
topology"); naming ``vmx``/``svm`` in a ``<feature>`` is this guide's use of the
documented ``require`` policy.  ``tests/realtools`` validates every document here
with ``virt-xml-validate`` (fragments are wrapped in a minimal domain).
"""

from nested_snippets.arches import X86
from nested_snippets.model import command_line, snippet, xml

_NAMED_MODEL = {"intel": "Haswell-noTSX-IBRS", "amd": "EPYC"}

cpu_passthrough = snippet(
    xml("<cpu mode='host-passthrough'/>", fragment_of="domain"),
)

cpu_host_model = snippet(
    xml("<cpu mode='host-model'/>", fragment_of="domain"),
)

cpu_custom = snippet(
    lambda a: xml(
        f"""
        <cpu mode='custom' match='exact' check='partial'>
          <model fallback='forbid'>{_NAMED_MODEL[a.key]}</model>
          <feature policy='require' name='{a.cpu_flag}'/>
        </cpu>
        """,
        fragment_of="domain",
    ),
    arches=X86,
)

l1_domain = snippet(
    xml("""
        <domain type='kvm'>
          <name>l1</name>
          <memory unit='GiB'>8</memory>
          <vcpu>4</vcpu>
          <os>
            <type arch='x86_64' machine='q35'>hvm</type>
          </os>
          <features>
            <acpi/>
          </features>
          <cpu mode='host-passthrough'/>
          <devices>
            <disk type='file' device='disk'>
              <driver name='qemu' type='qcow2'/>
              <source file='/var/lib/libvirt/images/l1.qcow2'/>
              <target dev='vda' bus='virtio'/>
            </disk>
            <interface type='network'>
              <source network='default'/>
              <model type='virtio'/>
            </interface>
            <console type='pty'/>
          </devices>
        </domain>
    """),
)

SYSTEM = "qemu:///system"
"""Every virsh command names the system connection: the domain above uses the
``default`` network and /var/lib/libvirt/images, which only that connection has,
Without ``--connect``, virsh uses ``LIBVIRT_DEFAULT_URI``, then ``uri_default``,
then probes (libvirt docs/uri.rst); the QEMU driver's probe answers
``qemu:///session`` when not privileged (``virQEMUDriverConfigNew()`` in
``src/qemu/qemu_conf.c``)."""

define_start = snippet(
    command_line(f"""
        virsh --connect {SYSTEM} define l1.xml && \\
            virsh --connect {SYSTEM} start l1
    """),
)

edit = snippet(command_line(f"virsh --connect {SYSTEM} edit l1"))

domain_type = snippet(
    command_line(f"virsh --connect {SYSTEM} dumpxml l1 | grep -E \"<domain|<cpu\""),
)

wrong_session = snippet(
    command_line("virsh --connect qemu:///session edit l1"),
    wrong="l1 was defined in the system connection; the per-user session has its own, "
    "separate list of domains and answers: error: failed to get domain 'l1'",
)
