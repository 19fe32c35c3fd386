"""Links from ``nested-kvm`` findings to the guide's sections.

Each anchor is a Sphinx label (``.. _enable-nested-x86:``) on the page given in
:data:`ANCHORS`; the HTML id of a labelled section is the label itself, so the URL
is ``<base><page>.html#<label>``.  The base comes from ``NESTED_KVM_GUIDE_URL``.
"""

from __future__ import annotations

import os

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
    "clouds-xen": "how-to/clouds",
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
    if not _has_scheme(value):  # a directory: each character of a name is a character
        path = os.path.abspath(value)  # ("?", "#", "[", "%" too: none starts a URI part)
        value = "file://" + "".join(
            c if c.isascii() and (c.isalnum() or c in _PATH_CHARS) else _escape(c) for c in path
        )
    value = "".join(
        c if c.isascii() and (c.isalnum() or c in _URI_CHARS) else _escape(c) for c in value
    )
    scheme, _, rest = value.partition(":")
    if rest.startswith("//"):  # "[" and "]" hold an IP literal host, nothing after it
        end = min((i for i in map(rest.find, "/?#", (2, 2, 2)) if i >= 0), default=len(rest))
        rest = rest[:end] + rest[end:].replace("[", "%5B").replace("]", "%5D")
    else:
        rest = rest.replace("[", "%5B").replace("]", "%5D")
    value = f"{scheme}:{rest}"
    if "#" in value:  # each link adds "#label", and a fragment holds no "#" (RFC 3986 3.5)
        value = value.replace("#", "%23")
    if "%" in value:  # a "%" that starts no escape is one (section 2.1: "%" HEXDIG HEXDIG)
        parts = value.split("%")
        value = parts[0] + "".join(
            ("%" if len(p) >= 2 and all(c in _HEX for c in p[:2]) else "%25") + p for p in parts[1:]
        )
    return value if value.endswith("/") else value + "/"


def _has_scheme(value: str) -> bool:
    """Does ``value`` start with a URI scheme and ":"?  RFC 3986 section 3.1: ``scheme
    = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`` (no ``re``: start-up time)."""
    scheme, colon, _ = value.partition(":")
    return bool(
        colon
        and scheme[:1].isascii()
        and scheme[:1].isalpha()
        and all(c.isascii() and (c.isalnum() or c in "+-.") for c in scheme)
    )


def _escape(c: str) -> str:
    """RFC 3986 percent-encoding of one character (its UTF-8 bytes)."""
    return "".join(f"%{b:02X}" for b in c.encode("utf-8", "surrogateescape"))


_HEX = "0123456789abcdefABCDEF"
_URI_CHARS = ":/?#[]@!$&'()*+,;=-._~%"
"""RFC 3986 reserved and unreserved characters (and ``%`` of an escape already there):
kept as they are."""
_PATH_CHARS = "/-._~!$&'()*+,;=:@"
"""What a path segment holds as it is (RFC 3986 3.3: unreserved, sub-delims, ":",
"@"), and "/" between segments: a directory's other characters are percent-encoded."""


def url(anchor: str) -> str:
    """Full URL of a guide section; ``anchor`` must be a key of :data:`ANCHORS` or of an
    architecture's ``pages``."""
    page = ANCHORS.get(anchor) or arches.pages()[anchor]  # a row registered since import
    return f"{base()}{page}.html#{anchor}"
