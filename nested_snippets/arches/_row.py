"""The two record types of an architecture module: :class:`Arch` and :class:`ModuleSpec`.

Plain classes rather than dataclasses: ``nested-kvm`` imports every architecture on
each run, and ``dataclasses`` would add its import time to each one.
"""

from __future__ import annotations


class ModuleSpec:
    """One kernel module file of an architecture's fake host.

    Dependencies and sizes follow a Debian kernel build (measured on 6.1.0-amd64
    under QEMU, see ``tests/fixtures/realkernel``); sizes are only ever compared
    after normalisation, since they vary with every build.
    """

    __slots__ = ("name", "path", "depends", "data_key", "needs_flag", "vendor", "vm_user",
                 "size", "license", "author", "no_hw_message", "own_no_hw_message",
                 "bios_off_message", "autoload")  # fmt: skip

    def __init__(
        self,
        name: str,
        path: str,
        depends: tuple[str, ...] = (),
        data_key: str | None = None,
        needs_flag: str | None = None,
        vendor: bool = False,
        size: int = 16384,
        license: str = "GPL",
        author: str | None = None,
        vm_user: bool = False,
        no_hw_message: str = "no_hw_support",
        own_no_hw_message: str = "",
        bios_off_message: str = "disabled_by_bios",
        autoload: str = "",
    ):
        self.name = name
        self.path = path
        """Path below ``/lib/modules/<release>/kernel``; its directory and file name
        are where ``tools/extract_kernel_params.py`` finds the module's Makefile target."""
        self.depends = depends
        self.data_key = data_key
        """Key into the kernel data (``x86/kvm_intel``); None: no parameters modelled."""
        self.needs_flag = needs_flag
        """CPU flag without which the module refuses to load."""
        self.vendor = vendor
        """An x86 vendor module: only one of them can be loaded at a time."""
        self.vm_user = vm_user
        """A running VM holds a reference to it (lsmod's "used by" count)."""
        self.no_hw_message = no_hw_message
        """Kernel message (key) when a vendor module finds no extension in the CPU."""
        self.own_no_hw_message = own_no_hw_message or no_hw_message
        """... on a CPU of its own vendor (whose flag is hidden, e.g. an L1 guest)."""
        self.bios_off_message = bios_off_message
        """... when the firmware switched the extension off."""
        self.autoload = autoload
        """How it loads without an explicit modprobe (its source's aliases):
        ``cpu``: a CPU-feature modalias (``MODULE_DEVICE_TABLE(x86cpu, ...)``), so udev
        loads it at boot when the CPU has :attr:`needs_flag`; ``devname``: only
        ``MODULE_ALIAS("devname:kvm")`` (and the misc-device alias), so kmod's static node
        makes ``/dev/kvm`` exist from boot and its first open loads the module; ``""``:
        neither (loaded as a dependency or by modprobe).  Built-in code initialises at
        boot whatever this says."""
        self.size = size
        self.license = license
        self.author = author


_CHECKS = ("cpu-flag", "kvm-module", "dev-kvm", "nested")


