"""Secrets under compound key names (client_secret, db_password, "token", apiKey ...)
in YAML, JSON, INI/key=value and shell forms; Authorization lists; JSON escaped twice;
and the ordinary words the rule keeps."""

from __future__ import annotations

import json

import pytest

from nested_snippets.cli import report
from nested_snippets.cli.report import redact, redact_line

S = "S3CR3TVALUE"

NAMES = [
    "client_secret", "db_password", "token", "passphrase", "api_key", "apikey", "apiKey",
    "access_token", "accessToken", "private_key", "private-key", "secret_key", "auth_token",
    "AUTH_TOKEN", "credentials", "credential", "X-Auth-Token", "X-API-Key", "clientSecret",
    "PGPASSWORD", "MYSQL_ROOT_PASSWORD", "db.pass", "user_pwd", "aws_secret_access_key",
]  # fmt: skip


def forms(name: str) -> list[str]:
    return [
        f"{name}: {S}",  # YAML
        f"  {name}: '{S}'",  # YAML, indented, quoted
        f"- {name}: {S}",  # YAML list item
        f"{name}: |\n  {S}\n  {S}2\nnext: 1",  # YAML block
        json.dumps({name: S}),  # JSON
        json.dumps({"a": 1, name: S}, indent=2),  # JSON, pretty
        repr({name: S}),  # a logged Python dict
        f"{name} = {S}",  # INI
        f"{name}={S}",  # key=value
        f"export {name}={S}",  # shell
        f'export {name}="{S} x"',  # shell, quoted
        f"app[12]: {name}: {S}",  # a log line's prefix, then a YAML-style value
    ]


@pytest.mark.parametrize("name", NAMES)
def test_a_compound_secret_name_hides_its_value_in_every_form(name):
    for text in forms(name):
        for out in (redact(text), redact_line(text) if "\n" not in text else redact(text)):
            assert S not in out, (text, out)
            assert "<redacted>" in out, (text, out)


@pytest.mark.parametrize(
    "text",
    [
        "keyboard: us",
        "keyboard=us",
        '"keyboard": "us"',
        "tokenizer: bert",
        '"tokenizer": "bert"',
        "tokenizer=bert",
        "nested: 1",
        "kvm_intel.nested=1",
        "iommu.passthrough=1",
        "key_file = /etc/pki/libvirt/private/serverkey.pem",
        "-object secret,id=sec0,format=raw,file=/run/sec0",
        '{"qom-type": "secret", "id": "sec0"}',
        "failed to refresh token: connection refused",
        "keys: 3",
        "description: tokens are issued by the server",
    ],
)
def test_ordinary_names_and_words_are_kept(text):
    assert redact(text) == text
    assert redact_line(text) == text


def test_password_and_secret_before_a_colon_stay_redacted_anywhere_in_a_line():
    """Decided: the older rule for password:, passwd:, secret: runs anywhere in a line
    ("Enter password: ..." echoed into a log), so it also blanks the rest of an error
    message that names a secret; only the new names need a key's position."""
    assert redact("Enter password: hunter2") == "Enter password: <redacted>"
    assert redact("unable to read the secret: denied") == "unable to read the secret: <redacted>"


def test_a_secret_inside_an_ordinary_keys_value_is_found():
    assert S not in redact(f"opts=api_key={S}")
    assert S not in redact(json.dumps({"cfg": json.dumps({"token": S})}))
    assert S not in redact(f"note: token: {S}")


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Basic abc123, Bearer S3CR3TVALUE",
        "Authorization: Bearer abc123,Bearer S3CR3TVALUE",
        "Authorization: ApiKey abc123, Bearer S3CR3TVALUE",
        "Proxy-Authorization: Negotiate abc123, Basic S3CR3TVALUE",
        "Authorization: Basic abc123\r\nAuthorization: Bearer S3CR3TVALUE",
        "curl -H 'Authorization: Basic abc123, Bearer S3CR3TVALUE' https://h/",
    ],
)
def test_every_credential_of_an_authorization_list_is_redacted(text):
    for out in (redact(text), redact_line(text)):
        assert S not in out and "abc123" not in out, out
        assert out.startswith(text.split(":")[0])


@pytest.mark.parametrize("name", ["password", "token", "client_secret", "passphrase"])
@pytest.mark.parametrize("levels", [2, 3, 4])
def test_json_escaped_twice_or_more_is_redacted(name, levels):
    text = json.dumps({name: S, "id": "kept"})
    for _ in range(levels - 1):
        text = json.dumps({"log": text})
    assert '\\\\\\"' in text or levels == 2  # escaped at least twice from level 3 on
    for out in (redact(text), redact_line(text)):
        assert S not in out, out
        assert "kept" in out


def test_the_header_states_the_name_rule():
    first = report.REDACTIONS[0][0]
    for word in ("split into words", "camelCase", "client_secret", "tokenizer", "keyboard"):
        assert word in first
    assert all(w in first for w in report.SECRET_WORDS)


def test_the_report_header_shows_the_rule(cli, make_host, tmp_path):
    out = tmp_path / "r.md"
    assert cli("report", "--root", str(make_host()), "-o", str(out)).rc == 0
    head = out.read_text().split("\n\n")[2]
    assert "split into words at" in head and "api\\_key" in head.replace("api_key", "api\\_key")
