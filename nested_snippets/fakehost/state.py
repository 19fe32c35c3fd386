"""The fake kernel: loading and unloading modules, their parameters and the log.

All state lives in ``state.marshal`` beside the fake root (outside what a snippet
sees), so that every fake tool call (a separate process, as the real tools are) sees
the same kernel.  After each change :func:`materialize` rewrites what ``/sys/module``,
``/proc``, ``/lib/modules`` and ``/dev/kvm`` show; inside the runner's sandbox those
are per-sandbox tmpfs mounts (see :mod:`nested_snippets.runner.sandbox`), and
:func:`harvest` reads back what a snippet wrote to writable parameters.

The parameter tables of the host's kernel version are copied from the kernel data
(:mod:`nested_snippets.kernel`) into the state when the host is created, so the
tools never load the data files (they run where those files are not visible).  The
state is stored with ``marshal`` (``python -m nested_snippets.fakehost.state HOST``
prints it as JSON).
"""

from __future__ import annotations

import marshal
import os
import shutil
import stat
from collections.abc import Collection

from nested_snippets import arches
from nested_snippets.arches import ModuleSpec
from nested_snippets.fakehost import cpus, runtime
from nested_snippets.parsers import modprobe_conf, values

STATE_FILE = "state.marshal"
PARAM_FIELDS = ("name", "type", "perm", "default", "requires", "desc", "modinfo_type", "file")


