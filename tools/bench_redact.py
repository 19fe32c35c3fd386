"""Time ``nested-kvm report``'s redaction of a block of words written in quoted parts
glued together, each holding a secret (``'--password='"'"'v1'"'"''``, as Python's
shlex.quote writes a quote): review 12 measured about 9 s a MB when each such word was
redacted on its own.  Prints characters, words, seconds and seconds per MB for a block
of ``report.BLOCK_BYTES`` characters (what one block of the report may hold) and a
quarter of it, so the growth shows too; then the same for hostile texts of the patterns
sessions 13, 15, 16 and 17 added (a time four times longer for four times the text: linear).  Run:
``python tools/bench_redact.py``."""

from __future__ import annotations

import time

from nested_snippets.cli import report


def block(size: int) -> str:
    words, length, i = [], 0, 0
    while length < size:
        w = f"'--password='\"'\"'v{i}'\"'\"''"
        words.append(w)
        length += len(w) + 1
        i += 1
    return " ".join(words)


HOSTILE = {
    "netrc": "login a ",
    "chpasswd-pipe": "echo a:",
    "chpasswd-pipe-quoted": "echo 'a:",
    "password-stdin": "echo 'a ",
    "flow-mapping": "{password: a, ",
    "flow-nested": "{a: ",
    "complex-key": "? password\n# c\n",
    "cloud-init-chpasswd": "chpasswd:\n",
    "virsh": "secret-set-value --secret a ",
    "docker-login": "docker login -u a ",
    "openssl": "openssl -passin pass:a ",
    "ipmitool": "ipmitool -P ",
    "smbclient": "smbclient -U a%",
    "redis-cli": "redis-cli -a ",
    "ceph-key": "rbd --key ",
    "smbclient-password": "smbclient //s/x a ",
    "ipmitool-user-set-password": "ipmitool user set password 1 a ",
    "ipmitool-getopt": "ipmitool -vP ",
    "redis-cli-auth": "redis-cli AUTH a ",
    "openssl-enc-k": "openssl enc -k ",
    "ipmitool-prompt": "ipmitool> set password a\n",
    "redis-cli-prompt": "127.0.0.1:6379[1]> AUTH u a\n",
    "redis-cli-prompts-in-a-line": "[::1]:1> auth ",
    "openssl-passwd": "openssl passwd a ",
    "redis-cli-acl-setuser": "redis-cli ACL SETUSER a >a ",
    "redis-cli-dash-argument": "redis-cli AUTH -a ",
    "net-user": "net ads join -U a%",
    "prompt-after-stamp": "[12:00:01] 1 2 3 4 5 127.0.0.1:6379> AUTH a\n",
    "redis-conf-user": "user a >a >a\n",
    "nul-in-a-word": "mysql -pa\0",
}


def main() -> None:
    for size in (report.BLOCK_BYTES // 4, report.BLOCK_BYTES):
        text = block(size)
        start = time.perf_counter()
        out = report.redact(text)
        took = time.perf_counter() - start
        assert "v1'" not in out and "v1" not in out.replace("<redacted>", "")
        mb = len(text) / 1e6
        words = text.count(" ") + 1
        print(f"{len(text)} characters, {words} words: {took:.2f} s, {took / mb:.1f} s/MB")
    for name, unit in HOSTILE.items():
        took = []
        for size in (report.BLOCK_BYTES // 4, report.BLOCK_BYTES):
            text = unit * (size // len(unit))
            start = time.perf_counter()
            report.redact(text)
            took.append(time.perf_counter() - start)
        print(f"{name}: {took[0]:.2f} s, then {took[1]:.2f} s for four times the text")


if __name__ == "__main__":
    main()
