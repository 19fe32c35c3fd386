"""Session 11: the gaps the hostile review of session 10 left in the report's redaction
(a secret shown: a key after ``;``, Go maps, a header without a blank, sshpass, the
MySQL clients' ``-p``, kickstart's ``rootpw``; harmless text hidden: nsswitch.conf's
``passwd:`` line, QEMU's ids of secret objects, a ``psk-file=`` path), then inputs
crafted around the fixes: near-misses that must be kept and variants that must not."""

from __future__ import annotations

import pytest

from nested_snippets.cli import report
from nested_snippets.cli.report import redact, redact_line, secret_name

S = "S3CR3T"


def both(text: str) -> list[str]:
    return [redact(text), redact_line(text)]


# ------------------------------------------------------------------ the review's leaks
@pytest.mark.parametrize(
    "text",
    [
        "a=1; token: S3CR3T",  # a one-word key after ;
        "map[token:S3CR3T]",  # Go's fmt prints a map as map[key:value ...]
        "map[a:1 token:S3CR3T b:2]",
        "X-Auth-Token:S3CR3T",  # a header without a blank after its colon
        "sshpass -p S3CR3T ssh host",
        "sshpass -pS3CR3T ssh host",
        "mysql -pS3CR3T -u root",
        "mysql --password=S3CR3T",
        "rootpw --plaintext S3CR3T",
        "rootpw --iscrypted $6$salt$S3CR3T",
        "user --name=bob --password=S3CR3T --plaintext",
    ],
)
def test_the_reviews_leaks_are_redacted(text):
    for out in both(text):
        assert S not in out, out
        assert "<redacted>" in out, out


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("a=1; token: S3CR3T", "a=1; token: "),
        ("map[a:1 token:S3CR3T b:2]", "b:2]"),
        ("sshpass -p S3CR3T ssh host", "ssh host"),
        ("sshpass -pS3CR3T ssh host", "ssh host"),
        ("mysql -pS3CR3T -u root", "-u root"),
        ("rootpw --plaintext S3CR3T", "rootpw --plaintext "),
    ],
)
def test_what_is_around_a_leak_stays(text, kept):
    for out in both(text):
        assert kept in out, out


# ------------------------------------------------------------ the review's over-redactions
@pytest.mark.parametrize(
    "text",
    [
        "passwd: files systemd",  # nsswitch.conf: the passwd database's sources
        "passwd:         files systemd",
        "-drive file=x.luks,encrypt.key-secret=sec0",  # the id of a secret object
        "psk-file=/etc/x.psk",  # a file's name, not the key
    ],
)
def test_the_reviews_over_redactions_are_kept(text):
    assert redact(text) == text
    assert redact_line(text) == text


# ------------------------------------------------- attacks on the fixes: must be redacted
@pytest.mark.parametrize(
    "text",
    [
        "a=1;token: S3CR3T",
        "x; api_key: S3CR3T",
        "map[Token:S3CR3T]",
        "map[X-Auth-Token:[S3CR3T]]",
        "&map[token:S3CR3T]",
        "map[cfg:map[token:S3CR3T]]",  # broke: the outer value took the inner map's name
        "map[cfg:&map[token:S3CR3T] a:b]",
        "map[items:[map[token:S3CR3T]]]",  # broke: a list took the map in it
        "map[h:[{A:1} {Token:S3CR3T}]]",
        "map[token:abc S3CR3T user:bob]",  # a value with a blank, to the next key
        "{Token:S3CR3T User:bob}",  # a struct printed with %+v
        "{token: 'S3CR3T'}",  # broke: the Go pattern took {token: and left the value
        "{token:'S3CR3T'}",
        "map[a: token:S3CR3T]",  # an empty value before the key
        "map[token: abc S3CR3T]",
        "&{Name:x ApiKey:S3CR3T}",
        "X-API-Key:S3CR3T",
        'X-Auth-Token:"S3CR3T"',
        "  X-Auth-Token:S3CR3T",
        "sshpass -v -p S3CR3T ssh -p 22 h",
        "sshpass -P assword -p S3CR3T ssh h",
        "sshpass -f /tmp/pw -p S3CR3T ssh h",
        "sshpass -p 'S3CR3T x' ssh h",
        "/usr/bin/sshpass -pS3CR3T rsync a b",
        '["sshpass", "-p", "S3CR3T", "ssh", "-p", "22"]',  # broke: a logged argv list
        "['sshpass', '-pS3CR3T', 'ssh']",
        "SSHPASS=S3CR3T sshpass -e ssh h",  # broke: the variable sshpass -e reads
        "mysqldump -pS3CR3T --all-databases",
        "mariadb-dump -h db -p'S3CR3T x' db",
        'mysql -p"S3 CR3T" db',
        "mysql -pS3CR3T;ls",
        "docker exec db mysql -uroot -pS3CR3T",
        '["mysql", "-uroot", "-pS3CR3T", "db"]',  # broke: a logged argv list
        "Dec 03 h sudo[1]: bob : COMMAND=/usr/bin/mysql -pS3CR3T db",
        "rootpw S3CR3T",
        "  rootpw --plaintext S3CR3T",
        "rootpw --iscrypted --lock S3CR3T",
        "sshpw --username=bob S3CR3T --plaintext",
        'rootpw --plaintext "S3CR3T x"',
        "ks: rootpw --plaintext S3CR3T",
        "echo 'rootpw --plaintext S3CR3T' >> ks.cfg",
        '{"ks": "rootpw --plaintext S3CR3T"}',
        "passwd: S3CR3T",
        "passwd: files S3CR3T",  # not only sources: a value
        "KEY_SECRET=S3CR3T",  # not QEMU's spelling
        "aws_key_secret: S3CR3T",
        "password_file_contents=S3CR3T",  # file is not the last word
        "qemu -fw_cfg 'name=opt/x,string=sshpass -p S3CR3T ssh h' -m 1G",
    ],
)
def test_variants_around_the_fixes_are_redacted(text):
    for out in both(text):
        assert S not in out, out


