#!/usr/bin/env python3
"""The guide's benchmarks: build cost of the snippet extension, incremental rebuilds,
the snippet matrix, the real-kernel tier, ``nested-kvm check``, and page weight.

Prints every number and ratio and rewrites ``source/project-health.rst`` (a page of
the guide: tables only, no literal blocks). Nothing here is a pass/fail test: the
targets are shown next to the numbers.

1. Clean build (as ``make html``: ``-j auto -W --keep-going -n``) against a plain
   Sphinx build of the same pages with every ``snippet``/``snippet-tabs`` pasted
   inline as ``code-block``/``tabs`` markup (and the generated reference tables as
   ``list-table``), built with conf.py minus the extension. Target <= 1.2x.
2. Incremental rebuild after touching one snippet module (``os.utime``) against the
   clean build, and the pages it re-read (doctrees rewritten). Target <= 30 %.
3. Snippet matrix: ``pytest nested_snippets/snippets -n 2`` and single-process,
   median time per test item and per snippet (from JUnit XML).
4. Real-kernel tier: ``build/realkernel-timing.json`` if present.
5. ``nested-kvm check`` against ``virt-host-validate qemu`` / ``kvm-ok``:
   ``tools/bench_check.py`` if present.
6. Page weight: HTML plus the CSS, JS and images it references. Target <= 250 KB
   for the main guide page.

Usage: python tools/bench.py [--runs N] [--touch MODULE] [--skip matrix,check,...]
       [--no-write]
"""

from __future__ import annotations

import argparse
import datetime
import html.parser
import json
import os
import pickle
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SPHINX_FLAGS = ["-j", "auto", "-W", "--keep-going", "-n"]
BUILD_TARGET = 1.2
INCREMENTAL_TARGET = 0.30
MATRIX_TARGET_S = 15.0  # whole snippet matrix on 2 cores (xdist -n 2)
WEIGHT_TARGET_KB = 250
MAIN_PAGE = "index.html"
HEALTH_PAGE = REPO / "source" / "project-health.rst"
EXT_DIR = REPO / "nested_snippets" / "sphinxext"
SNIPPET_DIRECTIVES = ("snippet", "snippet-tabs")


# --- helpers ---------------------------------------------------------------------------------


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv, **kw) -> tuple[float, subprocess.CompletedProcess]:
    """Wall seconds and the finished process; ``proc.cpu`` is its CPU (user+sys) time."""
    cpu0, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, **kw)
    wall = time.perf_counter() - start
    proc.cpu = _children_cpu() - cpu0  # with -j auto this includes the worker processes
    return wall, proc


def sphinx(src: Path, confdir: Path, out: Path, flags=SPHINX_FLAGS):
    argv = [sys.executable, "-m", "sphinx", "-c", str(confdir), *flags, "-b", "html",
            "-d", str(out / "doctrees"), str(src), str(out / "html")]  # fmt: skip
    seconds, proc = run(argv)
    if proc.returncode != 0:
        raise SystemExit(f"sphinx-build failed ({src}):\n{proc.stderr[-3000:]}")
    return seconds, proc


def clean_build(src: Path, confdir: Path, out: Path, flags=SPHINX_FLAGS) -> tuple[float, float]:
    """(wall, CPU) seconds of a build into an empty directory."""
    shutil.rmtree(out, ignore_errors=True)
    wall, proc = sphinx(src, confdir, out, flags)
    return wall, proc.cpu


def extension_directives() -> list[str]:
    names = set()
    for py in EXT_DIR.glob("*.py"):
        names.update(re.findall(r"add_directive\(\s*[\"']([\w-]+)[\"']", py.read_text()))
    return sorted(names)


# --- 1. the inline ("plain Sphinx") copy of the pages ----------------------------------------


def _code_block(body, indent: str) -> list[str]:
    lines = [f"{indent}.. code-block:: {body.language}"]
    if getattr(body, "path", None):
        lines.append(f"{indent}   :caption: {body.path}")
    lines.append("")
    lines += [f"{indent}   {line}" if line else "" for line in body.text.splitlines()]
    return lines + [""]


