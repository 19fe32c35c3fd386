"""Distribution paths: packages, the libvirt group, and L1 from a cloud image.

Shown on ``source/how-to/distributions.rst``.  Package commands are not run
(they would install software); each names where its package names come from.
``virt_install_l1`` is run by ``tests/realtools/test_virt_install.py`` through the
real ``virt-install --connect test:///default --dry-run --print-xml`` and the XML
it prints is validated with ``virt-xml-validate``.  Options of ``--cloud-init`` are
those of virt-install(1) as shipped in Debian 12's virtinst: plain
``root-password-generate=on,disable=on`` prints a generated root password and
turns cloud-init off after the first boot; ``clouduser-ssh-key=`` puts a public
key into the image's default user.  The connection URIs and how libvirt picks a
default (``LIBVIRT_DEFAULT_URI``, then ``uri_default``, then probing) are from
libvirt's ``docs/uri.rst``.
"""

from nested_snippets.arches import X86
from nested_snippets.model import NotExecuted, command_line, snippet, transcript

READ = "2026-12-01"

ARCH_LIBVIRT = "https://archlinux.org/packages/extra/x86_64/libvirt"
"""Arch's libvirt package page (optional dependencies); the stable ``extra`` repository,
not the transient ``extra-staging``."""

SYSTEM = "qemu:///system"
"""The connection every command on the page names explicitly."""

CLOUD_IMAGE = "jammy-server-cloudimg-amd64.img"
"""Ubuntu 22.04's cloud image; osinfo-db names it ubuntu22.04 (Debian 12's too).  Not
24.04 (noble): with Debian 12's osinfo-db (0.20221130, no ubuntu24.04) the virt-install
the realtools tests run stops with "Unknown OS name 'ubuntu24.04'"
(tests/realtools/test_virt_install.py checks that this still holds, so the day it does not,
the guide can move to noble)."""

SSH_KEY = "$HOME/.ssh/id_ed25519.pub"
"""The reader's public key, put into the image's default user by cloud-init."""

# ------------------------------------------------------------------ packages

install_debian = snippet(
    command_line("sudo apt install qemu-system-x86 libvirt-daemon-system virtinst"),
    not_executed=NotExecuted(
        why="installs packages; names checked against the Debian archive",
        source="Debian 12 archive, apt-cache policy qemu-system-x86 libvirt-daemon-system virtinst",
        read=READ,
    ),
)

install_ubuntu = snippet(
    command_line("sudo apt install qemu-system-x86 libvirt-daemon-system virtinst"),
    not_executed=NotExecuted(
        why="installs packages; Ubuntu's libvirt guide installs qemu-kvm, a name that "
        "qemu-system-x86 provides (Provides: qemu-kvm, qemu-system-i386, "
        "qemu-system-x86-64, as Ubuntu's QEMU maintainer wrote in Debian bug 989638), "
        "so this line names the package itself; libvirt-daemon-system is from the same "
        "guide, virtinst is the Debian package name; not installed on an Ubuntu host here",
        source="https://bugs.debian.org/989638",
        read="2026-12-04",
    ),
)

install_fedora = snippet(
    command_line("sudo dnf install @virtualization"),
    not_executed=NotExecuted(
        why="installs Fedora's package group 'virtualization' (QEMU/KVM, libvirt, "
        "virt-install); Fedora's own page was not read here, only a project that "
        "follows it; RHEL has no group of that id in the sources read here",
        source="https://github.com/stephane-klein/virsh-kvm-playground",
        read=READ,
    ),
)

install_rhel = snippet(
    command_line("sudo dnf install qemu-kvm libvirt virt-install virt-viewer"),
    not_executed=NotExecuted(
        why="installs packages; the list Red Hat's guide installs on AMD64 and Intel 64 "
        "(chapter 'Enabling virtualization'), read in a copy of its zh-CN edition",
        source="https://docs.redhat.com/en/documentation/red_hat_enterprise_linux/9/"
        "html/configuring_and_managing_virtualization/"
        "assembly_enabling-virtualization-in-rhel-9_configuring-and-managing-virtualization",
        read="2026-12-02",
    ),
)

install_arch = snippet(
    command_line("sudo pacman -S libvirt qemu-base virt-install dnsmasq iptables-nft"),
    not_executed=NotExecuted(
        why="installs packages; libvirt lists dnsmasq as the optional dependency "
        "'required for default NAT/DHCP for guests' (the network named default) and "
        "iptables-nft as 'required for default NAT networking'",
        source=ARCH_LIBVIRT,
        read=READ,
    ),
)

install_opensuse = snippet(
    command_line("sudo zypper install -t pattern kvm_server kvm_tools"),
    not_executed=NotExecuted(
        why="installs the KVM host patterns; kvm_server recommends "
        "libvirt-daemon-qemu and virt-install (per patterns-server.spec, read once "
        "and not re-read; not verified on an openSUSE host)",
        source="https://build.opensuse.org/projects/system:install:head/packages/"
        "patterns-server/files/patterns-server.spec",
        read=READ,
    ),
)

# ------------------------------------------------------------------ the daemon

_DAEMONS = "https://libvirt.org/daemons.html"
"""libvirt's docs/daemons.rst: the monolithic libvirtd, the modular virt${DRIVER}d
(virtqemud, virtnetworkd, virtstoraged ...), and that each service unit is
recommended to start on boot, since drivers autostart their objects."""