# ------------------------------------------------------ attacks on the fixes: must be kept
@pytest.mark.parametrize(
    "text",
    [
        "a; b: c",
        "map[a:1 b:2]",
        "map[keyboard:us mode:map]",
        "{A:1 B:2}",
        "sshpass -e ssh -p 22 host",
        "sshpass -f /run/pw ssh -p 22 host",
        '["sshpass", "-f", "/run/pw", "ssh", "-p", "22"]',
        "ssh -p 22 host",
        "mysql -p dbname",  # -p and a blank: a prompt, then the database
        '["mysql", "-p", "db"]',
        "mysql -p",
        "mysql -P 3306 -h db",
        "mysql -h db -u root -p --port=3306",
        "mkdir -p /x",
        "tar -pxf a.tar",
        "docker run -p 8080:80 img",
        "the rootpw command sets it",
        "rootpw --lock",
        "rootpwd x",
        "sshpw --username=bob --lock",
        "passwd:\tcompat",
        "passwd:files",
        "passwd: files [SUCCESS=merge] sss",
        "passwd: sss files mdns4_minimal",
        "passwd: files systemd\r\ngroup: files",
        "group: files systemd",
        "key-secret=sec0",
        "password-secret=sec0",
        "-object tls-creds-x509,id=tls0,dir=/etc/pki/qemu,passwordid=sec0",
        '{"key-secret": "sec0"}',
        "drive.file.key-secret=sec1",
        "password_file=/run/pw",
        "tokenPath: /var/run/t",
        "--password-file /run/pw",
        "wpa_psk_file=/etc/hostapd.psk",
        "kvm_intel:nested",
        "Content-Type:text/html",
        "X-Request-Id:abc",
        "12:30:45",
        "git@github.com:org/repo.git",
    ],
)
def test_near_misses_around_the_fixes_are_kept(text):
    assert redact(text) == text
    assert redact_line(text) == text


def test_decided_a_one_word_key_after_a_semicolon_is_a_key():
    """Decided: after ``;`` a key starts (``a=1; token: ...``), so a sentence with a
    ``;`` before a one-word name loses the rest of the line, as a compound name's
    sentence did before."""
    assert redact("failed; token: expired") == "failed; token: <redacted>"


def test_decided_a_one_word_name_needs_a_blank_after_its_colon():
    """``token:abc`` (no blank, one word) is kept, as a word of a sentence or a
    ``host:port``-like pair; a compound name (``X-Auth-Token:abc``) is a header."""
    assert redact("token:abc") == "token:abc"
    assert redact("auth_token:abc") == "auth_token:<redacted>"


def test_the_rule_states_the_new_exceptions():
    first = report.REDACTIONS[0][0]
    assert "psk-file" in first and "key-secret" in first and "passwordid" in first
    assert secret_name("SSHPASS") and not secret_name("psk-file")
    kinds = " ".join(what for what, _, _ in report.REDACTIONS)
    for word in ("sshpass -p", "-pSECRET", "rootpw", "map[token:", "nsswitch.conf"):
        assert word in kinds, word


# ---------------------------------------------- user:password@host without a scheme
_OLD_USERINFO = __import__("re").compile(
    r"(?<![\w.%+~/:@-])([\w~+-][\w.~+%-]*)"
    r"((?::|%3A)[^\s/?#\[\]@'\"]+(?:@[^\s/?#\[\]@'\"]+)*)@(?=[\w\[])",
    __import__("re").I,
)
"""The pattern it was before session 11 (quadratic: ``{a:`` repeated), the reference."""