def _snippet_markup(name: str, arg: str, options: dict[str, str], indent: str) -> list[str]:
    from nested_snippets import arches, registry

    snippet = registry.load().get(arg)
    lines: list[str] = []
    for era in snippet.eras_in(options.get("kernels", "")):
        if name == "snippet":
            lines += _code_block(era.variants[options.get("arch", "")], indent)
            continue
        lines += [f"{indent}.. tabs::", ""]
        for key in options.get("arches", "").split() or list(snippet.keys):
            lines += [f"{indent}   .. group-tab:: {arches.get(key).label}", ""]
            lines += _code_block(era.variants[key], indent + "      ")
    return lines


def _list_table(table, indent: str) -> list[str]:
    """reST list-table markup for a docutils table node from the real build."""
    from docutils import nodes

    rows = list(table.findall(nodes.row))
    theads = list(table.findall(nodes.thead))
    head = len(theads[0].children) if theads else 0
    lines = [f"{indent}.. list-table::", f"{indent}   :header-rows: {head}", ""]
    for row in rows:
        cells = [entry.astext().replace("\n", " ") or "\\ " for entry in row.children]
        lines.append(f"{indent}   * - {cells[0]}")
        lines += [f"{indent}     - {c}" for c in cells[1:]]
    return lines + [""]


def _reference_tables(doctree_dir: Path) -> dict[str, list]:
    """docname -> generated tables (class nested-reference), in document order."""
    from docutils import nodes

    tables = {}
    for path in doctree_dir.rglob("*.doctree"):
        tree = pickle.loads(path.read_bytes())
        name = path.relative_to(doctree_dir).with_suffix("").as_posix()
        tables[name] = [t for t in tree.findall(nodes.table) if "nested-reference" in t["classes"]]
    return tables


def inline_copy(dest: Path, doctree_dir: Path) -> dict[str, int]:
    """Copy source/ to dest with every extension directive replaced by plain markup."""
    shutil.copytree(REPO / "source", dest)
    names = extension_directives()
    directive = re.compile(r"^(\s*)\.\. (" + "|".join(map(re.escape, names)) + r")::\s*(.*?)\s*$")
    tables = _reference_tables(doctree_dir)
    counts = {"snippet": 0, "snippet-tabs": 0, "tables": 0, "other": 0}
    for path in sorted(dest.rglob("*.rst")):
        docname = path.relative_to(dest).with_suffix("").as_posix()
        doc_tables = list(tables.get(docname, []))
        lines = path.read_text().splitlines()
        out: list[str] = []
        i = 0
        while i < len(lines):
            m = directive.match(lines[i])
            if not m:
                out.append(lines[i])
                i += 1
                continue
            indent, name, arg = m.groups()
            options: dict[str, str] = {}
            i += 1
            block_end = i  # the directive's block: lines indented deeper, blank lines
            while block_end < len(lines) and (
                not lines[block_end].strip()
                or len(lines[block_end]) - len(lines[block_end].lstrip()) > len(indent)
            ):
                block_end += 1
            while block_end > i and not lines[block_end - 1].strip():
                block_end -= 1  # trailing blank lines belong to what follows
            for line in lines[i:block_end]:
                opt = re.match(r"\s*:([\w-]+):\s*(.*)$", line)
                if opt:
                    options[opt.group(1)] = opt.group(2)
            i = block_end
            if name in SNIPPET_DIRECTIVES:
                out += _snippet_markup(name, arg, options, indent)
                counts[name] += 1
            elif doc_tables:
                out += _list_table(doc_tables.pop(0), indent)
                counts["tables"] += 1
            else:
                out += [f"{indent}({name} {arg})", ""]
                counts["other"] += 1
        path.write_text("\n".join(out) + "\n")
    return counts


def plain_conf(dest: Path) -> None:
    """conf.py without the snippet extension (sphinx-tabs loaded directly instead)."""
    text = (REPO / "conf.py").read_text()
    text = re.sub(r"^\s*\"nested_snippets\.sphinxext\",.*$", '    "sphinx_tabs.tabs",', text,
                  flags=re.M)  # fmt: skip
    assert "nested_snippets.sphinxext" not in text, "conf.py names the extension differently"
    text = f"import sys\nsys.path.insert(0, {str(REPO)!r})\n" + text
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "conf.py").write_text(text)


