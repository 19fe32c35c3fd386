"""The fake kernel: loading and unloading modules, their parameters and the log.

All state lives in ``state.json`` beside the fake root so that every fake tool (a
separate process, as the real ones are) sees the same kernel.  After each change
:func:`materialize` rewrites what ``/sys``, ``/proc`` and ``/dev`` show.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nested_snippets import kernel as kdata
from nested_snippets.fakehost import cpus, messages, values
from nested_snippets.fakehost.modules import BY_ARCH, ModuleSpec
from nested_snippets.parsers import modprobe_conf


@dataclass
class Loaded:
    name: str
    params: dict[str, str]
    holders: list[str] = field(default_factory=list)
    users: int = 0
    """References not held by modules (open /dev/kvm file descriptors: running VMs)."""


@dataclass
class State:
    arch: str
    kernel: str
    release: str
    level: str
    cpu_flags: list[str]
    builtin: bool
    cmdline: str
    loaded: list[Loaded] = field(default_factory=list)
    dmesg: list[tuple[float, str]] = field(default_factory=list)
    clock: float = 4.0
    next_cmdline: str | None = None

    # ------------------------------------------------------------------ storage
    @classmethod
    def read(cls, home: Path) -> State:
        raw = json.loads((home / "state.json").read_text())
        raw["loaded"] = [Loaded(**m) for m in raw["loaded"]]
        raw["dmesg"] = [tuple(x) for x in raw["dmesg"]]
        return cls(**raw)

    def write(self, home: Path) -> None:
        tmp = home / "state.json.tmp"
        tmp.write_text(json.dumps(asdict(self)))
        tmp.replace(home / "state.json")

    # ------------------------------------------------------------------ queries
    @property
    def modules(self) -> dict[str, ModuleSpec]:
        return BY_ARCH[self.arch]

    def get(self, name: str) -> Loaded | None:
        return next((m for m in self.loaded if m.name == name), None)

    def log(self, text: str) -> None:
        if not text:
            return
        for line in text.split("\n"):
            self.clock += 0.013
            self.dmesg.append((round(self.clock, 6), line))


class LoadError(Exception):
    def __init__(self, errno_name: str):
        super().__init__(errno_name)
        self.errno_name = errno_name


def cmdline_options(cmdline: str, module: str) -> list[str]:
    """``kvm-intel.nested=1`` words on the kernel command line for ``module``."""
    want = modprobe_conf.normalize(module)
    out = []
    for word in cmdline.split():
        mod, dot, opt = word.partition(".")
        if dot and "=" in word and modprobe_conf.normalize(mod) == want and opt:
            out.append(opt)
    return out


def _param_table(state: State, spec: ModuleSpec) -> dict[str, kdata.Param]:
    if spec.data_key is None:
        return {}
    arch, name = spec.data_key.split("/")
    return {p.name: p for p in kdata.module(arch, name, state.kernel).params}


def initial_values(state: State, spec: ModuleSpec) -> dict[str, str]:
    return {
        name: p.default
        for name, p in _param_table(state, spec).items()
        if p.default is not None
    }


def insert(state: State, spec: ModuleSpec, words: list[str]) -> None:
    """Load one module (its dependencies must be loaded).  Raises :class:`LoadError`."""
    table = _param_table(state, spec)
    vals = initial_values(state, spec)
    by_norm = {modprobe_conf.normalize(n): n for n in table}
    for word in words:
        raw_name, value = modprobe_conf.split_option(word)
        name = by_norm.get(modprobe_conf.normalize(raw_name))
        if name is None:
            state.log(messages.message("unknown_param", state.kernel, module=spec.name,
                                       param=raw_name))
            continue
        try:
            vals[name] = values.parse(table[name].type, value)
        except values.InvalidValue:
            state.log(messages.message("invalid_value", state.kernel, module=spec.name,
                                       value=value or "", param=raw_name))
            raise LoadError("EINVAL") from None
    _init_checks(state, spec, vals)
    for name, param in table.items():
        missing = [f for f in param.runtime_requires if not cpus.has_flag(state.cpu_flags, f)]
        if missing and name in vals:
            vals[name] = values.off_value(param.type)
    state.loaded.insert(0, Loaded(spec.name, vals))
    for dep in spec.depends:
        holder = state.get(dep)
        if holder is not None:
            holder.holders.append(spec.name)


def _init_checks(state: State, spec: ModuleSpec, vals: dict[str, str]) -> None:
    """What the module's init function refuses, in the kernel's order."""
    if spec.vendor:
        other = next((m for m in state.loaded if state.modules[m.name].vendor), None)
        # Up to 6.1 kvm_arch_init() tested "already loaded" before hardware support
        # (measured on 6.1: kvm_intel under TCG logs "already loaded vendor module");
        # from 6.3 the hardware check runs first, in the vendor module's own init.
        hw_first = kdata.version_key(state.kernel) >= (6, 3)
        checks = ["hw", "other"] if hw_first else ["other", "hw"]
        for check in checks:
            if check == "other" and other is not None:
                state.log(messages.message("already_loaded_vendor", state.kernel,
                                           module=other.name))
                raise LoadError("EEXIST")
            if check == "hw" and not cpus.has_flag(state.cpu_flags, spec.needs_flag or ""):
                key = "no_hw_support"
                if spec.name == "kvm_amd":
                    key = "amd_svm_unavailable" if state.arch == "amd" else "no_hw_support_amd"
                state.log(messages.message(key, state.kernel, module=spec.name))
                raise LoadError(messages.errno_for(key, state.kernel) or "EOPNOTSUPP")
    if state.arch == "s390x":
        if spec.needs_flag not in state.cpu_flags:
            state.log(messages.message("s390_no_sie", state.kernel))
            raise LoadError(messages.errno_for("s390_no_sie", state.kernel) or "ENODEV")
        both = vals.get("nested", "0") != "0" and vals.get("hpage", "0") != "0"
        errno_name = messages.errno_for("s390_nested_hpage", state.kernel)
        if both and errno_name:  # the check is gone in 7.1 (huge pages for gmap)
            state.log(messages.message("s390_nested_hpage", state.kernel))
            raise LoadError(errno_name)


def remove(state: State, name: str) -> None:
    mod = state.get(name)
    assert mod is not None
    state.loaded.remove(mod)
    for other in state.loaded:
        if name in other.holders:
            other.holders.remove(name)


def refcount(mod: Loaded) -> int:
    return len(mod.holders) + mod.users


def kvm_device_present(state: State) -> bool:
    if state.builtin:
        return True
    if state.arch in ("intel", "amd"):
        return any(state.modules[m.name].vendor for m in state.loaded)
    if state.arch == "power":
        return state.get("kvm_hv") is not None
    return state.get("kvm") is not None


# ------------------------------------------------------------------- the trees


def materialize(state: State, root: Path) -> None:
    """Rewrite /sys/module, /proc and /dev/kvm under ``root`` from ``state``."""
    sysmod = root / "sys" / "module"
    wanted = {m.name: m for m in state.loaded}
    if sysmod.is_dir():
        for entry in sysmod.iterdir():
            if entry.name not in wanted:
                _rmtree(entry)
    for mod in state.loaded:
        spec = state.modules[mod.name]
        params_dir = sysmod / mod.name / "parameters"
        params_dir.mkdir(parents=True, exist_ok=True)
        table = _param_table(state, spec)
        for name, value in mod.params.items():
            perm = table[name].perm if name in table else 0o444
            if perm == 0:
                continue
            _write_file(params_dir / name, value + "\n", perm & 0o666)
        _write_file(sysmod / mod.name / "refcnt", f"{refcount(mod)}\n", 0o444)
    proc = root / "proc"
    proc.mkdir(exist_ok=True)
    (proc / "modules").write_text(
        "".join(
            f"{m.name} {state.modules[m.name].size} {refcount(m)} "
            f"{','.join(m.holders) + ',' if m.holders else '-'} Live 0x0000000000000000\n"
            for m in state.loaded
        )
    )
    (proc / "cmdline").write_text(state.cmdline + "\n")
    dev_kvm = root / "dev" / "kvm"
    if kvm_device_present(state):
        dev_kvm.parent.mkdir(exist_ok=True)
        dev_kvm.touch()
        os.chmod(dev_kvm, 0o660)
    elif dev_kvm.exists():
        dev_kvm.unlink()


def _write_file(path: Path, text: str, mode: int) -> None:
    if path.exists():
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    path.write_text(text)
    os.chmod(path, mode)


def _rmtree(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir():
            _rmtree(child)
        else:
            child.unlink()
    path.rmdir()