def test_userinfo_without_a_scheme_hides_all_the_old_pattern_hid():
    """Property, over 50,000 random words of the characters that matter: every character
    the old pattern hid is hidden (the new one hides more only where a password starts
    with ``@`` or holds ``@@``, and takes the user to its first ``%3A``)."""
    import random

    alphabet = [*"ab:@{ /.x%3A[-", "%3a", "10", "@h"]
    rnd = random.Random(11)
    for _ in range(50_000):
        t = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 14)))
        old = set()
        for m in _OLD_USERINFO.finditer(t):
            old |= set(range(m.start(2) + (3 if m.group(2)[0] == "%" else 1), m.end(2)))
        new = set()
        for m, at in report._SCHEMELESS_USERINFO._secrets(t):
            new |= set(range(m.end(), at))
        assert old <= new, t


@pytest.mark.parametrize(
    ("text", "out"),
    [
        ("scp bob:S3CR3T@host:/x .", "scp bob:<redacted>@host:/x ."),
        ("bob%3AS3CR3T%3Amore@host", "bob%3A<redacted>@host"),  # old showed S3CR3T
        ("a:p@ss@host", "a:<redacted>@host"),
        ("10:30@host", "10:<redacted>@host"),
        ("alice@host", "alice@host"),
    ],
)
def test_userinfo_without_a_scheme(text, out):
    assert redact(text) == out


# ----------------------------------------------------------------- a megabyte, counted
N = 1 << 20
HOSTILE = [
    "{a:" * (N // 3),  # quadratic before: each user scanned the rest of the line
    "{a:" * (N // 3) + "@",
    "map[a:" * (N // 6),
    "map[a:[" + "m" * N,
    "map[token:a " + "b " * (N // 2),
    "sshpass" + " -v" * (N // 3),
    "sshpass -f " * (N // 11),
    "sshpass -p '" * (N // 12),
    '["sshpass"' + ', "-v"' * (N // 6),
    "mysql -p" * (N // 8),
    "mysql" + " -pa'b" * (N // 6),
    "\nrootpw x" * (N // 9),
    ";rootpw " * (N // 8),
    "passwd: files " * (N // 14),
    "passwd: [!" + "=" * N,
    "X-Auth-Token:" * (N // 13),
    "; token:" * (N // 8),
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:12]))
def test_a_hostile_megabyte_is_scanned_once(monkeypatch, text):
    """Counted, not timed: each new pattern's replacement sees each character at most
    once, and the userinfo scan reads each character of a run at most once (before,
    ``{a:`` repeated read the line once per user: 20,000 characters took 4.4 s).  The
    patterns themselves are linear by construction (their docstrings); 1 MB of each
    took 0.1 to 2.7 s of CPU, measured niced on a busy 2-core machine."""
    seen = {"chars": 0, "runs": 0}
    bound = len(text) + 10

    def counted(replace):
        def wrapper(m):
            seen["chars"] += m.end() - m.start()
            return replace(m)

        return wrapper

    class Run:
        def match(self, s, pos):
            m = report._SchemelessUserinfo.run.match(s, pos)
            seen["runs"] += m.end() - pos
            assert seen["runs"] <= bound, "a run read twice"  # fails fast, not in hours
            return m

    table = tuple(
        (w, p, counted(r) if callable(r) and r.__name__.startswith("_") else r)
        for w, p, r in report.REDACTIONS
    )
    monkeypatch.setattr(report, "REDACTIONS", table)
    monkeypatch.setattr(report._SCHEMELESS_USERINFO, "run", Run())
    for f in (redact, redact_line):
        seen["chars"] = seen["runs"] = 0
        f(text)
        assert seen["chars"] <= len(text) * 2, seen  # each pattern's matches cover it once


@pytest.mark.parametrize(
    ("arg", "secret", "kept"),
    [
        # broke: the argument's blanks are hidden while it is redacted alone, and its
        # shell-quoted line splits the password at the quote ('a'"'"'b')
        ("string=sshpass -p a'S3CR3T ssh -p 22 h", S, "ssh -p 22 h"),
        ("mysql -p'S3CR3T' db", S, " db"),
        ("rootpw --plaintext S3CR3T", S, "rootpw --plaintext "),
        ("passwd: files systemd", None, "'passwd: files systemd'"),
    ],
)
def test_a_qemu_argument_holding_a_command_line(cli, fake_host, tmp_path, arg, secret, kept):
    from tests.cli.conftest import write

    host = fake_host("intel", nested=True)
    argv = ["/usr/bin/qemu-system-x86_64", "-fw_cfg", arg, "-append", "kvm-intel.nested=1"]
    write(host.root, "/proc/4242/cmdline", "\0".join(argv) + "\0")
    out = tmp_path / "r.md"
    assert cli("report", "--root", str(host.root), "-o", str(out)).rc == 0
    line = next(x for x in out.read_text().splitlines() if x.startswith("[pid 4242]"))
    assert secret is None or secret not in line, line
    assert kept in line and line.endswith("-append kvm-intel.nested=1"), line