def param_rows(module_data) -> list[dict]:
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
        if not runtime.omitted(p.config)
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
        "cpuinfo",
        "machine",
        "early_values",
        "cpu_row",
        "loaded",
        "dmesg",
        "clock",
        "next_cmdline",
        "boot_pending",
        "boot_nested",
        "messages",
        "hw_first",
        "firmware_vt",
        "bool_extra",
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
        cpuinfo: str = "",
        machine: str = "x86_64",
        early_values=None,
        cpu_row=(),
        loaded=(),
        dmesg=(),
        clock: float = 4.0,
        next_cmdline: str | None = None,
        boot_pending: bool = False,
        boot_nested: bool | None = None,
        messages=None,
        hw_first: bool = True,
        firmware_vt: bool = True,
        bool_extra: str = "",
    ):
        self.arch, self.kernel, self.release, self.level = arch, kernel, release, level
        self.cpu_flags, self.builtin, self.cmdline = cpu_flags, builtin, cmdline
        self.params_data = params_data
        """Module name -> parameter rows (see :data:`PARAM_FIELDS`) for this kernel."""
        self.cpuinfo, self.machine = cpuinfo, machine
        self.early_values: dict[str, list[str]] = dict(early_values or {})
        """Early boot parameter -> the values this kernel's parser accepts (see boot.py)."""
        self.boot_pending, self.boot_nested = boot_pending, boot_nested
        self.messages: dict[str, list] = dict(messages or {})
        """Key -> [template, errno, default fields] of this kernel's log messages."""
        self.hw_first = hw_first
        """The vendor module checks hardware support before "already loaded" (6.3+)."""
        """The host has to boot (udev loads the modules) before a tool next looks at it."""
        self.cpu_row = list(cpu_row)
        """x86: (vendor_id, model name, family, model) of the CPU, for lscpu."""
        self.loaded: list[Loaded] = [m if isinstance(m, Loaded) else Loaded(**m) for m in loaded]
        self.dmesg: list[list] = [list(x) for x in dmesg]
        self.clock = clock
        self.next_cmdline = next_cmdline
        self.firmware_vt = firmware_vt
        """False: VT-x/SVM off in the firmware (fakehost/firmware.py)."""
        self.bool_extra = bool_extra
        """The first letters a bool parameter takes in this kernel besides those every
        release takes (``"tTfF"``: :func:`nested_snippets.kernel.bool_letters`, from
        the facts of the release's sources); read only for a value that needs it."""

    # ------------------------------------------------------------------ storage
    @classmethod
    def read(cls, home: str | os.PathLike) -> State:
        with open(os.path.join(home, STATE_FILE), "rb") as f:
            return cls(**marshal.load(f))

    @classmethod
    def from_bytes(cls, data: bytes) -> State:
        return cls(**marshal.loads(data))

    def to_bytes(self) -> bytes:
        return marshal.dumps(self.to_json())

    def to_json(self) -> dict:
        data = {k: getattr(self, k) for k in self.FIELDS}
        data["loaded"] = [m.to_json() for m in self.loaded]
        return data

    def write(self, home: str | os.PathLike) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW
        fd = os.open(os.path.join(home, STATE_FILE), flags, 0o600)
        try:
            rewrite(fd, self.to_bytes())
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ queries
    @property
    def modules(self) -> dict[str, ModuleSpec]:
        return arches.get(self.arch).module_specs

    def get(self, name: str) -> Loaded | None:
        return next((m for m in self.loaded if m.name == name), None)

    def params_of(self, name: str) -> dict[str, dict]:
        return {p["name"]: p for p in self.params_data.get(name, ())}

    def early_words(self) -> list[str]:
        """The words of the kernel command line that name an early parameter this
        kernel has (``kvm-arm.mode=nested``), in order; a tool call's view notes these,
        not the whole command line (:mod:`.reads`)."""
        return [w for w in self.cmdline.split() if w.partition("=")[0] in self.early_values]

    def module_words(self) -> list[str]:
        """What kmod takes from the kernel command line, as the lines ``modprobe -c``
        prints for it (``options kvm_intel nested=1``, ``blacklist NAME``:
        :func:`~nested_snippets.parsers.modprobe_conf.kcmdline_config`); noted alone
        too."""
        return modprobe_conf.kcmdline_config(self.cmdline)

    def options_on_cmdline(self, module: str, builtin: bool = False) -> list[str]:
        """The options the kernel command line gives ``module`` (``kvm-intel.nested=1``):
        kmod's reading for a module modprobe loads (the one :meth:`module_words`, so
        ``modprobe -c``, shows: :func:`~nested_snippets.parsers.modprobe_conf.cmdline_options`),
        the kernel's own when ``builtin`` (which stops at ``--``), as whole words with
        the module's name as written, which the kernel's messages show
        (:func:`~nested_snippets.parsers.modprobe_conf.builtin_words`).  A tool call's
        view notes these, not the whole command line (:mod:`.reads`)."""
        if builtin:
            return modprobe_conf.builtin_words(self.cmdline, module)
        return modprobe_conf.cmdline_options(self.cmdline, module)

    def boot_words(self) -> list[str]:
        """The command line's words for the built-in modules' parameters, in order
        (``kvm-intel.nested=1``: :func:`~nested_snippets.parsers.modprobe_conf.builtin_words`
        for every module of the kernel data, and built-in code with no module file:
        :attr:`.Arch.builtin_code`); a tool call's view notes these."""
        names = [spec.name for spec in self.modules.values() if spec.data_key]
        names += [code.name for code in arches.get(self.arch).builtin_code]
        return modprobe_conf.builtin_words(self.cmdline, *names)

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


def rewrite(fd: int, data: bytes) -> None:
    """Replace a file's content in place.

    Not truncated to zero first: ext4 (``auto_da_alloc``) then forces the new data to
    disk, which costs ~0.2 s on a loaded machine; a new file costs an inode.
    """
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))


def boot_args(release: str) -> str:
    """What the boot loader puts before the configured options on the command line."""
    return f"BOOT_IMAGE=/boot/vmlinuz-{release} root=/dev/vda1 ro"


class LoadError(Exception):
    def __init__(self, errno_name: str):
        super().__init__(errno_name)
        self.errno_name = errno_name


def message(state: State, key: str, **fields) -> str:
    """The log text of ``key`` on this kernel (from the state's message table)."""
    template, _errno_name, defaults = state.messages[key]
    return template.format(**{**defaults, **fields})


