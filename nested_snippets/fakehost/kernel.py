"""The fake kernel: loading and unloading modules, their parameters and the log.

All state lives in ``state.marshal`` beside the fake root so that every fake tool (a
separate process, as the real ones are) sees the same kernel.  After each change
:func:`materialize` rewrites what ``/sys``, ``/proc`` and ``/dev`` show.

The parameter tables of the host's kernel version are copied from the kernel data
(:mod:`nested_snippets.kernel`) into the state when the host is created, so the
tools start without loading the data files.  The state is stored with ``marshal``
(``python -m nested_snippets.fakehost.kernel HOST`` prints it as JSON), and this
module avoids ``json``, ``dataclasses`` and ``pathlib`` for the same reason: every
fake tool imports it, and those imports would double a tool's start-up time.
"""

from __future__ import annotations

import marshal
import os

from nested_snippets.fakehost import cpus, pool, runtime
from nested_snippets.fakehost.modules import BY_ARCH, ModuleSpec
from nested_snippets.parsers import modprobe_conf, values
from nested_snippets.versions import version_key

STATE_FILE = "state.marshal"
PARAM_FIELDS = ("name", "type", "perm", "default", "requires", "desc", "modinfo_type", "file")


def param_rows(module_data, version: str) -> list[dict]:
    """Kernel-data parameters of one module as stored in the state.

    Parameters the modelled kernels do not build (:func:`runtime.omitted`) are left out.
    """
    return [
        {
            "name": p.name,
            "type": p.type,
            "perm": p.perm,
            "default": p.default,
            "requires": list(p.runtime_requires),
            "desc": p.desc,
            "modinfo_type": p.modinfo_type,
            "file": p.source.rsplit(":", 1)[0],
        }
        for p in module_data.params
        if not runtime.omitted(module_data.name, p.name, version, p.config)
    ]


class Loaded:
    """A loaded module: parameter values, modules holding it, other users."""

    __slots__ = ("name", "params", "holders", "users")

    def __init__(self, name: str, params: dict[str, str], holders=None, users: int = 0):
        self.name = name
        self.params = params
        self.holders: list[str] = list(holders or [])
        self.users = users
        """References not held by modules (open /dev/kvm descriptors: running VMs)."""

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "params": self.params,
            "holders": self.holders,
            "users": self.users,
        }


class State:
    """The fake kernel's state, stored as ``HOST/state.marshal``."""

    FIELDS = (
        "arch",
        "kernel",
        "release",
        "level",
        "cpu_flags",
        "builtin",
        "cmdline",
        "params_data",
        "pool",
        "cpu_row",
        "loaded",
        "dmesg",
        "clock",
        "next_cmdline",
        "firmware_vt",
    )

    def __init__(
        self,
        arch: str,
        kernel: str,
        release: str,
        level: str,
        cpu_flags: list[str],
        builtin: bool,
        cmdline: str,
        params_data: dict[str, list[dict]],
        pool: str,
        cpu_row=(),
        loaded=(),
        dmesg=(),
        clock: float = 4.0,
        next_cmdline: str | None = None,
        firmware_vt: bool = True,
    ):
        self.arch, self.kernel, self.release, self.level = arch, kernel, release, level
        self.cpu_flags, self.builtin, self.cmdline = cpu_flags, builtin, cmdline
        self.params_data = params_data
        """Module name -> parameter rows (see :data:`PARAM_FIELDS`) for this kernel."""
        self.pool = pool
        """Directory of shared read-only files (see :mod:`nested_snippets.fakehost.pool`)."""
        self.cpu_row = list(cpu_row)
        """x86: (vendor_id, model name, family, model) of the CPU, for lscpu."""
        self.loaded: list[Loaded] = [m if isinstance(m, Loaded) else Loaded(**m) for m in loaded]
        self.dmesg: list[list] = [list(x) for x in dmesg]
        self.clock = clock
        self.next_cmdline = next_cmdline
        self.firmware_vt = firmware_vt
        """False: VT-x/SVM off in the firmware (fakehost/firmware.py)."""

    # ------------------------------------------------------------------ storage
    @classmethod
    def read(cls, home: str | os.PathLike) -> State:
        with open(os.path.join(home, STATE_FILE), "rb") as f:
            return cls(**marshal.load(f))

    def to_json(self) -> dict:
        data = {k: getattr(self, k) for k in self.FIELDS}
        data["loaded"] = [m.to_json() for m in self.loaded]
        return data

    def write(self, home: str | os.PathLike) -> None:
        # rewritten in place: a new file per save would cost an inode each time, and
        # the tools of one host never run at the same time (a snippet is sequential)
        with open(os.path.join(home, STATE_FILE), "wb") as f:
            marshal.dump(self.to_json(), f)

    # ------------------------------------------------------------------ queries
    @property
    def modules(self) -> dict[str, ModuleSpec]:
        return BY_ARCH[self.arch]

    def get(self, name: str) -> Loaded | None:
        return next((m for m in self.loaded if m.name == name), None)

    def params_of(self, name: str) -> dict[str, dict]:
        return {p["name"]: p for p in self.params_data.get(name, ())}

    def log(self, text: str) -> None:
        """Append one event's lines to the kernel log, with increasing times.

        An event (a module load, a refused option) comes seconds after the one
        before, as when someone types the next command; its further lines follow
        within a millisecond.  The steps vary with the text, never at random, so a
        run is reproducible.
        """
        if not text:
            return
        for n, line in enumerate(text.split("\n")):
            mix = sum(map(ord, line))
            step = 5e-5 + mix * 31 % 900 / 1e6 if n else 1.5 + mix * 7919 % 8_000_000 / 1e6
            self.clock += step
            self.dmesg.append([round(self.clock, 6), line])


