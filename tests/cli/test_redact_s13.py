"""Session 13: the gaps adversarial review 12 left in the report's redaction, and the
hostile inputs of this session's own review.  Each secret must be absent from the
text however the report redacts it (a file shown whole, a log's lines then its block,
and a text redacted twice) while its neighbours stay; the whole-report cases feed it to
``/proc/cmdline`` and a libvirt log, as tests/cli/test_redact_s12.py does."""

from __future__ import annotations

import pytest

from nested_snippets.cli import report
from nested_snippets.cli.report import redact

from .redacting import LOG, S, both, finds_grow_linearly, hidden_and_kept

# (text, the neighbours that must stay)
CASES = {
    # 1. a YAML flow mapping: the value ends at its , or }
    "flow-mapping": ("{password: S3CR3T, user: bob}", ["user: bob}"]),
    "flow-mapping-named": ("cfg {api_token: S3CR3T, region: eu}", ["cfg {", "region: eu}"]),
    "flow-mapping-two": ("{a: 1, secret: S3CR3T, b: 2, token: S3CR3T, c: 3}", ["b: 2,", "c: 3}"]),
    "flow-mapping-quoted": ("{password: 'S3CR3T x', user: bob}", ["user: bob}"]),
    "flow-mapping-nested": (
        "{db: {password: S3CR3T, user: bob}, host: h}",
        ["user: bob}", "host: h}"],
    ),
    # 2. a flow mapping's value on the next line
    "flow-next-line": ("{password:\n S3CR3T}", ["{password:"]),
    "flow-next-line-more": ("{password:\n  S3CR3T, user: bob}", ["user: bob}"]),
    "flow-next-line-open": ("x {password:\n  S3CR3T\ny: 1", ["y: 1"]),
    # 3. a block scalar after a log line's prefix
    "log-block": ("app[1]: password: |\n  S3CR3T\n    S3CR3T\nnext", ["app[1]: password:", "next"]),
    "log-block-named": ("Dec 3 app[1]: db_password: >-\n    S3CR3T\nDec 3 next", ["Dec 3 next"]),
    # 4. YAML complex keys
    "complex-key": ("? password\n: S3CR3T\nuser: bob", ["? password", "user: bob"]),
    "complex-key-nested": ("x:\n  ? api_token\n  : S3CR3T\n  user: bob", ["  user: bob"]),
    "complex-key-block": ("? secret\n: |\n  S3CR3T\nuser: bob", ["user: bob"]),
    "complex-key-next-line": ("? 'password'\n:\n  S3CR3T\nuser: bob", ["user: bob"]),
    "complex-key-comment": ("? password\n# the root's\n: S3CR3T\nuser: bob", ["user: bob"]),
    # 5. a no-break space as indentation
    "nbsp-next-line": ("password:\n\u00a0\u00a0S3CR3T\nuser: bob", ["user: bob"]),
    "nbsp-block": ("password: |\n\u00a0\u00a0S3CR3T\nuser: bob", ["user: bob"]),
    "nbsp-plain-continued": ("password: a\n\u00a0S3CR3T\nuser: bob", ["user: bob"]),
    "nbsp-named-block": ("x:\n  api_key: |\n  \u00a0 S3CR3T\n  user: bob", ["  user: bob"]),
    # 6. a shell line continuation
    "mysql-continued": ("mysql -u root \\\n  -pS3CR3T db", ["mysql -u root", " db"]),
    "mysql-continued-crlf": ("mysqldump -u root \\\r\n  -pS3CR3T db", [" db"]),
    "sshpass-continued": ("sshpass \\\n  -p S3CR3T ssh host", ["ssh host"]),
    "password-option-continued": ("cmd --password \\\n  S3CR3T --user bob", ["--user bob"]),
}


@pytest.mark.parametrize("name", CASES)
def test_the_reviews_gaps_are_hidden_and_their_neighbours_kept(name):
    hidden_and_kept(*CASES[name])


REPORT_CASES = ["flow-mapping", "flow-next-line", "log-block", "complex-key", "nbsp-block"]
REPORT_CASES += ["mysql-continued"]


@pytest.mark.parametrize("name", REPORT_CASES)
def test_the_reviews_gaps_in_a_whole_report(report_of, name):  # noqa: F811
    text, kept = CASES[name]
    out = report_of(text)
    assert S not in out, name
    for block in (out[out.index("`/proc/cmdline`:") :], out[out.index(f"`{LOG}`:") :]):
        shown = block[: block.index("\n```\n", 20)]
        for k in kept:
            assert k in shown, (k, shown)


@pytest.mark.parametrize(
    "text",
    [
        "{a: 1, b: 2}",
        "{user: bob, host: h}",
        "map[a:1 b:2]",
        "{Password:<redacted> User:bob}",
        "log: token: |",  # a sentence's one-word name: no key
        "? name\n: bob\nuser: bob",
        "mysql -u root \\\n  -p db",  # -p alone prompts
        "x:\n\u00a0\u00a0name: bob",
    ],
)
def test_near_misses_are_kept(text):
    for out in both(text):
        assert out == text


def test_a_flow_mapping_keeps_the_redacted_value_marked():
    """Exact output: the value and only it is hidden, with the commas."""
    assert redact("{password: x, user: bob}") == "{password: <redacted>, user: bob}"
    assert redact("{password:\n S3CR3T}") == "{password:\n <redacted>}"


