"""The checks of ``nested-kvm check``, per architecture, and the two verdicts.

Each ``_check_*`` appends one :class:`Result` and returns what it found for the
verdicts: True, False or None (could not tell; the reason goes to ``unknown``).
"""

from __future__ import annotations

from nested_snippets.arches import Arch
from nested_snippets.cli import config, hypervisor, kvmprobe
from nested_snippets.cli.escape import clip
from nested_snippets.cli.hostfs import HostFS, Unreadable
from nested_snippets.cli.probes import AVAILABLE, PRESENT, Facts
from nested_snippets.cli.results import Result, all_of
from nested_snippets.parsers import cpuinfo, modprobe_conf, sysfs

L0_ADVICE: dict[str | None, tuple[str, str]] = {
    # The cloud facts are those of source/how-to/clouds.rst, which gives their sources.
    "gce": (
        "create the instance with nested virtualization enabled (Intel machine types "
        "only; an organization policy can forbid it)",
        "clouds-gce",
    ),
    "azure": (
        "create the VM with a size that offers nested virtualization and security type Standard",
        "clouds-azure",
    ),
    "aws": (
        "launch a C8i, M8i or R8i instance with the nested virtualization CPU option, "
        "or use a bare-metal instance",
        "clouds-aws",
    ),
    "hyperv": (
        "with this VM off, on the Hyper-V host: Set-VMProcessor -VMName NAME "
        "-ExposeVirtualizationExtensions $true",
        "clouds-hyperv",
    ),
    "vmware": (
        "with this VM powered off, enable 'Expose hardware assisted virtualization to "
        'the guest OS\' (the .vmx line vhv.enable = "TRUE")',
        "clouds-vmware",
    ),
    "virtualbox": (
        "with this VM stopped: VBoxManage modifyvm NAME --nested-hw-virt=on",
        "clouds-virtualbox",
    ),
    "kvm": (
        "on L0: nested=1 for kvm_intel/kvm_amd, and start this guest with -cpu host "
        "(QEMU) or host-passthrough (libvirt; Proxmox VE: CPU type 'host')",
        "start-l1-qemu",
    ),
    # xl.cfg(5): nestedhvm=BOOLEAN, among the HVM guest options (xen-project/xen
    # docs/man/xl.cfg.5.pod.in @ 024e7131be5c, read 2026-12-04)
    "xen": (
        "Xen exposes VT-x/AMD-V only to an HVM guest with nestedhvm = 1 in its xl.cfg; "
        "set it in dom0, then create the domain again",
        "clouds-xen",
    ),
    None: ("ask whoever runs L0 to expose vmx/svm to this guest", "troubleshooting-no-vmx"),
}
"""L0 kind or cloud -> (advice when this L1 has no vmx/svm, guide label)."""


class Evaluation:
    """The results of all checks and the two verdicts (True, False, None = unknown)."""

    def __init__(self) -> None:
        self.results: list[Result] = []
        self.unknown: list[str] = []
        """Why a verdict could not be reached: ``file: reason`` lines."""
        self.l0: bool | None = None
        self.l1: bool | None = None
        self.l0_failed: list[str] = []
        self.l1_failed: list[str] = []


