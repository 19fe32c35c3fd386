"""Troubleshooting: failures from public issue trackers (the second half of the page).

Shown on ``source/troubleshooting.rst``.  Most of these failures happen in QEMU,
libvirt, Windows or firmware, which the fake host does not model; their messages
are quoted in the page text with the source file (at a named release) or the issue
thread they come from.  What the fake host can show runs here:

* ``lscpu`` prints ``Hypervisor vendor:`` from CPUID leaf 0x40000000 inside a guest
  (util-linux ``sys-utils/lscpu-virt.c``); under KVM it reads ``KVM``.
* The libvirt ``<cpu>`` fragments are validated with ``virt-xml-validate`` by
  ``tests/realtools``; ``require`` is libvirt's documented feature policy
  (``docs/formatdomain.rst``, "CPU model and topology").
* QEMU's ``KVM: entry failed, hardware error 0x...`` and ``Could not access KVM
  kernel module: %m`` are in ``target/i386/kvm/kvm.c`` and ``accel/kvm/kvm-all.c``
  of QEMU 9.2.4 (read in a snapshot of that release).
* The initramfs, SELinux and AppArmor commands need an initramfs image, a policy or
  a journal that the fake host does not have: each is declared not executed, with
  the manual page or report it follows (read 2026-12-05); the sources of what the
  page says about them are in the comments above each group.
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
    xml,
)

# ------------------------------------------------------- which hypervisor is L0?

l1_hypervisor_vendor = snippet(
    lambda a: transcript(f"""
        $ lscpu | grep -i -E 'hypervisor vendor|virtualization'
        Virtualization:                          {a.extension}
        Hypervisor vendor:                       KVM
        Virtualization type:                     full
    """),
    arches=X86,
    given=Given(level="L1"),
)
"""Inside L1: which hypervisor runs it, and whether it passed the extension on."""

# ----------------------------------------------- libvirt host-model without vmx

host_model_require = snippet(
    lambda a: xml(
        f"""
        <cpu mode='host-model' check='partial'>
          <feature policy='require' name='{a.cpu_flag}'/>
        </cpu>
        """,
        fragment_of="domain",
    ),
    arches=X86,
)

dumpxml_cpu = snippet(
    command_line("virsh --connect qemu:///system dumpxml l1 | grep -A3 '<cpu'"),
)

capabilities = snippet(
    command_line("virsh --connect qemu:///system capabilities | grep \"domain type\""),
)
"""Lists ``<domain type='qemu'/>`` and, when libvirt can use /dev/kvm, ``kvm``."""

# ------------------------------------------------------ QEMU in L1: which error?

qemu_accel_kvm = snippet(
    command_line("qemu-system-x86_64 -accel kvm -cpu host -m 1G -nographic -display none"),
)
"""Starts a guest with nothing in it: enough to see whether KVM opens."""

# ------------------------------------------- VT-x / SVM switched off in the firmware
# Lines from messages.py (feat_ctl_vmx_disabled, amd_svm_disabled_boot,
# disabled_by_bios, disabled_by_bios_amd); fakehost/firmware.py clears the flag at
# boot where the kernel does.  Before that, udev's load at boot fails the same way
# as the manual one, so the log holds the line twice.

BIOS_OFF = Given(firmware_vt=False)
_BIOS_GREP = "sudo dmesg | grep -i -E 'bios|svm|vmx'"

bios_off_cpuinfo = snippet(
    transcript(
        """
        $ grep -c -w vmx /proc/cpuinfo
        0
        $ sudo dmesg | grep -i vmx
        [    0.071642] x86/cpu: VMX (outside TXT) disabled by BIOS
        """,
        status={0: 1},
    ),
    given=BIOS_OFF,
    kernels=">=5.6",
    because="feat_ctl.c clears the flag at boot (in the 5.6.4 tree; 5.3 has no "
    "'vmx flags' series)",
    arch="intel",
)


def _bios_off(module: str, *lines: tuple[str, str]):
    """(time, message) lines as the log holds them: boot-time lines come first,
    the reader's modprobe a minute or two later.  The times are authored (the runner
    blanks them out); each transcript has its own, so no two look copied."""
    shown = "\n".join(f"        [{stamp}] {text}" for stamp, text in lines)
    return transcript(
        f"""
        $ sudo modprobe {module}
        modprobe: ERROR: could not insert '{module}': Operation not supported
        $ {_BIOS_GREP}
{shown}
        """,
        status={0: 1},
    )


_TXT = "x86/cpu: VMX (outside TXT) disabled by BIOS"
_OLD = "kvm: disabled by bios"
_FULLY = "kvm_intel: VMX not fully enabled on CPU 0.  Check kernel logs and/or BIOS"

bios_off_intel = snippet(
    by_release(
        era(
            "<5.6",
            _bios_off("kvm_intel", ("    6.204518", _OLD), ("  131.770342", _OLD)),
            because="x86.c kvm_arch_init() @ v4.19..v5.5.0; no feat_ctl.c yet (none @ "
            "v5.5.0), udev's boot-time load fails too",
        ),
        era(
            ">=5.6,<5.16",
            _bios_off("kvm_intel", ("    0.068215", _TXT), ("   94.531207", _OLD)),
            because="feat_ctl.c from 5.6; x86.c text until 5.15 (messages.py disabled_by_bios)",
        ),
        era(
            ">=5.16,<6.3",
            _bios_off(
                "kvm_intel",
                ("    0.074930", _TXT),
                ("  158.027716", "kvm: support for 'kvm_intel' disabled by bios"),
            ),
            because="x86.c names the vendor module from 5.16 (messages.py disabled_by_bios)",
        ),
        era(
            ">=6.3,<7.1",
            _bios_off(
                "kvm_intel",
                ("    0.063388", _TXT),
                ("  117.360954",
                 "kvm_intel: VMX not enabled (by BIOS) in MSR_IA32_FEAT_CTL on CPU 0"),
            ),
            because="vmx.c kvm_is_vmx_supported() @ v6.3.8..v7.0.0 (messages.py)",
        ),
        era(
            ">=7.1",
            _bios_off("kvm_intel", ("    0.070157", _TXT), ("   83.649381", _FULLY)),
            because="vmx.c @ v7.1.3..v7.3.4; absent in v7.0.0 (messages.py disabled_by_bios)",
        ),
    ),
    given=BIOS_OFF,
    arch="intel",
)

bios_off_amd = snippet(
    by_release(
        era(
            "<5.16",
            _bios_off("kvm_amd", ("    5.917204", _OLD), ("  102.448671", _OLD)),
            because="svm.c is_disabled() + x86.c @ v4.19..v5.15 (messages.py "
            "disabled_by_bios_amd)",
        ),
        era(
            ">=5.16,<6.3",
            _bios_off(
                "kvm_amd",
                ("    7.330815", "kvm: support for 'kvm_amd' disabled by bios"),
                ("  146.182093", "kvm: support for 'kvm_amd' disabled by bios"),
            ),
            because="x86.c @ v6.1 (messages.py disabled_by_bios_amd)",
        ),
        era(
            ">=6.3,<6.7",
            _bios_off(
                "kvm_amd",
                ("    6.658432", "kvm_amd: SVM disabled (by BIOS) in MSR_VM_CR on CPU 0"),
                ("  121.905518", "kvm_amd: SVM disabled (by BIOS) in MSR_VM_CR on CPU 0"),
            ),
            because="svm.c kvm_is_svm_supported() @ v6.3.8..v6.6 (messages.py)",
        ),
        era(
            ">=6.7",
            _bios_off(
                "kvm_amd",
                ("    0.059821", "SVM disabled (by BIOS) in MSR_VM_CR"),
                ("  109.374226", "kvm_amd: SVM not supported by CPU 0"),
            ),
            because="amd.c init_amd() clears svm at boot from 6.7 (commit 7deda2ce5b33; "
            "@ v6.18.2); svm.c @ v6.12..v7.3.4",
        ),
    ),
    arch="amd",
    given=BIOS_OFF,
)

# ------------------------------------- VirtualBox or VMware next to KVM (6.12 on)

VIRT_AT_LOAD_CONF = "/etc/modprobe.d/kvm-virt-at-load.conf"
"""A file of its own: Fedora ships an ``/etc/modprobe.d/kvm.conf`` that this must not
replace."""

virt_at_load_on = snippet(
    lambda a: transcript("""
        $ cat /sys/module/kvm/parameters/enable_virt_at_load
        Y
    """),
    arches=X86,
    kernels=">=6.12",
)
"""``Y``: KVM holds the CPU's virtualization extension from the moment it loads
(virt/kvm/kvm_main.c, ``enable_virt_at_load``); the file is absent before 6.12."""

virt_at_load_conf = snippet(
    lambda a: config(VIRT_AT_LOAD_CONF, "options kvm enable_virt_at_load=0"),
    arches=X86,
)

virt_at_load_reload = snippet(
    lambda a: transcript(f"""
        $ sudo modprobe -r {a.module} kvm
        $ sudo modprobe {a.module}
        $ cat /sys/module/kvm/parameters/enable_virt_at_load
        N
    """),
    arches=X86,
    kernels=">=6.12",
    given=Given(files={VIRT_AT_LOAD_CONF: "options kvm enable_virt_at_load=0\n"}),
)
"""``kvm`` is removed too: its parameter is read-only (0444) and read when it loads,
as a dependency of the vendor module, with the file's option."""

