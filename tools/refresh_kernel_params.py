#!/usr/bin/env python3
"""Re-apply the extractor's current rules to parameters of an existing data file.

When ``tools/extract_kernel_params.py`` learns a rule, a data file can be brought up
to date without its original sources, from any tree whose file holding the
parameter has the same git blob id as the data's provenance records::

    python tools/refresh_kernel_params.py nested_snippets/kernel/data/linux-6.19.json \\
        --git-dir /work/.mirror/x+linux-6.19.10/repo --rev HEAD \\
        --label x/linux-6.19.10 --param "x86/kvm_amd avic"

A tree unpacked from a tarball (Debian's ``linux_7.2.6.orig.tar.xz``, say) is read
the same way; ``--sha256`` then names the tarball, since such a tree has no commit::

    python tools/refresh_kernel_params.py nested_snippets/kernel/data/linux-7.2.json \\
        --source build/src/linux-7.2.6 --sha256 1819c494... \\
        --label debian:linux_7.2.6.orig.tar.xz --param "x86/kvm_amd avic"

For each ``--param`` the tree is extracted with the current rules and the new entry
replaces the old one only when (1) the file of the parameter's ``source`` line has
the blob id the provenance records, and (2) the two entries agree on everything
but ``default`` and the notes in ``runtime`` (the new notes must contain the old
ones).  Anything else is refused with one message naming the data file and the
parameter.  ``provenance.refreshed`` records the tree (its commit, or the
tarball's SHA-256), the parameters, the file and its blob id, and the date; the
rest of the file (crosscheck, messages) is kept.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.util
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPT_NAME = "tools/refresh_kernel_params.py"
CHANGEABLE = ("default", "runtime")


def _extractor():
    spec = importlib.util.spec_from_file_location("extract_kernel_params", HERE /
                                                  "extract_kernel_params.py")  # fmt: skip
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("extract_kernel_params", mod)
    spec.loader.exec_module(mod)
    return mod


class RefreshError(Exception):
    """A refusal: one message naming the data file and the parameter."""


def _notes(runtime: str | None) -> list[str]:
    return [n for n in (runtime or "").split("; ") if n]


def refresh_entry(old: dict, new: dict, where: str) -> dict:
    """The old entry with ``default``/``runtime`` from ``new``; refuses any other change."""
    others = sorted(
        k for k in set(old) | set(new) if k not in CHANGEABLE and old.get(k) != new.get(k)
    )
    if others:
        raise RefreshError(f"{where}: the tree's entry differs in {', '.join(others)}")
    old_notes, new_notes = _notes(old.get("runtime")), _notes(new.get("runtime"))
    if any(n not in new_notes for n in old_notes):
        raise RefreshError(f"{where}: the tree's runtime notes drop some of the data's")
    return {**old, "default": new.get("default"), "runtime": new.get("runtime")}


def refresh(data: dict, extracted: dict, params: list[str], blobs: dict[str, str],
            where: str) -> list[dict]:  # fmt: skip
    """Refresh ``params`` ("arch/module name") of ``data`` in place from ``extracted``;
    ``blobs`` are the tree's blob ids by path.  Returns what was refreshed."""
    done = []
    recorded = data["provenance"]["files"]
    for spec in params:
        key, _, name = spec.partition(" ")
        label = f"{where}: {spec}"
        try:
            old_list = data["modules"][key]["params"]
            new_list = extracted["modules"][key]["params"]
        except KeyError:
            raise RefreshError(f"{label}: no module {key!r} in both") from None
        old = next((p for p in old_list if p["name"] == name), None)
        new = next((p for p in new_list if p["name"] == name), None)
        if old is None or new is None:
            raise RefreshError(f"{label}: the parameter is not in both")
        path = old["source"].rsplit(":", 1)[0]
        if path not in recorded or blobs.get(path) != recorded[path]:
            raise RefreshError(f"{label}: {path} in the tree is not the blob the data records")
        old_list[old_list.index(old)] = refresh_entry(old, new, label)
        done.append({"param": spec, "file": path, "blob": recorded[path]})
    return done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", help="the data file to refresh (nested_snippets/kernel/data/...)")
    ap.add_argument(
        "--git-dir",
        "--source",
        dest="tree",
        required=True,
        help="git directory holding the tree, or an unpacked source tree",
    )
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--sha256", help="SHA-256 of the tarball an unpacked --source came from")
    ap.add_argument("--label", required=True, help="OWNER/NAME of the tree, for provenance")
    ap.add_argument("--param", action="append", required=True, help='"arch/module name"')
    ap.add_argument("--on", default=_dt.date.today().isoformat())
    args = ap.parse_args(argv)
    ex = _extractor()
    path = Path(args.data)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        tree = ex.open_tree(args.tree, args.rev)
        commit = getattr(tree, "rev", None)
        if args.sha256 is not None and not re.fullmatch(r"[0-9a-f]{64}", args.sha256):
            raise RefreshError("--sha256 must be 64 hex digits")
        if commit is None and args.sha256 is None:
            raise RefreshError(f"{args.tree} is not a git directory: give --sha256 of the "
                               "tarball it was unpacked from")  # fmt: skip
        version = data["version"]
        release = ex.kernel_release(tree)
        extracted = ex.extract(tree, version, args.label, commit, args.on, args.sha256)
        paths = {p["source"].rsplit(":", 1)[0] for m in data["modules"].values()
                 for p in m["params"]}  # fmt: skip
        done = refresh(data, extracted, args.param, ex.blob_ids(tree, paths), str(path))
    except (OSError, ValueError, KeyError, ex.ExtractError, RefreshError) as exc:
        print(f"refresh_kernel_params: {exc}", file=sys.stderr)
        return 1
    record = {"by": SCRIPT_NAME, "on": args.on, "from": args.label, "release": release,
              "commit": commit}  # fmt: skip
    if args.sha256 is not None:
        record["sha256"] = args.sha256
    data["provenance"].setdefault("refreshed", []).append({**record, "params": done})
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"refreshed {', '.join(d['param'] for d in done)} in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
