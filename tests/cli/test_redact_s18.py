"""Session 18: the report's redaction of openssl's ``-pkeyopt``, samba-tool's
passwords, Samba net's ``machinepass=`` and virsh's secret commands.  Each secret is
absent however the report redacts the text (a file shown whole, a log's lines then
its block, a text redacted twice), while the words around it stay; and what is no
secret is kept: a ``machinepass=`` name, the UUID that names a libvirt secret."""

from __future__ import annotations

import pytest

from nested_snippets.cli import report
from nested_snippets.cli.report import redact

from .redacting import LOG, S, both, hidden_and_kept, read_once

UUID = "6d4e0e8e-1111-2222-3333-444455556666"

# (text, the neighbours that must stay); the secret is S3CR3T
CASES = {
    # openssl-pkeyutl(1ssl) of Debian's openssl 3.0.19-1~deb12u2: "-pkeyopt opt:value
    # Public key options"; its EXAMPLES give "-kdf TLS1-PRF ... -pkeyopt hexsecret:ff"
    # and "-kdf scrypt ... -pkeyopt_passin pass"; key:, hexkey: (HKDF), pass:, hexpass:
    # (scrypt) and KEY: tried with that release
    "pkeyopt-key": (
        "openssl pkeyutl -kdf HKDF -kdflen 16 -pkeyopt md:SHA256 -pkeyopt key:S3CR3T "
        "-pkeyopt salt:abc",
        ["-pkeyopt md:SHA256 -pkeyopt key:", " -pkeyopt salt:abc"],
    ),
    "pkeyopt-hexkey": ("openssl pkeyutl -kdf HKDF -pkeyopt hexkey:00S3CR3T -hexdump",
                       ["-pkeyopt hexkey:", " -hexdump"]),
    "pkeyopt-upper": ("openssl pkeyutl -kdf HKDF -pkeyopt KEY:S3CR3T -hexdump",
                      ["-pkeyopt KEY:", " -hexdump"]),
    "pkeyopt-hexsecret": (
        "openssl pkeyutl -kdf TLS1-PRF -kdflen 48 -pkeyopt md:SHA256 -pkeyopt hexsecret:ffS3CR3T "
        "-pkeyopt hexseed:ff -hexdump",
        ["-pkeyopt md:SHA256 -pkeyopt hexsecret:", " -pkeyopt hexseed:ff -hexdump"],
    ),
    "pkeyopt-pass": (
        "openssl pkeyutl -kdf scrypt -pkeyopt pass:S3CR3T -pkeyopt N:16384 -pkeyopt r:8",
        ["-pkeyopt pass:", " -pkeyopt N:16384 -pkeyopt r:8"],
    ),
    "pkeyopt-hexpass": ("openssl pkeyutl -kdf scrypt -pkeyopt hexpass:aaS3CR3T -pkeyopt p:1",
                        ["-pkeyopt hexpass:", " -pkeyopt p:1"]),
    "pkeyopt-equals": ("openssl pkeyutl -kdf HKDF --pkeyopt=key:S3CR3T -hexdump",
                       ["--pkeyopt=key:", " -hexdump"]),
    "pkeyopt-quoted": ("openssl genpkey -algorithm HMAC -pkeyopt 'key:S3CR3T' -out k.pem",
                       ["-pkeyopt 'key:", "' -out k.pem"]),
    "pkeyopt-passin": (
        "openssl pkeyutl -kdf scrypt -pkeyopt_passin pass:pass:S3CR3T -pkeyopt hexsalt:aabbcc",
        ["-pkeyopt_passin pass:pass:", " -pkeyopt hexsalt:aabbcc"],
    ),
    # samba-tool(8), OPTIONS: "--password=PASSWORD", "-U USERNAME|--username=USERNAME"
    # (USERNAME[%PASSWORD] as Samba's clients read it); python/samba/netcmd/user/add.py:
    # "%prog <username> [<password>] [options]", "samba-tool user add User1 passw0rd
    # ... -Uadministrator%passw1rd"
    "samba-tool-user-create": ("samba-tool user create bob S3CR3T --given-name=Bob",
                               ["user create bob ", " --given-name=Bob"]),
    "samba-tool-user-add": (
        "samba-tool user add User1 S3CR3T --must-change-at-next-login -H ldap://dc1 "
        "-Uadministrator%S3CR3T",
        ["user add User1 ", " --must-change-at-next-login -H ldap://dc1 -Uadministrator%"],
    ),
    "samba-tool-options-first": ("samba-tool user create --given-name John bob S3CR3T",
                                 ["--given-name John bob "]),
    "samba-tool-U": ("samba-tool domain join example.com DC -U admin%S3CR3T --realm=X",
                     ["join example.com DC -U admin%", " --realm=X"]),
    "samba-tool-username": ("samba-tool domain passwordsettings show --username=admin%S3CR3T",
                            ["show --username=admin%"]),
    "samba-tool-password": ("samba-tool dns query dc1 example.com @ ALL --password=S3CR3T",
                            ["@ ALL --password="]),
    "samba-tool-newpassword": ("samba-tool user setpassword bob --newpassword=S3CR3T",
                               ["setpassword bob --newpassword="]),
    "samba-tool-newpassword-blank": ("samba-tool user password --newpassword S3CR3T -U bob",
                                     ["--newpassword ", " -U bob"]),
    # python/samba/netcmd/domain/common.py: --machinepass=PASSWORD "choose machine
    # password"; provision.py: --adminpass, --krbtgtpass, --dnspass
    "samba-tool-machinepass": ("samba-tool domain join example.com MEMBER --machinepass=S3CR3T",
                               ["MEMBER --machinepass="]),
    "samba-tool-machinepass-blank": (
        "samba-tool domain join example.com DC --machinepass S3CR3T -W SAMDOM",
        ["DC --machinepass ", " -W SAMDOM"],
    ),
    "samba-tool-provision": (
        "samba-tool domain provision --realm=SAMDOM.EXAMPLE.COM --adminpass=S3CR3T "
        "--krbtgtpass S3CR3T --dnspass=S3CR3T --server-role=dc",
        ["--realm=SAMDOM.EXAMPLE.COM --adminpass=", " --krbtgtpass ", " --dnspass=",
         " --server-role=dc"],
    ),
    # net(8): "[RPC|ADS] JOIN ... [machinepass=PASS]", "RPC TRUST CREATE ... trustpw":
    # the value is the secret, the name stays
    "net-machinepass": ("net ads join -U admin machinepass=S3CR3T",
                        ["net ads join -U admin machinepass="]),
    "net-machinepass-quoted": ("net rpc join 'machinepass=S3CR3T' -S dc1",
                               ["net rpc join 'machinepass=", "' -S dc1"]),
    "net-trustpw": ("net rpc trust create trustpw=S3CR3T -S srv1",
                    ["create trustpw=", " -S srv1"]),
    # libvirt docs/manpages/virsh.rst: "secret-set-value secret (--file filename [--plain]
    # | --interactive | base64)", the secret "specified by its UUID"
    "virsh-named": (f"virsh secret-set-value --secret {UUID} --base64 S3CR3T",
                    [f"secret-set-value --secret {UUID} --base64 "]),
    "virsh-named-equals": (f"virsh secret-set-value --secret={UUID} --base64=S3CR3T",
                           [f"--secret={UUID} --base64="]),
    "virsh-named-then-positional": (f"virsh secret-set-value --secret {UUID} S3CR3T",
                                    [f"secret-set-value --secret {UUID} "]),
    "virsh-positional": (f"virsh secret-set-value {UUID} S3CR3T", [f"secret-set-value {UUID} "]),
    "virsh-quoted": (f"virsh secret-set-value '--secret' '{UUID}' --base64 'S3CR3T'",
                     [f"'--secret' '{UUID}' --base64 "]),
    "virsh-logged-list": (
        f'["virsh", "secret-set-value", "--secret", "{UUID}", "--base64", "S3CR3T"]',
        [f'"--secret", "{UUID}", "--base64", "'],
    ),
    "virsh-then-another-secret": (
        f"virsh secret-get-value --secret {UUID}; vault-cli --secret S3CR3T",
        [f"secret-get-value --secret {UUID}; vault-cli --secret "],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_the_secret_is_hidden_and_its_neighbours_kept(name):
    hidden_and_kept(*CASES[name])


KEPT = [
    # no secret: other parameters of -pkeyopt, a password read from elsewhere
    "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out k.pem",
    "openssl pkeyutl -sign -in f -inkey k.pem -pkeyopt digest:sha256 -pkeyopt distid:someid",
    "openssl pkeyutl -kdf scrypt -pkeyopt_passin pass:env:MYPASS -pkeyopt hexsalt:aabbcc",
    "openssl pkeyutl -kdf scrypt -pkeyopt_passin pass -pkeyopt N:16384",
    # samba-tool without a password
    "samba-tool user create --given-name=Bob bob --random-password",
    "samba-tool user list -U admin",
    "samba-tool user setpassword bob --must-change-at-next-login",
    # virsh: the UUID names the secret; a file's name, an interactive value
    f"virsh secret-get-value --secret {UUID}",
    f"virsh secret-get-value --plain {UUID}",
    f"virsh secret-undefine --secret {UUID}",
    f"virsh secret-dumpxml --xpath //usage --secret {UUID}",
    f"virsh secret-event --secret {UUID} lifecycle --loop",
    f"virsh secret-set-value --secret {UUID} --file /root/client.key --plain",
    f"virsh secret-set-value --secret {UUID} --interactive",
    f"virsh secret-set-value {UUID} --file=/root/client.key",
    "virsh secret-define --file secret.xml",
]


@pytest.mark.parametrize("text", KEPT)
def test_what_gives_no_secret_is_kept(text):
    for out in both(text):
        assert out == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("net ads join -U a machinepass=S3CR3T", "net ads join -U a machinepass=<redacted>"),
        ('net ads join "machinepass=S3CR3T"', 'net ads join "machinepass=<redacted>"'),
        ("net rpc trust create trustpw=S3CR3T", "net rpc trust create trustpw=<redacted>"),
        (f"virsh secret-set-value --secret {UUID} S3CR3T",
         f"virsh secret-set-value --secret {UUID} <redacted>"),
    ],
)  # fmt: skip
def test_the_name_stays_and_only_the_value_is_redacted(text, shown):
    """``machinepass=PASS`` was hidden whole, its name too ("<redacted>"), so a report
    did not show that the join set the machine's password; virsh's ``--secret UUID``
    hid the UUID (and a value after it was shown)."""
    for out in both(text):
        assert out == shown