which_daemon = snippet(
    command_line("systemctl is-enabled libvirtd.service virtqemud.service"),
    not_executed=NotExecuted(
        why="asks systemd which libvirt daemon the distribution enabled; the unit names "
        "are those of libvirt's page on its daemons (a unit that is not installed is "
        "reported as not found)",
        source=_DAEMONS,
        read="2026-12-04",
    ),
)

start_libvirtd = snippet(
    command_line("sudo systemctl enable --now libvirtd.service"),
    not_executed=NotExecuted(
        why="changes the host's services; libvirt recommends starting the daemon's "
        "service unit on boot",
        source=_DAEMONS,
        read="2026-12-04",
    ),
)

start_modular = snippet(
    command_line("sudo systemctl enable --now virtqemud.service virtnetworkd.service "
                 "virtstoraged.service"),
    not_executed=NotExecuted(
        why="changes the host's services; virtqemud runs QEMU guests, virtnetworkd the "
        "virtual networks (default), virtstoraged the storage pools, per libvirt's page "
        "on its modular daemons",
        source=_DAEMONS,
        read="2026-12-04",
    ),
)

_NO_AUTOSTART = (
    "Debian 12: libvirt-daemon-config-network 9.0.0-4+deb12u2's postinst copies "
    "default.xml to /etc/libvirt/qemu/networks/ and makes no autostart link, and "
    "libvirt-daemon-system ships an empty networks/autostart/ (both packages read "
    "2026-12-05); Arch: its PKGBUILD's package() removes "
    "etc/libvirt/qemu/networks/autostart/default.xml"
)
"""Why the page starts the network named default: Debian 12 and Arch ship it without
the autostart link that upstream libvirt installs (src/network/meson.build)."""

start_network = snippet(
    command_line(f"""
        sudo virsh --connect {SYSTEM} net-start default
        sudo virsh --connect {SYSTEM} net-autostart default
    """),
    not_executed=NotExecuted(
        why="changes the host's networks; starts the network named default now and marks "
        "it to start with libvirt, which Debian 12 and Arch do not do "
        f"({_NO_AUTOSTART}); where it already runs, net-start reports that it is active "
        "and changes nothing",
        source="Debian 12 libvirt-daemon-config-network and libvirt-daemon-system "
        "9.0.0-4+deb12u2 (postinst and file list, from the Debian archive); Arch's libvirt "
        "PKGBUILD package()",
        read="2026-12-05",
    ),
)

# ------------------------------------------------------------------ the group

group_debian = snippet(
    command_line('sudo adduser "$USER" libvirt'),
    not_executed=NotExecuted(
        why="changes the account database; takes effect at the next login",
        source="canonical/ubuntu-server-documentation docs/how-to/virtualisation/"
        "libvirt.md@012345f52f8418a294d62cc0d3278f3b7175c5ad",
        read=READ,
    ),
)

group_other = snippet(
    command_line('sudo usermod -a -G libvirt "$USER"'),
    not_executed=NotExecuted(
        why="changes the account database; members of libvirt may use the system "
        "connection without root",
        source="https://docs.redhat.com/en/documentation/red_hat_enterprise_linux/10/"
        "html/configuring_and_managing_windows_virtual_machines/"
        "user-space-connection-types-for-virtualization",
        read=READ,
    ),
)

# ------------------------------------------------------------------ the connection

which_connection = snippet(
    command_line("virsh uri"),
)
"""Prints the connection virsh uses when none is given."""

system_list = snippet(
    command_line(f"virsh --connect {SYSTEM} list --all"),
)

# ------------------------------------------------------------------ host ready (executed)

host_ready = snippet(
    lambda a: transcript(f"""
        $ ls /dev/kvm
        /dev/kvm
        $ cat {a.nested_param_path}
        {a.nested_on}
    """),
    arches=X86,
    kernels=">=4.20",
    because="nested is on by default on Intel from 4.20 (commit 1e58e5e59148) and on "
    "AMD in every release with data",
)

# ------------------------------------------------------------------ L1 from a cloud image

fetch_image = snippet(
    command_line(f"""
        curl -LO https://cloud-images.ubuntu.com/jammy/current/{CLOUD_IMAGE} && \\
            sudo mv {CLOUD_IMAGE} /var/lib/libvirt/images/
    """),
    not_executed=NotExecuted(
        why="downloads a disk image from the network",
        source="https://documentation.ubuntu.com/public-images/en/latest/"
        "public-images-reference/artefacts/",
        read=READ,
    ),
)

virt_install_l1 = snippet(
    command_line(f"""
        virt-install --connect {SYSTEM} --name l1 \\
            --memory 8192 --vcpus 4 --cpu host-passthrough \\
            --osinfo ubuntu22.04 --import \\
            --disk size=40,backing_store=/var/lib/libvirt/images/{CLOUD_IMAGE} \\
            --network network=default --graphics none --noautoconsole \\
            --cloud-init root-password-generate=on,disable=on,clouduser-ssh-key={SSH_KEY}
    """),
)
"""Checked by the real virt-install against libvirt's test driver (tests/realtools)."""

console = snippet(command_line(f"virsh --connect {SYSTEM} console l1"))

address = snippet(command_line(f"virsh --connect {SYSTEM} domifaddr l1"))
