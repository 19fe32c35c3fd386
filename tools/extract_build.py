#!/usr/bin/env python3
"""Extract a distribution build's KVM parameters: its source package plus its config.

Writes ``nested_snippets/kernel/data/builds/<X.Y.Z>.json`` (see
``nested_snippets/kernel/builds.py``): the parameters as
``tools/extract_kernel_params.py`` reads them from the distribution's kernel
source tree (with the log wordings ``tools/extract_kernel_messages.py`` looks for),
and the value the build's config file gives each ``CONFIG_*`` symbol their guards
name (``null``: not set). Example (Debian bookworm's 6.1.192-3)::

    python tools/extract_build.py --source linux-source-6.1 \\
        --source-package linux-source-6.1=6.1.192-3 --sha256 <tarball sha256> \\
        --config boot/config-6.1.0-57-amd64 \\
        --config-package linux-image-6.1.0-57-amd64=6.1.192-3 --config-sha256 <deb sha256> \\
        --kernel-release 6.1.0-57-amd64 --distribution Debian --arch x86
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import extract_kernel_params as ekp  # noqa: E402
from extract_kernel_messages import find_probes  # noqa: E402

from nested_snippets.kernel import builds  # noqa: E402
from nested_snippets.kernel.messages import probes  # noqa: E402
from nested_snippets.regular import read_regular  # noqa: E402

OUT = ekp.DEFAULT_OUT / "builds"
_CONFIG_LINE = re.compile(r"^(CONFIG_\w+)=(.*)$|^# (CONFIG_\w+) is not set$")


MAX_CONFIG = 4 << 20
"""A config larger than this is refused (Debian's are about 300 KB)."""


def read_config(path: Path) -> dict[str, str | None]:
    """A kernel ``.config``: symbol -> value (``y``, ``m``, a string) or None if not set."""
    try:
        raw = read_regular(path, MAX_CONFIG + 1)
    except OSError as exc:
        raise ekp.ExtractError(f"--config {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG:
        raise ekp.ExtractError(f"--config {path}: over {MAX_CONFIG >> 20} MiB; not a kernel config")
    out: dict[str, str | None] = {}
    for line in raw.decode("utf-8", errors="replace").splitlines():
        m = _CONFIG_LINE.match(line)
        if m and m.group(1):
            out[m.group(1)] = m.group(2).strip('"')
        elif m:
            out[m.group(3)] = None
    if not out:
        raise ekp.ExtractError(f"--config {path}: no CONFIG_ lines; not a kernel config")
    return out


def _package(spec: str, option: str) -> tuple[str, str]:
    name, sep, version = spec.partition("=")
    if not sep or not name or not version:
        raise ekp.ExtractError(f"{option} {spec!r}: expected PACKAGE=VERSION")
    return name, version


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", required=True, help="unpacked kernel source tree")
    ap.add_argument("--source-package", required=True, metavar="PACKAGE=VERSION")
    ap.add_argument("--sha256", required=True, help="SHA-256 of the source tarball")
    ap.add_argument("--config", required=True, help="the build's config file")
    ap.add_argument("--config-package", required=True, metavar="PACKAGE=VERSION",
                    help="the package that ships --config")  # fmt: skip
    ap.add_argument("--config-sha256", required=True, help="SHA-256 of that package file")
    ap.add_argument("--kernel-release", required=True, help="`uname -r` of the build")
    ap.add_argument("--distribution", required=True)
    ap.add_argument("--arch", required=True,
                    help="the build's architecture as the data names it (x86, s390, "
                    "powerpc); other architectures' modules are left out")  # fmt: skip
    ap.add_argument("--extracted-on", default=_dt.date.today().isoformat())
    args = ap.parse_args(argv)
    try:
        _dt.date.fromisoformat(args.extracted_on)
    except ValueError:
        print(f"extract_build: --extracted-on {args.extracted_on[:40]!r}: not YYYY-MM-DD",
              file=sys.stderr)  # fmt: skip
        return 1
    if not (Path(args.source) / "Makefile").is_file():
        print(f"extract_build: --source {args.source}: no top-level Makefile (not a kernel "
              "source tree)", file=sys.stderr)  # fmt: skip
        return 1
    try:
        for opt in ("sha256", "config_sha256"):
            if not re.fullmatch(r"[0-9a-f]{64}", getattr(args, opt)):
                raise ekp.ExtractError(f"--{opt.replace('_', '-')} must be 64 hex digits")
        src_pkg = _package(args.source_package, "--source-package")
        cfg_pkg = _package(args.config_package, "--config-package")
        tree = ekp.FsTree(args.source)
        upstream = re.split(r"[-~+]", src_pkg[1])[0]
        series = ".".join(upstream.split(".")[:2])
        repo = f"{args.distribution.lower()}:{src_pkg[0]}_{src_pkg[1]}"
        data = ekp.extract(tree, series, repo, None, args.extracted_on, args.sha256)
        if data["release"] != upstream:
            raise ekp.ExtractError(
                f"the tree's Makefile says {data['release']}, the package {upstream}"
            )
        config_path = Path(args.config)
        config = read_config(config_path)
        data["modules"] = {k: m for k, m in data["modules"].items()
                           if k.split("/")[0] == args.arch}  # fmt: skip
        if not data["modules"]:
            raise ekp.ExtractError(f"--arch {args.arch}: no module of that architecture")
        guards = [p.get("config") for m in data["modules"].values() for p in m["params"]]
        named = sorted({s for g in guards for s in builds.symbols(g)})
        data["messages"] = find_probes(tree, probes())
        data["version"] = upstream
        data["build"] = {
            "distribution": args.distribution,
            "kernel_release": args.kernel_release,
            "arch": args.arch,
            "source_package": {"package": src_pkg[0], "version": src_pkg[1]},
            "config_source": f"{cfg_pkg[0]} {cfg_pkg[1]}: {config_path.name}",
            "config_package_sha256": args.config_sha256,
            "config_sha256": hashlib.sha256(config_path.read_bytes()).hexdigest(),
            "config": {s: config.get(s) for s in named},
        }
    except (ekp.ExtractError, OSError) as exc:
        print(f"extract_build: {exc}", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"{upstream}.json"
    out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    n = sum(len(m["params"]) for m in data["modules"].values())
    print(f"wrote {out} ({args.distribution} {args.kernel_release}, {n} params declared, "
          f"{len(named)} config symbols)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
