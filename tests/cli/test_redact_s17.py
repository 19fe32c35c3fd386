"""Session 17: secrets that earlier reviews found still shown: openssl's other password
and key options and ``passwd``'s words, redis-cli's ``CONFIG SET requirepass``, ``ACL
SETUSER`` and ``MIGRATE ... AUTH``, Samba's ``net -U user%pass``, a password that starts
with ``-`` where the tool takes it as an argument, a tool's prompt after a time stamp,
and a NUL glued to a secret.  Each secret must be absent however the report redacts
the text (a file shown whole, a log's lines then its block, a text redacted twice),
while the words around it stay; the same words where they give no secret are kept."""

from __future__ import annotations

import pytest

from nested_snippets.cli import report

from .redacting import both, hidden_and_kept, read_once

# (text, the neighbours that must stay); the secret is S3CR3T (tests' S)
OPENSSL = {
    # openssl-ca(1ssl) of Debian's openssl 3.0.19-1~deb12u2, OPTIONS: "-key password
    # The password used to encrypt the private key" (-keyfile names the key's file)
    "openssl-ca-key": (
        "openssl ca -config ca.cnf -keyfile ca.key -key S3CR3T -in r.csr -out c.pem",
        ["-keyfile ca.key -key ", " -in r.csr -out c.pem"],
    ),
    "openssl-ca-key-quoted": ("openssl ca -key 'S3CR3T' -batch", ["-batch"]),
    # openssl-passwd(1ssl), SYNOPSIS "openssl passwd ... [-salt string] [-in file] ...
    # [password]"; apps/lib/opt.c opt_next(): the options end at the first word that is
    # none or at "--", and every word after is a password (openssl 3.0.19 hashes both
    # words of "openssl passwd -1 -salt ab a -x")
    "openssl-passwd": ("openssl passwd -6 -salt abc S3CR3T", ["passwd -6 -salt abc "]),
    "openssl-passwd-two": ("openssl passwd -1 a1 S3CR3T", ["passwd -1 "]),
    "openssl-passwd-dash-after": ("openssl passwd -1 S3CR3T -S3CR3T", ["passwd -1 "]),
    "openssl-passwd-double-dash": ("openssl passwd -1 -- -S3CR3T", ["passwd -1 -- "]),
    "openssl-passwd-quoted": ('openssl passwd -apr1 "S3CR3T"', ["-apr1 "]),
    "openssl-passwd-redirected": ("openssl passwd -5 S3CR3T > hash.txt", ["-5 ", " > hash.txt"]),
    # openssl-dgst(1ssl): "-hmac key  Create a hashed MAC using key"; the digests'
    # commands (openssl list -digest-commands) are dgst with that digest
    "openssl-dgst-hmac": ("openssl dgst -sha256 -hmac S3CR3T f.bin", ["-sha256 -hmac ", " f.bin"]),
    "openssl-sha256-hmac": ("openssl sha256 -hmac S3CR3T f.bin", ["sha256 -hmac ", " f.bin"]),
    "openssl-dgst-hmac-eq": ("openssl dgst -hmac=S3CR3T f", ["-hmac=", " f"]),
    # openssl-dgst(1ssl), -macopt nm:v: "key:string", "hexkey:string"; openssl-mac(1ssl)
    # the same; openssl-kdf(1ssl), -kdfopt nm:v: also "pass:string", "hexpass:string"
    "openssl-dgst-macopt-key": (
        "openssl dgst -sha256 -mac HMAC -macopt key:S3CR3T f",
        ["-mac HMAC -macopt key:", " f"],
    ),
    "openssl-dgst-macopt-hexkey": (
        "openssl dgst -mac HMAC -macopt hexkey:00S3CR3T f",
        ["-macopt hexkey:", " f"],
    ),
    "openssl-mac-macopt": (
        "openssl mac -digest SHA256 -macopt 'key:S3CR3T' HMAC",
        ["-digest SHA256 -macopt 'key:", "' HMAC"],
    ),
    "openssl-mac-macopt-upper": ("openssl mac -macopt KEY:S3CR3T HMAC", ["-macopt KEY:", " HMAC"]),
    "openssl-kdf-key": (
        "openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt key:S3CR3T -kdfopt salt:x HKDF",
        ["-kdfopt digest:SHA256 -kdfopt key:", " -kdfopt salt:x HKDF"],
    ),
    "openssl-kdf-pass": ("openssl kdf -kdfopt pass:S3CR3T -kdfopt salt:NaCl PBKDF2", ["salt:NaCl"]),
    "openssl-kdf-hexpass": ("openssl kdf -kdfopt hexpass:0S3CR3T SCRYPT", ["hexpass:", "SCRYPT"]),
}
REDIS = {
    # redis.io, CONFIG SET: "CONFIG SET parameter value [parameter value ...]";
    # redis.conf: "requirepass foobared", "masterauth <master-password>",
    # "tls-key-file-pass secret"
    "redis-config-requirepass": (
        "redis-cli CONFIG SET requirepass S3CR3T",
        ["CONFIG SET requirepass "],
    ),
    "redis-config-masterauth": ("redis-cli -h r config set masterauth S3CR3T", ["masterauth "]),
    "redis-config-pairs": (
        "redis-cli CONFIG SET maxmemory 1gb requirepass S3CR3T",
        ["maxmemory 1gb requirepass "],
    ),
    "redis-config-tls-pass": ("redis-cli CONFIG SET tls-key-file-pass S3CR3T", ["file-pass "]),
    "redis-config-prompt": (
        "127.0.0.1:6379> CONFIG SET requirepass S3CR3T",
        ["127.0.0.1:6379> CONFIG SET requirepass "],
    ),
    # redis.io, ACL SETUSER: ">password" adds a password, "<password" removes it,
    # "#<hash>" adds a SHA-256 hash, "!<hash>" removes it
    "redis-acl-add": (
        "redis-cli ACL SETUSER bob on '>S3CR3T' '~*' '+@all'",
        ["ACL SETUSER bob on ", " '~*' '+@all'"],
    ),
    "redis-acl-add-unquoted": ("redis-cli ACL SETUSER bob on >S3CR3T", ["SETUSER bob on "]),
    "redis-acl-remove": ("redis-cli ACL SETUSER bob '<S3CR3T'", ["SETUSER bob "]),
    "redis-acl-hash": ("redis-cli acl setuser bob on '#S3CR3T' allkeys", ["on ", " allkeys"]),
    "redis-acl-unhash": ("redis-cli ACL SETUSER bob '!S3CR3T'", ["SETUSER bob "]),
    "redis-acl-prompt": (
        "127.0.0.1:6379> ACL SETUSER bob on >S3CR3T ~* +@all",
        ["127.0.0.1:6379> ACL SETUSER bob on ", " ~* +@all"],
    ),
    # redis.io, MIGRATE: "MIGRATE host port <key | ""> destination-db timeout [COPY]
    # [REPLACE] [AUTH password | AUTH2 username password] [KEYS key [key ...]]"
    "redis-migrate-auth": (
        "redis-cli MIGRATE 10.0.0.2 6379 k 0 5000 AUTH S3CR3T",
        ["MIGRATE 10.0.0.2 6379 k 0 5000 AUTH "],
    ),
    "redis-migrate-auth2": (
        "redis-cli MIGRATE h 6379 '' 0 5000 COPY AUTH2 bob S3CR3T KEYS a b",
        ["COPY AUTH2 bob ", " KEYS a b"],
    ),
    "redis-migrate-prompt": (
        "127.0.0.1:6379> migrate h 6379 k 0 5000 replace auth S3CR3T",
        ["replace auth "],
    ),
}
# redis.conf of redis/redis: "requirepass foobared", "masterauth <master-password>",
# "tls-key-file-pass secret"; redis.io, ACL ("Use an external ACL file"): "user worker
# +@list +@connection ~jobs:* on >ffa9203c493aa99"
REDIS_CONF = {
    "redis-conf-requirepass": ("port 6379\nrequirepass S3CR3T\nbind ::1", ["port 6379", "bind"]),
    "redis-conf-masterauth": ('  masterauth "S3CR3T x"', ["masterauth "]),
    "redis-conf-any-case": ("RequirePass S3CR3T", ["RequirePass "]),
    "redis-conf-tls-pass": ("tls-client-key-file-pass S3CR3T", ["file-pass "]),
    "redis-acl-file": (
        "user worker +@list ~jobs:* on >S3CR3T\nuser default on #S3CR3T ~* +@all",
        ["user worker +@list ~jobs:* on ", "user default on ", " ~* +@all"],
    ),
}
SAMBA = {
    # net(8), SYNOPSIS: "-U|--user=[DOMAIN/]USERNAME[%PASSWORD]", "--password=STRING";
    # "[RPC|ADS] JOIN ... [-U username[%password]]" (docs-xml/manpages/net.8.xml)
    "net-ads-join": ("net ads join -U admin%S3CR3T", ["net ads join -U admin%"]),
    "net-rpc-glued": ("net rpc user -Uadmin%S3CR3T -S dc1", ["-Uadmin%", " -S dc1"]),
    "net-user-eq": ("net ads join --user=CORP/admin%S3CR3T", ["--user=CORP/admin%"]),
    # (hidden before too, by the rule for any --password=)
    "net-password": ("/usr/bin/net ads testjoin --password=S3CR3T -k no", [" -k no"]),
    "net-list": ('["net", "ads", "join", "-U", "admin%S3CR3T"]', ['"-U", "admin%']),
    # net(8), COMMANDS: "[RPC|ADS] USER ADD name [password] [-F user flags] [-C comment]",
    # "RAP VALIDATE user [password]", "RAP PASSWORD USER OLDPASS NEWPASS", "[RPC|ADS]
    # JOIN ... [machinepass=PASS]", RPC TRUST CREATE's "trustpw  Trust password"
    "net-user-add": (
        "net rpc user add bob S3CR3T -C 'ops' -U admin",
        ["user add bob ", " -C 'ops'"],
    ),
    "net-user-add-comment-first": ("net user add -C 'the ops' bob S3CR3T", ["-C 'the ops' bob "]),
    "net-rap-validate": ("net rap validate bob S3CR3T", ["validate bob "]),
    "net-rap-password": ("net rap password bob S3CR3T S3CR3T", ["password bob "]),
    "net-join-machinepass": ("net ads join -U admin machinepass=S3CR3T", ["join -U admin "]),
    "net-trustpw": ("net rpc trust create trustpw=S3CR3T -S srv1", ["create ", " -S srv1"]),
}
DASH = {
    # redis-cli's parseOptions() (src/redis-cli.c): the first word that starts with no
    # "-" is "Likely the command name, stop here": each word after it is an argument
    "redis-auth-dash": ("redis-cli AUTH -S3CR3T", ["redis-cli AUTH "]),
    "redis-auth-user-dash": ("redis-cli -h r AUTH bob -S3CR3T", ["-h r AUTH bob "]),
    "redis-auth-dash-option-name": ("redis-cli AUTH -h S3CR3T", ["redis-cli AUTH "]),
    # "--" ends the options (getopt(3), popt, openssl's opt_next()): the words after it
    # are arguments (ipmitool(1): "user set password <userid> [<password>]")
    "ipmitool-double-dash": (
        "ipmitool -I lanplus -H h -U admin -E -- user set password 2 -S3CR3T",
        ["-- user set password 2 "],
    ),
    "smbclient-double-dash": ("smbclient -U bob -- //srv/share -S3CR3T", ["-- //srv/share "]),
    # the options that take the next word take it whatever it starts with (getopt(3):
    # "the next element of argv"; openssl's opt_next(); "openssl dgst -hmac -x" works)
    "openssl-hmac-dash": ("openssl dgst -hmac -S3CR3T f", ["-hmac ", " f"]),
    "openssl-ca-key-dash": ("openssl ca -key -S3CR3T -batch", ["-batch"]),
}
PROMPT_AFTER_STAMP = {
    "redis-bracketed-time": (
        "[12:00:01] redis 127.0.0.1:6379> AUTH S3CR3T",
        ["[12:00:01] redis 127.0.0.1:6379> AUTH "],
    ),
    "redis-iso-time": (
        "2026-01-01T12:00:01.5Z 127.0.0.1:6379> AUTH bob S3CR3T",
        ["127.0.0.1:6379> AUTH bob "],
    ),
    "redis-bracketed-date-time": (
        "[2026-01-01 12:00:01] 127.0.0.1:6379> CONFIG SET requirepass S3CR3T",
        ["[2026-01-01 12:00:01] 127.0.0.1:6379> CONFIG SET requirepass "],
    ),
    # moreutils ts(1), default format "%b %d %H:%M:%S"
    "redis-ts-stamp": ("Dec 04 21:00:01 127.0.0.1:6379> AUTH S3CR3T", ["Dec 04 21:00:01 "]),
    "redis-long-stamp": (
        "Dec 04 2026 21:00:01 +0000 127.0.0.1:6379> AUTH S3CR3T",
        ["Dec 04 2026 21:00:01 +0000 127.0.0.1:6379> AUTH "],
    ),
    "dmesg-style-stamp": (
        "[   12.345678] ipmitool> set password S3CR3T",
        ["ipmitool> set password "],
    ),
    "ipmitool-date": (
        "2026-01-01 ipmitool> user set password 2 S3CR3T",
        ["2026-01-01 ipmitool> user set password 2 "],
    ),
    "ipmitool-date-time": (
        "2026-01-01 12:00:01,250 ipmitool> set password S3CR3T",
        ["ipmitool> set password "],
    ),
}
# a shell drops a NUL of its input (Debian's bash 5.2.15-2+b8 and dash: printf '[%s]'
# -pab<NUL>S3 prints [-pabS3]): a NUL inside a word does not end it
NUL = {
    "mysql-nul-after": ("mysql -u root -pS3CR3T\0S3CR3T db", ["mysql -u root -p", " db"]),
    "mysql-nul-inside": ("mysql -pab\0S3CR3T", ["mysql -p"]),
    "sshpass-nul": ("sshpass -p a\0S3CR3T ssh h", ["sshpass -p ", " ssh h"]),
    "ipmitool-nul": ("ipmitool -P a\0S3CR3T sel list", ["sel list"]),
    "redis-nul": ("redis-cli -a a\0S3CR3T ping", [" ping"]),
    "docker-nul": ("docker login -u bob -p a\0S3CR3T reg", ["-u bob -p ", " reg"]),
    # NUL and four hex digits are no hidden quote or blank (read back as ' or a space)
    "mysql-nul-quote-code": ("mysql '-p\x000027S3CR3T'", ["mysql '-p"]),
    "mysql-nul-hidden-quote": ("mysql '-p\0q0027S3CR3T\0q0027x'", ["mysql '-p"]),
    "chpasswd-nul-quote-code": ("echo 'root:S3CR3T\0q0027x' | chpasswd", ["echo 'root:"]),
}
# found while closing the above: an option word in one pair of quotes is the same word
# to a shell (bash(1), QUOTING), and Python's shlex.quote quotes a word whole where it
# holds a character a shell reads ('-PS3CR3T!'); a password quoted after curl's colon
QUOTED = {
    # ipmitool(1): -P <password>; getopt(3) reads -PS3CR3T as -P and its value
    "ipmitool-quoted-glued": ("ipmitool '-PS3CR3T' -U admin sel list", ["-U admin sel list"]),
    "ipmitool-quoted-option": ("ipmitool '-P' S3CR3T sel list", ["ipmitool '-P' ", " sel"]),
    "ipmitool-quoted-cluster": ('ipmitool "-vPS3CR3T" sel list', ['"-vP', " sel list"]),
    # redis-cli's usage text: -a <password>
    "redis-quoted-option": ("redis-cli '-a' S3CR3T ping", ["redis-cli '-a' ", " ping"]),
    "redis-quoted-glued": ("redis-cli '-aS3CR3T' ping", [" ping"]),
    # smbclient(1): -U|--user=username[%password]; popt reads -Ubob%... as -U's value
    "smbclient-quoted-glued": (
        "smbclient '-Ubob%S3CR3T' //srv/share -c ls",
        ["'-Ubob%", " //srv/share -c ls"],
    ),
    # openssl-ca(1ssl) -key password; openssl-enc(1ssl) -k password
    "openssl-quoted-ca-key": ("openssl ca '-key' S3CR3T -batch", ["'-key' ", " -batch"]),
    "openssl-quoted-enc-k": ("openssl enc -aes-256-cbc '-k' S3CR3T -in f", ["'-k' ", " -in f"]),
    # sshpass(1): -ppassword, also -p password (sshpass -h)
    "sshpass-quoted-glued": ("sshpass '-pS3CR3T!' ssh -p 22 h", ["sshpass '-p", "' ssh -p 22 h"]),
    "sshpass-double-quoted-glued": ('sshpass "-pS3CR3T" ssh h', ['sshpass "-p', '" ssh h']),
    "sshpass-quoted-option": ("sshpass '-p' S3CR3T ssh h", ["sshpass '-p' ", " ssh h"]),
    # curl(1): -u, --user <user:password>; a shell reads bob:'S3CR3T!' as bob:S3CR3T!
    "curl-quoted-password": ("curl -u bob:'S3CR3T!' https://h/", [" https://h/"]),
    "curl-double-quoted-password": ('curl --user bob:"S3CR3T x" https://h/', [" https://h/"]),
}
CASES = {**OPENSSL, **REDIS, **REDIS_CONF, **SAMBA, **DASH, **PROMPT_AFTER_STAMP, **NUL, **QUOTED}


