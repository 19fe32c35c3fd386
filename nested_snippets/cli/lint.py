"""``nested-kvm lint``: modprobe.d files against the kernel's KVM parameters.

Findings print as ``FILE:LINE: error|warning: message`` (line 1 for findings about a
whole file).  Exit status: 0 no errors (warnings allowed), 1 errors, 2 an input
could not be read or the kernel version is unknown.
"""

from __future__ import annotations

import argparse
import difflib
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from nested_snippets import kernel
from nested_snippets.cli import params, probes
from nested_snippets.cli.errors import CliError
from nested_snippets.cli.escape import escape
from nested_snippets.cli.hostfs import HostFS, read_regular
from nested_snippets.kernel import messages
from nested_snippets.parsers import modprobe_conf, values
from nested_snippets.parsers.modprobe_conf import normalize, split_option

KVM_MODULES = {"kvm": None, "kvm_intel": "x86", "kvm_amd": "x86", "kvm_hv": "powerpc"}
"""Modules checked against kernel data -> their architecture (None: the host's)."""
OTHER_KVM = {"kvmgt", "kvm_pvm", "kvm_pr", "kvm_arm"}
"""Real modules with kvm-like names that this tool has no data for: not typos."""
MAX_FILE = 16 * 1024 * 1024
"""A modprobe.d file larger than this is not read (real ones are a few KiB)."""


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    level: str
    message: str

    def __str__(self) -> str:
        return escape(f"{self.path}:{self.line}: {self.level}: {self.message}")


@dataclass(frozen=True)
class Setting:
    path: str
    line: int
    word: str
    value: str
    """The value as the kernel stores it (``values.parse``): ``Y`` for ``nested=1``."""
    read_by_kmod: bool


class Linter:
    def __init__(self, version: str, arch: str):
        self.version = version
        self.arch = arch
        self.findings: list[Finding] = []
        self.settings: dict[tuple[str, str], list[Setting]] = {}
        self._unknown: dict[tuple[str, str], str] = {}
        """(module, parameter) -> the error message, computed once (difflib is slow)."""

    def add(self, path: str, line: int, level: str, message: str) -> None:
        self.findings.append(Finding(path, line, level, message))

    def module_data(self, name: str) -> kernel.ModuleData | None:
        arch = KVM_MODULES[name] or self.arch
        try:
            return kernel.module(arch, name, self.version)
        except kernel.KernelDataError:
            return None

    def lint_text(self, shown: str, text: str) -> None:
        read_by_kmod = shown.endswith(".conf")
        if not read_by_kmod:
            self.add(
                shown, 1, "warning", "kmod reads only files ending in .conf: this file is ignored"
            )
        cfg = modprobe_conf.parse_text(text, shown)
        for problem in cfg.problems:
            line, _, why = problem[len(shown) + 1 :].partition(": ")
            self.add(shown, int(line), "warning", f"kmod ignores this line: {why}")
        for ln in cfg.lines:
            module = normalize(ln.args[0]) if ln.args else ""
            if ln.command == "options":
                self.options(ln, module, read_by_kmod)
            elif ln.command == "blacklist" and module in KVM_MODULES:
                self.add(
                    shown,
                    ln.lineno,
                    "warning",
                    f"blacklist {module}: udev will not load it at boot (modprobe still can)",
                )
            elif ln.command == "install" and module in KVM_MODULES:
                self.add(
                    shown,
                    ln.lineno,
                    "warning",
                    f"'install {module}' replaces loading {module} by a command",
                )

    def options(self, ln: modprobe_conf.Line, module: str, read_by_kmod: bool) -> None:
        if module not in KVM_MODULES:
            self.unknown_module(ln, module)
            return
        mod = self.module_data(module)
        if mod is None:
            arch = KVM_MODULES[module] or self.arch
            self.add(
                ln.path,
                ln.lineno,
                "warning",
                f"no parameter data for {arch}/{module} in Linux {self.version}: not checked",
            )
            return
        by_norm = {normalize(p.name): p for p in mod.params}
        for word in ln.args[1:]:
            raw, value = split_option(word)
            p = by_norm.get(normalize(raw))
            if p is None:
                key = (module, raw)
                if key not in self._unknown:
                    try:
                        mod.param(raw)
                        self._unknown[key] = ""
                    except kernel.UnknownParameter as exc:
                        hint = self.other_arch_hint(module, raw)
                        self._unknown[key] = f"{exc} (the kernel ignores it){hint}"
                if self._unknown[key]:
                    self.add(ln.path, ln.lineno, "error", self._unknown[key])
                continue
            try:
                stored = values.parse(p.type, value)
            except values.InvalidValue:
                shown = "no value" if value is None else f"'{value}'"
                self.add(
                    ln.path,
                    ln.lineno,
                    "error",
                    f"{module} {p.name}: {shown} is not a "
                    f"valid {p.type}; {module} refuses to load (Invalid argument)",
                )
                continue
            self.settings.setdefault((module, p.name), []).append(
                Setting(ln.path, ln.lineno, word, stored, read_by_kmod)
            )

    def other_arch_hint(self, module: str, name: str) -> str:
        """For ``kvm``: the architecture whose kvm has ``name``, if not the one checked."""
        if module != "kvm":
            return ""
        for arch in ("x86", "s390"):
            if arch == self.arch:
                continue
            try:
                kernel.module(arch, "kvm", self.version).param(normalize(name))
            except kernel.KernelDataError:
                continue
            return f"; {arch}'s kvm has it: lint with --arch {arch}"
        return ""

    def unknown_module(self, ln: modprobe_conf.Line, module: str) -> None:
        if module in OTHER_KVM:
            return
        close = difflib.get_close_matches(module, list(KVM_MODULES), n=1, cutoff=0.75)
        if close:
            self.add(
                ln.path,
                ln.lineno,
                "error",
                f"unknown module '{ln.args[0]}'; did you mean "
                f"'{close[0]}'? (options for it are never applied)",
            )

    def finish(self) -> None:
        """Cross-file findings: conflicting settings, s390 nested with hpage."""
        for (module, _param), found in self.settings.items():
            first: dict[str, Setting] = {}  # value -> where it was first set, in order
            for later in (s for s in found if s.read_by_kmod):
                # the first earlier setting with another value: at most two lookups
                earlier = next((s for v, s in first.items() if v != later.value), None)
                first.setdefault(later.value, later)
                if earlier is not None:
                    self.add(
                        later.path,
                        later.line,
                        "error",
                        f"{module} {later.word} conflicts with {earlier.word} at "
                        f"{earlier.path}:{earlier.line}; the kernel applies the one read last",
                    )
        if (KVM_MODULES["kvm"] or self.arch) == "s390":
            self.s390_hpage()

    def s390_hpage(self) -> None:
        nested = self.settings.get(("kvm", "nested"), [])
        hpage = self.settings.get(("kvm", "hpage"), [])
        if not nested or not hpage or nested[-1].value == "0" or hpage[-1].value == "0":
            return
        errno_name = messages.errno_for("s390_nested_hpage", self.version)
        if errno_name:
            s = hpage[-1]
            self.add(
                s.path,
                s.line,
                "error",
                f"kvm {s.word} with {nested[-1].word} at "
                f"{nested[-1].path}:{nested[-1].line}: kvm refuses to load on Linux "
                f"{self.version} ({errno_name}); use one or the other",
            )


