"""Security: see whether this host offers nesting to its guests, and switch it off.

Shown on ``source/how-to/security.rst``.  ``nested`` is read-only at run time on x86
(``module_param(nested, ..., S_IRUGO)`` in ``vmx/nested.c`` and ``svm/svm.c``), so
switching it off persistently is a modprobe.d line and a reboot (or a module reload
with every VM stopped).  Upstream's default is on: Intel from 4.20 (commit
1e58e5e59148), AMD in every release of the kernel data.
"""

from nested_snippets.arch import X86
from nested_snippets.model import REBOOT, config, procedure, snippet, transcript

offered = snippet(
    "offered",
    lambda a: transcript(f"""
        $ cat /sys/module/{a.module}/parameters/nested
        {a.nested_on}
    """),
    arches=X86,
    kernels=">=4.20",
    because="kvm_intel's default became Y in 4.20 (commit 1e58e5e59148); kvm_amd's "
    "is 1 in every release of the kernel data",
)
"""On an upstream kernel's defaults every guest may be given vmx/svm."""

off_conf = snippet(
    "off_conf",
    lambda a: config(a.conf_file, f"options {a.module} nested=0"),
    arches=X86,
)

switch_off = procedure(
    "switch_off",
    ["security.offered", "security.off_conf", REBOOT, "enable.check_nested_off"],
    arches=X86,
    kernels=">=4.20",
    because="see security.offered",
)