class Arch:
    """Everything the project knows about one vendor or architecture.

    The guide-facing values (``nested_on``...) are *authored*: what the guide tells
    readers.  The fake host never reads ``nested_on``/``nested_off``; it derives what
    ``cat`` prints from the parameter types extracted from kernel sources
    (:mod:`nested_snippets.kernel`), so a wrong value here makes a test fail.
    """

    __slots__ = ("key", "label", "order", "kernel_arch", "machines", "debian_flavour", "module",
                 "depends", "cpu_flag", "cpuinfo_field", "vendor_ids", "nested_on", "nested_off",
                 "extension", "qemu_binary", "modules", "cpu_check", "cpu_note",
                 "no_flag_fix", "nested_cmdline", "anchor", "persistent_anchor", "pages",
                 "tuning", "extra_checks", "l1_module_fix", "verdict_l0", "verdict_l1",
                 "fake_cpu", "fake_flags", "fake_virt_flags", "fake_l1_flags",
                 "firmware_off_message", "firmware_off_clears", "no_flag_message",
                 "param_conflicts", "module_specs", "kvm_caps", "early_params",
                 "builtin_code")  # fmt: skip

    def __init__(
        self,
        *,
        key: str,
        label: str,
        order: int,
        kernel_arch: str,
        machines: tuple[str, ...],
        debian_flavour: str,
        module: str,
        cpu_flag: str,
        nested_on: str,
        nested_off: str,
        extension: str,
        qemu_binary: str,
        anchor: str,
        pages: dict[str, str],
        depends: tuple[str, ...] = (),
        cpuinfo_field: str = "",
        vendor_ids: tuple[str, ...] = (),
        modules: tuple[ModuleSpec, ...] = (),
        cpu_check: str = "flag",
        cpu_note: str = "",
        no_flag_fix: str = "",
        nested_cmdline: str = "",
        persistent_anchor: str = "",
        tuning: tuple[tuple[str, tuple[str, ...], str], ...] = (),
        extra_checks: tuple[str, ...] = (),
        l1_module_fix: tuple[str, str] | None = None,
        verdict_l0: tuple[str, ...] = _CHECKS,
        verdict_l1: tuple[str, ...] = ("cpu-flag", "dev-kvm"),
        fake_cpu: tuple[str, str, int, int] | None = None,
        fake_flags: tuple[str, ...] = (),
        fake_virt_flags: tuple[str, ...] | None = None,
        fake_l1_flags: tuple[str, ...] = (),
        firmware_off_message: str = "",
        firmware_off_clears: tuple[str, ...] = (),
        no_flag_message: str = "",
        param_conflicts: tuple[tuple[str, str, str], ...] = (),
        kvm_caps: tuple[str, ...] = (),
        early_params: tuple[str, ...] = (),
        builtin_code: tuple[ModuleSpec, ...] = (),
    ):
        self.key = key
        """Stable key used in snippet variants, tab ids and pytest ids (``intel``)."""
        self.label = label
        """Tab label shown to readers (``Intel``); tabs with the same label sync."""
        self.order = order
        """Tab order: rows are listed by it (then by key)."""
        self.kernel_arch = kernel_arch
        """Directory under ``arch/`` in the kernel tree and kernel-data key (``x86``)."""
        self.machines = machines
        """What ``uname -m`` prints on it; the first is what the fake host prints."""
        self.debian_flavour = debian_flavour
        """Debian's kernel flavour for it, the last word of its release and package names
        (``amd64``: ``linux-image-6.1.0-57-amd64``, ``uname -r`` ``6.1.0-57-amd64``); the
        fake host's release ends in it (``6.6.0-fake-amd64``, see
        :func:`nested_snippets.fakehost.host.release_for`).  Required: a new architecture
        names its own rather than passing for x86."""
        self.module = module
        """The module that owns the ``nested`` parameter, as lsmod prints it."""
        self.depends = depends
        """Modules loaded before :attr:`module` (modprobe pulls them in)."""
        self.cpu_flag = cpu_flag
        """The /proc/cpuinfo flag (x86 ``flags``, s390 ``features``) that L1 needs."""
        self.cpuinfo_field = cpuinfo_field
        """The /proc/cpuinfo field that lists :attr:`cpu_flag` ("": none)."""
        self.vendor_ids = vendor_ids
        """/proc/cpuinfo ``vendor_id`` values that mean this row (x86 vendors)."""
        self.nested_on = nested_on
        """What ``cat /sys/module/<module>/parameters/nested`` prints when enabled."""
        self.nested_off = nested_off
        """... and when disabled."""
        self.extension = extension
        """The vendor's name for its virtualization extension."""
        self.qemu_binary = qemu_binary
        """The upstream QEMU system emulator for this architecture."""
        self.modules = modules
        """The KVM module files of its fake host ((): KVM is built in)."""
        self.module_specs = {m.name: m for m in modules}
        """The same by name."""
        self.cpu_check = cpu_check
        """How ``nested-kvm check`` judges the CPU: ``flag`` (:attr:`cpu_flag` present),
        ``power-generation`` (POWER9 or later) or ``none`` (SKIP with :attr:`cpu_note`)."""
        self.cpu_note = cpu_note
        self.no_flag_fix = no_flag_fix
        """The fix at L0 when :attr:`cpu_flag` is missing ("": switch it on in firmware)."""
        self.nested_cmdline = nested_cmdline
        """The kernel command line option that switches nesting on (``kvm-arm.mode=nested``);
        "": the ``nested`` parameter of :attr:`module` does."""
        self.anchor = anchor
        """Guide label of the section that enables nesting here."""
        self.persistent_anchor = persistent_anchor or anchor
        """Guide label of the section that makes the setting persistent."""
        self.pages = pages
        """Guide labels this architecture's checks link to -> page (docname)."""
        self.tuning = tuning
        """(parameter, levels where it is checked, why off matters: "" = off is fine)."""
        self.extra_checks = extra_checks
        """Further checks by name (``hpage``: s390x huge pages vs nesting)."""
        self.l1_module_fix = l1_module_fix
        """(anchor, fix) when :attr:`module` is not loaded in an L1 guest (None: generic)."""
        self.verdict_l0 = verdict_l0
        """Checks that must pass for "can run nested guests (L0)"."""
        self.verdict_l1 = verdict_l1
        """Checks that must pass for "can be a guest hypervisor (L1)"."""
        self.fake_cpu = fake_cpu
        """The fake host's CPU: (vendor_id, model name, family, model); None: none shown."""
        self.fake_flags = fake_flags
        """The fake host's CPU flags without :attr:`cpu_flag` (x86: the common ones)."""
        self.fake_virt_flags = (cpu_flag,) if fake_virt_flags is None and cpu_flag else (
            fake_virt_flags or ()
        )
        """Flags shown only while the virtualization extension is exposed."""
        self.fake_l1_flags = fake_l1_flags
        """Flags shown inside a guest (x86: ``hypervisor``)."""
        # Which kernel messages (keys of nested_snippets.kernel.messages) apply here:
        self.firmware_off_message = firmware_off_message
        """Logged at boot when the firmware switched the extension off ("": none)."""
        self.firmware_off_clears = firmware_off_clears
        """Flags the kernel then clears (``prefix*``: every flag with that prefix)."""
        self.no_flag_message = no_flag_message
        """Logged when :attr:`module` is loaded without :attr:`cpu_flag` (non-vendor
        modules; x86 vendor modules name theirs in :class:`ModuleSpec`)."""
        self.param_conflicts = param_conflicts
        """(parameter, parameter, message): both on make :attr:`module` refuse to load
        while the message has an errno in that release."""
        self.kvm_caps = kvm_caps
        """KVM capabilities ``nested-kvm check`` asks /dev/kvm about (ids of
        :data:`nested_snippets.cli.kvmprobe.CAPS`)."""
        self.early_params = early_params
        """Early kernel command-line parameters its fake kernel parses (values from the
        kernel data's ``boot_params``, see :mod:`nested_snippets.fakehost.early_params`)."""
        self.builtin_code = builtin_code
        """KVM code that is always built in, with no module file (arm64, whose
        ``CONFIG_KVM`` is a bool): the extractor reads its parameters like a module's
        (``data_key``, Makefile target from ``path``), and the fake host shows them
        only where the kernel does, in ``/sys/module/<name>/parameters``
        (``param_sysfs_builtin()``, kernel/params.c).  kmod's tools do not know it as a
        module: it is not in :attr:`modules`."""

    def __repr__(self) -> str:
        return f"Arch(key={self.key!r})"

    @property
    def module_dash(self) -> str:
        """The module name as modprobe also accepts it (``kvm-intel``)."""
        return self.module.replace("_", "-")

    @property
    def conf_file(self) -> str:
        """The modprobe.d file the guide uses for persistent options."""
        return f"/etc/modprobe.d/{self.module}.conf"

    @property
    def nested_param_path(self) -> str:
        return f"/sys/module/{self.module}/parameters/nested"

    @property
    def machine(self) -> str:
        """What ``uname -m`` prints on the fake host."""
        return self.machines[0]
