"""Build a fake host: a temporary root, its kernel state and its tools.

Layout of a host directory::

    HOST/root/          what the snippet sees as /
    HOST/bin/           the only PATH: fake kmod tools and a few real read/write tools
    HOST/state.marshal  the fake kernel (see :mod:`nested_snippets.fakehost.kernel`)
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nested_snippets import kernel as kdata
from nested_snippets.fakehost import cpus, firmware, pool
from nested_snippets.fakehost import kernel as fk
from nested_snippets.fakehost.tools import PY_TOOLS, boot_modules

REAL_TOOLS = (
    "cat",
    "grep",
    "tee",
    "head",
    "tail",
    "ls",
    "sort",
    "uniq",
    "wc",
    "cut",
    "tr",
    "mkdir",
    "rm",
    "cp",
    "mv",
    "touch",
    "diff",
    "basename",
    "dirname",
    "printf",
    "echo",
    "true",
    "false",
    "ln",
    "sleep",
    "id",
    "whoami",
)
# No chmod: read-only files are shared between hosts (pool.py); a mode change would leak.
SH_TOOLS = {
    "sudo": 'FAKEHOST_SUDO=1 exec "$@"\n',
    "uname": (
        '{ read -r release; read -r machine; read -r all; } < "$FAKEHOST/uname"\n'
        'case "$1" in -r) echo "$release";; -m) echo "$machine";; -a) echo "$all";;'
        " -s|'') echo Linux;; *) echo \"uname: option $1 is not modelled\" >&2; exit 2;; esac\n"
    ),
}
PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


class ScenarioError(ValueError):
    pass


@dataclass(frozen=True)
class Scenario:
    """Where a host starts: architecture, kernel version and start state."""

    arch: str
    kernel: str
    kvm: str = "loaded"  # loaded | unloaded | builtin
    nested: bool | None = None
    level: str = "L0"
    cpu_flag: bool = True
    firmware_vt: bool = True
    """False: VT-x/SVM switched off in the firmware (:mod:`.firmware`)."""
    vm_running: bool = False
    files: dict[str, str] = field(default_factory=dict)
    cmdline: str = ""
    cpu: cpus.CpuModel | None = None
    """A specific CPU (flags, model); default: the architecture's usual server CPU."""

    def __post_init__(self) -> None:
        if self.kvm not in ("loaded", "unloaded", "builtin"):
            raise ScenarioError(f"kvm must be loaded, unloaded or builtin, not {self.kvm!r}")
        if self.level not in ("L0", "L1"):
            raise ScenarioError(f"level must be L0 or L1, not {self.level!r}")
        try:
            kdata.resolve_version(self.kernel)
        except kdata.KernelDataError as exc:
            raise ScenarioError(str(exc)) from None


def release_for(kernel: str) -> str:
    return f"{kernel}.0-fake-amd64"


