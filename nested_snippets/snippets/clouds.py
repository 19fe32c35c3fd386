"""Nesting on clouds and other hypervisors as L0: switching it on, and checking from L1.

Shown on ``source/how-to/clouds.rst``.  The switches (``gcloud``, ``aws``, ``az``,
``qm``, PowerShell, ``VBoxManage``) and the files of other hypervisors (a VMware
``.vmx``, a Xen ``xl.cfg``) need the vendor's platform and are never run
here; each carries the document it follows and the date it was read.  The checks
run inside L1 and *are* executed on the fake host (``Given(level="L1")``): the
fake ``lscpu`` prints ``Hypervisor vendor: KVM`` in L1, the layout of util-linux's
"Virtualization features" block (``sys-utils/lscpu.c``).  What other L0s print
there (``Microsoft``, ``VMware``, ...) comes from lscpu's ``hv_vendors`` table and
is said in the page's prose with its source; the fake host models only a KVM L0.
"""

from nested_snippets.arches import X86
from nested_snippets.model import (
    Given,
    NotExecuted,
    command_line,
    foreign_config,
    snippet,
    transcript,
    windows_command,
)

READ = "2026-12-01"
"""The day the sources below were read."""

# ------------------------------------------------------------------ the L1 check

l1_check = snippet(
    lambda a: transcript(f"""
        $ grep -o -w -E 'vmx|svm' /proc/cpuinfo | sort -u
        {a.cpu_flag}
        $ lscpu | grep -i -E 'virtualization|hypervisor'
        Virtualization:                          {a.extension}
        Hypervisor vendor:                       KVM
        Virtualization type:                     full
    """),
    arches=X86,
    given=Given(level="L1"),
)
"""Inside L1 on a KVM L0 that exposes the extension: flag present, vendor KVM."""

l1_not_exposed = snippet(
    lambda a: transcript(
        f"""
        $ grep -c -w -E 'vmx|svm' /proc/cpuinfo
        0
        $ lscpu | grep -i -E 'virtualization|hypervisor'
        Hypervisor vendor:                       KVM
        Virtualization type:                     full
        $ sudo modprobe {a.module}
        modprobe: ERROR: could not insert '{a.module}': Operation not supported
        """,
        status={0: 1, 2: 1},
    ),
    arches=X86,
    given=Given(level="L1", cpu_flag=False, kvm="unloaded"),
)
"""The same check where L0 did not pass the extension on: a guest, but no flag, and
the message a reader meets when loading KVM anyway (kmod's wording, as in
``troubleshooting.no_flag``)."""

# ------------------------------------------------------------------ Google (GCE)

gce_create = snippet(
    command_line("""
        gcloud compute instances create l1 --zone=ZONE \\
            --machine-type=n2-standard-8 --enable-nested-virtualization
    """),
    not_executed=NotExecuted(
        why="needs a Google Cloud project; Google's gcloud reference lists "
        "--[no-]enable-nested-virtualization among the options of instances create "
        "(the alpha track's page)",
        source="https://cloud.google.com/sdk/gcloud/reference/alpha/compute/instances/create",
        read="2026-12-03",
    ),
)

# ------------------------------------------------------------------ Amazon (EC2)

aws_run = snippet(
    command_line("""
        aws ec2 run-instances --image-id AMI_ID --instance-type c8i.2xlarge \\
            --cpu-options NestedVirtualization=enabled
    """),
    not_executed=NotExecuted(
        why="needs an AWS account; NestedVirtualization (enabled or disabled) is a "
        "field of the CPU options RunInstances takes, in the EC2 API reference",
        source="https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CpuOptionsRequest.html",
        read="2026-12-03",
    ),
)

aws_types = snippet(
    command_line("""
        aws ec2 describe-instance-types \\
            --filters Name=processor-info.supported-features,Values=nested-virtualization \\
            --query 'sort(InstanceTypes[].InstanceType)'
    """),
    not_executed=NotExecuted(
        why="needs an AWS account; lists the instance types of one region that offer the feature",
        source="https://dev.classmethod.jp/en/articles/"
        "ec2-nested-virtualization-support-non-bare-metal",
        read=READ,
    ),
)

