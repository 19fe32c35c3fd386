"""Adding an architecture is writing one file: the registry, the fake host and the
checker pick up a test-only architecture from its module alone.

The module is written to a temporary directory that joins the ``nested_snippets.arches``
package path (what dropping ``toyarch.py`` into ``nested_snippets/arches/`` does).  It
borrows s390's ``kvm`` parameter data (a real architecture brings its own through
``tools/extract_kernel_params.py``).  The expected texts below are authored from the
file, not read back from the registry.
"""

from __future__ import annotations

import sys

import pytest

from nested_snippets import arches
from nested_snippets.cli import guide
from nested_snippets.parsers import cpuinfo

TOY = '''"""Toy: a test-only architecture."""

from nested_snippets.arches import Arch, ModuleSpec

ARCH = Arch(
    key="toyarch",
    label="Toy",
    order=99,
    kernel_arch="toy",
    machines=("toy64",),
    debian_flavour="toy64",
    module="kvm_toy",
    cpu_flag="hv",
    cpuinfo_field="isa-ext",
    nested_on="1",
    nested_off="0",
    extension="Toy-V",
    qemu_binary="qemu-system-toy64",
    anchor="nested-toy",
    pages={"nested-toy": "how-to/toy"},
    modules=(ModuleSpec("kvm_toy", "arch/toy/kvm/kvm-toy.ko", (), "s390/kvm", "hv",
                        autoload="cpu"),),
    fake_flags=("base", "vec"),
)
'''


@pytest.fixture
def toy(tmp_path):
    """The registry with ``toyarch.py`` beside the real architecture modules."""
    extra = tmp_path / "arches"
    extra.mkdir()
    (extra / "toyarch.py").write_text(TOY)
    saved = list(arches.__path__)
    arches.__path__.append(str(extra))
    arches.reload()
    try:
        yield
    finally:
        arches.__path__[:] = saved
        sys.modules.pop("nested_snippets.arches.toyarch", None)
        arches.reload()


def test_the_registry_lists_it_last_by_its_order(toy):
    assert list(arches.ARCHES) == ["intel", "amd", "s390x", "power", "arm64", "toyarch"]
    assert arches.get("toyarch").label == "Toy"
    assert arches.kernel_arch_of("toy64") == "toy"
    assert arches.machine_of("toy") == "toy64"
    assert arches.module_arches()["kvm_toy"] == "toy"
    assert guide.url("nested-toy").endswith("/how-to/toy.html#nested-toy")
    with pytest.raises(arches.UnknownArch, match="did you mean 'toyarch'"):
        arches.get("toyarc")


def test_a_row_must_name_its_debian_flavour(tmp_path):
    """No default: a new architecture's fake kernel must not pass for ``-amd64``."""
    source = TOY.replace('    debian_flavour="toy64",\n', "")
    assert source != TOY
    with pytest.raises(TypeError, match="debian_flavour"):
        exec(compile(source, "toyarch.py", "exec"), {})


def test_without_its_file_it_is_gone(toy):
    arches.__path__.pop()
    arches.reload()
    assert "toyarch" not in arches.ARCHES


def test_its_cpuinfo_field_names_it():
    """Without the module the same text names no architecture."""
    with pytest.raises(cpuinfo.CpuinfoError):
        cpuinfo.parse("processor\t: 0\nisa-ext\t: base hv\n")


def test_the_parser_reads_its_field_and_flag(toy):
    info = cpuinfo.parse("processor\t: 0\nisa-ext\t: base hv\n\n" * 2)
    assert (info.arch, info.arch_key, info.processors) == ("toy", "toyarch", 2)
    assert "hv" in info.flags


def test_the_fake_host_boots_it(toy, fake_host):
    host = fake_host("toyarch", kernel="6.6", nested=True)
    assert (host.root / "proc/cpuinfo").read_text() == (
        "processor\t: 0\nisa-ext\t: base vec hv\n\nprocessor\t: 1\nisa-ext\t: base vec hv\n\n"
    )
    assert (host.root / "sys/module/kvm_toy/parameters/nested").read_text().strip() == "1"
    assert host.built.machine == "toy64"
    assert host.built.release == "6.6.0-fake-toy64"  # its own flavour, not x86's
    assert (host.root / "dev/kvm").exists()


def test_the_checker_checks_it(toy, fake_host, cli):
    root = fake_host("toyarch", kernel="6.6", nested=True).root
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.line("cpu-flag") == "PASS  cpu-flag: hv present"
    assert r.line("kvm-module") == "PASS  kvm-module: kvm_toy loaded"
    assert r.line("nested") == "PASS  nested: kvm_toy nested=1"


def test_the_checker_links_its_page_when_nested_is_off(toy, fake_host, cli):
    root = fake_host("toyarch", kernel="6.6", nested=False).root
    r = cli("check", "--root", str(root), "--no-probe")
    assert r.status("nested") == "FAIL"
    assert "set 'options kvm_toy nested=1' in /etc/modprobe.d/kvm_toy.conf" in r.out
    assert "how-to/toy.html#nested-toy" in r.out
