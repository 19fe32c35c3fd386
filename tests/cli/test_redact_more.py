"""Redaction of the forms REVIEW s8b found shown, beyond its reproductions
(tests/cli/test_review_s8b.py): OpenPGP private key blocks, XML elements with a
namespace prefix, and the prefilter (``report._NEEDLES``) against every character
that ``re.I`` takes for an ASCII letter."""

from __future__ import annotations

import re
import string
import time

import pytest

from nested_snippets.cli import report

# an OpenPGP armored private key (RFC 4880 section 6.2: armor header line, armor
# headers, a blank line, base64 data, a checksum line starting with "=", the tail line)
PGP = [
    "-----BEGIN PGP PRIVATE KEY BLOCK-----",
    "Comment: SEKRIT0 in an armor header",
    "",
    "lQOYBGSEKRIT1xyz",
    "=SEKRIT2",
    "-----END PGP PRIVATE KEY BLOCK-----",
]


def test_pgp_private_key_block_is_redacted():
    out = report.redact("\n".join(["before", *PGP, "after"]))
    assert "SEKRIT" not in out
    assert out.startswith("before\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n")
    assert out.endswith("-----END PGP PRIVATE KEY BLOCK-----\nafter")


def test_pgp_private_key_block_whose_begin_line_is_left_out():
    """A tail that cut the BEGIN line: the lines before the END line go, as for PEM."""
    out = report.tail("\n".join(["start", *PGP, "after"]), 3)
    assert "SEKRIT" not in out
    assert out.endswith("-----END PGP PRIVATE KEY BLOCK-----\nafter")


def test_pgp_public_key_block_is_kept():
    text = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBFkept\n-----END PGP PUBLIC KEY BLOCK-----"
    assert report.redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "<ns:password>SEKRIT</ns:password>",
        '<s:passphrase xmlns:s="urn:x">SEKRIT</s:passphrase>',
        "<a.b-c:token>SEKRIT</a.b-c:token>",
        "<ns:key>SEKRIT</ns:key>",
        "<ns:password>\n  <![CDATA[SEKRIT]]>\n</ns:password>",
    ],
)
def test_xml_element_with_a_namespace_prefix_is_redacted(text):
    out = report.redact(text)
    assert "SEKRIT" not in out
    assert out.endswith(">") and "<redacted>" in out


def test_xml_element_with_a_prefix_not_a_secret_is_kept():
    text = "<ns:keyboard>us</ns:keyboard> <ns:passport>kept</ns:passport>"
    assert report.redact(text) == text


def _re_i_ascii() -> dict[str, str]:
    """Every non-ASCII code point that re.I matches against an ASCII letter, and the
    letter: asked of the re module itself, one letter at a time, over all of Unicode."""
    everything = "".join(map(chr, range(0x80, 0x110000)))
    found: dict[str, str] = {}
    for letter in string.ascii_lowercase:
        for c in re.findall(letter, everything, re.I):
            found[c] = letter
    return found


RE_I_ASCII = _re_i_ascii()

# a text each pattern matches, with the ASCII letters of its needles in it
SAMPLES = [
    "-----BEGIN PRIVATE KEY-----\nSEKRIT\n-----END PRIVATE KEY-----",
    "https://a.blob.core.windows.net/c/d.vhd?sv=1&sig=SEKRIT",  # attack15
    "password=SEKRIT secret=SEKRIT data=SEKRIT passwd=SEKRIT",
    "MYSQL_ROOT_PASSWORD=SEKRIT API_TOKEN=SEKRIT db_pass=SEKRIT aws_secret_access_key=SEKRIT",
    "--password SEKRIT --secret SEKRIT --token SEKRIT --passphrase SEKRIT",
    "--data SEKRIT",
    "Authorization: Bearer SEKRIT",
    "<password>SEKRIT</password> <passphrase>SEKRIT</passphrase> <token>SEKRIT</token>",
    "key=SEKRIT",
    '{"password": "SEKRIT", "secret": "SEKRIT", "key": "SEKRIT", "data": "SEKRIT"}',
    "password: |\n  SEKRIT\n",
    "passwd: SEKRIT",
    "https://user:SEKRIT@host/",
    "user:SEKRIT@host",
    '{"client_secret": "SEKRIT"} api_key: SEKRIT <apiKey>SEKRIT</apiKey>',
    "curl -u user:SEKRIT https://h/",
    "sshpass -p SEKRIT ssh host",
    "mysql -uroot -pSEKRIT db",
    "rootpw --plaintext SEKRIT",
    "map[token:SEKRIT] {Password:SEKRIT}",
    "{password: SEKRIT, user: bob}",
    "? password\n: SEKRIT",
    "virsh secret-set-value 2a5e SEKRIT",
    "docker login -p SEKRIT",
    "openssl enc -passin pass:SEKRIT",  # session 15
    "openssl enc -k SEKRIT",  # session 16
    "ipmitool -U root -P SEKRIT",
    "smbclient //h/s -U bob%SEKRIT",
    "redis-cli -a SEKRIT",
    "rbd --key SEKRIT ls",
    "machine h login bob password SEKRIT",
    "echo 'root:SEKRIT' | chpasswd",
    "echo SEKRIT | docker login --password-stdin",
    "chpasswd:\n  list: |\n    root:SEKRIT",
    # session 17
    "openssl ca -key SEKRIT",
    "net ads join -U admin%SEKRIT",
    "[12:00:01] 127.0.0.1:6379> CONFIG SET requirepass SEKRIT",
    "2026-01-01 ipmitool> set password SEKRIT",
    "requirepass SEKRIT",
    "user worker on >SEKRIT ~*",
    # session 18
    "samba-tool user create bob SEKRIT -U admin%SEKRIT",
    # session 20
    "ansible-playbook --ask-pass site.yml -e ansible_password=SEKRIT",
]


