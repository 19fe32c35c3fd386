#!/usr/bin/env python3
"""Report what Debian ships that is newer than the project's data and pins.

    python tools/freshness.py          # report (make freshness); never part of make test
    python tools/freshness.py --pin    # pin the real-kernel and real-tool tiers to Debian's newest
    python tools/freshness.py --pin --target bookworm   # re-pin that target only

For each real-kernel target it prints the pinned kernel and the newest one in the
target's suites, and for each suite whose QEMU the real-tool tier checks
(``tests/realtools/debian_qemu.py``) the pinned ``qemu-system-*`` packages and the
newest; then the newest kernel data release against the newest upstream
kernel any target offers, and likewise for QEMU (``qemu-system-x86`` in the same
suites) when QEMU data exists.  Debian's index is read through the real-kernel
tier's private apt configuration; the host's apt sources are left alone.  Exit
status: 0 when all is current, 1 when something is newer, 2 when Debian's index
cannot be read.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nested_snippets import kernel as kdata  # noqa: E402
from nested_snippets import qemu  # noqa: E402
from nested_snippets.realkernel import RealKernelUnavailable, kernels  # noqa: E402
from nested_snippets.versions import version_key  # noqa: E402
from tests.realtools import debian_qemu  # noqa: E402


def upstream(debian_version: str) -> str:
    """``7.3.4-1~bpo13+1`` -> ``7.3.4``; ``1:10.0.2+ds-1`` -> ``10.0.2``."""
    return re.split(r"[-~+]", debian_version.split(":", 1)[-1])[0]


def _qemu_versions(target: kernels.Target) -> list[str]:
    try:
        return [upstream(r["Version"]) for r in kernels._records(target, "qemu-system-x86")]
    except RealKernelUnavailable:
        return []


def report() -> int:
    stale = False
    pins = kernels.pinned()
    newest_kernel, newest_qemu = "0", "0"
    for name, target in kernels.TARGETS.items():
        offered = kernels.newest_debs(target)
        have = pins.get(name, ())
        pin = f"{have[0].package} {have[0].version}" if have else "nothing pinned"
        now = f"{offered[0].package} {offered[0].version}"
        mark = "current" if have == offered else "NEWER on Debian"
        stale |= have != offered
        print(f"real-kernel {name}: pinned {pin}; Debian offers {now} ({mark})")
        newest_kernel = max(newest_kernel, upstream(offered[0].version), key=version_key)
        newest_qemu = max([newest_qemu, *_qemu_versions(target)], key=version_key)
    qpins = debian_qemu.pinned()
    for name in debian_qemu.TARGETS:
        for package, now in debian_qemu.newest_debs(name).items():
            have = qpins.get(name, {}).get(package)
            pin = f"{package} {have.version}" if have else f"no {package}"
            mark = "current" if have == now else "NEWER on Debian"
            stale |= have != now
            print(f"real-tool QEMU {name}: pinned {pin}; Debian offers {package} {now.version}"
                  f" ({mark})")  # fmt: skip
            newest_qemu = max(newest_qemu, upstream(now.version), key=version_key)
    data = kdata.latest()
    ahead = version_key(newest_kernel)[:2] > version_key(data)[:2]
    stale |= ahead
    print(f"kernel data through Linux {data}; Debian's newest kernel: {newest_kernel}"
          f" ({'NEWER than the data' if ahead else 'covered'})")  # fmt: skip
    qlatest = qemu.latest()
    q_ahead = version_key(newest_qemu)[:2] > version_key(qlatest)[:2]
    stale |= q_ahead
    print(f"QEMU data through {qlatest}; Debian's newest QEMU: {newest_qemu}"
          f" ({'NEWER than the data' if q_ahead else 'covered'})")  # fmt: skip
    return 1 if stale else 0


def unbuilt(pins: dict[str, tuple[kernels.Deb, ...]]) -> list[str]:
    """One line for each pinned image without build data of its own package: the
    real-kernel tier compares a booted kernel with the data of that same build, so the
    point release's build file must name the image's ``uname -r`` and package version
    (a Debian re-upload of the same point release, 6.1.192-2 to -3, needs a new one)."""
    have = set(kdata.build_versions())
    out = []
    for name, debs in sorted(pins.items()):
        image, point = debs[0], upstream(debs[0].version)
        where = f"nested_snippets/kernel/data/builds/{point}.json"
        if point not in have:
            out.append(f"{name}: {image.package} {image.version} has no build data ({where})")
            continue
        build = kdata.load(point).build or {}
        built = (build.get("kernel_release"), build.get("source_package", {}).get("version"))
        if built != (image.package.removeprefix("linux-image-"), image.version):
            out.append(f"{name}: {image.package} {image.version} has no build data of its own: "
                       f"{where} is of {built[0]} {built[1]}")  # fmt: skip
    return out


def pin(only: list[str] | None = None) -> int:
    """Pin Debian's newest packages of each target, or of the targets in ``only``
    (real-kernel or real-tool target names); the other pins are kept as they are."""
    names = [n for n in kernels.TARGETS if not only or n in only]
    pins = {**kernels.pinned(), **{n: kernels.newest_debs(kernels.TARGETS[n]) for n in names}}
    missing = unbuilt(pins)
    if missing:
        for line in missing:
            print(f"freshness: not pinned: {line}", file=sys.stderr)
        print("freshness: extract each build first (tools/extract_build.py), then pin again",
              file=sys.stderr)  # fmt: skip
        return 2
    kernels.write_pins(pins)
    for name in names:
        print(f"pinned {name}: {pins[name][0].package} {pins[name][0].version}")
    qnames = [n for n in debian_qemu.TARGETS if not only or n in only]
    if qnames:
        qpins = {**debian_qemu.pinned(), **{n: debian_qemu.newest_debs(n) for n in qnames}}
        debian_qemu.write_pins(qpins)
    for name in qnames:
        debs = ", ".join(f"{d.package} {d.version}" for d in qpins[name].values())
        print(f"pinned real-tool QEMU {name}: {debs}")
    print("now re-record the fixtures: python tools/record_fixture.py")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pin", action="store_true", help="pin Debian's newest kernels and real-tool QEMU packages"
    )
    targets = [*kernels.TARGETS, *debian_qemu.TARGETS]
    parser.add_argument("--target", action="append", choices=targets, metavar="NAME",
                        help="with --pin: re-pin only this target (repeatable; one of "
                        f"{', '.join(targets)})")  # fmt: skip
    args = parser.parse_args(argv)
    if args.target and not args.pin:
        parser.error("--target needs --pin")
    try:
        return pin(args.target) if args.pin else report()
    except RealKernelUnavailable as exc:
        print(f"freshness: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