# --- 2. incremental --------------------------------------------------------------------------


def doctree_mtimes(doctrees: Path) -> dict[str, int]:
    return {
        p.relative_to(doctrees).with_suffix("").as_posix(): p.stat().st_mtime_ns
        for p in doctrees.rglob("*.doctree")
    }


def incremental(work: Path, module: str, runs: int) -> dict:
    """Touch one snippet module, rebuild; the pages re-read on every run (so that
    someone editing a page meanwhile does not count)."""
    out = work / "incremental"
    shutil.rmtree(out, ignore_errors=True)
    sphinx(REPO / "source", REPO, out)
    target = REPO / "nested_snippets" / "snippets" / f"{module}.py"
    original = target.stat()
    times, cpus, pages = [], [], None
    try:
        for _ in range(runs):
            before = doctree_mtimes(out / "doctrees")
            time.sleep(0.01)
            now = time.time()
            os.utime(target, (now, now))
            seconds, proc = sphinx(REPO / "source", REPO, out)
            after = doctree_mtimes(out / "doctrees")
            times.append(seconds)
            cpus.append(proc.cpu)
            reread = {d for d in after if after[d] != before.get(d)}
            said = re.findall(r"^reading sources\.\.\. \[\s*\d+%\] (\S+)", proc.stdout, re.M)
            reread |= set(said)
            pages = reread if pages is None else pages & reread
    finally:
        os.utime(target, ns=(original.st_atime_ns, original.st_mtime_ns))
    noop, noop_proc = sphinx(REPO / "source", REPO, out)
    return {
        "module": module,
        "seconds": statistics.median(times),
        "cpu": statistics.median(cpus),
        "pages": sorted(pages or ()),
        "noop_seconds": noop,
        "noop_cpu": noop_proc.cpu,
    }


# --- 3. snippet matrix -----------------------------------------------------------------------


MATRIX_MODES = {
    "xdist -n 2": ["-n", "2", "--dist", "worksteal"],
    "single process": ["-p", "no:xdist"],
}


def matrix_run(work: Path, label: str, extra: list[str]) -> dict:
    """One run of the snippet matrix: wall and CPU seconds, load average, items."""
    xml = work / f"matrix-{label.split()[0]}.xml"
    load = os.getloadavg()[0]
    seconds, proc = run([sys.executable, "-m", "pytest", "nested_snippets/snippets", "-q",
                         *extra, f"--junitxml={xml}", "-o", "junit_family=xunit2"])  # fmt: skip
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-200:]
    runs = [ln for ln in proc.stdout.splitlines() if ln.startswith("snippet runs:")]
    items = []
    if xml.is_file():
        for case in ET.parse(xml).getroot().iter("testcase"):
            items.append((case.get("name", ""), float(case.get("time", 0))))
    return {"seconds": seconds, "cpu": proc.cpu, "load": (load, os.getloadavg()[0]),
            "summary": tail, "items": items, "ok": proc.returncode == 0,
            "runs": runs[-1] if runs else ""}  # fmt: skip


def snippet_matrix(work: Path, modes: dict[str, list[str]] = MATRIX_MODES) -> dict:
    result = {label: matrix_run(work, label, extra) for label, extra in modes.items()}
    items = next((result[label]["items"] for label in reversed(modes) if result[label]["items"]),
                 [])  # fmt: skip
    per_snippet: dict[str, float] = {}
    for name, t in items:
        per_snippet[name.split("[")[0]] = per_snippet.get(name.split("[")[0], 0.0) + t
    result["item_median"] = statistics.median(t for _, t in items) if items else None
    result["snippet_median"] = statistics.median(per_snippet.values()) if per_snippet else None
    result["n_items"], result["n_snippets"] = len(items), len(per_snippet)
    said = next((result[label]["runs"] for label in modes if result[label]["runs"]), "")
    pairs = re.match(r"snippet runs: (\d+) \(snippet, release\) pairs", said)
    result["n_pairs"] = int(pairs.group(1)) if pairs else None
    from nested_snippets import kernel

    result["n_releases"] = len(kernel.versions())
    slow = sorted(per_snippet.items(), key=lambda kv: -kv[1])[:5]
    result["slowest"] = slow
    return result