def test_re_i_takes_non_ascii_characters_for_ascii_letters():
    """The premise: the test below would test nothing if no such character existed."""
    assert "\u0131" in RE_I_ASCII  # the dotless i of the review
    assert RE_I_ASCII.get("\u212a") == "k"


def test_fold_makes_each_character_re_i_takes_for_a_letter_that_letter():
    wrong = {
        f"U+{ord(c):04X}": (letter, report._fold(c))
        for c, letter in RE_I_ASCII.items()
        if report._fold(c) != letter
    }
    assert wrong == {}


def test_samples_cover_every_pattern():
    for i, (_, pattern, _) in enumerate(report.REDACTIONS):
        assert any(pattern.search(s) for s in SAMPLES), i


def test_the_prefilter_never_skips_what_a_pattern_matches():
    """Property: each sample with each of its ASCII letters replaced by each character
    re.I takes for it (one at a time, and all of them at once): wherever a pattern
    matches, one of its needles is in the folded text, and no SEKRIT is left."""
    by_letter: dict[str, list[str]] = {}
    for c, letter in RE_I_ASCII.items():
        by_letter.setdefault(letter, []).append(c)
    checked = 0
    for sample in SAMPLES:
        variants = []
        for pos, ch in enumerate(sample):
            for c in by_letter.get(ch.lower(), []):
                variants.append(sample[:pos] + c + sample[pos + 1 :])
        for j in range(max(map(len, by_letter.values()))):
            table = {}
            for letter, cs in by_letter.items():
                table[ord(letter)] = table[ord(letter.upper())] = cs[j % len(cs)]
            variants.append(sample.translate(table))
        for v in variants:
            for i, (_, pattern, _) in enumerate(report.REDACTIONS):
                if pattern.search(v):
                    checked += 1
                    folded = report._fold(v)
                    assert any(n in folded for n in report._NEEDLES[i]), (i, v)
    assert checked > 100


@pytest.mark.parametrize("c", ["\u0130", "\u0131"])
def test_a_dotted_or_dotless_i_in_a_name_keeps_it_redacted(c):
    for text in (
        f"Author{c}zation: Bearer SEKRIT",
        f"AP{c}_TOKEN=SEKRIT",
        f"--secret SEKRIT --d{c}sk x",
    ):
        assert "SEKRIT" not in report.redact(text), text


# ------------------------------------------------------------------ strengthened forms
def test_escaped_json_keeps_the_rest_of_its_string():
    out = report.redact('msg="{\\"password\\": \\"hunter2\\", \\"user\\": \\"bob\\"}" next')
    assert out == 'msg="{\\"password\\": \\"<redacted>\\", \\"user\\": \\"bob\\"}" next'


def test_authorization_digest_in_json_and_in_a_go_map():
    for text in (
        '{"Authorization": "Digest username=\\"a\\", response=\\"6629fae4\\""}',
        'map[Authorization:[Digest username="a", response="6629fae4"] Accept:[*/*]]',
    ):
        out = report.redact(text)
        assert "6629fae4" not in out, out
    assert out.endswith("] Accept:[*/*]]")


def test_authorization_in_a_list_keeps_the_other_headers():
    out = report.redact('{"Authorization":["Bearer abc123"],"Accept":["*/*"]}')
    assert out == '{"Authorization":["Bearer <redacted>"],"Accept":["*/*"]}'


def test_authorization_with_nothing_after_it_keeps_the_next_line():
    """A newline after the colon is allowed only before a quote or a list: the line
    after a bare ``"Authorization":`` (a fence's closing line) is kept."""
    text = 'x\n{"Authorization":\n```\n'
    assert report.redact(text) == text


def test_argv_list_keeps_the_words_after_the_secret():
    out = report.redact('["mysql", "--password", "hunter2", "-h", "db"]')
    assert out == '["mysql", "--password", "<redacted>", "-h", "db"]'


@pytest.mark.parametrize(
    "text",
    [
        '{\\"password\\": ' * 16_000,
        "\\" * 250_000 + '"password": 1',
        'Authorization: ["' + "\\\\" * 120_000,
        "Authorization:" + "\n" * 250_000,
        '["--password", "' + "\\x" * 120_000,
        'PGPASSWORD=a"' + "b'c" * 80_000,
        "<ns:password>" + " " * 250_000,
        "x=a'" + ' x=a"b' * 40_000,
        "--password a'" + ' --token a"b' * 25_000,
    ],
)
def test_the_widened_patterns_stay_linear(text):
    """Escaped quotes, lists, a newline after the Authorization colon, partly quoted
    values, blanks before CDATA: a quarter megabyte of each, in a logged line too
    (measured niced on a busy 2-core machine: 0.1 to 3.5 s; a quadratic pattern takes
    minutes: before the fix of report._SHELL_QUOTED, the first took 20 s at 34 kB)."""
    start = time.perf_counter()
    report.redact(text)
    report.redact_line(text)
    assert time.perf_counter() - start < 20
