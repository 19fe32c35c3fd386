"""Roles that link out of the guide, each to the page of the thing it names.

``:commit:`1e58e5e59148```
    A Linux commit (7 to 40 hex digits): its page on git.kernel.org.
``:kfile:`arch/x86/kvm/svm/svm.c:143@v6.1.20```
    A kernel source file, optionally a line, at a release tag: Bootlin's Elixir
    source browser at that release (``PATH[:LINE]@vX.Y[.Z]``).
``:qemu-doc:`system/i386/cpu.html```, ``:libvirt-doc:`formatdomain.html#cpu-model-and-topology```
    A page of QEMU's documentation (the ``master`` manual) or of libvirt's site.
``:kvm-list:`kvm@vger.kernel.org``` or ``:kvm-list:`title <MESSAGE-ID>```
    The KVM mailing list's archive on lore.kernel.org, or one message in it. The
    address alone is shown as ``lore.kernel.org/kvm``, what the link opens: shown
    as the address, it read as a mail link (walk 21b); mail the list with a
    ``mailto:`` link of its own.
``:repo:`PATH```
    A file in the project's repository: ``nested_kvm_repository`` in conf.py
    (default: Read the Docs' ``READTHEDOCS_GIT_CLONE_URL``); without one, the path
    is shown as code, not linked.

Every role takes ``title <target>`` as reST's own link roles do. A malformed
target is an error naming the page and line.  The links are ordinary anchors;
the site still loads nothing from another host.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

KERNEL_GIT = "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git"
ELIXIR = "https://elixir.bootlin.com/linux"
QEMU_DOCS = "https://www.qemu.org/docs/master/"
LIBVIRT_DOCS = "https://libvirt.org/"
KVM_LIST = "https://lore.kernel.org/kvm/"
KVM_LIST_ADDRESS = "kvm@vger.kernel.org"

_TITLED = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$", re.S)
_SHA = re.compile(r"[0-9a-f]{7,40}")
_KFILE = re.compile(r"(?P<path>[A-Za-z0-9_.+-]+(?:/[A-Za-z0-9_.+-]+)*)(?::(?P<line>\d+))?"
                    r"@(?P<release>v\d+\.\d+(?:\.\d+)?(?:-rc\d+)?)")  # fmt: skip
_DOC_PATH = re.compile(r"[A-Za-z0-9_./-]+\.html(?:#[A-Za-z0-9_.-]+)?|[A-Za-z0-9_./-]*/")
_MESSAGE_ID = re.compile(r"[^\s<>/]+@[^\s<>/]+")


class BadTarget(ValueError):
    """The role's target does not have the form the role needs."""


def commit_uri(target: str) -> tuple[str, str]:
    if not _SHA.fullmatch(target):
        raise BadTarget(f"{target!r} is not a commit id (7 to 40 lower-case hex digits)")
    return f"{KERNEL_GIT}/commit/?id={target}", target


def kfile_uri(target: str) -> tuple[str, str]:
    m = _KFILE.fullmatch(target)
    if not m or ".." in m["path"].split("/"):
        raise BadTarget(
            f"{target!r} is not PATH[:LINE]@vX.Y[.Z] (a kernel source path, a release tag)"
        )
    # kernel.org tags a release X.Y.0 as vX.Y (elixir has no v6.14.0)
    tag = re.sub(r"^(v\d+\.\d+)\.0$", r"\1", m["release"])
    uri = f"{ELIXIR}/{tag}/source/{m['path']}"
    shown = m["path"]
    if m["line"]:
        uri += f"#L{m['line']}"
        shown += f":{m['line']}"
    return uri, f"{shown} @ {tag}"


def _doc(base: str, what: str) -> Callable[[str], tuple[str, str]]:
    def uri(target: str) -> tuple[str, str]:
        if not _DOC_PATH.fullmatch(target) or target.startswith("/") or ".." in target:
            raise BadTarget(f"{target!r} is not a page of {what} (a relative path ending .html)")
        return base + target, target

    return uri


def kvm_list_uri(target: str) -> tuple[str, str]:
    if target == KVM_LIST_ADDRESS:
        return KVM_LIST, KVM_LIST.removeprefix("https://").rstrip("/")
    if not _MESSAGE_ID.fullmatch(target):
        raise BadTarget(f"{target!r} is neither {KVM_LIST_ADDRESS} nor a message id")
    return f"{KVM_LIST}{target}/", target


class LinkRole(SphinxRole):
    """One out-link role; ``make`` turns a target into (URI, text shown)."""

    def __init__(self, make: Callable[[str], tuple[str, str]]):
        self.make = make

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        m = _TITLED.match(self.text)
        title, target = (m["title"], m["target"].strip()) if m else (None, self.text.strip())
        try:
            uri, shown = self.make(target)
        except BadTarget as exc:
            msg = self.inliner.reporter.error(f":{self.name}: {exc}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        ref = nodes.reference(self.rawtext, "", refuri=uri, classes=["nested-out", self.name])
        ref += nodes.Text(title) if title else nodes.literal(shown, shown)
        return [ref], []


class RepoRole(SphinxRole):
    """``:repo:`PATH```: the file in the project's repository, if its URL is known."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        m = _TITLED.match(self.text)
        title, path = (m["title"], m["target"].strip()) if m else (None, self.text.strip())
        if path.startswith("/") or ".." in path.split("/"):
            msg = self.inliner.reporter.error(
                f":repo: {path!r} must be a path inside the repository", line=self.lineno
            )
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        if not (Path(self.env.app.confdir) / path).exists():  # conf.py is at the top
            msg = self.inliner.reporter.error(
                f":repo: {path!r} is not a file or directory of the repository", line=self.lineno
            )
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        base = repository_url(self.config.nested_kvm_repository)
        label = nodes.Text(title) if title else nodes.literal(path, path)
        if not base:
            return [label], []
        ref = nodes.reference(self.rawtext, "", refuri=f"{base}/blob/HEAD/{path}",
                              classes=["nested-out", "repo"])  # fmt: skip
        ref += label
        return [ref], []


def repository_url(configured: str) -> str:
    """Web address of the repository: conf.py's, else Read the Docs' clone URL."""
    url = configured or os.environ.get("READTHEDOCS_GIT_CLONE_URL", "")
    if not url.startswith("https://"):
        return ""  # an ssh clone URL (git@host:...) has no web page to link
    return url.removesuffix("/").removesuffix(".git")


def setup(app: Sphinx) -> dict:
    app.add_config_value("nested_kvm_repository", "", "env", types=[str])
    app.add_role("commit", LinkRole(commit_uri))
    app.add_role("kfile", LinkRole(kfile_uri))
    app.add_role("qemu-doc", LinkRole(_doc(QEMU_DOCS, "QEMU's documentation")))
    app.add_role("libvirt-doc", LinkRole(_doc(LIBVIRT_DOCS, "libvirt's site")))
    app.add_role("kvm-list", LinkRole(kvm_list_uri))
    app.add_role("repo", RepoRole())
    from nested_snippets.sphinxext import sources

    sources.setup(app)  # .. project-sources:: (the repository, or how to do without)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
