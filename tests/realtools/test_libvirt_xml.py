"""Every libvirt XML snippet validates with the real ``virt-xml-validate``."""

from __future__ import annotations

import pytest

from nested_snippets import proofs, registry
from tests.realtools import tools

pytestmark = pytest.mark.realtools

REG = registry.load()
DOCUMENTS = [pytest.param(tools.wrap(body.content, body.fragment_of), id=label)
             for label, body in REG.bodies() if proofs.is_domain_xml(body)]  # fmt: skip


def test_the_guide_has_xml():
    assert len(DOCUMENTS) >= 4


@pytest.mark.parametrize("document", DOCUMENTS)
def test_domain_xml_validates(document):
    ok, output = tools.validate_domain(document)
    assert ok, f"virt-xml-validate rejects:\n{document}\n{output}"


def test_the_wrapper_alone_is_valid():
    ok, output = tools.validate_domain(tools.wrap("", "domain"))
    assert ok, output


@pytest.mark.parametrize(
    "fragment",
    [
        "<cpu mode='host-passthru'/>",  # misspelt mode
        "<cpu mode='custom'><feature policy='demand' name='vmx'/></cpu>",  # bad policy
        "<cpu mode='host-model'>",  # not well-formed
    ],
)
def test_invalid_xml_is_caught(fragment):
    ok, _output = tools.validate_domain(tools.wrap(fragment, "domain"))
    assert not ok