def test_another_commands_secret_option_is_still_hidden():
    """Only virsh's secret commands give ``--secret`` an identifier."""
    for text in ("mytool --secret S3CR3T", f"virsh list --secret S3CR3T {UUID}"):
        for out in both(text):
            assert S not in out, out


def test_a_text_that_holds_the_mark_is_not_unmarked():
    """The mark that keeps virsh's ``--secret`` from the later patterns is shown again
    as ``secret`` only where the report put it: a text that holds it already keeps it
    as written (never ``--secret S3CR3T`` where ``--secret`` was not written), and its
    virsh UUIDs are then hidden as any other ``--secret``'s word (the safe side)."""
    mark = report._ID_MARK
    assert redact(f"--{mark} S3CR3T") == f"--{mark} S3CR3T"
    text = f"a --{mark} S3CR3T; virsh secret-get-value --secret {UUID}; b --secret S3CR3T"
    for out in both(text):
        assert out.startswith(f"a --{mark} S3CR3T; virsh secret-get-value --secret "), out
        assert out.endswith("b --secret <redacted>"), out


def test_the_report_shows_the_names_and_hides_the_values(report_of):
    text = (
        f"virsh secret-set-value --secret {UUID} --base64 S3CR3T; "
        "net ads join -U admin machinepass=S3CR3T; "
        "samba-tool domain join example.com DC -U admin%S3CR3T"
    )
    out = report_of(text)
    assert S not in out
    for block in (out[out.index("`/proc/cmdline`:") :], out[out.index(f"`{LOG}`:") :]):
        shown = block[: block.index("\n```\n", 20)]
        assert f"--secret {UUID} --base64 <redacted>" in shown, shown
        assert "machinepass=<redacted>" in shown and "-U admin%<redacted>" in shown, shown


@pytest.mark.parametrize(
    "unit",
    [
        f"virsh secret-get-value --secret {UUID} ",
        "virsh secret-set-value --secret u --base64 v ",
        "samba-tool user create b p ",
        "net ads join machinepass=x ",
        "openssl pkeyutl -pkeyopt key:x ",
    ],
)
def test_the_new_forms_stay_linear(unit):
    read_once(unit)