def report_matrix(m: dict) -> None:
    """The matrix lines of the report: per mode wall, CPU and load; items and releases."""
    for label in [k for k in MATRIX_MODES if k in m]:
        one = m[label]
        load = f"load average {one['load'][0]:.1f} -> {one['load'][1]:.1f}"
        print(f"snippet matrix, {label}: {fmt_s(one['seconds'])} wall, "
              f"{fmt_s(one['cpu'])} CPU, {load}  ({one['summary']})")  # fmt: skip
    if "xdist -n 2" in m:
        x = m["xdist -n 2"]["seconds"]
        verdict = "met" if x <= MATRIX_TARGET_S else "missed"
        print(f"  target: whole matrix <= {MATRIX_TARGET_S:.0f} s with -n 2: {verdict}")
    if "xdist -n 2" in m and "single process" in m:
        print(f"  speed-up with -n 2: {m['single process']['seconds'] / x:.2f}x")
    print(f"  {m.get('n_pairs') or '?'} (snippet, release) pairs in {m['n_items']} items, "
          f"{m['n_snippets']} snippets, "
          f"{m.get('n_releases', '?')} kernel releases")  # fmt: skip
    first = m[next(k for k in MATRIX_MODES if k in m)]
    print(f"  {first.get('runs') or 'snippet runs: not reported'}")
    if m["item_median"] is not None:
        print(f"  median per item {m['item_median'] * 1000:.1f} ms, per snippet "
              f"{m['snippet_median'] * 1000:.1f} ms")  # fmt: skip


# --- 4/5. other engineers' timings -----------------------------------------------------------


def realkernel() -> dict | None:
    path = REPO / "build" / "realkernel-timing.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError:
        return None


CHECK_ROW = re.compile(
    r"^(?P<name>.+?)\s+(?P<wall>[\d.]+)ms\s+(?P<min>[\d.]+)ms\s+(?P<cpu>[\d.]+)ms\s+(?P<ratio>[\d.]+)x$"
)


