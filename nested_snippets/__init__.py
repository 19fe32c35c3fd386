"""nested-kvm-guide: tested snippets, a fake KVM host and the tools around them.

This package marker stays import-light: the CLI and the fake host's tools start
from here, so nothing heavy (Sphinx, docutils, pytest) may be imported at this level.
"""

__version__ = "0.1.0"