def _errno(state: State, key: str) -> str | None:
    return state.messages[key][1]


def parse_value(state: State, ptype: str, value: str | None) -> str:
    """:func:`values.parse` as this kernel reads ``value``: :attr:`State.bool_extra`
    is read (and so noted by a tool call's view) only for a bool whose first letter
    some releases read and others refuse, so a run given ``nested=1`` is the same on
    every release."""
    needs = ptype in values.NOARG_TYPES and not values.reads_alike(value)
    return values.parse(ptype, value, state.bool_extra if needs else "")


def initial_values(table: dict[str, dict]) -> dict[str, str]:
    """Each parameter's compile-time default, from its own row of ``table``."""
    return {name: p["default"] for name, p in table.items() if p["default"] is not None}


def parse_boot_args(state: State) -> None:
    """Log what the kernel's ``parse_args("Booting kernel", ...)`` says of the built-in
    modules' parameters on the command line (init/main.c ``start_kernel()``,
    kernel/params.c; 4.19.0 to 7.1.3): one pass over the line, before any module
    initialises, over the parameters of every built-in module, whether or not its init
    will succeed (a kvm_amd built into an Intel host's kernel has its parameters
    too).  A dotted word no parameter has is left "for modprobe" by
    ``unknown_bootoption()`` and logs nothing; a refused value logs ``Booting kernel:
    `x' invalid for parameter `kvm-intel.nested'`` (the word's name as written) and
    parsing goes on.  What is set, :func:`insert` with ``boot`` sets."""
    for word in state.boot_words():
        written, value = modprobe_conf.split_option(word)
        mod, _dot, param = written.partition(".")
        table = state.params_of(modprobe_conf.normalize(mod))
        name = modprobe_conf.normalize(param)
        if name not in table:
            continue
        try:
            parse_value(state, table[name]["type"], value)
        except values.InvalidValue:
            # parse_args()'s own line (invalid_value), its ``doing`` the "Booting kernel"
            # that start_kernel() passes (init/main.c @ 4.19.0 ... 7.1.3, unchanged)
            state.log(
                message(state, "invalid_value", module="Booting kernel", value=value or "",
                        param=written)
            )  # fmt: skip


def insert(state: State, spec: ModuleSpec, words: list[str], boot: bool = False) -> None:
    """Load one module (its dependencies must be loaded).  Raises :class:`LoadError`.

    ``boot``: the module is built in and ``words`` are the kernel command line's words
    for it (``kvm-intel.nested=1``, :func:`~nested_snippets.parsers.modprobe_conf.builtin_words`),
    which the kernel's ``parse_args()`` set before any module initialised
    (:func:`parse_boot_args` logs what it says of them): a name no parameter has and a
    refused value are passed over, the parameter keeping its initializer (the setter
    writes nothing when it fails), and the module initialises.

    Under a tool call's view (:mod:`.reads`) the parameter table is read row by row:
    each value is first copied from its own row (:func:`raw`, noting nothing: whoever
    reads the value later notes its row), and every decision (an option's parameter,
    the init checks, the rules of :mod:`.runtime`) notes the rows it looks at."""
    table = state.params_of(spec.name)
    vals = track(table, initial_values(raw(table)))
    given = set()
    refused = None  # parse_args() goes on after a refused value: the last one's errno
    for word in words:
        raw_name, value = modprobe_conf.split_option(word)
        if boot:
            raw_name = raw_name.partition(".")[2]
        name = modprobe_conf.normalize(raw_name)  # parameter names are C identifiers
        if name not in table:
            if not boot:
                state.log(message(state, "unknown_param", module=spec.name, param=raw_name))
            continue
        try:
            vals[name] = parse_value(state, table[name]["type"], value)
        except values.InvalidValue as exc:
            if not boot:
                fields = {"module": spec.name, "value": value or "", "param": raw_name}
                state.log(message(state, "invalid_value", **fields))
                refused = exc.errno_name  # EINVAL, or ERANGE from kstrtox.c
            continue
        given.add(name)
    if refused:
        raise LoadError(refused)
    _init_checks(state, spec, vals)
    for name, param in raw(table).items():  # each value from its own row and the CPU
        need = param["requires"]
        if need and name in raw(vals) and not all(cpus.has_flag(state.cpu_flags, f) for f in need):
            raw(vals)[name] = values.off_value(param["type"])
    runtime.adjust(spec.name, vals, state.cpu_flags, table, frozenset(given))
    _log_init(state, spec, vals)
    state.loaded.insert(0, Loaded(spec.name, dict(raw(vals))))
    for dep in spec.depends:
        holder = state.get(dep)
        if holder is not None:
            holder.holders.append(spec.name)


