"""Session 15: passwords and keys that tools' own options take and the report still
showed (openssl's ``-passin pass:...``, ipmitool's ``-P``, smbclient's ``-U user%...``,
redis-cli's ``-a``, Ceph's ``--key``).  Each secret must be absent however the report
redacts the text (a file shown whole, a log's lines then its block, a text redacted
twice), while the words around it (user names, file names, other options) stay."""

from __future__ import annotations

import pytest

from nested_snippets.cli import report
from nested_snippets.cli.report import redact

from .redacting import hidden_and_kept, read_once

# (text, the neighbours that must stay); the secret is S3CR3T (tests' S)
CASES = {
    # openssl-passphrase-options(1): only pass: carries the password itself
    "openssl-passin": (
        "openssl enc -d -aes-256-cbc -in a.enc -out a.txt -passin pass:S3CR3T",
        ["-in a.enc -out a.txt", "-passin pass:"],
    ),
    "openssl-passout": (
        "openssl rsa -in k.pem -aes256 -passout pass:S3CR3T -out k2.pem",
        ["-in k.pem -aes256", "-passout pass:", "-out k2.pem"],
    ),
    "openssl-pass": ("openssl enc -pass pass:S3CR3T -in f -out g", ["openssl enc", "-in f -out g"]),
    "openssl-quoted": ("openssl pkcs12 -passin 'pass:S3CR3T' -in c.p12", ["-in c.p12"]),
    "openssl-list": ('["openssl", "req", "-passout", "pass:S3CR3T", "-new"]', ['"-new"]']),
    # ipmitool(1): -P <password>; getopt(3) also takes it glued (-PS3CR3T)
    "ipmitool": (
        "ipmitool -I lanplus -H 10.0.0.1 -U admin -P S3CR3T chassis status",
        ["-I lanplus -H 10.0.0.1 -U admin -P ", " chassis status"],
    ),
    "ipmitool-glued": ("ipmitool -U admin -PS3CR3T power on", ["-U admin -P", " power on"]),
    "ipmitool-kg": ("ipmitool -I lanplus -H h -U root -k S3CR3T sel list", ["-U root", "sel list"]),
    # smbclient(1): -U|--user=[DOMAIN\]USERNAME[%PASSWORD]
    "smbclient-U": ("smbclient //srv/share -U bob%S3CR3T -c ls", ["//srv/share -U bob%", " -c ls"]),
    "smbclient-user-eq": ("smbclient //srv/share --user=bob%S3CR3T -D d", ["--user=bob%", " -D d"]),
    "smbclient-user": ("smbclient -L srv --user CORP\\bob%S3CR3T -m SMB3", ["CORP\\bob%", "SMB3"]),
    "smbclient-glued": ("smbclient //srv/share -Ubob%S3CR3T -c ls", ["-Ubob%", " -c ls"]),
    "rpcclient": ("rpcclient -U bob%S3CR3T -c enumdomusers dc1", ["-U bob%", "enumdomusers dc1"]),
    # redis-cli's usage text: -a <password>, --pass <password>
    "redis-a": ("redis-cli -h cache -p 6380 -a S3CR3T ping", ["-h cache -p 6380 -a ", " ping"]),
    "redis-pass": ("redis-cli --user app --pass S3CR3T -n 2 get k", ["--user app", "-n 2 get k"]),
    # Ceph's key setting as an option: --key KEY (the base64 key itself)
    "rbd-key": (
        "rbd --id admin --key AQBS3CR3Tx+yz/0aBcD1234567890abcdefg== ls rbdpool",
        ["rbd --id admin --key ", " ls rbdpool"],
    ),
    "ceph-key": ("ceph --name client.x --key AQBS3CR3T== -s", ["--name client.x", " -s"]),
    "rados-key-eq": ("rados --key=AQBS3CR3T== -p pool ls", ["-p pool ls"]),
}


@pytest.mark.parametrize("name", CASES)
def test_the_tools_secrets_are_hidden_and_their_neighbours_kept(name):
    hidden_and_kept(*CASES[name])


@pytest.mark.parametrize(
    "text",
    [
        "openssl enc -passin env:PASSVAR -in a.enc",  # a variable's name: no secret
        "openssl enc -passin file:/etc/pass.txt -in a.enc",
        "openssl enc -passin fd:3 -in a.enc",
        "openssl rsa -passin stdin -in k.pem",
        "smbclient //srv/share -U bob -c ls",  # no %: the password is prompted for
        "ipmitool -U admin -f /root/ipmi.pass power status",
        "rbd --id admin --keyring /etc/ceph/ceph.client.admin.keyring ls",
        "ceph --keyfile /etc/ceph/admin.secret -s",
        "sort --key 2 file",  # --key of another tool
    ],
)
def test_what_names_where_a_secret_is_kept(text):
    assert redact(text) == text


def test_the_report_lists_the_new_kinds():
    kinds = " ".join(what for what, _, _ in report.REDACTIONS)
    for word in ("-passin pass:", "ipmitool -P", "smbclient -U", "redis-cli -a", "--key"):
        assert word in kinds, word


@pytest.mark.parametrize(
    "unit",
    [
        "openssl -passin pass:a ", "ipmitool -P ", "smbclient -U a%", "redis-cli -a ", "rbd --key ",
        # lines at ipmitool's and redis-cli's prompts, and their prompts glued in one line
        "ipmitool> set password a\n", "ipmitool> user set password 1 a\n", "ipmitool> ",
        "127.0.0.1:6379> AUTH a\n", "h:1[2]> HELLO 3 AUTH u a\n", "redis /s> AUTH a b\n",
        "127.0.0.1:6379> ", "1:1> auth ", "a:1", "[::1]:1[1](TX)",
    ],
)  # fmt: skip
def test_the_commands_words_are_read_once(unit):
    """A text of the same command and option over and over: four times the text takes
    no more than about four times as long."""
    read_once(unit)
