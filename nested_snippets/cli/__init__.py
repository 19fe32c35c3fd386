"""``nested-kvm``: check a host for nested KVM, report on it, lint its modprobe.d.

It never loads modules or writes below /sys, /proc, /etc or /dev.  It reads files
only, with one exception: ``check`` opens /dev/kvm to create and destroy an empty VM
(:mod:`nested_snippets.cli.kvmprobe`; ``--no-probe`` skips it).  Commands are
imported only when run, to keep start-up short.
"""

from __future__ import annotations

import os
import sys

from nested_snippets import __version__
from nested_snippets.cli.errors import stopped_by_signals  # ready before main() runs

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import Any, NoReturn

EXIT_HELP = """\
exit status: 0 ready or clean, 1 not ready or lint errors, 2 could not check or bad input,
128 + the signal's number when SIGINT, SIGTERM or SIGHUP stops it (130, 143, 129),
141 when the reader of its output stops early (SIGPIPE: | head -1).
Guide links start with $NESTED_KVM_GUIDE_URL
(default: https://nested-kvm-guide.readthedocs.io/en/latest/)."""


def _root(value: str) -> str:
    if not os.path.isdir(value):
        import argparse
        import errno

        try:
            os.stat(value)
            why = "is not a directory"
        except OSError as exc:  # a directory may be there, out of reach: say why
            gone = exc.errno in (errno.ENOENT, errno.ENOTDIR)
            why = "is not a directory" if gone else f"cannot be reached: {_lower(exc)}"
            if not os.path.isabs(value) and _cwd_gone(exc):
                why = "cannot be reached: the current directory was removed"
        from nested_snippets.cli.escape import quoted

        raise argparse.ArgumentTypeError(f"{quoted(value)} {why}")
    return value


def _lower(exc: OSError) -> str:
    """An OSError's reason as the messages give it: "file name too long"."""
    return (exc.strerror or str(exc)).lower()


def argument_parser(
    json_error: Callable[[str], str] | None = None, **kwargs: Any
) -> argparse.ArgumentParser:
    """An :class:`argparse.ArgumentParser` (``kwargs`` are its own) whose usage errors
    quote a huge argument cut and escape control characters; its subparsers are of
    its class too.  With ``json_error``, a usage error prints ``json_error(reason)``
    on stdout instead of the usage and the message on stderr; exit status 2 either
    way.  An argument not among an option's choices, or an option the command does
    not have, gets a "did you mean" (``--level l1``: ``'L1'``; ``--rot``:
    ``'--root'``), and an option a subcommand does not know is that subcommand's
    error, with its usage.  Also the snippet runner's parser (``python -m
    nested_snippets.runner``)."""
    import argparse

    class CutParser(argparse.ArgumentParser):
        def parse_args(self, args: Any = None, namespace: Any = None) -> Any:  # type: ignore[override]
            found, extras = self.parse_known_args(args, namespace)
            if extras:
                chosen = _chosen(self, found)
                hint = _options_hint(chosen, extras)
                chosen.error(f"unrecognized arguments: {' '.join(extras)}{hint}")
            return found

        def _check_value(self, action: argparse.Action, value: Any) -> None:
            # argparse quotes the value with repr ('\\udcff' for a byte that is not
            # UTF-8) and has no "did you mean" before Python 3.14
            choices = action.choices
            if choices is None or not isinstance(value, str) or value in choices:
                super()._check_value(action, value)  # type: ignore[misc]
                return
            from nested_snippets import suggest
            from nested_snippets.cli.escape import quoted

            names = [str(c) for c in choices]
            hint = suggest.hint(value, names) if len(value) <= 64 else ""
            listed = ", ".join(map(repr, names))
            raise argparse.ArgumentError(
                action, f"invalid choice: {quoted(value)} (choose from {listed}){hint}"
            )

        def error(self, message: str) -> NoReturn:  # type: ignore[override]
            from nested_snippets.cli.escape import escape, shorten

            message = escape(shorten(message))
            if json_error is not None:
                sys.stdout.write(json_error(f"{self.prog}: {message}"))
                sys.stdout.flush()  # a write error is raised here, not lost at exit
                sys.exit(2)
            self.print_usage(sys.stderr)
            self.exit(2, f"{self.prog}: error: {message}\n")

        def _print_message(self, message: str, file: Any = None) -> None:
            # argparse drops an OSError of any stream: --help >/dev/full said nothing
            # and exited 0.  One of stdout is raised, for the caller to report.
            if message and file is sys.stdout:
                file.write(message)
                file.flush()
                return
            super()._print_message(message, file)

    return CutParser(**kwargs)


