"""Troubleshooting: each problem's symptom, reproduced on the fake host.

Shown on ``source/troubleshooting.rst``.  Sources of the messages:

* kmod's own lines (``modprobe: ERROR: could not insert ...``, ``FATAL: Module ... is
  in use.``, ``is builtin.``, rmmod's ``is in use``) are kmod 30's, measured on a
  Debian 6.1 kernel under QEMU (``/work/shared/notes/real-kernel-under-qemu.md``);
  ``is builtin.`` is also seen in microsoft/WSL#4193.
* Kernel log lines come from ``nested_snippets/kernel/messages.py``, one variant
  per kernel version, each with the file and release it was read from.  The
  version ranges below follow those variants: ``no_hw_support`` changed in 5.16
  (vendor name added) and 6.3 (check moved into vmx.c/svm.c); AMD's
  ``amd_svm_unavailable`` changed again in 6.6.
* ``kvm_amd``'s ``nested`` is an ``int`` (``svm/svm.c``), so ``nested=Y`` is
  rejected by ``param_set_int()`` with -EINVAL and the module does not load
  (``kernel/params.c``; the same path as the measured ``nested=banana``).
* Module parameters are mode 0444: kernfs refuses to open them for writing.
"""

from nested_snippets.arches import X86
from nested_snippets.model import (
    Given,
    NotExecuted,
    by_release,
    command_line,
    config,
    era,
    procedure,
    snippet,
    transcript,
)

L1_NO_FLAG = Given(level="L1", cpu_flag=False, kvm="unloaded")
_GREP = "sudo dmesg | grep -E 'vmx|svm|VMX|SVM|hardware'"

# ------------------------------------------------- no vmx/svm inside L1 (four eras)

_NO_FLAG_LINES = {
    # kernels < 5.16; the times are authored (the runner blanks them out), one
    # transcript's lines a few microseconds apart, each transcript its own
    "old": {
        "intel": "[   31.847310] kvm: no hardware support",
        "amd": "[   28.503117] has_svm: svm not available\n"
        "        [   28.503199] kvm: no hardware support",
    },
    # 5.16 .. 6.2
    "5.16": {
        "intel": "[   47.260581] kvm: no hardware support for 'kvm_intel'",
        "amd": "[   39.918842] has_svm: svm not available\n"
        "        [   39.918930] kvm: no hardware support for 'kvm_amd'",
    },
    # 6.3 .. 6.5 (AMD's line still names the missing flag)
    "6.3": {
        "intel": "[   36.205914] kvm_intel: VMX not supported by CPU 0",
        "amd": "[   29.761382] kvm_amd: SVM not supported by CPU 0, svm not available",
    },
    # 6.6 and later
    "6.6": {
        "intel": "[   25.114736] kvm_intel: VMX not supported by CPU 0",
        "amd": "[   33.672405] kvm_amd: SVM not supported by CPU 0",
    },
}


def _no_flag(era: str):
    def body(a):
        return transcript(
            f"""
        $ sudo modprobe {a.module}
        modprobe: ERROR: could not insert '{a.module}': Operation not supported
        $ {_GREP}
        {_NO_FLAG_LINES[era][a.key]}
        """,
            status={0: 1},
        )

    return body


no_flag = snippet(
    by_release(
        era(
            "<5.16",
            _no_flag("old"),
            because="x86.c kvm_arch_init() @ v4.19 .. v5.15: 'kvm: no hardware support'",
        ),
        era(
            ">=5.16,<6.3",
            _no_flag("5.16"),
            because="x86.c kvm_arch_init() names the vendor module from 5.16 (x86.c @ v6.1)",
        ),
        era(
            ">=6.3,<6.6",
            _no_flag("6.3"),
            because="vmx.c kvm_is_vmx_supported() from v6.3.8; svm.c kvm_is_svm_supported() "
            "@ v6.3.8, v6.4, v6.5 (messages.py no_hw_support, amd_svm_unavailable)",
        ),
        era(
            ">=6.6",
            _no_flag("6.6"),
            because="vmx.c kvm_is_vmx_supported() @ v6.3.8+; svm.c __kvm_is_svm_supported() "
            "@ v6.6+ (messages.py no_hw_support, amd_svm_unavailable)",
        ),
    ),
    arches=X86,
    given=L1_NO_FLAG,
)

no_flag_cpuinfo = snippet(
    transcript(
        """
        $ grep -c -w -E 'vmx|svm' /proc/cpuinfo
        0
        $ ls /dev/kvm
        ls: cannot access '/dev/kvm': No such file or directory
        """,
        status={0: 1, 1: 2},
    ),
    given=L1_NO_FLAG,
    arch="intel",
)

# ------------------------------------------------------------- nested reads N / 0

