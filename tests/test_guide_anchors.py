"""Every guide URL that nested-kvm prints points at a label on the right page."""

from __future__ import annotations

import pickle

from nested_snippets.cli import guide


def test_every_cli_anchor_is_a_label_on_its_page(built_site):
    env = pickle.loads((built_site / "doctrees" / "environment.pickle").read_bytes())
    labels = env.domaindata["std"]["labels"]
    wrong = []
    for anchor, page in guide.ANCHORS.items():
        found = labels.get(anchor)
        if found is None:
            wrong.append(f"{anchor}: no such label in the guide")
        elif found[0] != page:
            wrong.append(f"{anchor}: defined on {found[0]}, nested-kvm links to {page}")
    assert guide.ANCHORS, "nested-kvm links to no section at all"
    assert not wrong, "\n".join(wrong)


def test_labelled_sections_render_with_the_label_as_html_id(built_site):
    html = (built_site / "html" / "how-to" / "enable-x86.html").read_text()
    assert 'id="enable-nested-x86"' in html