def check_tools(runs: int) -> dict | None:
    script = REPO / "tools" / "bench_check.py"
    if not script.is_file():
        return None
    _, proc = run([sys.executable, str(script), "--runs", str(runs)])
    rows, notes = [], []
    for line in proc.stdout.splitlines():
        m = CHECK_ROW.match(line.strip())
        if m:
            rows.append(m.groupdict())
        elif line.strip() and not line.startswith("command"):
            notes.append(line.strip())
    if proc.returncode != 0 and not rows:
        notes.append(f"tools/bench_check.py exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return {"rows": rows, "notes": notes}


def lint_bench() -> list[str]:
    """``tools/bench_lint.py``'s lines: ``nested-kvm lint`` on 10 MB hostile files."""
    script = REPO / "tools" / "bench_lint.py"
    if not script.is_file():
        return []
    _, proc = run([sys.executable, str(script)])
    return [ln.strip() for ln in proc.stdout.splitlines() if ln.strip()]


# --- 6. page weight --------------------------------------------------------------------------


class _Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href") and (a.get("rel") or "") in ("stylesheet", "icon"):
            self.refs.append(a["href"])
        elif tag in ("script", "img", "source") and a.get("src"):
            self.refs.append(a["src"])


def _resolve(base: Path, root: Path, ref: str) -> Path | None:
    parts = urlsplit(ref)
    if parts.scheme or ref.startswith("//"):
        return None
    p = unquote(parts.path)
    target = root / p.lstrip("/") if p.startswith("/") else (base.parent / p)
    target = target.resolve()
    return target if target.is_file() else None


def page_weights(root: Path) -> list[tuple[str, int, int]]:
    """(page, html bytes, total bytes incl. referenced CSS/JS/images and CSS url()s)."""
    out = []
    for page in sorted(root.rglob("*.html")):
        rel = page.relative_to(root).as_posix()
        if rel.startswith("_"):
            continue
        parser = _Refs()
        parser.feed(page.read_text())
        files = {page.resolve()}
        queue = [t for r in parser.refs if (t := _resolve(page, root, r))]
        while queue:
            f = queue.pop()
            if f in files:
                continue
            files.add(f)
            if f.suffix == ".css":
                for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", f.read_text(errors="replace")):
                    if not ref.startswith("data:") and (t := _resolve(f, root, ref)):
                        queue.append(t)
        out.append((rel, page.stat().st_size, sum(f.stat().st_size for f in files)))
    return out


# --- report ----------------------------------------------------------------------------------


def rst_table(title: str, header: list[str], rows: list[list[str]], widths=None) -> list[str]:
    lines = [f".. list-table:: {title}", "   :header-rows: 1"]
    if widths:
        lines.append(f"   :widths: {' '.join(map(str, widths))}")
    lines.append("")
    for row in [header, *rows]:
        row = [c or "–" for c in row]  # an empty cell would be trailing whitespace
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {c}" for c in row[1:]]
    return lines + [""]


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def rst_text(text: str) -> str:
    """``text`` (a line another script printed) as plain text in reStructuredText: the
    characters that would start inline markup are escaped (``sum(range(10**7))``)."""
    return re.sub(r"([\\*`|_])", r"\\\1", text)


def write_page(r: dict) -> str:
    lines = [
        ".. SPDX-License-Identifier: GPL-2.0",
        "",
        "==============",
        "Project health",
        "==============",
        "",
        "How long the guide takes to build and test, and how heavy its pages are.",
        "This page is written by ``tools/bench.py`` (``make bench``); rerun it to",
        "refresh the numbers. They are measurements on one machine, not test",
        "assertions: the targets are shown for comparison.",
        "",
        f"Measured on {r['date']} on a machine with {r['nproc']} CPUs",
        f"({r['machine']}, Python {r['python']}). Build times are the median of {r['runs']} runs,",
        f"the checker's times the median of {r.get('check_runs', '?')} interleaved rounds, and",
        "the snippet matrix (each mode) and lint (each file) ran once.",
        "",
        "Building the guide",
        "==================",
        "",
        "A clean build, as ``make html`` runs it, against a plain Sphinx build of the",
        "same pages with every command and configuration file pasted into the page",
        "instead of coming from a snippet module. An incremental build follows",
        f"a touch of the snippet module ``{r['incr']['module']}.py``.",
        "",
    ]
    b, incr = r["build"], r["incr"]
    ratio = b["guide"] / b["plain"]
    inc_ratio = incr["seconds"] / b["guide"]
    lines += rst_table(
        "Build times",
        ["Build", "Time", "Ratio", "Target"],
        [
            [
                "Clean, with the snippet extension",
                fmt_s(b["guide"]),
                f"{ratio:.2f}x plain",
                f"at most {BUILD_TARGET}x",
            ],
            ["Clean, plain Sphinx (snippets pasted inline)", fmt_s(b["plain"]), "1.00x", ""],
            [
                "CPU time of the clean build, with the extension",
                fmt_s(b["guide_cpu"]),
                f"{b['guide_cpu'] / b['plain_cpu']:.2f}x plain",
                f"at most {BUILD_TARGET}x",
            ],
            ["CPU time of the clean build, plain Sphinx", fmt_s(b["plain_cpu"]), "1.00x", ""],
            [
                f"Incremental after touching {incr['module']}.py",
                fmt_s(incr["seconds"]),
                f"{inc_ratio:.0%} of clean",
                f"at most {INCREMENTAL_TARGET:.0%}",
            ],
            [
                f"CPU time, incremental after touching {incr['module']}.py",
                fmt_s(incr["cpu"]),
                f"{incr['cpu'] / b['guide_cpu']:.0%} of clean",
                f"at most {INCREMENTAL_TARGET:.0%}",
            ],
            [
                "Incremental with nothing changed (start-up, environment)",
                fmt_s(incr["noop_seconds"]),
                f"{incr['noop_seconds'] / b['guide']:.0%} of clean",
                "",
            ],
        ],  # fmt: skip
        [40, 12, 16, 14],
    )
    pages = ", ".join(f":doc:`/{p}`" for p in incr["pages"]) or "none"
    lines += [
        "An incremental build cannot take less than a build with nothing to do: Python,",
        "Sphinx and the theme start, and the saved environment is loaded. On a guide of",
        f"{r['n_docs']} pages that fixed part is a large share of a clean build; it stays",
        "the same as pages are added, while the clean build grows.",
        "",
        f"Pages re-read after touching ``{incr['module']}.py`` "
        f"({len(incr['pages'])} of {r['n_docs']}): {pages}.",
        "",
        f"The plain copy replaced {b['counts']['snippet']} ``snippet`` and "
        f"{b['counts']['snippet-tabs']} ``snippet-tabs`` directives and "
        f"{b['counts']['tables']} generated reference tables.",
        "",
    ]
    m = r.get("matrix")
    lines += ["Testing the snippets", "====================", ""]
    if m:
        rows = [[label, fmt_s(m[label]["seconds"]), fmt_s(m[label]["cpu"]),
                 f"{m[label]['load'][0]:.1f}", m[label]["summary"]]
                for label in ("xdist -n 2", "single process")]  # fmt: skip
        rows[0][4] += f" (target: at most {MATRIX_TARGET_S:.0f} s on 2 cores)"
        lines += rst_table("Snippet matrix", ["Run", "Wall time", "CPU time", "Load", "Result"],
                           rows, [20, 12, 12, 8, 50])  # fmt: skip
        lines += [
            f"{m.get('n_pairs') or '?'} (snippet, release) pairs in {m['n_items']} test "
            f"items (one per snippet and vendor, or procedure and architecture) from "
            f"{m['n_snippets']} snippets and {m['n_releases']} kernel releases (each "
            "snippet runs for every vendor and kernel release in its range).",
            f"Median per test item: {m['item_median'] * 1000:.1f} ms; median per snippet "
            f"(all its items): {m['snippet_median'] * 1000:.1f} ms.",
            "",
        ]
        if m["slowest"]:
            lines += rst_table(
                "Slowest snippets (all items, single process)",
                ["Snippet", "Time"],
                [[f"``{name}``", f"{t * 1000:.0f} ms"] for name, t in m["slowest"]],
            )
    else:
        lines += ["The snippet matrix was skipped in this run of ``tools/bench.py``.", ""]
    rk = r.get("realkernel")
    lines += ["Real kernels", "============", ""]
    if rk:
        rows = [[name, k.get("release", ""), fmt_s(k.get("boot_seconds", 0))]
                for name, k in sorted(rk.get("kernels", {}).items())]  # fmt: skip
        rows.append(["whole tier", "", fmt_s(rk.get("wall_seconds", 0))])
        lines += rst_table("Real-kernel tier (QEMU TCG)", ["Kernel", "Release", "Time"], rows)
        for name, why in sorted(rk.get("skipped", {}).items()):
            lines += [f"Skipped {name}: {why}", ""]
    else:
        lines += [
            "The real-kernel tier has not been run (no ``build/realkernel-timing.json``).",
            "",
        ]
    ct = r.get("check")
    lines += ["The nested-kvm checker", "======================", ""]
    lines += ["How to install it: :ref:`install-checker`.", ""]
    if ct and ct["rows"]:
        rows = [[c["name"], f"{float(c['wall']):.1f} ms", f"{float(c['cpu']):.1f} ms",
                 f"{float(c['ratio']):.2f}x"] for c in ct["rows"]]  # fmt: skip
        lines += rst_table(
            "nested-kvm check against other checkers",
            ["Command", "Wall (median)", "CPU (median)", "nested-kvm check / it"],
            rows,
        )
        lines += [" ".join(n.rstrip(".") + "." for n in ct["notes"]), ""] if ct["notes"] else []
    else:
        why = "; ".join(ct["notes"]) if ct else "``tools/bench_check.py`` is not there yet"
        if "check" in r["skipped"]:
            why = "skipped in this run of ``tools/bench.py``"
        lines += [f"Not run: {why}", ""]
    if r.get("lint"):
        lines += ["``nested-kvm lint`` on 10 MB of hostile ``modprobe.d`` input, and on"
                  " 2.5 MB of it (``tools/bench_lint.py``; targets: linear time, at most"
                  " 2 s each):", ""]  # fmt: skip
        lines += [f"- {rst_text(ln)}" for ln in r["lint"]] + [""]
    lines += ["Page weight", "===========", ""]
    lines += [
        "Each page's HTML plus the style sheets, scripts and images it loads (the",
        f"search page includes its index). Target: at most {WEIGHT_TARGET_KB} KB for the",
        "main page.",
        "",
    ]
    rows = []
    for page, html_b, total in sorted(r["weights"], key=lambda w: -w[2]):
        mark = f" (target {WEIGHT_TARGET_KB} KB)" if page == MAIN_PAGE else ""
        rows.append([f"``{page}``", f"{html_b / 1024:.1f} KB", f"{total / 1024:.1f} KB{mark}"])
    lines += rst_table("Page weight", ["Page", "HTML", "With assets"], rows, [40, 15, 30])
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="clean builds per variant (median)")
    ap.add_argument("--touch", default="enable", help="snippet module for the incremental run")
    ap.add_argument("--check-runs", type=int, default=7, help="rounds for tools/bench_check.py")
    ap.add_argument("--skip", default="", help="comma list: matrix, check, lint")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--only-matrix", action="store_true",
                    help="only the snippet matrix (-n 2; with --single also one process); "
                    "prints, writes no page")  # fmt: skip
    ap.add_argument("--single", action="store_true", help="with --only-matrix: also -p no:xdist")
    ap.add_argument("-k", dest="select", default="",
                    help="with --only-matrix: a subset (pytest -k EXPR)")  # fmt: skip
    args = ap.parse_args()
    if args.only_matrix:
        modes = MATRIX_MODES if args.single else {"xdist -n 2": MATRIX_MODES["xdist -n 2"]}
        if args.select:
            modes = {label: [*extra, "-k", args.select] for label, extra in modes.items()}
        with tempfile.TemporaryDirectory(prefix="nested-kvm-bench-") as tmp:
            print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
                  f"{os.cpu_count()} CPUs, Python {platform.python_version()}")  # fmt: skip
            m = snippet_matrix(Path(tmp), modes)
        report_matrix(m)
        return 0 if all(m[label]["ok"] for label in modes) else 1
    skip = set(filter(None, args.skip.split(",")))
    r: dict = {
        "date": datetime.date.today().isoformat(),
        "nproc": os.cpu_count(),
        "machine": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "runs": args.runs,
        "check_runs": args.check_runs,
        "skipped": sorted(skip),
    }
    with tempfile.TemporaryDirectory(prefix="nested-kvm-bench-") as tmp:
        work = Path(tmp)
        print("clean builds: guide and plain Sphinx copy, interleaved ...", flush=True)
        warm = work / "guide" / "warm-up"
        sphinx(REPO / "source", REPO, warm)  # also gives the tables for the inline copy
        counts = inline_copy(work / "plain" / "source", warm / "doctrees")
        plain_conf(work / "plain" / "conf")
        plain_src, plain_confdir = work / "plain" / "source", work / "plain" / "conf"
        plain_flags = ["-j", "auto", "--keep-going", "-n"]
        sphinx(plain_src, plain_confdir, work / "plain" / "warm-up", plain_flags)
        guide_runs, plain_runs = [], []
        for _ in range(args.runs):  # alternate, so that other load hits both alike
            guide_runs.append(clean_build(REPO / "source", REPO, work / "guide" / "run"))
            plain_runs.append(
                clean_build(plain_src, plain_confdir, work / "plain" / "run", plain_flags)
            )
        r["build"] = {
            "guide": statistics.median(w for w, _ in guide_runs),
            "plain": statistics.median(w for w, _ in plain_runs),
            "guide_cpu": statistics.median(c for _, c in guide_runs),
            "plain_cpu": statistics.median(c for _, c in plain_runs),
            "counts": counts,
            "guide_all": [w for w, _ in guide_runs],
            "plain_all": [w for w, _ in plain_runs],
        }
        r["n_docs"] = len(list((warm / "doctrees").rglob("*.doctree")))
        r["weights"] = page_weights(warm / "html")
        print(f"incremental build after touching {args.touch}.py ...", flush=True)
        r["incr"] = incremental(work, args.touch, args.runs)
        if "matrix" not in skip:
            print("snippet matrix (xdist and single process) ...", flush=True)
            r["matrix"] = snippet_matrix(work)
        r["realkernel"] = realkernel()
        if "check" not in skip:
            print("nested-kvm check vs virt-host-validate / kvm-ok ...", flush=True)
            r["check"] = check_tools(args.check_runs)
        if "lint" not in skip:
            print("nested-kvm lint on 10 MB files ...", flush=True)
            r["lint"] = lint_bench()
    report(r)
    if not args.no_write:
        HEALTH_PAGE.write_text(write_page(r))
        print(f"\nwrote {HEALTH_PAGE.relative_to(REPO)}")
    return 0