def boot_args(release: str) -> str:
    """What the boot loader puts before the configured options on the command line."""
    return f"BOOT_IMAGE=/boot/vmlinuz-{release} root=/dev/vda1 ro"


class LoadError(Exception):
    def __init__(self, errno_name: str):
        super().__init__(errno_name)
        self.errno_name = errno_name


def _message(key: str, version: str, **fields) -> str:
    from nested_snippets.kernel import messages  # only on the paths that log

    return messages.message(key, version, **fields)


def _errno(key: str, version: str) -> str | None:
    from nested_snippets.kernel import messages

    return messages.errno_for(key, version)


def initial_values(state: State, spec: ModuleSpec) -> dict[str, str]:
    return {
        name: p["default"]
        for name, p in state.params_of(spec.name).items()
        if p["default"] is not None
    }


def insert(state: State, spec: ModuleSpec, words: list[str]) -> None:
    """Load one module (its dependencies must be loaded).  Raises :class:`LoadError`."""
    table = state.params_of(spec.name)
    vals = initial_values(state, spec)
    by_norm = {modprobe_conf.normalize(n): n for n in table}
    for word in words:
        raw_name, value = modprobe_conf.split_option(word)
        name = by_norm.get(modprobe_conf.normalize(raw_name))
        if name is None:
            state.log(_message("unknown_param", state.kernel, module=spec.name, param=raw_name))
            continue
        try:
            vals[name] = values.parse(table[name]["type"], value)
        except values.InvalidValue:
            state.log(
                _message(
                    "invalid_value",
                    state.kernel,
                    module=spec.name,
                    value=value or "",
                    param=raw_name,
                )
            )
            raise LoadError("EINVAL") from None
    _init_checks(state, spec, vals)
    for name, param in table.items():
        missing = [f for f in param["requires"] if not cpus.has_flag(state.cpu_flags, f)]
        if missing and name in vals:
            vals[name] = values.off_value(param["type"])
    runtime.adjust(spec.name, vals, state.cpu_flags, set(table))
    _log_init(state, spec, vals)
    state.loaded.insert(0, Loaded(spec.name, vals))
    for dep in spec.depends:
        holder = state.get(dep)
        if holder is not None:
            holder.holders.append(spec.name)


def _log_init(state: State, spec: ModuleSpec, vals: dict[str, str]) -> None:
    """The informational lines a module prints when it loads (kvm_amd only, so far)."""
    if spec.name != "kvm_amd":
        return
    if vals.get("nested", "0") != "0":
        state.log(_message("amd_nested_enabled", state.kernel))
    npt_on = vals.get("npt") in ("Y", "1")
    state.log(_message("amd_npt_enabled" if npt_on else "amd_npt_disabled", state.kernel))
    if vals.get("vgif") in ("Y", "1"):
        state.log(_message("amd_vgif", state.kernel))
    if state.get("kvm") is not None and state.get("kvm").params.get("enable_pmu") == "N":
        state.log(_message("amd_pmu_disabled", state.kernel))


def _init_checks(state: State, spec: ModuleSpec, vals: dict[str, str]) -> None:
    """What the module's init function refuses, in the kernel's order."""
    if spec.vendor:
        other = next((m for m in state.loaded if state.modules[m.name].vendor), None)
        # Up to 6.1 kvm_arch_init() tested "already loaded" before hardware support
        # (measured on 6.1: kvm_intel under TCG logs "already loaded vendor module");
        # from 6.3 the hardware check runs first, in the vendor module's own init.
        hw_first = version_key(state.kernel) >= (6, 3)
        for check in ("hw", "other") if hw_first else ("other", "hw"):
            if check == "other" and other is not None:
                state.log(_message("already_loaded_vendor", state.kernel, module=other.name))
                raise LoadError("EEXIST")
            if check == "hw" and not state.firmware_vt:
                # CPUID still has the flag; the module's MSR check fails
                key = "disabled_by_bios_amd" if spec.name == "kvm_amd" else "disabled_by_bios"
                state.log(_message(key, state.kernel, module=spec.name))
                raise LoadError(_errno(key, state.kernel) or "EOPNOTSUPP")
            if check == "hw" and not cpus.has_flag(state.cpu_flags, spec.needs_flag or ""):
                key = "no_hw_support"
                if spec.name == "kvm_amd":
                    key = "amd_svm_unavailable" if state.arch == "amd" else "no_hw_support_amd"
                state.log(_message(key, state.kernel, module=spec.name))
                raise LoadError(_errno(key, state.kernel) or "EOPNOTSUPP")
    if state.arch == "s390x":
        if not cpus.has_flag(state.cpu_flags, spec.needs_flag or ""):
            state.log(_message("s390_no_sie", state.kernel))
            raise LoadError(_errno("s390_no_sie", state.kernel) or "ENODEV")
        both = vals.get("nested", "0") != "0" and vals.get("hpage", "0") != "0"
        errno_name = _errno("s390_nested_hpage", state.kernel)
        if both and errno_name:  # the check is gone in 7.1 (huge pages for gmap)
            state.log(_message("s390_nested_hpage", state.kernel))
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