class _Checker:
    def __init__(self, fs: HostFS, facts: Facts):
        self.fs = fs
        self.f = facts
        self.ev = Evaluation()
        self.at_l1 = facts.level == "L1"

    def add(self, *args: str, **kw: str) -> None:
        self.ev.results.append(Result(*args, **kw))

    # ------------------------------------------------------------------ cpu
    def cpu_flag(self) -> bool | None:
        row, cpu = self.f.arch, self.f.cpu
        if row is None:
            self.add(
                "cpu-flag",
                "FAIL",
                f"no vmx or svm flag (vendor_id '{clip(cpu.vendor_id)}')",
                "this CPU offers no hardware virtualization to this kernel",
                anchor="troubleshooting-no-vmx",
            )
            return False
        if row.cpu_check == "power-generation":
            return self._power_cpu()
        if row.cpu_check == "none":
            self.add("cpu-flag", "SKIP", row.cpu_note)
            return None
        flag = row.cpu_flag
        if flag in cpu.flags:
            self.add("cpu-flag", "PASS", f"{flag} present")
            return True
        anchor = "troubleshooting-no-vmx"
        l0 = self.f.l0
        key = (l0.provider or l0.kind) if l0 is not None else None
        if self.at_l1 and key not in (None, "kvm") and key in L0_ADVICE:
            # A cloud or another hypervisor: -cpu host is not the reader's to give;
            # the l0 line names that platform's switch (walk 15).
            fix = (
                f"L0 ({hypervisor.describe(l0)}) must expose {row.extension}: "
                "see the l0 line for its setting"
            )
            anchor = L0_ADVICE[key][1]
        elif self.at_l1:
            fix = (
                f"L0 must expose {row.extension}: enable nested on L0 and start this guest "
                "with -cpu host (QEMU) or <cpu mode='host-passthrough'/> (libvirt)"
            )
        elif row.no_flag_fix:
            fix = row.no_flag_fix
        else:
            fix = f"enable {row.extension} in the firmware (BIOS/UEFI) setup, then power-cycle"
        self.add(
            "cpu-flag",
            "FAIL",
            f"no {flag} flag in /proc/cpuinfo",
            fix,
            anchor=anchor,
        )
        return False

    def _power_cpu(self) -> bool | None:
        gen = cpuinfo.power_generation(self.f.cpu.model)
        model = self.f.cpu.model or "unknown"
        if gen is None:
            self.add(
                "cpu-flag",
                "WARN",
                f"cannot tell the POWER generation of '{model}'",
                "nested KVM-HV needs POWER9 or later",
                anchor="nested-power",
            )
            return None
        if gen < 9:
            self.add(
                "cpu-flag",
                "FAIL",
                f"{model}",
                "nested KVM-HV needs POWER9 or later",
                anchor="nested-power",
            )
            return False
        self.add("cpu-flag", "PASS", f"{model}, platform {self.f.cpu.platform or 'unknown'}")
        return True

    def l0(self, flag: bool | None) -> None:
        """At L1: what L0 is and, if this guest lacks the extension, how to get it."""
        l0 = self.f.l0
        if l0 is None or not self.at_l1:
            return
        seen = f"{hypervisor.describe(l0)} (from {'; '.join(l0.evidence)})"
        if self.f.software_kvm:
            seen += f"; this guest's own KVM is {self.f.software_kvm}, a paravirtual KVM"
        if flag is not False:
            self.add("l0", "PASS", seen)
            return
        fix, anchor = L0_ADVICE.get(l0.provider or l0.kind, L0_ADVICE[None])
        self.add("l0", "WARN", seen, fix, anchor=anchor)

    def software_kvm(self) -> None:
        if self.f.software_kvm:
            self.add(
                "software-kvm",
                "WARN",
                f"{self.f.software_kvm} provides /dev/kvm without VT-x/AMD-V",
                "its guests need PVM-enabled kernels and cannot use hardware nesting; "
                "for that, L0 must expose vmx/svm",
                anchor="troubleshooting-software-kvm",
            )

    def link_out(self, check: str, shown: str) -> bool:
        """SKIP ``check`` if ``shown`` is below a symbolic link that leads out of
        ``--root`` (``sys`` -> ``/sys``), naming the link, or is there but is no
        directory (a loop, a file: not a container's missing one); False if not."""
        why = self.fs.not_dir(shown)
        if why:
            self.add(check, "SKIP", f"cannot read {shown}: {why}")
            self.ev.unknown.append(f"{shown}: {why}")
        return bool(why)

    # -------------------------------------------------------------- modules
    def module(self, flag: bool | None) -> bool | None:
        row = self.f.arch
        if row is None or not row.module:
            return None
        state = self.f.modules.get(row.module, "unknown")
        if state in AVAILABLE:
            shown = f"{row.module} {state}"
            if state == PRESENT and self.f.modules_problem:  # say why, naming the file
                shown = shown.replace("not read", f"not read: {self.f.modules_problem}")
            self.add("kvm-module", "PASS", shown)
            return True
        if state == "unknown":
            if self.link_out("kvm-module", "/sys/module"):
                return None
            self.add(
                "kvm-module",
                "SKIP",
                "no /sys/module: a container? modules are not visible",
                "check on the host that runs this container",
                anchor="troubleshooting-container",
            )
            self.ev.unknown.append("/sys/module: no such directory (a container?)")
            return None
        if self.f.software_kvm:
            self.add(
                "kvm-module",
                "WARN",
                f"{row.module} not loaded; {self.f.software_kvm} provides KVM instead",
                f"{row.module} needs {row.extension}, which this CPU does not offer",
                anchor="troubleshooting-software-kvm",
            )
            return False
        fix = f"sudo modprobe {row.module}; if it fails, dmesg says why"
        if flag is False and row.cpu_flag:
            fix = f"{row.module} cannot load without the {row.cpu_flag} flag: see cpu-flag"
        anchor = "verify-l1" if self.at_l1 else "troubleshooting-not-loaded"
        if self.at_l1 and row.l1_module_fix:
            anchor, fix = row.l1_module_fix
        self.add("kvm-module", "FAIL", f"{row.module} not loaded", fix, anchor=anchor)
        return False

    def dev_kvm(self) -> bool:
        dev = self.f.dev_kvm
        if not dev.present and dev.why:
            self.add(
                "dev-kvm",
                "FAIL",
                f"/dev/kvm: {dev.why}",
                "check what /dev/kvm points to; the KVM device is character device 10:232",
                anchor="troubleshooting-dev-kvm",
            )
            return False
        if not dev.present:
            if not self.f.sys_module:
                self.add(
                    "dev-kvm",
                    "FAIL",
                    "/dev/kvm missing",
                    "start the container with --device /dev/kvm",
                    anchor="troubleshooting-container",
                )
            else:
                self.add(
                    "dev-kvm",
                    "FAIL",
                    "/dev/kvm missing",
                    "load KVM (see kvm-module)",
                    anchor="troubleshooting-not-loaded",
                )
            return False
        seen = f"/dev/kvm {dev.mode} {dev.owner}"
        if not dev.is_char and (self.fs.real or dev.kind != "regular file"):
            self.add(
                "dev-kvm",
                "FAIL",
                f"{seen}: a {dev.kind}, not a character device",
                "remove it and let udev create /dev/kvm",
                anchor="troubleshooting-dev-kvm",
            )
            return False
        kvm = (kvmprobe.MISC_MAJOR, kvmprobe.KVM_MINOR)
        if dev.is_char and dev.rdev is not None and dev.rdev != kvm:
            # e.g. /dev/null (1:3) in its place: nothing but 10:232 is KVM
            self.add(
                "dev-kvm",
                "FAIL",
                f"{seen}: character device {dev.rdev[0]}:{dev.rdev[1]}, not the KVM "
                f"device ({kvm[0]}:{kvm[1]})",
                "another device sits at /dev/kvm: in a container, pass the host's "
                "(--device /dev/kvm); on a host, remove it and let udev create /dev/kvm",
                anchor="troubleshooting-dev-kvm",
            )
            return False
        if not dev.is_char:  # below --root: a copied tree or a fake host holds a stand-in
            self.add(
                "dev-kvm",
                "WARN",
                f"{seen}: a regular file below --root, taken as a stand-in for the device",
                "only on the host itself can nested-kvm check the device",
                anchor="troubleshooting-dev-kvm",
            )
        elif not dev.can_rw:
            self.add(
                "dev-kvm",
                "WARN",
                f"{seen}; you cannot open it read/write",
                _dev_kvm_access_fix(dev.mode, dev.owner),
                anchor="troubleshooting-dev-kvm",
            )
        else:
            self.add("dev-kvm", "PASS", f"{seen}; you can open it read/write")
        return True

    # ----------------------------------------------------------------- probe
    def probe(self, answer: kvmprobe.Answer | str) -> bool | None:
        """The KVM probe's lines; True/False only if it ran (a skip is no evidence)."""
        if isinstance(answer, str):
            self.add("kvm-probe", "SKIP", answer, anchor="cli-kvm-probe")
            return None
        if answer.api is None and answer.error.startswith("cannot open"):
            self.add(
                "kvm-probe",
                "SKIP",
                answer.error,
                "run as a user who may open /dev/kvm (see dev-kvm)",
                anchor="troubleshooting-dev-kvm",
            )
            return None
        if answer.api != kvmprobe.KVM_API_VERSION:
            self.add(
                "kvm-api",
                "FAIL",
                answer.error,
                "this /dev/kvm does not speak the KVM API that QEMU needs",
                anchor="troubleshooting-create-vm",
            )
            return False
        self.add("kvm-api", "PASS", f"KVM_GET_API_VERSION {answer.api}")
        if not answer.created:
            self.add(
                "kvm-create-vm",
                "FAIL",
                answer.error,
                "/dev/kvm is there but KVM cannot create a VM: QEMU fails the same way",
                anchor="troubleshooting-create-vm",
            )
            return False
        self.add("kvm-create-vm", "PASS", "KVM_CREATE_VM made a VM; closed at once (destroyed)")
        for cap, value in answer.caps:
            shown = f"{cap.name} {value}"
            if value > 0:
                self.add(cap.id, "PASS", shown)
            elif cap.since and _older(self.f.release, cap.since):
                since = ".".join(map(str, cap.since))
                self.add(
                    cap.id,
                    "SKIP",
                    f"{shown}: this kernel predates {cap.name} (Linux {since}), which it "
                    "answers 0 as any number it does not know",
                )
            else:
                self.add(cap.id, "WARN", shown, cap.missing, cap.anchor)
        return True

    # ---------------------------------------------------------------- params
    def read_param(self, module: str, name: str) -> tuple[str | None, str]:
        """(raw value or None, why not)."""
        shown = sysfs.param_path(module, name)
        try:
            text = self.fs.read(shown, limit=sysfs.MAX_LEN + 1, whole=False)
        except Unreadable as exc:
            return None, str(exc)
        return text, ""

    def nested(self) -> bool | None:
        row = self.f.arch
        if row is None:
            return None
        if row.nested_cmdline:
            return self._cmdline_nested(row)
        mod = row.module
        if not self.f.sys_module:
            if self.link_out("nested", "/sys/module"):
                return None
            self.add(
                "nested",
                "SKIP",
                "no /sys/module: a container? parameters are not visible",
                "check on the host that runs this container",
                anchor="troubleshooting-container",
            )
            if not self.at_l1:
                self.ev.unknown.append("/sys/module: no such directory (a container?)")
            return None
        state = self.f.modules.get(mod, "unknown")
        if state not in AVAILABLE:
            self.add("nested", "SKIP", f"{mod} not loaded: cannot read nested")
            return None
        text, why = self.read_param(mod, "nested")
        try:
            on = sysfs.as_bool(text) if text is not None else None
        except sysfs.ParamValueError as exc:
            why = f"{sysfs.param_path(mod, 'nested')}: {exc}"
            on = None
        if on is None:
            self.add("nested", "SKIP", f"cannot read it: {why}")
            if not self.at_l1:
                self.ev.unknown.append(why)
            return None
        value = f"{mod} nested={clip(sysfs.clean(text or ''))}"
        if on:
            self.add("nested", "PASS", value)
        elif self.at_l1:
            self.add("nested", "SKIP", f"{value} (needed only to nest one level deeper)")
        elif state == "built-in":  # modprobe.d does not apply, it cannot be reloaded
            self.add(
                "nested",
                "FAIL",
                value,
                f"{mod} is built in: boot with {row.module_dash}.nested=1 on the kernel "
                "command line (modprobe.d does not apply to it)",
                anchor="builtin-kvm",
            )
        else:
            fix = (
                f"set 'options {mod} nested=1' in {row.conf_file}, then reload {mod} "
                "with no VM running (or reboot)"
            )
            if state == PRESENT:  # loadable or built in: modprobe.d may not apply
                fix = (
                    f"if it is loadable, {fix}; {row.module_dash}.nested=1 on the kernel "
                    "command line works for both (then reboot)"
                )
            self.add("nested", "FAIL", value, fix, anchor=row.anchor)
        return on

    def _cmdline_nested(self, row: Arch) -> bool | None:
        """Nesting switched on by a kernel command line option (``kvm-arm.mode=nested``)."""
        option, _, wanted = row.nested_cmdline.partition("=")
        cmd = self.f.cmdline
        if cmd is None:
            why = self.f.cmdline_problem or "/proc/cmdline: cannot read"
            self.add(
                "nested",
                "SKIP",
                why.replace("/proc/cmdline: cannot read", "cannot read /proc/cmdline"),
            )
            self.ev.unknown.append(why)
            return None
        # An early_param: parse_early_options() hands the line to parse_args(), which
        # stops at "--" and unquotes each word (next_arg()), and do_early_param()
        # compares names with parameq(), "-" and "_" alike (kernel/params.c, Linux
        # 6.1): the kernel's reading, as for a built-in module's options.
        mod, _, param = option.partition(".")
        modes = [
            value or ""
            for name, value in map(
                modprobe_conf.split_option,
                modprobe_conf.cmdline_options(cmd, mod, builtin=True),
            )
            if modprobe_conf.normalize(name) == modprobe_conf.normalize(param)
        ]
        mode = modes[-1] if modes else ""
        if mode == wanted:
            self.add("nested", "PASS", f"kernel command line has {row.nested_cmdline}")
            return True
        seen = f"{option}={mode}" if mode else f"no {option}= on the kernel command line"
        status = "SKIP" if self.at_l1 else "FAIL"
        self.add(
            "nested",
            status,
            seen,
            f"boot with {row.nested_cmdline} (the CPU needs {row.extension})",
            anchor=row.anchor,
        )
        return False

    def tuning(self) -> None:
        row = self.f.arch
        if row is None:
            return
        mod = row.module
        if self.f.modules.get(mod) not in AVAILABLE:
            return
        for name, levels, why in row.tuning:
            if self.f.level not in levels:
                continue
            text, reason = self.read_param(mod, name)
            if text is None:
                if "no such file" not in reason:
                    self.add(name, "SKIP", f"cannot read it: {reason}")
                continue
            try:
                on = sysfs.as_bool(text)
            except sysfs.ParamValueError as exc:
                self.add(name, "WARN", f"{sysfs.param_path(mod, name)}: {exc}")
                continue
            value = f"{mod} {name}={clip(sysfs.clean(text))}"
            if on or not why:
                self.add(name, "PASS", value)
            else:
                self.add(name, "WARN", value, why, anchor="nested-performance")
        if "hpage" in row.extra_checks:
            self._hpage()

    def _hpage(self) -> None:
        text, _ = self.read_param("kvm", "hpage")
        try:
            on = sysfs.as_bool(text) if text is not None else None
        except sysfs.ParamValueError:
            on = None
        if on is None:
            return
        if on:
            self.add(
                "hpage",
                "WARN",
                "kvm hpage=1",
                "older kernels refuse nested=1 with hpage=1 (kvm does not load); "
                "'nested-kvm lint' says whether this one does",
                anchor="nested-s390x",
            )
        else:
            self.add("hpage", "PASS", "kvm hpage=0")

    def persistent(self) -> None:
        row = self.f.arch
        if row is None or not row.module:
            return
        state = self.f.modules.get(row.module, "unknown")
        self.ev.results.append(
            config.nested_setting(
                self.fs, row, self.f.cmdline, state, self.f.cmdline_problem, self.f.release
            )
        )