def _chosen(parser: argparse.ArgumentParser, found: Any) -> argparse.ArgumentParser:
    """The (sub)parser of the command ``found`` names: ``check --bogus`` is
    ``nested-kvm check``'s error, shown with its usage."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            sub = action.choices.get(getattr(found, action.dest, None) or "")
            if sub is not None:
                return _chosen(sub, found)
    return parser


def _options_hint(parser: argparse.ArgumentParser, extras: list[str]) -> str:
    """``"; did you mean '--root'?"`` for the words of ``extras`` that look like one
    of ``parser``'s long options (``--rot``, ``-json``, ``--Level=L1``), or what
    :func:`_elsewhere` says of one that is another command's, or ""."""
    from nested_snippets import suggest

    command = parser.prog.rpartition(" ")[2]
    elsewhere = _elsewhere(command, extras) if command in _COMMANDS else ""
    if elsewhere:  # report --json: an exact option of another command, before a close one
        return elsewhere
    longs = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
    found: list[tuple[str, str]] = []
    for word in extras:
        name = word.partition("=")[0]
        if not name.startswith("-") or name == "--" or name[1:2].isdigit() or len(name) > 64:
            continue
        close = suggest.close("--" + name.lstrip("-"), longs)
        if close and close[0] != name:
            found.append((name, close[0]))
    if not found:
        return ""
    if len(found) == 1:
        return f"; did you mean {found[0][1]!r}?"
    return "; did you mean " + ", ".join(f"{m!r} for {w}" for w, m in found) + "?"


def _elsewhere(command: str, extras: list[str]) -> str:
    """``"; --json is an option of check and params, not of report"`` for the first
    word of ``extras`` that is an option of other commands only, or ""."""
    import argparse

    owners: dict[str, list[str]] = {}
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                for option in (o for a in sub._actions for o in a.option_strings):
                    owners.setdefault(option, []).append(name)
    for word in extras:
        name = word.partition("=")[0]
        others = owners.get(name, [])
        if others and command not in others:
            return f"; {name} is an option of {' and '.join(others)}, not of {command}"
    return ""


def build_parser(
    only: str | None = None, json_error: Callable[[str], str] | None = None
) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, other commands get no options (start-up
    time); ``json_error`` as for :func:`argument_parser`."""
    import argparse

    class _Formatter(argparse.RawDescriptionHelpFormatter):
        """argparse's formatter without its ``import shutil`` (1.5 ms at start-up)."""

        def __init__(self, prog: str, **kwargs) -> None:
            if kwargs.get("width") is None:
                try:
                    columns = int(os.environ.get("COLUMNS", ""))
                    if columns <= 0:  # unset, as shutil.get_terminal_size reads it
                        raise ValueError(columns)
                    kwargs["width"] = columns - 2
                except ValueError:
                    try:
                        kwargs["width"] = os.get_terminal_size(sys.stdout.fileno()).columns - 2
                    except (OSError, ValueError):
                        kwargs["width"] = 78
            super().__init__(prog, **kwargs)

    p = argument_parser(
        json_error,
        prog="nested-kvm",
        description="Check a Linux host for nested KVM. It only reads, with one exception:\n"
        "check creates one empty test VM and destroys it at once (--no-probe skips that).",
        epilog=EXIT_HELP,
        formatter_class=_Formatter,
    )
    p.add_argument("--version", action=_version_action(), help=_VERSION_HELP)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (text, options) in _COMMANDS.items():
        cmd = sub.add_parser(
            name, help=text, description=text[0].upper() + text[1:], formatter_class=_Formatter
        )
        if only in (None, name):
            options(cmd)
    return p


_VERSION_HELP = "show the version and the kernel releases its data covers, and exit"


