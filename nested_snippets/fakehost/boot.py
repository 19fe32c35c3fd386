"""Early boot of a fake host: kernel command-line options parsed before any module.

Only what the guide needs is modelled: arm64's ``kvm-arm.mode=`` early parameter.
``init/main.c`` ``do_early_param()`` calls the parser registered with
``early_param("kvm-arm.mode", early_kvm_mode_cfg)`` (``arch/arm64/kvm/arm.c``) and,
when it returns non-zero, logs ``Malformed early option '<name>'`` (``pr_warn``, no
``pr_fmt``) and boots on.  ``early_kvm_mode_cfg()`` returns -EINVAL for a value it
does not know, so a kernel whose parser predates ``nested`` (the 5.15 and 6.1 trees
of the kernel data accept only none/protected/nvhe) boots in its default mode and
says only that.  The accepted values per version come from the kernel data
(``boot_params["arm64/kvm-arm.mode"]``, extracted from that tree's arm.c).

Not modelled: the CPU feature detection behind ``nested`` (``ARM64_HAS_NESTED_VIRT``
needs FEAT_NV2 hardware), hosts booted at EL1, and kernels without the parameter.
"""

from __future__ import annotations

EARLY_PARAMS = {"arm64": ("kvm-arm.mode",)}


def early_params(state) -> None:
    """Log what the kernel says about early parameters on ``state.cmdline``."""
    names = EARLY_PARAMS.get(state.arch)
    if not names:
        return
    from nested_snippets import kernel as kdata  # boot runs in the runner, not in tools
    from nested_snippets.kernel import messages

    boot = kdata.load(state.kernel).boot_params
    for word in state.cmdline.split():
        name, _eq, value = word.partition("=")
        spec = boot.get(f"{state.arch}/{name}") if name in names else None
        if spec is not None and value not in spec["values"]:
            state.log(messages.message("early_param_malformed", state.kernel, param=name))
