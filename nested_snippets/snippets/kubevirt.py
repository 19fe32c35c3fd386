"""KubeVirt on Kubernetes nodes that are themselves VMs (the node is L1, KubeVirt's VMs L2).

Shown on ``source/how-to/kubevirt.rst``.  Every command here needs a Kubernetes cluster
with KubeVirt (``kubectl``, ``virtctl``) and is never run; each carries the document it
follows and the date it was read.  The checks made on the node itself (``vmx``/``svm``,
``/dev/kvm``, ``nested`` on L0) are not repeated here: the page shows the snippets of
``clouds``, ``verify`` and ``enable``, which run on the fake host.

The two YAML files are parts of KubeVirt objects, shown as the reader adds them;
``tests/test_kubevirt_page.py`` parses them (PyYAML's ``safe_load``) and checks the
field paths KubeVirt's documents give, so they are syntax-checked, not applied.

Sources, all read 2026-12-05:

* kubevirt/kubevirt at d923fdb815cd (2026-08-22): ``docs/software-emulation.md``;
  ``pkg/virt-handler/device-manager/device_controller.go`` (``PermanentHostDevicePlugins``:
  ``/dev/kvm`` behind the resource ``kvm``) and ``generic_device.go`` (namespace
  ``devices.kubevirt.io``; "device '%s' is not present, the device plugin can't expose it.",
  then the device is reported ``Unhealthy``); ``pkg/virt-controller/services/
  renderresources.go`` ``getRequiredResources()`` (one ``devices.kubevirt.io/kvm`` per
  launcher pod unless emulation is allowed); ``pkg/virt-launcher/virtwrap/converter/kvm/
  configurator.go`` ("kvm not present and emulation is not allowed", "kvm not present.
  Using software emulation."); ``pkg/virt-operator/resource/generate/components/
  daemonsets.go`` and ``deployments.go`` (virt-handler pods labelled
  ``kubevirt.io=virt-handler``, container ``virt-handler``).
* kubevirt/user-guide at bf1f3564e2a4 (2026-08-12): ``docs/cluster_admin/installation.md``
  (``useEmulation`` under ``spec.configuration.developerConfiguration``; namespace
  ``kubevirt``), ``docs/cluster_admin/annotations_and_labels.md`` (``kubevirt.io/schedulable``
  on nodes, ``kubevirt.io=virt-launcher`` on pods), ``docs/compute/virtual_hardware.md``
  (``spec.domain.cpu.model``: ``host-passthrough``, ``host-model``, the default).
* kubevirt/kubevirt.github.io at 1a9fae231af7 (2026-07-21): ``pages/quickstart_kind.md``
  (the ``kubectl patch`` that sets ``useEmulation``).
"""

from nested_snippets.model import NotExecuted, command_line, foreign_config, snippet

READ = "2026-12-05"
"""The day the sources below were read."""

KUBEVIRT = "https://github.com/kubevirt/kubevirt/blob/d923fdb815cd2016ddaebdaaa51db04133576d72/"
USER_GUIDE = "https://github.com/kubevirt/user-guide/blob/bf1f3564e2a41eb059df5ab126724bb78cf15200/"
SITE = (
    "https://github.com/kubevirt/kubevirt.github.io/blob/1a9fae231af78423a96f402fb5631cb54dee8f76/"
)

# ------------------------------------------------------------------ does KubeVirt see KVM?

node_kvm_resource = snippet(
    command_line("kubectl describe node NODE | grep devices.kubevirt.io/kvm"),
    not_executed=NotExecuted(
        why="needs a Kubernetes cluster; kubectl describe node lists a node's Capacity "
        "and Allocatable, extended resources included, and devices.kubevirt.io/kvm is "
        "the resource virt-handler's device plugin offers for /dev/kvm "
        "(pkg/virt-handler/device-manager/device_controller.go and generic_device.go "
        "in kubevirt/kubevirt at d923fdb815cd)",
        source="https://kubernetes.io/docs/tasks/administer-cluster/extended-resource-node/",
        read=READ,
    ),
)
"""Among its lines, the node's capacity and its allocatable count of the resource."""

schedulable_nodes = snippet(
    command_line("kubectl get nodes -l kubevirt.io/schedulable=true"),
    not_executed=NotExecuted(
        why="needs a Kubernetes cluster with KubeVirt; kubevirt.io/schedulable is the "
        "node label that says whether VMs may be scheduled there (KubeVirt user guide, "
        "Annotations and labels), and -l selects by label (kubectl get)",
        source=USER_GUIDE + "docs/cluster_admin/annotations_and_labels.md",
        read=READ,
    ),
)