def evaluate(fs: HostFS, facts: Facts, answer: kvmprobe.Answer | str | None = None) -> Evaluation:
    """Run every check for ``facts``' architecture and reach the verdicts.

    ``answer``: what :func:`kvmprobe.probe` said, or why it did not run (a
    ``kvm-probe`` SKIP line), or None to show nothing about it (``report``)."""
    c = _Checker(fs, facts)
    flag = c.cpu_flag()
    c.l0(flag)
    c.software_kvm()
    module = c.module(flag)
    dev = c.dev_kvm()
    works = c.probe(answer) if answer is not None and dev else None
    nested = c.nested()
    c.persistent()
    c.tuning()
    parts = {"cpu-flag": flag, "kvm-module": module, "dev-kvm": dev, "nested": nested}
    if facts.arch:
        l0, l1 = facts.arch.verdict_l0, facts.arch.verdict_l1
    else:
        l0, l1 = ("cpu-flag", "kvm-module", "dev-kvm", "nested"), ("cpu-flag", "dev-kvm")
    if works is not None:  # the probe ran: it proves or disproves a usable /dev/kvm
        parts["kvm-probe"] = works
        l0, l1 = (*l0, "kvm-probe"), (*l1, "kvm-probe")
    c.ev.l0 = all_of(*(parts[k] for k in l0))
    c.ev.l1 = all_of(*(parts[k] for k in l1))
    c.ev.l0_failed = [k for k in l0 if parts[k] is False]
    c.ev.l1_failed = [k for k in l1 if parts[k] is False]
    return c.ev