@pytest.mark.parametrize("name", CASES)
def test_the_secrets_are_hidden_and_their_neighbours_kept(name):
    hidden_and_kept(*CASES[name])


def test_a_nul_is_shown_as_it_was():
    for text in ("a\0b", "x\x000027y \0q0027z", "-p\0", "a=\x000020b"):
        assert report.redact(text) == text
        assert report.redact_arg(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "openssl req -new -key k.pem -out r.csr",  # req's -key names a file
        "openssl ca -keyfile ca.key -in r.csr -batch",
        "openssl speed -hmac sha256",  # speed's -hmac names a digest
        "openssl dgst -sha256 -mac HMAC -macopt digest:SHA256 f",
        "openssl kdf -kdfopt salt:NaCl -kdfopt info:label HKDF",
        "openssl passwd -stdin -6 < pw.txt",
        "openssl passwd -in list.txt -1",
        "openssl enc -aes-256-cbc -salt -pbkdf2 -in a -out a.enc",  # enc's -salt: a flag
        "redis-cli CONFIG SET maxmemory 1gb",
        "redis-cli CONFIG GET requirepass",
        "redis-cli ACL SETUSER bob on nopass '~*' '+@all'",
        "redis-cli ACL SETUSER bob resetpass",
        "redis-cli MIGRATE h 6379 k 0 5000 KEYS auth x",  # after KEYS: key names
        "redis-cli GET -x",
        "redis-cli --cluster create h:1 h:2 --cluster-replicas 1",
        "# requirepass foobared",  # redis.conf's comment
        "user bob logged in",
        "user worker on nopass ~* +@all",
        "net ads join -U admin",  # no %: the password is asked for
        "net rpc user add bob",
        "net rpc user add -C 'the ops' bob -U admin",
        "net groupmap add sid=S-1-5-32-544 unixgroup=admins",
        "net rpc user -U admin -S dc1",
        "virtio-net -U a%b",  # no Samba net
        "net.ipv4.ip_forward = 1",
        "ipmitool -E -- user list 1",
        # a stamp is digits, a bracketed word or a month's name: prose is none
        "run it: 127.0.0.1:6379> AUTH is refused",
        "typed at ipmitool> set password then",
        "2024-01-01 12:00:00> AUTH failed for user",
        "[12:00:01] the ipmitool> set password step failed",
        "sshpass -e ssh '-p' 22 h",  # ssh's own -p
        "curl -u 'bob:<redacted>' -H 'X: y' https://h/",
        '["curl", "-u", "bob:", "x"]',  # the quote after the colon ends a string
    ],
)
def test_what_names_no_secret_is_kept(text):
    for out in both(text):
        assert out == text


