#!/usr/bin/env python3
"""Boot a Debian kernel under QEMU (TCG, ``-cpu max``) and record what KVM shows.

Writes ``nested_snippets/fixtures/realkernel/<kernel-release>-tcg-max.json``:
parameter values and modes under ``/sys/module/kvm*/parameters``, ``lsmod``,
``modinfo -p`` of kvm/kvm_amd/kvm_intel, the ``modinfo kvm_amd | grep parm`` order,
``uname -r``, the CPU flags, the kvm_intel "no hardware support" symptom, and the
provenance (package, version, sha256, QEMU version, CPU model, date).

    python tools/record_fixture.py [bookworm|trixie|trixie-backports ...]
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nested_snippets.realkernel import FIXTURES, boot, kernels  # noqa: E402
from nested_snippets.realkernel.kernels import Kernel  # noqa: E402

MODULES = ("kvm", "kvm_amd", "kvm_intel")
GUEST = r"""
quiet release uname -r
quiet cpuinfo cat /proc/cpuinfo
quiet intel.modprobe modprobe kvm_intel
quiet intel.dmesg bash -c 'dmesg | grep -i -e kvm -e vmx'
quiet intel.lsmod lsmod
modprobe -r kvm irqbypass >/dev/null 2>&1; dmesg -C
quiet amd.modprobe modprobe kvm_amd
quiet amd.dmesg bash -c 'dmesg | grep -i -e kvm -e svm'
quiet params bash -c 'for f in /sys/module/kvm*/parameters/*; do
    m=${f#/sys/module/}; echo "${m%%/*} ${f##*/} $(stat -c %a "$f") $(cat "$f" 2>&1)"; done'
quiet lsmod lsmod
quiet modinfo.kvm modinfo -p kvm
quiet modinfo.kvm_amd modinfo -p kvm_amd
quiet modinfo.kvm_intel modinfo -p kvm_intel
quiet parm.kvm_amd bash -c 'modinfo kvm_amd | grep parm'
"""
_STAMP = re.compile(r"^\[\s*\d+\.\d+\] ")


def _cpu(cpuinfo: list[str]) -> dict:
    fields: dict[str, str] = {}
    for line in cpuinfo:
        key, sep, value = line.partition(":")
        if sep and key.strip() not in fields:
            fields[key.strip()] = value.strip()
    return {"vendor_id": fields.get("vendor_id", ""), "model_name": fields.get("model name", ""),
            "family": fields.get("cpu family", ""), "model": fields.get("model", ""),
            "flags": fields.get("flags", "").split()}  # fmt: skip


def _params(lines: list[str]) -> tuple[dict, dict]:
    values: dict[str, dict[str, str]] = {}
    modes: dict[str, dict[str, str]] = {}
    for line in lines:
        module, name, mode, value = (line.split(" ", 3) + [""])[:4]
        values.setdefault(module, {})[name] = value
        modes.setdefault(module, {})[name] = mode.zfill(4)
    return values, modes


def record(kern: Kernel) -> dict:
    """Boot ``kern`` once and return the fixture."""
    run = boot.boot(kern, GUEST)
    r = run.results

    def out(key: str) -> list[str]:
        return r[key].output

    values, modes = _params(out("params"))
    return {
        "kernel_release": out("release")[0],
        "upstream_version": kern.upstream,
        "data_version": kern.data_version,
        "provenance": {
            **kern.provenance(),
            "qemu": run.qemu_version,
            "accel": "tcg",
            "cpu_model": boot.CPU_MODEL,
            "machine": "pc",
            "recorded_on": datetime.date.today().isoformat(),
            "recorded_by": "tools/record_fixture.py",
            "boot_seconds": round(run.seconds, 2),
        },
        "cpu": _cpu(out("cpuinfo")),
        "params": values,
        "param_modes": modes,
        "lsmod": out("lsmod"),
        "modinfo_p": {m: out(f"modinfo.{m}") for m in MODULES},
        "modinfo_parm_kvm_amd": out("parm.kvm_amd"),
        "kvm_amd_load": {"status": r["amd.modprobe"].status, "output": out("amd.modprobe"),
                         "dmesg": [_STAMP.sub("", x) for x in out("amd.dmesg")]},
        "kvm_intel_load": {"status": r["intel.modprobe"].status,
                           "output": out("intel.modprobe"),
                           "dmesg": [_STAMP.sub("", x) for x in out("intel.dmesg")],
                           "lsmod_after": out("intel.lsmod")},
    }  # fmt: skip


def write(fixture: dict, directory: Path = FIXTURES) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{fixture['kernel_release']}-tcg-{fixture['provenance']['cpu_model']}.json"
    path.write_text(json.dumps(fixture, indent=2, sort_keys=False) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", default=["bookworm"],
                        help=f"kernel targets: {', '.join(kernels.TARGETS)}")  # fmt: skip
    args = parser.parse_args(argv)
    for target in args.targets:  # argparse's choices= refuses a list default (3.11)
        if target not in kernels.TARGETS:
            parser.error(f"unknown target {target[:40]!r} (known: {', '.join(kernels.TARGETS)})")
    for target in args.targets:
        kern = kernels.fetch(target)
        path = write(record(kern))
        print(f"{target}: {kern.image.package} {kern.version} -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