def bare(state: State) -> State:
    """The state behind a tool call's view (:class:`.reads.StateView`), or ``state``.

    :func:`materialize` writes the trees from the bare state: what a run sees of them
    is what it opens, and each file it opens notes the parts of the state it shows
    (:func:`nested_snippets.runner.shared.row_reads`, :func:`.reads.lookup`)."""
    return getattr(state, "_s", state)


def raw(mapping):
    """The plain dictionary behind a noting one (:mod:`.reads`), or ``mapping``."""
    return mapping.raw() if hasattr(mapping, "raw") else mapping


def track(table, vals: dict[str, str]):
    """``vals`` (parameter values copied from ``table``'s rows), noting each value's
    row when it is read, where ``table`` notes its reads."""
    return table.track(vals) if hasattr(table, "track") else vals


def _log_init(state: State, spec: ModuleSpec, vals: dict[str, str]) -> None:
    """The informational lines a module prints when it loads (kvm_amd only, so far)."""
    if spec.name != "kvm_amd":
        return
    if vals.get("nested", "0") != "0":
        state.log(message(state, "amd_nested_enabled"))
    npt_cpu = cpus.has_flag(state.cpu_flags, "npt")
    if vals.get("npt") in ("Y", "1") and npt_cpu:
        state.log(message(state, "amd_npt_enabled"))
    else:  # before 5.7 only npt=0 on a CPU with NPT logs a line
        state.log(message(state, "amd_npt_disabled" if npt_cpu else "amd_npt_unsupported"))
    if vals.get("vgif") in ("Y", "1"):
        state.log(message(state, "amd_vgif"))
    if state.get("kvm") is not None and state.get("kvm").params.get("enable_pmu") == "N":
        state.log(message(state, "amd_pmu_disabled"))


def _init_checks(state: State, spec: ModuleSpec, vals: dict[str, str]) -> None:
    """What the module's init function refuses, in the kernel's order."""
    if spec.vendor:
        other = next((m for m in state.loaded if state.modules[m.name].vendor), None)
        for check in ("hw", "other") if state.hw_first else ("other", "hw"):
            if check == "other" and other is not None:
                state.log(message(state, "already_loaded_vendor", module=other.name))
                raise LoadError("EEXIST")
            if check == "hw" and not state.firmware_vt:
                # CPUID still has the flag; the module's MSR check fails
                key = spec.bios_off_message
                state.log(message(state, key, module=spec.name))
                raise LoadError(_errno(state, key) or "EOPNOTSUPP")
            if check == "hw" and not cpus.has_flag(state.cpu_flags, spec.needs_flag or ""):
                own = arches.get(state.arch).module == spec.name
                key = spec.own_no_hw_message if own else spec.no_hw_message
                state.log(message(state, key, module=spec.name))
                raise LoadError(_errno(state, key) or "EOPNOTSUPP")
    row = arches.get(state.arch)
    if spec.name != row.module:
        return
    if row.no_flag_message and not cpus.has_flag(state.cpu_flags, spec.needs_flag or ""):
        state.log(message(state, row.no_flag_message))
        raise LoadError(_errno(state, row.no_flag_message) or "ENODEV")
    for first, second, key in row.param_conflicts:
        both = vals.get(first, "0") != "0" and vals.get(second, "0") != "0"
        errno_name = _errno(state, key)
        if both and errno_name:
            state.log(message(state, key))
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
    if any(m.vendor for m in state.modules.values()):
        return any(state.modules[m.name].vendor for m in state.loaded)
    return state.get(arches.get(state.arch).module) is not None


