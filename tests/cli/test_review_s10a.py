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