def collect(paths: list[str]) -> list[tuple[str, Path]]:
    """Files to lint, in the order kmod reads them (by file name)."""
    out: list[tuple[str, Path]] = []
    for given in paths:
        p = Path(given)
        try:
            is_dir = stat.S_ISDIR(os.stat(p).st_mode)
        except FileNotFoundError:
            if not p.is_symlink():
                raise CliError(f"{given}: no such file or directory") from None
            is_dir = False  # a dangling link: reading it says so
        except OSError as exc:
            raise CliError(f"cannot read {given}: {(exc.strerror or str(exc)).lower()}") from None
        if is_dir:
            try:
                entries = sorted(p.iterdir())
            except OSError as exc:
                why = (exc.strerror or str(exc)).lower()
                raise CliError(f"cannot read {given}: {why}") from None
            out += [(str(e), e) for e in entries if not e.is_dir()]
        else:
            out.append((given, p))
    return sorted(out, key=lambda item: item[1].name)


def host_arch(fs: HostFS) -> str:
    if fs.real:
        return params.HOST_ARCH.get(os.uname().machine, "x86")
    try:
        arch = probes.read_cpuinfo(fs).arch
    except CliError:
        return "x86"
    return arch if arch in ("s390", "powerpc") else "x86"


def run(args: argparse.Namespace) -> int:
    fs = HostFS(args.root)
    given = args.kernel
    version, wanted = params.kernel_version(given, probes.release(fs) if given is None else None)
    if version != wanted:
        print(f"nested-kvm lint: Linux {wanted}: checking against Linux {version}", file=sys.stderr)
    linter = Linter(version, args.arch or host_arch(fs))
    unreadable = []
    for shown, path in collect(args.paths):
        try:
            data = read_regular(path, MAX_FILE + 1)
        except OSError as exc:
            unreadable.append(f"cannot read {shown}: {(exc.strerror or str(exc)).lower()}")
            continue
        if len(data) > MAX_FILE:
            unreadable.append(f"{shown}: larger than {MAX_FILE >> 20} MiB, not read")
            continue
        linter.lint_text(shown, data.decode("utf-8", errors="replace"))
    linter.finish()
    for f in sorted(linter.findings, key=lambda f: (f.path, f.line)):
        print(f)
    for line in unreadable:
        print(escape(f"nested-kvm lint: {line}"), file=sys.stderr)
    if unreadable:
        return 2
    return 1 if any(f.level == "error" for f in linter.findings) else 0
