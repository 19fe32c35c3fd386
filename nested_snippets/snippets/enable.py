"""Enabling nesting on x86 hosts (L0): check, one-shot, persistent."""

from nested_snippets.arch import X86
from nested_snippets.model import Given, config, snippet, transcript

check_nested = snippet(
    "check_nested",
    lambda a: transcript(f"""
        $ cat /sys/module/{a.module}/parameters/nested
        {a.nested_on}
    """),
    arches=X86,
    kernels=">=4.20",
    because="Intel's default became Y in 4.20 (commit 1e58e5e59148); AMD's is 1 throughout",
)

persistent_conf = snippet(
    "persistent_conf",
    lambda a: config(a.conf_file, f"options {a.module} nested=1"),
    arches=X86,
)

check_nested_off = snippet(
    "check_nested_off",
    lambda a: transcript(f"""
        $ cat /sys/module/{a.module}/parameters/nested
        {a.nested_off}
    """),
    arches=X86,
    given=Given(nested=False),
)
