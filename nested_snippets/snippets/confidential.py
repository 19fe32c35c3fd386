"""Confidential guests (AMD SEV, SEV-ES, SEV-SNP; Intel TDX) as would-be L1 hypervisors.

Shown on ``source/how-to/confidential-vms.rst``.  Kernel facts, read in the
v6.18.2 tree:

* ``arch/x86/kvm/svm/svm.c`` ``__kvm_is_svm_supported()``: when
  ``cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)`` (true in SEV, SEV-ES and SEV-SNP
  guests) it logs "KVM is unsupported when running as an SEV guest" (``pr_fmt`` is
  ``KBUILD_MODNAME ": "``, so ``kvm_amd:``) and ``svm_init()`` returns -EOPNOTSUPP;
* ``arch/x86/mm/mem_encrypt.c`` ``print_mem_encrypt_feature_info()`` logs
  "Memory Encryption Features active: " followed by "Intel TDX" or "AMD" and the
  active SEV features (no ``pr_fmt`` in that file); @ v5.12.9 and v5.15.0 it logs
  "AMD Memory Encryption Features active:" and the features; before the SEV-ES
  series ("x86/sev-es: Print SEV-ES info into kernel log", 2020) mem_encrypt_init()
  logged "AMD Secure Encrypted Virtualization (SEV) active".  The grep matches all
  three (two -e patterns).

The executed checks are the cases the fake host models: an ordinary guest, whose
kernel log has no memory-encryption line, and a guest whose CPU shows no
``vmx``/``svm`` flag, so loading KVM fails.  The fake host has no confidential-guest
state, so the SEV log line itself is quoted on the page from the source above, not
run here.
"""

from nested_snippets.arches import X86
from nested_snippets.model import Given, snippet, transcript

is_confidential = snippet(
    transcript(
        """
        $ sudo dmesg | grep -e 'Memory Encryption Features active' -e '(SEV) active'
        """,
        status={0: 1},
        silent=True,
    ),
    given=Given(level="L1"),
    arch="amd",
)
"""Which memory-encryption features this guest booted with: in an ordinary guest (the
case the fake host models) nothing, and grep's status 1."""

no_kvm_here = snippet(
    lambda a: transcript(
        f"""
        $ grep -c -w -E 'vmx|svm' /proc/cpuinfo
        0
        $ sudo modprobe {a.module}
        modprobe: ERROR: could not insert '{a.module}': Operation not supported
        $ ls /dev/kvm
        ls: cannot access '/dev/kvm': No such file or directory
        """,
        status={0: 1, 1: 1, 2: 2},
    ),
    arches=X86,
    given=Given(level="L1", cpu_flag=False, kvm="unloaded"),
)