def _older(release: str | None, since: tuple[int, int]) -> bool:
    """Is ``release`` (``uname -r``: 6.15.0-1-arm64) older than (major, minor)?  False
    when it cannot be told.  Not :func:`nested_snippets.versions.version_key`: that
    module imports ``re``, which ``check`` does not load (tests/cli/test_startup.py)."""
    head = (release or "").split("-")[0].split(".")
    try:
        return (int(head[0]), int(head[1])) < since
    except (IndexError, ValueError):
        return False


UDEV_KVM_CHECK = (
    "grep -rs 'KERNEL==\"kvm\"' /etc/udev/rules.d /usr/lib/udev/rules.d; getent group kvm"
)
"""Is udev's rule for /dev/kvm there (systemd's 50-udev-default.rules: ``KERNEL=="kvm",
GROUP="kvm", MODE=...``), and the group it names?"""


def _dev_kvm_access_fix(mode: str, owner: str) -> str:
    """What lets this user open /dev/kvm, from its mode ("crw-rw----") and owner
    ("root:kvm").  Joining the group helps only when the group may read and write."""
    group = owner.rpartition(":")[2] or "kvm"
    if mode[4:6] == "rw":
        return f"add yourself to group {group} and log in again"
    return (
        f"its group ({group}) may not open it, so joining a group cannot help: udev's rule "
        f"that gives /dev/kvm to group kvm did not apply; check: {UDEV_KVM_CHECK}"
    )
