"""A built-in module's parameters on the kernel command line, and ``modprobe.blacklist=``
on the boot-time and ``/dev/kvm`` autoloads.

Expected values are read from the sources, not from the fake host.

Built-in module (Linux init/main.c and kernel/params.c, read at 4.19.0, 4.20.0, 5.11.0,
5.15.0, 6.3.8, 6.6.57, 6.12.0, 6.18.2, 7.0.0 and 7.1.3; same code in each):

* ``start_kernel()`` calls ``parse_args("Booting kernel", static_command_line,
  __start___param, ..., &unknown_bootoption)``: the ``__param`` section holds the
  built-in modules' parameters as ``kvm_intel.nested``, matched by ``parameq()``
  (``-`` and ``_`` alike), before any module initialises.
* A dotted word that names no parameter goes to ``unknown_bootoption()``, which
  returns 0 at "Unused module parameter" (``strnchr(param, len, '.')``; 4.19/4.20:
  ``strchr(param, '.') < val``): nothing is logged, nothing reaches init.
* A refused value: ``parse_one()`` returns the setter's error (or -EINVAL for a
  missing value of a parameter without ``KERNEL_PARAM_OPS_FL_NOARG``);
  ``parse_args()`` logs ``pr_err("%s: `%s' invalid for parameter `%s'\\n", doing,
  val ?: "", param)`` with ``param`` as ``next_arg()`` gave it, records the error and
  goes on with the next word (``err = ERR_PTR(ret)``, no return).  The setter
  (``param_set_bool()`` -> ``kstrtobool()``, lib/kstrtox.c) writes nothing when it
  fails, so the parameter keeps its initializer; the module's init runs later as an
  initcall whatever ``parse_args()`` returned.
* kvm_intel's initializers: ``nested = 1`` and ``enable_ept = 1`` in
  arch/x86/kvm/vmx/vmx.c @ 6.6.57 (sysfs Y), ``nested = 0`` in arch/x86/kvm/vmx.c @
  4.19.0 (N); ``ple_gap`` is ``uint`` (no NOARG flag).

Blacklist (kmod v30..v34.2, libkmod/libkmod-module.c ``kmod_module_probe_insert_module()``,
libkmod/libkmod-config.c; systemd src/shared/module-util.c ``module_load_and_warn()``):

* udev's builtin kmod loads a modalias with ``KMOD_PROBE_APPLY_BLACKLIST``: a module
  whose name is in kmod's blacklists is not loaded, and nothing of its probe list
  (its dependencies) either; a blacklisted dependency alone is not checked;
* kmod's blacklists are the files' ``blacklist`` lines (module name through
  ``underscores()``) and ``modprobe.blacklist=`` names (``kcmdline_parse_result()``:
  added as written, no ``underscores()``), compared with ``streq()`` to the module's
  name (``module_is_blacklisted()``): ``modprobe.blacklist=kvm-intel`` blacklists
  nothing that exists;
* the first open of /dev/kvm: ``misc_open()`` calls ``request_module("char-major-%d-%d",
  MISC_MAJOR, minor)`` (drivers/char/misc.c @ 6.6.57), the kernel runs ``modprobe -q
  -- char-major-10-232`` (kernel/module/kmod.c ``call_modprobe()``), an alias of the
  kvm module (``MODULE_ALIAS_MISCDEV(KVM_MINOR)``); kmod's modprobe always adds
  ``KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY`` (tools/modprobe.c ``insmod()``), which
  refuses a blacklisted module found through an alias (``mod->alias`` is set by
  ``kmod_module_new_from_alias()``), exit status 0 ("ignore flag return values");
* ``modprobe NAME`` by hand finds the module by its name (no alias) and without
  ``-b`` applies no blacklist.
"""

from __future__ import annotations

import pytest

from nested_snippets.fakehost.host import Scenario
from nested_snippets.fakehost.start import Given
from nested_snippets.kernel.messages import message
from nested_snippets.runner.run import execute, fake_host


def _out(host, command: str) -> list[str]:
    return execute(host, command).output


def _dmesg(host) -> list[str]:
    return [line.split("] ", 1)[1] for line in _out(host, "sudo dmesg")]


def _params(host, *names: str) -> list[str]:
    files = " ".join(f"/sys/module/kvm_intel/parameters/{n}" for n in names)
    return _out(host, f"cat {files}")


