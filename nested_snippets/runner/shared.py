"""How the snippet matrix stays fast: the one performance design, in one place.

A run costs a sandbox (bubblewrap, namespaces, tmpfs trees filled by the tool
server), so the matrix grows with the number of *distinct* runs, not of
(snippet, release) pairs:

1. **Shared runs.**  Two items share one run when everything the run can observe is
   identical.  That is computed, never declared: :func:`key` hashes the built fake
   host's state (module tables, CPU, command line, the kernel's resolved log
   messages and version-dependent behaviour, loaded modules, the log), the files
   written into its root, and the bodies that run.  The fake tools read nothing but
   the state and the root (they run where the package and its data are not
   visible), so equal keys mean equal inputs.  The release name
   (``6.6.0-fake-amd64``) is replaced by a placeholder before hashing and put back
   into the shared output, so releases whose KVM behaviour is the same share.  The
   table lives in this process's memory only: nothing is carried between test runs.
2. **Checked sharing.**  Shared items are run in full anyway and compared with the
   shared result (a difference fails the item): every one of the first
   :data:`MIN_VERIFIED` in each test process, then each with probability
   :data:`VERIFY_FRACTION`, drawn at random.  So a test run checks at least
   ``min(shared items, MIN_VERIFIED)`` in full; the pytest plugin counts them and
   fails the session if it did not.
3. **A warm, forking tool server** (:mod:`nested_snippets.fakehost.toolserver`):
   a fake tool call is a fork of a process that has imported everything (measured
   ~17 ms wall, ~6 ms CPU per call on the loaded 2-core machine of 2026-12-01), not
   a Python start-up (105 ms bare, 450 ms with the tools' imports, same machine).
4. **tmpfs trees and recycled host directories.**  The kernel's trees live on
   per-run tmpfs mounts; the host directory on disk keeps only ``/etc``, the mount
   points and what snippets write, rewritten in place (creating a file on the loaded
   ext4 of CI costs ~1.8 ms; truncating one to zero before rewriting forces it to
   disk, ~0.2 s).  A used host directory is emptied and reused: an item costs
   108 ms with a recycled directory against 128 ms with a fresh one (-16 %).

Measured on 2026-12-01, 2 cores shared with other jobs (load 6-15).  Sharing finds
22 of 1,033 runnable items identical to another with the 9 sampled releases of the
kernel data (~2 %, below the 10 % bar); it stays for the fuller kernel data (every
release), where consecutive releases whose KVM tables did not change will share
(not measured: that data is not merged yet).  The state is stored
with ``marshal`` (0.3 ms a round trip against 1.6 ms for JSON, ~1 % of an item:
below the bar, but no more complex than JSON).  Devices of the former design that
no longer apply were dropped: the hard-link pool and moving unloaded modules' sysfs
directories aside (both saved file creations on disk; those files are on tmpfs now)
and import avoidance in the tools (the server imports them once).
``NKG_NO_SHARE=1`` turns sharing off, to measure it.
"""

from __future__ import annotations

import hashlib
import os
import random

from nested_snippets.fakehost.host import FakeHost, Scenario

VERIFY_FRACTION = 0.3
MIN_VERIFIED = 50
PLACEHOLDER = "\0release\0"

_TABLE: dict[str, object] = {}
_RANDOM = random.Random()


def key(host: FakeHost, scenario: Scenario, bodies: list) -> str:
    """What a run of ``bodies`` on the freshly built ``host`` can observe, hashed."""
    state = (host.built or host.state()).to_json()
    release = state.pop("release")
    state.pop("kernel")
    observed = (
        state,
        sorted(scenario.given.files.items()),
        scenario.given.cmdline,
        [repr(b) for b in bodies],
    )
    # repr, not marshal or pickle: their bytes also depend on object identity and interning
    text = repr(observed).replace(release, PLACEHOLDER)
    return hashlib.sha256(text.encode()).hexdigest()


def _swap(value, old: str, new: str):
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, (list, tuple)):
        return type(value)(_swap(v, old, new) for v in value)
    return value


def recall(run_key: str, release: str):
    """The observations shared under ``run_key``, for ``release``; None if none."""
    if os.environ.get("NKG_NO_SHARE") == "1":
        return None
    seen = _TABLE.get(run_key)
    return None if seen is None else _swap(seen, PLACEHOLDER, release)


def remember(run_key: str, release: str, seen) -> None:
    _TABLE[run_key] = _swap(seen, release, PLACEHOLDER)


_VERIFIED = [0]


def verify_this_one() -> bool:
    """Whether to run a shared item in full too (see the module's docstring)."""
    if _VERIFIED[0] < MIN_VERIFIED or _RANDOM.random() < VERIFY_FRACTION:
        _VERIFIED[0] += 1
        return True
    return False
