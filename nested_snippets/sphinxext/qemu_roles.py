"""Roles that put QEMU release facts into the prose, read from nested_snippets.qemu.

``:qemu-since:`FACT```
    "QEMU 10.1": the first release where a named fact (``qemu.FACTS``) holds, or
    "QEMU between A and B" when the release before it has no data.
``:qemu-until:`FACT```
    The last release where the fact holds.
``:qemu-message:`KEY``` / ``:qemu-message:`KEY@X.Y```
    The exact text of a message (``qemu.MESSAGES``), newest release or X.Y, as literal.
``:qemu-releases:`KEY@X.Y```
    The releases that print exactly the wording KEY has in X.Y ("QEMU 7.0 to 10.2").

An unknown fact, message or release is a build error naming the role.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

from nested_snippets import qemu


class _QemuRole(SphinxRole):
    def fail(self, why: str) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        msg = self.inliner.reporter.error(f":{self.name}:`{self.text}`: {why}", line=self.lineno)
        return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]

    def run(self):
        try:
            node = self.render()
        except (KeyError, ValueError) as exc:
            return self.fail(str(exc).strip("'\""))
        for path in (qemu.DATA / "index.json", *qemu.DATA.glob("qemu-*.json")):
            self.env.note_dependency(str(path))
        return [node], []

    def render(self) -> nodes.Node:
        raise NotImplementedError


def _fact(name: str) -> qemu.Predicate:
    if name not in qemu.FACTS:
        raise KeyError(f"unknown QEMU fact {name!r}; known: {', '.join(qemu.FACTS)}")
    return qemu.FACTS[name]


def _fact_node(text: str) -> nodes.inline:
    """Data-rendered text, marked so tests can tell it from typed release numbers."""
    return nodes.inline(text, text, classes=["nested-fact"])


class Since(_QemuRole):
    def render(self) -> nodes.Node:
        return _fact_node(f"QEMU {qemu.since(_fact(self.text.strip()))}")


class Until(_QemuRole):
    def render(self) -> nodes.Node:
        return _fact_node(f"QEMU {qemu.until(_fact(self.text.strip()))}")


class Message(_QemuRole):
    def render(self) -> nodes.Node:
        text, _ = qemu.message(self.text.strip())
        return nodes.literal(text, text)


class Releases(_QemuRole):
    def render(self) -> nodes.Node:
        text, _ = qemu.message(self.text.strip())
        return _fact_node(f"QEMU {qemu.describe(qemu.holds_in(qemu.message_fact(text)))}")


def setup(app: Sphinx) -> dict:
    app.add_role("qemu-since", Since())
    app.add_role("qemu-until", Until())
    app.add_role("qemu-message", Message())
    app.add_role("qemu-releases", Releases())
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
