"""``nested-kvm``: check a host for nested KVM, report on it, lint its modprobe.d.

Read-only on every host: it never loads modules or writes below /sys, /proc, /etc or
/dev.  Commands are imported only when run, to keep start-up short.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from nested_snippets import __version__

COMMANDS = ("check", "report", "lint", "params")
EXIT_HELP = """exit status: 0 ready/clean, 1 not ready/lint errors, 2 could not check or bad input.
guide links use NESTED_KVM_GUIDE_URL (default https://nested-kvm-guide.readthedocs.io/en/latest/)."""


def _root(value: str) -> str:
    if not os.path.isdir(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a directory")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nested-kvm",
        description="Check a Linux host for nested KVM (read-only).",
        epilog=EXIT_HELP,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    root_help = "read the host's files below DIR instead of / (a copied or fake root)"

    c = sub.add_parser("check", help="is this host ready to run nested guests?")
    c.add_argument("--root", metavar="DIR", type=_root, help=root_help)
    c.add_argument("--json", action="store_true", help="print the nested-kvm-check/1 JSON")
    c.add_argument(
        "--level",
        choices=("auto", "L0", "L1"),
        default="auto",
        help="judge the host as L0 (bare metal) or L1 (a guest); default: detect",
    )

    r = sub.add_parser("report", help="write a Markdown report for a bug or support request")
    r.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    r.add_argument("--root", metavar="DIR", type=_root, help=root_help)

    li = sub.add_parser("lint", help="check modprobe.d files against kernel parameter data")
    li.add_argument("paths", nargs="+", metavar="FILE|DIR")
    li.add_argument(
        "--kernel",
        metavar="VERSION",
        help="kernel version (default: the running kernel, or the one in --root)",
    )
    li.add_argument(
        "--arch",
        choices=("x86", "s390", "powerpc"),
        help="architecture for the 'kvm' module (default: the host's)",
    )
    li.add_argument("--root", metavar="DIR", type=_root, help=root_help)

    pa = sub.add_parser("params", help="list a KVM module's parameters for a kernel version")
    pa.add_argument("--module", required=True, help="kvm, kvm_intel, kvm_amd or kvm_hv")
    pa.add_argument("--kernel", metavar="VERSION", help="default: the running kernel")
    pa.add_argument(
        "--arch", choices=("x86", "s390", "powerpc"), help="default: x86, or powerpc for kvm_hv"
    )
    pa.add_argument("--json", action="store_true", help="print a JSON list")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nested-kvm`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    from nested_snippets.cli.errors import CliError

    try:
        module = importlib.import_module(f"nested_snippets.cli.{args.command}")
        return int(module.run(args))
    except CliError as exc:
        print(f"nested-kvm {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # stdout closed early (| head): not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
