"""Run one snippet on a fake host and show what it prints: ``python -m nested_snippets.runner``.

For authors: ``python -m nested_snippets.runner enable.check_nested --arch amd --kernel 4.19``
prints each command with the fake host's output beside the guide's and exits 1 on a
difference.  Bad input (unknown id, architecture or kernel) gives one line and exit 2.
"""

from __future__ import annotations

import sys

from nested_snippets import kernel as kdata
from nested_snippets import registry
from nested_snippets.cli import argument_parser
from nested_snippets.cli.escape import escape_text, shorten
from nested_snippets.fakehost.host import Scenario, ScenarioError
from nested_snippets.model import SnippetError
from nested_snippets.runner.run import (
    Mismatch,
    fake_host,
    normalise,
    run_body,
    run_commands,
)
from nested_snippets.runner.sandbox import LimitExceeded, Refused, SandboxUnavailable
from nested_snippets.versions import VERSION


def main(argv: list[str] | None = None) -> int:
    parser = argument_parser(prog="python -m nested_snippets.runner", description=__doc__)
    parser.add_argument("snippet", help="snippet id, e.g. enable.check_nested")
    parser.add_argument("--arch", default="", help="variant / fake host architecture")
    parser.add_argument("--kernel", default=None, help="kernel version (default: newest)")
    args = parser.parse_args(argv)
    try:
        snippet = registry.load().get(args.snippet)
        arch = args.arch or snippet.keys[0]
        if arch not in snippet.keys:
            raise SnippetError(
                f"snippet {snippet.id} has no variant {arch!r} "
                f"(it has: {', '.join(k or 'single' for k in snippet.keys)})"
            )
        newest = kdata.latest()
        if args.kernel is not None and not VERSION.match(args.kernel):
            raise SnippetError(
                f"--kernel {args.kernel[:40]!r}: not a kernel version (e.g. 6.6 or 6.1.192)"
            )
        if args.kernel and kdata.version_key(args.kernel)[:2] > kdata.version_key(newest)[:2]:
            raise SnippetError(
                f"--kernel {args.kernel}: newer than the newest kernel with data ({newest})"
            )
        kernel = kdata.data_version(args.kernel or newest)
        body = snippet.body(arch, kernel)
        host_arch = snippet.host_arch(arch)
        if host_arch is None:  # a command line or XML: checked, not run
            run_body(None, body, snippet.id)  # type: ignore[arg-type]
            print(f"{snippet.id}: {type(body).__name__} checked")
            return 0
        with fake_host(Scenario(host_arch, kernel, snippet.given)) as host:
            if not body.commands:
                run_body(host, body, snippet.id)
                print(f"{snippet.id}: {type(body).__name__} checked")
                return 0
            same = True
            outcomes = run_commands(host, [cmd.text for cmd in body.commands])
            for cmd, got in zip(body.commands, outcomes, strict=True):
                print(f"$ {cmd.text}")
                print(escape_text("\n".join(got.output)))  # a snippet's ESC, BEL: shown
                same_output = normalise(list(cmd.output), cmd.text) == normalise(
                    got.output, cmd.text
                )
                if not same_output or cmd.status != got.status:
                    same = False
                    print(f"# ^ differs from the guide (status {got.status}, guide {cmd.status})")
            return 0 if same else 1
    except (SnippetError, kdata.KernelDataError, ScenarioError, Refused, Mismatch,
            LimitExceeded, SandboxUnavailable) as exc:  # fmt: skip
        named = f"snippet {args.snippet}: " if isinstance(exc, LimitExceeded) else ""
        print(f"error: {named}{escape_text(shorten(str(exc)))}", file=sys.stderr)  # cut, escaped
        return 2


if __name__ == "__main__":
    sys.exit(main())