# the symptom itself is enable.check_nested_off, shown on the page

show_config = snippet(
    lambda a: transcript(f"""
        $ modprobe -c | grep '^options {a.module} '
        options {a.module} nested=0
    """),
    arches=X86,
    given=Given(
        nested=False,
        files={
            "/etc/modprobe.d/kvm_intel.conf": "options kvm_intel nested=0\n",
            "/etc/modprobe.d/kvm_amd.conf": "options kvm_amd nested=0\n",
        },
    ),
)
"""A distribution or an old how-to left ``nested=0`` in modprobe.d."""

# ------------------------------------------- modprobe while loaded does nothing:
# the page shows enable.loaded_modprobe_ignored, enable.reload_nested and
# enable.nested_is_on; "sysfs is read-only" shows enable.sysfs_read_only


# ---------------------------------------------------------------- module in use

in_use = snippet(
    lambda a: transcript(
        f"""
        $ sudo modprobe -r {a.module}
        modprobe: FATAL: Module {a.module} is in use.
        $ sudo rmmod {a.module}
        rmmod: ERROR: Module {a.module} is in use
        """,
        status={0: 1, 1: 1},
    ),
    arches=X86,
    given=Given(nested=False, vm_running=True),
)

# -------------------------------------------------------------------- built in

builtin = snippet(
    lambda a: transcript(
        f"""
        $ sudo modprobe -r {a.module}
        modprobe: FATAL: Module {a.module} is builtin.
        """,
        status={0: 1},
    ),
    arches=X86,
    given=Given(kvm="builtin", nested=False),
)


# ----------------------------------------------- misspelled option is ignored

_TYPO = "/etc/modprobe.d/kvm_intel.conf"

typo_conf = snippet(
    config(_TYPO, "options kvm_intel enable_apivc=1"),
    wrong="misspelled: the parameter is enable_apicv",
    arch="intel",
)
"""The misspelling of upstream's first draft (running-nested-guests v1)."""

typo_dmesg = snippet(
    transcript(
        """
        $ sudo modprobe -r kvm_intel
        $ sudo modprobe kvm_intel
        $ sudo dmesg | grep 'unknown parameter'
        [  214.508113] kvm_intel: unknown parameter 'enable_apivc' ignored
        """
    ),
    given=Given(kvm="unloaded", files={_TYPO: "options kvm_intel enable_apivc=1\n"}),
    arch="intel",
)
"""Standalone the host boots without KVM loaded, so the log holds only this load's line;
the ``typo`` procedure runs it after writing the file on a booted host."""

typo = procedure([typo_conf, typo_dmesg])

# ------------------------------------------------ kvm_amd refuses nested=Y

_AMD_CONF = "/etc/modprobe.d/kvm_amd.conf"

amd_y_conf = snippet(
    config(_AMD_CONF, "options kvm_amd nested=Y"),
    arch="amd",
    wrong="kvm_amd's nested is an integer: write nested=1",
)

amd_y_fails = snippet(
    transcript(
        """
        $ sudo modprobe -r kvm_amd
        $ sudo modprobe kvm_amd
        modprobe: ERROR: could not insert 'kvm_amd': Invalid argument
        $ sudo dmesg | grep nested
        [  187.330472] kvm_amd: `Y' invalid for parameter `nested'
        """,
        status={1: 1},
    ),
    arch="amd",
    given=Given(kvm="unloaded", files={_AMD_CONF: "options kvm_amd nested=Y\n"}),
)

amd_y = procedure(
    [amd_y_conf, amd_y_fails], arches=("amd",)
)

amd_fixed_conf = snippet(
    config("/etc/modprobe.d/kvm_amd.conf", "options kvm_amd nested=1"),
    arch="amd",
)

# ------------------------------------------------------------------------ AVIC

avic_conf = snippet(
    config("/etc/modprobe.d/kvm_amd.conf", "options kvm_amd avic=1"),
    arch="amd",
)

avic_check = snippet(
    transcript("""
        $ sudo modprobe -r kvm_amd
        $ sudo modprobe kvm_amd
        $ cat /sys/module/kvm_amd/parameters/avic /sys/module/kvm_amd/parameters/nested
        Y
        1
    """),
    arch="amd",
    given=Given(files={"/etc/modprobe.d/kvm_amd.conf": "options kvm_amd avic=1\n"}),
    kernels=">=5.13",
    because="avic is a plain bool from 5.13 (svm/svm.c @ 5.13.0; an int @ 5.12.9); "
    "from 6.18 (svm/avic.c avic_ops @ 6.18.2) avic=1 asks for AVIC without "
    "'auto''s x2AVIC condition and the getter prints Y when the CPU has the AVIC bit "
    "(avic_want_avic_enabled() @ 7.3.4)",
)

