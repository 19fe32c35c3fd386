# ruff: noqa: E501  (a sample shows nested-kvm's lines whole, as a terminal prints them)
"""What ``nested-kvm check`` and ``nested-kvm lint`` print (``source/reference/cli.rst``).

The samples are authored (copied from a run, never computed) and compared by the
snippet tests with what ``nested-kvm`` prints on the fake host below, read with
``--root`` (:class:`nested_snippets.bodies.CheckerRun`): an Intel L0 host whose
``nested`` is off at boot and whose ``modprobe.d`` has a misspelt parameter and a
second, conflicting ``nested=`` line.
"""

from nested_snippets.model import Given, checker_run, snippet

_HOST = dict(
    arch="intel",
    kernel="6.6",
    given=Given(
        nested=False,
        files={
            "/etc/modprobe.d/kvm.conf": "options kvm_intel nested=1 enable_apivc=1\n"
            "options kvm-intel nested=0\n"
        },
    ),
)

check = snippet(
    checker_run(
        """
        $ nested-kvm check --no-probe --root fake-host
        host: x86_64, Intel, kernel 6.6.0-fake-amd64
        level: bare metal (L0) — no sign of a hypervisor
        PASS  cpu-flag: vmx present
        PASS  kvm-module: kvm_intel loaded
        WARN  dev-kvm: /dev/kvm -rw-rw---- 0:0: a regular file below --root, taken as a stand-in for the device — only on the host itself can nested-kvm check the device  (https://nested-kvm-guide.readthedocs.io/en/latest/troubleshooting.html#troubleshooting-dev-kvm)
        SKIP  kvm-probe: not probed (--no-probe)  (https://nested-kvm-guide.readthedocs.io/en/latest/reference/cli.html#cli-kvm-probe)
        FAIL  nested: kvm_intel nested=N — set 'options kvm_intel nested=1' in /etc/modprobe.d/kvm_intel.conf, then reload kvm_intel with no VM running (or reboot)  (https://nested-kvm-guide.readthedocs.io/en/latest/how-to/enable-x86.html#enable-nested-x86)
        WARN  nested-config: nested=0 (/etc/modprobe.d/kvm.conf:2); overrides 1 earlier setting(s): run nested-kvm lint — nesting will be off after the next load of kvm_intel: set nested=1 there  (https://nested-kvm-guide.readthedocs.io/en/latest/how-to/enable-x86.html#enable-nested-persistent)
        PASS  ept: kvm_intel ept=Y
        PASS  enable_shadow_vmcs: kvm_intel enable_shadow_vmcs=Y
        PASS  enable_apicv: kvm_intel enable_apicv=Y
        VERDICT  run nested guests as L0: no (because of: nested)
        VERDICT  run KVM guests as L1: yes
        RESULT   L0: not ready (exit 1)
        """,
        status={0: 1},
        **_HOST,
    )
)

lint = snippet(
    checker_run(
        """
        $ cat fake-host/etc/modprobe.d/kvm.conf
        options kvm_intel nested=1 enable_apivc=1
        options kvm-intel nested=0
        $ nested-kvm lint --root fake-host fake-host/etc/modprobe.d
        nested-kvm lint: Linux 6.6.0-fake-amd64: checking against Linux 6.6
        fake-host/etc/modprobe.d/kvm.conf:1: error: kvm_intel (Linux 6.6) has no parameter 'enable_apivc'; did you mean 'enable_apicv'? (the kernel ignores it)
        fake-host/etc/modprobe.d/kvm.conf:2: error: kvm_intel nested=0 conflicts with nested=1 at fake-host/etc/modprobe.d/kvm.conf:1; the kernel applies the one read last
        """,
        status={1: 1},
        **_HOST,
    )
)
