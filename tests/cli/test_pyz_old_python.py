"""The zipapp on a Python older than the checker's: RHEL 8's 3.6 (audit of session 15).

The guide's Ansible playbook reads ``check --json`` and fails a host with its
``error`` when ``exit`` is 2.  Before session 16 the zipapp printed only a line on
standard error there, so ``from_json`` met an empty output and the play ended with a
template error instead of saying why.
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path

import pytest

from nested_snippets.cli.check import CANNOT_CHECK, render_json
from nested_snippets.cli.check import SCHEMA as CHECK_SCHEMA
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
import build_pyz  # noqa: E402

PUBLISHED = REPO / "source/_extra/schemas/nested-kvm-check-1.json"


def _main():
    spec = importlib.util.spec_from_file_location("pyz_main_under_test", build_pyz.MAIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(monkeypatch, argv: list[str]) -> tuple[int, str, str]:
    main = _main()
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "version_info", (3, 6, 15, "final", 0))
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    status = main.run()
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("flag", ["--json", "--j", "--jso"])  # argparse takes prefixes
def test_check_json_on_python_3_6_prints_the_could_not_check_document(monkeypatch, flag):
    status, out, err = _run(monkeypatch, ["nested-kvm.pyz", "check", "--no-probe", flag])
    assert status == 2
    want = "nested-kvm needs Python 3.9 or newer; this is 3.6 (try python3.9 nested-kvm.pyz)"
    assert err == want + "\n"
    doc = json.loads(out)
    assert doc == {
        "schema": "nested-kvm-check/1",
        "host": None,
        "checks": [],
        "verdict": {"level": None, "l0_nested_ready": None, "l1_ready": None},
        "exit": 2,
        "error": err.strip(),
    }
    # the same document as check's own for a host it could not check (the entry keeps a
    # copy of its shape, as it must parse on any Python 3): a change to one fails here
    assert doc == json.loads(render_json(None, None, CANNOT_CHECK, err.strip()))
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(json.loads(PUBLISHED.read_text())).validate(doc)


@pytest.mark.parametrize(
    "argv",
    [
        ["nested-kvm.pyz", "check"],
        ["nested-kvm.pyz", "check", "--", "--json"],
        ["nested-kvm.pyz", "params", "--json"],
        ["nested-kvm.pyz"],
    ],
)
def test_no_json_where_check_did_not_ask_for_it(monkeypatch, argv):
    status, out, err = _run(monkeypatch, argv)
    assert (status, out) == (2, "")
    assert err.startswith("nested-kvm needs Python 3.9 or newer")


def test_the_entry_names_checks_schema_and_the_build_refuses_another(monkeypatch, tmp_path):
    assert _main().SCHEMA == CHECK_SCHEMA
    bad = tmp_path / "pyz_main.py"
    bad.write_text(build_pyz.MAIN.read_text().replace(CHECK_SCHEMA, "nested-kvm-check/0"))
    monkeypatch.setattr(build_pyz, "MAIN", bad)
    with pytest.raises(SystemExit, match="SCHEMA"):
        build_pyz.build(tmp_path / "x.pyz")


def _older_pythons() -> list[str]:
    """Interpreters older than the checker's minimum that really run: on PATH, or
    installed by pyenv (whose shims run only the versions it is told to)."""
    import os
    import shutil
    import subprocess

    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found = []
    for name in ("python3.6", "python3.7", "python3.8"):
        minor = name.removeprefix("python")
        candidates = [shutil.which(name), *sorted(map(str, root.glob(f"{minor}.*/bin/{name}")))]
        for path in candidates:
            if path is None:
                continue
            done = subprocess.run(
                [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            if done.returncode == 0 and done.stdout.strip() == minor:
                found.append(path)
                break
    return found


@pytest.mark.parametrize("python", _older_pythons() or [None])
def test_the_built_zipapp_on_a_real_older_python(tmp_path, python):
    """End to end: the archive ``make pyz`` builds, run by a real 3.6 to 3.8 (pyenv's,
    where installed), prints the document and exits 2."""
    import subprocess

    if python is None:
        pytest.skip("no Python 3.6 to 3.8 on PATH")
    pyz = tmp_path / "nested-kvm.pyz"
    build_pyz.build(pyz)
    done = subprocess.run(
        [python, str(pyz), "check", "--no-probe", "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done
    doc = json.loads(done.stdout)
    assert (doc["exit"], doc["schema"], doc["host"]) == (2, CHECK_SCHEMA, None)
    assert doc["error"] == done.stderr.strip()
    assert "needs Python 3.9 or newer" in doc["error"]