def report(r: dict) -> None:
    b, incr = r["build"], r["incr"]
    print()
    print(f"{r['date']}, {r['nproc']} CPUs, Python {r['python']}")
    print(f"clean build, guide:        {fmt_s(b['guide'])}  (runs: "
          f"{', '.join(f'{t:.2f}' for t in b['guide_all'])})")  # fmt: skip
    print(f"clean build, plain Sphinx: {fmt_s(b['plain'])}  (runs: "
          f"{', '.join(f'{t:.2f}' for t in b['plain_all'])})")  # fmt: skip
    print(
        f"  ratio guide / plain: {b['guide'] / b['plain']:.2f}x wall, "
        f"{b['guide_cpu'] / b['plain_cpu']:.2f}x CPU ({fmt_s(b['guide_cpu'])} / "
        f"{fmt_s(b['plain_cpu'])})  (target <= {BUILD_TARGET}x)"
    )
    print(
        f"incremental after touching {incr['module']}.py: {fmt_s(incr['seconds'])} = "
        f"{incr['seconds'] / b['guide']:.0%} of clean (target <= {INCREMENTAL_TARGET:.0%})"
    )
    print(f"  re-read {len(incr['pages'])}/{r['n_docs']} pages: {', '.join(incr['pages'])}")
    print(
        f"  CPU: {fmt_s(incr['cpu'])} = {incr['cpu'] / b['guide_cpu']:.0%} of the clean build's CPU"
    )
    print(
        f"incremental, nothing changed: {fmt_s(incr['noop_seconds'])} "
        f"(CPU {fmt_s(incr['noop_cpu'])} = {incr['noop_cpu'] / b['guide_cpu']:.0%})"
    )
    if r.get("matrix"):
        report_matrix(r["matrix"])
    rk = r.get("realkernel")
    print(f"real-kernel tier: {fmt_s(rk['wall_seconds']) if rk else 'not run'}")
    ct = r.get("check")
    if ct is None:
        why = "skipped" if "check" in r["skipped"] else "tools/bench_check.py missing"
        print(f"nested-kvm check vs others: not run ({why})")
    else:
        for c in ct["rows"]:
            print(f"  {c['name']:<28} {float(c['wall']):8.1f} ms  ratio {float(c['ratio']):.2f}x")
        for n in ct["notes"]:
            print(f"  {n}")
    for line in r.get("lint") or []:
        print(f"  {line}")
    main_w = [w for w in r["weights"] if w[0] == MAIN_PAGE]
    heaviest = max(r["weights"], key=lambda w: w[2])
    if main_w:
        print(f"page weight {MAIN_PAGE}: {main_w[0][2] / 1024:.1f} KB "
              f"(target <= {WEIGHT_TARGET_KB} KB)")  # fmt: skip
    print(f"heaviest page: {heaviest[0]} {heaviest[2] / 1024:.1f} KB")


if __name__ == "__main__":
    sys.exit(main())
