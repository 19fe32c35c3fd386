"""nested-kvm as a zipapp: python3 nested-kvm.pyz COMMAND ...

``tools/build_pyz.py`` puts this file in the zipapp as ``__main__.py``.  It checks the
Python version before anything of the checker is imported, so it is written for any
Python 3: no ``from __future__ import annotations``, no f-strings, no annotations.  An
older Python then gets one line and exit status 2 ("could not check") instead of a
traceback from the first module that uses newer syntax; ``check --json`` also prints
the JSON document that ``check`` prints when it could not check, so that a fleet that
reads the JSON (the guide's Ansible playbook, on RHEL 8's Python 3.6) is told why.
"""

import sys

MINIMUM = (3, 9)
"""The checker's ``requires-python`` (checker/pyproject.toml); build_pyz.py refuses
to build when they differ."""
SCHEMA = "nested-kvm-check/1"
"""``check``'s JSON schema name (nested_snippets/cli/check.py); build_pyz.py refuses
to build when they differ."""


def too_old(version, program="nested-kvm.pyz"):
    """The one-line message for a Python older than MINIMUM, or None."""
    if tuple(version[:2]) >= MINIMUM:
        return None
    need = "%d.%d" % MINIMUM  # noqa: UP031 (any Python 3 must parse this file)
    return "nested-kvm needs Python %s or newer; this is %d.%d (try python%s %s)" % (  # noqa: UP031
        need,
        version[0],
        version[1],
        need,
        program,
    )


def wants_json(argv):
    """Whether ``argv`` asks ``check`` for JSON (``--json``, or a prefix of it that
    argparse would take, before any ``--``)."""
    if len(argv) < 2 or argv[1] != "check":
        return False
    for word in argv[2:]:
        if word == "--":
            return False
        if len(word) >= 3 and "--json".startswith(word):
            return True
    return False


def json_error(message):
    """The document ``check --json`` prints when it could not check (exit 2)."""
    import json

    doc = {
        "schema": SCHEMA,
        "host": None,
        "checks": [],
        "verdict": {"level": None, "l0_nested_ready": None, "l1_ready": None},
        "exit": 2,
        "error": message,
    }
    return json.dumps(doc, indent=2) + "\n"


def run():
    message = too_old(sys.version_info, sys.argv[0] or "nested-kvm.pyz")
    if message:
        if wants_json(sys.argv):
            sys.stdout.write(json_error(message))
        sys.stderr.write(message + "\n")
        return 2
    try:
        from nested_snippets.cli import main
    except MemoryError:
        raise
    except Exception as exc:  # a damaged archive: zlib.error, zipimport's errors
        where = sys.argv[0] or "nested-kvm.pyz"
        sys.stderr.write(
            "nested-kvm: cannot load the checker from %s (%s: %s): the file may be damaged; "  # noqa: UP031
            "download or build it again\n" % (where, type(exc).__name__, exc)
        )
        return 2
    return main()


if __name__ == "__main__":
    sys.exit(run())
