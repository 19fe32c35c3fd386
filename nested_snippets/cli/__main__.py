"""``python -m nested_snippets.cli``: the same as the ``nested-kvm`` command."""

import sys

from nested_snippets.cli import main

sys.exit(main())