# ------------------------------------------------------------------- the trees


Node = tuple[int, int, str]
"""One entry of :func:`trees`: (``stat.S_IFDIR`` or ``stat.S_IFREG``, permission bits,
a file's text; ``""`` for a directory)."""
_DIR, _FILE = stat.S_IFDIR, stat.S_IFREG


def trees(state: State, full: bool = False, keep: Collection[str] = ()) -> dict[str, Node]:
    """What /sys/module, /proc, /lib/modules and /dev/kvm show for ``state``, by path
    relative to the root, each directory before what it holds: the one description
    that :func:`materialize` writes and :func:`nested_snippets.runner.shared.look`
    reads without writing anything.

    ``full`` adds what never changes while a host lives: /proc/cpuinfo, /proc/version
    and /lib/modules.  The modules named in ``keep`` are listed in /sys/module but
    their directories are not described (nothing of them is read)."""
    out: dict[str, Node] = {}
    if full:
        out["proc"] = (_DIR, 0o755, "")
        out["dev"] = (_DIR, 0o755, "")
        out["proc/cpuinfo"] = (_FILE, 0o444, state.cpuinfo)
        out["proc/version"] = (_FILE, 0o444, version_text(state) + "\n")
        for d in ("lib", "lib/modules", f"lib/modules/{state.release}"):
            out[d] = (_DIR, 0o755, "")
        if state.builtin:
            names = "".join(f"kernel/{m.path}\n" for m in state.modules.values())
            out[f"lib/modules/{state.release}/modules.builtin"] = (_FILE, 0o444, names)
    out["sys"] = (_DIR, 0o755, "")
    out["sys/module"] = (_DIR, 0o755, "")
    for mod in state.loaded:
        mod_dir = f"sys/module/{mod.name}"
        out[mod_dir] = (_DIR, 0o755, "")
        if mod.name in keep:
            continue
        # sysfs makes no files on request: `tee .../parameters/NAME` for a parameter the
        # module lacks fails (snippets run without the capabilities that would bypass this)
        out[f"{mod_dir}/parameters"] = (_DIR, 0o555, "")
        table = state.params_of(mod.name)
        for name, value in mod.params.items():
            perm = table[name]["perm"] if name in table else 0o444
            if perm:
                out[f"{mod_dir}/parameters/{name}"] = (_FILE, perm & 0o666, value + "\n")
        if not state.builtin:  # built-in modules have no refcnt in sysfs
            out[f"{mod_dir}/refcnt"] = (_FILE, 0o444, f"{refcount(mod)}\n")
    modules = (
        ""
        if state.builtin
        else "".join(
            f"{m.name} {state.modules[m.name].size} {refcount(m)} "
            f"{','.join(m.holders) + ',' if m.holders else '-'} Live 0x0000000000000000\n"
            for m in state.loaded
        )
    )
    out.setdefault("proc", (_DIR, 0o755, ""))
    out["proc/modules"] = (_FILE, 0o444, modules)
    out["proc/cmdline"] = (_FILE, 0o444, state.cmdline + "\n")
    if kvm_device_present(state):
        out.setdefault("dev", (_DIR, 0o755, ""))
        out["dev/kvm"] = (_FILE, 0o660, "")
    return out


