"""An arm64 fake host shows the parameters of its built-in KVM in /sys/module/kvm.

arm64's ``CONFIG_KVM`` is a bool (arch/arm64/kvm/Kconfig, 4.19 and 7.3) and its
Makefile links virt/kvm/kvm_main.c into ``kvm.o``, so ``module_param()`` there is
``kvm.<name>`` and ``param_sysfs_builtin()`` (kernel/params.c) files it under
``/sys/module/kvm/parameters``.  The expected names, modes and defaults are read from
virt/kvm/kvm_main.c and arch/arm64/include/asm/kvm_host.h (``KVM_HALT_POLL_NS_DEFAULT
500000``) at 4.19.0 (ZDawnG/linux-4.19 724fb8f2), 6.12 (shilei-massclouds/linux-6.12
2974a9e7) and 7.3 (Debian's linux-source-7.3), not from the kernel data.
"""

from __future__ import annotations

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.fakehost.start import Given
from nested_snippets.runner.run import execute, fake_host

PARAMS = {
    "4.19": ["halt_poll_ns", "halt_poll_ns_grow", "halt_poll_ns_shrink"],
    "6.12": [
        "enable_virt_at_load",
        "halt_poll_ns",
        "halt_poll_ns_grow",
        "halt_poll_ns_grow_start",
        "halt_poll_ns_shrink",
    ],  # fmt: skip
    "7.3": [
        "allow_unsafe_mappings",
        "enable_virt_at_load",
        "halt_poll_ns",
        "halt_poll_ns_grow",
        "halt_poll_ns_grow_start",
        "halt_poll_ns_shrink",
    ],  # fmt: skip
}


def run(host, command: str) -> tuple[list[str], int]:
    out = execute(host, command)
    return out.output, out.status


@pytest.mark.parametrize("kernel", sorted(PARAMS))
def test_sys_module_kvm_lists_the_builtin_parameters(kernel):
    with fake_host(Scenario(arch="arm64", kernel=kernel)) as host:
        assert run(host, "ls /sys/module/kvm/parameters") == (PARAMS[kernel], 0)
        assert run(host, "cat /sys/module/kvm/parameters/halt_poll_ns") == (["500000"], 0)
        shrink = "0" if kernel == "4.19" else "2"
        assert run(host, "cat /sys/module/kvm/parameters/halt_poll_ns_shrink") == ([shrink], 0)


def test_modes_and_read_only_bools():
    with fake_host(Scenario(arch="arm64", kernel="7.3")) as host:
        lines, status = run(host, "stat -c '%a %n' /sys/module/kvm/parameters/*")
        assert status == 0
        modes = {line.split()[1].rsplit("/", 1)[1]: line.split()[0] for line in lines}
        assert modes == {
            "allow_unsafe_mappings": "444", "enable_virt_at_load": "444",
            "halt_poll_ns": "644", "halt_poll_ns_grow": "644",
            "halt_poll_ns_grow_start": "644", "halt_poll_ns_shrink": "644",
        }  # fmt: skip
        assert run(host, "cat /sys/module/kvm/parameters/enable_virt_at_load") == (["Y"], 0)


def test_root_writes_halt_poll_ns_and_the_command_line_sets_it_at_boot():
    with fake_host(Scenario(arch="arm64", kernel="6.12")) as host:
        path = "/sys/module/kvm/parameters/halt_poll_ns"
        assert run(host, f"echo 0 | sudo tee {path} > /dev/null && cat {path}") == (["0"], 0)
    given = Given(cmdline="kvm.halt_poll_ns=100000")
    with fake_host(Scenario(arch="arm64", kernel="6.12", given=given)) as host:
        assert run(host, "cat /sys/module/kvm/parameters/halt_poll_ns") == (["100000"], 0)


def test_kmod_tools_still_see_no_kvm_module():
    """Built in, with no module file: not in /proc/modules, so lsmod lists nothing."""
    with fake_host(Scenario(arch="arm64", kernel="6.12")) as host:
        assert run(host, "lsmod") == (["Module                  Size  Used by"], 0)
        assert run(host, "cat /proc/modules") == ([], 0)


def test_the_bug_report_copies_them_on_arm64_too():
    """The Arm64 tab of the bug report had no ``grep`` line "because the guide's test
    host does not model them yet" (fact check 18b M2); it has one now."""
    from pathlib import Path

    from nested_snippets import registry
    from nested_snippets.runner.run import run_snippet

    page = (Path(__file__).parents[1] / "source/how-to/bug-report.rst").read_text()
    assert "does\nnot model them yet" not in page and "only because the guide's test" not in page
    snip = registry.load().get("bugreport.collect_l0")
    [body] = [b for _era, key, b in snip.bodies() if key == "arm64"]
    assert any(c.text.startswith("grep -H . /sys/module/kvm*") for c in body.commands)
    run_snippet(snip, "arm64", "6.1")
