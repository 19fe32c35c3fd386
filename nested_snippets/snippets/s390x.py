"""Nesting on IBM Z (s390x): the ``kvm`` module's ``nested`` and ``hpage`` parameters.

Shown on ``source/how-to/s390x.rst``.  Every snippet runs on an s390x fake host.
Facts behind the expected outputs (kernel data, ``nested_snippets/kernel/data``):

* s390 has one KVM module, ``kvm``; ``nested`` and ``hpage`` are both ``int``
  parameters with mode 0444 and default ``0`` in every modelled version
  (``arch/s390/kvm/kvm-s390.c`` @ v4.19.1 line 172/177 .. @ v7.2.6 line 210/215; the
  file is ``arch/s390/kvm/s390/s390.c`` @ v7.3.4, line 211/216).
* ``kvm_s390_init()`` refuses ``nested`` together with ``hpage`` with -EINVAL and a
  ``pr_info`` whose text changed in 5.1 (5.0.0 has the old text, 5.1.0 the new one); the check
  is gone from 7.0 on (``nested_snippets/kernel/messages.py``, ``s390_nested_hpage``,
  which the release data binds to the sources).
* Without the SIE facility (an L1 whose CPU model lacks QEMU's ``sief2``), ``kvm_s390_init()``
  returns -ENODEV ("SIE is not available" from 5.1, 5.1.0 in the data; ``s390_no_sie``).
* The ``sie`` name in ``/proc/cpuinfo`` ``features`` is ``HWCAP_S390_SIE``
  (``arch/s390/kernel/processor.c`` ``hwcap_str``).
"""

from nested_snippets.model import (
    Given,
    Transcript,
    by_release,
    command_line,
    config,
    era,
    procedure,
    snippet,
    transcript,
)

S390 = "s390x"
_HPAGE_NEW = "kvm-s390: A KVM host that supports nesting cannot back its KVM guests with huge pages"
_HPAGE_OLD = (
    "kvm-s390: nested (vSIE) and hpage (huge page backing) can currently not be "
    "activated concurrently"
)

FRESH = Given(kvm="booted")
"""A freshly booted host: udev has not loaded ``kvm`` (it has no CPU-feature alias, see
``nested_snippets/arches/s390x.py``) and nothing has opened ``/dev/kvm`` yet."""

check_nested = snippet(
    transcript("""
        $ sudo modprobe kvm
        $ cat /sys/module/kvm/parameters/nested
        0
        $ cat /sys/module/kvm/parameters/hpage
        0
    """),
    given=FRESH,
    arch=S390,
)
"""Both default to 0 on s390 (``static int nested;`` and ``static int hpage;``).  The
``modprobe`` comes first because on a freshly booted host ``/sys/module/kvm`` does not
exist yet; where ``kvm`` is loaded already it does nothing."""

reload_nested = snippet(
    transcript(
        """
        $ sudo modprobe -r kvm
        $ sudo modprobe kvm nested=1
        """,
        silent=True,
    ),
    arch=S390,
)

nested_is_on = snippet(
    transcript("""
        $ cat /sys/module/kvm/parameters/nested
        1
    """),
    given=Given(nested=True),
    arch=S390,
)

persistent_conf = snippet(
    config("/etc/modprobe.d/kvm.conf", "options kvm nested=1"),
    arch=S390,
)

def _hpage_refused(stamp: str, message: str) -> Transcript:
    """Loading kvm with both nested and hpage fails, and the log says why."""
    return transcript(
        f"""
        $ sudo modprobe -r kvm
        $ sudo modprobe kvm nested=1 hpage=1
        modprobe: ERROR: could not insert 'kvm': Invalid argument
        $ sudo dmesg | grep kvm-s390
        [{stamp}] {message}
        """,
        status={1: 1},
    )


hpage_conflict = snippet(
    by_release(
        era(
            "<5.1",
            _hpage_refused("   88.215064", _HPAGE_OLD),
            because="older wording in kvm-s390.c @ 4.19.0 .. 5.0.0 (5.1.0 has the new one)",
        ),
        era(
            ">=5.1,<7.0",
            _hpage_refused("   96.402718", _HPAGE_NEW),
            because="message text in kvm-s390.c of every release with data from 5.1.0 to "
            "6.19.6 (5.0.0 has the older text)",
        ),
    ),
    arch=S390,
    kernels="<7.0",
    because="the check is absent from the 7.0.0 import on (s390 gmap rewrite)",
)

hpage_allowed = snippet(
    transcript("""
        $ sudo modprobe -r kvm
        $ sudo modprobe kvm nested=1 hpage=1
        $ cat /sys/module/kvm/parameters/nested /sys/module/kvm/parameters/hpage
        1
        1
    """),
    arch=S390,
    kernels=">=7.0",
    because="kvm_s390_init() no longer checks nested against hpage @ 7.0.0, 7.1.3, 7.2.6 "
    "(s390/s390.c @ 7.3.4); 6.19.6 still does",
)

l1_sie = snippet(
    transcript("""
        $ grep -o -w sie /proc/cpuinfo
        sie
    """),
    given=Given(level="L1"),
    arch=S390,
)

l1_no_sie = snippet(
    transcript(
        """
        $ sudo modprobe kvm
        modprobe: ERROR: could not insert 'kvm': No such device
        $ sudo dmesg | grep kvm-s390
        [   14.902637] kvm-s390: SIE is not available
        [  318.447120] kvm-s390: SIE is not available
        """,
        status={0: 1},
    ),
    given=Given(level="L1", cpu_flag=False),
    arch=S390,
    kernels=">=5.1",
    because="'SIE is not available' from kvm-s390.c @ 5.1.0 (5.0.0 and older: "
    "'SIE not available')",
)
"""Two lines: a program that opened ``/dev/kvm`` while L1 was starting (libvirt probing
the host, say) made the kernel try to load kvm through its ``devname:kvm`` alias, and
the reader tries again minutes later.  s390's kvm has no CPU-feature alias, so udev
does not load it at boot (``kvm-s390.c`` @ v6.18.2: only ``MODULE_ALIAS_MISCDEV`` and
``devname:kvm``; the fact is ``autoload`` in ``nested_snippets/arches/s390x.py``); the
default start state (``Given.kvm == "loaded"``) has the fake host make that opening's
attempt (``commands.open_dev_kvm``)."""

l1_qemu = snippet(
    command_line("""
        qemu-system-s390x -accel kvm -cpu host -smp 2 -m 4G \\
            -drive file=l1.qcow2,if=virtio -nographic
    """),
)
"""``-cpu host`` passes the host's CPU model, including SIE (QEMU's ``sief2``, which the
named models leave out: gen-features.c @ 10.2.0), to L1.  (On s390x QEMU
exposes SIE to a KVM guest only when L0's ``kvm`` has ``nested=1``; otherwise the
feature is missing in the host model.)"""

reload_nested_plain = snippet(
    transcript(
        """
        $ sudo modprobe -r kvm
        $ sudo modprobe kvm
        """,
        silent=True,
    ),
    arch=S390,
)

one_shot = procedure(
    [check_nested, reload_nested, nested_is_on],
    given=FRESH,
    arches=(S390,),
)

persistent = procedure(
    [
        check_nested,
        persistent_conf,
        reload_nested_plain,
        nested_is_on,
    ],
    given=FRESH,
    arches=(S390,),
)
