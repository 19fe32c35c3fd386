#!/usr/bin/env python3
"""Extract KVM module parameters from a Linux source tree into a JSON data file.

The data file lands in ``nested_snippets/kernel/data/linux-<version>.json`` and
is read by :mod:`nested_snippets.kernel`.  Nothing in the data is typed by hand:
every entry comes from parsing the kernel sources given here.

Two ways to point at sources::

    # an unpacked tree
    python tools/extract_kernel_params.py --source ~/src/linux-6.6 \\
        --version 6.6 --repo torvalds/linux --commit <40 hex>

    # a bare git directory (no work tree needed, files are read with git show)
    python tools/extract_kernel_params.py --git-dir /work/.mirror/x+linux/repo \\
        --rev v6.6 --version 6.6 --repo x/linux

What is extracted (see nested_snippets/kernel/README.rst):

* x86 ``kvm``/``kvm_intel``/``kvm_amd``, s390 ``kvm``, POWER ``kvm_hv`` and arm64's
  built-in ``kvm`` (``Arch.builtin_code``): every
  ``module_param*`` in the C files the arch's kvm Makefile links into that
  module, with perm, default as ``cat /sys/module/.../parameters/X`` prints
  it, MODULE_PARM_DESC, modinfo type, #ifdef CONFIG guard and a note on
  load-time adjustments (with the /proc/cpuinfo flags a plain "cleared when the
  CPU lacks X" rule depends on);
* the arm64 ``kvm-arm.mode=`` boot parameter and the values it accepts;
* ``kconfig``: how the Kconfig files define each ``CONFIG_*`` symbol the guards name,
  and for a hidden one set only by ``select``, where each architecture selects it
  (:func:`extract_kconfig`).
"""

from __future__ import annotations

import argparse
import ast
import datetime as _dt
import hashlib
import json
import os
import posixpath
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "nested_snippets" / "kernel" / "data"
SCRIPT_NAME = "tools/extract_kernel_params.py"

sys.path.insert(0, str(REPO_ROOT))
from nested_snippets import arches  # noqa: E402  (the repository's, also when run as a script)


def _modules() -> dict[str, tuple[str, str, str]]:
    """Data key -> (arch, Makefile directory, Makefile target), from the architecture rows."""
    specs = {
        s.data_key: s
        for a in arches.ARCHES.values()
        for s in (*a.modules, *a.builtin_code)
        if s.data_key
    }
    return {
        key: (key.split("/")[0], posixpath.dirname(s.path), posixpath.basename(s.path)[:-3])
        for key, s in specs.items()
    }


MODULES = _modules()
# where USHRT_MAX/UINT_MAX/... live, depending on the version
LIMIT_HEADERS = ("include/vdso/limits.h", "include/linux/limits.h", "include/linux/kernel.h")
ARM_MODE_FILES = ("arch/arm64/kvm/arm.c", "virt/kvm/arm/arm.c")

# sysfs perm symbols from include/linux/stat.h / include/uapi/linux/stat.h
PERM_SYMBOLS = {
    "S_IRWXUGO": 0o777,
    "S_IALLUGO": 0o7777,
    "S_IRUGO": 0o444,
    "S_IWUGO": 0o222,
    "S_IXUGO": 0o111,
    "S_IRWXU": 0o700,
    "S_IRUSR": 0o400,
    "S_IWUSR": 0o200,
    "S_IXUSR": 0o100,
    "S_IRWXG": 0o070,
    "S_IRGRP": 0o040,
    "S_IWGRP": 0o020,
    "S_IXGRP": 0o010,
    "S_IRWXO": 0o007,
    "S_IROTH": 0o004,
    "S_IWOTH": 0o002,
    "S_IXOTH": 0o001,
}

# module_param type -> (kind, bits, signed) for rendering like param_get_<type>
INT_TYPES = {
    "byte": (8, False),
    "short": (16, True),
    "ushort": (16, False),
    "int": (32, True),
    "uint": (32, False),
    "long": (64, True),
    "ulong": (64, False),
    "ullong": (64, False),
    "bint": (32, True),
    "hexint": (32, False),
}
STD_OPS = re.compile(r"^&?\s*param_ops_(\w+)$")


class ExtractError(Exception):
    pass


# --------------------------------------------------------------------------- trees
class Tree:
    """Read-only view of a kernel tree; records every file read (path -> blob sha)."""

    def __init__(self) -> None:
        self.read_files: dict[str, str] = {}
        self._cache: dict[str, str | None] = {}

    def _raw(self, path: str) -> bytes | None:
        raise NotImplementedError

    def list(self, prefix: str) -> list[str]:
        raise NotImplementedError

    def read(self, path: str, record: bool = True) -> str | None:
        if path not in self._cache:
            data = self._raw(path)
            if data is None:
                self._cache[path] = None
            else:
                if record:
                    self.read_files[path] = blob_sha(data)
                self._cache[path] = data.decode("utf-8", errors="replace")
        elif record and self._cache[path] is not None and path not in self.read_files:
            self.read_files[path] = blob_sha(self._cache[path].encode("utf-8"))
        return self._cache[path]


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class FsTree(Tree):
    def __init__(self, root: str) -> None:
        super().__init__()
        self.root = Path(root)

    def _raw(self, path: str) -> bytes | None:
        p = self.root / path
        return p.read_bytes() if p.is_file() else None

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix
        if not base.is_dir():
            return []
        out = []
        for dirpath, _dirs, files in os.walk(base):
            for f in files:
                out.append(Path(dirpath, f).relative_to(self.root).as_posix())
        return sorted(out)


class GitTree(Tree):
    """A commit of a git directory; ``subdir`` when the kernel tree is a folder of it."""

    def __init__(self, git_dir: str, rev: str, subdir: str = "") -> None:
        super().__init__()
        self.git_dir = git_dir
        self.rev = self._git("rev-parse", rev + "^{commit}").strip()
        self.subdir = subdir.strip("/")
        if self.subdir:
            kind = self._git("cat-file", "-t", f"{self.rev}:{self.subdir}").strip()
            if kind != "tree":
                raise ExtractError(f"--subdir {self.subdir}: not a folder of commit {self.rev}")
        self._blobs: dict[str, str] = {}
        listed = f"{self.rev}:{self.subdir}" if self.subdir else self.rev
        for line in self._git("ls-tree", "-r", listed).splitlines():
            meta, _, path = line.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob":
                self._blobs[path] = parts[2]

    def _git(self, *args: str) -> str:
        res = subprocess.run(
            ["git", "--git-dir", self.git_dir, *args], capture_output=True, check=False
        )
        if res.returncode:
            raise ExtractError(
                f"git {' '.join(args)} failed: {res.stderr.decode(errors='replace').strip()}"
            )
        return res.stdout.decode("utf-8", errors="replace")

    def _raw(self, path: str) -> bytes | None:
        sha = self._blobs.get(path)
        if sha is None:
            return None
        res = subprocess.run(
            ["git", "--git-dir", self.git_dir, "cat-file", "blob", sha],
            capture_output=True,
            check=False,
        )
        return res.stdout if res.returncode == 0 else None

    def list(self, prefix: str) -> list[str]:
        pre = prefix.rstrip("/") + "/"
        return sorted(p for p in self._blobs if p.startswith(pre))