def materialize(
    state: State, root: str | os.PathLike, full: bool = False, keep: Collection[str] = ()
) -> None:
    """Make the trees under ``root`` show :func:`trees` of ``state``.

    The directories of the loaded modules named in ``keep`` are left as they are
    (their entries did not change since they were written), as the kernel leaves a
    module's sysfs files alone when another loads.  Directories that exist keep their
    mode, but for a module's ``parameters``; /sys/module holds just the loaded modules
    and a ``parameters`` directory just its module's parameters; /dev/kvm is removed
    when the state has no KVM device.  Nothing is followed: a path a snippet replaced
    by a link or another kind of file is removed and written anew.
    """
    root = os.fspath(root)
    plan = trees(state, full, keep)
    kept = {f"sys/module/{name}" for name in keep}
    for rel, (kind, mode, text) in plan.items():
        path = os.path.join(root, rel)
        if kind == _FILE:
            _write_file(path, text, mode)
            continue
        if rel in kept and os.path.isdir(path) and not os.path.islink(path):
            continue
        made = _plain_dir(path, mode)
        if rel == "sys/module" or rel.endswith("/parameters"):
            if not made and rel != "sys/module":
                os.chmod(path, mode)
            prefix = rel + "/"
            for name in os.listdir(path):
                if prefix + name not in plan and not _stale_param_kept(state, rel, name):
                    _remove(os.path.join(path, name))
    dev_kvm = os.path.join(root, "dev", "kvm")
    if "dev/kvm" not in plan and os.path.lexists(dev_kvm):
        _remove(dev_kvm)


def _stale_param_kept(state: State, rel: str, name: str) -> bool:
    """A parameter the module has but sysfs does not show (mode 0) keeps whatever a
    snippet put in its place, as it always did."""
    if not rel.endswith("/parameters"):
        return False
    mod = state.get(rel.split("/")[2])
    return mod is not None and name in mod.params


def harvest(state: State, root: str | os.PathLike) -> None:
    """Take into ``state`` what was written to writable parameters under ``root``."""
    sysmod = os.path.join(os.fspath(root), "sys", "module")
    for mod in state.loaded:
        table = state.params_of(mod.name)
        for name in mod.params:
            if not (name in table and table[name]["perm"] & 0o222):
                continue
            path = os.path.join(sysmod, mod.name, "parameters", name)
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                text = os.read(fd, 4096).decode("utf-8", "replace")
            finally:
                os.close(fd)
            mod.params[name] = text.split("\n", 1)[0]


def version_text(state: State) -> str:
    """/proc/version of the fake kernel (no compiler named: the fake was built by none)."""
    return f"Linux version {state.release} (fake@fakehost) #1 SMP"


def _plain_dir(path: str, mode: int) -> bool:
    """``path`` as a real directory (a link or file a snippet put there is removed
    first, so nothing written afterwards follows it); True when it was made."""
    if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
        os.unlink(path)
    if os.path.isdir(path):
        return False
    os.mkdir(path, mode)
    os.chmod(path, mode)  # not the umask's
    return True


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _write_file(path: str, text: str, mode: int) -> None:
    """Write ``path`` afresh unless it already is a plain file holding ``text``.

    Bytes a snippet gave that are not UTF-8 (kept as surrogate escapes) go back out
    as the same bytes."""
    data = text.encode("utf-8", "surrogateescape")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        fd = None
    except OSError:  # a link, a FIFO we may not open, ...
        _remove(path)
        fd = None
    if fd is not None:
        try:
            st = os.fstat(fd)
            same = (
                st.st_nlink == 1
                and (st.st_mode & 0o170000) == 0o100000
                and st.st_size == len(data)
                and os.read(fd, len(data) + 1) == data
            )
            if same:
                os.fchmod(fd, mode)
        finally:
            os.close(fd)
        if same:
            return
        _remove(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, data)
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


if __name__ == "__main__":  # debugging aid: print a host's kernel state as JSON
    import json
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python -m nested_snippets.fakehost.state HOST_DIR")
    print(json.dumps(State.read(sys.argv[1]).to_json(), indent=1))
