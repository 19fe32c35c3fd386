"""Kernel version strings as comparable tuples; imports nothing (fake tools use it)."""

from __future__ import annotations

import re

VERSION = re.compile(
    r"v?(?:0|[1-9][0-9]{0,5})\.(?:0|[1-9][0-9]{0,5})(\.(?:0|[1-9][0-9]{0,5}))?"
    r"([-~_][0-9A-Za-z][0-9A-Za-z._+~-]{0,119}|\+[0-9A-Za-z._+~-]{0,120})?\Z"
)
"""A kernel version as a user may give it (ASCII digits, bounded: ``6.6``, ``6.1.192``,
``v6.1-rc7``; no number with a leading zero: ``6.06`` is no release, and was read as
6.6); :func:`version_key` is lenient, so an option is checked with this first.
A separator ``-``, ``~`` or ``_`` must be followed by a suffix (``6.6-`` is refused);
a ``+`` may end the release: the kernel's ``scripts/setlocalversion`` appends a bare
plus sign to a tree that is not at a tagged commit (torvalds/linux 03c11eb3b16d)."""


def version_key(version: str) -> tuple[int, ...]:
    """``"6.6"`` -> ``(6, 6)``; ``"6.1.20"`` -> ``(6, 1, 20)``; ``"v6.1-rc7"`` -> ``(6, 1)``.

    Reading stops at the first character that is neither a digit nor a dot between
    numbers.  Raises ValueError when there is no leading number at all.
    """
    parts: list[int] = []
    for piece in str(version).strip().lstrip("v").split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) != len(piece):
            break
    if not parts:
        raise ValueError(f"not a kernel version: {version!r}")
    return tuple(parts)


_CANDIDATE = re.compile(r"v?[0-9]+\.[0-9]+(\.0)?(-(0\.)?|~)rc[0-9]", re.IGNORECASE)
_UBUNTU_MAINLINE_RC = re.compile(r"v?([0-9]+)\.([0-9]+)\.0-([0-9]{6})rc[0-9]", re.IGNORECASE)
"""Ubuntu's mainline builds (kernel.ubuntu.com/mainline) name a candidate of X.Y
``X.Y.0-XXYY00rcN-FLAVOUR``, X and Y in two digits each
(``6.8.0-060800rc3-generic`` is 6.8-rc3; the final 6.8 is ``6.8.0-060800-generic``):
"linux-headers-4.6.0-040600rc1-generic_4.6.0-040600rc1.201603261930_amd64.deb", a
comment in bkw777/mainline src/Common/LinuxKernel.vala, the tool that installs them."""


def release_candidate(version: str) -> bool:
    """Is ``version`` a release candidate of its MAJOR.MINOR (``6.6-rc1``, ``v6.6-rc1``,
    ``6.6.0-rc1+``: the kernel's own spelling, "mainline kernel: 6.2.0-rc5 -> v6.2-rc5",
    ``scripts/setlocalversion``, torvalds/linux 03c11eb3b16d)?  It comes before that
    release, so that release's data does not describe it.  A stable candidate
    (``6.6.3-rc1``) is of the 6.6 series all the same: False.

    Fedora spells a candidate of X.Y as ``X.Y.0-0.rcN...`` (kernel.spec %changelog:
    "3.18.0-0.rc1.git0.1 - Linux v3.18-rc1", Josh Boyer 2014-10-20; Rawhide's
    "6.7.0-0.rc1.20231114git9bacdd89.17.1.secnext.fc40"): the ``0.`` release number
    sorts it before the final ``X.Y.0-1``, so it is a candidate too.  So is the Debian
    spelling ``6.6~rc1`` (``~`` is one of :data:`VERSION`'s separators): "a tilde sorts
    before anything, even the end of a part" (deb-version(7), dpkg 1.21.22); and
    Ubuntu's mainline builds' ``6.8.0-060800rc3-generic`` (:data:`_UBUNTU_MAINLINE_RC`)."""
    version = str(version).strip()
    if _CANDIDATE.match(version):
        return True
    mainline = _UBUNTU_MAINLINE_RC.match(version)  # see _UBUNTU_MAINLINE_RC
    return mainline is not None and mainline[3] == f"{int(mainline[1]):02d}{int(mainline[2]):02d}00"


def spoken(names: list[str], last: str = "and") -> str:
    """Releases as a sentence names them: "5.13", "5.13 or 5.14", "11.0, 11.1 and 11.2"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {last} " + names[-1]
