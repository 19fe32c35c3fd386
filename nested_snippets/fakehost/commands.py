"""The fake host's look-alike tools: lsmod, modinfo, modprobe, rmmod, dmesg, lscpu, ...

Each call runs in the tool server's worker for the caller's sandbox, which has entered
its namespaces (:mod:`nested_snippets.fakehost.toolserver`): it sees the fake host at the real paths
(``root`` is ``/`` there), changes the fake kernel's :class:`~.kernel.State` and prints
what kmod, util-linux, coreutils or GRUB print, message for message.  Options a tool
does not model are refused with exit status 2 and a message that says so, never
silently ignored.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable

from nested_snippets import arches
from nested_snippets.fakehost import state as fk
from nested_snippets.parsers import modprobe_conf
from nested_snippets.regular import read_regular

ERRNO_TEXT = {
    "EINVAL": "Invalid argument",
    "ERANGE": "Numerical result out of range",
    "EOPNOTSUPP": "Operation not supported",
    "ENODEV": "No such device",
    "EPERM": "Operation not permitted",
    "EEXIST": "File exists",
    "EBUSY": "Device or resource busy",
    "EIO": "Input/output error",
}


class Usage(Exception):
    """A fake tool was asked for something it does not model."""


class Host:
    """One tool call's view: the fake kernel, the tree it shows (``root``), sudo or not."""

    def __init__(
        self, state: fk.State, root: str, sudo: bool, unchanged: Callable[[], set[str]] = set
    ) -> None:
        self.state = state
        self.root = root
        self.sudo = sudo
        self.unchanged = unchanged
        """The loaded modules whose sysfs directories already show them."""
        self.out: list[str] = []
        self.err: list[str] = []

    def save(self) -> None:
        fk.materialize(fk.bare(self.state), self.root, keep=self.unchanged())

    def moddir(self) -> str:
        return f"/lib/modules/{self.state.release}"


def _spec(host: Host, name: str):
    return host.state.modules.get(modprobe_conf.normalize(name))


def _loaded(host: Host, name: str) -> fk.Loaded | None:
    """``name`` as kmod's tools find it loaded: a module they know (built-in code with
    no module file, :attr:`.Arch.builtin_code`, has a ``/sys/module`` directory but
    its ``rmmod`` is not modelled, and is left as before: not loaded)."""
    return host.state.get(name) if _spec(host, name) is not None else None


# ------------------------------------------------------------------------- boot


def boot(state: fk.State, root: str) -> None:
    """Finish a reboot the runner asked for (see ``FakeHost.reboot``), if one is due."""
    if state.boot_pending:
        state.boot_pending = False
        boot_modules(state, root, nested=state.boot_nested)
        fk.materialize(fk.bare(state), root)


def boot_modules(state: fk.State, root: str | os.PathLike, nested: bool | None) -> None:
    """What the boot does: built-in KVM initialises, and udev loads the KVM modules
    whose CPU-feature modalias this CPU matches (``ModuleSpec.autoload == "cpu"``).
    KVM code with no module file (:attr:`.Arch.builtin_code`) initialises too; its
    parameters then show in ``/sys/module/<name>/parameters``, and kmod's tools do
    not see it (:func:`_loaded`)."""
    from nested_snippets.fakehost import early_params  # they come first

    early_params.parse(state)
    extra = [] if nested is None else [f"nested={int(nested)}"]
    targets = [m for m in state.modules.values() if m.data_key]
    if state.builtin:
        fk.parse_boot_args(state)
        for code in arches.get(state.arch).builtin_code:
            _load_builtin(state, code, [])
        vendor = [m for m in targets if m.vendor]
        if vendor:
            targets = [m for m in vendor if m.needs_flag in state.cpu_flags]
        for spec in targets:
            _load_builtin(state, spec, extra)
        return
    cfg = modprobe_conf.read_dirs(root)
    for spec in targets:
        # udev's modalias load applies kmod's blacklist (_blacklisted)
        cpu = spec.autoload == "cpu" and spec.needs_flag in state.cpu_flags
        if cpu and not _blacklisted(state, cfg, spec.name):
            _probe(state, cfg, spec.name, extra)