BUILTIN = [
    # (kernel, command line, dmesg lines about the parameters, nested, ept)
    ("6.6", "kvm_intel.bogus=1", [], "Y", "Y"),
    (
        "6.6",
        "kvm_intel.nested=x kvm_intel.ept=0",
        ["Booting kernel: `x' invalid for parameter `kvm_intel.nested'"],
        "Y",
        "N",
    ),
    (
        "6.6",
        "kvm-intel.nested=x",
        ["Booting kernel: `x' invalid for parameter `kvm-intel.nested'"],
        "Y",
        "Y",
    ),
    (
        "6.6",
        "kvm_intel.ple_gap kvm_intel.nested=0",
        ["Booting kernel: `' invalid for parameter `kvm_intel.ple_gap'"],
        "N",
        "Y",
    ),
    # every built-in module's parameters are parsed, kvm_amd's on an Intel CPU too,
    # in the command line's order
    (
        "6.6",
        "kvm_amd.nested=x kvm_intel.nested=z kvm.bogus=1",
        [
            "Booting kernel: `x' invalid for parameter `kvm_amd.nested'",
            "Booting kernel: `z' invalid for parameter `kvm_intel.nested'",
        ],
        "Y",
        "Y",
    ),
    (
        "4.19",
        "kvm_intel.nested=x",
        ["Booting kernel: `x' invalid for parameter `kvm_intel.nested'"],
        "N",
        "Y",
    ),
]


@pytest.mark.parametrize(
    ("kernel", "cmdline", "logged", "nested", "ept"), BUILTIN, ids=range(len(BUILTIN))
)
def test_a_builtin_modules_parameters_are_parsed_at_boot(kernel, cmdline, logged, nested, ept):
    with fake_host(Scenario("intel", kernel, Given(kvm="builtin", cmdline=cmdline))) as host:
        lines = _dmesg(host)
        assert [ln for ln in lines if "parameter" in ln] == logged
        # the module initialises with what parse_args() set, the rest at its default
        assert _params(host, "nested", "ept") == [nested, ept]


def test_the_boot_line_reads_alike_in_every_release():
    for version in ("4.19", "4.20", "5.10", "5.15", "6.1", "6.6", "6.12", "6.18"):
        text = message(
            "invalid_value", version, module="Booting kernel", value="x", param="kvm_intel.nested"
        )
        assert text == "Booting kernel: `x' invalid for parameter `kvm_intel.nested'"


BLACKLIST = [
    # (command line, modprobe.d file, modules loaded after boot)
    ("modprobe.blacklist=kvm_intel", "", []),
    ("modprobe.blacklist=irqbypass,kvm_intel", "", []),
    # kmod keeps the command line's names as written: kvm-intel is no module's name
    ("modprobe.blacklist=kvm-intel", "", ["irqbypass", "kvm", "kvm_intel"]),
    # a file's name goes through underscores()
    ("", "blacklist kvm-intel\n", []),
    # only the module udev asked for is checked, not its dependencies
    ("modprobe.blacklist=kvm", "", ["irqbypass", "kvm", "kvm_intel"]),
]


@pytest.mark.parametrize(("cmdline", "conf", "loaded"), BLACKLIST, ids=range(len(BLACKLIST)))
def test_udev_applies_kmods_blacklist_at_boot(cmdline, conf, loaded):
    files = {"/etc/modprobe.d/bl.conf": conf} if conf else {}
    given = Given(kvm="booted", cmdline=cmdline, files=files)
    with fake_host(Scenario("intel", "6.6", given)) as host:
        assert sorted(_out(host, "ls /sys/module")) == loaded
        # modprobe by name, without -b, applies no blacklist
        assert execute(host, "sudo modprobe kvm_intel").status == 0
        assert _out(host, "cat /sys/module/kvm_intel/parameters/nested") == ["Y"]


@pytest.mark.parametrize(
    ("cmdline", "loaded"),
    [("modprobe.blacklist=kvm", []), ("modprobe.blacklist=kvm-s390", ["kvm"])],
)
def test_the_dev_kvm_autoload_applies_the_blacklist_to_its_alias(cmdline, loaded):
    with fake_host(Scenario("s390x", "6.6", Given(kvm="loaded", cmdline=cmdline))) as host:
        assert _out(host, "ls /sys/module") == loaded
        assert execute(host, "sudo modprobe kvm").status == 0
        assert _out(host, "ls /sys/module") == ["kvm"]


def test_the_boot_notes_the_built_in_modules_words_not_the_line(tmp_path):
    """The boot of a built-in kernel reads the command line's words for the built-in
    modules' parameters (noted as one key, in order), not the line with its
    ``BOOT_IMAGE`` and release; another state's value is looked up alike."""
    from nested_snippets.fakehost import commands, reads
    from nested_snippets.fakehost import state as fk

    with fake_host(Scenario("intel", "6.6", Given(kvm="builtin"))) as host:
        state = fk.State.from_bytes(host.built.to_bytes())
    state.cmdline += " kvm_amd.nested=x quiet.x kvm-intel.ept=0 -- kvm.y=1"
    state.loaded.clear()
    rec = reads.Recorder()
    commands.boot_modules(reads.StateView(state, rec), tmp_path, nested=None)
    assert ("cmdline",) not in rec.reads
    words = "['kvm_amd.nested=x', 'kvm-intel.ept=0']"
    assert rec.reads[(reads.BOOT_WORDS,)] == words
    assert reads.canon(reads.lookup(state, (reads.BOOT_WORDS,))) == words
    assert state.get("kvm_intel").params["ept"] == "N"