virt_at_load_off = procedure(
    [virt_at_load_on, virt_at_load_conf, virt_at_load_reload],
    arches=X86,
    kernels=">=6.12",
)


# ------------------------- nested off after a reboot: the initramfs's modprobe.d copy
# Read 2026-12-05: initramfs-tools 0.148.4 (Debian 13's source package, tarball SHA-256
# 31f3f472...) and 0.142ubuntu25.8 (Ubuntu 24.04's): mkinitramfs copies every
# /etc/modprobe.d/*.conf into the image; auto_add_modules (MODULES=most) lists no
# arch/x86/kvm.  dracut 90kernel-modules/module-setup.sh (dracutdevs/dracut 5d2bda46f4e7,
# dracut-ng/dracut-ng 20cc20d2ac9c): install() copies /etc/modprobe.d/*.conf when
# hostonly; installkernel() lists no arch/x86/kvm.

READ = "2026-12-05"
LSINITRAMFS_8 = "https://sources.debian.org/src/initramfs-tools/0.148.4/lsinitramfs.8/"
UPDATE_INITRAMFS_8 = "https://sources.debian.org/src/initramfs-tools/0.148.4/update-initramfs.8/"
LSINITRD_1 = (
    "https://github.com/dracutdevs/dracut/blob/5d2bda46f4e75e85445ee4d3bd3f68bf966287b9/"
    "man/lsinitrd.1.asc"
)
DRACUT_8 = (
    "https://github.com/dracutdevs/dracut/blob/5d2bda46f4e75e85445ee4d3bd3f68bf966287b9/"
    "man/dracut.8.asc"
)
_NO_IMAGE = "the fake host has no initramfs image and no {tool}"

