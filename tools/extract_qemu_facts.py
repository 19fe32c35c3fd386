#!/usr/bin/env python3
"""Extract the nested-virtualization facts of one QEMU release into a JSON data file.

The file lands in ``nested_snippets/qemu/data/qemu-<X.Y>.json`` and is read by
:mod:`nested_snippets.qemu`.  Nothing in it is typed by hand: every value is
parsed from the QEMU sources given here::

    # a bare git directory (files are read with git, no work tree)
    python tools/extract_qemu_facts.py --git-dir /work/.mirror/o+qemu/repo \\
        --rev <commit> --version 7.2 --repo o/qemu
    # an unpacked tree (a Debian orig tarball, say)
    python tools/extract_qemu_facts.py --source DIR --version 7.2 \\
        --origin "debian qemu 1:7.2+dfsg-7+deb12u18"

``--cross-check KIND=SPEC`` (repeatable; ``git=GITDIR@REV`` or ``dir=DIR``)
compares the git blob id of every file read with a second source and records
which files agree.  What is extracted (see nested_snippets/qemu/README.rst):

* ``x86_cpu_models``: every entry of ``builtin_x86_defs`` in target/i386/cpu.c,
  whether its CPUID words include VMX / SVM, its versions (props applied
  cumulatively, as QEMU does) and the props the KVM accelerator forces on every
  named model (``kvm_default_props``);
* ``x86_migration``: the nested-virtualization migration blocker or save-time
  check (condition, message, file:line), the nested-state formats the migration
  stream carries, and the KVM capabilities the helpers in the condition test;
* ``spapr_caps``: ``cap-nested-hv`` / ``cap-nested-papr`` (description, type,
  default of the newest pseries machine, errors of the apply hook);
* ``arm_virt``: every check in hw/arm/virt.c that stops ``virtualization=on``,
  evaluated for KVM (rejected, allowed, or allowed only if a condition holds);
* ``s390x``: the ``s390-ccw-virtio`` machine types ``-machine help`` lists (every
  ``DEFINE_CCW_MACHINE`` in hw/s390x/s390-virtio-ccw.c, less those the age rule of
  include/hw/boards.h leaves unregistered), the alias and default, and the ``-cpu``
  names (``CPUDEF_INIT`` models with their ``-base`` twins, ``qemu``, ``max`` and
  ``host``, built only with KVM) and feature names of target/s390x;
* ``message_catalogue``: every message with a literal format that the files of
  :data:`CATALOGUE_FILES` print or raise (``error_report``, ``error_setg``,
  ``fprintf(stderr, ...)``, ...): opening ``/dev/kvm`` and creating the VM
  (``kvm_init``), choosing the accelerator, the x86 exit handler, the POWER, s390x
  and Arm KVM code.  The guide's quoted QEMU messages are checked against it.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract_kernel_params import (  # noqa: E402  (sibling script, not a package)
    ExtractError,
    FsTree,
    GitTree,
    Tree,
    c_string,
    governing_if,
    line_of,
    match_paren,
    split_args,
    strip_comments,
    strip_outer_parens,
    top_level_split,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "nested_snippets" / "qemu" / "data"
SCRIPT_NAME = "tools/extract_qemu_facts.py"

CPU_C = "target/i386/cpu.c"
CPU_H = "target/i386/cpu.h"
KVM_C = ("target/i386/kvm/kvm.c", "target/i386/kvm.c")
KVM_CPU_C = ("target/i386/kvm/kvm-cpu.c", CPU_C)
MACHINE_C = "target/i386/machine.c"
SPAPR_CAPS_C = "hw/ppc/spapr_caps.c"
SPAPR_C = "hw/ppc/spapr.c"
VIRT_C = "hw/arm/virt.c"
ARM_KVM_C = ("target/arm/kvm.c", "target/arm/kvm64.c")
KVM_ALL_C = ("accel/kvm/kvm-all.c",)
VL_C = ("system/vl.c", "softmmu/vl.c", "vl.c")
CATALOGUE_FILES = (
    KVM_ALL_C,
    VL_C,
    ("accel/accel.c",),  # configure_accelerator() up to 4.2
    KVM_C,
    (MACHINE_C,),
    ("target/ppc/kvm.c",),
    (SPAPR_CAPS_C,),
    ("target/s390x/kvm/kvm.c", "target/s390x/kvm.c"),
    ("target/arm/kvm.c",),
    ("target/arm/kvm64.c",),
    (VIRT_C,),
    ("hw/intc/arm_gicv3_kvm.c",),
    ("util/osdep.c",),  # qemu_open_internal(): "Could not %s '%s'" from 6.0
    ("block/file-posix.c",),  # opening an image file ("Could not open '%s'")
)
"""Files whose messages :func:`message_catalogue` lists (the first path of each
tuple that the release has)."""
CATALOGUE_CALLS = re.compile(
    r"\b(error_report|warn_report|info_report|error_printf|error_setg|error_setg_errno|"
    r"error_append_hint|fprintf)\s*\("
)
NESTED_CAPS = ("nested-hv", "nested-papr")
MESSAGE_CALLS = re.compile(r"\b(error_setg|error_report|warn_report|error_append_hint)\s*\(")


# ----------------------------------------------------------------------- C helpers
class Source:
    """One comment-free C file of the tree (line numbers preserved)."""

    def __init__(self, path: str, raw: str) -> None:
        self.path = path
        self.text = strip_comments(raw)

    def line(self, pos: int) -> int:
        return line_of(self.text, pos)

    def where(self, pos: int) -> str:
        return f"{self.path}:{self.line(pos)}"


def read_first(tree: Tree, paths: tuple[str, ...] | str) -> Source | None:
    for path in (paths,) if isinstance(paths, str) else paths:
        raw = tree.read(path)
        if raw is not None:
            return Source(path, raw)
    return None


def norm(expr: str) -> str:
    """One-line form of a C expression."""
    return " ".join(expr.split())


def function_span(src: Source, name: str) -> tuple[int, int] | None:
    """(start, end) of the body of function ``name`` defined in src."""
    for m in re.finditer(r"\b" + re.escape(name) + r"\s*\(", src.text):
        close = match_paren(src.text, m.end() - 1)
        if close < 0:
            continue
        brace = re.match(r"\s*\{", src.text[close + 1 :])
        if brace:
            start = close + 1 + brace.end() - 1
            return start, match_paren(src.text, start)
    return None


def open_braces(src: Source, pos: int):
    """Offsets of the ``{`` of every block enclosing pos, innermost first."""
    depth, i = 0, pos
    while i > 0:
        i -= 1
        c = src.text[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                yield i
            else:
                depth -= 1


def enclosing_function(src: Source, pos: int) -> str | None:
    for brace in open_braces(src, pos):
        head = src.text[max(0, brace - 300) : brace]
        m = re.search(r"\b([A-Za-z_]\w*)\s*\([^;{}()]*(?:\([^;{}()]*\)[^;{}()]*)*\)\s*$", head)
        if m and m.group(1) not in ("if", "for", "while", "switch"):
            return m.group(1)
    return None


def enclosing_if(src: Source, pos: int) -> str | None:
    """Condition of the ``if`` whose block (or single statement) holds pos."""
    cond = governing_if(src.text, pos)
    if cond is not None:
        return cond
    brace = next(open_braces(src, pos), None)
    return governing_if(src.text, brace + 1) if brace is not None else None


def messages(src: Source, start: int = 0, end: int | None = None) -> list[dict]:
    """Every error/warning call with a literal message in src[start:end]."""
    out = []
    for m in MESSAGE_CALLS.finditer(src.text, start, len(src.text) if end is None else end):
        close = match_paren(src.text, m.end() - 1)
        args = split_args(src.text[m.end() : close])
        first = 0 if m.group(1) in ("error_report", "warn_report") else 1
        if len(args) <= first:
            continue
        fmt = c_string(args[first])
        if fmt is None:
            continue
        cond = enclosing_if(src, m.start())
        out.append({
            "call": m.group(1),
            "target": norm(args[0]) if first else None,
            "message": fmt,
            "args": [norm(a) for a in args[first + 1 :]],
            "condition": norm(cond) if cond is not None else None,
            "function": enclosing_function(src, m.start()),
            "source": src.where(m.start()),
        })  # fmt: skip
    return out


def kvm_caps_of(srcs: list[Source], name: str, seen: set[str] | None = None) -> list[str]:
    """KVM_CAP_* names a helper function tests (following static variables it returns)."""
    seen = seen if seen is not None else set()
    if name in seen:
        return []
    seen.add(name)
    for src in srcs:
        span = function_span(src, name)
        if span is None:
            continue
        body = src.text[span[0] : span[1]]
        caps = re.findall(r"\bKVM_CAP_\w+", body)
        ret = re.search(r"\breturn\s+!*\s*(?:\w+(?:->|\.))*([A-Za-z_]\w*)\s*;", body)
        if not caps and ret:
            var = ret.group(1)
            for s in srcs:
                for m in re.finditer(r"(?:->|\.|\b)" + re.escape(var) + r"\s*=(?!=)\s*([^;]*);",
                                     s.text):
                    caps += re.findall(r"\bKVM_CAP_\w+", m.group(1))
        return sorted(set(caps))
    return []


# ---------------------------------------------------------------------- x86 models
def prop_list(expr: str) -> list[tuple[str, str]]:
    return [(a, b) for a, b in re.findall(r'\{\s*"([^"]+)"\s*,\s*"([^"]*)"\s*\}', expr)]


def designators(body: str) -> dict[str, str]:
    """``.field = value`` pairs of a designated initializer body (top level only)."""
    out: dict[str, str] = {}
    for item in split_args(body):
        m = re.match(r"\.\s*([\w\[\]\s.]+?)\s*=\s*(.*)$", item, re.S)
        if m:
            out[norm(m.group(1))] = m.group(2).strip()
    return out


def is_on(value: str) -> bool:
    return value.strip().lower() in ("on", "true", "yes")


def x86_models(tree: Tree) -> dict:
    cpu = read_first(tree, CPU_C)
    if cpu is None:
        raise ExtractError(f"{CPU_C} is missing")
    m = re.search(r"\bbuiltin_x86_defs\s*\[\s*\]\s*=\s*\{", cpu.text)
    if not m:
        raise ExtractError(f"{CPU_C}: no builtin_x86_defs[] array")
    start = m.end() - 1
    end = match_paren(cpu.text, start)
    defines = dict(re.findall(r"^\s*#\s*define\s+(\w+)\s+(.+)$", cpu.text, re.M))
    models = []
    for entry in split_args(cpu.text[start + 1 : end]):
        if not entry.startswith("{"):
            continue
        pos = cpu.text.find(entry, start)
        fields = designators(entry[1 : match_paren(entry, 0)])
        name = c_string(fields.get("name", ""))
        if name is None:
            continue

        def has(word: str, flag: str, fields: dict[str, str] = fields) -> bool:
            expr = fields.get(f"features[{word}]", "")
            expr = re.sub(r"\b\w+\b", lambda t: defines.get(t.group(0), t.group(0)), expr)
            return re.search(r"\b" + flag + r"\b", expr) is not None

        base = {"vmx": has("FEAT_1_ECX", "CPUID_EXT_VMX"),
                "svm": has("FEAT_8000_0001_ECX", "CPUID_EXT3_SVM")}  # fmt: skip
        versions, state = [], dict(base)
        vexpr = fields.get("versions", "")
        if vexpr:
            vbody = vexpr[vexpr.index("{", vexpr.index(")")) :]
            for ventry in split_args(vbody[1 : match_paren(vbody, 0)]):
                if not ventry.startswith("{"):
                    continue
                vf = designators(ventry[1 : match_paren(ventry, 0)])
                if "version" not in vf:
                    continue
                props = prop_list(vf.get("props", ""))
                for key, value in props:
                    if key in ("vmx", "svm"):
                        state[key] = is_on(value)
                versions.append({
                    "version": int(vf["version"]),
                    "alias": c_string(vf["alias"]) if "alias" in vf else None,
                    "vmx": state["vmx"], "svm": state["svm"],
                    "props": [f"{k}={v}" for k, v in props if k in ("vmx", "svm")],
                })  # fmt: skip
        models.append({"name": name, "source": cpu.where(pos), **base, "versions": versions})
    implicit = re.search(r"\bdefault_version_list\s*\[\s*\]\s*=\s*\{\s*\{\s*(\d+)\s*\}",
                         cpu.text)  # fmt: skip
    default = re.search(r"\bdefault_cpu_version\s*=\s*(\d+)\s*;", cpu.text)
    kvm_props = None
    for path in KVM_CPU_C:
        src = read_first(tree, path)
        km = src and re.search(r"\bkvm_default_props\s*\[\s*\]\s*=\s*\{", src.text)
        if km:
            kbody = src.text[km.end() - 1 : match_paren(src.text, km.end() - 1) + 1]
            kvm_props = {"source": src.where(km.start()),
                         "props": {k: v for k, v in prop_list(kbody)}}  # fmt: skip
            break
    return {
        "source": cpu.where(m.start()),
        "implicit_version": int(implicit.group(1)) if implicit else None,
        "implicit_version_source": cpu.where(implicit.start()) if implicit else None,
        "unversioned_default": int(default.group(1)) if default else None,
        "unversioned_default_source": cpu.where(default.start()) if default else None,
        "kvm_default_props": kvm_props,
        "models": models,
    }


# ------------------------------------------------------------------- x86 migration
def x86_migration(tree: Tree) -> dict:
    kvm = read_first(tree, KVM_C)
    machine = read_first(tree, MACHINE_C)
    cpu_h = read_first(tree, CPU_H)
    if kvm is None or machine is None:
        raise ExtractError("target/i386 kvm.c or machine.c is missing")
    srcs = [s for s in (kvm, machine, cpu_h, read_first(tree, KVM_ALL_C)) if s]
    blockers = [m for m in messages(kvm)
                if m["call"] == "error_setg" and m["target"] and "mig_blocker" in m["target"]
                and re.search(r"vmx|svm|nested", (m["condition"] or "") + m["message"]
                              + m["target"], re.I)]  # fmt: skip
    save = []
    span = function_span(machine, "cpu_pre_save")
    if span:
        save = [m for m in messages(machine, *span) if re.search(r"nested", m["message"], re.I)]
    load = [m for m in messages(machine)
            if m["function"] and "nested" in m["function"] and m["call"] == "error_report"]
    formats = sorted(set(re.findall(r'"cpu/kvm_nested_state/(\w+)"', machine.text)))
    helpers: dict[str, list[str]] = {}
    for m in blockers + save:
        for fn in re.findall(r"\b([a-z_]\w*)\s*\(", m["condition"] or ""):
            caps = kvm_caps_of(srcs, fn)
            if caps:
                helpers[fn] = caps
        if "nested_state" in (m["condition"] or ""):
            helpers["kvm_max_nested_state_length"] = kvm_caps_of(srcs,
                                                                 "kvm_max_nested_state_length")
    maybe = None
    if cpu_h:
        span = function_span(cpu_h, "cpu_vmx_maybe_enabled")
        if span:
            maybe = {"source": cpu_h.where(span[0]),
                     "returns": norm(cpu_h.text[span[0] + 1 : span[1]]
                                     .strip().removeprefix("return").rstrip(";"))}  # fmt: skip
    return {"blockers": blockers, "save_errors": save, "load_errors": load,
            "nested_state_formats": formats, "vmx_maybe_enabled": maybe,
            "capabilities": helpers}  # fmt: skip


# ------------------------------------------------------------------ pseries caps
def spapr_caps(tree: Tree) -> dict:
    caps_c = read_first(tree, SPAPR_CAPS_C)
    spapr = read_first(tree, SPAPR_C)
    if caps_c is None or spapr is None:
        raise ExtractError(f"{SPAPR_CAPS_C} or {SPAPR_C} is missing")
    out: dict[str, dict | None] = {}
    for cap in NESTED_CAPS:
        m = re.search(r'\.name\s*=\s*"' + re.escape(cap) + r'"', caps_c.text)
        if not m:
            out[cap] = None
            continue
        open_pos = caps_c.text.rfind("{", 0, m.start())
        fields = designators(caps_c.text[open_pos + 1 : match_paren(caps_c.text, open_pos)])
        index = fields.get("index", "")
        default = None
        init = function_span(spapr, "spapr_machine_class_init")
        pat = re.compile(r"default_caps\.caps\[\s*" + re.escape(index) + r"\s*\]\s*=\s*(\w+)\s*;")
        if init:
            dm = pat.search(spapr.text, init[0], init[1])
            if dm:
                default = {"value": dm.group(1).removeprefix("SPAPR_CAP_").lower(),
                           "source": spapr.where(dm.start())}  # fmt: skip
        overrides = [{"function": enclosing_function(spapr, o.start()),
                      "value": o.group(1).removeprefix("SPAPR_CAP_").lower(),
                      "source": spapr.where(o.start())}
                     for o in pat.finditer(spapr.text)
                     if not init or not init[0] <= o.start() <= init[1]]  # fmt: skip
        apply = fields.get("apply", "")
        errors = []
        aspan = function_span(caps_c, apply) if apply else None
        if aspan:
            errors = messages(caps_c, *aspan)
        out[cap] = {
            "property": f"cap-{cap}",
            "description": c_string(fields.get("description", "")),
            "type": c_string(fields.get("type", "")),
            "index": index,
            "source": caps_c.where(m.start()),
            "default": default,
            "machine_overrides": overrides,
            "apply": apply or None,
            "apply_messages": errors,
        }
    return out


# ------------------------------------------------------------------------ arm virt
CONTEXT_KVM = {"kvm_enabled()": True, "tcg_enabled()": False, "hvf_enabled()": False,
               "qtest_enabled()": False, "whpx_enabled()": False, "vms->virt": True}  # fmt: skip


def evaluate(cond: str, known: dict[str, bool]) -> str:
    """'always', 'never' or 'depends' for a C condition under ``known`` atoms.

    ``&&``, ``||``, ``!`` and parentheses are logic; any other sub-expression
    (a call, a comparison, a variable) is an atom: known ones take their value,
    the others are tried both ways.
    """
    atoms: list[str] = []

    def parse(expr: str):
        expr = strip_outer_parens(expr)
        ors = top_level_split(expr, "||")
        if len(ors) > 1:
            subs = [parse(e) for e in ors]
            return lambda env: any(f(env) for f in subs)
        ands = top_level_split(expr, "&&")
        if len(ands) > 1:
            subs = [parse(e) for e in ands]
            return lambda env: all(f(env) for f in subs)
        if expr.startswith("!") and not expr.startswith("!="):
            sub = parse(expr[1:])
            return lambda env: not sub(env)
        key = norm(expr)
        if key in known:
            return lambda env: known[key]
        if key not in atoms:
            atoms.append(key)
        return lambda env: env[key]

    fn = parse(norm(cond))
    results = {fn(dict(zip(atoms, values, strict=True)))
               for values in itertools.product((False, True), repeat=len(atoms))}  # fmt: skip
    return "always" if results == {True} else "never" if results == {False} else "depends"


def arm_virt(tree: Tree) -> dict:
    virt = read_first(tree, VIRT_C)
    if virt is None:
        raise ExtractError(f"{VIRT_C} is missing")
    srcs = [s for s in (read_first(tree, p) for p in ARM_KVM_C) if s]
    kvm_all = read_first(tree, KVM_ALL_C)
    accel = None
    if kvm_all:
        am = re.search(r'\bac->name\s*=\s*"([^"]+)"', kvm_all.text)
        accel = am.group(1) if am else None
    checks = []
    for m in messages(virt):
        cond = m["condition"] or ""
        if m["call"] != "error_report" or not re.search(r"\bvms->virt\b", cond):
            continue
        verdict = evaluate(cond, CONTEXT_KVM)
        if verdict == "never":
            continue
        rendered = m["message"]
        if m["args"] and accel and all(a == "current_accel_name()" or "KVM" in a
                                       for a in m["args"]):  # fmt: skip
            rendered = rendered % tuple(accel for _ in m["args"])
        unknown = [a for a in re.findall(r"!?\s*[a-z_]\w*\s*\([^()]*\)", cond)
                   if a.strip("! ").split("(")[0] + "()" not in CONTEXT_KVM]  # fmt: skip
        caps = {}
        for a in unknown:
            fn = a.strip("! ").split("(")[0]
            found = kvm_caps_of(srcs, fn)
            if found:
                caps[fn] = found
        checks.append({**m, "under_kvm": verdict, "rendered": rendered, "capabilities": caps})
    rejected = any(c["under_kvm"] == "always" and "Virtualization extensions" in c["message"]
                   for c in checks)  # fmt: skip
    return {"accel_name": accel,
            "virtualization_with_kvm": "rejected" if rejected else "allowed",
            "checks": checks}  # fmt: skip


# --------------------------------------------------------------------- IBM Z (s390x)
S390_CCW_C = "hw/s390x/s390-virtio-ccw.c"
BOARDS_H = ("include/hw/boards.h", "include/hw/core/boards.h")
"""Where boards.h is: ``include/hw/`` up to 10.2, ``include/hw/core/`` from 11.0."""
S390_MODELS_C = "target/s390x/cpu_models.c"
S390_FEATURES = ("target/s390x/cpu_features_def.h.inc", "target/s390x/cpu_features_def.inc.h",
                 "target/s390x/cpu_features.c")  # fmt: skip
CURRENT_EXPIRED = ("(((QEMU_VERSION_MAJOR - major) > cutoff) || "
                   "(((QEMU_VERSION_MAJOR - major) == cutoff) && "
                   "(QEMU_VERSION_MINOR - minor) >= 0))")  # fmt: skip
"""boards.h ``_MACHINE_VER_IS_EXPIRED_IMPL`` (9.1 .. 10.0), ``_MACHINE_VER_IS_CURRENT_EXPIRED``
(10.1 .. 10.2, for a formal release) as read: the rule
:func:`s390x_machines` applies; another text stops the extraction."""


def _macro(src: Source, name: str) -> tuple[str, int] | None:
    """(body, offset) of ``#define NAME(...)`` with continuation lines joined."""
    m = re.search(r"^#define\s+" + re.escape(name) + r"\(.*?(?<!\\)$", src.text, re.M | re.S)
    return (m.group(0).replace("\\\n", " "), m.start()) if m else None


def _expired(release: str, cutoff: int, major: int, minor: int) -> bool:
    """boards.h ``_MACHINE_VER_IS_EXPIRED_IMPL`` for a formal release (micro < 50)."""
    cur_major, cur_minor, micro = (int(x) for x in (release.split(".") + ["0"])[:3])
    if micro >= 50:
        raise ExtractError(f"VERSION {release} is a development snapshot")
    return cur_major - major > cutoff or (cur_major - major == cutoff and cur_minor - minor >= 0)


GATE = re.compile(r'getenv\("(\w+)"\) \|\| QEMU_VERSION_MAJOR > (\d+) \|\| '
                  r'\(QEMU_VERSION_MAJOR == (\d+) && QEMU_VERSION_MINOR >= (\d+)\)')


def _deletion_gate(boards: Source, release: str) -> dict | None:
    """boards.h ``MACHINE_VER_DELETION``: None when an old type is never registered; in
    9.1 .. 10.0 deletion waits for a QEMU_DELETE_MACHINES environment variable or 10.1:
    ``{"variable": ..., "source": ...}`` when this release still registers them."""
    macro = _macro(boards, "MACHINE_VER_DELETION")
    if macro is None:
        raise ExtractError(f"{boards.path}: no MACHINE_VER_DELETION")
    body = norm(macro[0])
    if "getenv" not in body:
        if not re.search(r"if \(MACHINE_VER_SHOULD_DELETE\(__VA_ARGS__\)\) \{ return; \}", body):
            raise ExtractError(f"{boards.path}: MACHINE_VER_DELETION changed")
        return None
    g = GATE.search(body)
    if not g or g.group(2) != g.group(3):
        raise ExtractError(f"{boards.path}: MACHINE_VER_DELETION's gate changed")
    cur = tuple(int(x) for x in release.split(".")[:2])
    gate_major, gate_minor = int(g.group(2)), int(g.group(4))
    if cur[0] > gate_major or (cur[0] == gate_major and cur[1] >= gate_minor):
        return None
    return {"variable": g.group(1), "source": boards.where(macro[1])}


def s390x_machines(tree: Tree, release: str) -> dict:
    """Every ``s390-ccw-virtio-X.Y`` type that ``-machine help`` lists, the alias and
    default (the ``latest`` one), and the types the age rule leaves unregistered."""
    ccw = read_first(tree, S390_CCW_C)
    if ccw is None:
        raise ExtractError(f"{S390_CCW_C} is missing")
    impl = _macro(ccw, "DEFINE_CCW_MACHINE_IMPL") or _macro(ccw, "DEFINE_CCW_MACHINE")
    if impl is None:
        raise ExtractError(f"{S390_CCW_C}: no DEFINE_CCW_MACHINE macro")
    body, at = impl
    alias = re.search(r'mc->alias\s*=\s*"([^"]+)"', body)
    prefix = re.search(r'"(s390-ccw-virtio)-?"', body)
    if not alias or not prefix:
        raise ExtractError(f"{S390_CCW_C}: DEFINE_CCW_MACHINE sets no alias or type name")
    deletion = "MACHINE_VER_DELETION(" in body
    deprecation = "MACHINE_VER_DEPRECATION(" in body
    cutoffs: dict[str, int] = {}
    gate = None
    if deletion or deprecation:
        boards = read_first(tree, BOARDS_H)
        if boards is None:
            raise ExtractError(f"{' or '.join(BOARDS_H)} is missing")
        for kind in ("DELETION", "DEPRECATION"):
            m = re.search(rf"#define\s+MACHINE_VER_{kind}_MAJOR\s+(\d+)", boards.text)
            if not m:
                raise ExtractError(f"{boards.path}: no MACHINE_VER_{kind}_MAJOR")
            cutoffs[kind.lower()] = int(m.group(1))
        gate = _deletion_gate(boards, release)
        rule = (_macro(boards, "_MACHINE_VER_IS_CURRENT_EXPIRED")  # 10.1 on
                or _macro(boards, "_MACHINE_VER_IS_EXPIRED_IMPL"))  # 9.1 .. 10.0
        if rule is None or norm(rule[0].split(")", 1)[1]) != CURRENT_EXPIRED:
            raise ExtractError(f"{boards.path}: _MACHINE_VER_IS_CURRENT_EXPIRED changed")
    types, deleted = [], []
    call = re.compile(r"^(DEFINE_CCW_MACHINE(?:_AS_LATEST)?)\(([^;]*)\)\s*;", re.M)
    for m in call.finditer(ccw.text):
        args = [a.strip() for a in split_args(m.group(2))]
        if m.group(1) == "DEFINE_CCW_MACHINE" and len(args) == 3:  # (4_0, "4.0", true)
            version, latest = c_string(args[1]), args[2] == "true"
        else:  # (10, 2) or AS_LATEST(10, 2)
            version, latest = ".".join(args), m.group(1).endswith("_AS_LATEST")
        if not version or not re.fullmatch(r"\d+\.\d+(\.\d+)?", version):
            raise ExtractError(f"{ccw.where(m.start())}: cannot read {m.group(0)!r}")
        major, minor = (int(x) for x in version.split(".")[:2])
        name = f"{prefix.group(1)}-{version}"
        old = deletion and _expired(release, cutoffs["deletion"], major, minor)
        if old and gate is None:
            deleted.append({"name": name, "source": ccw.where(m.start())})
            continue
        types.append({"name": name, "version": version, "latest": latest,
                      "deleted_if_env_set": bool(old),
                      "deprecated": bool(deprecation and _expired(
                          release, cutoffs["deprecation"], major, minor)),
                      "source": ccw.where(m.start())})  # fmt: skip
    if sum(t["latest"] for t in types) != 1:
        raise ExtractError(f"{S390_CCW_C}: {sum(t['latest'] for t in types)} latest types")
    return {"types": types, "alias": alias.group(1), "alias_source": ccw.where(at),
            "not_registered": deleted, "age_rule": cutoffs or None,
            "deletion_env": gate}  # fmt: skip


def _under_ifdef(src: Source, pos: int) -> str | None:
    """The symbol of the innermost ``#ifdef`` open at pos (None: none is open)."""
    stack: list[str] = []
    for m in re.finditer(r"^#\s*(ifdef|ifndef|if|endif)\b\s*(\w*)", src.text[:pos], re.M):
        if m.group(1) == "endif":
            if stack:
                stack.pop()
        else:
            stack.append(m.group(2) if m.group(1) == "ifdef" else f"{m.group(1)} {m.group(2)}")
    return stack[-1] if stack else None


def s390x_cpu_models(tree: Tree) -> dict:
    """``-cpu`` names: every ``CPUDEF_INIT`` model (and its ``-base`` static twin), the
    classes of their own (``qemu``, ``max``, ``host``) and whether one is built only
    with KVM; the feature names ``-cpu MODEL,FEATURE=on`` takes."""
    src = read_first(tree, S390_MODELS_C)
    if src is None:
        raise ExtractError(f"{S390_MODELS_C} is missing")
    models = []
    for m in re.finditer(r"^\s*CPUDEF_INIT\(([^;]*?)\)\s*,", src.text, re.M):
        args = split_args(m.group(1))
        name, desc = c_string(args[5]), c_string(args[6])
        if name is None:
            raise ExtractError(f"{src.where(m.start())}: cannot read {m.group(0)!r}")
        models.append({"name": name, "description": desc, "source": src.where(m.start())})
    if not models:
        raise ExtractError(f"{S390_MODELS_C}: no CPUDEF_INIT entries")
    base = re.search(r'S390_CPU_TYPE_NAME\("%s(-base)"\)', src.text)
    classes = []
    for m in re.finditer(r'\.name\s*=\s*S390_CPU_TYPE_NAME\("(\w+)"\)', src.text):
        only = _under_ifdef(src, m.start())
        classes.append({"name": m.group(1), "built_only_with": only,
                        "source": src.where(m.start())})  # fmt: skip
    feats = read_first(tree, S390_FEATURES)
    if feats is None:
        raise ExtractError(f"{' or '.join(S390_FEATURES)} is missing")
    pat = r'^\s*DEF_FEAT\(\s*\w+\s*,\s*"([^"]+)"' if "_def." in feats.path else (
        r'^\s*FEAT_INIT\(\s*"([^"]+)"')
    features = [{"name": m.group(1), "source": feats.where(m.start())}
                for m in re.finditer(pat, feats.text, re.M)]  # fmt: skip
    if not features:
        raise ExtractError(f"{feats.path}: no feature definitions")
    return {"models": models, "static_suffix": base.group(1) if base else None,
            "classes": classes, "features": features}  # fmt: skip


def s390x(tree: Tree, release: str) -> dict:
    return {"machines": s390x_machines(tree, release), "cpu": s390x_cpu_models(tree)}


# ------------------------------------------------------------- message catalogue
def format_string(expr: str) -> str | None:
    """A C format of literals and ``PRIx64``-style macros: ``"0x%" PRIx64`` -> ``0x%x``."""
    joined = re.sub(r'"\s*PRI([diouxX])(?:8|16|32|64|PTR|MAX)\s*"', r"\1", expr)
    return c_string(joined)


def function_starts(src: Source) -> list[tuple[int, str]]:
    """(offset of the body's ``{``, name) of every function defined at top level."""
    out, depth, i, text = [], 0, 0, src.text
    while i < len(text):
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < len(text) and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c == "{":
            if depth == 0:
                head = text[max(0, i - 300) : i]
                m = re.search(r"\b([A-Za-z_]\w*)\s*\([^;{}]*\)\s*$", head)
                if m and m.group(1) not in ("if", "for", "while", "switch"):
                    out.append((i, m.group(1)))
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
        i += 1
    return out


def catalogue_messages(src: Source) -> list[dict]:
    """Every message call with a literal format in src: call, message, function, file:line."""
    starts = function_starts(src)
    out = []
    for m in CATALOGUE_CALLS.finditer(src.text):
        close = match_paren(src.text, m.end() - 1)
        if close < 0:
            continue
        args = split_args(src.text[m.end() : close])
        call = m.group(1)
        first = {"error_report": 0, "warn_report": 0, "info_report": 0, "error_printf": 0,
                 "error_setg_errno": 2}.get(call, 1)  # fmt: skip
        if call == "fprintf" and (not args or norm(args[0]) != "stderr"):
            continue
        if len(args) <= first:
            continue
        fmt = format_string(args[first])
        if fmt is None or not fmt.strip():
            continue
        before = [name for pos, name in starts if pos < m.start()]
        out.append({"call": call, "message": fmt.rstrip("\n"),
                    "function": before[-1] if before else None,
                    "source": src.where(m.start())})  # fmt: skip
    return out


def message_catalogue(tree: Tree) -> dict:
    files, messages_out = [], []
    for paths in CATALOGUE_FILES:
        src = read_first(tree, paths)
        if src is None:
            continue
        files.append(src.path)
        messages_out += catalogue_messages(src)
    if KVM_ALL_C[0] not in files:
        raise ExtractError(f"{KVM_ALL_C[0]} is missing")
    return {"files": files, "messages": messages_out}


# ---------------------------------------------------------------------------- main
def source_probes(tree: Tree) -> dict[str, str]:
    """``path:line`` of each text of ``qemu.SOURCE_PROBES`` the tree's files show."""
    from nested_snippets.qemu import SOURCE_PROBES

    found = {}
    for name, (paths, text) in SOURCE_PROBES.items():
        src = read_first(tree, paths)
        pos = src.text.find(text) if src else -1
        if src and pos >= 0:
            found[name] = src.where(pos)
    return found


def refresh_probes(manifest: Path, out_dir: Path) -> None:
    """Add ``probes`` to the data of every release the manifest lists, reading the same
    commit; a file read must have the blob id the data's provenance names."""
    top = json.loads(manifest.read_text())
    for e in top["releases"]:
        out = out_dir / f"qemu-{e['version']}.json"
        data = json.loads(out.read_text())
        tree = manifest_tree(top, e)
        if isinstance(tree, GitTree) and tree.rev != data["provenance"].get("commit"):
            raise ExtractError(f"{out.name}: extracted from another commit than {tree.rev}")
        data["probes"] = source_probes(tree)
        for path, blob in tree.read_files.items():
            known = data["provenance"]["files"].setdefault(path, blob)
            if known != blob:
                raise ExtractError(f"{out.name}: {path} is not the blob the data read")
        data["provenance"]["files"] = dict(sorted(data["provenance"]["files"].items()))
        write_json(out, data)


def release_of(tree: Tree) -> str:
    raw = tree.read("VERSION")
    if raw is None:
        raise ExtractError("no VERSION file: not a QEMU tree")
    return raw.strip()


def cross_check(spec: str, files: dict[str, str]) -> dict:
    kind, _, arg = spec.partition("=")
    if kind == "git":
        git_dir, _, rev = arg.rpartition("@")
        other: Tree = GitTree(git_dir, rev)
        label = {"git_dir": Path(git_dir).parent.name.replace("+", "/"), "commit": other.rev}
    elif kind == "dir":
        other, label = FsTree(arg), {"dir": Path(arg).name}
    else:
        raise ExtractError(f"--cross-check {spec!r}: use git=GITDIR@REV or dir=DIR")
    agree, differ, absent = [], [], []
    for path, blob in sorted(files.items()):
        if other.read(path) is None:
            absent.append(path)
        elif other.read_files[path] == blob:
            agree.append(path)
        else:
            differ.append(path)
    return {**label, "release": release_of(other), "agree": agree, "differ": differ,
            "absent": absent}  # fmt: skip


def extract(tree: Tree, version: str, provenance: dict, checks: list[str]) -> dict:
    release = release_of(tree)
    if not re.fullmatch(re.escape(version) + r"(\.\d+)?", release):
        raise ExtractError(f"VERSION says {release}, not {version}")
    data = {
        "version": version,
        "release": release,
        "provenance": provenance,
        "x86_cpu_models": x86_models(tree),
        "x86_migration": x86_migration(tree),
        "spapr_caps": spapr_caps(tree),
        "arm_virt": arm_virt(tree),
        "s390x": s390x(tree, release),
        "message_catalogue": message_catalogue(tree),
        "probes": source_probes(tree),
    }
    provenance["files"] = dict(sorted(tree.read_files.items()))
    provenance["cross_checks"] = [cross_check(c, tree.read_files) for c in checks]
    return data


# --------------------------------------------------------------------------- index
def debian_versions(lists_dir: Path) -> dict[str, str]:
    """Suite -> version of source package qemu, from apt's Sources lists in lists_dir."""
    out: dict[str, str] = {}
    for path in sorted(lists_dir.glob("*_dists_*_main_source_Sources*")):
        suite = re.search(r"_dists_(.+?)_main_source_Sources", path.name).group(1)
        tool = {".lz4": "lz4cat", ".xz": "xzcat", ".gz": "zcat"}.get(path.suffix, "cat")
        res = subprocess.run([tool, str(path)], capture_output=True, check=False)
        if res.returncode:
            raise ExtractError(f"{tool} {path}: {res.stderr.decode(errors='replace').strip()}")
        for para in res.stdout.decode("utf-8", errors="replace").split("\n\n"):
            if re.search(r"^Package: qemu$", para, re.M):
                version = re.search(r"^Version: (.+)$", para, re.M).group(1)
                if suite not in out or upstream_key(version) > upstream_key(out[suite]):
                    out[suite] = version
    if not out:
        raise ExtractError(f"{lists_dir}: no Debian Sources list naming qemu")
    return out


def upstream_key(debian_version: str) -> tuple[int, ...]:
    """(11, 1, 3) of '1:11.1.3+ds-1'."""
    upstream = debian_version.partition(":")[2] or debian_version
    return tuple(int(x) for x in re.match(r"[\d.]+", upstream).group(0).strip(".").split("."))


def version_tuple(debian_version: str) -> tuple[int, ...]:
    """(11, 1) of '1:11.1.3+ds-1' (epoch, revision and point release dropped)."""
    upstream = debian_version.partition(":")[2] or debian_version
    return tuple(int(x) for x in re.match(r"(\d+)\.(\d+)", upstream).groups())


def series(first: tuple[int, int], last: tuple[int, int]) -> list[str]:
    """QEMU feature releases from first to last: X.0, X.1 and X.2 every year since 4.0."""
    out = []
    for major in range(first[0], last[0] + 1):
        for minor in range(3):
            if first <= (major, minor) <= last:
                out.append(f"{major}.{minor}")
    return out


DEBIAN_SUITES = ("bullseye", "bookworm", "bookworm-backports", "trixie", "trixie-backports",
                 "forky", "sid")  # fmt: skip
"""Suites whose ``qemu`` source package the index reads (``--index debian``)."""


def debian_lists() -> Path:
    """Sources lists of :data:`DEBIAN_SUITES`, fetched through the real-kernel tier's
    private apt configuration (the host's apt sources are left alone)."""
    sys.path.insert(0, str(REPO_ROOT))
    from nested_snippets.realkernel import RealKernelUnavailable, kernels

    mirror = kernels.MIRROR
    target = kernels.Target("qemu-sources", tuple(f"deb-src {mirror} {s} main"
                                                  for s in DEBIAN_SUITES))  # fmt: skip
    try:
        kernels.apt_update(target)
    except RealKernelUnavailable as exc:
        raise ExtractError(f"Debian's index cannot be read: {exc}") from None
    return kernels._apt_dir(target) / "lists"


def write_index(out_dir: Path, lists_dir: Path, first: str) -> Path:
    debian = debian_versions(lists_dir)
    newest = max(version_tuple(v) for v in debian.values())
    releases = series(tuple(int(x) for x in first.split(".")), newest)
    have = {p.stem.removeprefix("qemu-"): json.loads(p.read_text())
            for p in out_dir.glob("qemu-*.json")}  # fmt: skip
    rows = []
    for rel in releases:
        data = have.get(rel)
        if data is None:
            rows.append({"version": rel, "status": "missing"})
            continue
        prov = data["provenance"]
        agreeing = [c for c in prov["cross_checks"] if not c["differ"] and not c["absent"]]
        rows.append({"version": rel, "release": data["release"],
                     "status": "cross-checked" if agreeing else "single-source",
                     "source": prov.get("repo") or prov.get("origin"),
                     "commit": prov.get("commit"),
                     "agreeing_sources": [c.get("git_dir") or c.get("dir") for c in agreeing]})
    index = {"first": first, "newest_debian": ".".join(map(str, newest)),
             "debian_qemu": debian, "debian_read_on": _dt.date.today().isoformat(),
             "releases": rows}  # fmt: skip
    path = out_dir / "index.json"
    path.write_text(json.dumps(index, indent=1) + "\n")
    return path


def run_manifest(manifest: Path, out_dir: Path) -> None:
    """Extract every release a manifest lists (see nested_snippets/qemu/sources.json)."""
    try:
        entries = json.loads(manifest.read_text())["releases"]
    except (OSError, ValueError, KeyError) as exc:
        raise ExtractError(f"{manifest}: {exc}") from exc
    top = json.loads(manifest.read_text())
    for n, e in enumerate(entries, 1):
        try:
            checks = [_placed(top, c) for c in e.get("cross_checks", [])]
            tree = manifest_tree(top, e)
            if isinstance(tree, GitTree):
                prov = {"repo": e["repo"], "commit": tree.rev}
            else:
                prov = {"origin": e["origin"]}
            prov |= {"extracted_by": SCRIPT_NAME, "extracted_on": _dt.date.today().isoformat()}
            data = extract(tree, e["version"], prov, checks)
        except KeyError as exc:
            raise ExtractError(f"{manifest}: release entry {n} lacks {exc}") from exc
        write_json(out_dir / f"qemu-{e['version']}.json", data)


def _placed(top: dict, spec: str) -> str:
    """A manifest path with its placeholders filled: ``{mirrors}`` (git snapshots),
    ``{debian}`` and ``{ubuntu}`` (unpacked original tarballs)."""
    for key, field in (("mirrors", "mirrors"), ("debian", "debian_trees"),
                       ("ubuntu", "ubuntu_trees")):  # fmt: skip
        if "{" + key + "}" in spec:
            spec = spec.replace("{" + key + "}", top[field])
    return spec


def manifest_tree(top: dict, entry: dict) -> Tree:
    """The tree a manifest entry names: ``repo`` and ``commit`` in a git snapshot, or
    ``tree``, an unpacked original tarball that ``origin`` names (package, file and
    SHA-256), for a release no git snapshot within reach holds (11.0)."""
    if "commit" in entry:
        git_dir = Path(top["mirrors"]) / entry["repo"].replace("/", "+") / "repo"
        return GitTree(str(git_dir), entry["commit"])
    path = Path(_placed(top, entry["tree"]))
    if not path.is_dir() or "origin" not in entry:
        raise ExtractError(f"release {entry.get('version')}: no git commit, and no unpacked "
                           f"tree at {path} with an origin")  # fmt: skip
    return FsTree(str(path))


def write_json(out: Path, data: dict) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    tmp.replace(out)
    print(f"wrote {out.relative_to(REPO_ROOT) if out.is_relative_to(REPO_ROOT) else out}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--manifest", help="JSON list of releases to extract (sources.json)")
    src.add_argument("--index", metavar="APT_LISTS",
                     help="write data/index.json from Debian's Sources lists: 'debian' "
                          "fetches them (private apt config), or a directory holding them")
    src.add_argument("--probes", metavar="MANIFEST",
                     help="add the source probes to the data of every release the manifest "
                          "lists, from the same commits (refresh_probes)")
    src.add_argument("--git-dir", help="bare git directory holding the release")
    src.add_argument("--source", help="unpacked source tree")
    ap.add_argument("--rev", help="commit of the release (with --git-dir)")
    ap.add_argument("--repo", help="owner/name of the git repository")
    ap.add_argument("--origin", help="where an unpacked tree comes from (with --source)")
    ap.add_argument("--version", help="QEMU release X.Y")
    ap.add_argument("--first", default="4.0", help="first release of the index")
    ap.add_argument("--cross-check", action="append", default=[], metavar="KIND=SPEC")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output directory")
    args = ap.parse_args(argv)
    try:
        if args.manifest:
            run_manifest(Path(args.manifest), Path(args.out))
            return 0
        if args.probes:
            refresh_probes(Path(args.probes), Path(args.out))
            return 0
        if args.index:
            lists = debian_lists() if args.index == "debian" else Path(args.index)
            print(f"wrote {write_index(Path(args.out), lists, args.first)}")
            return 0
    except ExtractError as exc:
        print(f"extract_qemu_facts: {exc}", file=sys.stderr)
        return 1
    if not re.fullmatch(r"\d+\.\d+", args.version or ""):
        ap.error(f"--version {args.version!r}: expected X.Y")
    try:
        if args.git_dir:
            if not args.rev or not args.repo:
                ap.error("--git-dir needs --rev and --repo")
            tree: Tree = GitTree(args.git_dir, args.rev)
            prov = {"repo": args.repo, "commit": tree.rev}
        else:
            if not Path(args.source).is_dir():
                ap.error(f"--source {args.source}: not a directory")
            if not args.origin:
                ap.error("--source needs --origin")
            tree = FsTree(args.source)
            prov = {"origin": args.origin}
        prov["extracted_by"] = SCRIPT_NAME
        prov["extracted_on"] = _dt.date.today().isoformat()
        data = extract(tree, args.version, prov, args.cross_check)
    except ExtractError as exc:
        print(f"extract_qemu_facts: {exc}", file=sys.stderr)
        return 1
    write_json(Path(args.out) / f"qemu-{args.version}.json", data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