aws_metal_types = snippet(
    command_line("""
        aws ec2 describe-instance-types --filters Name=bare-metal,Values=true \\
            --query 'sort(InstanceTypes[].InstanceType)'
    """),
    not_executed=NotExecuted(
        why="needs an AWS account; bare-metal (true or false) is a filter of "
        "DescribeInstanceTypes, in the EC2 API reference",
        source="https://docs.aws.amazon.com/AWSEC2/latest/APIReference/"
        "API_DescribeInstanceTypes.html",
        read="2026-12-03",
    ),
)
"""The bare-metal instance types of one region: on those, the instance is L0."""

# ------------------------------------------------------------------ Microsoft Azure

azure_create = snippet(
    command_line("""
        az vm create --resource-group RG --name l1 --image IMAGE \\
            --size Standard_D4s_v3 --security-type Standard
    """),
    not_executed=NotExecuted(
        why="needs an Azure subscription; Microsoft requires security type "
        "Standard for nested virtualization in an Azure VM",
        source="https://learn.microsoft.com/en-us/virtualization/hyper-v-on-windows/"
        "user-guide/enable-nested-virtualization",
        read=READ,
    ),
)

# ------------------------------------------------------------------ Proxmox VE

proxmox_cpu_host = snippet(
    command_line("sudo qm set 100 --cpu host"),
    not_executed=NotExecuted(
        why="runs as root on a Proxmox VE node (100 is the VM's id); sets the VM's "
        "CPU type to host, which passes VT-x/AMD-V through",
        source="https://pve.proxmox.com/wiki/Nested_Virtualization",
        read=READ,
    ),
)

# ------------------------------------------------------------------ VMware ESXi

vmware_vhv = snippet(
    foreign_config(
        "/vmfs/volumes/datastore1/l1/l1.vmx",
        """
        vhv.enable = "TRUE"
        """,
    ),
    not_executed=NotExecuted(
        why="a VMware ESXi file; the vSphere client writes this line when "
        '"Expose hardware assisted virtualization to the guest OS" is ticked',
        source="https://gainanov.pro/eng-blog/sysad/esxi-enable-nested-virtualization/",
        read=READ,
    ),
)
"""The .vmx line behind "Expose hardware assisted virtualization to the guest OS"."""

# ------------------------------------------------------------------ Hyper-V

hyperv_expose = snippet(
    windows_command("Set-VMProcessor -VMName l1 -ExposeVirtualizationExtensions $true"),
    not_executed=NotExecuted(
        why="PowerShell on the Windows host, with the VM turned off",
        source="https://learn.microsoft.com/en-us/virtualization/hyper-v-on-windows/"
        "user-guide/enable-nested-virtualization",
        read=READ,
    ),
)

# ------------------------------------------------------------------ VirtualBox

virtualbox_nested = snippet(
    command_line("VBoxManage modifyvm l1 --nested-hw-virt=on"),
    not_executed=NotExecuted(
        why="runs on the VirtualBox host, with the VM stopped",
        source="VirtualBox/virtualbox doc/manual/en_US/man_VBoxManage-modifyvm.xml"
        "@080a9bcecbcff53d2cd45413556543c4bceda055",
        read=READ,
    ),
)

# ------------------------------------------------------------------ Xen

xen_nestedhvm = snippet(
    foreign_config(
        "/etc/xen/l1.cfg",
        """
        nestedhvm = 1
        """,
    ),
    not_executed=NotExecuted(
        why="a file of Xen's xl toolstack, read in dom0 when the domain is created; "
        "xl.cfg(5) lists nestedhvm=BOOLEAN among the options of HVM guests",
        source="xen-project/xen docs/man/xl.cfg.5.pod.in"
        "@024e7131be5ca0cb0a3f68522e490e5882099b00",
        read="2026-12-04",
    ),
)
"""The xl.cfg line that gives an HVM domain VT-x/AMD-V (section "Processor and Platform
Features" of the HVM guest options)."""
