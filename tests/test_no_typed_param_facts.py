"""No parameter default, type or mode typed by hand next to a parameter's name.

A sentence that names a module parameter (``nested``, ``kvm_amd.nested``) and gives
its type (``bool``), its mode (``0444``) or its default ("on by default", "off
(``0``)") must take the value from the kernel data: ``:kernel-default:``,
``:kernel-type:`` and ``:kernel-mode:`` print it, or a ``kernel-since`` /
``kernel-until`` condition of the same kind (``default=Y``, ``type=int``,
``perm=0444``) in the same paragraph checks it.  This test reads the built doctrees
and names ``file:line`` of any other such paragraph.  :data:`NOT_CLAIMS` lists the few
paragraphs whose words only look like one.
"""

from __future__ import annotations

import re
from functools import cache

from docutils import nodes

from nested_snippets import kernel as kdata

TYPES = ("bool", "invbool", "bint", "int", "uint", "charp", "ushort", "ulong", "hexint")
KINDS = {
    "type": re.compile(rf"\b(?:{'|'.join(TYPES)})\b|\b(?:an?|is|are) (?:integer|boolean)s?\b"),
    "mode": re.compile(r"\b0[0-7]{3}\b"),
    "default": re.compile(
        r"\b(?:on|off|enabled|disabled|true|false)\b[^.;:]{0,12}\bby default\b"
        r"|\bdefaults? (?:is|of|to) (?:on|off|Y|N|-?\d+)\b|\b(?:on|off) \((?:Y|N|1|0)\)",
        re.I,
    ),
}
VALUE = re.compile(r"Y|N|-?\d+")
"""A default as code (``Y``, ``1``): kept in the paragraph's words, so "off (``0``)" reads so."""
CONDITION = {"type": "type=", "mode": "perm=", "default": "default="}
"""The test of a kernel-since/kernel-until condition that checks a claim of each kind."""
MARKED = {"nested-fact", "nested-claim", "nested-source", "nested-proof",
          "nested-reference", "nested-freshness",
          "nested-fails-label"}  # fmt: skip
"""Generated or sourced text; a wrong snippet's label is its module's ``wrong=`` text."""
NOT_PROSE = (nodes.literal_block, nodes.comment, nodes.raw, nodes.reference, nodes.target)
NOT_CLAIMS = {
    ("how-to/distribution-kernels", "a bool takes"): "how a value of each type is written",
    ("reference/cli", "is created with mode"): "the mode of a file the tool writes",
    ("reference/cli", "mode 0711"): "the mode of a directory the tool walks",
    ("reference/cli", "(bool) or a number (int)"): "how a value of each type is written",
    ("reference/cli", "for a ``bool``"): "how a value of each type is written",
    ("reference/cli", "for an ``int``"): "how a value of each type is written",
    ("reference/architectures", "``bool`` parameters print"): "how each type prints",
    ("troubleshooting", "default is 0666"): "the mode of /dev/kvm (udev), not a parameter's",
}
"""(page, words of the paragraph's source) -> why that paragraph's values are no
parameter's (the words are looked up in the paragraph's text, code marks removed)."""
GENERATED = {"project-health"}


@cache
def param_names() -> frozenset[str]:
    names = set()
    for v in kdata.versions():
        for mod in kdata.load(v).modules.values():
            names.update(mod.names())
            names.add(mod.name)
    return frozenset(names)


def _marked(node: nodes.Node, stop: nodes.Node | None = None) -> bool:
    """Whether ``node`` is inside generated or sourced text, or not prose (below ``stop``)."""
    parent = node.parent
    while parent is not None and parent is not stop:
        if isinstance(parent, NOT_PROSE):
            return True
        if isinstance(parent, nodes.Element) and MARKED & set(parent.get("classes", [])):
            return True
        parent = parent.parent
    return False


def _names_a_parameter(node: nodes.Element) -> bool:
    """Whether a literal in ``node`` names a parameter or a module (``kvm_amd.nested``)."""
    for lit in node.findall(nodes.literal):
        if set(re.split(r"[./= ]+", lit.astext())) & param_names():
            return True
    return False


def _heading(para: nodes.paragraph) -> nodes.title | None:
    """The title of the section ``para`` is in."""
    parent = para.parent
    while parent is not None and not isinstance(parent, nodes.section):
        parent = parent.parent
    return parent.next_node(nodes.title) if parent is not None else None


def _row(para: nodes.paragraph) -> nodes.row | None:
    parent = para.parent
    while parent is not None and not isinstance(parent, nodes.row):
        parent = parent.parent
    return parent