def open_dev_kvm(state: fk.State, root: str | os.PathLike, nested: bool | None) -> None:
    """What the first open of ``/dev/kvm`` after boot does (libvirt probing QEMU, say):
    kmod's static node exists from boot, and the open makes the kernel load the modules
    with the ``devname:kvm`` alias (``ModuleSpec.autoload == "devname"``), the failures
    logged as a modprobe's would be.

    ``misc_open()`` asks for the misc-device alias (``request_module("char-major-%d-%d",
    ...)``, drivers/char/misc.c, Linux 6.6), which the kernel runs as ``modprobe -q --
    char-major-10-232`` (``call_modprobe()``, kernel/module/kmod.c); kmod's modprobe
    always sets ``KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY`` (tools/modprobe.c
    ``insmod()``, kmod v30 to v34.2), so a blacklisted module found through an alias is
    not loaded, silently (:func:`_blacklisted`)."""
    if state.builtin:
        return
    extra = [] if nested is None else [f"nested={int(nested)}"]
    cfg = modprobe_conf.read_dirs(root)
    for spec in state.modules.values():
        if spec.autoload == "devname" and not _blacklisted(state, cfg, spec.name):
            _probe(state, cfg, spec.name, extra)


def _blacklisted(state: fk.State, cfg: modprobe_conf.Config, name: str) -> bool:
    """Whether an autoload leaves ``name`` alone for kmod's blacklist.

    kmod's ``module_is_blacklisted()`` (libkmod/libkmod-module.c, kmod v30 to v34.2)
    compares the module's name with ``streq()`` to each entry of the configuration's
    blacklists: the files' ``blacklist`` lines, whose names went through
    ``underscores()``, and the names of ``modprobe.blacklist=`` on the kernel command
    line, kept as written (``kcmdline_parse_result()``, libkmod/libkmod-config.c).
    udev's builtin kmod loads a modalias with ``KMOD_PROBE_APPLY_BLACKLIST`` (systemd
    src/shared/module-util.c ``module_load_and_warn()``), the kernel's
    ``request_module()`` through modprobe's ``KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY``
    (:func:`open_dev_kvm`); either way ``kmod_module_probe_insert_module()`` returns
    before it loads anything of the module's probe list.  Only the module asked for
    is checked, not its dependencies (that is ``KMOD_PROBE_APPLY_BLACKLIST_ALL``)."""
    if cfg.blacklisted(name):
        return True
    return f"blacklist {name}" in state.module_words()


def _load_builtin(state: fk.State, spec, extra: list[str]) -> None:
    """Built-in ``spec`` (and its dependencies) initialise with what the kernel's
    ``parse_args()`` set from the command line at boot (``fk.insert(boot=True)``);
    ``extra`` are options as for a load (``nested=1``), given as command-line words."""
    for dep in spec.depends:
        dep_spec = state.modules[dep]
        if state.get(dep) is None and dep_spec.data_key:
            fk.insert(state, dep_spec, state.options_on_cmdline(dep, builtin=True), boot=True)
    words = state.options_on_cmdline(spec.name, builtin=True)
    words += [f"{spec.name}.{word}" for word in extra]
    with contextlib.suppress(fk.LoadError):
        fk.insert(state, spec, words, boot=True)


