"""The tutorial: from a bare-metal host to a running nested guest, one path.

Shown on ``source/tutorial/first-nested-guest.rst``, which also shows snippets from
``enable``, ``verify`` and ``qemu``.  The procedures below run the tutorial's
executable steps end to end, once per vendor and kernel version.
"""

from nested_snippets.arches import X86
from nested_snippets.model import REBOOT, Given, procedure, snippet
from nested_snippets.snippets import enable, verify
from nested_snippets.snippets.verify import virt_flag

l0_flag = snippet(virt_flag, arches=X86)

OFF = Given(nested=False, files={
    "/etc/modprobe.d/kvm_intel.conf": "options kvm_intel nested=0\n",
    "/etc/modprobe.d/kvm_amd.conf": "options kvm_amd nested=0\n",
})
"""The tutorial's starting host has nesting switched off, and it stays off across a
reboot until the tutorial's own file replaces the line."""

host_setup = procedure(
    [l0_flag, enable.check_nested_off, enable.reload_nested,
     enable.nested_is_on, enable.persistent_tee, REBOOT, enable.nested_is_on,
     verify.l0_lsmod],
    given=OFF,
)

inside_l1 = procedure(
    [verify.l1_flag, verify.l1_dev_kvm, verify.l1_lscpu],
    given=Given(level="L1"),
    arches=X86,
)
"""``ls /dev/kvm`` is the same on every architecture: the vendor steps set where it runs."""