initramfs_kvm_debian = snippet(
    command_line("lsinitramfs /boot/initrd.img-$(uname -r) | grep -E 'kvm|modprobe.d'"),
    not_executed=NotExecuted(
        why=_NO_IMAGE.format(tool="lsinitramfs") + "; lsinitramfs(8)'s example for the "
        "running kernel's image, filtered",
        source=LSINITRAMFS_8,
        read=READ,
    ),
)
"""Debian, Ubuntu: is a KVM module in the image, next to the image's modprobe.d?"""

initramfs_kvm_dracut = snippet(
    command_line("sudo lsinitrd | grep -E 'kvm|modprobe.d'"),
    not_executed=NotExecuted(
        why=_NO_IMAGE.format(tool="lsinitrd") + "; lsinitrd(1): without an image it "
        "reads the default one, and lists its contents",
        source=LSINITRD_1,
        read=READ,
    ),
)
"""dracut (Fedora, RHEL, SUSE): the same question."""

initramfs_rebuild_debian = snippet(
    command_line("sudo update-initramfs -u -k all"),
    not_executed=NotExecuted(
        why="it rewrites the initramfs images of the machine it runs on; update-initramfs(8): "
        "-u updates, -k all every installed kernel that already has an image",
        source=UPDATE_INITRAMFS_8,
        read=READ,
    ),
)