class FakeHost:
    """A fake host living in ``home`` (a fresh directory).

    ``bin_dir`` and ``pool_dir`` may be shared by many hosts of one process (the runner
    does so): tools find their host through ``$FAKEHOST``, and pooled files are
    read-only.  Without them the host makes its own.
    """

    def __init__(self, home: Path, bin_dir: Path | None = None):
        self.home = Path(home)
        self.root = self.home / "root"
        self.bin = bin_dir or self.home / "bin"

    # ------------------------------------------------------------- creation
    @classmethod
    def create(
        cls,
        home: Path,
        scenario: Scenario,
        bin_dir: Path | None = None,
        pool_dir: Path | None = None,
    ) -> FakeHost:
        host = cls(home, bin_dir)
        host.root.mkdir(parents=True, exist_ok=True)  # exists when recycled
        pool_dir = pool_dir or host.home / "pool"
        pool_dir.mkdir(exist_ok=True)
        if bin_dir is None:
            install_tools(host.bin)
        # as few directories as possible: each costs an inode (see pool.py); /tmp
        # appears when a snippet creates it.  /root is HOME and the working directory.
        for d in ("etc/modprobe.d", "etc/default", "root", "dev", "proc", "sys/module"):
            (host.root / d).mkdir(parents=True, exist_ok=True)
        version = kdata.resolve_version(scenario.kernel)
        release = release_for(version)
        (host.root / "etc/default/grub").write_text(
            'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\n'
            f'GRUB_CMDLINE_LINUX="{scenario.cmdline}"\n'
        )
        for path, content in scenario.files.items():
            host.write_file(path, content)
        flags = cpus.flags(scenario.arch, scenario.level, scenario.cpu_flag, scenario.cpu)
        if not scenario.firmware_vt:
            flags = firmware.cpu_flags(scenario.arch, version, flags)
        cpuinfo = cpus.cpuinfo(
            scenario.arch,
            scenario.level,
            flags,
            vmx_flags_line=kdata.version_key(version) >= (5, 6),
            model_row=cpus.row(scenario.arch, scenario.cpu) if scenario.arch in cpus.CPU else None,
        )
        pool.place(str(pool_dir), str(host.root / "proc/cpuinfo"), cpuinfo, 0o444)
        machine = _machine(scenario.arch)
        pool.place(
            str(pool_dir),
            str(host.home / "uname"),
            f"{release}\n{machine}\nLinux fakehost {release} #1 SMP {machine} GNU/Linux\n",
            0o444,
        )
        builtin = scenario.kvm == "builtin" or scenario.arch == "arm64"
        moddir = host.root / "lib" / "modules" / release
        moddir.mkdir(parents=True, exist_ok=True)
        if builtin:
            names = "".join(f"kernel/{m.path}\n" for m in fk.BY_ARCH[scenario.arch].values())
            pool.place(str(pool_dir), str(moddir / "modules.builtin"), names, 0o444)
        cmdline = f"{fk.boot_args(release)} quiet"  # quiet: GRUB_CMDLINE_LINUX_DEFAULT
        if scenario.cmdline:
            cmdline += " " + scenario.cmdline
        params_data = {}
        for spec in fk.BY_ARCH[scenario.arch].values():
            if spec.data_key:
                arch, name = spec.data_key.split("/")
                params_data[spec.name] = fk.param_rows(kdata.module(arch, name, version), version)
        state = fk.State(
            arch=scenario.arch,
            kernel=version,
            release=release,
            level=scenario.level,
            cpu_flags=flags,
            cpu_row=list(cpus.row(scenario.arch, scenario.cpu))
            if scenario.arch in cpus.CPU
            else [],
            builtin=builtin,
            cmdline=cmdline,
            params_data=params_data,
            pool=str(pool_dir),
            firmware_vt=scenario.firmware_vt,
        )
        firmware.log_boot(state)
        if scenario.kvm != "unloaded":
            boot_modules(state, host.root, nested=scenario.nested)
        if scenario.vm_running:
            for mod in state.loaded:
                if state.modules[mod.name].vendor or mod.name == "kvm_hv":
                    mod.users += 1
        fk.materialize(state, host.root)
        state.write(host.home)
        return host

    # ------------------------------------------------------------- access
    @property
    def commands(self) -> frozenset[str]:
        return frozenset(p.name for p in self.bin.iterdir() if not p.name.startswith("_"))

    def path(self, shown: str) -> Path:
        """The real path of a path as the snippet names it (``/etc/...``)."""
        if not shown.startswith("/"):
            raise ValueError(f"not an absolute path: {shown!r}")
        return self.root / shown.lstrip("/")

    def write_file(self, shown: str, content: str) -> None:
        """Create or replace a file (never writing through a link into the pool)."""
        target = self.path(shown)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
        target.write_text(content)

    def state(self) -> fk.State:
        return fk.State.read(self.home)

    def env(self) -> dict[str, str]:
        return {
            "PATH": str(self.bin),
            "HOME": str(self.root / "root"),
            "FAKEHOST": str(self.home),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TERM": "dumb",
            "TMPDIR": str(self.home),
        }

    def reboot(self) -> None:
        """Reboot: forget loaded modules and the log; boot again from the files."""
        state = self.state()
        if state.next_cmdline is not None:
            state.cmdline, state.next_cmdline = state.next_cmdline, None
        state.loaded.clear()
        state.dmesg.clear()
        state.clock = 4.0
        firmware.log_boot(state)
        boot_modules(state, self.root, nested=None)
        fk.materialize(state, self.root)
        state.write(self.home)


