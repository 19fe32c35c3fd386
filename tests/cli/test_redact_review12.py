"""Adversarial review 12 of the report's redaction (session 12's new shapes): each
break found, pinned to a whole report (a file shown whole and a libvirt log) or to
:func:`redact` and :func:`redact_line`, as tests/cli/test_redact_s12.py does."""

from __future__ import annotations

import pytest

from nested_snippets.cli import report
from nested_snippets.cli.report import redact

from .redacting import S, both, finds_grow_linearly, hidden_and_kept

LOG = "/var/log/libvirt/qemu/vm.log"

# (text, the neighbours that must stay, each in both the file and the log)
CASES = {
    # kickstart's --wepkey with a blank (w[pe]akey spelt wpakey and weakey, not wepkey)
    "wepkey-blank": ("network --wepkey S3CR3T --essid home", ["--essid home"]),
    "wepkey-blanks": ("network --wepkey  S3CR3T", ["network --wepkey"]),
}


@pytest.mark.parametrize("name", CASES)
def test_review_breaks_in_a_whole_report(report_of, name):
    text, kept = CASES[name]
    out = report_of(text)
    assert S not in out, name
    file_block = out[out.index("`/proc/cmdline`:") :]
    log_block = out[out.index(f"`{LOG}`:") :]
    for k in kept:
        assert k in file_block[: file_block.index("\n```\n", 20)], (k, file_block[:400])
        assert k in log_block[: log_block.index("\n```\n", 20)], (k, log_block[:400])


YAML_CASES = {
    # a block sequence at its key's own column (yaml-test-suite case RLU9: "foo:" then
    # "- 42" is {"foo": [42]})
    "seq-at-key-column": ("password:\n- a\n- S3CR3T\nuser: bob", ["user: bob"]),
    "named-seq-at-key-column": ("api_keys:\n- S3CR3T\nuser: bob", ["user: bob"]),
    "seq-item-continued": ("secret:\n- a\n  S3CR3T\nuser: bob", ["user: bob"]),
    # a comment line between the key and its value, less indented than the value
    "comment-at-column-0": ("password:\n# the root password\n  S3CR3T\nuser: bob", ["user: bob"]),
    "comment-before-seq": ("password:\n  # a\n- S3CR3T\nuser: bob", ["user: bob"]),
    # a key in a list in a list
    "list-in-list": ("- - password:\n      S3CR3T\n- x", ["- x"]),
}


@pytest.mark.parametrize("name", YAML_CASES)
def test_yaml_values_continued_are_redacted(name):
    hidden_and_kept(*YAML_CASES[name])


@pytest.mark.parametrize(
    "text",
    [
        "items:\n- a\n- b\nuser: bob",  # no secret's key
        "credentials:\n- user: bob\n  region: eu",  # a list of mappings: their keys alone
        "password: <redacted>\n# done\nuser: bob",
        "- password: <redacted>\n- name: x",
    ],
)
def test_yaml_near_misses_are_kept(text):
    for out in both(text):
        assert out == text


