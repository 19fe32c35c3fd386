"""Confine a snippet's shell text to the fake host before bash ever sees it.

The text is parsed with bashlex; then

* every absolute path (arguments, redirection targets, assignments, ``cd``) is
  re-rooted under the fake host's root, so ``/etc/modprobe.d`` means the fake one;
* every command must be one the fake host provides (its ``bin`` is the whole
  ``PATH``), and may not be named by a path;
* constructs that could reach past those rules are refused: ``..`` path components,
  paths glued to options (``-o/x``, ``--file=/x``), ``eval``/``exec``/``source``,
  ``command``/``builtin``/``enable``/``hash``, setting ``PATH``-like variables.

A refusal raises :class:`Refused` with a message that names the construct; nothing
has run at that point.
"""

from __future__ import annotations

import re

import bashlex
import bashlex.errors

FORBIDDEN_BUILTINS = {
    "eval": "runs text the sandbox cannot inspect",
    "exec": "replaces the shell",
    "source": "reads commands from a file",
    ".": "reads commands from a file",
    "command": "can bypass the fake host's PATH",
    "builtin": "can bypass the fake host's tools",
    "enable": "can change what builtins exist",
    "hash": "can map names to real programs",
    "trap": "runs text the sandbox cannot inspect",
}
PROTECTED_VARIABLES = {"PATH", "ENV", "BASH_ENV", "SHELL", "HOME", "FAKEHOST", "LD_PRELOAD"}
SHELL_BUILTINS = {
    "cd",
    "echo",
    "printf",
    "true",
    "false",
    "test",
    "[",
    "read",
    "export",
    "set",
    "unset",
    "for",
    "while",
    "if",
    "exit",
    "local",
    "shift",
    ":",
    "wait",
}
_DOTDOT = re.compile(r"(^|/)\.\.(/|$)")
_GLUED_PATH = re.compile(r"^(-[A-Za-z]+|--?[\w-]+=)/")


class Refused(Exception):
    """The snippet would reach outside the fake host."""


def confine(text: str, root: str, commands: frozenset[str] | set[str]) -> str:
    """Return ``text`` with absolute paths re-rooted under ``root``; refuse escapes."""
    if not root.startswith("/") or re.search(r"[^\w/.-]", root):
        raise ValueError(f"fake root must be a plain absolute path, got {root!r}")
    try:
        trees = bashlex.parse(text)
    except (bashlex.errors.ParsingError, NotImplementedError, AttributeError) as exc:
        raise Refused(
            f"cannot parse this shell text ({exc}); the runner only runs what it can check"
        ) from None
    edits: list[int] = []
    for tree in trees:
        _visit(tree, text, commands, edits)
    out = text
    for pos in sorted(set(edits), reverse=True):
        out = out[:pos] + root + out[pos:]
    return out


def _visit(node, text: str, commands, edits: list[int]) -> None:
    kind = node.kind
    if kind == "command":
        _check_command(node, text, commands)
    if kind == "word":
        _word(node, text, edits)
    elif kind == "assignment":
        name, _, value = node.word.partition("=")
        if name in PROTECTED_VARIABLES:
            raise Refused(f"setting {name} is not allowed in a snippet")
        start = node.pos[0] + len(name) + 1
        _path_at(text, start, node.pos[1], value, edits)
    for attr in ("parts", "list"):
        for child in getattr(node, attr, None) or ():
            _visit(child, text, commands, edits)
    for attr in ("command", "output"):
        child = getattr(node, attr, None)
        if child is not None and hasattr(child, "kind"):
            _visit(child, text, commands, edits)


def _check_command(node, text: str, commands) -> None:
    words = [p for p in node.parts if p.kind == "word"]
    if not words:
        return
    names = [words[0]]
    if words[0].word == "sudo":
        if len(words) < 2:
            raise Refused("'sudo' without a command")
        if words[1].word.startswith("-"):
            raise Refused(f"sudo option {words[1].word!r} is not supported by the fake host")
        names.append(words[1])
    for w in names:
        name = w.word
        if name in FORBIDDEN_BUILTINS:
            raise Refused(f"'{name}' is refused: it {FORBIDDEN_BUILTINS[name]}")
        if "/" in name:
            raise Refused(f"command named by a path ({name!r}); use the bare command name")
        if name not in commands and name not in SHELL_BUILTINS:
            raise Refused(
                f"'{name}' is not a command the fake host provides "
                f"(it has: {', '.join(sorted(commands))})"
            )


def _word(node, text: str, edits: list[int]) -> None:
    raw = text[node.pos[0] : node.pos[1]]
    if _DOTDOT.search(node.word):
        raise Refused(f"'..' in a path ({raw!r}) could leave the fake root")
    if _GLUED_PATH.match(node.word):
        raise Refused(f"a path glued to an option ({raw!r}); write the path as its own word")
    _path_at(text, node.pos[0], node.pos[1], node.word, edits)


def _path_at(text: str, start: int, end: int, value: str, edits: list[int]) -> None:
    """Record an insertion of the root before the leading '/' of a path word."""
    if not value.startswith(("/", "~/")) and value != "~":
        return
    if value.startswith("~"):
        return  # ~ expands to HOME, which already lies inside the fake root
    i = start
    while i < end and text[i] in "'\"":
        i += 1
    if i < end and text[i] == "/":
        edits.append(i)
    else:
        raise Refused(f"cannot re-root the path in {text[start:end]!r}")