def materialize(state: State, root: str | os.PathLike) -> None:
    """Rewrite /sys/module, /proc and /dev/kvm under ``root`` from ``state``.

    An unloaded module's sysfs directory is moved aside (``HOST/.unloaded``) rather
    than deleted, and read-only files are hard links into the pool: creating files is
    what makes a fake tool slow, so each run creates as few as it can.
    """
    root = os.fspath(root)
    aside = os.path.join(os.path.dirname(root), ".unloaded")
    sysmod = os.path.join(root, "sys", "module")
    wanted = {m.name for m in state.loaded}
    if os.path.isdir(sysmod):
        for name in os.listdir(sysmod):
            if name not in wanted:
                os.makedirs(aside, exist_ok=True)
                _move(os.path.join(sysmod, name), os.path.join(aside, name))
    for mod in state.loaded:
        mod_dir = os.path.join(sysmod, mod.name)
        if not os.path.isdir(mod_dir) and os.path.isdir(os.path.join(aside, mod.name)):
            os.rename(os.path.join(aside, mod.name), mod_dir)
        params_dir = os.path.join(mod_dir, "parameters")
        os.makedirs(params_dir, exist_ok=True)
        # sysfs makes no files on request: `tee .../parameters/NAME` for a parameter the
        # module lacks fails (snippets run without the capabilities that would bypass this)
        os.chmod(params_dir, 0o555)
        table = state.params_of(mod.name)
        for stale in set(os.listdir(params_dir)) - set(mod.params):
            os.unlink(os.path.join(params_dir, stale))  # from a recycled host's kernel
        for name, value in mod.params.items():
            perm = table[name]["perm"] if name in table else 0o444
            if perm:
                _place(state, os.path.join(params_dir, name), value + "\n", perm & 0o666)
        if not state.builtin:  # built-in modules have no refcnt in sysfs
            _place(state, os.path.join(mod_dir, "refcnt"), f"{refcount(mod)}\n", 0o444)
    proc = os.path.join(root, "proc")
    modules = (
        ""
        if state.builtin
        else "".join(
            f"{m.name} {state.modules[m.name].size} {refcount(m)} "
            f"{','.join(m.holders) + ',' if m.holders else '-'} Live 0x0000000000000000\n"
            for m in state.loaded
        )
    )
    _place(state, os.path.join(proc, "modules"), modules, 0o444)
    _place(state, os.path.join(proc, "cmdline"), state.cmdline + "\n", 0o444)
    dev_kvm = os.path.join(root, "dev", "kvm")
    kept = os.path.join(aside, "dev-kvm")
    if kvm_device_present(state):
        if not os.path.exists(dev_kvm):
            if os.path.exists(kept):
                os.rename(kept, dev_kvm)
            else:
                open(dev_kvm, "w").close()
        os.chmod(dev_kvm, 0o660)
    elif os.path.exists(dev_kvm):
        os.makedirs(aside, exist_ok=True)
        os.replace(dev_kvm, kept)


def _place(state: State, path: str, text: str, mode: int) -> None:
    if mode & 0o222:
        _write_file(path, text, mode)
    else:
        pool.place(state.pool, path, text, mode)


def _move(src: str, dst: str) -> None:
    if os.path.exists(dst):
        _rmtree(dst)
    os.rename(src, dst)


def _write_file(path: str, text: str, mode: int) -> None:
    if os.path.islink(path) or (os.path.exists(path) and os.stat(path).st_nlink > 1):
        os.unlink(path)  # never write through a link into the shared pool
    elif os.path.exists(path):
        with open(path) as f:
            if f.read() == text:
                os.chmod(path, mode)
                return
        os.chmod(path, 0o600)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def _rmtree(path: str) -> None:
    for name in os.listdir(path):
        child = os.path.join(path, name)
        if os.path.isdir(child) and not os.path.islink(child):
            _rmtree(child)
        else:
            os.unlink(child)
    os.rmdir(path)


if __name__ == "__main__":  # debugging aid: print a host's kernel state as JSON
    import json
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python -m nested_snippets.fakehost.kernel HOST_DIR")
    print(json.dumps(State.read(sys.argv[1]).to_json(), indent=1))
