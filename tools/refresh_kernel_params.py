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

``--module KEY`` adds a module the data lacks (a data key the architecture rows
gained, such as arm64's built-in ``arm64/kvm``), extracted from the same source::

    python tools/refresh_kernel_params.py nested_snippets/kernel/data/linux-7.0.json \
        --git-dir /work/.mirror/x+linux-7.0/repo --rev <commit> \
        --label x/linux-7.0 --module arm64/kvm

The tree must be the data's own source (its commit, or ``--sha256`` equal to the
recorded tarball's), and every file the extraction read that the provenance records
must have the recorded blob id.  The files read are added to
``provenance.files``, and the ``refreshed`` record lists them under ``added``.

When no tree of the data's release is at hand, ``--bracket LABEL=GITDIR@REV`` names
a second one, so that the two releases enclose the data's (6.1-rc7 and 6.1.15 for
6.1.4).  The module is added only when both trees give it the same entries, and the
file of each parameter's ``source`` has the same blob id in both (the data's, where
it records one).  Of the other files read, those with the same blob id in both are
added; those that differ are listed under ``unpinned`` (the release's own copy is
unknown, and the entries did not depend on the difference).

``--kconfig`` adds the data's ``kconfig`` section (how the Kconfig files of the
architectures treat each symbol the parameters' guards name, see the extractor's
``extract_kconfig``) from the data's own source, or, with ``--bracket``, from two
trees that enclose its release and give the same section; the Kconfig files read are
added to ``provenance.files`` as ``--module`` adds its files.
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


def add_module(data: dict, extracted: dict, key: str, read: dict[str, str],
               where: str) -> dict:  # fmt: skip
    """Add module ``key`` of ``extracted`` to ``data`` in place; ``read`` are the blob
    ids of the files the extraction read.  Returns the record of what was added."""
    if key in data["modules"]:
        raise RefreshError(f"{where}: {key} is already in the data")
    if key not in extracted["modules"]:
        raise RefreshError(f"{where}: the tree has no module {key}")
    recorded = data["provenance"]["files"]
    clash = sorted(p for p, blob in read.items() if p in recorded and recorded[p] != blob)
    if clash:
        raise RefreshError(f"{where}: {key}: the tree's {clash[0]} is not the blob the data "
                           f"records ({len(clash)} such files)")  # fmt: skip
    added = {p: blob for p, blob in sorted(read.items()) if p not in recorded}
    data["modules"][key] = extracted["modules"][key]
    data["provenance"]["files"] = dict(sorted({**recorded, **added}.items()))
    _drop_missing(data, key)
    return {"module": key, "added": added}


def release_key(release: str) -> tuple[int, ...]:
    """Order of kernel releases: ``6.1.0-rc7`` < ``6.1.0`` < ``6.1.4``."""
    m = re.match(r"(\d+)\.(\d+)\.(\d+)(-rc(\d+))?", release)
    if not m:
        raise RefreshError(f"not a kernel release: {release!r}")
    rc = int(m.group(5)) if m.group(4) else 1000
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), rc


def module_reads(ex, tree, key: str) -> tuple[dict, dict[str, str]]:
    """Module ``key`` of ``tree`` and the blob ids of the files its extraction read."""
    features = ex.FeatureNames(tree)
    tree.read_files.clear()
    return ex.extract_module(tree, key, features), dict(tree.read_files)


def _check_enclose(data: dict, one: str, two: str, where: str) -> None:
    """Refuse two releases that do not enclose the data's own."""
    low, high = sorted((one, two), key=release_key)
    if not release_key(low) <= release_key(data["release"]) <= release_key(high):
        raise RefreshError(f"{where}: Linux {low} and {high} do not enclose {data['release']}")


