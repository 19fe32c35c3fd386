"""The error types of the commands: bad input or an uncheckable host, and a signal."""

from __future__ import annotations


class CliError(Exception):
    """Printed as one line ``nested-kvm <command>: <message>``; exit status 2."""


class Interrupted(KeyboardInterrupt):
    """A signal that stops a command (SIGINT, SIGTERM or SIGHUP, while ``report``
    runs): printed as one line ``nested-kvm <command>: interrupted by <name><note>``;
    exit status 128 + its number, as a shell gives a command the signal killed."""

    def __init__(self, name: str, number: int, written: bool = False) -> None:
        super().__init__(name)
        self.name = name
        self.number = number
        self.written = written
        """Whether the output file was written whole before the signal was handled."""
        self.note = ""
