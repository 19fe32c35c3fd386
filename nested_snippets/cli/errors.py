"""The one error type commands raise for bad input or an uncheckable host."""

from __future__ import annotations


class CliError(Exception):
    """Printed as one line ``nested-kvm <command>: <message>``; exit status 2."""
