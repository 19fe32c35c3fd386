"""The real tools these tests drive, and the checks themselves (kept apart from the
tests so each check can also be shown to catch a bad input).

Every check is read-only: ``qemu-system-x86_64 -cpu help`` lists models and exits,
``virt-xml-validate`` validates a file, and ``modprobe -C DIR -c`` prints
configuration and exits before it could load anything.  As a further guard,
``modprobe`` runs as ``nobody`` with an empty capability bounding set when the tests
run as root, so it could not load or unload a module even if asked to.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest

from nested_snippets.proofs import cpu_args_in, cpu_models_in, machine_args_in, qemu_binary_in

SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"]
)
PACKAGES = {
    "qemu-system-x86_64": "qemu-system-x86",
    "qemu-system-ppc64": "qemu-system-ppc",
    "qemu-system-aarch64": "qemu-system-arm",
    "qemu-system-s390x": "qemu-system-misc",
    "virt-xml-validate": "libvirt-clients",
    "virsh": "libvirt-clients",
    "virt-install": "virtinst",
    "xmllint": "libxml2-utils",
    "modprobe": "kmod",
    "setpriv": "util-linux",
    "gcc": "gcc",
}


def require(tool: str) -> str:
    """The tool's path; skip (or, with CI=true, fail) when it is not installed."""
    path = shutil.which(tool, path=SEARCH_PATH)
    if path:
        return path
    reason = (f"{tool} is not installed (Debian package {PACKAGES.get(tool, '?')}); "
              "the real-tool check cannot run without it")  # fmt: skip
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " and CI=true", pytrace=False)
    pytest.skip(reason)


# ----------------------------------------------------------------- QEMU models

def qemu_version(version_output: str) -> dict[str, str | None]:
    """``{"version": "7.2.22", "package": "1:7.2+dfsg-7+deb12u18+b3"}`` from the first
    line of ``qemu-system-* --version`` (``package``: None for an upstream build)."""
    m = re.search(r"QEMU emulator version (\d+\.\d+\.\d+)(?: \(([^)]*)\))?", version_output)
    if not m:
        raise ValueError(f"not a QEMU --version output: {version_output[:80]!r}")
    package = m.group(2)
    return {"version": m.group(1),
            "package": package.removeprefix("Debian ") if package else None}  # fmt: skip


@cache
def qemu_cpu_models(binary: str | None = None) -> frozenset[str]:
    """Model names from a real ``qemu-system-x86_64 -cpu help`` (the installed one by
    default): ``x86 NAME ...`` lines up to QEMU 9.2, ``  NAME ...`` from 10.0."""
    qemu = binary or require("qemu-system-x86_64")
    out = subprocess.run([qemu, "-cpu", "help"], capture_output=True, text=True,
                         timeout=60, check=True, stdin=subprocess.DEVNULL).stdout  # fmt: skip
    listing = out.split("\n\n")[0]
    models = frozenset(m.group(1) for m in re.finditer(r"^(?:x86)? +(\S+)", listing, re.M))
    assert "qemu64" in models, f"unexpected -cpu help output:\n{out[:500]}"
    return models


def unknown_cpu_models(command: str) -> list[str]:
    known = qemu_cpu_models()
    return [m for m in cpu_models_in(command) if m != "help" and m not in known]


