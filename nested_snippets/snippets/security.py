"""Security: switch off the nesting that upstream kernels offer to guests by default.

Shown on ``source/how-to/security.rst`` (which also shows ``enable.check_nested``
and ``enable.check_nested_off``).  ``nested`` is read-only at run time on x86
(``module_param(nested, ..., 0444)`` in ``vmx/vmx.c`` and ``svm/svm.c`` @ 6.18.2,
``S_IRUGO``, the same mode, in ``vmx.c`` and ``svm.c`` @ 4.19.0), so
switching it off persistently is a modprobe.d line and a reboot (or a module reload
with every VM stopped); a built-in KVM takes ``kvm_intel.nested=0``/``kvm_amd.nested=0``
on the kernel command line instead (the page says so; builtin-kvm.rst shows the form).
"""

from nested_snippets.arches import X86
from nested_snippets.model import REBOOT, config, procedure, snippet, xml
from nested_snippets.snippets import enable

off_conf = snippet(
    lambda a: config(a.conf_file, f"options {a.module} nested=0"),
    arches=X86,
)

switch_off = procedure(
    [enable.check_nested, off_conf, REBOOT, enable.check_nested_off],
    arches=X86,
)
"""On Intel before 4.20 nesting is already off: the first step shows it (its era)."""

no_nesting_for_guest = snippet(
    lambda a: xml(
        f"""
        <cpu mode='host-passthrough'>
          <feature policy='disable' name='{a.cpu_flag}'/>
        </cpu>
        """,
        fragment_of="domain",
    ),
    arches=X86,
)
"""libvirt docs/formatdomain.rst: the ``disable`` feature policy removes a flag from
the guest CPU; validated with virt-xml-validate (tests/realtools)."""