# --------------------------------------------------------------------------- C text
_COMMENT_OR_STRING = re.compile(
    r"//[^\n]*|/\*.*?(?:\*/|\Z)|\"(?:\\.|[^\"\\\n])*[\"\n]?|'(?:\\.|[^'\\\n])*['\n]?",
    re.S,
)


def _blank(m: re.Match) -> str:
    tok = m.group(0)
    if tok[0] == "/":
        return re.sub(r"[^\n]", " ", tok)
    return tok


def strip_comments(text: str) -> str:
    """Blank out comments (keep newlines and string literals) so offsets/lines survive."""
    return _COMMENT_OR_STRING.sub(_blank, text)


def join_continuations(text: str) -> str:
    """Remove backslash-newlines but keep line count by appending blank lines."""
    return re.sub(r"\\\n", " ", text)


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _after_literal(text: str, i: int) -> int:
    """Index just past the C string or char literal that opens at ``text[i]``."""
    j = i + 1
    while j < len(text) and text[j] != text[i]:
        j += 2 if text[j] == "\\" else 1
    return j + 1


def match_paren(text: str, open_pos: int) -> int:
    """Index of the parenthesis closing the one at open_pos (-1 if none)."""
    depth = 0
    i = open_pos
    while i < len(text):
        c = text[i]
        if c in "\"'":
            i = _after_literal(text, i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def split_args(s: str) -> list[str]:
    args, depth, cur, i = [], 0, [], 0
    while i < len(s):
        c = s[i]
        if c in "\"'":
            j = _after_literal(s, i)
            cur.append(s[i:j])
            i = j
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    args.append("".join(cur).strip())
    return args


def c_string(expr: str) -> str | None:
    """Concatenate adjacent C string literals; None if expr is not only literals."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', expr)
    rest = re.sub(r'"((?:[^"\\]|\\.)*)"', "", expr).strip()
    if not parts or rest:
        return None
    raw = "".join(parts)
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), raw)


def brace_depths(text: str) -> list[int]:
    """Brace depth at every offset (text must be comment-free)."""
    depths = [0] * (len(text) + 1)
    d = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            for k in range(i, min(j + 1, n)):
                depths[k] = d
            i = j + 1
            continue
        if c == "{":
            d += 1
        elif c == "}":
            d = max(d - 1, 0)
        depths[i] = d
        i += 1
    depths[n] = d
    return depths


def preprocessor_guards(text: str) -> list[tuple[str, ...]]:
    """For each line (1-based index), the CONFIG_* conditions in force."""
    guards: list[tuple[str, ...]] = [()]
    stack: list[str | None] = []
    for line in text.split("\n"):
        s = line.strip()
        m = re.match(r"#\s*(ifdef|ifndef|if|elif|else|endif)\b(.*)", s)
        current = tuple(g for g in stack if g)
        if m:
            kw, cond = m.group(1), m.group(2).strip()
            if kw in ("ifdef", "ifndef", "if"):
                stack.append(_cond(kw, cond))
            elif kw in ("elif", "else") and stack:
                prev = stack[-1]
                neg = _negate(prev) if prev and not prev.startswith(PLAIN_MACRO) else None
                if kw == "elif":
                    new = _cond("if", cond)
                    stack[-1] = " && ".join(x for x in (neg, new) if x) or None
                else:
                    stack[-1] = neg
            elif kw == "endif" and stack:
                stack.pop()
        guards.append(current)
    return guards


# marks an `#ifdef NAME` on a macro that is not a Kconfig symbol; build_param keeps it
# only when no file of the tree defines NAME (mmu.c's MMU_DEBUG)
PLAIN_MACRO = "?"


def _cond(kw: str, cond: str) -> str | None:
    if "CONFIG_" not in cond:
        if kw == "ifdef" and re.fullmatch(r"[A-Z_][A-Z0-9_]*", cond):
            return PLAIN_MACRO + cond
        return None
    cond = re.sub(r"\bdefined\s*\(\s*(\w+)\s*\)", r"\1", cond)
    cond = re.sub(r"\bdefined\s+(\w+)", r"\1", cond)
    cond = re.sub(r"IS_(?:ENABLED|BUILTIN|MODULE|REACHABLE)\s*\(\s*(\w+)\s*\)", r"\1", cond)
    cond = " ".join(cond.split())
    return f"!{cond}" if kw == "ifndef" else cond


def _negate(cond: str) -> str:
    if re.fullmatch(r"!\w+", cond):
        return cond[1:]
    if re.fullmatch(r"\w+", cond):
        return "!" + cond
    return f"!({cond})"


# --------------------------------------------------------------------------- expressions
CAST_RE = re.compile(
    r"\(\s*(?:const\s+)?(?:unsigned|signed|u8|u16|u32|u64|s8|s16|s32|s64|int|"
    r"long|short|char|bool|size_t|unsigned\s+(?:int|long|short|char)|"
    r"long\s+long|unsigned\s+long\s+long)\s*\)"
)


class Defines:
    def __init__(self) -> None:
        self.macros: dict[str, str] = {}

    def add_text(self, text: str) -> None:
        text = join_continuations(strip_comments(text))
        for m in re.finditer(r"(?m)^[ \t]*#[ \t]*define[ \t]+(\w+)(?!\()[ \t]*(.*)$", text):
            self.macros.setdefault(m.group(1), m.group(2).strip())


def eval_c_int(expr: str, defines: Defines, depth: int = 0) -> int | None:
    if depth > 12:
        return None
    e = expr.strip()
    if not e:
        return None
    e = CAST_RE.sub(" ", e)

    def ident(m: re.Match) -> str:
        name = m.group(0)
        if name in ("true",):
            return "1"
        if name in ("false", "NULL"):
            return "0"
        if name in defines.macros:
            v = eval_c_int(defines.macros[name], defines, depth + 1)
            if v is not None:
                return f"({v})"
        raise ValueError(name)

    def number(m: re.Match) -> str:
        tok = m.group(0).rstrip("uUlL")
        if re.fullmatch(r"0[xX][0-9a-fA-F]+", tok):
            return str(int(tok, 16))
        if re.fullmatch(r"0[0-7]+", tok):
            return str(int(tok, 8))
        return str(int(tok))

    try:
        e = re.sub(r"\b(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b", number, e)
        e = re.sub(r"\b[A-Za-z_]\w*\b", ident, e)
    except ValueError:
        return None
    e = e.replace("/", "//").replace("!", " not ").replace("&&", " and ").replace("||", " or ")
    e = e.replace(" not =", "!=")
    try:
        tree = ast.parse(e, mode="eval")
    except SyntaxError:
        return None
    allowed = (
        ast.Expression,
        ast.BinOp,
        ast.UnaryOp,
        ast.Constant,
        ast.BoolOp,
        ast.Compare,
        ast.operator,
        ast.unaryop,
        ast.boolop,
        ast.cmpop,
    )
    if not all(isinstance(n, allowed) for n in ast.walk(tree)):
        return None
    try:
        val = eval(compile(tree, "<c-expr>", "eval"), {"__builtins__": {}})  # noqa: S307
    except Exception:
        return None
    if isinstance(val, bool):
        return int(val)
    return val if isinstance(val, int) else None


def render(ptype: str, value: int | str | None, is_null: bool = False) -> str | None:
    if ptype in ("bool", "invbool"):
        if value is None:
            return None
        truth = bool(value)
        if ptype == "invbool":
            truth = not truth
        return "Y" if truth else "N"
    if ptype in INT_TYPES:
        if value is None or isinstance(value, str):
            return None
        bits, signed = INT_TYPES[ptype]
        v = value & ((1 << bits) - 1)
        if signed and v >= 1 << (bits - 1):
            v -= 1 << bits
        if ptype == "hexint":
            return f"0x{v:08x}"
        return str(v)
    if ptype == "charp":
        if is_null:
            return "(null)"
        return value if isinstance(value, str) else None
    return None


# --------------------------------------------------------------------------- Makefile
@dataclass
class MakeVar:
    items: list[tuple[str, str | None]] = field(default_factory=list)  # (value, config)


def parse_makefile(
    text: str, tree: Tree, base_dir: str, mvars: dict[str, MakeVar] | None = None
) -> dict[str, MakeVar]:
    mvars = {} if mvars is None else mvars
    text = re.sub(r"\\\n", " ", text)
    cond_stack: list[str | None] = []
    for raw in text.split("\n"):
        line = raw.split("#", 1)[0].rstrip()
        s = line.strip()
        if not s:
            continue
        m = re.match(r"(ifdef|ifndef|ifeq|ifneq)\b\s*(.*)", s)
        if m:
            kw, arg = m.groups()
            sym = re.search(r"CONFIG_\w+", arg)
            c = sym.group(0) if sym else None
            if c and (kw == "ifndef" or (kw == "ifneq" and re.search(r",\s*y\s*\)", arg))):
                c = "!" + c
            cond_stack.append(c)
            continue
        if s == "else" and cond_stack:
            c = cond_stack[-1]
            cond_stack[-1] = _negate(c) if c else None
            continue
        if s == "endif" and cond_stack:
            cond_stack.pop()
            continue
        m = re.match(r"-?include\s+(.*)", s)
        if m:
            inc = m.group(1).strip().replace("$(srctree)/", "")
            inc_text = tree.read(inc)
            if inc_text is not None:
                parse_makefile(inc_text, tree, base_dir, mvars)
            continue
        m = re.match(r"([\w.$()\-]+)\s*(:=|\+=|\?=|=)\s*(.*)$", s)
        if not m:
            continue
        name, op, value = m.groups()
        cfg = None
        cm = re.fullmatch(r"(.+)-\$\((CONFIG_\w+)\)", name)
        if cm:
            name, cfg = cm.group(1) + "-y", cm.group(2)
        conds = [c for c in cond_stack if c] + ([cfg] if cfg else [])
        config = " && ".join(conds) or None
        var = mvars.setdefault(name, MakeVar())
        if op == "?=" and var.items:
            continue
        if op in (":=", "=", "?=") and not conds:
            var.items = []
        var.items.append((value, config))
    return mvars


def expand_make(
    name: str, mvars: dict[str, MakeVar], config: str | None, seen: frozenset = frozenset()
) -> list[tuple[str, str | None]]:
    if name.endswith("-m"):
        name = name[:-2] + "-y"
    if name in seen or name not in mvars:
        return []
    out: list[tuple[str, str | None]] = []
    for value, cfg in mvars[name].items:
        conf = " && ".join(x for x in (config, cfg) if x) or None
        for tok in value.split():
            m = re.fullmatch(r"\$\(([\w\-]+)\)", tok)
            if m and m.group(1) != "KVM":
                out.extend(expand_make(m.group(1), mvars, conf, seen | {name}))
            else:
                out.append((tok, conf))
    return out


def module_files(tree: Tree, make_dir: str, target: str) -> list[tuple[str, str | None]]:
    text = tree.read(f"{make_dir}/Makefile")
    if text is None:
        raise ExtractError(f"{make_dir}/Makefile not found")
    mvars = parse_makefile(text, tree, make_dir)
    kvm_dir = "../../../virt/kvm"
    if "KVM" in mvars and mvars["KVM"].items:
        kvm_dir = mvars["KVM"].items[-1][0].strip()
    objs = expand_make(f"{target}-y", mvars, None) + expand_make(f"{target}-objs", mvars, None)
    if not objs:
        # the module is built one level down (s390 from 7.3: obj-$(CONFIG_KVM) += s390/)
        for value, _conf in mvars.get("obj-y", MakeVar()).items:
            for sub in value.split():
                if sub.endswith("/"):
                    found = module_files(tree, posixpath.join(make_dir, sub.rstrip("/")), target)
                    if found:
                        return found
        return []
    files: list[tuple[str, str | None]] = []
    seen = set()
    simple = {
        name: var.items[-1][0].strip()
        for name, var in mvars.items()
        if var.items and len(var.items[-1][0].split()) == 1 and "$" not in var.items[-1][0]
    }
    for obj, conf in objs:
        if not obj.endswith(".o"):
            continue
        rel = obj.replace("$(KVM)", kvm_dir)
        rel = re.sub(r"\$\((\w+)\)", lambda m: simple.get(m.group(1), m.group(0)), rel)
        path = posixpath.normpath(posixpath.join(make_dir, rel))
        for ext in (".c", ".S"):
            cand = path[:-2] + ext
            if tree.read(cand, record=False) is not None:
                if cand not in seen:
                    seen.add(cand)
                    files.append((cand, conf))
                break
    return files


# --------------------------------------------------------------------------- C parsing
PARAM_MACROS = re.compile(
    r"\b(module_param(?:_named|_cb|_call|_unsafe|_named_unsafe|_cb_unsafe|_string|_array"
    r"|_array_named)?|__MODULE_PARM_TYPE|MODULE_PARM_DESC)\s*\("
)


@dataclass
class CFile:
    path: str
    text: str  # comment-stripped
    depths: list[int]
    guards: list[tuple[str, ...]]
    tree: Tree | None = None  # set by load_cfile; used to record files read lazily


def load_cfile(tree: Tree, path: str, record: bool = True) -> CFile | None:
    raw = tree.read(path, record=record)
    if raw is None:
        return None
    cache = tree.__dict__.setdefault("_cfiles", {})
    if path not in cache:  # parsed once per tree: every module of an arch reads its siblings
        text = strip_comments(raw)
        cf = CFile(path, text, brace_depths(text), preprocessor_guards(text))
        cf.tree = tree
        cache[path] = cf
    return cache[path]


def find_macros(cf: CFile):
    for m in PARAM_MACROS.finditer(cf.text):
        start = m.start()
        line_start = cf.text.rfind("\n", 0, start) + 1
        if re.match(r"\s*#", cf.text[line_start:start]):
            continue  # inside a #define
        close = match_paren(cf.text, m.end() - 1)
        if close < 0:
            continue
        args = split_args(cf.text[m.end() : close])
        yield m.group(1), args, line_of(cf.text, start)


def parse_perm(expr: str) -> int | None:
    total = 0
    for tok in expr.replace("(", " ").replace(")", " ").split("|"):
        tok = tok.strip()
        if tok in PERM_SYMBOLS:
            total |= PERM_SYMBOLS[tok]
        elif re.fullmatch(r"0[0-7]*", tok):
            total |= int(tok, 8)
        elif re.fullmatch(r"[1-9]\d*", tok):
            total |= int(tok)
        else:
            return None
    return total


DECL_WORDS = re.compile(
    r"\b(static|const|volatile|unsigned|signed|bool|_Bool|int|long|short|char|u8|u16|u32|u64|"
    r"s8|s16|s32|s64|uint|ulong|ushort|__read_mostly|__ro_after_init|__initdata|"
    r"__data_racy|enum\s+\w+)\b"
)


def find_definitions(var: str, cfiles: list[CFile]):
    """Top-level (brace depth 0) definitions of var in the first file having any.

    Returns [(file, line, init_expr or None, guards)]; several entries when the
    definition differs between #ifdef branches.
    """
    pat = re.compile(
        r"(?m)^([ \t]*[A-Za-z_][\w \t\*]*?)\b"
        + re.escape(var)
        + r"\s*(\[[^\]]*\])?\s*(?:__\w+\s*)*(=\s*([^;]*))?;"
    )
    for cf in cfiles:
        found = []
        for m in pat.finditer(cf.text):
            if cf.depths[m.start()] != 0:
                continue
            decl = m.group(1)
            if "extern" in decl or "return" in decl or "#" in decl:
                continue
            if not DECL_WORDS.search(decl) and not re.search(r"\w+\s+\**$", decl.strip() + " "):
                continue
            init = m.group(4).strip() if m.group(3) else None
            line = line_of(cf.text, m.start(1))
            found.append((cf, line, init, cf.guards[line] if line < len(cf.guards) else ()))
        if found:
            return found
    return []


def resolve_default(
    var: str, ptype: str, cf: CFile, search: list[CFile], defines: Defines, notes: list[str]
) -> str | None:
    defs = find_definitions(var, search)
    if not defs:
        notes.append(f"definition of '{var}' not found")
        return None
    # with #ifdef alternatives prefer the branch taken when the optional CONFIG is off
    idx = next((i for i, d in enumerate(defs) if all(g.startswith("!") for g in d[3])), 0)
    results = []
    for _dcf, _line, init, _guards in defs:
        if init is None:
            val = render(ptype, 0, is_null=True)
        elif ptype in ("charp", "string"):
            val = "(null)" if init == "NULL" else c_string(init)
        else:
            num = eval_c_int(init, defines)
            cm = re.fullmatch(r"IS_ENABLED\s*\(\s*(CONFIG_\w+)\s*\)", init)
            if cm:
                notes.append(f"compile-time default is 1 if {cm.group(1)}=y, else 0")
            elif num is None:
                notes.append(f"initializer not evaluated: {init}")
            val = render(ptype, num)
        results.append(val)
    if len(defs) > 1:
        alts = ", ".join(
            f"{' && '.join(d[3]) or 'always'}: {v}"
            for i, (d, v) in enumerate(zip(defs, results, strict=True))
            if i != idx
        )
        notes.append(f"default depends on config ({alts})")
    for d in defs:
        if d[0].tree is not None:
            d[0].tree.read(d[0].path)  # record in provenance
    if defs[idx][0].path != cf.path:
        notes.append(f"variable defined in {defs[idx][0].path}")
    return results[idx]


FEATURE_CHECK = re.compile(
    r"^!\s*(?:boot_cpu_has|static_cpu_has|cpu_feature_enabled|this_cpu_has)\s*\(\s*"
    r"(X86_FEATURE_\w+)\s*\)$|^!\s*(cpu_has_vmx_\w+)\s*\(\s*\)$"
)


def top_level_split(expr: str, op: str) -> list[str]:
    parts, depth, cur, i = [], 0, [], 0
    while i < len(expr):
        c = expr[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        if depth == 0 and expr.startswith(op, i):
            parts.append("".join(cur).strip())
            cur = []
            i += len(op)
            continue
        cur.append(c)
        i += 1
    parts.append("".join(cur).strip())
    return parts


def strip_outer_parens(s: str) -> str:
    s = s.strip()
    while s.startswith("(") and match_paren(s, 0) == len(s) - 1:
        s = s[1:-1].strip()
    return s


def enclosing_function(cf: CFile, pos: int) -> str | None:
    # find the opening brace of the depth-1 block, then the identifier before "("
    i = pos
    while i > 0 and cf.depths[i] > 0:
        i -= 1
    head = cf.text[max(0, i - 400) : i + 1]
    m = re.findall(r"\b([A-Za-z_]\w*)\s*\([^;{}]*\)\s*\{?\s*$", head)
    return m[-1] if m else None


def find_runtime(var: str, cfiles: list[CFile], features: FeatureNames):
    """Assignments to var inside function bodies: (notes, required cpuinfo flags)."""
    pat = re.compile(r"(?<![\w.>])" + re.escape(var) + r"\s*(=(?!=)|&=|\|=)")
    sites: list[str] = []
    requires: list[str] = []
    for cf in cfiles:
        for m in pat.finditer(cf.text):
            if cf.depths[m.start()] == 0:
                continue
            if shadowed(cf, m.start(), var):
                continue
            func = enclosing_function(cf, m.start()) or "?"
            sites.append(f"{func}() {cf.path}:{line_of(cf.text, m.start())}")
            rhs_end = cf.text.find(";", m.end())
            rhs = cf.text[m.end() : rhs_end].strip()
            conds: list[str] = []
            if rhs in ("0", "false"):
                cond = governing_if(cf.text, m.start())
                if cond is not None:
                    conds = [strip_outer_parens(t) for t in top_level_split(cond, "||")]
            elif re.match(re.escape(var) + r"\s*&&", rhs) or m.group(1) == "&=":
                conds = ["!" + strip_outer_parens(t) for t in top_level_split(rhs, "&&")]
            for term in conds:
                fm = FEATURE_CHECK.match(" ".join(term.split()))
                if not fm:
                    continue
                flag = features.flag(fm.group(1) or fm.group(2))
                if flag and flag not in requires:
                    requires.append(flag)
    return sites, requires


def ops_get_type(ops: str, cfiles: list[CFile]) -> str | None:
    """'int' for a kernel_param_ops struct whose .get is param_get_int, else None."""
    if not re.fullmatch(r"\w+", ops or ""):
        return None
    pat = re.compile(r"\bkernel_param_ops\s+" + re.escape(ops) + r"\s*=\s*\{([^}]*)\}")
    for cf in cfiles:
        m = pat.search(cf.text)
        if m:
            g = re.search(r"\.get\s*=\s*&?\s*param_get_(\w+)\b", m.group(1))
            return g.group(1) if g else None
    return None


SET_KEYWORD = re.compile(
    r'sysfs_streq\s*\(\s*\w+\s*,\s*"(\w+)"\s*\)\s*\)\s*\{?\s*'
    r"\*\s*\(\s*[\w\s]+\*\s*\)\s*\w+\s*->\s*arg\s*=\s*([^;]+);"
)


def ops_set_keywords(ops: str, cfiles: list[CFile]) -> tuple[str, dict[str, str]] | None:
    """(setter, {keyword: stored expression}) for a kernel_param_ops struct whose .set
    function stores a fixed value for a keyword, as svm/avic.c does from 6.18:
    ``if (val && sysfs_streq(val, "auto")) { *(int *)kp->arg = AVIC_AUTO_MODE; ...``."""
    if not re.fullmatch(r"\w+", ops or ""):
        return None
    pat = re.compile(r"\bkernel_param_ops\s+" + re.escape(ops) + r"\s*=\s*\{([^}]*)\}")
    for cf in cfiles:
        m = pat.search(cf.text)
        if not m:
            continue
        s = re.search(r"\.set\s*=\s*&?\s*(\w+)\b", m.group(1))
        if not s:
            return None
        fm = re.search(r"\b" + re.escape(s.group(1)) + r"\s*\([^;{)]*\)\s*\{", cf.text)
        if not fm:
            return None
        end = match_paren(cf.text, fm.end() - 1)
        body = cf.text[fm.end() : end]
        found = {k: " ".join(v.split()) for k, v in SET_KEYWORD.findall(body)}
        return (s.group(1), found) if found else None
    return None


def keyword_default(
    var: str, ops: str, cfiles: list[CFile], search: list[CFile], defines: Defines
) -> tuple[str, str] | None:
    """(keyword, note) when a callback parameter starts with the value its own setter
    stores for a keyword: the module resolves it at load time, so the keyword, not
    the initializer's bits as the getter would print them, is the default."""
    setter = ops_set_keywords(ops, cfiles)
    defs = find_definitions(var, search)
    if setter is None or len(defs) != 1 or defs[0][2] is None:
        return None
    init = " ".join(defs[0][2].split())
    for keyword, stored in setter[1].items():
        same = init == stored or (
            (a := eval_c_int(init, defines)) is not None and a == eval_c_int(stored, defines)
        )
        if same:
            note = (f'initializer {init} is what {setter[0]}() stores for "{keyword}": '
                    "resolved when the module loads")  # fmt: skip
            return keyword, note
    return None


def shadowed(cf: CFile, pos: int, var: str) -> bool:
    """True if var at pos is a local variable or parameter of the enclosing function."""
    i = pos
    while i > 0 and cf.depths[i] > 0:
        i -= 1
    head_start = max(cf.text.rfind(";", 0, i), cf.text.rfind("}", 0, i), 0)
    region = cf.text[head_start : pos + len(var) + 2]
    decl = re.compile(
        r"(?:\b(?:bool|_Bool|int|unsigned|signed|long|short|char|u8|u16|u32|u64|s8"
        r"|s16|s32|s64|\w+_t|const)|\bstruct\s+\w+|\benum\s+\w+)[\s\*]+"
        + re.escape(var)
        + r"\s*[=;,\[)]"
    )
    return bool(decl.search(region))


def governing_if(text: str, pos: int) -> str | None:
    """Condition of the `if (...)` directly controlling the statement at pos."""
    j = pos - 1
    while j >= 0 and (text[j].isspace() or text[j] == "{"):
        j -= 1
    if j < 0 or text[j] != ")":
        return None
    # walk back to the matching "("
    depth = 0
    k = j
    while k >= 0:
        if text[k] == ")":
            depth += 1
        elif text[k] == "(":
            depth -= 1
            if depth == 0:
                break
        k -= 1
    if k < 0 or not re.search(r"\bif\s*$", text[max(0, k - 10) : k]):
        return None
    return text[k + 1 : j]


class FeatureNames:
    """Map X86_FEATURE_* / cpu_has_vmx_*() to /proc/cpuinfo flag names of this tree."""

    def __init__(self, tree: Tree) -> None:
        self.x86: dict[str, str | None] = {}
        self.flags: set[str] = set()
        for path in ("arch/x86/include/asm/cpufeatures.h", "arch/x86/include/asm/vmxfeatures.h"):
            text = tree.read(path)
            if text is None:
                continue
            for m in re.finditer(
                r"#define\s+((?:X86|VMX)_FEATURE_(\w+))\s+\([^)]*\)"
                r"\s*(?:/\*\s*(\"[^\"]*\")?)?",
                text,
            ):
                full, short, quoted = m.groups()
                name = (quoted.strip('"') or None) if quoted is not None else short.lower()
                if full.startswith("X86_"):
                    self.x86[full] = name
                if name:
                    self.flags.add(name)

    def flag(self, check: str) -> str | None:
        if check.startswith("X86_FEATURE_"):
            return self.x86.get(check)
        suffix = check[len("cpu_has_vmx_") :]
        return suffix if suffix in self.flags else None


# --------------------------------------------------------------------------- modules
def header_files(tree: Tree, arch: str) -> list[str]:
    out = [p for p in tree.list(f"arch/{arch}/kvm") if p.endswith(".h")]
    out += [p for p in tree.list("virt/kvm") if p.endswith(".h")]
    out += [
        p
        for p in tree.list(f"arch/{arch}/include/asm")
        if posixpath.basename(p).startswith("kvm") and p.endswith(".h")
    ]
    out += [
        p
        for p in tree.list("include/linux")
        if posixpath.basename(p).startswith("kvm") and p.endswith(".h")
    ]
    return out


def extract_module(tree: Tree, key: str, features: FeatureNames) -> dict:
    arch, make_dir, target = MODULES[key]
    files = module_files(tree, make_dir, target)
    cfiles = []
    file_config = {}
    for path, conf in files:
        if path.endswith(".c"):
            cf = load_cfile(tree, path)
            if cf:
                cfiles.append(cf)
                file_config[path] = conf
    # other C files of the same arch (a variable may live in kvm.ko, e.g. enable_apicv)
    sibling = []
    for other, (oarch, odir, otarget) in MODULES.items():
        if oarch == arch and other != key:
            for path, _conf in module_files(tree, odir, otarget):
                if path.endswith(".c") and all(c.path != path for c in cfiles):
                    cf = load_cfile(tree, path)
                    if cf:
                        sibling.append(cf)
    # last resort for variables: any other C file of the arch's kvm directory
    # (POWER's kvm_irq_bypass lives in the built-in book3s_hv_rm_xics.c)
    known = {c.path for c in cfiles + sibling}
    for path in tree.list(make_dir):
        if path.endswith(".c") and path not in known:
            text = tree.read(path, record=False)
            if text is not None and re.search(r"\b(?:bool|int|uint|unsigned)\b", text):
                cf = load_cfile(tree, path, record=False)
                if cf:
                    sibling.append(cf)
    headers = [cf for cf in (load_cfile(tree, h) for h in header_files(tree, arch)) if cf]
    defines = Defines()
    for cf in cfiles + headers + sibling:
        defines.add_text(tree.read(cf.path, record=False) or "")
    for path in LIMIT_HEADERS:
        text = tree.read(path, record=False)
        if text is not None and re.search(r"#\s*define\s+U(?:SHRT|INT)_MAX\b", text):
            defines.add_text(tree.read(path) or "")

    descs: dict[str, str] = {}
    ptypes: dict[str, str] = {}
    raw_params = []
    for cf in cfiles:
        for macro, args, line in find_macros(cf):
            if macro == "MODULE_PARM_DESC" and len(args) >= 2:
                descs.setdefault(args[0], c_string(args[1]) or args[1])
            elif macro == "__MODULE_PARM_TYPE" and len(args) >= 2:
                ptypes.setdefault(args[0], c_string(args[1]) or args[1])
            elif macro.startswith("module_param"):
                raw_params.append((cf, macro, args, line))

    params = []
    for cf, macro, args, line in raw_params:
        p = build_param(
            cf,
            macro,
            args,
            line,
            file_config.get(cf.path),
            cfiles,
            sibling,
            headers,
            defines,
            features,
        )
        if p is None:
            continue
        p["desc"] = descs.get(p["name"])
        if p["modinfo_type"] is None and p["name"] in ptypes:
            p["modinfo_type"] = ptypes[p["name"]]
        params.append(p)
    return {"params": params, "files": [p for p, _c in files]}


def build_param(
    cf: CFile,
    macro: str,
    args: list[str],
    line: int,
    file_conf: str | None,
    cfiles: list[CFile],
    sibling: list[CFile],
    headers: list[CFile],
    defines: Defines,
    features: FeatureNames,
) -> dict | None:
    base = macro.replace("_unsafe", "")
    ops = None
    notes: list[str] = []
    if base == "module_param" and len(args) == 3:
        name, var, ptype, perm = args[0], args[0], args[1], args[2]
    elif base == "module_param_named" and len(args) == 4:
        name, var, ptype, perm = args
    elif base == "module_param_cb" and len(args) == 4:
        name, ops, var, perm = args
        var = var.lstrip("&").strip()
        std = STD_OPS.match(ops.strip())
        ptype = std.group(1) if std else "callback"
    elif base == "module_param_call" and len(args) == 5:
        name, setf, getf, var, perm = args
        var = var.lstrip("&").strip()
        ops, ptype = f"{setf}/{getf}", "callback"
    elif base == "module_param_string" and len(args) == 4:
        name, var, ptype, perm = args[0], args[1], "string", args[3]
    elif base in ("module_param_array", "module_param_array_named"):
        if base == "module_param_array":
            name, var, ptype, perm = args[0], args[0], f"array of {args[1]}", args[3]
        else:
            name, var, ptype, perm = args[0], args[1], f"array of {args[2]}", args[4]
    else:
        return None
    if var == "NULL":
        var = ""
    perm_val = parse_perm(perm)
    guards = []
    for g in cf.guards[line] if line < len(cf.guards) else ():
        if not g.startswith(PLAIN_MACRO):
            guards.append(g)
        elif g[1:] not in defines.macros:
            guards.append(f"{g[1:]} (defined nowhere in the tree: not built)")
    if file_conf:
        guards.insert(0, file_conf)
    entry = {
        "name": name,
        "type": ptype,
        "perm": f"{perm_val:04o}" if perm_val is not None else perm,
        "default": None,
        "source": f"{cf.path}:{line}",
        "variable": var,
        "desc": None,
        "modinfo_type": None
        if ptype == "callback" or base == "module_param_cb"
        else ptype.replace("array of ", "array of "),
        "runtime": None,
        "runtime_requires": [],
        "config": " && ".join(guards) or None,
    }
    if macro.endswith("_unsafe"):
        notes.append("unsafe: setting it taints the kernel")
    if ops is not None and ptype == "callback":
        entry["ops"] = ops.lstrip("&").strip()
    if base == "module_param_string":
        entry["modinfo_type"] = "string"

    search = [cf] + [c for c in cfiles if c is not cf] + sibling + headers
    value_type = ptype
    if ptype == "callback":
        get_type = ops_get_type(entry.get("ops", ""), [cf] + cfiles)
        if get_type in INT_TYPES or get_type in ("bool", "invbool", "charp"):
            entry["get_type"] = value_type = get_type
            notes.append(f"kernel_param_ops {entry.get('ops')} prints with param_get_{get_type}")
        else:
            value_type = None
            notes.append(
                f"custom kernel_param_ops {entry.get('ops')}; the printed value "
                "depends on its get function"
            )
    keyword = None
    if ptype == "callback" and var:
        keyword = keyword_default(var, entry.get("ops", ""), [cf] + cfiles, search, defines)
    if keyword is not None:
        entry["default"] = keyword[0]
        notes.append(keyword[1])
    elif var and value_type and not value_type.startswith("array"):
        entry["default"] = resolve_default(var, value_type, cf, search, defines, notes)
    sites, requires = (
        find_runtime(var, [cf] + [c for c in cfiles if c is not cf], features) if var else ([], [])
    )
    if sites:
        shown = "; ".join(sites[:4]) + ("; ..." if len(sites) > 4 else "")
        notes.append(f"value may be changed at load time: {shown}")
        entry["runtime"] = "; ".join(notes)
    elif notes:
        entry["runtime"] = "; ".join(notes)
    entry["runtime_requires"] = requires
    return entry


def extract_arm_mode(tree: Tree) -> tuple[dict | None, str | None]:
    for path in ARM_MODE_FILES:
        raw = tree.read(path, record=False)
        if raw is None:
            continue
        tree.read(path)
        text = strip_comments(raw)
        m = re.search(r'early_param\(\s*"kvm-arm\.mode"\s*,\s*(\w+)\s*\)', text)
        if not m:
            return None, f'{path} has no early_param("kvm-arm.mode")'
        func = m.group(1)
        fm = re.search(r"\b" + re.escape(func) + r"\s*\([^)]*\)\s*\{", text)
        values: list[str] = []
        if fm:
            end = match_paren(text, fm.end() - 1)
            body = text[fm.end() : end]
            for v in re.findall(r'strcmp\s*\(\s*\w+\s*,\s*"([^"]*)"\s*\)', body):
                if v not in values:
                    values.append(v)
        return {
            "values": values,
            "source": f"{path}:{line_of(text, m.start())}",
            "parser": func,
        }, None
    return None, "no arm64 KVM arm.c (arch/arm64/kvm/arm.c or virt/kvm/arm/arm.c)"


def kernel_release(tree: Tree) -> str:
    text = tree.read("Makefile")
    if text is None:
        raise ExtractError("top-level Makefile not found")
    vals = {}
    for key in ("VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION"):
        m = re.search(rf"(?m)^{key}\s*=[ \t]*(\S*)", text)
        vals[key] = m.group(1) if m else ""
    return f"{vals['VERSION']}.{vals['PATCHLEVEL']}.{vals['SUBLEVEL']}{vals['EXTRAVERSION']}"


def extract(
    tree: Tree,
    version: str,
    repo: str,
    commit: str | None,
    extracted_on: str,
    sha256: str | None = None,
    subdir: str = "",
) -> dict:
    release = kernel_release(tree)
    if not release.startswith(version + ".") and release != version:
        raise ExtractError(f"tree is Linux {release}, not {version}")
    features = FeatureNames(tree)
    modules = {}
    missing = []
    for key, (_arch, make_dir, _target) in MODULES.items():
        if tree.read(f"{make_dir}/Makefile", record=False) is None:
            missing.append(f"{key}: {make_dir}/Makefile not readable")
            continue
        modules[key] = extract_module(tree, key, features)
    boot = {}
    notes = []
    arm, why = extract_arm_mode(tree)
    if arm is not None:
        boot["arm64/kvm-arm.mode"] = arm
    elif why and why.startswith("no arm64"):
        missing.append(f"arm64/kvm-arm.mode: {why}")
    else:
        notes.append(f"arm64/kvm-arm.mode: {why}")
    data = {
        "version": version,
        "release": release,
        "provenance": {
            "repo": repo,
            **({"commit": commit} if commit else {}),
            **({"sha256": sha256} if sha256 else {}),
            **({"subdir": subdir} if subdir else {}),
            "files": dict(sorted(tree.read_files.items())),
            "extracted_by": SCRIPT_NAME,
            "extracted_on": extracted_on,
        },
        "modules": modules,
        "boot_params": boot,
    }
    data["kconfig"] = extract_kconfig(tree, guard_symbols(modules))
    data["provenance"]["files"] = dict(sorted(tree.read_files.items()))
    if notes:
        data["notes"] = notes
    if missing:
        data["missing"] = missing
    return data


# --------------------------------------------------------------------------- Kconfig
KCONFIG_FILES = ("virt/kvm/Kconfig", "arch/{arch}/Kconfig", "arch/{arch}/kvm/Kconfig")
"""The Kconfig files read for each architecture of the data: the shared KVM options and
the architecture's own (its ``kvm`` Kconfig sources ``virt/kvm/Kconfig``)."""
KCONFIG_ENTRY = re.compile(r"^\s*(menuconfig|config)\s+(\w+)\s*$")
KCONFIG_END = re.compile(r"^\s*(config|menuconfig|choice|endchoice|menu|endmenu|if|endif|source|"
                         r"comment|mainmenu)\b")  # fmt: skip
KCONFIG_TYPES = ("bool", "tristate", "string", "int", "hex")


@dataclass
class KconfigEntry:
    """One ``config`` entry: where it is, whether it has a prompt or a default, its selects."""

    at: str
    prompt: bool = False
    default: bool = False
    selects: list[tuple[str, str | None, str]] = field(default_factory=list)
    """(symbol, condition after ``if`` or None, ``path:line``)"""


def _kconfig_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) with backslash continuations joined and help texts left out."""
    out, help_indent, in_help = [], None, False
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        no, line = i + 1, lines[i]
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + " " + lines[i]
        i += 1
        indent = len(line.expandtabs()) - len(line.expandtabs().lstrip())
        if in_help:
            if not line.strip():
                continue
            if help_indent is None:
                help_indent = indent
            if indent >= help_indent and help_indent > 0:
                continue
            in_help = False
        stripped = (line if '"' in line else line.split("#", 1)[0]).strip()
        if stripped in ("help", "---help---"):
            in_help, help_indent = True, None
            continue
        if stripped:
            out.append((no, stripped))
    return out


def parse_kconfig(text: str, path: str) -> dict[str, list[KconfigEntry]]:
    """The ``config``/``menuconfig`` entries of a Kconfig file, by symbol."""
    entries: dict[str, list[KconfigEntry]] = {}
    cur: KconfigEntry | None = None
    for no, line in _kconfig_lines(text):
        m = KCONFIG_ENTRY.match(line)
        if m:
            cur = KconfigEntry(f"{path}:{no}")
            entries.setdefault(m.group(2), []).append(cur)
            continue
        if KCONFIG_END.match(line):
            cur = None
            continue
        if cur is None:
            continue
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word in KCONFIG_TYPES and rest[:1] in ('"', "'") or word == "prompt":
            cur.prompt = True
        elif word in ("default", "def_bool", "def_tristate"):
            cur.default = True
        elif word == "select" and rest:
            sym, _, cond = rest.partition(" if ")
            cur.selects.append((sym.strip(), cond.strip() or None, f"{path}:{no}"))
    return entries


def _selects_of(arch: str, defs: dict[str, dict[str, list[KconfigEntry]]],
                target: str) -> list[dict]:  # fmt: skip
    """Where ``arch``'s Kconfig files select ``target``, directly or through symbols
    (defined in the files read for ``arch``) that they select."""
    files = [f.format(arch=arch) for f in KCONFIG_FILES]
    table: dict[str, list[KconfigEntry]] = {}
    for f in files:
        for sym, ents in defs.get(f, {}).items():
            table.setdefault(sym, []).extend(ents)
    roots = [(sym, e) for f in files[1:] for sym, ents in defs.get(f, {}).items() for e in ents]
    found, seen = [], set()
    todo = [(sym, e, ()) for sym, e in roots]
    while todo:
        sym, entry, via = todo.pop(0)
        if (sym, entry.at) in seen:
            continue
        seen.add((sym, entry.at))
        for sel, cond, at in entry.selects:
            if sel == target:
                found.append({"by": sym, "at": at, "if": cond, **({"via": list(via)} if via
                              else {})})  # fmt: skip
            elif sel in table and sel not in via:
                todo.extend((sel, e, (*via, sym)) for e in table[sel])
    return found


def guard_symbols(modules: dict) -> list[str]:
    """The ``CONFIG_*`` symbols the parameters' guards name, sorted."""
    return sorted({s for m in modules.values() for p in m["params"]
                   for s in re.findall(r"\bCONFIG_(\w+)", p.get("config") or "")})  # fmt: skip


def extract_kconfig(tree: Tree, symbols: list[str]) -> dict:
    """For each guard symbol: where it is defined in the Kconfig files read and its kind:
    ``prompt`` (a user choice: a distribution's config decides), ``default`` (hidden,
    with a default), ``select`` (hidden, no default: set exactly when something selects
    it; then ``selected`` lists, per architecture of the data, where its Kconfig files
    select it), or ``outside`` (defined in none of the files read)."""
    arches_ = sorted({key.split("/")[0] for key in MODULES})
    defs = {}
    for f in sorted({f.format(arch=a) for a in arches_ for f in KCONFIG_FILES}):
        text = tree.read(f)
        if text is not None:
            defs[f] = parse_kconfig(text, f)
    out = {}
    for sym in symbols:
        ents = [e for per in defs.values() for e in per.get(sym, [])]
        rec: dict = {"defined": [e.at for e in ents]}
        if not ents:
            rec["kind"] = "outside"
        elif any(e.prompt for e in ents):
            rec["kind"] = "prompt"
        elif any(e.default for e in ents):
            rec["kind"] = "default"
        else:
            rec["kind"] = "select"
            rec["selected"] = {a: _selects_of(a, defs, sym) for a in arches_}
        out[f"CONFIG_{sym}"] = rec
    return out


# --------------------------------------------------------------------------- cross-check
# directories compared in full with a second source, besides every file the extraction read
COMPARE_DIRS = (
    "arch/x86/kvm",
    "arch/s390/kvm",
    "arch/powerpc/kvm",
    "arch/arm64/kvm",
    "virt/kvm",
)


def tree_subdir(tree: Tree) -> str:
    """The folder of a git commit the kernel tree was read from ('' for its root)."""
    return getattr(tree, "subdir", "")


def open_tree(location: str, rev: str = "HEAD") -> Tree:
    """A git directory (bare or not) or an unpacked source directory."""
    path = Path(location)
    if not path.is_dir():
        raise ExtractError(f"{location}: not a directory")
    if (path / "objects").is_dir() and (path / "HEAD").is_file():
        return GitTree(location, rev)
    return FsTree(location)


def blob_ids(tree: Tree, paths: set[str]) -> dict[str, str]:
    out = {}
    for path in sorted(paths):
        raw = tree._raw(path)
        if raw is not None:
            out[path] = blob_sha(raw)
    return out


def crosscheck(primary: Tree, read_files: dict[str, str], label: str, other: Tree) -> dict:
    """Compare the git blob ids of the KVM files (and every file the extraction read)
    between the primary tree and a second, independent source."""
    paths = set(read_files)
    for d in COMPARE_DIRS:
        paths.update(primary.list(d))
        paths.update(other.list(d))
    mine = blob_ids(primary, paths)
    theirs = blob_ids(other, paths)
    # the top-level Makefile differs between point releases by SUBLEVEL alone; the
    # releases are recorded side by side instead
    paths.discard("Makefile")
    # a file only one side has (an import that left out *.S, say) contradicts nothing,
    # unless the extraction read it
    one_sided = sorted(p for p in paths if (p in mine) != (p in theirs) and p not in read_files)
    both = paths - set(one_sided)
    differing = sorted(p for p in both if mine.get(p) != theirs.get(p))
    result = {
        "source": label,
        "release": kernel_release(other),
        "compared": len(both),
        "differing": differing,
        "one_sided": len(one_sided),
        "agree": not differing,
    }
    if isinstance(other, GitTree):
        result["commit"] = other.rev
    return result


def recorded_files(prov: dict) -> tuple[dict[str, str], dict[str, str]]:
    """Every file a data file's provenance names with its blob id: (all of them, those
    read from the data's own source).  A refresh from another tree (``refreshed``
    with ``from`` not the data's ``repo``) adds files of that tree."""
    own = dict(prov.get("files", {}))
    every = dict(own)
    for rec in prov.get("refreshed", []):
        added = rec.get("added", {})
        every.update(added)
        if rec.get("from") == prov.get("repo") and "with" not in rec:
            own.update(added)
    return every, own


def add_checks(tree: Tree, repo: str, path: Path, checks: list[tuple[str, str]]) -> list[dict]:
    """Cross-check an existing data file against more sources, without re-extracting.

    ``tree`` must be the data's own source: each file its provenance names from that
    source has the recorded blob id there.  A new result replaces one of the same label;
    the others stay."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        prov = data["provenance"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ExtractError(f"{path}: no data file to add a check to ({exc})") from None
    if prov.get("repo") != repo:
        raise ExtractError(f"{path}: the data comes from {prov.get('repo')!r}, not {repo!r}")
    every, own = recorded_files(prov)
    mine = blob_ids(tree, set(own))
    wrong = sorted(p for p, blob in own.items() if mine.get(p) != blob)
    if wrong:
        raise ExtractError(
            f"{path}: the given tree is not the data's source ({len(wrong)} of {len(own)} "
            f"recorded files differ, first {wrong[0]})"
        )
    results = [crosscheck(tree, every, label, check_tree(label, loc)) for label, loc in checks]
    new = {r["source"] for r in results}
    prov["crosscheck"] = [c for c in prov.get("crosscheck", []) if c["source"] not in new]
    prov["crosscheck"] += results
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return results


def check_tree(label: str, location: str) -> Tree:
    """The tree a ``--check`` names: a git directory is read at the commit its label
    names (``OWNER/NAME@<40 hex>``), else at ``HEAD``."""
    owner, at, commit = label.rpartition("@")
    rev = commit if owner and at and re.fullmatch(r"[0-9a-f]{40}", commit) else "HEAD"
    return open_tree(location, rev)


def parse_check(spec: str) -> tuple[str, str]:
    label, sep, location = spec.partition("=")
    if not sep or not label or not location:
        raise ExtractError(f"--check {spec!r}: expected LABEL=PATH (a git directory or a tree)")
    return label, location


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--source", help="kernel source directory")
    src.add_argument("--git-dir", help="bare git directory (read with git, no work tree)")
    ap.add_argument("--rev", default="HEAD", help="revision in --git-dir (default HEAD)")
    ap.add_argument(
        "--subdir",
        default="",
        help="folder of --git-dir's commit that holds the kernel tree (a repository that "
        "keeps it beside other work); recorded in the provenance",
    )
    ap.add_argument("--version", required=True, help="major.minor, e.g. 6.6")
    ap.add_argument("--repo", required=True, help="OWNER/NAME the sources come from")
    ap.add_argument("--commit", help="40-hex commit (default: resolved --rev)")
    ap.add_argument("--out-dir", default=str(DEFAULT_OUT))
    ap.add_argument("--extracted-on", default=_dt.date.today().isoformat())
    ap.add_argument("--stdout", action="store_true", help="print JSON instead of writing")
    ap.add_argument("--sha256", help="SHA-256 of the tarball the --source tree was unpacked from")
    ap.add_argument(
        "--check",
        action="append",
        default=[],
        metavar="LABEL=PATH",
        help="second, independent source of the same release (git directory or tree) whose "
        "KVM files are compared blob by blob with the primary; repeatable",
    )
    ap.add_argument(
        "--add-check",
        action="store_true",
        help="add the --check results to the existing data file of --version (the source "
        "given must be the data's own) instead of extracting",
    )
    args = ap.parse_args(argv)
    try:
        if args.add_check and (not args.check or args.stdout):
            raise ExtractError("--add-check needs --check and writes the data file (no --stdout)")
        if args.subdir and not args.git_dir:
            raise ExtractError("--subdir needs --git-dir")
        if args.git_dir:
            tree: Tree = GitTree(args.git_dir, args.rev, args.subdir)
            commit = args.commit or tree.rev
        else:
            tree = FsTree(args.source)
            commit = args.commit
        if args.sha256 is not None and not re.fullmatch(r"[0-9a-f]{64}", args.sha256):
            raise ExtractError("--sha256 must be 64 hex digits")
        if commit is None and args.sha256 is None:
            raise ExtractError("give --commit (a git source) or --sha256 (a tarball)")
        if commit is not None and not re.fullmatch(r"[0-9a-f]{40}", commit):
            raise ExtractError("--commit must be a 40-hex commit id")
        checks = [parse_check(spec) for spec in args.check]
        if args.add_check:
            out = Path(args.out_dir) / f"linux-{args.version}.json"
            _print_checks(add_checks(tree, args.repo, out, checks))
            return 0
        data = extract(
            tree, args.version, args.repo, commit, args.extracted_on, args.sha256, tree_subdir(tree)
        )
        results = [
            crosscheck(tree, data["provenance"]["files"], label, check_tree(label, loc))
            for label, loc in checks
        ]
        if results:
            data["provenance"]["crosscheck"] = results
    except ExtractError as exc:
        print(f"extract_kernel_params: {exc}", file=sys.stderr)
        return 1
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if args.stdout:
        sys.stdout.write(text)
        return 0
    out = Path(args.out_dir) / f"linux-{args.version}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    n = sum(len(m["params"]) for m in data["modules"].values())
    print(f"wrote {out} (Linux {data['release']}, {n} params)")
    _print_checks(results)
    return 0


def _print_checks(results: list[dict]) -> None:
    for res in results:
        verdict = "agree" if res["agree"] else f"{len(res['differing'])} differ"
        print(
            f"  cross-check {res['source']} (Linux {res['release']}): "
            f"{res['compared']} files compared, {verdict}"
        )


if __name__ == "__main__":
    sys.exit(main())