def add_bracketed(data: dict, key: str, one: tuple[str, dict, dict], two: tuple[str, dict, dict],
                  where: str) -> dict:  # fmt: skip
    """Add module ``key`` from two trees whose releases enclose the data's: each of
    ``one``/``two`` is (release, module entry, blob ids read)."""
    if key in data["modules"]:
        raise RefreshError(f"{where}: {key} is already in the data")
    _check_enclose(data, one[0], two[0], where)
    if one[1] != two[1]:
        raise RefreshError(f"{where}: {key} differs between Linux {one[0]} and {two[0]}")
    recorded = data["provenance"]["files"]
    a, b = one[2], two[2]
    for p in one[1]["params"]:
        path = p["source"].rsplit(":", 1)[0]
        if a.get(path) != b.get(path) or recorded.get(path, a.get(path)) != a.get(path):
            raise RefreshError(f"{where}: {key} {p['name']}: {path} is not one blob")
    added = {p: blob for p, blob in sorted(a.items()) if p not in recorded and b.get(p) == blob}
    unpinned = sorted(p for p in {*a, *b} if p not in recorded and p not in added)
    data["modules"][key] = one[1]
    data["provenance"]["files"] = dict(sorted({**recorded, **added}.items()))
    _drop_missing(data, key)
    return {"module": key, "added": added, "unpinned": unpinned}


def add_kconfig(data: dict, section: dict, read: dict[str, str], where: str) -> dict:
    """Add the ``kconfig`` section to ``data`` in place; ``read`` are the blob ids of
    the Kconfig files read.  Returns the record of what was added."""
    if "kconfig" in data:
        raise RefreshError(f"{where}: the data already has its kconfig section")
    recorded = data["provenance"]["files"]
    clash = sorted(p for p, blob in read.items() if p in recorded and recorded[p] != blob)
    if clash:
        raise RefreshError(f"{where}: kconfig: the tree's {clash[0]} is not the blob the data "
                           "records")  # fmt: skip
    added = {p: blob for p, blob in sorted(read.items()) if p not in recorded}
    data["kconfig"] = section
    data["provenance"]["files"] = dict(sorted({**recorded, **added}.items()))
    return {"kconfig": sorted(section), "added": added}


def kconfig_reads(ex, tree, data: dict) -> tuple[dict, dict[str, str]]:
    """The ``kconfig`` section ``tree`` gives for the data's guards, and the blob ids read."""
    tree.read_files.clear()
    section = ex.extract_kconfig(tree, ex.guard_symbols(data["modules"]))
    return section, dict(tree.read_files)


def add_kconfig_bracketed(data: dict, one: tuple[str, dict, dict], two: tuple[str, dict, dict],
                          where: str) -> dict:  # fmt: skip
    """The ``kconfig`` section from two trees whose releases enclose the data's: each of
    ``one``/``two`` is (release, section, blob ids read); they must give the same section."""
    _check_enclose(data, one[0], two[0], where)
    if one[1] != two[1]:
        raise RefreshError(f"{where}: kconfig differs between Linux {one[0]} and {two[0]}")
    a, b = one[2], two[2]
    same = {p: blob for p, blob in a.items() if b.get(p) == blob}
    done = add_kconfig(data, one[1], same, where)
    done["unpinned"] = sorted(p for p in {*a, *b} if p not in same)
    return done


def _drop_missing(data: dict, key: str) -> None:
    """Forget the data's note that ``key``'s sources were not found (it has them now)."""
    left = [m for m in data.get("missing", []) if not m.startswith(f"{key}:")]
    if left:
        data["missing"] = left
    else:
        data.pop("missing", None)


def _same_source(data: dict, commit: str | None, sha256: str | None, release: str,
                 where: str) -> None:  # fmt: skip
    prov = data["provenance"]
    if commit is not None and prov.get("commit") == commit:
        return
    if sha256 is not None and prov.get("sha256") == sha256:
        return
    raise RefreshError(f"{where}: the tree is not the data's source (Linux {release}, "
                       f"commit {commit}); --bracket takes two other trees")  # fmt: skip


def _add(ex, args, tree, data: dict, extracted: dict, release: str, where: str) -> dict:
    """``--module``: from the data's own source, or from two bracketing trees."""
    if not args.bracket:
        _same_source(data, getattr(tree, "rev", None), args.sha256, release, where)
        return add_module(data, extracted, args.module, tree.read_files, where)
    label2, _, loc = args.bracket.partition("=")
    gdir, _, rev2 = loc.rpartition("@")
    other = ex.GitTree(gdir, rev2)
    one = (release, *module_reads(ex, tree, args.module))
    two = (ex.kernel_release(other), *module_reads(ex, other, args.module))
    done = add_bracketed(data, args.module, one, two, where)
    done["with"] = {"from": label2, "release": two[0], "commit": other.rev}
    return done


