"""Enabling nesting on x86 hosts (L0): check, one-shot reload, persistent configuration.

Shown on ``source/how-to/enable-x86.rst`` and in the tutorial.  The defaults behind
the expected outputs:

* ``kvm_intel`` ``nested`` is a bool, ``N`` in 4.19 and ``Y`` from 4.20 (commit
  1e58e5e59148, "KVM: VMX: enable nested virtualization by default");
  ``arch/x86/kvm/vmx.c`` @ v4.19 and @ v4.20, ``vmx/vmx.c`` from v5.0.
* ``kvm_amd`` ``nested`` is an int, ``1`` in every version we model
  (``arch/x86/kvm/svm.c`` up to v5.6, ``svm/svm.c`` from v5.7; every release of
  the kernel data).
* Every ``nested`` is mode 0444: it can only be set as the module loads.
"""

from collections.abc import Callable

from nested_snippets.arches import X86
from nested_snippets.model import (
    REBOOT,
    Given,
    Transcript,
    by_release,
    config,
    era,
    procedure,
    snippet,
    transcript,
)

# ----------------------------------------------------------------- checking


def _cat_nested(on: bool) -> Callable[..., Transcript]:
    """The check: ``cat`` the vendor's ``nested`` parameter, which prints on or off."""
    return lambda a: transcript(f"""
        $ cat /sys/module/{a.module}/parameters/nested
        {a.nested_on if on else a.nested_off}
    """)


_ON_BEFORE_4_20 = {"intel": False, "amd": True}
"""Each vendor's ``nested`` default before 4.20 (the sources are in the docstring above)."""

check_nested = snippet(
    by_release(
        era(
            "<4.20",
            lambda a: _cat_nested(on=_ON_BEFORE_4_20[a.key])(a),
            because="kvm_intel's nested defaulted to N until commit 1e58e5e59148 (Linux 4.20)",
        ),
        era(
            ">=4.20",
            _cat_nested(on=True),
            because="Intel's default became Y in 4.20 (commit 1e58e5e59148)",
        ),
    ),
    arches=X86,
    because="AMD's is 1 throughout",
)

check_nested_off = snippet(
    _cat_nested(on=False),
    arches=X86,
    given=Given(nested=False),
)

nested_is_on = snippet(
    _cat_nested(on=True),
    arches=X86,
    given=Given(nested=True),
)
"""The check after enabling; procedures use it as their last step."""

# ------------------------------------------------------------- one-shot

reload_nested = snippet(
    lambda a: transcript(
        f"""
        $ sudo modprobe -r {a.module}
        $ sudo modprobe {a.module} nested=1
        """,
        silent=True,
    ),
    arches=X86,
    given=Given(nested=False),
)

loaded_modprobe_ignored = snippet(
    lambda a: transcript(f"""
        $ sudo modprobe {a.module} nested=1
        $ cat /sys/module/{a.module}/parameters/nested
        {a.nested_off}
    """),
    arches=X86,
    given=Given(nested=False),
)
"""Measured on 6.1 (kvm_amd under QEMU): an already-loaded module is left alone, exit 0."""

first_time = snippet(
    lambda a: transcript(
        f"""
        $ sudo modprobe --first-time {a.module} nested=1
        modprobe: ERROR: could not insert '{a.module}': Module already in kernel
        """,
        status={0: 1},
    ),
    arches=X86,
    given=Given(nested=False),
)

sysfs_read_only = snippet(
    lambda a: transcript(
        f"""
        $ echo 1 | sudo tee /sys/module/{a.module}/parameters/nested
        tee: /sys/module/{a.module}/parameters/nested: Permission denied
        1
        """,
        status={0: 1},
    ),
    arches=X86,
    given=Given(nested=False),
    wrong="the parameter is read-only at run time: reload the module instead",
)
"""kernfs refuses to open a 0444 attribute for writing, even for root (measured on 6.1)."""

in_use = snippet(
    lambda a: transcript(
        f"""
        $ sudo modprobe -r {a.module}
        modprobe: FATAL: Module {a.module} is in use.
        """,
        status={0: 1},
    ),
    arches=X86,
    given=Given(nested=False, vm_running=True),
)

# ----------------------------------------------------------- persistent

persistent_conf = snippet(
    lambda a: config(a.conf_file, f"options {a.module} nested=1"),
    arches=X86,
)

persistent_tee = snippet(
    lambda a: transcript(f"""
        $ echo "options {a.module} nested=1" | sudo tee {a.conf_file}
        options {a.module} nested=1
    """),
    arches=X86,
    given=Given(nested=False),
)

show_options = snippet(
    lambda a: transcript(f"""
        $ modprobe -c | grep '^options {a.module}'
        options {a.module} nested=1
    """),
    arches=X86,
    given=Given(nested=False, files={
        "/etc/modprobe.d/kvm_intel.conf": "options kvm_intel nested=1\n",
        "/etc/modprobe.d/kvm_amd.conf": "options kvm_amd nested=1\n",
    }),
)

reload_plain = snippet(
    lambda a: transcript(
        f"""
        $ sudo modprobe -r {a.module}
        $ sudo modprobe {a.module}
        """,
        silent=True,
    ),
    arches=X86,
    given=Given(nested=False),
)

# ----------------------------------------------------------- procedures

OFF_BY_CONFIG = Given(nested=False, files={
    "/etc/modprobe.d/kvm_intel.conf": "options kvm_intel nested=0\n",
    "/etc/modprobe.d/kvm_amd.conf": "options kvm_amd nested=0\n",
})
"""A host whose own modprobe.d turns nesting off, so it stays off across a reboot
until the guide's file replaces that line: the persistent procedures prove their
file is what turns nesting on, on every kernel (not just where the default is off)."""

one_shot = procedure(
    [check_nested_off, reload_nested, nested_is_on],
    given=Given(nested=False),
)

persistent_reload = procedure(
    [persistent_conf, show_options, reload_plain,
     nested_is_on],
    given=OFF_BY_CONFIG,
)

persistent_reboot = procedure(
    [check_nested_off, persistent_tee, REBOOT, nested_is_on],
    given=OFF_BY_CONFIG,
)

unload_first = procedure(
    [loaded_modprobe_ignored, reload_nested, nested_is_on],
    given=Given(nested=False),
)
