"""Live migration with nested guests: the commands the how-to names.

Shown on ``source/how-to/live-migration.rst``.  Not run on the fake host (it has no
libvirt); the runner checks their syntax.  Each names the system connection, where
the guests live: without ``--connect`` a normal user's virsh reaches the per-user
session, which has its own list of guests (see ``distributions.which_connection``).
"""

from nested_snippets.model import command_line, snippet

SYSTEM = "qemu:///system"

l2_running = snippet(command_line(f"virsh --connect {SYSTEM} list --state-running"))
"""Run inside L1: are any nested guests running right now?"""

migrate_l1 = snippet(
    command_line(f"""
        virsh --connect {SYSTEM} migrate --live --persistent --verbose l1 \\
            qemu+ssh://l0-b.example.org/system
    """),
)

migrate_l2 = snippet(
    command_line(f"""
        virsh --connect {SYSTEM} migrate --live --persistent --verbose l2 \\
            qemu+ssh://l1-b.example.org/system
    """),
)

shutdown_l2 = snippet(command_line(f"virsh --connect {SYSTEM} shutdown l2"))
"""Asks L2's operating system to shut down: it may take a while, or not happen at all."""

l2_state = snippet(command_line(f"virsh --connect {SYSTEM} domstate l2"))
"""Run after ``shutdown_l2`` until it prints ``shut off``."""
