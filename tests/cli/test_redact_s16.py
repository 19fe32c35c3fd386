"""Session 16: passwords that session 15's tools take as a plain word of their command
line, not as the value of an option the report already redacted: smbclient's password
after the service and samba's ``--password``, ipmitool's ``user set password``,
redis-cli's ``AUTH``, openssl enc's ``-k``.  Each secret must be absent however the
report redacts the text (a file shown whole, a log's lines then its block, a text
redacted twice), while the words around it stay; the same words where they give no
secret are kept."""

from __future__ import annotations

import pytest

from nested_snippets.cli import report

from .redacting import both, hidden_and_kept, read_once

# (text, the neighbours that must stay); the secret is S3CR3T (tests' S)
CASES = {
    # smbclient(1) of Oracle Solaris 11.4, SYNOPSIS "smbclient {servicename} [password]
    # ...", OPTIONS servicename and password; the client takes the first word that is
    # no option as the service and the next as the password (source3/client/client.c,
    # main(): poptGetArg twice)
    "smbclient-positional": (
        "smbclient //srv/share S3CR3T -U bob -c ls",
        ["smbclient //srv/share ", " -U bob -c ls"],
    ),
    "smbclient-positional-after-options": (
        "smbclient -W CORP -p 445 //srv/share S3CR3T",
        ["-W CORP -p 445 //srv/share "],
    ),
    "smbclient-positional-quoted": ("smbclient '//srv/share' 'S3CR3T' -N", ["'//srv/share'", "-N"]),
    "smbclient-positional-list": (
        '["smbclient", "//srv/share", "S3CR3T", "-c", "ls"]',
        ['"//srv/share"', '"-c", "ls"]'],
    ),
    # smbclient(1) of samba 4.15 and later, SYNOPSIS "[--password=STRING]" (the common
    # credentials options: "Specify the password on the commandline")
    "smbclient-password-eq": (
        "smbclient //srv/share --password=S3CR3T -U bob",
        ["//srv/share --password=", " -U bob"],
    ),
    "smbclient-password": ("smbclient //srv/share -U bob --password S3CR3T -c ls", ["-c ls"]),
    "rpcclient-password": ("rpcclient --password=S3CR3T -U bob dc1", ["-U bob dc1"]),
    "smbclient-user-domain-eq": ("smbclient //s/x --user=CORP\\bob%S3CR3T", ["--user=CORP\\bob%"]),
    # ipmitool(1), USER: "set password <userid> [<password> [<16|20>]]", "test <userid>
    # <16|20> [<password>]"; LAN: "set <channel> password <pass>" ("Set the null user
    # password"); the shell's "set password <pass>" ("Session password")
    "ipmitool-user-set-password": (
        "ipmitool -I lanplus -H 10.0.0.1 -U admin -f /root/p user set password 3 S3CR3T 20",
        ["-U admin -f /root/p user set password 3 ", " 20"],
    ),
    "ipmitool-user-set-password-local": ("ipmitool user set password 2 S3CR3T", ["password 2 "]),
    "ipmitool-user-test": ("ipmitool user test 2 16 S3CR3T", ["user test 2 16 "]),
    "ipmitool-lan-set-password": ("ipmitool lan set 1 password S3CR3T", ["lan set 1 password "]),
    "ipmitool-set-password": ("ipmitool -I lan -H h set password S3CR3T", ["set password "]),
    # getopt(3) clusters flags: -E -v then -P's value in the next word (OPTION_STRING
    # "I:46hVvcgsEKYao:H:d:P:..." of lib/ipmi_main.c)
    "ipmitool-cluster": ("ipmitool -vP S3CR3T -U admin chassis status", ["-U admin chassis"]),
    "ipmitool-cluster-glued": ("ipmitool -EvkS3CR3T sel list", ["sel list"]),
    # redis.io, AUTH: "AUTH [username] password"; HELLO: "HELLO [protover [AUTH username
    # password] ...]"; redis-cli's usage text: "redis-cli [OPTIONS] [cmd [arg [arg ...]]]"
    "redis-auth": ("redis-cli -h cache -p 6380 AUTH S3CR3T", ["-h cache -p 6380 AUTH "]),
    "redis-auth-user": ("redis-cli -n 2 auth app S3CR3T", ["-n 2 auth app "]),
    "redis-auth-after-tls": (
        "redis-cli --tls --cacert ca.pem --key k.pem AUTH app S3CR3T",
        ["--cacert ca.pem --key k.pem AUTH app "],
    ),
    "redis-hello": (
        "redis-cli HELLO 3 AUTH app S3CR3T SETNAME x",
        ["HELLO 3 AUTH app ", "SETNAME x"],
    ),
    "redis-auth-quoted": ('redis-cli "AUTH" "S3CR3T"', ['redis-cli "AUTH" ']),
    # a shell's redirection is no argument (bash(1), REDIRECTION): AUTH's one argument
    # stays its password
    "redis-auth-redirected": ("redis-cli AUTH S3CR3T > out.txt", ["AUTH ", " > out.txt"]),
    "redis-auth-redirected-glued": ("redis-cli AUTH S3CR3T 2>/dev/null", [" 2>/dev/null"]),
    "ipmitool-quoted": (
        '["ipmitool", "user", "set", "password", "2", "S3CR3T"]',
        ['"password", "2", "'],
    ),
    # redis-cli's parseOptions(): --cluster-from-pass <password> (as -a, of the source node)
    "redis-cluster-from-pass": (
        "redis-cli --cluster import h:1 --cluster-from h:2 --cluster-from-pass S3CR3T",
        ["--cluster-from h:2 --cluster-from-pass "],
    ),
    # openssl-enc(1ssl): "-k password  The password to derive the key from", "-K key
    # The actual key to use" (hex); "openssl enc|cipher": also as the cipher's name
    "openssl-enc-k": (
        "openssl enc -aes-256-cbc -pbkdf2 -k S3CR3T -in a -out a.enc",
        ["-pbkdf2 -k ", " -in a -out a.enc"],
    ),
    "openssl-cipher-k": ("openssl aes-256-cbc -d -a -k S3CR3T -in f", ["-d -a -k ", " -in f"]),
    "openssl-cipher-upper": ("openssl DES3 -k S3CR3T -in f", ["-in f"]),
    "openssl-enc-K": (
        "openssl enc -aes-128-cbc -K 0S3CR3T0aa55 -iv 00ff -in f",
        ["-aes-128-cbc -K ", " -iv 00ff -in f"],
    ),
    # OpenSSL 3's option parser also takes --name and -name=value (checked with openssl
    # 3.0.19: "openssl enc -aes-128-cbc --k abc" and "-k=abc" encrypt)
    "openssl-enc-k-eq": ("openssl enc -aes-128-cbc -k=S3CR3T -in f", ["-k=", " -in f"]),
    "openssl-enc-dashdash-k": ("openssl enc -aes-128-cbc --k S3CR3T -in f", ["--k ", " -in f"]),
    "openssl-dashdash-passin": ("openssl rsa --passin pass:S3CR3T -in k.pem", ["--passin pass:"]),
}


