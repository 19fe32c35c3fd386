"""The v1 patch's own errors are caught when its snippets run on the fake host.

Each test declares a snippet exactly as the v1 text (running-nested-guests v1) shows
it and checks that the runner rejects it, with a message that names the fix.
"""

from __future__ import annotations

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.model import Era, Given, KernelRange, Snippet, config, transcript
from nested_snippets.runner.run import Mismatch, fake_host, run_body, run_snippet


def _seed(body, variant="intel") -> Snippet:
    return Snippet(eras=(Era(KernelRange(), {variant: body}),), id="seed.example")


def test_misspelled_enable_apivc_is_an_unknown_parameter_with_a_suggestion():
    conf = config(
        "/etc/modprobe.d/kvm_intel.conf",
        """
        options kvm-intel nested=y
        options kvm-intel enable_shadow_vmcs=y
        options kvm-intel enable_apivc=y
        options kvm-intel ept=y
    """,
    )
    # v1 implies the reload is clean; the kernel in fact logs the unknown name.
    reload = transcript(
        """
        $ sudo rmmod kvm-intel
        $ sudo modprobe kvm-intel
        $ sudo dmesg | grep -c 'unknown parameter'
        0
    """,
        status={2: 1},
    )
    with fake_host(Scenario("intel", "6.6", Given())) as host:
        run_body(host, conf, "seed persistence block")
        with pytest.raises(Mismatch) as err:
            run_body(host, reload, "seed reload")
    message = str(err.value)
    assert "+1" in message
    assert "did you mean 'enable_apicv'" in message


def test_amd_nested_prints_1_not_Y():
    body = transcript("""
        $ cat /sys/module/kvm_amd/parameters/nested
        Y
    """)
    with pytest.raises(Mismatch, match=r"(?s)-Y.*\+1"):
        run_snippet(_seed(body, "amd"), "amd", "6.6")


def test_garbled_v1_modinfo_line_is_rejected():
    body = transcript("""
        $ modinfo kvm_intel | grep -i nested
        parm:           nested:boolkvm                   435079  1 kvm_intel
    """)
    with pytest.raises(Mismatch, match="nested:boolkvm"):
        run_snippet(_seed(body), "intel", "6.6")


def test_not_enabled_by_default_is_stale_since_4_20():
    """v1: "The KVM kernel modules do not enable nesting by default"."""
    body = transcript("""
        $ cat /sys/module/kvm_intel/parameters/nested
        N
    """)
    run_snippet(_seed(body), "intel", "4.19")  # true on 4.19 ...
    with pytest.raises(Mismatch):
        run_snippet(_seed(body), "intel", "4.20")  # ... and no longer on 4.20
