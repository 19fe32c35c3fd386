"""The fleet playbook (install-checker page) with ansible-core's real ``ansible-playbook``.

* ``--syntax-check`` accepts it, and rejects a misspelt module;
* every key it reads from ``nested-kvm check --json`` is in the published schema;
* run on localhost (connection ``local``) with a stand-in ``nested-kvm.pyz`` that
  prints a schema-valid answer and exits 0, 1 or 2, it passes, fails with the failing
  checks' URLs, or fails with the error, as the page says.  The stand-in keeps the run
  off the real ``/sys`` and ``/dev/kvm``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from nested_snippets import registry
from nested_snippets.bodies import ForeignFile
from tests.realtools import tools

pytestmark = pytest.mark.realtools

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "source/_extra/schemas/nested-kvm-check-1.json").read_text())
REG = registry.load()
PLAYBOOKS = {
    sid: body.content
    for sid, snip in REG.snippets.items()
    for _, _, body in snip.bodies()
    if isinstance(body, ForeignFile) and body.path.endswith((".yml", ".yaml"))
    and isinstance(yaml.safe_load(body.content), list)
}
"""Every YAML file of the guide that is a list, as a playbook is (a list of plays); a
mapping is another product's document (a KubeVirt manifest, tests/test_kubevirt_page.py)."""


def _ansible_playbook() -> str:
    beside = Path(sys.executable).parent / "ansible-playbook"  # the venv's, from [test]
    return str(beside) if beside.is_file() else tools.require("ansible-playbook")


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LC_ALL": "C.UTF-8", "HOME": str(tmp), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_LOCAL_TEMP": str(tmp / "local"), "ANSIBLE_REMOTE_TEMP": str(tmp / "remote"),
           "TMPDIR": str(tmp / "tmp")}  # fmt: skip
    (tmp / "tmp").mkdir(exist_ok=True)
    return subprocess.run([_ansible_playbook(), *args], cwd=tmp, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def test_the_guide_has_the_fleet_playbook():
    assert "checker.fleet_playbook" in PLAYBOOKS, sorted(PLAYBOOKS)


@pytest.mark.parametrize("sid", sorted(PLAYBOOKS))
def test_playbook_passes_syntax_check(sid, tmp_path):
    (tmp_path / "play.yml").write_text(PLAYBOOKS[sid])
    proc = _run(tmp_path, "--syntax-check", "-i", "localhost,", "play.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_syntax_check_catches_a_misspelt_module(tmp_path):
    bad = PLAYBOOKS["checker.fleet_playbook"].replace("ansible.builtin.tempfile:", "tempfil:")
    (tmp_path / "play.yml").write_text(bad)
    proc = _run(tmp_path, "--syntax-check", "-i", "localhost,", "play.yml")
    assert proc.returncode != 0, proc.stdout


_READ = re.compile(r"\bnested_kvm((?:\.[a-z0-9_]+)+)")
_ITEM_KEYS = re.compile(r"selectattr\('(\w+)'|attribute='(\w+)'")


def schema_problems(playbook: str) -> list[str]:
    """Keys the playbook reads that the schema does not define."""
    problems = []
    for m in _READ.finditer(playbook):
        node = SCHEMA
        for key in m.group(1).strip(".").split("."):
            props = node.get("properties", {})
            if key not in props:
                problems.append(m.group(0))
                break
            node = props[key]
    items = SCHEMA["properties"]["checks"]["items"]["properties"]
    for m in _ITEM_KEYS.finditer(playbook):
        key = m.group(1) or m.group(2)
        if key not in items:
            problems.append(f"checks[].{key}")
    exits = re.search(r"rc not in \[([\d, ]+)\]", playbook)
    if (
        exits
        and [int(x) for x in exits.group(1).split(",")] != SCHEMA["properties"]["exit"]["enum"]
    ):
        problems.append(f"exit statuses {exits.group(1)}")
    return problems


def test_the_playbook_reads_only_keys_of_the_published_schema():
    playbook = PLAYBOOKS["checker.fleet_playbook"]
    assert len(_READ.findall(playbook)) >= 4
    assert not schema_problems(playbook)
    assert schema_problems(playbook.replace(".l0_nested_ready", ".l0_ready")) == []  # unused
    assert schema_problems(playbook.replace("nested_kvm.error", "nested_kvm.errors"))
    assert schema_problems(playbook.replace("attribute='url'", "attribute='link'"))
    assert schema_problems(playbook.replace("[0, 1, 2]", "[0, 1]"))


def _answer(exit_status: int) -> dict:
    checks = [
        {"id": "kvm-module", "status": "PASS", "value": "kvm_intel", "fix": None, "url": None},
        {"id": "nested", "status": "FAIL" if exit_status == 1 else "PASS", "value": "N",
         "fix": "turn nesting on",
         "url": "https://guide.example/how-to/enable-x86.html#enable-nested-x86"},
    ]  # fmt: skip
    return {
        "schema": "nested-kvm-check/1",
        "host": None,
        "checks": checks if exit_status != 2 else [],
        "verdict": {
            "level": None if exit_status == 2 else "L0",
            "l0_nested_ready": {0: True, 1: False, 2: None}[exit_status],
            "l1_ready": None,
        },  # fmt: skip
        "exit": exit_status,
        "error": "cannot read /proc/cpuinfo" if exit_status == 2 else None,
    }


@pytest.mark.parametrize("exit_status", [0, 1, 2])
def test_the_playbook_runs_and_reads_the_answer(exit_status, tmp_path):
    """Real ansible-playbook on localhost; a stand-in checker answers (schema-valid);
    the private directory (made below ``$TMPDIR``) is removed whatever the answer."""
    jsonschema = pytest.importorskip("jsonschema")
    answer = _answer(exit_status)
    jsonschema.validate(answer, SCHEMA)
    pyz = tmp_path / "nested-kvm.pyz"  # the downloaded file, beside the playbook
    pyz.write_text(textwrap.dedent(f"""\
        import sys
        assert sys.argv[1:] == ["check", "--no-probe", "--json"], sys.argv
        print({json.dumps(json.dumps(answer))})
        sys.exit({exit_status})
    """))  # fmt: skip
    (tmp_path / "play.yml").write_text(PLAYBOOKS["checker.fleet_playbook"])
    (tmp_path / "hosts.ini").write_text(
        "[kvm_hosts]\nlocalhost ansible_connection=local "
        f"ansible_python_interpreter={sys.executable}\n"
    )
    proc = _run(tmp_path, "-i", "hosts.ini", "play.yml")
    out = proc.stdout + proc.stderr
    assert "Run nested-kvm check" in out, out
    if exit_status == 0:
        assert proc.returncode == 0, out
    else:
        assert proc.returncode != 0, out
        expected = {1: "enable-x86.html#enable-nested-x86", 2: "could not check: cannot read"}
        assert expected[exit_status] in out, out
    made = list((tmp_path / "tmp").glob("nested-kvm.*"))
    assert not made, f"the private directory is left behind: {made}"