@cache
def qemu_cpu_properties(model: str) -> frozenset[str]:
    """Property names of QEMU's CPU type for ``model``, from the real
    ``qemu-system-x86_64 -device MODEL-x86_64-cpu,help`` (lists and exits)."""
    qemu = require("qemu-system-x86_64")
    proc = subprocess.run([qemu, "-device", f"{model}-x86_64-cpu,help"], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    names = frozenset(m.group(1) for m in re.finditer(r"^  ([\w.-]+)=", proc.stdout, re.M))
    assert proc.returncode == 0 and "vmx" in names, f"unexpected output:\n{proc.stdout[:500]}"
    return names


def unknown_cpu_properties(command: str) -> list[str]:
    """``-cpu`` properties (``hv-evmcs``, ``vmx=on``, ``+svm``) QEMU's CPU type lacks."""
    unknown = []
    for arg in cpu_args_in(command):
        model, *props = arg.split(",")
        if model == "help" or not props:
            continue
        known = qemu_cpu_properties(model)
        unknown += [p for p in props if p.split("=")[0].lstrip("+-") not in known]
    return unknown


@cache
def qemu_machine_options(binary: str, machine: str) -> frozenset[str] | None:
    """Option names of ``machine`` from the real ``BINARY -machine MACHINE,help`` (lists
    and exits); None when that QEMU has no such machine type (it then lists the types)."""
    qemu = require(binary)
    proc = subprocess.run([qemu, "-machine", f"{machine},help"], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    assert proc.returncode == 0, f"{binary} -machine {machine},help failed:\n{proc.stderr[:500]}"
    if not re.match(r"\S+ options:", proc.stdout):
        return None
    return frozenset(m.group(1) for m in re.finditer(r"^  ([\w.-]+)=", proc.stdout, re.M))


def unknown_machine_options(command: str) -> list[str]:
    """Machine types (``TYPE?``) and ``-machine`` option names the line's QEMU lacks."""
    binary = qemu_binary_in(command)
    unknown = []
    for arg in machine_args_in(command):
        machine, *opts = arg.split(",")
        known = qemu_machine_options(binary or "qemu-system-x86_64", machine)
        if known is None:
            unknown.append(f"{machine}?")
            continue
        unknown += [o for o in opts if o.split("=")[0] not in known]
    return unknown


# ------------------------------------------------------------------ libvirt XML

MINIMAL_DOMAIN = """<domain type='kvm'>
  <name>nested-kvm-guide-check</name>
  <memory unit='MiB'>512</memory>
  <os>
    <type arch='x86_64'>hvm</type>
  </os>
{fragment}
</domain>
"""


def wrap(content: str, fragment_of: str) -> str:
    if not fragment_of:
        return content
    if fragment_of != "domain":
        raise ValueError(f"no wrapper for fragments of {fragment_of!r}")
    return MINIMAL_DOMAIN.format(fragment=content)


def validate_domain(document: str) -> tuple[bool, str]:
    """Run the real ``virt-xml-validate FILE domain``; (valid, its output)."""
    tool = require("virt-xml-validate")
    require("xmllint")  # virt-xml-validate is a shell script around xmllint
    with tempfile.TemporaryDirectory(prefix="nkg-xml-") as tmp:
        path = Path(tmp) / "domain.xml"
        path.write_text(document)
        proc = subprocess.run([tool, str(path), "domain"], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


# ------------------------------------------------------------------ modprobe.d

def _unprivileged() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = require("setpriv")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
            "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs"]  # fmt: skip


def _options(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith("options ")]


def real_kmod_options(files: dict[str, str]) -> list[str]:
    """``options`` lines the real kmod derives from ``files`` (name -> text) alone.

    ``modprobe -C DIR -c`` reads only DIR, prints the configuration and exits; kmod
    also adds ``module.param=`` words of this machine's /proc/cmdline, so a run on
    an empty directory gives the baseline that is subtracted.
    """
    modprobe = require("modprobe")
    runs = []
    with tempfile.TemporaryDirectory(prefix="nkg-kmod-") as tmp:
        for name, content in (("empty", {}), ("files", files)):
            d = Path(tmp) / name
            d.mkdir()
            d.chmod(0o755)
            for fname, text in content.items():
                (d / fname).write_text(text)
                (d / fname).chmod(0o644)
            Path(tmp).chmod(0o755)
            proc = subprocess.run([*_unprivileged(), modprobe, "-C", str(d), "-c"],
                                  capture_output=True, text=True, timeout=60,
                                  stdin=subprocess.DEVNULL)  # fmt: skip
            assert proc.returncode == 0, f"modprobe -c failed: {proc.stderr}"
            runs.append(_options(proc.stdout))
    baseline, got = runs
    return [ln for ln in got if ln not in baseline]


CMDLINE_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
static const char *redirect(const char *path) {
    const char *alt = getenv("NKG_CMDLINE_FILE");
    return alt && path && strcmp(path, "/proc/cmdline") == 0 ? alt : path;
}
#define WRAP(name) \
int name(const char *path, int flags, ...) { \
    static int (*real)(const char *, int, ...); \
    mode_t mode = 0; \
    if (!real) real = dlsym(RTLD_NEXT, #name); \
    if (flags & O_CREAT) { va_list ap; va_start(ap, flags); mode = va_arg(ap, int); va_end(ap); } \
    return real(redirect(path), flags, mode); \
}
WRAP(open)
WRAP(open64)
int __open_2(const char *path, int flags) { return open(path, flags); }
int __open64_2(const char *path, int flags) { return open64(path, flags); }
"""
"""An ``LD_PRELOAD`` library that makes a program's ``open("/proc/cmdline")`` open the
file named by ``$NKG_CMDLINE_FILE`` instead (nothing else changes), so that the real
kmod reads a command line a test chooses."""


def build_cmdline_shim(directory: Path) -> Path:
    """Compile :data:`CMDLINE_SHIM` into ``directory`` (gcc required)."""
    gcc = require("gcc")
    src, lib = directory / "cmdline_shim.c", directory / "cmdline_shim.so"
    src.write_text(CMDLINE_SHIM)
    subprocess.run([gcc, "-shared", "-fPIC", "-O2", "-o", str(lib), str(src), "-ldl"],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    return lib


def real_kmod_kcmdline(shim: Path, cmdline: str) -> list[str]:
    """The ``blacklist`` and ``options`` lines the real ``modprobe -c`` prints with
    an empty configuration directory when /proc/cmdline reads ``cmdline`` + newline
    (through ``shim``, :func:`build_cmdline_shim`); run unprivileged as the other
    real-kmod checks are."""
    modprobe = require("modprobe")
    with tempfile.TemporaryDirectory(prefix="nkg-kcmd-") as tmp:
        empty, line = Path(tmp) / "empty", Path(tmp) / "cmdline"
        empty.mkdir()
        line.write_text(cmdline + "\n")
        for path in (Path(tmp), empty):
            path.chmod(0o755)
        line.chmod(0o644)
        env = {"PATH": "/usr/bin:/bin", "LD_PRELOAD": str(shim), "NKG_CMDLINE_FILE": str(line)}
        proc = subprocess.run([*_unprivileged(), modprobe, "-C", str(empty), "-c"], env=env,
                              capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)  # fmt: skip
    assert proc.returncode == 0, f"modprobe -c failed: {proc.stderr}"
    return [ln for ln in proc.stdout.split("\n") if ln.startswith(("blacklist ", "options "))]


def fake_kmod_options(files: dict[str, str]) -> list[str]:
    """The same question asked of the fake host's ``modprobe -C DIR --showconfig``."""
    from nested_snippets.fakehost.host import Scenario, own
    from nested_snippets.kernel import latest
    from nested_snippets.runner import run

    runs = []
    for name, content in (("empty", {}), ("files", files)):
        with run.fake_host(Scenario(arch="intel", kernel=latest())) as host:
            host.path(f"/root/{name}.d").mkdir(parents=True)
            own(host.path(f"/root/{name}.d"))  # the sandbox user keeps its /root
            for fname, text in content.items():
                host.write_file(f"/root/{name}.d/{fname}", text)
            out = run.execute(host, f"modprobe -C /root/{name}.d --showconfig")
            assert out.status == 0, out.output
            runs.append(_options("\n".join(out.output)))
    baseline, got = runs
    return [ln for ln in got if ln not in baseline]


def normalise_options_line(line: str) -> str:
    """How ``modprobe -c`` prints an ``options`` line of a file: module name with
    underscores, words separated by one space."""
    words = line.split()
    return " ".join([words[0], words[1].replace("-", "_"), *words[2:]])


def expected_options(text: str) -> list[str]:
    return [normalise_options_line(ln) for ln in text.splitlines()
            if ln.split()[:1] == ["options"] and len(ln.split()) > 2]  # fmt: skip


def check_modprobe_conf(text: str, filename: str) -> list[str]:
    """Problems with a modprobe.d file: empty list when real and fake kmod agree and
    every ``options`` line of the file is one the real kmod honours."""
    problems = []
    real = real_kmod_options({filename: text})
    fake = fake_kmod_options({filename: text})
    if real != fake:
        problems.append(f"real kmod gives {real}, the fake host gives {fake}")
    if not real:
        problems.append("the real kmod finds no options line in this file")
    for want in expected_options(text):
        if want not in real:
            problems.append(f"the real kmod does not apply {want!r}")
    return problems