def _prose(para: nodes.paragraph) -> str:
    """The paragraph's own words: code that is more than a value (C, a path) is a
    placeholder, so ``static int nested`` is no typed type."""
    parts = []
    for t in para.findall(nodes.Text):
        if _marked(t, para):
            continue
        value = t.astext()
        if isinstance(t.parent, nodes.literal) and not any(
            rx.fullmatch(value) for rx in (KINDS["type"], KINDS["mode"], VALUE)
        ):
            value = "\u2026"
        parts.append(value)
    return "".join(parts)


def typed_param_facts(doctrees: dict) -> list[str]:
    found = []
    for docname, tree in sorted(doctrees.items()):
        if docname in GENERATED:
            continue
        for para in tree.findall(nodes.paragraph):
            if _marked(para) or MARKED & set(para.get("classes", [])):
                continue
            title = _heading(para)
            if not (_names_a_parameter(para) or (title and _names_a_parameter(title))):
                continue
            text = _prose(para)
            if any(d == docname and w.replace("``", "") in para.astext()
                   for d, w in NOT_CLAIMS):  # fmt: skip
                continue
            scope = _row(para) or para  # a table row's other cell may hold the condition
            checked = " ".join(f.get("title", "") for f in scope.findall(nodes.inline)
                               if "nested-fact" in f.get("classes", []))  # fmt: skip
            for kind, rx in KINDS.items():
                if CONDITION[kind] in checked:
                    continue
                for m in rx.finditer(text):
                    line = para.line or getattr(para.parent, "line", None) or "?"
                    where = text[max(0, m.start() - 30) : m.end() + 20].replace("\n", " ")
                    found.append(f"source/{docname}.rst:{line}: {kind} {m.group(0)!r} "
                                 f"in '…{where}…'")  # fmt: skip
    return found


def test_no_parameter_value_is_typed_in_the_pages(doctrees):
    found = typed_param_facts(doctrees)
    assert not found, (
        "parameter values typed by hand (use :kernel-default:, :kernel-type: or "
        ":kernel-mode:):\n" + "\n".join(found)
    )


def _para(*parts: nodes.Node) -> nodes.document:
    tree = nodes.document(None, None)
    para = nodes.paragraph()
    para.line = 7
    for part in parts:
        para += part
    tree += para
    return tree


def test_the_check_finds_a_typed_default_type_and_mode():
    tree = _para(nodes.literal("nested", "nested"), nodes.Text(" is a bool, on by default"),
                 nodes.Text(" (mode 0644)."))  # fmt: skip
    found = [f.split(": ", 1)[1] for f in typed_param_facts({"x": tree})]
    assert [f.split(" in ")[0] for f in found] == ["type 'bool'", "mode '0644'",
                                                   "default 'on by default'"]  # fmt: skip
    assert typed_param_facts({"x": tree})[0].startswith("source/x.rst:7: ")


def test_values_from_the_data_and_paragraphs_without_a_parameter_pass():
    fact = nodes.inline("", "", classes=["nested-fact"])
    fact += nodes.literal("bool", "bool")
    tree = _para(nodes.literal("nested", "nested"), nodes.Text(" is a "), fact)
    assert typed_param_facts({"x": tree}) == []
    # no parameter named: an option's default is no parameter's
    assert typed_param_facts({"x": _para(nodes.Text("on by default, mode 0600"))}) == []
    # a boundary condition of the same kind checks the typed word
    since = nodes.inline("4.20", "4.20", classes=["nested-fact"])
    since["title"] = "from the kernel data: x86/kvm_intel nested default=Y"
    tree = _para(nodes.literal("nested", "nested"), nodes.Text(" on by default from "), since)
    assert typed_param_facts({"x": tree}) == []


def test_the_roles_print_a_value_only_where_the_data_holds_it():
    import pytest

    from nested_snippets.sphinxext.facts import param_value

    assert param_value("type", "x86/kvm_amd nested@all")[0] == "int"
    assert param_value("default", "x86/kvm_intel nested@4.19") == ("N", "Linux 4.19")
    with pytest.raises(kdata.KernelDataError, match=r"differs .*N in 4\.19; Y in 4\.20 to"):
        param_value("default", "x86/kvm_intel nested")  # changed at 4.20: name the releases
    with pytest.raises(kdata.KernelDataError, match="no parameter 'nested' in Linux 4.19"):
        param_value("type", "powerpc/kvm_hv nested@all")  # absent before 4.20
    with pytest.raises(kdata.KernelDataError, match="did you mean 'nested'"):
        param_value("mode", "x86/kvm_amd nestd")