def _probe(
    state: fk.State,
    cfg: modprobe_conf.Config,
    name: str,
    args: list[str],
    first_time: bool = False,
) -> tuple[int, list[str]]:
    """modprobe one module and its dependencies; returns (status, error lines)."""
    spec = state.modules[name]
    if state.get(name) is not None:
        if first_time:
            return 1, [f"modprobe: ERROR: could not insert '{name}': Module already in kernel"]
        return 0, []
    for dep in spec.depends:
        status, errors = _probe(state, cfg, dep, [])
        if status:
            return status, errors
    # kmod 30: modprobe.d's options, then the command line's (kmod_config_new() parses
    # /proc/cmdline after the files), then modprobe's own (module_options_concat())
    # joined into the one string the kernel parses (Config.options: a quote a file
    # leaves open takes the command line's options in)
    words = [w for w, _line in cfg.options(name, state.options_on_cmdline(name) + list(args))]
    try:
        fk.insert(state, spec, words)
    except fk.LoadError as exc:
        if exc.errno_name == "EEXIST":
            return 0, []  # kmod treats the kernel's EEXIST as "already loaded"
        return 1, [f"modprobe: ERROR: could not insert '{name}': {ERRNO_TEXT[exc.errno_name]}"]
    return 0, []


# ------------------------------------------------------------------------ tools


def lsmod(host: Host, args: list[str]) -> int:
    if args:
        raise Usage("lsmod takes no arguments")
    host.out.append("Module                  Size  Used by")
    if host.state.builtin:
        return 0
    for mod in host.state.loaded:
        size = host.state.modules[mod.name].size
        line = f"{mod.name:<19} {size:>8}  {fk.refcount(mod)}"
        if mod.holders:
            line += " " + ",".join(mod.holders)
        host.out.append(line)
    return 0


def modinfo(host: Host, args: list[str]) -> int:
    field = None
    names = []
    it = iter(args)
    for a in it:
        if a in ("-p", "--parameters"):
            field = "parm"
        elif a in ("-n", "--filename"):
            field = "filename"
        elif a in ("-F", "--field"):
            field = next(it, None)
        elif a.startswith("-"):
            raise Usage(f"option {a} is not modelled")
        else:
            names.append(a)
    if not names:
        host.err.append("modinfo: ERROR: missing module or filename.")
        return 1
    status = 0
    for name in names:
        spec = _spec(host, name)
        if spec is None:
            host.err.append(f"modinfo: ERROR: Module {name} not found.")
            status = 1
            continue
        _modinfo_one(host, spec, field)
    return status


def _modinfo_one(host: Host, spec, field: str | None) -> None:
    builtin = host.state.builtin
    filename = "(builtin)" if builtin else f"{host.moddir()}/kernel/{spec.path}"
    if field == "filename":  # the parameter table is not read (see .reads)
        host.out.append(filename)
        return
    params = host.state.params_data.get(spec.name, []) if field in (None, "parm") else []
    rendered = []
    for p in _modinfo_order(params):
        if p["desc"] is None and p["modinfo_type"] is None:
            continue
        rendered.append((p["name"], p["desc"], p["modinfo_type"]))
    if field == "parm":
        for name, desc, ptype in rendered:
            if desc is None:
                host.out.append(f"{name}: ({ptype})")
            elif ptype is None:
                host.out.append(f"{name}:{desc}")
            else:
                host.out.append(f"{name}:{desc} ({ptype})")
        return
    info = [("license", spec.license)]
    if spec.author:
        info.append(("author", spec.author))
    info += [
        ("depends", ",".join(spec.depends)),
        ("retpoline", "Y"),
        ("intree", "Y"),
        ("name", spec.name),
        ("vermagic", f"{host.state.release} SMP mod_unload"),
    ]
    if field is not None:
        host.out.extend(v for k, v in info if k == field)
        return
    if builtin:
        host.out.append(f"{'name:':<16}{spec.name}")
        # modules.builtin.modinfo keeps license and author, not the load-time fields
        info = [(k, v) for k, v in info if k in ("license", "author")]
    host.out.append(f"{'filename:':<16}{filename}")
    host.out.extend(f"{k}:{'':<{15 - len(k)}}{v}" for k, v in info)
    for name, desc, ptype in rendered:
        value = f"{name}:{desc}" if desc is not None else f"{name}:{ptype}"
        if desc is not None and ptype is not None:
            value += f" ({ptype})"
        host.out.append(f"{'parm:':<16}{value}")