initramfs_rebuild_dracut = snippet(
    command_line("sudo dracut --force --regenerate-all"),
    not_executed=NotExecuted(
        why="it rewrites the initramfs images of the machine it runs on; dracut(8): "
        "--force overwrites an existing image, --regenerate-all builds one per kernel "
        "version found",
        source=DRACUT_8,
        read=READ,
    ),
)

# ------------------------------------------- SELinux: svirt_t denied the L1's disk
# The denial's wording: Linux security/selinux/avc.c avc_audit_pre_callback() and
# avc_audit_post_callback() at 6.14 ("avc:  %s ", " {", " } for ", " scontext=%s",
# " tcontext=%s", " tclass=%s", " permissive=%u").  The policy: fedora-selinux/
# selinux-policy fd1d99621ded (v41.24-7): devices.fc labels /dev/kvm kvm_device_t,
# virt.te dev_rw_kvm(virt_domain) and virt.if makes svirt_t a virt_domain, virt.fc
# labels /var/lib/libvirt/images virt_image_t, virt.te has the tunables virt_use_nfs and
# virt_use_fusefs (both false).

AUSEARCH_8 = (
    "https://github.com/linux-audit/audit-userspace/blob/"
    "00da0194711c70c339790016390f55f1d6ccbb1c/docs/ausearch.8"
)
SETSEBOOL_8 = (
    "https://github.com/SELinuxProject/selinux/blob/"
    "13cd4c8960688af11ad23b4c946149015c80d549/policycoreutils/setsebool/setsebool.8"
)
SEMANAGE_FCONTEXT_8 = (
    "https://github.com/SELinuxProject/selinux/blob/"
    "3361233fa3cb0c27f68f682f195accefb69d06c0/python/semanage/semanage-fcontext.8"
)
RESTORECON_8 = (
    "https://github.com/SELinuxProject/selinux/blob/"
    "0e67689d52900276dcd669aff9742b02fb4497a5/policycoreutils/setfiles/restorecon.8"
)
_NO_SELINUX = "the fake host has no SELinux and no {tool}"

selinux_avc_recent = snippet(
    command_line("sudo ausearch -m avc -ts recent"),
    not_executed=NotExecuted(
        why=_NO_SELINUX.format(tool="audit log") + "; ausearch(8): -m selects the record "
        "type, -ts recent the last 10 minutes",
        source=AUSEARCH_8,
        read=READ,
    ),
)

selinux_virt_use_nfs = snippet(
    command_line("sudo setsebool -P virt_use_nfs 1"),
    not_executed=NotExecuted(
        why=_NO_SELINUX.format(tool="setsebool") + "; setsebool(8): -P keeps the value "
        "across reboots; the boolean is virt.te's (selinux-policy fd1d99621ded)",
        source=SETSEBOOL_8,
        read=READ,
    ),
)

selinux_label_image_dir = snippet(
    command_line("""
        sudo semanage fcontext -a -e /var/lib/libvirt/images /srv/vms
        sudo restorecon -R -v /srv/vms
    """),
    not_executed=NotExecuted(
        why=_NO_SELINUX.format(tool="semanage") + "; semanage-fcontext(8)'s example of "
        "-e (label a tree the way another is labelled), then restorecon as it says",
        source=SEMANAGE_FCONTEXT_8,
        read=READ,
    ),
)
"""/srv/vms stands for the reader's directory of disk images."""

selinux_dev_kvm_label = snippet(
    command_line("""
        ls -Z /dev/kvm
        sudo restorecon -v /dev/kvm
    """),
    not_executed=NotExecuted(
        why=_NO_SELINUX.format(tool="file labels") + "; restorecon(8) sets the policy's "
        "context on the file and -v shows the change",
        source=RESTORECON_8,
        read=READ,
    ),
)

# ---------------------------------------- AppArmor: libvirt-<uuid> denied the disk
# The wording: Linux security/apparmor/audit.c (apparmor="%s", "DENIED") and file.c
# (requested_mask=, denied_mask=) at 6.14; the profile's name is AA_PREFIX and the
# domain's UUID (libvirt 11.3.0 src/security/security_apparmor.c), "libvirt-" in the
# reports below.

TF_LIBVIRT_546 = "https://github.com/dmacvicar/terraform-provider-libvirt/issues/546"

