"""A block of the report is redacted and shown within ``report.BLOCK_BYTES`` of its
end: a ``--root`` tree's crafted ``/proc/cpuinfo`` (200 lines of 16 KiB, each word
holding a secret's name) took about 28 s to redact whole (review of 2026-12-03)."""

from nested_snippets.cli import report
from nested_snippets.cli.report import fence

from .redacting import S


def test_a_large_block_is_redacted_from_its_end_only(monkeypatch):
    read = []
    real = report.redact
    monkeypatch.setattr(report, "redact", lambda text: read.append(len(text)) or real(text))
    line = "'--password=x'" * 1000  # 14,000 characters, under the line cut
    out = fence("\n".join(f"{i} {line}" for i in range(200)) + "\nlast line")
    assert max(read) <= report.BLOCK_BYTES + 200  # the note's line besides
    assert "earlier lines left out: the block is over" in out
    assert "last line" in out


def test_a_value_begun_before_the_cut_stays_hidden():
    """The lines that may continue a value whose start was cut are redacted (a YAML
    block value's indented lines), as after any cut (report._unbegun)."""
    text = "password: |\n" + f"  {S}\n" * (report.BLOCK_BYTES // 9) + "user: bob"
    out = fence(text)
    assert S not in out
    assert "user: bob" in out


def test_a_block_within_the_bound_is_shown_whole():
    text = "\n".join(f"line {i}" for i in range(200))
    out = fence(text)
    assert "left out" not in out and "line 0\n" in out and "line 199" in out


def test_the_reference_gives_the_bound():
    from pathlib import Path

    text = " ".join((Path(__file__).parents[2] / "source/reference/cli.rst").read_text().split())
    assert f"last lines within {report.BLOCK_BYTES} characters" in text
