"""Review s10a: inputs crafted against the report's redaction (the rule for names that
name a secret, and the older patterns); each case was a break before its fix."""

from __future__ import annotations

import pytest

from nested_snippets.cli.report import redact, redact_line

S = "S3CR3T"


@pytest.mark.parametrize(
    "text",
    [
        # an XML element named by the rule (the XML pattern knew only fixed names)
        "<client_secret>S3CR3T</client_secret>",
        "<apiKey>S3CR3T</apiKey>",
        "<ns:auth_token>S3CR3T</ns:auth_token>",
        "<accessToken><![CDATA[S3CR3T]]></accessToken>",
        # cookies are credentials: a header, a QEMU curl option, a JSON key
        "Cookie: session=S3CR3T",
        "Set-Cookie: sid=S3CR3T; Path=/",
        "-drive driver=https,url=https://h/i,cookie=sid=S3CR3T",
        '{"cookie": "sid=S3CR3T"}',
        # curl's user:password given with -u / --user / --proxy-user
        "curl -u alice:S3CR3T https://h/",
        "curl --user alice:S3CR3T https://h/",
        "curl --user=alice:S3CR3T https://h/",
        "curl -ualice:S3CR3T https://h/",
        "curl --proxy-user 'bob:S3CR3T' -x http://p:3128 https://h/",
        # a compound name is no word of a sentence: after a log's time stamp, after ;
        "2026-12-03T05:00:00Z api_key: S3CR3T",
        "a=1; client_secret: S3CR3T",
        "level=info X-Auth-Token: S3CR3T",
        # a WPA pre-shared key
        "wpa_psk=S3CR3T",
        "psk: S3CR3T",
    ],
)
def test_a_secret_that_survived_is_redacted(text):
    for out in (redact(text), redact_line(text)):
        assert S not in out, out
        assert "<redacted>" in out


@pytest.mark.parametrize(
    "text",
    [
        "<secret ephemeral='no' private='yes'>\n  <uuid>u</uuid>\n</secret>",
        "<secret type='ceph' uuid='2a5b08e4-1111-2222-3333-444455556666'/>",
        "<keyboard>us</keyboard>",
        "<tokenizer>bert</tokenizer>",
        "failed to refresh token: connection refused",
        "the api key: was not accepted",
        "docker run --rm img",
        "sort -u file",
        "kvm_intel:nested",
        "cookies: 3",
    ],
)
def test_what_the_fixes_keep(text):
    assert redact(text) == text
    assert redact_line(text) == text


@pytest.mark.parametrize("name", ["password", "secret", "client_secret", "api_key"])
@pytest.mark.parametrize("quote", ["'", '"'])
def test_a_yaml_style_value_in_a_quoted_word_does_not_hide_the_words_after_it(name, quote):
    """A quoted word is redacted on its own, then the whole line: the line's pass took
    the word's <redacted> for a value running to the end of the line, and blanked the
    arguments after it (here the guest's kernel command line, with nested=1)."""
    q = quote
    line = f"qemu -smbios {q}type=11,value={name}: {S}{q} -append {q}kvm-intel.nested=1{q}"
    out = redact_line(line)
    assert S not in out
    assert out.endswith(f"-append {q}kvm-intel.nested=1{q}"), out


@pytest.mark.parametrize("name", ["password", "client_secret"])
def test_a_qemu_argument_with_a_yaml_style_value_keeps_the_next_arguments(
    cli, fake_host, tmp_path, name
):
    from tests.cli.conftest import write

    host = fake_host("intel", nested=True)
    argv = ["/usr/bin/qemu-system-x86_64", "-smbios", f"type=11,value={name}: {S}"]
    argv += ["-append", "console=ttyS0 kvm-intel.nested=1"]
    write(host.root, "/proc/4242/cmdline", "\0".join(argv) + "\0")
    out = tmp_path / "r.md"
    assert cli("report", "--root", str(host.root), "-o", str(out)).rc == 0
    text = out.read_text()
    assert S not in text
    assert "-append 'console=ttyS0 kvm-intel.nested=1'" in text


@pytest.mark.parametrize("name", ["password", "token", "client_secret", "key"])
def test_a_pretty_printed_list_under_a_secret_name_is_redacted_whole(name):
    """json.dumps(indent=2) puts each item of a list on its own line: the list's
    pattern stopped at the first line's end, and the items were shown."""
    import json

    text = json.dumps({name: [S, f"{S}2"], "id": "kept"}, indent=2)
    out = redact(text)
    assert S not in out and '"id": "kept"' in out, out
    one_line = json.dumps({name: [{"user": "u", "note": S}]})
    assert S not in redact(one_line)


@pytest.mark.parametrize("text", ["https://h/cb?%61pi_key=S3CR3T", "x?%61ccess%5Ftoken%3DS3CR3T"])
def test_a_percent_encoded_compound_name_is_read_as_its_letters(text):
    assert S not in redact(text) and S not in redact_line(text)


@pytest.mark.parametrize(
    "text",
    [
        '"token": [' + "a  " * 2000 + "{",  # items without commas: blanks had two places
        '"password": [' + '"a" ' * 2000 + "{",
        '"token": [\n' + '  "a",\n' * 20000 + "{",  # no closing ]
        ('"token": [' + "a " * 50 + "{\n") * 2000,
    ],
)
def test_a_list_that_never_closes_is_redacted_in_linear_time(text):
    """A list pattern written with optional commas backtracked over every way to split
    the blanks between items: 30 items took minutes.  Bound: the brief's 2 s."""
    import time

    start = time.monotonic()
    for f in (redact, redact_line):
        f(text)
    assert time.monotonic() - start < 2


@pytest.mark.parametrize(
    "text",
    ["ceph_key: S3CR3T", "LUKS_KEY=S3CR3T", "encryption_key: S3CR3T", '"masterKey": "S3CR3T"'],
)
def test_the_keys_of_disks_a_kvm_host_uses_are_secrets(text):
    """A Ceph (rbd) key, a LUKS key, a disk's encryption or master key: the rule knew
    only api, access, private, secret and auth keys."""
    assert S not in redact(text) and S not in redact_line(text)


@pytest.mark.parametrize(
    "text", ["public_key: ssh-ed25519 AAAA", "sort_key=name", "host_key=/etc/x"]
)
def test_other_keys_are_kept(text):
    assert redact(text) == text