apparmor_denied = snippet(
    command_line("sudo dmesg | grep 'apparmor=\"DENIED\"'"),
    not_executed=NotExecuted(
        why="the fake host has no AppArmor, so its log holds no such line; the report "
        "found the denials as kernel log lines (\"kernel: [263802.885482] audit: "
        "type=1400 ... apparmor=\"DENIED\"\")",
        source=TF_LIBVIRT_546,
        read=READ,
    ),
)

QEMU_IMG_KBASE = "https://gitlab.com/libvirt/libvirt/-/blob/v11.3.0/docs/kbase/backing_chains.rst"

backing_format_check = snippet(
    command_line("qemu-img info /var/lib/libvirt/images/l1.qcow2"),
    not_executed=NotExecuted(
        why="it needs the reader's disk image; libvirt's knowledge base, \"Disk image "
        "chains\", Troubleshooting: without a \"backing file format\" line the format "
        "is not recorded",
        source=QEMU_IMG_KBASE,
        read=READ,
    ),
)

backing_format_fix = snippet(
    command_line(
        "qemu-img rebase -f qcow2 -F qcow2 -b /var/lib/libvirt/images/base.qcow2 "
        "/var/lib/libvirt/images/l1.qcow2"
    ),
    not_executed=NotExecuted(
        why="it rewrites the reader's disk image; the command of libvirt's knowledge base "
        "(\"Disk image chains\", Troubleshooting) with qcow2 for both formats, the backing "
        "image given by its absolute path as it asks",
        source=QEMU_IMG_KBASE,
        read=READ,
    ),
)
"""Records the backing image's format in the overlay (the knowledge base's fix)."""

# ------------------ libvirt DAC: QEMU's user cannot reach the L1 image (Cannot access ...)
# The message: libvirt 11.3.0 src/storage_file/storage_source.c
# virStorageSourceReportBrokenChain(), "Cannot access storage file '%1$s' (as uid:%2$u,
# gid:%3$u)", after qemuDomainDetermineDiskChain() tested the path as QEMU's user and
# group (src/qemu/qemu_domain.c, virFileAccessibleAs() in src/util/virfile.c).
# /home/alice/vms stands for the reader's directory of images.

NAMEI_1 = "https://github.com/util-linux/util-linux/blob/v2.38.1/misc-utils/namei.1.adoc"
LIBVIRT_DRVQEMU = "https://gitlab.com/libvirt/libvirt/-/blob/v11.3.0/docs/drvqemu.rst"
ORACLE_ACL = (
    "https://docs.oracle.com/en/operating-systems/oracle-linux/6/admin/set-display-acls.html"
)
_NO_HOME = "the fake host has no /home, nor a user to own a directory there"

storage_dac_namei = snippet(
    command_line("namei -l /home/alice/vms/l1.qcow2"),
    not_executed=NotExecuted(
        why=_NO_HOME + "; namei(1) of util-linux 2.38.1: -l (-m -o -v) lists "
        "each component of the path with its mode bits, as ls shows them, and its owners",
        source=NAMEI_1,
        read=READ,
    ),
)

storage_dac_chmod = snippet(
    command_line("chmod o+x /home/alice /home/alice/vms"),
    not_executed=NotExecuted(
        why="it changes the reader's directories; libvirt's docs/drvqemu.rst, \"POSIX "
        "users/groups\": chmod o+x on the image's directory and on each parent directory",
        source=LIBVIRT_DRVQEMU,
        read=READ,
    ),
)

storage_dac_acl = snippet(
    command_line("sudo setfacl -m u:libvirt-qemu:x /home/alice /home/alice/vms"),
    not_executed=NotExecuted(
        why="it changes the reader's directories; setfacl -m u:USER:PERMISSIONS adds an "
        "entry for one named user (the Oracle Linux administrator's guide, \"Setting and "
        "Displaying ACLs\"); libvirt-qemu is Debian's and Ubuntu's QEMU user (libvirt 11.3.0 "
        "meson.build)",
        source=ORACLE_ACL,
        read=READ,
    ),
)
"""Search permission for QEMU's user only; ``qemu`` on Fedora, RHEL and SUSE."""
