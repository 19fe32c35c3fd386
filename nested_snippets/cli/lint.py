"""``nested-kvm lint``: modprobe.d files against the kernel's KVM parameters.

Findings print as ``FILE:LINE: error|warning: message`` (line 1 for findings about a
whole file).  Exit status: 0 no errors (warnings allowed), 1 errors, 2 an input
could not be read or the kernel version is unknown.
"""

from __future__ import annotations

import argparse
import gc
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from nested_snippets import arches, kernel, suggest
from nested_snippets.cli import params, probes
from nested_snippets.cli.errors import CliError
from nested_snippets.cli.escape import clip, escape, shorten
from nested_snippets.cli.hostfs import HostFS, read_regular
from nested_snippets.kernel import messages
from nested_snippets.parsers import modprobe_conf, values
from nested_snippets.parsers.modprobe_conf import normalize, split_option

KVM_MODULES = arches.module_arches()
"""Modules checked against kernel data -> their architecture (None: the host's)."""
OTHER_KVM = {"kvmgt", "kvm_pvm", "kvm_pr", "kvm_arm"}
"""Real modules with kvm-like names that this tool has no data for: not typos."""
REPEAT = 20
"""The same finding in one file is printed this often; the rest are counted."""
CACHE = 4096
"""Entries of each memo (judged words, planned lines): a file of distinct words
only fills a memo, and each lookup in a large dict is a cache miss."""
SHOWN = 200
"""Distinct findings printed per run.  Past them a finding is only counted, and one
note at the end says how many were left out: a file of a million distinct mistakes
would print tens of megabytes that no one reads.  It also bounds the did-you-mean
searches (difflib, 0.1 ms each), which run only for findings that are printed."""
MAX_FILE = 16 * 1024 * 1024
"""A modprobe.d file larger than this is not read (real ones are a few KiB)."""


class Finding(NamedTuple):
    path: str
    line: int
    level: str
    message: str

    def __str__(self) -> str:
        return escape(f"{self.path}:{self.line}: {self.level}: {self.message}")


def render(findings: list[tuple[str, int, str, str]]) -> str:
    """The findings as lines, sorted by file and line, control characters escaped.

    Escapes each distinct path and message once: a hostile file repeats them."""
    cache: dict[str, str] = {}

    def esc(text: str) -> str:
        done = cache.get(text)
        if done is None:
            done = cache[text] = escape(text)
        return done

    ordered = sorted(findings, key=lambda f: (f[0], f[1]))
    return "".join(f"{esc(p)}:{n}: {level}: {esc(m)}\n" for p, n, level, m in ordered)