def test_the_report_lists_the_new_kinds():
    kinds = " ".join(what for what, _, _ in report.REDACTIONS)
    for word in ("openssl ca -key", "-hmac", "-macopt", "-kdfopt", "openssl passwd",
                 "CONFIG SET", "ACL SETUSER", "MIGRATE", "Samba net", "time stamp"):  # fmt: skip
        assert word in kinds, word


@pytest.mark.parametrize(
    "unit",
    [
        "openssl passwd a ",
        "openssl dgst -hmac a ",
        "openssl mac -macopt key:a ",
        "redis-cli CONFIG SET requirepass a ",
        "redis-cli ACL SETUSER a >a ",
        "redis-cli MIGRATE h 1 k 0 1 AUTH a ",
        "redis-cli AUTH -a ",
        "net ads join -U a%",
        "net user add a a ",
        "requirepass a\n",
        "user a >a >a >a\n",
        "user a",
        "[1] 2026-01-01 ",
        "[12:00:01] 127.0.0.1:6379> AUTH a\n",
        "2026-01-01 ipmitool> set password a\n",
        "1 1 1 1 1 1> AUTH a\n",
        "mysql -pa\0",
        "a\0q0027",
        "sshpass '-pa' ",
        "sshpass '-p' a ",
        "curl -u a:'a' ",
        "ipmitool '-Pa' ",
    ],
)
def test_the_new_forms_are_read_once(unit):
    """A text of the same form over and over: four times the text takes no more than
    about four times as long."""
    read_once(unit)
