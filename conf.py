"""Sphinx configuration for nested-kvm-guide (pages live in source/)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

project = "Running nested guests with KVM"
author = "nested-kvm-guide contributors"
copyright = "2026, nested-kvm-guide contributors"  # noqa: A001
release = version = "0.1"

extensions = [
    "myst_parser",
    "sphinx.ext.doctest",
    "sphinx_copybutton",
    "nested_snippets.sphinxext",  # snippet, snippet-tabs, kernel-params, ...
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence", "deflist"]
nitpicky = True
# Smart quotes for quotation marks and ellipses only: "--" stays two hyphens, so an
# option named in running text (ansible-playbook --syntax-check) is not shown with
# an en dash (tests/test_site_build.py).
smartquotes_action = "qe"
show_warning_types = True

html_theme = "furo"
html_title = "Running nested guests with KVM"
html_static_path = []
# Files published as they are: the JSON Schema of nested-kvm check --json
# (<site>/schemas/nested-kvm-check-1.json).
html_extra_path = ["source/_extra"]
# The schema is for HTML readers and fleets; an EPUB has no use for it (and no mimetype).
epub_exclude_files = ["schemas/nested-kvm-check-1.json"]
html_last_updated_fmt = None
html_copy_source = False

# Copy only commands: skip the "$ " prompt (Pygments .gp) and output lines (.go).
copybutton_exclude = ".linenos, .gp, .go"
copybutton_only_copy_prompt_lines = True
# No copy button on an example shown to fail (the snippet directive's class).
copybutton_selector = "div:not(.nested-snippet-fails) > div.highlight pre"

linkcheck_anchors = True
# The project's repository (https://...): linked by :repo: and, with its clone
# command, by .. project-sources:: on the install page. Not typed here: the site is
# built with NESTED_KVM_REPOSITORY set where the project has a public address.
nested_kvm_repository = os.environ.get("NESTED_KVM_REPOSITORY", "")
# --- site (tabs, 404, offline linkcheck) ---------------------------------------
# Vendor tabs never collapse: clicking the open tab keeps it open.
sphinx_tabs_disable_tab_closing = True
# The 404 page (source/404.rst) is served for any path: nested_snippets/sphinxext/
# notfound.py gives it a <base> to the site's root at run time, so its relative
# links work from disk, at the root and under a sub-path (/en/latest/).
# make linkcheck fetches external links when there is a network; without one
# (tools/linkcheck.py sets NESTED_KVM_LINKCHECK_OFFLINE=1) they are listed as
# "ignored" in build/linkcheck/output.json and counted as not checked.
# Files of html_extra_path (source/_extra) are linked relatively; linkcheck looks
# for them beside the sources, so they are left to the built site's internal-link
# check (tests/test_site_build.py).
linkcheck_ignore = [r"^mailto:", r"^\.\./schemas/"]
if os.environ.get("NESTED_KVM_LINKCHECK_OFFLINE") == "1":
    linkcheck_ignore += [r"^https?://", r"^ftp://"]
# Source browsers and git web pages mark lines and files by script, not by id.
linkcheck_anchors_ignore_for_url = [r"https://elixir\.bootlin\.com/", r"https://git\.kernel\.org/"]
linkcheck_timeout = 20
man_pages = [("reference/cli", "nested-kvm", "check a host for nested KVM", [], 1)]
