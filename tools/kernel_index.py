#!/usr/bin/env python3
"""Write nested_snippets/kernel/data/index.json: every mainline Linux release the guide
covers, with the status of its data.

* ``verified``: the data's KVM files were compared blob by blob with a second,
  independent source (``provenance.crosscheck`` written by
  ``tools/extract_kernel_params.py --check``) and agree;
* ``single-source``: the data comes from one source that nothing confirmed;
* ``missing``: no sources of that release were found; nothing is guessed for it.

Usage::

    python tools/kernel_index.py [--from X.Y] [--through X.Y] [--searched-on YYYY-MM-DD]

The series runs from ``--from`` (default: the oldest data file) through ``--through``
(default: the newest data file), so adding a release's data file and running this
tool is all a new release needs.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "nested_snippets" / "kernel" / "data"
INDEX = DATA_DIR / "index.json"
SERIES = DATA_DIR / "series.json"


def last_minors() -> dict[int, int]:
    """Major -> its last minor release, from ``data/series.json`` (with its source)."""
    raw = json.loads(SERIES.read_text(encoding="utf-8"))["last_minor"]
    return {int(major): int(minor) for major, minor in raw.items()}


def series(first: tuple[int, int], through: tuple[int, int]) -> list[str]:
    """Every mainline release from ``first`` through ``through``."""
    out = []
    last_minor = last_minors()
    major, minor = first
    while (major, minor) <= through:
        out.append(f"{major}.{minor}")
        if major < through[0] and major not in last_minor:
            raise ValueError(
                f"the last {major}.x release is not known: add it to {SERIES.name} "
                f"(last_minor), then run this tool again"
            )
        if minor >= last_minor.get(major, 1 << 30):
            major, minor = major + 1, 0
        else:
            minor += 1
    return out


def parse_version(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"([0-9]{1,2})\.([0-9]{1,2})", text)
    if not m:
        raise ValueError(f"not a MAJOR.MINOR version (up to two digits each): {text[:40]!r}")
    return int(m.group(1)), int(m.group(2))


def source_of(prov: dict) -> dict:
    out = {"repo": prov["repo"]}
    for key in ("commit", "sha256", "subdir"):
        if key in prov:
            out[key] = prov[key]
    return out


def entry(version: str, path: Path) -> dict:
    raw = json.loads(path.read_text(encoding="utf-8"))
    prov = raw["provenance"]
    checks = [
        {
            "source": c["source"],
            "release": c["release"],
            "compared": c["compared"],
            "differing": len(c["differing"]),
        }
        for c in prov.get("crosscheck", [])
    ]
    agreeing = [c for c in checks if c["differing"] == 0]
    return {
        "version": version,
        "status": "verified" if agreeing else "single-source",
        "release": raw["release"],
        "source": source_of(prov),
        "checked_against": checks,
    }


def _recorded_notes() -> dict[str, str]:
    """The note of each missing release in the index as it is (kept unless re-searched)."""
    try:
        old = json.loads(INDEX.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return {r["version"]: r["note"] for r in old.get("releases", [])
            if r.get("status") == "missing" and r.get("note")}  # fmt: skip


def build(through: str | None, searched_on: str | None, first: str | None = None) -> dict:
    """The index; a missing release keeps its recorded note unless ``searched_on`` is given."""
    notes = {} if searched_on else _recorded_notes()
    searched_on = searched_on or _dt.date.today().isoformat()
    files = {p.stem[len("linux-") :]: p for p in DATA_DIR.glob("linux-*.json")}
    if not files:
        raise ValueError(f"no data files in {DATA_DIR}")
    start = parse_version(first or min(files, key=parse_version))
    last = parse_version(through or max(files, key=parse_version))
    names = series(start, last)
    if not names:
        raise ValueError(f"empty series: {'.'.join(map(str, start))} is after "
                         f"{'.'.join(map(str, last))}")  # fmt: skip
    stray = sorted(set(files) - set(names), key=parse_version)
    if stray:
        raise ValueError(f"data files outside the series {names[0]}..{names[-1]}: {stray}")
    releases = []
    for version in names:
        if version in files:
            releases.append(entry(version, files[version]))
        else:
            releases.append(
                {
                    "version": version,
                    "status": "missing",
                    "note": notes.get(
                        version, f"no public source of this release found (searched {searched_on})"
                    ),
                }
            )
    return {
        "generated_by": "tools/kernel_index.py",
        "series": f"{names[0]}..{names[-1]}",
        "releases": releases,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="first", help="first release (default: oldest data file)")
    ap.add_argument("--through", help="last release of the series (default: newest data file)")
    ap.add_argument("--searched-on", help="date the missing releases' sources were searched "
                    "(default: keep the dates in index.json; today for a new gap)")  # fmt: skip
    ap.add_argument("--check", action="store_true", help="fail if index.json is out of date")
    args = ap.parse_args(argv)
    try:
        if args.searched_on is not None:
            try:
                _dt.date.fromisoformat(args.searched_on)
            except ValueError:
                bad = args.searched_on[:40]
                raise ValueError(f"--searched-on {bad!r}: not YYYY-MM-DD") from None
        for given in (args.first, args.through):
            if given:
                parse_version(given)
        data = build(args.through, args.searched_on, args.first)
    except (ValueError, OSError, KeyError, TypeError, json.JSONDecodeError) as exc:
        print(f"kernel_index: {exc}", file=sys.stderr)
        return 1
    text = json.dumps(data, indent=1) + "\n"
    if args.check:
        if not INDEX.exists() or INDEX.read_text(encoding="utf-8") != text:
            print(
                f"kernel_index: {INDEX} is out of date; run tools/kernel_index.py", file=sys.stderr
            )
            return 1
        return 0
    INDEX.write_text(text, encoding="utf-8")
    counts: dict[str, int] = {}
    for r in data["releases"]:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    print(f"wrote {INDEX}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
