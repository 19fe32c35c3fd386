"""Build a fake host: a temporary root, its kernel state and its tools.

Layout of a host directory::

    HOST/root/          what the snippet sees as /
    HOST/bin/           the only PATH: fake kmod tools and a few real read/write tools
    HOST/state.json     the fake kernel (see :mod:`nested_snippets.fakehost.kernel`)
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nested_snippets import kernel as kdata
from nested_snippets.fakehost import cpus
from nested_snippets.fakehost import kernel as fk
from nested_snippets.fakehost.tools import PY_TOOLS, boot_modules

REAL_TOOLS = ("cat", "grep", "tee", "head", "tail", "ls", "sort", "uniq", "wc", "cut", "tr",
              "mkdir", "rm", "cp", "mv", "touch", "diff", "basename", "dirname", "printf",
              "echo", "true", "false", "chmod", "ln", "sleep", "id", "whoami")  # fmt: skip
SH_TOOLS = {
    "sudo": 'FAKEHOST_SUDO=1 exec "$@"\n',
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
    vm_running: bool = False
    files: dict[str, str] = field(default_factory=dict)
    cmdline: str = ""

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
    """A fake host living in ``home`` (a fresh temporary directory)."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.root = self.home / "root"
        self.bin = self.home / "bin"

    # ------------------------------------------------------------- creation
    @classmethod
    def create(cls, home: Path, scenario: Scenario) -> FakeHost:
        host = cls(home)
        host.root.mkdir(parents=True)
        for d in ("etc/modprobe.d", "etc/default", "root", "tmp", "dev", "proc",
                  "sys/module", "var/log/libvirt/qemu", "boot/grub"):  # fmt: skip
            (host.root / d).mkdir(parents=True, exist_ok=True)
        release = release_for(kdata.resolve_version(scenario.kernel))
        moddir = host.root / "lib" / "modules" / release
        moddir.mkdir(parents=True)
        (host.root / "etc/default/grub").write_text(
            'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\n'
            f'GRUB_CMDLINE_LINUX="{scenario.cmdline}"\n'
        )
        for path, content in scenario.files.items():
            host.write_file(path, content)
        flags = cpus.flags(scenario.arch, scenario.level, scenario.cpu_flag)
        (host.root / "proc" / "cpuinfo").write_text(
            cpus.cpuinfo(scenario.arch, scenario.level, flags,
                         vmx_flags_line=kdata.version_key(scenario.kernel) >= (5, 8))
        )
        builtin = scenario.kvm == "builtin" or scenario.arch == "arm64"
        if builtin:
            names = [m.path for m in fk.BY_ARCH[scenario.arch].values()]
            (moddir / "modules.builtin").write_text("".join(f"kernel/{p}\n" for p in names))
        cmdline = f"BOOT_IMAGE=/boot/vmlinuz-{release} root=/dev/vda1 ro quiet"
        if scenario.cmdline:
            cmdline += " " + scenario.cmdline
        state = fk.State(
            arch=scenario.arch,
            kernel=kdata.resolve_version(scenario.kernel),
            release=release,
            level=scenario.level,
            cpu_flags=flags,
            builtin=builtin,
            cmdline=cmdline,
        )
        host._install_tools(state)
        if scenario.kvm != "unloaded":
            boot_modules(state, host.root, nested=scenario.nested)
        if scenario.vm_running:
            for mod in state.loaded:
                if state.modules[mod.name].vendor or mod.name == "kvm_hv":
                    mod.users += 1
        fk.materialize(state, host.root)
        state.write(host.home)
        return host

    def _install_tools(self, state: fk.State) -> None:
        self.bin.mkdir()
        for name in REAL_TOOLS:
            real = shutil.which(name, path="/usr/bin:/bin")
            if real:
                os.symlink(real, self.bin / name)
        launcher = self.bin / "_fake_tool"
        launcher.write_text(
            f"#!{sys.executable} -SE\n"
            f"import sys\nsys.path.insert(0, {PACKAGE_PARENT!r})\n"
            "from nested_snippets.fakehost.tools import main\nsys.exit(main())\n"
        )
        launcher.chmod(0o755)
        for name in PY_TOOLS:
            os.symlink("_fake_tool", self.bin / name)
        uname = {"-r": state.release, "-m": _machine(state.arch), "-s": "Linux"}
        SH_TOOLS["uname"] = (
            'case "$1" in '
            + " ".join(f"{k}) echo {v};;" for k, v in uname.items())
            + f' -a) echo "Linux fakehost {state.release} #1 SMP {_machine(state.arch)}'
            ' GNU/Linux";; *) echo Linux;; esac\n'
        )
        for name, body in SH_TOOLS.items():
            path = self.bin / name
            path.write_text("#!/bin/sh\n" + body)
            path.chmod(0o755)

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
        target = self.path(shown)
        target.parent.mkdir(parents=True, exist_ok=True)
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
            "TMPDIR": str(self.root / "tmp"),
        }

    def reboot(self) -> None:
        """Reboot: forget loaded modules and the log; boot again from the files."""
        state = self.state()
        if state.next_cmdline is not None:
            state.cmdline, state.next_cmdline = state.next_cmdline, None
        state.loaded.clear()
        state.dmesg.clear()
        state.clock = 4.0
        boot_modules(state, self.root, nested=None)
        fk.materialize(state, self.root)
        state.write(self.home)


def _machine(arch: str) -> str:
    return {"intel": "x86_64", "amd": "x86_64", "s390x": "s390x", "power": "ppc64le",
            "arm64": "aarch64"}[arch]  # fmt: skip