def _add_kconfig(ex, args, tree, data: dict, release: str, where: str) -> dict:
    """``--kconfig``: from the data's own source, or from two bracketing trees."""
    if not args.bracket:
        _same_source(data, getattr(tree, "rev", None), args.sha256, release, where)
        return add_kconfig(data, *kconfig_reads(ex, tree, data), where)
    label2, _, loc = args.bracket.partition("=")
    gdir, _, rev2 = loc.rpartition("@")
    other = ex.GitTree(gdir, rev2)
    one = (release, *kconfig_reads(ex, tree, data))
    two = (ex.kernel_release(other), *kconfig_reads(ex, other, data))
    done = add_kconfig_bracketed(data, one, two, where)
    done["with"] = {"from": label2, "release": two[0], "commit": other.rev}
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
    ap.add_argument("--subdir", default="", help="folder of the commit holding the kernel tree")
    ap.add_argument("--sha256", help="SHA-256 of the tarball an unpacked --source came from")
    ap.add_argument("--label", required=True, help="OWNER/NAME of the tree, for provenance")
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--param", action="append", help='"arch/module name"')
    what.add_argument("--module", help="a module key the data lacks (arm64/kvm)")
    what.add_argument(
        "--kconfig",
        action="store_true",
        help="add the kconfig section (the guards' Kconfig symbols)",
    )
    ap.add_argument(
        "--bracket",
        metavar="LABEL=GITDIR@REV",
        help="--module from two trees whose releases enclose the data's",
    )
    ap.add_argument("--on", default=_dt.date.today().isoformat())
    args = ap.parse_args(argv)
    ex = _extractor()
    path = Path(args.data)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        tree = (ex.GitTree(args.tree, args.rev, args.subdir) if args.subdir
                else ex.open_tree(args.tree, args.rev))  # fmt: skip
        commit = getattr(tree, "rev", None)
        if args.sha256 is not None and not re.fullmatch(r"[0-9a-f]{64}", args.sha256):
            raise RefreshError("--sha256 must be 64 hex digits")
        if commit is None and args.sha256 is None:
            raise RefreshError(f"{args.tree} is not a git directory: give --sha256 of the "
                               "tarball it was unpacked from")  # fmt: skip
        version = data["version"]
        release = ex.kernel_release(tree)
        if args.kconfig:
            if not release.startswith(version + "."):
                raise RefreshError(f"{path}: the tree is Linux {release}, not {version}")
            done = _add_kconfig(ex, args, tree, data, release, str(path))
        else:
            done = _refresh_or_add(ex, args, tree, data, version, release, commit, path)
    except (OSError, ValueError, KeyError, ex.ExtractError, RefreshError) as exc:
        print(f"refresh_kernel_params: {exc}", file=sys.stderr)
        return 1
    return _record(args, data, path, release, commit, done)


def _refresh_or_add(ex, args, tree, data, version, release, commit, path) -> dict | list:
    """``--module`` or ``--param``."""
    extracted = ex.extract(tree, version, args.label, commit, args.on, args.sha256)
    if args.module:
        return _add(ex, args, tree, data, extracted, release, str(path))
    paths = {p["source"].rsplit(":", 1)[0] for m in data["modules"].values()
             for p in m["params"]}  # fmt: skip
    return refresh(data, extracted, args.param, ex.blob_ids(tree, paths), str(path))


def _record(args, data: dict, path: Path, release: str, commit: str | None, done) -> int:
    """Record what was done in ``provenance.refreshed`` and write the data file."""
    record = {"by": SCRIPT_NAME, "on": args.on, "from": args.label, "release": release,
              "commit": commit}  # fmt: skip
    if args.sha256 is not None:
        record["sha256"] = args.sha256
    if args.subdir:
        record["subdir"] = args.subdir
    entry = {**record, **done} if isinstance(done, dict) else {**record, "params": done}
    data["provenance"].setdefault("refreshed", []).append(entry)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.kconfig:
        print(f"added kconfig ({len(done['added'])} files more) to {path}")
    elif args.module:
        print(f"added {args.module} ({len(done['added'])} files more) to {path}")
    else:
        print(f"refreshed {', '.join(d['param'] for d in done)} in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