def version_text() -> str:
    """What ``--version`` prints: the release, then the reach of the kernel data the
    checker carries (its first and newest release, the releases of that span it has
    no data for) and the newest date that data was extracted or refreshed.  The
    guide's QEMU data is not part of the checker, and the text says so."""
    from nested_snippets import kernel as kdata
    from nested_snippets.versions import spoken

    have, gap = kdata.versions(), kdata.missing()
    kernel = f"kernel data: Linux {have[0]} to {have[-1]} ({len(have)} releases"
    kernel += f"; none for {spoken(gap)})" if gap else ")"
    return (
        f"nested-kvm {__version__}\n{kernel}\n"
        "QEMU data: none (the guide's QEMU data is not part of the checker)\n"
        f"newest data extraction: {kdata.newest_extraction() or 'unknown'}"
    )


def _version_action() -> type:
    import argparse

    class _Version(argparse.Action):
        """argparse's "version" action, with the text made only when asked for
        (reading the data costs time that no other command should pay)."""

        def __init__(self, option_strings, dest, **kwargs) -> None:
            kwargs.update(dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0)
            super().__init__(option_strings, **kwargs)

        def __call__(self, parser, namespace, values, option_string=None) -> NoReturn:
            sys.stdout.write(version_text() + "\n")  # stdout, as argparse's own action
            sys.stdout.flush()
            parser.exit()

    return _Version


ROOT_HELP = "read the host's files below DIR instead of / (a copied or fake root)"


LEVELS = ("auto", "L0", "L1")


def _check(c: argparse.ArgumentParser) -> None:
    c.add_argument("--root", metavar="DIR", type=_root, help=ROOT_HELP)
    c.add_argument("--json", action="store_true", help="print the nested-kvm-check/1 JSON")
    c.add_argument(
        "--level",
        choices=LEVELS,
        default="auto",
        help="judge the host as L0 (bare metal) or L1 (a guest); default: detect",
    )
    c.add_argument(
        "--no-probe",
        action="store_true",
        help="do not open /dev/kvm to create and destroy a test VM (then nothing is opened "
        "for writing)",
    )


def _report(r: argparse.ArgumentParser) -> None:
    r.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    r.add_argument("--root", metavar="DIR", type=_root, help=ROOT_HELP)


def _lint(li: argparse.ArgumentParser) -> None:
    from nested_snippets import arches

    li.add_argument("paths", nargs="*", metavar="FILE|DIR")
    li.add_argument(
        "--kernel",
        metavar="VERSION",
        help="kernel version (default: the running kernel, or the one in --root)",
    )
    li.add_argument(
        "--arch",
        choices=arches.param_arches(),
        help="architecture for the 'kvm' module (default: the host's)",
    )
    li.add_argument(
        "--cmdline",
        metavar="FILE",
        help="also lint the kernel command line in FILE (such as /proc/cmdline; "
        "one per line): KVM module parameters and early parameters such as kvm-arm.mode",
    )
    li.add_argument(
        "--root",
        metavar="DIR",
        type=_root,
        help="take the defaults of --kernel and --arch from the host below DIR "
        "(FILE|DIR are read as given)",
    )


def _params(pa: argparse.ArgumentParser) -> None:
    from nested_snippets import arches

    pa.add_argument("--module", help="kvm, kvm_intel, kvm_amd or kvm_hv")
    pa.add_argument("--kernel", metavar="VERSION", help="default: the running kernel")
    pa.add_argument(
        "--arch",
        choices=arches.param_arches(),
        help="default: the module's (powerpc for kvm_hv), this host's for kvm",
    )
    pa.add_argument(
        "--json", action="store_true", help="print JSON: an object with kernel and params"
    )
    pa.add_argument(
        "--running",
        action="store_true",
        help="compare this host's loaded KVM modules (sysfs, modinfo) with the nearest "
        "mainline release's data",
    )
    pa.add_argument("--root", metavar="DIR", type=_root, help=ROOT_HELP + " (with --running)")


_COMMANDS = {
    "check": ("is this host ready to run nested guests?", _check),
    "report": ("write a Markdown report for a bug or support request", _report),
    "lint": ("check modprobe.d files against kernel parameter data", _lint),
    "params": ("list a KVM module's parameters for a kernel version", _params),
}


class Options:
    """The options of one command, as attributes (what argparse's Namespace holds)."""

    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"Options({', '.join(f'{k}={v!r}' for k, v in sorted(vars(self).items()))})"