handler_log = snippet(
    command_line("""
        kubectl -n kubevirt get pods -l kubevirt.io=virt-handler -o wide
        kubectl -n kubevirt logs VIRT_HANDLER_POD -c virt-handler | grep /dev/kvm
    """),
    not_executed=NotExecuted(
        why="needs a Kubernetes cluster with KubeVirt; virt-handler runs as a DaemonSet "
        "whose pods carry the label kubevirt.io=virt-handler and a container of the same "
        "name (pkg/virt-operator/resource/generate/components/daemonsets.go, "
        "deployments.go); -o wide shows each pod's node",
        source=KUBEVIRT + "pkg/virt-operator/resource/generate/components/daemonsets.go",
        read=READ,
    ),
)
"""Pick the virt-handler pod of the node in question (NODE column), then read its log.
When /dev/kvm is missing the log has the warning and, after it, "device '/dev/kvm' is
present." all the same: generic_device.go healthCheck() logs that line in either case."""

launcher_pending = snippet(
    command_line("""
        kubectl get pods -l kubevirt.io=virt-launcher
        kubectl describe pod VIRT_LAUNCHER_POD
    """),
    not_executed=NotExecuted(
        why="needs a Kubernetes cluster with KubeVirt; each VM runs in a pod labelled "
        "kubevirt.io=virt-launcher (KubeVirt user guide, Annotations and labels), and "
        "the scheduler's reason for a Pending pod is among its events",
        source=USER_GUIDE + "docs/cluster_admin/annotations_and_labels.md",
        read=READ,
    ),
)

launcher_emulation_log = snippet(
    command_line("kubectl logs VIRT_LAUNCHER_POD -c compute | grep 'kvm not present'"),
    not_executed=NotExecuted(
        why="needs a Kubernetes cluster with KubeVirt; the compute container of the "
        "virt-launcher pod logs this when it starts a VM without KVM "
        "(pkg/virt-launcher/virtwrap/converter/kvm/configurator.go)",
        source=KUBEVIRT + "pkg/virt-launcher/virtwrap/converter/kvm/configurator.go",
        read=READ,
    ),
)

# ------------------------------------------------------------------ the emulation fallback

emulation_state = snippet(
    command_line(
        "kubectl -n kubevirt get kubevirt kubevirt "
        "-o jsonpath='{.spec.configuration.developerConfiguration}'"
    ),
    not_executed=NotExecuted(
        why="needs a Kubernetes cluster with KubeVirt; prints the developerConfiguration "
        "of the KubeVirt CR, which holds useEmulation when it is set "
        "(docs/software-emulation.md)",
        source=KUBEVIRT + "docs/software-emulation.md",
        read=READ,
    ),
)

use_emulation_cr = snippet(
    foreign_config(
        "kubevirt.yaml",
        """
        spec:
          configuration:
            developerConfiguration:
              useEmulation: true
        """,
        language="yaml",
    ),
    not_executed=NotExecuted(
        why="a part of the KubeVirt CR, added with kubectl edit -n kubevirt kubevirt "
        "kubevirt; tests/test_kubevirt_page.py parses it as YAML and checks the field "
        "path the KubeVirt user guide gives",
        source=USER_GUIDE + "docs/cluster_admin/installation.md",
        read=READ,
    ),
)
"""The fallback as the user guide's Installation page and docs/software-emulation.md
write it: cluster-wide, in the KubeVirt CR."""

use_emulation_patch = snippet(
    command_line(
        "kubectl -n kubevirt patch kubevirt kubevirt --type=merge "
        """--patch '{"spec":{"configuration":{"developerConfiguration":{"useEmulation":true}}}}'"""
    ),
    not_executed=NotExecuted(
        why="needs a Kubernetes cluster with KubeVirt; the same setting in one command, "
        "as KubeVirt's kind quickstart gives it for clusters that cannot have nesting",
        source=SITE + "pages/quickstart_kind.md",
        read=READ,
    ),
)

# ------------------------------------------------------------------ the VM's CPU model

vmi_host_passthrough = snippet(
    foreign_config(
        "myvmi.yaml",
        """
        apiVersion: kubevirt.io/v1
        kind: VirtualMachineInstance
        metadata:
          name: myvmi
        spec:
          domain:
            cpu:
              model: host-passthrough
        """,
        language="yaml",
    ),
    not_executed=NotExecuted(
        why="a part of a VirtualMachineInstance manifest (its devices, memory and "
        "volumes stay as they are); tests/test_kubevirt_page.py parses it as YAML and "
        "checks the field path spec.domain.cpu.model the KubeVirt user guide gives",
        source=USER_GUIDE + "docs/compute/virtual_hardware.md",
        read=READ,
    ),
)
"""The user guide's CPU model special case, host-passthrough, in its VMI example."""

virtctl_console = snippet(
    command_line("virtctl console VM"),
    not_executed=NotExecuted(
        why="needs a Kubernetes cluster with KubeVirt and virtctl; attaches to the VM's "
        "serial console, where kubevirt/kubevirt#9539 saw its soft lockups",
        source="https://github.com/kubevirt/kubevirt/issues/9539",
        read=READ,
    ),
)
