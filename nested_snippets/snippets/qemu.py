"""Starting the guest hypervisor (L1) and a nested guest (L2) with QEMU.

Shown on ``source/how-to/start-l1-qemu.rst`` and in the tutorial.  These command
lines are not run on the fake host; ``tests/realtools`` checks every ``-cpu`` model
against the real ``qemu-system-x86_64 -cpu help`` and the runner checks the syntax.

The binary is upstream's ``qemu-system-x86_64``; ``qemu-kvm`` is a name some
distributions give it.  QEMU's default accelerator is TCG, so ``-accel kvm`` makes
QEMU fail instead of silently emulating when ``/dev/kvm`` is missing.
"""

from nested_snippets.arches import X86
from nested_snippets.model import command_line, snippet

_NAMED_MODEL = {
    # Named models: Haswell-noTSX-IBRS is upstream's Intel example; EPYC is QEMU's
    # first-generation AMD EPYC model.  tests/test_qemu_data.py finds both in every
    # release of the QEMU data; tests/realtools checks the installed QEMU lists them.
    "intel": "Haswell-noTSX-IBRS",
    "amd": "EPYC",
}

l1_host = snippet(
    command_line("""
        qemu-system-x86_64 -accel kvm -cpu host -smp 4 -m 8G \\
            -drive file=l1.qcow2,if=virtio -nic user,model=virtio-net-pci \\
            -nographic
    """),
)

l1_named = snippet(
    lambda a: command_line(f"""
        qemu-system-x86_64 -accel kvm -cpu {_NAMED_MODEL[a.key]},{a.cpu_flag}=on -smp 4 -m 8G \\
            -drive file=l1.qcow2,if=virtio -nic user,model=virtio-net-pci \\
            -nographic
    """),
    arches=X86,
)

list_models = snippet(
    command_line("qemu-system-x86_64 -cpu help"),
)

l2_host = snippet(
    command_line("""
        qemu-system-x86_64 -accel kvm -cpu host -smp 2 -m 2G \\
            -drive file=l2.qcow2,if=virtio -nic user,model=virtio-net-pci \\
            -nographic
    """),
)
