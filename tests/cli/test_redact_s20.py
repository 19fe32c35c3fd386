"""Session 20: the report's redaction took numbers for secrets.  The value of
``--min-pwd-length=12`` was redacted on the command line of any program but
samba-tool (and so were ``--max-password-age=90``, ``PASS_MAX_DAYS=99``, a JSON
``"password_length": 8``, kubeadm's ``--token-ttl=24h0m0s``): a name with a secret's
word anywhere named a secret.  A name whose last word is a measure (length, age,
days, ttl ...: report.MEASURE_WORDS) names a number now, as one whose last word is
file or path names a path.  And the word after Ansible's ``--ask-pass``,
``--ask-become-pass`` and ``--ask-vault-pass`` (flags that take no value, read
2026-12-05 in the option index of docs.ansible.com for 2.9 and ansible-playbook(1)
of Ubuntu 22.04's ansible 2.10.7) was redacted: the playbook's name."""

from __future__ import annotations

import pytest

from nested_snippets.cli import report

from .redacting import both, hidden_and_kept

KEPT = [
    "myapp --min-pwd-length=12 --name x",
    "myapp --min-pwd-length 12 --name x",
    "useradd-helper --password-length=20 --max-password-age=90 --min-pwd-age=1",
    "pwpolicy --pwd-history-length=5 --password_min_length=8",
    "env PASS_MAX_DAYS=99 PASS_MIN_LEN=8 PASS_WARN_AGE=7 ./setup",
    "kubeadm init --token-ttl=24h0m0s",
    "ssh-keygen-wrapper --passphrase-bits=4096",
    '{"password_length": 8, "secret_ttl": 3600}',
    "ansible-playbook --ask-become-pass site.yml",
    "ansible-playbook -i hosts --ask-pass site.yml",
    "/usr/bin/ansible-playbook --ask-vault-pass --check site.yml",
    "ansible-vault encrypt --ask-vault-password secrets.yml",
    "ansible all --ask-pass -m ping",
    "'ansible-playbook' '--ask-become-pass' 'site.yml'",
]


@pytest.mark.parametrize("text", KEPT)
def test_a_measure_of_a_secret_and_the_word_after_a_prompt_flag_are_kept(text):
    for out in both(text):
        assert out == text


# (text, the neighbours that must stay); the secret is S3CR3T
CASES = {
    "password-beside-length": ("myapp --min-pwd-length=12 --password=S3CR3T -v",
                               ["--min-pwd-length=12 --password=", " -v"]),
    "pwd-beside-age": ("myapp --pwd=S3CR3T --max-pwd-age=90", ["--pwd=", " --max-pwd-age=90"]),
    "pass-env-beside-days": ("env PASS_MAX_DAYS=99 DB_PASS=S3CR3T ./x",
                             ["PASS_MAX_DAYS=99 DB_PASS=", " ./x"]),
    "token-beside-ttl": ("kubeadm join --token=S3CR3T --token-ttl=1h x",
                         ["--token=", " --token-ttl=1h x"]),
    "json-password-beside-length": ('{"password": "S3CR3T", "password_length": 8}',
                                    ['{"password": "', '", "password_length": 8}']),
    "length-word-is-not-last": ("myapp --length-password=S3CR3T", ["--length-password="]),
    "the-measure-alone": ("myapp --len=4 --ttl=5 --password S3CR3T", ["--len=4 --ttl=5"]),
    "ansible-extra-vars": ("ansible-playbook --ask-pass site.yml -e ansible_password=S3CR3T",
                           ["--ask-pass site.yml -e ansible_password="]),
    "ansible-become-password": ("ansible-playbook --become-password S3CR3T site.yml",
                                ["--become-password ", " site.yml"]),
    # another program's --ask-pass is not known to take no value: its word stays hidden
    "other-tool-ask-pass": ("mytool --ask-pass S3CR3T", ["mytool --ask-pass "]),
}  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_the_secret_is_hidden_and_its_neighbours_kept(name):
    hidden_and_kept(*CASES[name])


@pytest.mark.parametrize(
    "name,secret",
    [
        ("min-pwd-length", False), ("PASS_MAX_DAYS", False), ("tokenTtl", False),
        ("password_min_length", False), ("key_bits", False), ("secret_lifetime", False),
        ("password", True), ("pwd", True), ("length_password", True), ("api_key", True),
        ("ttl", False), ("password_len_x", True),
    ],
)  # fmt: skip
def test_secret_name_of_a_measure(name, secret):
    assert report.secret_name(name) is secret


def test_the_report_says_the_rule():
    """The rule the report prints names the measures, as it names the paths."""
    assert "min-pwd-length" in report.SECRET_NAME_RULE
    assert all(w in report.SECRET_NAME_RULE for w in report.MEASURE_WORDS)
