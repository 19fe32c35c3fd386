#!/usr/bin/env python3
"""Record which kernel log wordings and source facts a Linux release's sources contain.

For every C fragment named by ``Variant.probe`` in ``nested_snippets/kernel/messages.py``
and by the facts of ``nested_snippets/kernel/probes.py``, the ``messages`` section of
``nested_snippets/kernel/data/linux-<version>.json`` gets ``path:line`` of its first
occurrence in the tree (fragments the tree lacks are left out). The tree must be the
one the data file was extracted from: its release must match and every KVM file the
data names in ``provenance.files`` must have the same git blob id.

    python tools/extract_kernel_messages.py --source DIR --version 6.6
    python tools/extract_kernel_messages.py --git-dir PATH --rev COMMIT --version 6.6

``--partial LABEL`` reads another tree of the release (when the data's own source
cannot be had again): only the files whose blob ids equal the data's (and the files
outside ``provenance.files``, named in ``provenance.probes_partial``) are scanned, and
only for fragments the data has not recorded yet; fragments already recorded keep the
value read from the data's own source.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tools"))

from extract_kernel_params import (  # noqa: E402
    COMPARE_DIRS,
    DEFAULT_OUT,
    ExtractError,
    FsTree,
    GitTree,
    Tree,
    blob_sha,
    kernel_release,
)

from nested_snippets.kernel import probes as facts  # noqa: E402
from nested_snippets.kernel.messages import probes as wordings  # noqa: E402

# besides the KVM directories: where x86 kept its SVM/VMX checks outside them, the
# cpuinfo code (facts.SOURCE_FACTS["vmx-flags-line"]) and the boot-time CPU setup that
# checks the firmware's VMX/SVM lock (feat_ctl.c from 5.6, amd.c's VM_CR check from 6.7;
# before 5.6 no file of arch/x86/kernel cleared vmx: grepped in 4.19.0 and 5.5.0), and
# kstrtobool(), which reads a bool parameter's value (facts.BOOL_LETTERS): lib/kstrtox.c
# from Linux 4.6, lib/string.c's strtobool() before
EXTRA_FILES = (
    "arch/x86/include/asm/virtext.h",
    "arch/x86/kernel/cpu/proc.c",
    "arch/x86/kernel/cpu/feat_ctl.c",
    "arch/x86/kernel/cpu/amd.c",
    "lib/kstrtox.c",
    "lib/string.c",
)
EXTRA_DIRS = ("arch/x86/virt",)


def scanned_files(tree: Tree) -> list[str]:
    out = [p for d in COMPARE_DIRS + EXTRA_DIRS for p in tree.list(d)]
    out += [p for p in EXTRA_FILES if tree.read(p, record=False) is not None]
    return sorted(p for p in set(out) if p.endswith((".c", ".h")))


def probes() -> list[str]:
    """The fragments of every log wording and every source fact."""
    out = wordings()
    return out + [f for f in facts.fragments() if f not in out]


def find_probes(
    tree: Tree, fragments: list[str], skip: frozenset[str] = frozenset()
) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in scanned_files(tree):
        if path in skip:
            continue
        text = tree.read(path, record=False) or ""
        for frag in fragments:
            if frag in found:
                continue
            pos = text.find(frag)
            if pos >= 0:
                found[frag] = f"{path}:{text.count(chr(10), 0, pos) + 1}"
    return dict(sorted(found.items()))


def same_source(tree: Tree, data: dict) -> None:
    release = kernel_release(tree)
    if release != data["release"]:
        raise ExtractError(f"tree is Linux {release}, the data is {data['release']}")
    for path, sha in data["provenance"]["files"].items():
        raw = tree._raw(path)
        if raw is None or blob_sha(raw) != sha:
            raise ExtractError(f"{path} differs from the data's source (blob {sha[:12]})")


def differing(tree: Tree, data: dict) -> list[str]:
    """The files of ``provenance.files`` whose blob in ``tree`` is not the data's."""
    out = []
    for path, sha in data["provenance"]["files"].items():
        raw = tree._raw(path)
        if raw is None or blob_sha(raw) != sha:
            out.append(path)
    return out


def partial(tree: Tree, data: dict, label: str) -> dict[str, str]:
    """The data's ``messages`` plus the fragments it lacks, read in the files of ``tree``
    that are the data's own (see the module's docstring); records what was read."""
    old = dict(data.get("messages") or {})
    skip = differing(tree, data)
    new = [f for f in probes() if f not in old]
    found = {**old, **find_probes(tree, new, frozenset(skip))}
    asked = _asked_before(data, label)
    data["provenance"]["probes_partial"] = {
        "source": label,
        "release": kernel_release(tree),
        "fragments": asked + [f for f in new if f not in asked],
        "skipped": sorted(p for p in skip if p != "Makefile"),
        "outside_provenance": sorted(
            p for p in scanned_files(tree) if p not in data["provenance"]["files"]
        ),  # fmt: skip
    }
    return dict(sorted(found.items()))


def _asked_before(data: dict, label: str) -> list[str]:
    """The fragments an earlier --partial run from the same ``label`` looked for (a
    run from another tree of the release would mix two sources: refused)."""
    earlier = data["provenance"].get("probes_partial")
    if not earlier:
        return []
    if earlier["source"] != label:
        raise ExtractError(f"fragments were read from {earlier['source']} before, not {label}")
    return list(earlier["fragments"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--source", help="kernel source directory")
    src.add_argument("--git-dir", help="git directory (read with git, no work tree)")
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--subdir", default="", help="folder of the commit holding the kernel tree")
    ap.add_argument("--version", required=True, help="major.minor of the data file")
    ap.add_argument("--out-dir", default=str(DEFAULT_OUT))
    ap.add_argument(
        "--partial",
        metavar="LABEL",
        help="another tree of the release (OWNER/NAME@COMMIT): see above",
    )
    args = ap.parse_args(argv)
    path = Path(args.out_dir) / f"linux-{args.version}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if args.subdir and not args.git_dir:
            raise ExtractError("--subdir needs --git-dir")
        tree: Tree = (
            GitTree(args.git_dir, args.rev, args.subdir) if args.git_dir else FsTree(args.source)
        )
        if args.partial:
            found = partial(tree, data, args.partial)
        else:
            same_source(tree, data)
            found = find_probes(tree, probes())
    except (ExtractError, OSError, json.JSONDecodeError, KeyError) as exc:
        print(f"extract_kernel_messages: {path.name}: {exc}", file=sys.stderr)
        return 1
    data["messages"] = found
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}: {len(found)} of {len(probes())} wordings found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