def _modinfo_order(params: list[dict]) -> list[dict]:
    """The order kmod prints parameters in, measured on 6.1, 6.12 and 7.3.

    Within one source file the ``.modinfo`` entries keep source order; the files come
    in reverse link order (kmod walks the section and prepends).
    """
    files: list[str] = []
    for p in params:
        if p["file"] not in files:
            files.append(p["file"])
    return [p for f in reversed(files) for p in params if p["file"] == f]


def modprobe(host: Host, args: list[str]) -> int:
    remove = first_time = showconfig = False
    config_dirs: tuple[str, ...] | None = None
    positional: list[str] = []
    it = iter(args)
    for a in it:
        if a in ("-r", "--remove"):
            remove = True
        elif a == "--first-time":
            first_time = True
        elif a in ("-c", "--showconfig", "--show-config"):
            showconfig = True
        elif a in ("-C", "--config"):
            config_dirs = (next(it, ""),)
        elif a.startswith("-"):
            raise Usage(f"option {a} is not modelled")
        else:
            positional.append(a)
    cfg = modprobe_conf.read_dirs(host.root, config_dirs or modprobe_conf.CONFIG_DIRS)
    if showconfig:
        _showconfig(host, cfg)
        return 0
    if not positional:
        host.err.append("modprobe: ERROR: missing parameters. See -h.")
        return 1
    if remove:
        return _modprobe_remove(host, positional, first_time)
    name, params = modprobe_conf.normalize(positional[0]), positional[1:]
    if _spec(host, name) is None:
        host.err.append(
            f"modprobe: FATAL: Module {positional[0]} not found in directory {host.moddir()}"
        )
        return 1
    if host.state.builtin:
        if first_time:
            host.err.append(f"modprobe: ERROR: could not insert '{name}': Module already in kernel")
            return 1
        return 0
    if not host.sudo and host.state.get(name) is None:
        host.err.append(f"modprobe: ERROR: could not insert '{name}': Operation not permitted")
        return 1
    status, errors = _probe(host.state, cfg, name, params, first_time=first_time)
    host.err.extend(errors)
    host.save()
    return status


def _showconfig(host: Host, cfg: modprobe_conf.Config) -> None:
    """``modprobe -c``: blacklists, then options (kmod's show_config(), tools/modprobe.c
    v34.2), each list with the files' entries first and the kernel command line's
    after them (kmod_config_new() parses /proc/cmdline after the files)."""
    kcmdline = host.state.module_words()
    for line in cfg.lines:
        if line.command == "blacklist":
            host.out.append(f"blacklist {line.args[0]}")
    host.out.extend(w for w in kcmdline if w.startswith("blacklist "))
    for line in cfg.lines:
        if line.command == "options":
            host.out.append(
                f"options {modprobe_conf.normalize(line.args[0])} {' '.join(line.args[1:])}"
            )
    host.out.extend(w for w in kcmdline if w.startswith("options "))


def _modprobe_remove(host: Host, names: list[str], first_time: bool) -> int:
    for raw in names:
        name = modprobe_conf.normalize(raw)
        if host.state.builtin and _spec(host, name) is not None:
            host.err.append(f"modprobe: FATAL: Module {name} is builtin.")
            return 1
        mod = _loaded(host, name)
        if mod is None:
            if first_time:
                host.err.append(f"modprobe: FATAL: Module {name} is not in kernel.")
                return 1
            continue
        if fk.refcount(mod):
            host.err.append(f"modprobe: FATAL: Module {name} is in use.")
            return 1
        if not host.sudo:
            host.err.append(f"modprobe: ERROR: could not remove '{name}': Operation not permitted")
            return 1
        _remove_with_deps(host.state, name)
    host.save()
    return 0


def _remove_with_deps(state: fk.State, name: str) -> None:
    fk.remove(state, name)
    for dep in state.modules[name].depends:
        mod = state.get(dep)
        if mod is not None and fk.refcount(mod) == 0:
            _remove_with_deps(state, dep)