avic = procedure(
    [avic_conf, avic_check],
    arches=("amd",),
    kernels=">=5.13",
    because="see troubleshooting.avic_check",
)

# ------------------------------------------------------- KVM not loaded on the host

not_loaded = snippet(
    lambda a: transcript(
        """
        $ ls /dev/kvm
        ls: cannot access '/dev/kvm': No such file or directory
        $ lsmod | grep -c kvm
        0
        """,
        status={0: 2, 1: 1},
    ),
    arches=X86,
    given=Given(kvm="unloaded"),
)

load_module = snippet(
    lambda a: transcript(f"""
        $ sudo modprobe {a.module}
        $ ls /dev/kvm
        /dev/kvm
    """),
    arches=X86,
    given=Given(kvm="unloaded"),
)

add_to_kvm_group = snippet(
    command_line('sudo usermod --append --groups kvm "$USER"'),
)

udev_kvm_rule = snippet(
    command_line("""
        ls -l /dev/kvm
        grep -rs 'KERNEL=="kvm"' /etc/udev/rules.d /usr/lib/udev/rules.d
        getent group kvm
    """),
)
"""When /dev/kvm's group may not read and write it (crw------- root:root): is udev's
rule for it there, and the group it names?  The same check as
nested_snippets.cli.checks.UDEV_KVM_CHECK, which ``nested-kvm check`` prints."""

EMULATOR_RUNNER_README = (
    "https://github.com/ReactiveCircus/android-emulator-runner/blob/"
    "ae2c4d7c48a437c688cfa02c854449e9a99b7950/README.md"
)
"""ReactiveCircus/android-emulator-runner's README at ae2c4d7c48a4 (2026-05-05), section
"Running hardware accelerated emulators on Linux runners" and every example workflow's
"Enable KVM" step: the three lines of ``ci_kvm_udev_rule``, character for character
(``echo '...' | sudo tee /etc/udev/rules.d/99-kvm4all.rules``)."""

ci_kvm_udev_rule = snippet(
    command_line("""
        echo 'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"' | sudo tee /etc/udev/rules.d/99-kvm4all.rules
        sudo udevadm control --reload-rules
        sudo udevadm trigger --name-match=kvm
    """),  # noqa: E501 (the README's line, unbroken)
    not_executed=NotExecuted(
        why="it rewrites the udev rules and the mode of /dev/kvm of the machine it runs "
        "on, which no test may do, and the fake host has no udev; the step that "
        "android-emulator-runner's README puts before its action on Linux runners",
        source=EMULATOR_RUNNER_README,
        read="2026-12-05",
    ),
)
"""A CI job's way to let its user open /dev/kvm without a new login.  udevadm's options:
``--reload-rules`` is an alias of ``-R``/``--reload`` (systemd
src/udev/udevadm-control.c at 00692468d4bf, its options table: "alias for -R");
``trigger --name-match=NAME`` triggers the device of that /dev name, and trigger's default
action is ``change`` (systemd man/udevadm.xml at 0052418bf8a2, read 2026-12-05)."""

docker_kvm_device = snippet(
    command_line('docker run --rm --device /dev/kvm --group-add "$(stat -c %g /dev/kvm)" IMAGE'),
    not_executed=NotExecuted(
        why="needs Docker; --device adds a host device to the container, and --group-add "
        "takes a group ID that the container's /etc/group need not name (its example "
        "adds 777)",
        source="https://github.com/docker/cli/blob/28f756087eea5fa301f3fbf12b01ae62f91521c2/"
        "docs/reference/run.md",
        read="2026-12-05",
    ),
)
"""The group is given by number, as the host numbers it: ``stat -c %g`` prints the group
ID of the file's owner (coreutils ``stat --help``).  Docker's run reference (section
"Additional groups"): the process gets the supplementary groups looked up for the user
*in the container*, then the added ones; docs/reference/commandline/container_run.md,
"Add host device to container (--device)": read, write and mknod by default."""

podman_kvm_keep_groups = snippet(
    command_line("podman run --rm --device /dev/kvm --group-add keep-groups IMAGE"),
    not_executed=NotExecuted(
        why="needs Podman; for a rootless container, keep-groups passes the user's "
        "supplementary groups into the container, with the crun runtime only and no "
        "other --group-add",
        source="https://github.com/containers/podman/blob/170e6eb653c0ce6be4c24906a120d32280ea092f/"
        "docs/source/markdown/options/group-add.md",
        read="2026-12-05",
    ),
)
"""podman-run(1)'s --group-add and --device (docs/source/markdown/options/group-add.md and
device.md at 170e6eb653c0): keep-groups "allows container to use the user's supplementary
group access"; rootless, the device is bind-mounted from the host."""
