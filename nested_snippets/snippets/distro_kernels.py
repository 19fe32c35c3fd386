"""Distribution kernels: read what *this* kernel offers instead of trusting "since X.Y".

Shown on ``source/how-to/distribution-kernels.rst``.  ``modinfo -p`` lists the
parameters compiled into the installed module with their types; the types here are
those of the kernel data per release (``vmx/vmx.c``, ``vmx/nested.c``,
``svm/svm.c``, ``svm/avic.c``): ``npt`` and ``avic`` are ``int`` up to 5.11.0, ``npt``
is a ``bool`` from 5.12.9 and ``avic`` from 5.13.0; 5.12 mixes the two.  From 6.18
``avic`` is a callback parameter ("auto") whose ``__MODULE_PARM_TYPE`` says ``bool``,
the type modinfo prints.
kmod prints parameters in
module-section order, which differs between releases, hence the ``sort``.
"""

from nested_snippets.model import Given, by_release, era, snippet, transcript

_INTEL = "'^(nested|ept|enable_shadow_vmcs|enable_apicv):'"
_AMD = "'^(nested|npt|avic):'"
_VENDOR_CONF = "/usr/lib/modprobe.d/kvm.conf"

params_intel = snippet(
    transcript(f"""
        $ modinfo -p kvm_intel | grep -E {_INTEL} | sort
        enable_apicv: (bool)
        enable_shadow_vmcs: (bool)
        ept: (bool)
        nested: (bool)
    """),
    arch="intel",
)

def _amd_types(npt: str, avic: str):
    return transcript(f"""
        $ modinfo -p kvm_amd | grep -E {_AMD} | sort
        avic: ({avic})
        nested: (int)
        npt: ({npt})
    """)


params_amd = snippet(
    by_release(
        era(
            "<5.12",
            _amd_types("int", "int"),
            because="npt and avic are int: both in svm.c @ 4.19.0; npt in svm/svm.c and avic "
            "in svm/avic.c @ 5.11.0 (npt is a bool @ 5.12.9)",
        ),
        era(
            ">=5.12,<5.13",
            _amd_types("bool", "int"),
            because="npt is a bool (svm/svm.c) and avic still an int (svm/avic.c) @ 5.12.9; "
            "avic is a bool @ 5.13.0",
        ),
        era(
            ">=5.13",
            _amd_types("bool", "bool"),
            because="npt is a bool in svm/svm.c @ 5.13.0 and every later release with data; "
            "avic is a bool in svm/avic.c @ 5.13.0 (an int @ 5.12.9), in svm/svm.c from "
            "5.14.2, and from 6.18 a callback parameter in svm/avic.c that declares its type "
            "bool with __MODULE_PARM_TYPE (svm/avic.c @ 6.18.2; the kernel data's modinfo "
            "type up to 7.3.4), which modinfo prints",
        ),
    ),
    arch="amd",
)

def _running(nested: str):
    return transcript(f"""
        $ grep -H . /sys/module/kvm_intel/parameters/{{nested,ept,enable_shadow_vmcs}}
        /sys/module/kvm_intel/parameters/nested:{nested}
        /sys/module/kvm_intel/parameters/ept:Y
        /sys/module/kvm_intel/parameters/enable_shadow_vmcs:Y
    """)


running_values = snippet(
    by_release(
        era(
            "<4.20",
            _running("N"),
            because="kvm_intel's nested defaults to N before 4.20 (vmx.c @ v4.19.1)",
        ),
        era(
            ">=4.20",
            _running("Y"),
            because="kvm_intel's nested default became Y in 4.20 (commit 1e58e5e59148)",
        ),
    ),
    arch="intel",
)

overrides = snippet(
    transcript("""
        $ modprobe -c | grep -E '^options (kvm|kvm_intel|kvm_amd) '
        options kvm_intel nested=0
    """),
    given=Given(nested=False, files={_VENDOR_CONF: "options kvm_intel nested=0\n"}),
    arch="intel",
)
"""A vendor default shipped under /usr/lib/modprobe.d (the directory kmod reads for
package defaults, overridden by a file of the same name in /etc/modprobe.d)."""