@pytest.mark.parametrize("name", CASES)
def test_the_tools_secrets_are_hidden_and_their_neighbours_kept(name):
    hidden_and_kept(*CASES[name])


@pytest.mark.parametrize(
    "text",
    [
        "smbclient -L //server -N",  # -L's host: no service, no password
        "smbclient -L srv -U bob -m SMB3",
        "smbclient //srv/share -N -c 'get a b'",
        "smbclient //srv/share -U bob%<redacted> -c ls",
        "smbclient //srv/share -Tc backup.tar users",  # -T's tar file and file list
        "smbclient //srv/share -A /etc/samba/auth.txt -D dir",
        "rpcclient -U bob -c enumdomusers dc1",  # rpcclient's server: no password after it
        "ipmitool user list 1",
        "ipmitool user set name 3 operator",
        "ipmitool -I lanplus -H h -U admin -E user set password 3",  # clears the password
        "ipmitool lan set 1 ipaddr 10.0.0.2",
        "ipmitool -vv -I lanplus -H h -U admin -E sel list",
        "ipmitool -I lanplus -H h -U admin -E -K user list",  # -K: the key from the env
        "redis-cli GET key",
        "redis-cli -h cache -p 6380 SET authkey value",
        "redis-cli --user app --askpass PING",
        "redis-cli HELLO 3 SETNAME worker",
        "redis-cli -x AUTH app < pw.txt",  # -x: the password is read from the input
        "ipmitool -vI lanplus -H h -E user list",  # -v, then -I and its value
        "openssl enc -aes-256-cbc -kfile /root/pass.txt -in a -out a.enc",  # a file's name
        "openssl enc -aes-256-cbc -passin env:PW -iv 00ff -S 0a1b -in a",
        "openssl x509 -in c.pem -noout -k",  # not enc: -k is no password there
        "openssl req -new -key k.pem -out r.csr",
        "openssl s_client -connect h:443 -k 5",
        "grep -k S3 file",  # another tool's -k
    ],
)
def test_what_names_no_secret_is_kept(text):
    for out in both(text):
        assert out == text


def test_the_report_lists_the_new_kinds():
    kinds = " ".join(what for what, _, _ in report.REDACTIONS)
    for word in ("smbclient //server/share PASSWORD", "--password", "user set password",
                 "AUTH", "openssl enc -k"):  # fmt: skip
        assert word in kinds, word


@pytest.mark.parametrize(
    "unit",
    [
        "smbclient //s/x a ",
        "ipmitool user set password 1 a ",
        "ipmitool -vP ",
        "redis-cli AUTH a ",
        "openssl enc -k ",
        "openssl aes-128-cbc -k a ",
    ],
)
def test_the_commands_words_are_read_once(unit):
    """A text of the same command and its words over and over: four times the text
    takes no more than about four times as long."""
    read_once(unit)