def quick_check(words: list[str]) -> Options | None:
    """``check``'s options read without argparse, whose import and parser cost more
    than the checks themselves: only the exact, valid forms (``--json``,
    ``--no-probe``, ``--level L1``, ``--root=DIR`` ...).  Anything else (help, an
    abbreviation, an error) gives None, and argparse reads the words and answers;
    tests/cli/test_reach.py compares the two."""
    if not words or words[0] != "check":
        return None
    found: dict[str, object] = {
        "command": "check", "root": None, "json": False, "level": "auto", "no_probe": False
    }  # fmt: skip
    rest = iter(words[1:])
    for word in rest:
        if word in ("--json", "--no-probe"):
            found[word[2:].replace("-", "_")] = True
            continue
        name, equals, value = word.partition("=")
        if name not in ("--root", "--level"):
            return None
        if not equals:
            value = next(rest, None)
            if value is None or value.startswith("-"):
                return None
        if name == "--level" and value not in LEVELS:
            return None
        if name == "--root" and not os.path.isdir(value):
            return None
        found[name[2:]] = value
    return Options(**found)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nested-kvm`` console script; returns the exit status.
    Called without ``argv`` it is the whole program: a signal after it returns is
    ignored (:class:`errors.stopped_by_signals`), its status stands."""
    # first of all, before any import, the streams and the command line: SIGINT,
    # SIGTERM and SIGHUP raise errors.Interrupted (a KeyboardInterrupt) from here on;
    # its line is said inside, where a second signal is ignored
    command, stderr = None, sys.stderr
    try:
        with stopped_by_signals(program=argv is None):
            try:
                words = sys.argv[1:] if argv is None else argv
                command = next((w for w in words if w in _COMMANDS), None)
                status = _streams_set() or _main(words, command)
                return _flushed(command, status)
            except KeyboardInterrupt as exc:
                if command == "report" and not getattr(exc, "note", ""):
                    exc.note = _output_note(words)  # type: ignore[attr-defined]
                return _interrupted(command, exc)
    except KeyboardInterrupt as exc:  # Ctrl-C just before the handlers are in place
        return _interrupted(command, exc)
    finally:
        if argv is not None:  # called in a process that goes on (a test): its own stderr
            sys.stderr = stderr


class _Messages:
    """Standard error for :func:`main`: once it cannot be written (``2>/dev/full``, a
    closed pipe) its messages go to /dev/null, as with ``2>&-``, and the exit status
    stays the command's (the write error made it 120, or 1 with a traceback)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except OSError:
            self._lost()
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError:
            self._lost()

    def _lost(self) -> None:
        try:
            fd = self.stream.fileno()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fd)
            os.close(devnull)
            self.stream.flush()  # what is buffered goes there, not to the exit
        except (OSError, ValueError):  # no descriptor, no /dev/null: nothing more to do
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _streams_set() -> int:
    """Make stderr and stdout usable for :func:`main`: 0, or 2 (said) if stdout is
    closed."""
    if sys.stderr is None:  # started with 2>&-: messages go nowhere, the status stays
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (open for the whole run)
    if sys.stdout is None:  # started with >&-
        print("nested-kvm: standard output is closed: nowhere to write", file=sys.stderr)
        return 2
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 locale: never UnicodeEncodeError
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    unfit = _unfit_encoding()
    if not isinstance(sys.stderr, _Messages):
        sys.stderr = _Messages(sys.stderr)
    if unfit:
        print(f"nested-kvm: {unfit}", file=sys.stderr)
        return 2
    return 0


