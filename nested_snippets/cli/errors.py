"""The error types of the commands: bad input or an uncheckable host, and a signal;
and what turns SIGINT, SIGTERM and SIGHUP into that signal's error.

No ``contextlib`` here: :func:`nested_snippets.cli.main` imports this module first,
before the signals are handled, so its import is kept short (a signal in that time
ends the checker without its line)."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any


class CliError(Exception):
    """Printed as one line ``nested-kvm <command>: <message>``; exit status 2."""


class Interrupted(KeyboardInterrupt):
    """A signal that stops a command (SIGINT, SIGTERM or SIGHUP: :func:`stopped_by_signals`):
    printed as one line ``nested-kvm <command>: interrupted by <name><note>``; exit
    status 128 + its number, as a shell gives a command the signal killed."""

    def __init__(self, name: str, number: int, written: bool = False) -> None:
        super().__init__(name)
        self.name = name
        self.number = number
        self.written = written
        """Whether the output file was written whole before the signal was handled."""
        self.note = ""


_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
_STOP: dict[str, object] = {"defer": False, "pending": None}


def _signals() -> tuple:
    """The module that handles signals, and the numbers of :data:`_SIGNALS` with their
    names.  ``_signal`` is the module ``signal`` takes its functions from (``from
    _signal import *``): ``signal`` itself imports ``enum``, which ``check`` does not
    load otherwise (start-up time, tests/cli/test_startup.py)."""
    import _signal

    return _signal, {getattr(_signal, name): name for name in _SIGNALS}


class stopped_by_signals:  # noqa: N801 (a context manager, named as the function it was)
    """While in it, SIGINT, SIGTERM and SIGHUP (one not ignored when it starts:
    ``nohup``) raise :class:`Interrupted`, so that ``finally`` and ``with`` clean up
    (the temporary file of ``report -o``, a command's session) and the command says
    in one line why it stopped; later ones are ignored, so that nothing interrupts
    the clean-up.  Every command runs in it, the reading of its options too
    (:func:`nested_snippets.cli.main`).  On leaving it the signals get their handlers
    back, or, for the whole ``program`` (about to exit, its status decided), are
    ignored: a signal then can no longer end it silently."""

    def __init__(self, program: bool = False) -> None:
        self.program = program
        self.before: dict[int, Any] = {}

    def __enter__(self) -> stopped_by_signals:
        _signal, names = _signals()

        def stop(number: int, _frame: object) -> None:
            for n in names:
                _signal.signal(n, _signal.SIG_IGN)
            if _STOP["defer"]:
                _STOP["pending"] = number
                return
            raise Interrupted(names[number], number)

        try:
            for n in names:
                old = _signal.getsignal(n)
                if old != _signal.SIG_IGN:
                    self.before[n] = old
                    _signal.signal(n, stop)
        except ValueError:  # not the main thread: signals stay as they were
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        _signal = _signals()[0]
        for n, old in self.before.items():
            _signal.signal(n, _signal.SIG_IGN if self.program else old)


class deferred_signals:  # noqa: N801 (a context manager, named as the function it was)
    """A signal of :func:`stopped_by_signals` is held while in it and raised at its
    end, after what it does is done whole (a command started and its pid known, so
    that it is killed; *FILE* given its name: ``written``, when nothing failed)."""

    def __init__(self, written: bool = False) -> None:
        self.written = written

    def __enter__(self) -> None:
        _STOP["defer"], _STOP["pending"] = True, None

    def __exit__(self, kind: object, *_exc: object) -> None:
        _STOP["defer"] = False
        number, _STOP["pending"] = _STOP["pending"], None
        if number is not None:  # raised even over an error in flight: the stop wins
            name = _signals()[1][number]
            raise Interrupted(name, number, written=self.written and kind is None)  # type: ignore[arg-type]