HOSTILE_FLOW = {
    "open-braces": lambda n: "{password: a, " * (n // 14),
    "nested-open": lambda n: "{a: " * (n // 4),
    "quoted-braces": lambda n: '{a: "{", ' * (n // 9),
    "closed": lambda n: "{password: a, b: c} " * (n // 20),
}


@pytest.mark.parametrize("name", HOSTILE_FLOW)
def test_the_flow_mappings_stay_linear(monkeypatch, name):
    """Counted, not timed: the ``{`` searched for (each ``str.find``) and the items read
    (each match of the item's pattern) grow with the text (50 kB and 200 kB: at most 4.5
    times as many)."""
    real = report._FlowMapping.item
    items = {"n": 0}

    class Item:
        @staticmethod
        def match(*a):
            items["n"] += 1
            return real.match(*a)

    monkeypatch.setattr(report._FlowMapping, "item", Item)
    counts = []

    def scan(text: str) -> None:
        items["n"] = 0
        report._FLOW_MAPPING.sub(None, text)
        counts.append(items["n"])

    finds_grow_linearly(HOSTILE_FLOW[name], scan)
    assert counts[0] > 100 and counts[1] <= 4.5 * counts[0], counts


# ---------------------------------------- this session's own review: hostile inputs
OWN_CASES = {
    # (--secret's UUID is hidden too, as the word after any --secret; the word that
    # ends with ; is hidden whole, as mysql's -pSECRET; is)
    "virsh-base64": (
        "virsh secret-set-value --secret 2a5e-11 --base64 S3CR3T; virsh list",
        ["virsh secret-set-value --secret ", " --base64 ", " virsh list"],
    ),
    "virsh-positional": ("virsh secret-set-value 2a5e-11 S3CR3T", ["secret-set-value 2a5e-11 "]),
    "docker-login": ("docker login -u bob -p S3CR3T registry.example", ["-u bob -p ", " registry"]),
    "podman-login-glued": ("podman login -pS3CR3T -u bob quay.io", ["-u bob quay.io"]),
    "password-stdin": (
        "echo S3CR3T | docker login --password-stdin -u bob",
        ["| docker login --password-stdin -u bob"],
    ),
    "netrc": (
        "machine h.example login bob password S3CR3T\nmachine x",
        ["login bob password ", "machine x"],
    ),
    "chpasswd-pipe": (
        "echo 'root:S3CR3T' | chpasswd && reboot",
        ["echo 'root:", "| chpasswd && reboot"],
    ),
    "cloud-init-chpasswd-list": (
        "chpasswd:\n  list: |\n    root:S3CR3T\n    bob:S3CR3T\n  expire: False\nusers: []",
        ["  list: |", "  expire: False", "users: []"],
    ),
    "cloud-init-chpasswd-seq": (
        "chpasswd:\n  list:\n    - root:S3CR3T\n  expire: false\nruncmd: []",
        ["    - root:", "  expire: false", "runcmd: []"],
    ),
    "curl-user-continued": ("curl -u \\\n  bob:S3CR3T https://h/", ["bob:", " https://h/"]),
}


@pytest.mark.parametrize("name", OWN_CASES)
def test_this_sessions_hostile_inputs_are_hidden_and_their_neighbours_kept(name):
    hidden_and_kept(*OWN_CASES[name])


@pytest.mark.parametrize(
    "text",
    [
        "ssh -p 22 host",
        "docker login -u bob registry.example",  # a prompt
        "docker run -p 8080:80 nginx",
        "virsh secret-set-value 2a5e-11 --file /etc/ceph/key --plain",
        "virsh secret-list",
        "login failed for bob",
        "echo 'a:b' | grep a",
        "chpasswd:\n  expire: false\nssh_pwauth: true",
    ],
)
def test_this_sessions_near_misses_are_kept(text):
    for out in both(text):
        assert out == text


# ------------------------------------------- 7. glued secret words: one pass, counted
def test_glued_secret_words_are_redacted_in_one_pass(monkeypatch):
    """Each word in quoted parts glued together that holds a secret's name was redacted
    on its own, a pass of every pattern each (about 126 us a word: 9 s a MB, review 12);
    now they are redacted together, one pass.  Counted, not timed: the passes
    (:func:`report._redact` calls) of :func:`redact` on 300 such words, and each still
    hidden with its neighbours kept."""
    calls = {"n": 0}
    real = report._redact

    def counted(text):
        calls["n"] += 1
        return real(text)

    monkeypatch.setattr(report, "_redact", counted)
    words = [f"'--password{i}='\"'\"'S3CR3T{i}'\"'\"'' -v{i}" for i in range(300)]
    out = redact(" ".join(words))
    assert S not in out
    assert all(f"-v{i}" in out for i in range(300))
    assert calls["n"] <= 4, calls  # the text, the words together, the text in one form


def test_arguments_redacted_together_are_each_as_redacted_alone(monkeypatch):
    """The arguments of one pass are redacted as each is alone; where a pattern's match
    runs over the separator (here a stand-in pattern that takes the rest of the text
    after ``EATME``), in halves, down to one: the same result."""
    args = [
        "password=S3CR3T",
        "-----BEGIN PRIVATE KEY-----x",
        "user=bob",
        "<password>S3CR3T",
        "{password:",
        "S3CR3T}",
        "password: |",
        "  S3CR3T",
        "mysql\\",
        "-pS3CR3T",
        "api_token: |2",
    ]
    alone = [report.redact_arg(a) for a in args]
    assert report.redact_args(args) == alone
    real = report._redact
    passes = {"n": 0}

    def eating(text):
        passes["n"] += 1
        at = text.find("EATME")
        return real(text if at < 0 else text[:at] + "EATEN")

    monkeypatch.setattr(report, "_redact", eating)
    eaten = [*args[:5], "xEATME", *args[5:]]
    together = report.redact_args(eaten)
    assert together == [report.redact_arg(a) for a in eaten]
    assert together[5] == "xEATEN" and passes["n"] > 2  # halved, then each alone
