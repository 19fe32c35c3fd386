"""The fake host's ``modprobe -c`` reads the kernel command line as the real kmod does.

kmod adds ``module.param`` words of /proc/cmdline to its configuration
(``kmod_config_parse_kcmdline()``, libkmod/libkmod-config.c); the fake host models
that in :func:`nested_snippets.parsers.modprobe_conf.kcmdline_config`.  The real
``modprobe -c`` is made to read a chosen command line through an ``LD_PRELOAD``
library that redirects its ``open("/proc/cmdline")`` (:func:`tools.build_cmdline_shim`),
and both are asked about hand-picked and random command lines.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest

from nested_snippets.parsers.modprobe_conf import cmdline_options, kcmdline_config
from tests.realtools import tools

pytestmark = pytest.mark.realtools

CASES = [
    "BOOT_IMAGE=/boot/vmlinuz-6.1.0-56-amd64 root=/dev/vda1 ro quiet kvm-intel.nested=0",
    "quiet.x a.b.c=1 root=/dev/sda1.x modprobe.blacklist=kvm_amd,foo-bar",
    '"parport.dyndbg=file drivers/parport/ieee1284_ops.c +mpf" m.p=a"b c"d',
    'kvm.p="a\tb" kvm.q="open',
    "x[.y=1 a-b[c-d].e=2 .z=1 ab].c=1 kvm_intel.nested=1 -- kvm_amd.npt=0",
    "kvm.a=1 " * 600,  # longer than kmod's buffer (KCMD_LINE_SIZE)
]
PIECES = ["a", "b", ".", "=", '"', " ", "-", "[", "]", "\t", ",", "x",
          "modprobe.blacklist=", "kvm-intel.nested="]  # fmt: skip
"""No newline: a command line has none inside, and ``modprobe -c`` prints an option
holding one on two lines."""


def _random_cases(n: int) -> list[str]:
    rng = random.Random(13)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30))) for _ in range(n)]


@pytest.fixture(scope="module")
def shim():
    # modprobe runs as nobody (tools._unprivileged): the library must be readable by
    # it, which a pytest tmp_path (under a 0700 directory) is not
    with tempfile.TemporaryDirectory(prefix="nkg-shim-") as tmp:
        Path(tmp).chmod(0o755)
        lib = tools.build_cmdline_shim(Path(tmp))
        lib.chmod(0o755)
        if tools.real_kmod_kcmdline(lib, "nkg_probe.x=1") != ["options nkg_probe x=1"]:
            pytest.skip("modprobe did not read /proc/cmdline through the shim")
        yield lib


def _fake(cmdline: str) -> list[str]:
    """In the order ``modprobe -c`` prints: blacklists, then options."""
    lines = kcmdline_config(cmdline)
    return [ln for ln in lines if ln.startswith("blacklist ")] + [
        ln for ln in lines if ln.startswith("options ")
    ]


@pytest.mark.parametrize("cmdline", CASES, ids=range(len(CASES)))
def test_real_and_fake_kmod_read_the_command_line_alike(shim, cmdline):
    assert _fake(cmdline) == tools.real_kmod_kcmdline(shim, cmdline)


def test_random_command_lines_are_read_alike(shim):
    differ = [c for c in _random_cases(500) if _fake(c) != tools.real_kmod_kcmdline(shim, c)]
    assert not differ, differ[:5]


MODULES = ("kvm_intel", "kvm-intel", "a", "b", "x", "a-b")
"""Names the cases give options to (``kvm-intel`` is the name a user may type)."""


def _real_options(real: list[str], module: str) -> list[str]:
    """The option texts kmod hands ``module`` when it loads it: its ``options`` lines,
    empty ones left out (``kmod_module_get_options()``, libkmod/libkmod-module.c at
    kmod v34.2: an entry of length 0 is skipped); kmod looks the module up by its
    normalised name (``-`` as ``_``)."""
    prefix = f"options {module.replace('-', '_')} "
    return [ln[len(prefix) :] for ln in real if ln.startswith(prefix) and ln != prefix]


def test_a_loaded_module_gets_what_the_real_kmod_shows(shim):
    """The fake host's module load takes the command line's options from the same
    reading: for each case, the options the load path hands a module are the real
    ``modprobe -c``'s ``options`` lines for it."""
    differ = []
    for cmdline in CASES + _random_cases(300):
        real = tools.real_kmod_kcmdline(shim, cmdline)
        for module in MODULES:
            if cmdline_options(cmdline, module) != _real_options(real, module):
                differ.append((cmdline, module))
    assert not differ, differ[:5]