KEEP_FILES = ("state.marshal", "root/etc/default/grub")
"""Files :meth:`FakeHost.create` always rewrites: recycling keeps their inodes."""


def recycle(home: Path) -> None:
    """Empty a used host directory so that :meth:`FakeHost.create` can reuse it.

    Every file a snippet could have made or changed is removed; directories stay
    (creating and removing them is what costs, see ``pool.py``), and so do the sysfs
    parameter files, which ``materialize`` rewrites or removes for the next kernel.
    Directories a snippet made beyond the standard tree are removed.
    """
    home = Path(home)
    keep_dirs = {home, home / "root", home / ".unloaded"}
    for d in ("etc", "etc/modprobe.d", "etc/default", "root", "dev", "proc", "sys",
              "sys/module", "lib", "lib/modules"):  # fmt: skip
        keep_dirs.add(home / "root" / d)
    keep_files = {home / f for f in KEEP_FILES}
    for dirpath, dirnames, filenames in os.walk(home, topdown=False):
        here = Path(dirpath)
        in_sysfs = "sys/module" in dirpath or ".unloaded" in dirpath
        for name in filenames:
            path = here / name
            if path in keep_files or (in_sysfs and here.name == "parameters"):
                continue
            if path == home / "root/dev/kvm":
                (home / ".unloaded").mkdir(exist_ok=True)
                os.replace(path, home / ".unloaded/dev-kvm")
                continue
            os.unlink(path)
        for name in dirnames:
            path = here / name
            if path.is_symlink():
                os.unlink(path)
            elif not (path in keep_dirs or in_sysfs or _is_sysfs_dir(home, path)):
                if not any(path.iterdir()):
                    path.rmdir()
                else:
                    shutil.rmtree(path)


def _is_sysfs_dir(home: Path, path: Path) -> bool:
    rel = path.relative_to(home).parts
    return rel[:3] == ("root", "sys", "module") or rel[:1] == (".unloaded",)


def install_tools(bin_dir: Path, server: bool = False) -> None:
    """Fill ``bin_dir``: the fake tools, a few real ones, and sh shims.

    With ``server``, the fake tools are clients of a tool server
    (:mod:`nested_snippets.fakehost.toolserver`) whose port is in
    ``$FAKEHOST_TOOLPORT``; otherwise each starts Python itself.
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in REAL_TOOLS:
        real = shutil.which(name, path="/usr/bin:/bin")
        if real:
            os.symlink(real, bin_dir / name)
    launcher = bin_dir / "_fake_tool"
    launcher.write_text(
        f"#!{sys.executable} -SE\n"
        f"import sys\nsys.path.insert(0, {PACKAGE_PARENT!r})\n"
        "from nested_snippets.fakehost.tools import main\nsys.exit(main())\n"
    )
    launcher.chmod(0o755)
    if server:
        from nested_snippets.fakehost.toolserver import CLIENT

        client = bin_dir / "_fake_tool_client"
        client.write_text(CLIENT)
        client.chmod(0o755)
    for name in PY_TOOLS:
        os.symlink("_fake_tool_client" if server else "_fake_tool", bin_dir / name)
    for name, body in SH_TOOLS.items():
        path = bin_dir / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o755)


def _machine(arch: str) -> str:
    return {
        "intel": "x86_64",
        "amd": "x86_64",
        "s390x": "s390x",
        "power": "ppc64le",
        "arm64": "aarch64",
    }[arch]
