"""Each Debian QEMU checks the QEMU data of its own release (nested_snippets/qemu).

The installed QEMU (7.2) and those of :data:`tests.realtools.debian_qemu.TARGETS`
(bookworm-backports' 10.0, bullseye's 5.2 with its Debian 11 libraries; unpacked into
the cache, not installed) each check the data file of their release:

``qemu-system-x86_64 -cpu help`` must list exactly the data's x86 model names, QMP
``query-cpu-model-expansion`` must report the data's ``vmx``/``svm`` for every
model, and ``qemu-system-ppc64 -machine pseries,help`` must offer exactly the
data's nested capabilities; ``qemu-system-s390x -machine help`` and ``-cpu help`` must
list exactly the data's s390x machine types, CPU models and features.  All read-only:
``-machine none`` under TCG, no guest.
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


# ------------------------------------------------------------------- IBM Z (s390x)
# Debian builds qemu-system-s390x on amd64 without KVM for it: ``host`` (registered
# only #ifdef CONFIG_KVM, as the data records) is not listed there.
def s390x_machines(listing: str) -> tuple[set[str], str | None, str | None]:
    """(every s390-ccw-virtio* name, the default type, what the alias points to) of
    ``qemu-system-s390x -machine help``."""
    names = set(re.findall(r"^(s390-ccw-virtio\S*)\s", listing, re.M))
    default = re.search(r"^(s390-ccw-virtio\S*)\s.*\(default\)", listing, re.M)
    alias = re.search(r"^s390-ccw-virtio\s.*\(alias of (\S+)\)", listing, re.M)
    return names, default and default.group(1), alias and alias.group(1)


def s390x_cpu_listing(listing: str) -> tuple[set[str], set[str]]:
    """(model names, feature flag names) of ``qemu-system-s390x -cpu help``: ``s390
    NAME`` lines up to 9.2, ``  NAME`` from 10.0, then "Recognized feature flags:"
    (indented from 10.0)."""
    models_part, _, rest = listing.partition("\nRecognized feature flags:\n")
    flags_part = rest.split("\n\n")[0]
    models = {m.group(1) for m in re.finditer(r"^(?:s390)? +(\S+)", models_part, re.M)}
    flags = {m.group(1) for m in re.finditer(r"^ *(\S+)\s", flags_part, re.M)}
    return models, flags


def test_s390x_machine_help_lists_exactly_the_data_machines(source):
    path = debian_qemu.binary(source, "qemu-system-s390x")
    r = release_of(path)
    names, default, alias = s390x_machines(_run(path, "-machine", "help"))
    assert names == r.s390x_machine_names(), (
        f"QEMU {r.release}: only listed {sorted(names - r.s390x_machine_names())}, "
        f"only in the data {sorted(r.s390x_machine_names() - names)}")
    assert default == alias == r.s390x_default_machine()


def test_s390x_cpu_help_lists_exactly_the_data_models_and_features(source):
    path = debian_qemu.binary(source, "qemu-system-s390x")
    r = release_of(path)
    models, flags = s390x_cpu_listing(_run(path, "-cpu", "help"))
    data = r.s390x_cpu_model_names(kvm=False)
    assert models == data, (f"QEMU {r.release}: only listed {sorted(models - data)}, "
                            f"only in the data {sorted(data - models)}")  # fmt: skip
    feats = r.s390x_cpu_features()
    assert flags == feats, (f"QEMU {r.release}: only listed {sorted(flags - feats)}, "
                            f"only in the data {sorted(feats - flags)}")  # fmt: skip


def test_the_s390x_check_catches_a_machine_and_model_the_data_lacks():
    r = release_of(tools.require("qemu-system-s390x"))
    names, _default, _alias = s390x_machines(_run(tools.require("qemu-system-s390x"),
                                                  "-machine", "help"))  # fmt: skip
    assert "s390-ccw-virtio-11.9" not in names | r.s390x_machine_names()
    models, _flags = s390x_cpu_listing(_run(tools.require("qemu-system-s390x"), "-cpu", "help"))
    assert "z14x" not in models | r.s390x_cpu_model_names()
