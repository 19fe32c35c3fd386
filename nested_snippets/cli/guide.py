"""Links from ``nested-kvm`` findings to the guide's sections.

Each anchor is a Sphinx label (``.. _enable-nested-x86:``) on the page given in
:data:`ANCHORS`; the HTML id of a labelled section is the label itself, so the URL
is ``<base><page>.html#<label>``.  The base comes from ``NESTED_KVM_GUIDE_URL``.
"""

from __future__ import annotations

import os
import re

from nested_snippets import arches

DEFAULT_BASE = "https://nested-kvm-guide.readthedocs.io/en/latest/"
ENV = "NESTED_KVM_GUIDE_URL"

ANCHORS: dict[str, str] = {
    "nested-performance": "how-to/verify",
    "builtin-kvm": "how-to/builtin-kvm",
    "verify-l1": "how-to/verify",
    "troubleshooting-not-loaded": "troubleshooting",
    "troubleshooting-dev-kvm": "troubleshooting",
    "troubleshooting-no-vmx": "troubleshooting",
    "troubleshooting-software-kvm": "troubleshooting",
    "troubleshooting-container": "troubleshooting",
    "troubleshooting-create-vm": "troubleshooting",
    "live-migration": "how-to/live-migration",
    "cli-kvm-probe": "reference/cli",
    "start-l1-qemu": "how-to/start-l1-qemu",
    "clouds-gce": "how-to/clouds",
    "clouds-azure": "how-to/clouds",
    "clouds-aws": "how-to/clouds",
    "clouds-hyperv": "how-to/clouds",
    "clouds-vmware": "how-to/clouds",
    "clouds-virtualbox": "how-to/clouds",
}
"""label -> page (docname below ``source/``) that must define it; each architecture
adds its own (``pages`` of :mod:`nested_snippets.arches`)."""
ANCHORS.update(arches.pages())


def base() -> str:
    """The links' start: ``NESTED_KVM_GUIDE_URL`` as a URI (RFC 3986, as the JSON
    schema's ``"format": "uri"`` wants): a local build given as a directory
    (``/home/me/my docs/build/html``) becomes a ``file:`` URI, and a character a URI
    cannot hold as it is (a blank) is percent-encoded."""
    value = os.environ.get(ENV, "").strip() or DEFAULT_BASE
    if value.startswith("/") or not _SCHEME.match(value):
        from pathlib import Path

        value = Path(value).absolute().as_uri()
    else:
        from urllib.parse import quote

        value = quote(value, safe=_URI_CHARS)
    return value if value.endswith("/") else value + "/"


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
"""RFC 3986 section 3.1: ``scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )``."""
_URI_CHARS = ":/?#[]@!$&'()*+,;=-._~%"
"""RFC 3986 reserved and unreserved characters (and ``%`` of an escape already there):
kept as they are."""


def url(anchor: str) -> str:
    """Full URL of a guide section; ``anchor`` must be a key of :data:`ANCHORS` or of an
    architecture's ``pages``."""
    page = ANCHORS.get(anchor) or arches.pages()[anchor]  # a row registered since import
    return f"{base()}{page}.html#{anchor}"
