"""``make linkcheck``: check the guide's external links when there is a network.

    python tools/linkcheck.py probe            prints 1 without a network, else 0
    python tools/linkcheck.py report FILE      sums up Sphinx's linkcheck output.json

``probe`` asks git.kernel.org for its headers (honouring ``https_proxy``); its
answer goes to ``NESTED_KVM_LINKCHECK_OFFLINE``, which conf.py reads: offline,
Sphinx lists external links as "ignored" instead of fetching them.  ``report``
(reading the same variable) prints how many external links were checked,
broken, or could not be checked, and exits 1 if one is broken.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from collections import Counter
from pathlib import Path

PROBE_URL = "https://git.kernel.org/"
UNCHECKED = ("ignored", "timeout", "rate-limited", "unchecked")


def online(url: str = PROBE_URL, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def summary(results: list[dict], offline: bool) -> tuple[str, int]:
    """One line for the external links of a linkcheck run, and the exit status."""
    external = [r for r in results if "://" in r["uri"] or r["uri"].startswith("mailto:")]
    counts = Counter(r["status"] for r in external)
    broken = counts["broken"]
    not_checked = sum(counts[s] for s in UNCHECKED)
    if offline:
        line = f"linkcheck: no network: {not_checked} of {len(external)} external links not checked"
    else:
        line = (
            f"linkcheck: {len(external)} external links: {counts['working']} working, "
            f"{counts['redirected']} redirected, {broken} broken, {not_checked} not checked"
        )
    return line, 1 if broken else 0


def read_results(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main(argv: list[str]) -> int:
    if argv[1:2] == ["probe"] and len(argv) == 2:
        print(0 if online() else 1)
        return 0
    if argv[1:2] == ["report"] and len(argv) == 3:
        path = Path(argv[2])
        try:
            results = read_results(path)
        except (OSError, ValueError) as exc:
            print(f"linkcheck: cannot read {path}: {exc}", file=sys.stderr)
            return 2
        offline = os.environ.get("NESTED_KVM_LINKCHECK_OFFLINE") == "1"
        line, status = summary(results, offline)
        print(line)
        for r in results:
            if r["status"] == "broken":
                print(f"  broken: {r['uri']} ({r['filename']}:{r['lineno']}): {r['info']}")
        return status
    print("usage: linkcheck.py probe | linkcheck.py report OUTPUT_JSON", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
