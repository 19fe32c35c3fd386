"""Each Debian QEMU checks the QEMU data of its own release (nested_snippets/qemu).

The installed QEMU and those of :data:`tests.realtools.debian_qemu.TARGETS` (unpacked
into the cache, not installed) each check the data file of their release:

``qemu-system-x86_64 -cpu help`` must list exactly the data's x86 model names, QMP
``query-cpu-model-expansion`` must report the data's ``vmx``/``svm`` for every
model, and ``qemu-system-ppc64 -machine pseries,help`` must offer exactly the
data's nested capabilities.  All read-only: ``-machine none`` under TCG, no guest.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache

import pytest

from nested_snippets import qemu
from tests.realtools import debian_qemu, tools

pytestmark = pytest.mark.realtools
NOT_IN_DATA = {"host", "max", "base"}  # classes of their own, not builtin_x86_defs entries


def _run(*argv: str, stdin: str | None = None) -> str:
    proc = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, timeout=120,
                          stdin=None if stdin is not None else subprocess.DEVNULL)  # fmt: skip
    assert proc.returncode == 0, f"{' '.join(argv)}: {proc.stderr.strip()}"
    return proc.stdout


@pytest.fixture(params=debian_qemu.SOURCES)
def source(request) -> str:
    return request.param


@cache
def release_of(path: str) -> qemu.Release:
    m = re.search(r"version (\d+\.\d+)\.\d+", _run(path, "--version"))
    assert m, f"cannot read the version of {path}"
    try:
        return qemu.release(m.group(1))
    except KeyError as exc:
        pytest.skip(f"{path} is QEMU {m.group(1)}: {exc}")


def _point_release(path: str) -> str:
    return re.search(r"version (\d+\.\d+\.\d+)", _run(path, "--version")).group(1)


def test_cpu_help_lists_exactly_the_data_models(source):
    """Exactly the data's names; a later point release (the data is X.Y.0) may only
    add new versions of models the data has (stable backports such as ``-v2``)."""
    path = debian_qemu.binary(source, "qemu-system-x86_64")
    r = release_of(path)
    listed = tools.qemu_cpu_models(path) - NOT_IN_DATA
    data = r.cpu_model_names()
    assert not data - listed, f"QEMU {r.release}: only in the data {sorted(data - listed)}"
    extra = listed - data
    if _point_release(path) == r.release:
        assert not extra, f"QEMU {r.release}: only in -cpu help {sorted(extra)}"
    bases = {m["name"] for m in r.data["x86_cpu_models"]["models"]}
    unexplained = [n for n in extra if re.sub(r"-v\d+$", "", n) not in bases]
    assert not unexplained, f"{_point_release(path)} lists models not in {r.release}: {unexplained}"


def _expand(qemu_bin: str, models: list[str]) -> dict[str, dict]:
    cmds = [{"execute": "qmp_capabilities"}]
    cmds += [{"execute": "query-cpu-model-expansion",
              "arguments": {"type": "full", "model": {"name": m}}} for m in models]  # fmt: skip
    cmds.append({"execute": "quit"})
    out = _run(qemu_bin, "-machine", "none", "-accel", "tcg", "-nodefaults", "-display", "none",
               "-qmp", "stdio", stdin="\n".join(json.dumps(c) for c in cmds) + "\n")  # fmt: skip
    replies = [json.loads(ln) for ln in out.splitlines() if ln.strip()]
    props = [r["return"]["model"]["props"] for r in replies
             if isinstance(r.get("return"), dict) and "model" in r["return"]]  # fmt: skip
    assert len(props) == len(models), f"QMP answered {len(props)} of {len(models)}: {out[-500:]}"
    return dict(zip(models, props, strict=True))


def test_qmp_expansion_has_the_data_vmx_and_svm_of_every_model(source):
    path = debian_qemu.binary(source, "qemu-system-x86_64")
    r = release_of(path)
    names = sorted(r.cpu_model_names())
    wrong = []
    for name, props in _expand(path, names).items():
        model = r.cpu_model(name)
        for flag in ("vmx", "svm"):
            if bool(props.get(flag)) != getattr(model, flag):
                wrong.append(f"{name} {flag}: QEMU {props.get(flag)}, data {getattr(model, flag)}")
    assert not wrong, f"QEMU {r.release}: " + "; ".join(wrong)


def test_pseries_offers_exactly_the_data_nested_caps(source):
    path = debian_qemu.binary(source, "qemu-system-ppc64")
    r = release_of(path)
    out = _run(path, "-machine", "pseries,help")
    offered = {name: desc.strip() for name, desc in
               re.findall(r"^\s*cap-(nested-[\w-]+)=<\w+>\s+-\s+(.*)$", out, re.M)}  # fmt: skip
    in_data = {n: c["description"] for n in ("nested-hv", "nested-papr")
               if (c := r.spapr_cap(n))}  # fmt: skip
    assert offered == in_data, f"QEMU {r.release}: pseries,help {offered}, data {in_data}"


def test_the_check_catches_a_model_the_data_lacks():
    r = release_of(tools.require("qemu-system-x86_64"))
    assert r.cpu_model("Haswell-noTSX-IBRZ") is None
    assert "Haswell-noTSX-IBRZ" not in tools.qemu_cpu_models()
