"""A loadable module gets from the kernel command line what kmod reads there, which
is what the fake host's ``modprobe -c`` shows; a built-in one gets the kernel's reading.

Expected values are read from the sources, not from the fake host:

* kmod v34.2, libkmod/libkmod-config.c, ``kmod_config_parse_kcmdline()``: a word
  starts in STATE_MODNAME; ``.`` there goes to STATE_PARAM, a second ``.`` in
  STATE_PARAM to STATE_IGNORE (``kvm_intel.nested.x=0`` is dropped); a ``"`` is
  allowed only as the word's first character (then ``p_quote_start``) or inside the
  value (STATE_VALUE), anywhere else it means STATE_IGNORE (``kvm_intel."nested=0"``
  and ``"kvm_intel.nested"=0`` are dropped); a blank inside a quoted value does not end
  the word (``kvm_intel.ept="1 nested=0"`` is one option, ``ept="1 nested=0"``); a word
  quoted whole is re-quoted by the ``memmove()`` (``"kvm_intel.nested=0"`` gives
  ``nested="0"``); ``kcmdline_parse_result()`` hands ``param`` (with its value) to
  ``kmod_config_add_options()``, which ``modprobe -c`` prints as one ``options`` line.
* kmod v34.2, libkmod/libkmod-module.c, ``kmod_module_get_options()``: those entries,
  joined with one blank, are the option string of the module kmod loads.
* Linux lib/cmdline.c ``next_arg()`` (the kernel reads that string): a value's leading
  ``"`` and the word's last ``"`` go, so ``ept="1 nested=0"`` sets ept to ``1 nested=0``
  (kstrtobool() reads its first character: Y) and leaves nested at its default, which
  is Y for kvm_intel on 6.6 (``nested = 1``, arch/x86/kvm/vmx/vmx.c since 4.20: see
  tests/test_fakehost.py, whose intel 6.6 host prints Y).
* Linux init/main.c ``unknown_bootoption()``: a built-in module's parameters are
  matched by the kernel's own ``parse_args()`` at boot; a dotted word it does not know
  is left "for modprobe".
"""

from __future__ import annotations

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.fakehost.start import Given
from nested_snippets.runner.run import execute, fake_host

LOADABLE = [
    # (command line word, modprobe -c options lines for kvm_intel, nested in sysfs)
    ('kvm_intel.ept="1 nested=0"', ['options kvm_intel ept="1 nested=0"'], "Y"),
    ('kvm_intel."nested=0"', [], "Y"),
    ('"kvm_intel.nested"=0', [], "Y"),
    ("kvm_intel.nested.x=0", [], "Y"),
    ('"kvm_intel.nested=0"', ['options kvm_intel nested="0"'], "N"),
    ('kvm_intel.nested="0"', ['options kvm_intel nested="0"'], "N"),
    ("kvm-intel.nested=0", ["options kvm_intel nested=0"], "N"),
]


def _out(host, command: str) -> list[str]:
    return execute(host, command).output


@pytest.mark.parametrize(("word", "config", "nested"), LOADABLE, ids=range(len(LOADABLE)))
def test_a_loadable_module_gets_what_modprobe_c_shows(word, config, nested):
    with fake_host(Scenario("intel", "6.6", Given(cmdline=word))) as host:
        assert _out(host, "modprobe -c | grep '^options kvm_intel'") == config
        assert _out(host, "cat /sys/module/kvm_intel/parameters/nested") == [nested]
        # kmod drops the odd words: the module is never handed a parameter it lacks
        assert _out(host, "sudo dmesg | grep -c 'unknown parameter'") == ["0"]
        # and a second load by hand reads the same
        execute(host, "sudo modprobe -r kvm_intel")
        assert execute(host, "sudo modprobe kvm_intel").status == 0
        assert _out(host, "cat /sys/module/kvm_intel/parameters/nested") == [nested]


BUILTIN = [
    # the kernel's next_arg(): the whole value of kvm_intel.ept, as for a loadable one
    ('kvm_intel.ept="1 nested=0"', "Y"),
    # a word quoted whole loses both quotes: kvm_intel.nested=0
    ('"kvm_intel.nested=0"', "N"),
    # kmod reads past "--", the kernel does not (parse_args(), kernel/params.c)
    ("-- kvm_intel.nested=0", "Y"),
]


@pytest.mark.parametrize(("word", "nested"), BUILTIN, ids=range(len(BUILTIN)))
def test_a_builtin_module_gets_the_kernels_reading(word, nested):
    with fake_host(Scenario("intel", "6.6", Given(kvm="builtin", cmdline=word))) as host:
        assert _out(host, "cat /sys/module/kvm_intel/parameters/nested") == [nested]


def test_the_sharing_key_holds_kmods_options_for_the_module():
    """``("cmdline_options", module)`` is what the load path reads: a word kmod drops
    adds nothing to it, and a quoted value stays one option."""
    from nested_snippets.fakehost import reads
    from nested_snippets.fakehost import state as fk

    with fake_host(Scenario("intel", "6.6", Given(kvm="unloaded"))) as host:
        state = fk.State.from_bytes(host.built.to_bytes())
    key = (reads.CMDLINE, "kvm_intel")
    for extra, want in [
        ('kvm_intel."nested=0" kvm_intel.nested.x=0', []),
        ('kvm_intel.ept="1 nested=0"', ['ept="1 nested=0"']),
        ("kvm-intel.nested=0 -- kvm_intel.ept=0", ["nested=0", "ept=0"]),
    ]:
        other = fk.State.from_bytes(state.to_bytes())
        other.cmdline += " " + extra
        assert reads.lookup(other, key) == want, extra


@pytest.mark.parametrize(
    ("line", "settings"),
    [
        # kmod keeps the quotes (nested="0"); the module's parse_args() drops them
        ('kvm_intel.nested="0"', [("kernel command line", "0")]),
        # kmod's entries "--" and "nested=0": the module's parse_args() stops at "--"
        ("kvm_intel.-- kvm_intel.nested=0", []),
        ('kvm_intel."nested=0"', []),
    ],
)
def test_nested_kvm_check_reads_a_loadable_modules_options_as_the_load_does(line, settings):
    from nested_snippets.cli.config import cmdline_settings

    assert cmdline_settings(line, "kvm_intel", "nested") == settings