def rmmod(host: Host, args: list[str]) -> int:
    names = [a for a in args if not a.startswith("-")]
    for a in args:
        if a.startswith("-"):
            raise Usage(f"option {a} is not modelled")
    if not names:
        host.err.append("rmmod: ERROR: missing module name.")
        return 1
    status = 0
    for raw in names:
        name = modprobe_conf.normalize(raw)
        mod = _loaded(host, name)
        if host.state.builtin and _spec(host, name) is not None:
            host.err.append(f"rmmod: ERROR: Module {name} is builtin.")
            status = 1
        elif mod is None:
            host.err.append(f"rmmod: ERROR: Module {name} is not currently loaded")
            status = 1
        elif mod.holders:
            host.err.append(f"rmmod: ERROR: Module {name} is in use by: {' '.join(mod.holders)}")
            status = 1
        elif mod.users:
            host.err.append(f"rmmod: ERROR: Module {name} is in use")
            status = 1
        elif not host.sudo:
            host.err.append(
                f"rmmod: ERROR: could not remove module {name}: Operation not permitted"
            )
            status = 1
        else:
            fk.remove(host.state, name)
    host.save()
    return status


def dmesg(host: Host, args: list[str]) -> int:
    if args:
        raise Usage(f"dmesg options are not modelled: {' '.join(args)}")
    if not host.sudo:
        host.err.append("dmesg: read kernel buffer failed: Operation not permitted")
        return 1
    for stamp, text in host.state.dmesg:
        sec, usec = divmod(round(stamp * 1_000_000), 1_000_000)
        host.out.append(f"[{sec:5d}.{usec:06d}] {text}")
    return 0


LSCPU_FIELD_WIDTH = 41
"""Where lscpu's values start.  Its summary is a two-column libsmartcols table whose
first column is as wide as its longest label, plus one space (util-linux
``sys-utils/lscpu.c`` ``print_summary()``; off a terminal each vulnerability row reads
``Vulnerability %s:``), so on x86 the kernel's list of vulnerabilities sets it and it
differs between kernels.  This is the width util-linux 2.38.1 printed on Linux 6.18.44
(measured 2026-12-05): ``Vulnerability Indirect target selection:``, 40 characters."""


def lscpu(host: Host, args: list[str]) -> int:
    if args:
        raise Usage("lscpu options are not modelled")

    row = arches.get(host.state.arch)
    rows = [("Architecture:", host.state.machine)]
    if host.state.cpu_row:
        vendor, model, *_ = host.state.cpu_row
        rows += [("Vendor ID:", vendor), ("Model name:", model)]
        if row.cpu_flag and row.cpu_flag in host.state.cpu_flags:
            rows.append(("Virtualization:", row.extension))
    if host.state.level == "L1":
        rows += [("Hypervisor vendor:", "KVM"), ("Virtualization type:", "full")]
    host.out.extend(f"{k:<{LSCPU_FIELD_WIDTH}}{v}" for k, v in rows)
    return 0


def update_grub(host: Host, args: list[str]) -> int:
    if args:
        raise Usage("update-grub takes no arguments")
    if not host.sudo:
        host.err.append("grub-mkconfig: You must run this as root")
        return 1
    values = {}
    try:
        data = read_regular(os.path.join(host.root, "etc/default/grub"), modprobe_conf.MAX_CONF)
    except OSError as exc:
        host.err.append(f"/usr/sbin/grub-mkconfig: 1: /etc/default/grub: {exc.strerror}")
        return 1
    grub = data.decode("utf-8", "surrogateescape")
    for line in grub.splitlines():
        key, eq, value = line.partition("=")
        if eq:
            values[key.strip()] = value.strip().strip('"')
    rel = host.state.release
    base = fk.boot_args(rel)
    extra = " ".join(
        v
        for v in (
            values.get("GRUB_CMDLINE_LINUX", ""),
            values.get("GRUB_CMDLINE_LINUX_DEFAULT", ""),
        )
        if v
    )
    host.state.next_cmdline = f"{base} {extra}".strip()
    host.err += [
        "Sourcing file `/etc/default/grub'",
        "Generating grub configuration file ...",
        f"Found linux image: /boot/vmlinuz-{rel}",
        f"Found initrd image: /boot/initrd.img-{rel}",
        "done",
    ]
    host.save()
    return 0


