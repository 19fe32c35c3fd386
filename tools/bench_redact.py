"""Time ``nested-kvm report``'s redaction of a block of words written in quoted parts
glued together, each holding a secret (``'--password='"'"'v1'"'"''``, as Python's
shlex.quote writes a quote): review 12 measured about 9 s a MB when each such word was
redacted on its own.  Prints characters, words, seconds and seconds per MB for a block
of ``report.BLOCK_BYTES`` characters (what one block of the report may hold) and a
quarter of it, so the growth shows too.  Run: ``python tools/bench_redact.py``."""

from __future__ import annotations

import time

from nested_snippets.cli import report


def block(size: int) -> str:
    words, length, i = [], 0, 0
    while length < size:
        w = f"'--password='\"'\"'v{i}'\"'\"''"
        words.append(w)
        length += len(w) + 1
        i += 1
    return " ".join(words)


def main() -> None:
    for size in (report.BLOCK_BYTES // 4, report.BLOCK_BYTES):
        text = block(size)
        start = time.perf_counter()
        out = report.redact(text)
        took = time.perf_counter() - start
        assert "v1'" not in out and "v1" not in out.replace("<redacted>", "")
        mb = len(text) / 1e6
        words = text.count(" ") + 1
        print(f"{len(text)} characters, {words} words: {took:.2f} s, {took / mb:.1f} s/MB")


if __name__ == "__main__":
    main()