def _unfit_encoding() -> str:
    """Why stdout or stderr cannot take the checker's text in their encoding (a
    ``PYTHONIOENCODING`` of a codec Python knows but that fails on any text, or on
    escaped characters: ``undefined``, ``idna``), with stderr made writable (ASCII,
    characters escaped) to say it; "" when both can.  A codec Python does not know
    at all stops Python itself before this runs."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        if not encoding or not hasattr(stream, "reconfigure"):
            continue
        try:
            "nested-kvm \u20ac \udcff".encode(encoding, getattr(stream, "errors", "strict"))
        except (UnicodeError, LookupError) as exc:
            sys.stderr.reconfigure(encoding="ascii", errors="backslashreplace")
            setting = os.environ.get("PYTHONIOENCODING")
            given = f"PYTHONIOENCODING={setting}: " if setting is not None else ""
            return (
                f"{given}the standard streams' encoding {encoding!r} cannot write this "
                f"program's text ({exc}); unset it or choose another, such as utf-8"
            )
    return ""


def _flushed(command: str | None, status: int) -> int:
    """``status``, once what is left of stdout is written while a signal still stops
    the checker (a reader that stalls cannot hold it at exit): a closed pipe is
    :func:`_closed_early`, another write error is dropped (``status`` stands)."""
    sys.stderr.flush()  # a _Messages: never raises
    if sys.stdout is None:
        return status
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return _closed_early(command)
    except OSError:
        _drop_stdout()
    return status


def _main(words: list[str], command: str | None) -> int:
    """:func:`main` once the streams are set and the signals handled: parse the
    command line (``command`` is the command it names, or None) and run the command."""
    wants = _wants_json(words) and command in (None, "check")
    json_error = _check_json_error if wants else None
    try:
        args = quick_check(words) or build_parser(command, json_error).parse_args(words)
    except BrokenPipeError:  # --help | head -1
        return _closed_early(command)
    except OSError as exc:  # --help, --version or check --json's usage error >/dev/full
        if exc.filename is not None:
            raise
        return _cannot_write(command, exc)
    from nested_snippets.cli.errors import CliError
    from nested_snippets.cli.escape import escape, shorten

    try:
        name = f"nested_snippets.cli.{args.command}"
        module = _command_module(name)
        status = int(module.run(args))
        sys.stdout.flush()  # here, not at exit, so that a write error is reported
        return status
    except CliError as exc:
        print(escape(shorten(f"nested-kvm {args.command}: {exc}")), file=sys.stderr)
        return 2
    except MemoryError:  # a hostile input on a machine (or ulimit -v) with little memory
        pass  # said below, once the frames that hold the input are freed
    except BrokenPipeError:  # stdout closed by its reader (| head -1)
        return _closed_early(args.command)
    except OSError as exc:
        if exc.filename is not None:  # not a write to stdout (commands report their files)
            raise
        if _cwd_gone(exc):  # a relative path (--root ., the guide's base) cannot be told
            why = "the current directory was removed: a relative path cannot be read"
            if args.command == "check" and getattr(args, "json", False):
                from nested_snippets.cli.check import CANNOT_CHECK, render_json

                sys.stdout.write(render_json(None, None, CANNOT_CHECK, why))
            print(f"nested-kvm {args.command}: {why}", file=sys.stderr)
            return 2
        return _cannot_write(args.command, exc)
    return _out_of_memory(args)  # (a MemoryError: its input is freed by now)


def _command_module(name: str) -> Any:
    """The module of a command, imported (not with importlib: its import costs
    start-up time); a module that cannot be loaded (a damaged zipapp: zlib.error, a
    file cut short: SyntaxError) is a CliError naming it."""
    try:
        __import__(name)
    except MemoryError:
        raise
    except Exception as exc:
        from nested_snippets.cli.errors import CliError

        raise CliError(
            f"cannot load {name} ({type(exc).__name__}: {exc}): the checker's files may be "
            "damaged; install or download it again"
        ) from None
    return sys.modules[name]


def _out_of_memory(args: Any) -> int:
    """Say in one line that the command ran out of memory (``check --json`` in its
    JSON too); exit status 2."""
    why = "out of memory: an input (a file of millions of words?) is too large for the "
    why += "memory this process may use"
    if args.command == "check" and getattr(args, "json", False):
        from nested_snippets.cli.check import CANNOT_CHECK, render_json

        sys.stdout.write(render_json(None, None, CANNOT_CHECK, why))
    print(f"nested-kvm {args.command}: {why}", file=sys.stderr)
    return 2


def _output_note(words: list[str]) -> str:
    """For ``report -o FILE`` stopped by a signal outside the writing of *FILE* (while
    Python imports or the options are read, or once it is written): what became of
    *FILE*, as the writing itself says it (``; FILE was not written``), or ""."""
    path = None
    rest = iter(words)
    for word in rest:
        if word == "--":
            break
        name, equals, value = word.partition("=")
        if word.startswith("-o") and word != "-o":
            path = word[2:]
        elif word == "-o" or (len(name) >= 3 and "--output".startswith(name)):
            path = value if equals else next(rest, None)
    if path is None or path in ("", "-"):
        return ""
    report = sys.modules.get("nested_snippets.cli.report")
    if report is not None and path in getattr(report, "WRITTEN", ()):
        return f"; {path} was written whole before it"
    return f"; {path} was not written"


def _interrupted(command: str | None, exc: KeyboardInterrupt) -> int:
    """Say in one line which signal stopped ``command`` (while its options were read
    too: no traceback); exit status 128 + its number, as a shell gives a command the
    signal killed (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP)."""
    from nested_snippets.cli.escape import escape, shorten

    _settle_stdout()
    name, number = getattr(exc, "name", "SIGINT"), getattr(exc, "number", 2)
    who = f"nested-kvm {command}" if command else "nested-kvm"
    line = f"{who}: interrupted by {name}{getattr(exc, 'note', '')}"
    print(escape(shorten(line)), file=sys.stderr)
    return 128 + number


def _settle_stdout() -> None:
    """After a signal: what a command wrote to stdout is written whole, as far as the
    reader takes it, and the exit never waits for a reader that has stalled.  Into
    a regular file (``> out.json``), where a write cannot stall, the rest is simply
    written: a document begun is finished.  Into a pipe or a terminal the rest is
    written without waiting; what a stalled reader does not take is dropped."""
    import stat

    if sys.stdout is None:
        return
    try:
        fd = sys.stdout.fileno()
        if stat.S_ISREG(os.fstat(fd).st_mode):
            sys.stdout.flush()
            return
        blocking = os.get_blocking(fd)
        os.set_blocking(fd, False)
        try:
            sys.stdout.flush()
        finally:
            os.set_blocking(fd, blocking)
        return
    except (OSError, ValueError):  # a stalled reader, a full disk; no descriptor
        pass
    _drop_stdout()


def _closed_early(command: str | None) -> int:
    """Stdout's reader closed it before the end (``| head -1``: the output is cut):
    exit status 141, 128 + SIGPIPE's number, and nothing said, as a shell shows a C
    program that SIGPIPE killed (Python ignores SIGPIPE and gets EPIPE instead).
    ``command`` is kept for the callers' symmetry with :func:`_cannot_write`."""
    del command
    _drop_stdout()  # what is buffered cannot be written at exit either
    return 128 + 13