def grubby(host: Host, args: list[str]) -> int:
    new_args = None
    for a in args:
        if a.startswith("--args="):
            new_args = a.split("=", 1)[1]
        elif a != "--update-kernel=ALL":
            raise Usage(f"option {a} is not modelled")
    if new_args is None:
        raise Usage("grubby needs --update-kernel=ALL --args=...")
    if not host.sudo:
        host.err.append("grubby: Need to be root to run this command")
        return 1
    current = host.state.next_cmdline or host.state.cmdline
    host.state.next_cmdline = grubby_update_args(current, new_args)
    host.save()
    return 0


def grubby_update_args(line: str, new_args: str) -> str:
    """The options line after ``grubby --args=NEW``, as Fedora's and RHEL's ``grubby``
    (the ``grubby-bls`` script's ``update_args``, rhboot/grubby at 526e39e4, read
    2026-12-05) makes it: a ``KEY=VALUE`` word replaces the value of the first
    ``KEY=`` on the line (``sed`` with ``KEY`` as a pattern, so its ``.`` matches any
    character) or is appended; a word without ``=`` is appended unless the line holds
    it; white space is collapsed (``echo ${args}``)."""
    for arg in new_args.split():
        if "=" in arg:
            value = arg.rsplit("=", 1)[1]
            key = arg[: -len(value) - 1]
            pattern = re.compile(re.escape(key).replace(r"\.", ".") + "=[^ ]*")
            found = pattern.search(line)
            if found:
                line = f"{line[: found.start()]}{key}={value}{line[found.end() :]}"
            else:
                line = f"{line} {key}={value}"
        elif re.search(re.escape(arg).replace(r"\.", "."), line) is None:
            line = f"{line} {arg}"
    return " ".join(line.split())


UNAME_FIELDS = "snrvmpio"
"""coreutils' order: kernel name, node name, release, version, machine, processor,
hardware platform, operating system."""
UNAME_LONG = {
    "--kernel-name": "s",
    "--nodename": "n",
    "--kernel-release": "r",
    "--kernel-version": "v",
    "--machine": "m",
    "--processor": "p",
    "--hardware-platform": "i",
    "--operating-system": "o",
    "--all": "a",
}
UNAME_UNMODELLED = ("--help", "--version")


def _uname_long(a: str) -> str | None:
    """The letter of a long option or of its unambiguous abbreviation (getopt_long)."""
    if a in UNAME_LONG:
        return UNAME_LONG[a]
    found = [name for name in (*UNAME_LONG, *UNAME_UNMODELLED) if name.startswith(a)]
    if len(a) > 2 and found in ([f] for f in UNAME_UNMODELLED):
        raise Usage(f"uname {found[0]} is not modelled")
    return UNAME_LONG[found[0]] if len(a) > 2 and len(found) == 1 else None


