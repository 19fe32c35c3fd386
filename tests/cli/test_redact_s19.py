"""Session 19: the report's redaction after the valueless flags of samba-tool and of
Samba's clients.  ``--random-password`` (samba-tool user add/create, "Generate random
password", action store_true: python/samba/netcmd/user/add.py of samba-team/samba,
commit 87aae028900dc3aa3946582b32d9df8240bb681b), ``-N|--no-pass`` and
``-P|--machine-pass`` (no value: python/samba/getopt.py, commit
0ab86dd7ca75d2e3ac54453c3e90db880054e17d, and lib/cmdline/cmdline.c, commit
9dc165e80fb90774b6999b90483e5fcfb5c2798e, POPT_ARG_NONE) take no value, so the word
after them is none; nor is the value of ``domain passwordsettings set``'s
``--min-pwd-length``, ``--min-pwd-age`` and ``--max-pwd-age`` a secret
(python/samba/netcmd/domain/passwordsettings.py, commit
49bc6a478b6de213425f048b28e5af0644a46aed).  The word after such a flag was redacted
by the pattern that takes the word after any ``--...password`` or ``--...-pass``:
another option, a user's name, a share."""

from __future__ import annotations

import pytest

from nested_snippets.cli import report

from .redacting import both, hidden_and_kept, read_once

KEPT = [
    "samba-tool user create bob --random-password --given-name=Bob",
    "samba-tool user create --random-password bob --given-name=Bob",
    "samba-tool user create bob --random-password --must-change-at-next-login",
    "samba-tool user add bob --random-password -H ldap://dc1",
    "samba-tool user setpassword bob --random-password -H ldap://dc1",
    "samba-tool domain join example.com DC --machine-pass -W SAMDOM",
    "samba-tool domain join example.com DC --no-pass -W SAMDOM",
    "samba-tool user list --quiet --no-pass -H ldap://dc1",
    "samba-tool domain passwordsettings set --quiet --min-pwd-length=3 --max-pwd-age=90",
    "samba-tool domain passwordsettings set --min-pwd-length 3 --min-pwd-age 1 -H x",
    "samba-tool user create '--random-password' 'bob' --given-name=Bob",
    "smbclient --no-pass //srv/share -c ls",
    "smbclient --machine-pass //srv/share -c ls",
    "net ads join --no-pass -k",
    "rpcclient --machine-pass srv1 -c getusername",
]


@pytest.mark.parametrize("text", KEPT)
def test_the_word_after_a_valueless_flag_is_kept(text):
    for out in both(text):
        assert out == text


# (text, the neighbours that must stay); the secret is S3CR3T
CASES = {
    "flag-then-password": ("samba-tool user list --quiet --no-pass --password=S3CR3T -H x",
                           ["--quiet --no-pass --password=", " -H x"]),
    "flag-then-password-blank": ("samba-tool user list --no-pass --password S3CR3T -H x",
                                 ["--no-pass --password ", " -H x"]),
    "random-then-positional": ("samba-tool user create --random-password bob S3CR3T -H x",
                               ["create --random-password bob ", " -H x"]),
    "flag-then-U": ("samba-tool domain join example.com DC --machine-pass -U admin%S3CR3T",
                    ["DC --machine-pass -U admin%"]),
    "pwd-then-newpassword": (
        "samba-tool domain passwordsettings set --min-pwd-length=3; "
        "samba-tool user setpassword bob --newpassword=S3CR3T",
        ["--min-pwd-length=3; samba-tool user setpassword bob --newpassword="],
    ),
    "smbclient-no-pass-then-U": ("smbclient --no-pass //srv/share -U bob%S3CR3T",
                                 ["--no-pass //srv/share -U bob%"]),
    # another command's --no-pass is not known to take no value: its word stays hidden
    "other-tool": ("mytool --no-pass S3CR3T", ["mytool --no-pass "]),
    "other-tool-random": ("pwgen-tool --random-password S3CR3T", ["--random-password "]),
}  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_the_secret_is_hidden_and_its_neighbours_kept(name):
    hidden_and_kept(*CASES[name])


def test_a_text_that_holds_a_flag_mark_is_not_unmarked():
    """The mark that keeps a flag's name from the later patterns is shown again as
    the name only where the report put it: a text that holds it already keeps it as
    written, and the word after a flag is then hidden as after any ``--...-pass``
    (the safe side)."""
    for mark in report._FLAG_MARKS.values():
        text = f"a --{mark} S3CR3T; samba-tool user create bob --random-password -H x"
        for out in both(text):
            assert out.startswith(f"a --{mark} S3CR3T; "), out
            assert out.endswith("--random-password <redacted> x"), out


def test_the_flags_stay_linear():
    read_once("samba-tool user create b --random-password --no-pass x ")


# a program's name in one pair of quotes is that program to a shell ('samba-tool'
# user create ... runs samba-tool): its secrets were shown
QUOTED_NAMES = {
    "samba-tool": ("'samba-tool' user create bob S3CR3T --given-name=Bob",
                   ["'samba-tool' user create bob ", " --given-name=Bob"]),
    "smbclient": ('"smbclient" //srv/share S3CR3T -c ls', ['"smbclient" //srv/share ', " -c ls"]),
    "sshpass": ("'sshpass' -p S3CR3T ssh host", ["'sshpass' -p ", " ssh host"]),
    "mysql": ("'mysql' -pS3CR3T db", ["'mysql' -p", " db"]),
    "redis-cli": ("'redis-cli' -a S3CR3T ping", ["'redis-cli' -a ", " ping"]),
    "ipmitool": ('"ipmitool" -P S3CR3T power status', ['"ipmitool" -P ', " power status"]),
    "openssl": ("'openssl' enc -k S3CR3T -in f", ["'openssl' enc -k ", " -in f"]),
    "docker": ("'docker' login -u bob -p S3CR3T reg.example", ["'docker' login -u bob -p ",
                                                               " reg.example"]),
    "podman": ('"podman" login --password S3CR3T reg.example', ['"podman" login --password ',
                                                                " reg.example"]),
}  # fmt: skip


@pytest.mark.parametrize("name", QUOTED_NAMES)
def test_a_quoted_program_name_is_that_program(name):
    hidden_and_kept(*QUOTED_NAMES[name])


@pytest.mark.parametrize(
    "text",
    [
        '["samba-tool", "user", "create", "bob", "S3CR3T"]',
        "['smbclient', '//srv/share', 'S3CR3T']",
        "samba-tool' user create bob S3CR3T",
    ],
)
def test_a_logged_list_and_a_stray_quote_still_hide_it(text):
    for out in both(text):
        assert "S3CR3T" not in out, out