HOSTILE_YAML = {
    "seq-at-key-column": lambda n: "password:\n" + "- a\n" * (n // 4),
    "seq-keys": lambda n: "password:\n- a\n" * (n // 14),
    "comments": lambda n: "password:\n" + "# c\n" * (n // 4),
    "comment-keys": lambda n: "password:\n# c\n" * (n // 14),
    "list-in-list": lambda n: ("- " * 50 + "password:\n  - a\n") * (n // 116),
}


@pytest.mark.parametrize("name", HOSTILE_YAML)
def test_the_continued_yaml_forms_stay_linear(name):
    """Counted, not timed: the lines the continuation scan reads (each ``str.find`` of
    a line's end) grow with the text (50 kB and 200 kB: at most 4.5 times as many)."""
    finds_grow_linearly(HOSTILE_YAML[name], lambda text: report._YAML_CONTINUED.sub(None, text))


def test_a_glued_word_without_a_secrets_needle_is_not_redacted_on_its_own(monkeypatch):
    """Distinct words in quoted parts glued together (``'ab='"'"'cd'``) were each
    redacted on their own (about 25 us a word even when it holds nothing: 200 kB took
    0.54 s, 3 MB about 8 s): a word is now redacted so only where it holds a string that
    some secret's pattern needs (a secret's name, ``@``, ``%``, ...).  Counted: the
    words :func:`redact` gives :func:`redact_args` (which redacts them together since
    session 13; before, each was given to :func:`redact_arg`)."""
    calls = {"n": 0}
    real = report.redact_args

    def counted(args):
        calls["n"] += len(args)
        return real(args)

    monkeypatch.setattr(report, "redact_args", counted)
    plain = " ".join(f"'w{i}='\"'\"'v{i}'" for i in range(300))
    assert redact(plain) == plain
    assert calls["n"] == 0
    secret = " ".join(f"'--password{i}='\"'\"'S3CR3T'" for i in range(300))
    assert S not in redact(secret)
    assert calls["n"] == 300
    for needle in ("user:pw@host", "%70assword=x", "<value>x", "-uuser:pw"):
        calls["n"] = 0
        redact(f"'a'\"'\"'{needle}'")
        assert calls["n"] == 1, needle


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # Python's shlex.join(["mysql", "-pS3CR3T!x", "db"]): the word quoted whole
        ("mysql -u root '-pS3CR3T!x' db", ["mysql -u root '-p", "' db"]),
        ("mysqldump '-pS3CR3T;x' db; grep -pX f", ["' db; grep -pX f"]),
        ('mariadb "-pS3CR3T x" db', ['" db']),
        ("mysql '-pa b S3CR3T' db", ["' db"]),
    ],
)
def test_a_mysql_password_word_quoted_whole_is_redacted(text, kept):
    hidden_and_kept(text, kept)


@pytest.mark.parametrize("text", ["mysql '-p' db", 'mysql "-p" db', "['mysql', '-p', 'db']"])
def test_a_mysql_prompt_quoted_is_kept(text):
    for out in both(text):
        assert out == text


BLOCK_CASES = {
    # a block scalar's value under an indented key: its siblings after it stay
    "k8s-secret": ("data:\n  password: |\n    S3CR3T\n  user: bob", ["  user: bob"]),
    "cloud-init": (
        "users:\n  - name: bob\n    passwd: >-\n      S3CR3T\n    groups: sudo\n    shell: /bin/sh",
        ["    groups: sudo", "    shell: /bin/sh", "  - name: bob"],
    ),
    "named-block": ("db:\n  api_token: |-\n    S3CR3T\n    S3CR3T\n  port: 5432", ["  port: 5432"]),
    "two-blocks": (
        "a:\n  secret: |\n    S3CR3T\n  host: h\n  db_password: >\n    S3CR3T\n  port: 1",
        ["  host: h", "  port: 1"],
    ),
    "quoted-key": ('x:\n  "password": |\n    S3CR3T\n  user: bob', ["  user: bob"]),
    "crlf": ("x:\r\n  password: |\r\n    S3CR3T\r\n  user: bob\r\n", ["  user: bob"]),
    "indentation-indicator": ("x:\n  password: |2\n     S3CR3T\n  user: bob", ["  user: bob"]),
    "empty-lines-inside": ("x:\n  password: |\n    a\n\n    S3CR3T\n  user: bob", ["  user: bob"]),
}


@pytest.mark.parametrize("name", BLOCK_CASES)
def test_a_block_scalar_hides_its_lines_not_its_siblings(name):
    hidden_and_kept(*BLOCK_CASES[name])


HOSTILE_BLOCKS = {
    "siblings": lambda n: "x:\n" + "  a_token: |\n    v\n" * (n // 20),
    "password-siblings": lambda n: "x:\n" + "  password: |\n    v\n" * (n // 21),
    "one-block": lambda n: "  password: |\n" + "    v\n" * (n // 6),
}


@pytest.mark.parametrize("name", HOSTILE_BLOCKS)
def test_the_block_scalars_stay_linear(name):
    """Counted, not timed: the lines read to find where a block ends (each ``str.find``
    of a line's end) grow with the text (50 kB and 200 kB: at most 4.5 times as many)."""

    def redact_all(text: str) -> None:
        for _, pattern, replacement in report.REDACTIONS:
            pattern.sub(replacement, text)

    finds_grow_linearly(HOSTILE_BLOCKS[name], redact_all)


def test_a_block_after_a_key_inside_a_line_hides_every_indented_line():
    """A key not at a line's start (a log's prefix): every indented line after it, as
    before.  (As a log's lines, each redacted on its own first, ``password: |`` becomes
    ``password: <redacted>`` and the lines after it are not known to be its value: left.)"""
    text = "app[1]: password: |\n  S3CR3T\n    S3CR3T\nnext"
    assert redact(text) == "app[1]: password: <redacted>\n  <redacted>\nnext"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # a list in a list (- - rootpw ...)
        ("- - rootpw --plaintext S3CR3T\n- reboot", ["- - rootpw --plaintext ", "- reboot"]),
        # a log's lines, then its block, redact a text twice: a --password=...; word
        # redacted the first time no longer ends with its ;, and the mysql line went on
        # to grep's -pX
        ("mysql --password=S3CR3T; grep -pX f", [" grep -pX f"]),
        ("mysql -u root --password S3CR3T; ls -pX", [" ls -pX"]),
    ],
)
def test_more_review_breaks(text, kept):
    hidden_and_kept(text, kept)


@pytest.mark.parametrize(
    "text",
    [
        "password:\u00a0S3CR3T",  # a no-break space after the colon
        "x: 1\npassword:\u3000S3CR3T",  # an ideographic space
        "api_token:\u2003S3CR3T",
        "  db_password:\u00a0\u00a0S3CR3T",
    ],
)
def test_a_unicode_blank_after_a_colon_is_a_blank(text):
    for out in both(text):
        assert S not in out, out


def test_a_unicode_blank_in_a_sentence_is_kept():
    for text in ("failed to refresh token:\u00a0timeout", "the token:\u00a0x"):
        for out in both(text):
            assert out == text


def test_the_budget_counts_a_word_that_holds_a_secret_at_its_cost():
    """A quoted word that holds a secret's name costs about four times one that holds
    none (measured 2026-12-03: 126 us for ``'--password=abcdef'``, 25 to 35 us for
    ``abcdef='ghijkl'`` or a plain word); counted at WORD_COST, a 1 MB log of such
    words took 8 s against the budget's 2 (``redact_cost`` 71,488 for a 16 kB line
    that took 198 ms).  Such a word is now counted at SECRET_WORD_COST."""
    words = [f"'--password=v{i}'" for i in range(100)]
    assert report.redact_cost(" ".join(words)) >= 100 * 3 * report.WORD_COST
    glued = [f"'--password='\"'\"'v{i}'\"'\"''" for i in range(100)]
    assert report.redact_cost(" ".join(glued)) >= 2 * 100 * 3 * report.WORD_COST
    plain = [f"'w{i}=:<-'" for i in range(100)]  # as before
    assert report.redact_cost(" ".join(plain)) == len(" ".join(plain)) + 100 * report.WORD_COST


@pytest.mark.parametrize(
    "text",
    [
        # found by comparing with main on random texts: a line indented more than the
        # key that starts with # was skipped as a comment, and so shown
        "passwd: x\n  # c ] S3CR3T",
        "api_token: a\n    # c -pS3CR3T",
        "secret: |\n  # S3CR3T",
    ],
)
def test_an_indented_line_that_starts_with_a_hash_stays_hidden(text):
    for out in both(text):
        assert S not in out, out


def test_a_block_after_a_key_inside_an_indented_line_hides_every_indented_line():
    """Found by the same comparison: a key inside a line that starts with a blank
    (`` x "api_token: |2``) took that blank for its column and showed a line indented
    by one blank.  (As a log's lines: see the test above.)"""
    text = ' >-  "api_token: |2\n -pS3CR3T\nnext'
    for out in (redact(text), redact(redact(text))):
        assert S not in out and out.endswith("\nnext"), out