def uname(host: Host, args: list[str]) -> int:
    """coreutils 9.1 uname on Linux for the fake kernel: ``-p`` and ``-i`` print
    ``unknown`` (what upstream coreutils prints on Linux), which ``-a`` leaves out.
    ``--help`` and ``--version`` are not modelled."""
    fields = dict(zip(UNAME_FIELDS, ["Linux", "fakehost", host.state.release, "#1 SMP",
                                     host.state.machine, "unknown", "unknown", "GNU/Linux"],
                      strict=True))  # fmt: skip
    wanted: set[str] = set()
    every = False
    operands = False
    for a in args:
        if operands or a == "-" or not a.startswith("-"):
            host.err += [f"uname: extra operand '{a}'", "Try 'uname --help' for more information."]
            return 1
        if a == "--":
            operands = True
            continue
        if a.startswith("--"):
            letter = _uname_long(a)
            if letter is None:
                host.err += [f"uname: unrecognized option '{a}'",
                             "Try 'uname --help' for more information."]  # fmt: skip
                return 1
            letters = letter
        else:
            letters = a[1:]
        for letter in letters:
            if letter == "a":
                every = True
            elif letter in fields:
                wanted.add(letter)
            else:
                host.err += [f"uname: invalid option -- '{letter}'",
                             "Try 'uname --help' for more information."]  # fmt: skip
                return 1
    if every:
        wanted = {k for k, v in fields.items() if k not in "pi" or v != "unknown"}
    wanted = wanted or {"s"}
    host.out.append(" ".join(v for k, v in fields.items() if k in wanted))
    return 0


DETECT_VIRT = {"-v": "vm", "--vm": "vm", "-c": "container", "--container": "container"}


def detect_virt(host: Host, args: list[str]) -> int:
    """systemd-detect-virt for the fake host: ``none`` (exit 1) on L0, ``kvm`` in an L1
    guest (the hypervisor ``lscpu`` names); never a container.  The real one reads the
    CPU's hypervisor bit with CPUID, which would answer for the machine running the
    tests."""
    what, quiet = "any", False
    for a in args:
        if a in ("-q", "--quiet"):
            quiet = True
        elif a in DETECT_VIRT and what == "any":
            what = DETECT_VIRT[a]
        else:
            raise Usage(f"systemd-detect-virt option {a} is not modelled")
    found = "kvm" if host.state.level == "L1" and what != "container" else "none"
    if not quiet:
        host.out.append(found)
    return 0 if found != "none" else 1


def arch(host: Host, args: list[str]) -> int:
    if args:
        raise Usage("arch takes no arguments")
    host.out.append(host.state.machine)
    return 0


PY_TOOLS = {
    "uname": uname,
    "arch": arch,
    "lsmod": lsmod,
    "modinfo": modinfo,
    "modprobe": modprobe,
    "rmmod": rmmod,
    "dmesg": dmesg,
    "lscpu": lscpu,
    "update-grub": update_grub,
    "grubby": grubby,
    "systemd-detect-virt": detect_virt,
}


def run(
    name: str,
    args: list[str],
    state: fk.State,
    root: str,
    sudo: bool,
    unchanged: Callable[[], set[str]] = set,
) -> tuple[int, str, str]:
    """Run fake tool ``name`` on ``state`` shown under ``root``: (status, stdout, stderr).

    ``unchanged()``: the loaded modules whose sysfs directories need no rewriting when
    the tool saves (default: none)."""
    host = Host(state, root, sudo, unchanged)
    tool = PY_TOOLS.get(name)
    if tool is None:
        return 127, "", f"{name}: not a tool of the fake host\n"
    try:
        status = tool(host, args)
    except Usage as exc:
        return 2, "", f"fake {name}: {exc} (see nested_snippets/fakehost/commands.py)\n"
    out = "\n".join(host.out) + "\n" if host.out else ""
    err = "\n".join(host.err) + "\n" if host.err else ""
    return status, out, err


def main() -> int:
    """``HOST/bin/<tool>`` of a host built with its trees on disk (``nested-kvm``
    tests put it on ``PATH``): runs on ``$FAKEHOST``, unconfined, outside the runner."""
    import sys

    home = os.environ["FAKEHOST"]
    state = fk.State.read(home)
    before = state.to_bytes()
    status, out, err = run(
        os.path.basename(sys.argv[0]),
        sys.argv[1:],
        state,
        os.path.join(home, "root"),
        os.environ.get("FAKEHOST_SUDO") == "1",
    )
    if state.to_bytes() != before:
        state.write(home)
    sys.stdout.write(out)
    sys.stdout.flush()
    sys.stderr.write(err)
    return status
