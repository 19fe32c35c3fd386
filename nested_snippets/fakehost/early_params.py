"""Early boot of a fake host: kernel command-line options parsed before any module.

Only what the guide needs is modelled: arm64's ``kvm-arm.mode=`` early parameter.
``init/main.c`` ``do_early_param()`` calls the parser registered with
``early_param("kvm-arm.mode", early_kvm_mode_cfg)`` (``arch/arm64/kvm/arm.c``) and,
when it returns non-zero, logs ``Malformed early option '<name>'`` (``pr_warn``, no
``pr_fmt``) and boots on.  ``early_kvm_mode_cfg()`` returns -EINVAL for a value it
does not know, so a kernel whose parser predates ``nested`` (the 5.15 and 6.1 trees
of the kernel data accept only none/protected/nvhe) boots in its default mode and
says only that.  The accepted values per version come from the kernel data
(``boot_params["arm64/kvm-arm.mode"]``, extracted from that tree's arm.c), copied
into the host's state by :func:`early_values` when the host is created (boot itself
runs inside the sandbox, where the data files are not visible).

Not modelled: the CPU feature detection behind ``nested`` (``ARM64_HAS_NESTED_VIRT``
needs FEAT_NV2 hardware), hosts booted at EL1, and kernels without the parameter.
"""

from __future__ import annotations


def early_values(arch: str, version: str) -> dict[str, list[str]]:
    """Early parameter -> accepted values, for the state of a host of ``arch`` (its
    row's ``early_params``)."""
    from nested_snippets import arches
    from nested_snippets import kernel as kdata

    boot = kdata.load(version).boot_params
    row = arches.get(arch)
    keys = {name: f"{row.kernel_arch}/{name}" for name in row.early_params}
    return {name: list(boot[key]["values"]) for name, key in keys.items() if key in boot}


def parse(state) -> None:
    """Log what the kernel says about early parameters on ``state.cmdline``."""
    from nested_snippets.fakehost import state as fk

    for word in state.early_words():
        name, _eq, value = word.partition("=")
        accepted = state.early_values[name]
        if value not in accepted:
            state.log(fk.message(state, "early_param_malformed", param=name))