def _wants_json(words: list[str]) -> bool:
    """Does the command line ask for JSON?  As argparse reads it: ``--json``, an
    abbreviation it accepts (``--js``; abbreviations stay allowed, as in every
    argparse program), or ``--json=VALUE`` (itself a usage error, answered in JSON)."""
    for word in words:
        if word == "--":
            break
        name = word.partition("=")[0]
        if len(name) >= 3 and "--json".startswith(name):
            return True
    return False


def _check_json_error(reason: str) -> str:
    """The nested-kvm-check/1 document of a usage error of ``check --json``: a fleet
    reads JSON whatever went wrong."""
    from nested_snippets.cli.check import CANNOT_CHECK, render_json

    return render_json(None, None, CANNOT_CHECK, f"bad usage: {reason}")


def _cwd_gone(exc: OSError) -> bool:
    """Is ``exc`` os.getcwd()'s (in os.path.realpath or abspath of a relative path)
    in a directory removed since it was entered?  write() never fails with ENOENT."""
    import errno

    if exc.errno != errno.ENOENT:
        return False
    try:
        os.getcwd()
    except FileNotFoundError:
        return True
    return False


def _cannot_write(command: str | None, exc: OSError) -> int:
    """Say that stdout cannot be written (>/dev/full); exit status 2."""
    _drop_stdout()  # what is buffered cannot be written at exit either
    why = (exc.strerror or str(exc)).lower()
    who = f"nested-kvm {command}" if command else "nested-kvm"
    print(f"{who}: cannot write standard output: {why}", file=sys.stderr)
    return 2


def _drop_stdout() -> None:
    """Point stdout at /dev/null: its buffer is thrown away instead of failing at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no /dev/null (a bare chroot); a stdout with no descriptor
        pass