class Linter:
    def __init__(self, version: str, arch: str):
        self.version = version
        self.arch = arch
        self.findings: list[tuple[str, int, str, str]] = []
        """(path, line, level, message); :class:`Finding` has the same fields."""
        self.first: dict[tuple[str, str], dict[str, tuple[modprobe_conf.Line, str]]] = {}
        """(module, parameter) -> value -> (line, word) where kmod first met it, for
        the first two values."""
        self.last: dict[tuple[str, str], tuple[modprobe_conf.Line, str, str]] = {}
        """(module, parameter) -> (line, word, value as stored) of its last setting."""
        self.repeats: dict[tuple[str, str, str], int] = {}
        """(path, level, message) -> how often it was found (printed: :data:`REPEAT`)."""
        self.shown_until: dict[tuple[str, str, str], int] = {}
        """(path, level, message) -> the line of its last printed occurrence."""
        self.left_out: dict[str, int] = {}
        """level -> findings past :data:`SHOWN` distinct ones, counted, not kept."""
        self.first_left_out: tuple[str, int] | None = None
        """(path, line) of the first finding left out by :data:`SHOWN`."""
        self.errors = False
        """Whether any error was found, printed or not (the exit status)."""
        self.unsearched: dict[str, tuple[str, int]] = {}
        """Module name without data -> (path, line) where first seen, for names not
        compared with KVM's: past :data:`SHOWN` findings, once an error already
        decides the exit status (difflib is slow)."""
        self._modules: dict[str, kernel.ModuleData | None] = {}
        self._by_name: dict[str, dict[str, kernel.Param]] = {}
        self._judged: dict[str, dict[str, tuple]] = {}
        """module -> word -> :meth:`judge`'s answer (files repeat words)."""
        self._bases: dict[str, tuple] = {}
        """module as written -> :meth:`_base`'s answer."""
        self._conflict: dict[tuple[tuple[str, str], str, int], str] = {}
        """(key, word, values kept) -> :meth:`conflict`'s message."""
        self._unknown: dict[str, str] = {}
        """module name as written -> :meth:`unknown_message` (difflib is slow)."""
        self._hintless: dict[str, tuple[str, str]] = {}
        """printed unknown-parameter message -> (module, name): its hints are added
        in :meth:`finish` (difflib is slow)."""

    def add(self, path: str, line: int, level: str, message: str) -> None:
        """Record a finding; after :data:`REPEAT` of the same one in a file, or past
        :data:`SHOWN` distinct ones, count it.  :meth:`apply` has a copy inline."""
        if level == "error":
            self.errors = True
        key = (path, level, message)
        seen = self.repeats.get(key)
        if seen is None:
            if len(self.repeats) >= SHOWN:
                self.leave_out(path, line, level)
                return
            seen = 0
        self.repeats[key] = seen + 1
        if seen < REPEAT:
            self.findings.append((path, line, level, message))  # a plain tuple: cheap
            self.shown_until[key] = line

    def leave_out(self, path: str, line: int, level: str) -> None:
        """Count a finding past :data:`SHOWN` distinct ones."""
        self.left_out[level] = self.left_out.get(level, 0) + 1
        if self.first_left_out is None:
            self.first_left_out = (path, line)

    def module_data(self, name: str) -> kernel.ModuleData | None:
        if name not in self._modules:
            arch = KVM_MODULES[name] or self.arch
            try:
                self._modules[name] = kernel.module(arch, name, self.version)
            except kernel.KernelDataError:
                self._modules[name] = None
        return self._modules[name]

    def by_name(self, name: str, mod: kernel.ModuleData) -> dict[str, kernel.Param]:
        """The module's parameters by normalized name (built once per module)."""
        if name not in self._by_name:
            self._by_name[name] = {normalize(p.name): p for p in mod.params}
        return self._by_name[name]

    def lint_text(self, shown: str, text: str) -> None:
        read_by_kmod = shown.endswith(".conf")
        if not read_by_kmod:
            self.add(
                shown, 1, "warning", "kmod reads only files ending in .conf: this file is ignored"
            )
        cfg = modprobe_conf.parse_text(text, shown)
        for problem in cfg.problems:
            line, _, why = problem[len(shown) + 1 :].partition(": ")
            self.add(shown, int(line), "warning", f"kmod ignores this line: {clip(why)}")
        plans: dict[int, Sequence[tuple] | None] = {}  # id(args) -> plan; the parser
        plan_of, apply = self.plan, self.apply  # shares args of identical lines, and cfg
        for ln in cfg.lines:  # keeps them alive meanwhile
            if ln.command == "options":
                args = ln.args
                plan = plans.get(id(args), False)
                if plan is False:
                    plan = plan_of(args)
                    if len(plans) < CACHE:
                        plans[id(args)] = plan
                if plan is None:
                    self.options(ln, normalize(args[0]), read_by_kmod)
                else:
                    apply(plan, ln, read_by_kmod)
                continue
            module = normalize(ln.args[0]) if ln.args else ""
            if ln.command == "blacklist" and module in KVM_MODULES:
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
        self.apply(self.plan(ln.args) or [], ln, read_by_kmod)

    def plan(self, args: tuple[str, ...]) -> Sequence[tuple] | None:
        """What an ``options`` line's words do: (key, word, stored, error, source) each,
        with a word repeated right after itself left out (the kernel sets the same
        value); None when the module is not one with data (then :meth:`options`
        reports it)."""
        base = self._bases.get(args[0])
        if base is None:
            base = self._base(args[0])
            if len(self._bases) < CACHE:
                self._bases[args[0]] = base
        module, mod, judged_all = base
        if mod is None:
            return None
        if len(args) == 2:  # one word, as in most lines: no loop
            word = args[1]
            judged = judged_all.get(word)
            if judged is None:
                judged = self.judge(module, mod, word)
                if len(judged_all) < CACHE:
                    judged_all[word] = judged
            return (judged,)
        out = []
        previous = None
        wrong: set[str] = set()  # a word with an error is reported once per line
        for word in args[1:]:
            if word == previous or word in wrong:
                continue
            previous = word
            judged = judged_all.get(word)
            if judged is None:
                judged = self.judge(module, mod, word)
                if len(judged_all) < CACHE:
                    judged_all[word] = judged
            if judged[3]:
                wrong.add(word)
            out.append(judged)
        return out

    def _base(self, given: str) -> tuple[str, kernel.ModuleData | None, dict[str, tuple]]:
        """(module, its data or None, its memo of judged words) for a module as written."""
        module = normalize(given)
        mod = self.module_data(module) if module in KVM_MODULES else None
        return module, mod, self._judged.setdefault(module, {}) if mod is not None else {}

    def apply(self, plan: Sequence[tuple], ln: modprobe_conf.Line, read_by_kmod: bool) -> None:
        """Apply one line's plan.  The steady states of a repeated line (the same value
        again; a conflict already worded) and the recording of an error are inline: a
        hostile file has millions of lines, and two calls per word were half of lint's
        time."""
        path, lineno = ln.path, ln.lineno
        repeats = self.repeats
        for key, word, stored, message, source in plan:
            if not message:
                if key is None:
                    continue
                self.last[key] = (ln, word, stored)
                if not read_by_kmod:
                    continue
                first = self.first.get(key)
                if first is None:  # its first setting
                    self.first[key] = {stored: (ln, word)}
                    continue
                if len(first) == 1 and stored in first:
                    continue  # the same value again: the common case of a repeated line
                memo = (key, word, len(first))  # first only grows: its length is its version
                message = self._conflict.get(memo)
                if message is None:  # a memo hit implies stored in first, as in conflict()
                    message = self.conflict(key, word, stored, ln, first)
                    if len(self._conflict) < CACHE:
                        self._conflict[memo] = message
            counted = (path, "error", message)  # self.add(), inline
            self.errors = True
            seen = repeats.get(counted)
            if seen is None:
                if len(repeats) >= SHOWN:  # self.leave_out(), inline
                    self.left_out["error"] = self.left_out.get("error", 0) + 1
                    if self.first_left_out is None:
                        self.first_left_out = (path, lineno)
                    continue
                seen = 0
                if source:
                    self._hintless[message] = source
            repeats[counted] = seen + 1
            if seen < REPEAT:
                self.findings.append((path, lineno, "error", message))
                self.shown_until[counted] = lineno

    def conflict(
        self, key: tuple[str, str], word: str, value: str, ln: modprobe_conf.Line, first: dict
    ) -> str:
        """The error for a setting of ``key`` to ``value`` after another value.

        Constant time per setting: only the first places of the first two values are
        kept in ``first`` (the first earlier value that differs from any value is one of
        them); this one is kept if it is the second value."""
        if value not in first:  # the first value kept differs
            eln, eword = next(iter(first.values()))
            if len(first) == 1:  # the second value
                first[value] = (ln, word)
        else:
            eln, eword = next(where for v, where in first.items() if v != value)
        return (
            f"{key[0]} {clip(word)} conflicts with {clip(eword)} at "
            f"{eln.path}:{eln.lineno}; the kernel applies the one read last"
        )

    def judge(self, module: str, mod: kernel.ModuleData, word: str) -> tuple:
        """((module, parameter), word, value as stored, "", None) or (None, word, "",
        error, source); source is (module, name) of an unknown parameter, whose hints
        :meth:`finish` adds.  Memoized per word: a file of repeated options costs one
        judgement per distinct word."""
        raw, value = split_option(word)
        params = self._by_name.get(module) or self.by_name(module, mod)
        p = params.get(raw.replace("-", "_"))  # normalize(), inline
        if p is None:  # by_name has every parameter: raw is none of them
            raw = clip(raw)
            message = f"{mod.no_parameter(raw)} (the kernel ignores it)"
            return None, word, "", message, (module, raw)  # hints for printed ones only
        try:
            return (module, p.name), word, values.parse(p.type, value), "", None
        except values.InvalidValue:
            shown = "no value" if value is None else f"'{clip(value)}'"
            return None, word, "", (
                f"{module} {p.name}: {shown} is not a "
                f"valid {p.type}; {module} refuses to load (Invalid argument)"
            ), None

    def hinted(self, message: str) -> str:
        """An unknown parameter's message with its hints: the closest name (difflib)
        and the architecture whose kvm has it; other messages as they are."""
        where = self._hintless.get(message)
        if where is None:
            return message
        module, raw = where
        mod = self.module_data(module)
        if mod is not None:
            message = f"{mod.unknown(raw)} (the kernel ignores it)"
        return message + self.other_arch_hint(module, raw)

    def other_arch_hint(self, module: str, name: str) -> str:
        """For ``kvm``: the architecture whose kvm has ``name``, if not the one checked."""
        if module != "kvm":
            return ""
        for arch in arches.param_arches():
            if arch == self.arch or f"{arch}/kvm" not in arches.data_keys():
                continue
            try:
                if not kernel.module(arch, "kvm", self.version).has(normalize(name)):
                    continue
            except kernel.KernelDataError:
                continue
            return f"; {arch}'s kvm has it: lint with --arch {arch}"
        return ""

    def unknown_module(self, ln: modprobe_conf.Line, module: str) -> None:
        message = self._unknown.get(ln.args[0])
        if message is None and self.errors and len(self.repeats) >= SHOWN:
            self.unsearched.setdefault(ln.args[0], (ln.path, ln.lineno))  # could only
            return  # add a finding that would be left out
        if message is None:  # difflib once per name: a hostile file repeats the line
            message = self._unknown[ln.args[0]] = self.unknown_message(module, ln.args[0])
        if message:
            self.add(ln.path, ln.lineno, "error", message)

    @staticmethod
    def unknown_message(module: str, given: str) -> str:
        """The error for ``options`` of a module without data, or "" if none."""
        if module in OTHER_KVM or len(module) > 32:  # too long to be 75 % like a KVM
            return ""  # module's name (and difflib is slow on a long one)
        # kmod compares names exactly: KVM_INTEL is another module, but meant as kvm_intel
        close = suggest.close(module.lower(), KVM_MODULES, n=1, cutoff=0.75)
        if not close:
            return ""
        return (
            f"unknown module '{clip(given)}'; did you mean "
            f"'{close[0]}'? (options for it are never applied)"
        )

    def finish(self) -> None:
        """Cross-file findings (s390 nested with hpage), the hints of the printed
        findings, one note per finding repeated more than :data:`REPEAT` times in a
        file, and one note on the findings past :data:`SHOWN`."""
        if any("hpage" in a.extra_checks for a in arches.ARCHES.values()
               if a.kernel_arch == (KVM_MODULES["kvm"] or self.arch)):  # fmt: skip
            self.s390_hpage()
        hinted: dict[str, str] = {}
        for message in {m for _, _, _, m in self.findings}:
            hinted[message] = self.hinted(message)
        self.findings = [(p, n, lv, hinted[m]) for p, n, lv, m in self.findings]
        for (path, level, message), count in self.repeats.items():
            if count > REPEAT:
                line = self.shown_until[(path, level, message)]
                self.findings.append(
                    (path, line, "note", f"{count - REPEAT} more of this {level} left out: "
                     f"{hinted[message]}")
                )  # fmt: skip

    def summary(self) -> str:
        """The last lines of output when findings were left out by :data:`SHOWN`."""
        text = ""
        if self.first_left_out is not None:
            path, line = self.first_left_out
            counts = " and ".join(
                f"{n} {level}{'s' if n != 1 else ''}"
                for level, n in sorted(self.left_out.items())
            )
            text += escape(
                f"{path}:{line}: note: {counts} left out, this one first: only the first "
                f"{SHOWN} distinct findings are printed"
            ) + "\n"
        if self.unsearched:
            n = len(self.unsearched)
            path, line = next(iter(self.unsearched.values()))
            text += escape(
                f"{path}:{line}: note: {n} module name{'s' if n != 1 else ''} without data "
                f"not compared with KVM's, this one first: past {SHOWN} findings, a close "
                "name would only be one more error"
            ) + "\n"
        return text

    def s390_hpage(self) -> None:
        nested = self.last.get(("kvm", "nested"))
        hpage = self.last.get(("kvm", "hpage"))
        if not nested or not hpage or nested[2] == "0" or hpage[2] == "0":
            return
        errno_name = messages.errno_for("s390_nested_hpage", self.version)
        if errno_name:
            (hln, hword, _), (nln, nword, _) = hpage, nested
            self.add(
                hln.path,
                hln.lineno,
                "error",
                f"kvm {clip(hword)} with {clip(nword)} at "
                f"{nln.path}:{nln.lineno}: kvm refuses to load on Linux "
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
        return params.host_arch()
    try:
        arch = probes.read_cpuinfo(fs).arch
    except CliError:
        return "x86"
    return params.data_arch(arch)


def run(args: argparse.Namespace) -> int:
    # A hostile file makes a million small acyclic objects (lines, tuples): the cyclic
    # garbage collector would walk them again and again, for a third of the time.
    gc.disable()
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
    sys.stdout.write(render(linter.findings) + linter.summary())
    for line in unreadable:
        print(escape(shorten(f"nested-kvm lint: {line}")), file=sys.stderr)
    if unreadable:
        return 2
    return 1 if linter.errors else 0
