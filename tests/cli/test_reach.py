"""nested-kvm reaches old servers: Python 3.9 (vermin), one-file zipapp, a published
JSON Schema, bash completion."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nested_snippets.cli import build_parser
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
import build_pyz  # noqa: E402
import checker_files  # noqa: E402

SCHEMA = REPO / "source/_extra/schemas/nested-kvm-check-1.json"
COMPLETION = REPO / "contrib/bash-completion/nested-kvm"


def _cli_files() -> list[str]:
    return [str(REPO / f) for f in checker_files.files() if f.endswith(".py")]


def test_zipapp_holds_everything_the_cli_imports(make_host):
    """Every nested_snippets module a command imports is the checker's (and so in the
    zipapp and the nested-kvm wheel)."""
    code = (
        "import sys\nfrom nested_snippets.cli import main\n"
        "for m in ('check', 'report', 'lint', 'params', 'running'):\n"
        "    __import__('nested_snippets.cli.' + m)\n"
        "print('\\n'.join(m.__file__ for n, m in sys.modules.items()"
        " if n.startswith('nested_snippets')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout.split()
    missing = sorted(set(out) - set(_cli_files()))
    assert not missing, f"add to checker/pyproject.toml (the checker's files): {missing}"


class _Unevaluated(ast.NodeTransformer):
    """Drops what Python 3.9 never evaluates in a module with ``from __future__ import
    annotations`` (PEP 563: every annotation stays a string), and folds ``os.O_RDONLY |
    os.O_CLOEXEC``-style flags (names in capitals: constants, never types) to 0."""

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.annotation = None
        return node

    def visit_FunctionDef(self, node):
        self.generic_visit(node)
        node.returns = None
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.stmt:
        if node.value is None:  # a bare "name: type" declares, and evaluates nothing
            return ast.copy_location(ast.Pass(), node)
        return ast.copy_location(ast.Assign([node.target], self.visit(node.value)), node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.BitOr) and _flag(node.left) and _flag(node.right):
            return ast.copy_location(ast.Constant(0), node)
        return node


def _flag(node: ast.expr) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return isinstance(node, ast.Constant) and type(node.value) is int or (
        len(name) > 1 and name.isupper()  # not a one-letter TypeVar
    )


def _vermin_runtime(files: list[str], out: Path) -> subprocess.CompletedProcess[str]:
    """vermin with union types (``X | Y`` needs Python 3.10 at run time) on copies of
    ``files`` that hold only what Python evaluates: vermin's ``union-types`` feature
    also flags annotations, which ``from __future__ import annotations`` never
    evaluates (vermin 1.9.2 does so with --no-eval-annotations as well), and ``|``
    between flags.  ``--eval-annotations`` is kept for a module without that import:
    its annotations are evaluated when the function or class is defined."""
    copies = []
    for n, name in enumerate(files):
        tree = ast.parse(Path(name).read_text(encoding="utf-8"))
        imports = [s for s in tree.body if isinstance(s, ast.ImportFrom)]
        future = [a for s in imports if s.module == "__future__" for a in s.names]
        if any(a.name == "annotations" for a in future):
            tree = ast.fix_missing_locations(_Unevaluated().visit(tree))
        copy = out / f"{n:03d}_{Path(name).name}"
        copy.write_text(ast.unparse(tree) + "\n", encoding="utf-8")
        copies.append(str(copy))
    vermin = shutil.which("vermin") or str(Path(sys.executable).parent / "vermin")
    return subprocess.run(
        [vermin, "-t=3.9-", "--violations", "--eval-annotations", "--feature", "union-types",
         "--no-tips", "-vv", *copies],
        capture_output=True, text=True,
    )  # fmt: skip


def test_cli_code_runs_on_python_3_9(tmp_path):
    proc = _vermin_runtime(_cli_files(), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_python_3_9_check_flags_a_union_evaluated_at_run_time(tmp_path):
    """``isinstance(x, int | str)`` raises TypeError on Python 3.9 even with the future
    import; the same ``|`` in annotations, and between flags, is fine there."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from __future__ import annotations\n\n\n"
        "def f(x: int | str) -> bool:\n    return isinstance(x, int | str)\n"
    )
    fine = tmp_path / "fine.py"
    fine.write_text(
        "from __future__ import annotations\n\nimport os\n\n\n"
        "def f(x: int | None = None) -> str | None:\n"
        "    y: dict[str, int] | None = None\n    z: list[int] | None\n"
        "    return str(os.O_RDONLY | os.O_CLOEXEC | 0o100) if x is y else None\n"
    )
    (tmp_path / "out").mkdir()
    (tmp_path / "out2").mkdir()
    proc = _vermin_runtime([str(bad)], tmp_path / "out")
    assert proc.returncode != 0 and "union types as `X | Y` require !2, 3.10" in proc.stdout
    proc = _vermin_runtime([str(fine)], tmp_path / "out2")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def pyz(tmp_path_factory):
    out = tmp_path_factory.mktemp("pyz") / "nested-kvm.pyz"
    build_pyz.build(out)
    return out


def test_make_pyz_target_exists():
    assert "pyz:" in (REPO / "Makefile").read_text()
    assert "tools/build_pyz.py build/nested-kvm.pyz" in (REPO / "Makefile").read_text()


def test_zipapp_runs_every_command_outside_the_repo(pyz, make_host, tmp_path):
    root = make_host("amd", nested=True)
    conf = tmp_path / "kvm.conf"
    conf.write_text("options kvm_amd nested=1 npt=1\n")
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
    py = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable

    def run(*argv):
        return subprocess.run(
            [py, "-I", str(pyz), *argv], capture_output=True, text=True, cwd=tmp_path, env=env,
            timeout=60,
        )  # fmt: skip

    r = run("check", "--root", str(root), "--json", "--no-probe")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["verdict"]["l0_nested_ready"] is True
    r = run("params", "--module", "kvm_amd", "--kernel", "6.6", "--json")
    assert r.returncode == 0
    assert any(p["name"] == "nested" for p in json.loads(r.stdout)["params"])
    assert run("lint", "--kernel", "6.6", str(conf)).returncode == 0
    r = run("report", "--root", str(root))
    assert r.returncode == 0 and r.stdout.startswith("# nested-kvm report")
    assert run("--version").stdout.startswith("nested-kvm ")


def _checker_minimum() -> str:
    import tomllib

    spec = tomllib.loads((REPO / "checker/pyproject.toml").read_text())["project"]
    return spec["requires-python"].removeprefix(">=")


def test_zipapp_refuses_an_old_python_in_one_line(pyz, tmp_path):
    """On a Python older than requires-python (RHEL 8's platform python3 is 3.6) the
    zipapp prints one line and exits 2, before any checker module (whose syntax 3.6
    cannot parse) is imported: here sys.version_info is stubbed as 3.6.15."""
    code = (
        "import runpy, sys\n"
        "sys.version_info = (3, 6, 15, 'final', 0)\n"
        "sys.argv = ['nested-kvm.pyz', 'check']\n"
        f"runpy.run_path({str(pyz)!r}, run_name='__main__')\n"
    )
    r = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                       cwd=tmp_path, timeout=60)  # fmt: skip
    need = _checker_minimum()
    assert r.returncode == 2, r.stderr
    assert r.stderr == (
        f"nested-kvm needs Python {need} or newer; this is 3.6 (try python{need} {pyz})\n"
    )
    assert r.stdout == ""


def test_zipapp_entry_parses_on_any_python_3():
    """The file that checks the version (the zipapp's __main__.py) uses no syntax or
    module newer than Python 3.0 (vermin), so 3.6 reaches the check."""
    vermin = shutil.which("vermin") or str(Path(sys.executable).parent / "vermin")
    proc = subprocess.run(
        [vermin, "-t=3.0-", "--violations", "--no-tips", str(build_pyz.MAIN)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zipapp_entry_minimum_is_the_checkers_requires_python(monkeypatch, tmp_path):
    """pyz_main.py's MINIMUM must be requires-python: a copy that says otherwise is
    refused by the build."""
    need = _checker_minimum()
    text = build_pyz.MAIN.read_text()
    assert f"MINIMUM = ({need.replace('.', ', ')})" in text
    bad = tmp_path / "pyz_main.py"
    bad.write_text(text.replace("MINIMUM = (", "MINIMUM = (2, 7)  # was (", 1))
    monkeypatch.setattr(build_pyz, "MAIN", bad)
    with pytest.raises(SystemExit, match="requires-python"):
        build_pyz.build(tmp_path / "x.pyz")


def test_zipapp_is_executable(pyz):
    assert pyz.read_bytes().startswith(b"#!/usr/bin/env python3\n")
    assert os.access(pyz, os.X_OK)


# ------------------------------------------------------------- JSON Schema
@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("arch", ["intel", "amd", "s390x", "power", "arm64"])
@pytest.mark.parametrize("level", ["L0", "L1"])
def test_check_json_matches_the_published_schema(cli, make_host, validator, arch, level):
    doc = cli("check", "--root", str(make_host(arch, level=level)), "--json").json
    errors = [e.message for e in validator.iter_errors(doc)]
    assert not errors, errors


def test_error_json_matches_the_schema(cli, make_host, validator):
    root = make_host()
    (root / "proc/cpuinfo").unlink()
    r = cli("check", "--root", str(root), "--json")
    assert r.rc == 2
    assert not list(validator.iter_errors(r.json))
    assert r.json["host"] is None


def test_this_machine_matches_the_schema(cli, validator):
    assert not [e.message for e in validator.iter_errors(cli("check", "--json").json)]


def test_schema_version_is_the_one_printed():
    from nested_snippets.cli import check

    schema = json.loads(SCHEMA.read_text())
    assert schema["properties"]["schema"]["const"] == check.SCHEMA
    assert schema["$id"].endswith("/schemas/nested-kvm-check-1.json")
    assert "source/_extra" in (REPO / "conf.py").read_text()


# ------------------------------------------------------------ bash completion
def _options() -> dict[str, set[str]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    out = {}
    for name, p in sub.choices.items():
        out[name] = {s for a in p._actions for s in a.option_strings} - {"-h"}
    return out


def test_completion_lists_every_option():
    text = COMPLETION.read_text()
    for command, options in _options().items():
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(f"{command}) opts="))
        missing = sorted(o for o in options if o not in line.split('"')[1].split())
        assert not missing, (command, missing)


OPTION_CASES = [
    (["nested-kvm", "ch"], "check"),
    (["nested-kvm", "check", "--no"], "--no-probe"),
    (["nested-kvm", "params", "--ru"], "--running"),
    (["nested-kvm", "check", "--level", "L"], "L0 L1"),
]
"""Completions that need no file name (bash-completion's _filedir is stubbed below)."""


@pytest.mark.parametrize("words,expect", OPTION_CASES)
def test_completion_completes(words, expect):
    script = (
        "_init_completion() { words=(\"${COMP_WORDS[@]}\"); cword=$COMP_CWORD;"
        " cur=${words[cword]}; prev=${words[cword-1]}; }\n"
        "_filedir() { COMPREPLY=(FILE); }\n"
        f"source {COMPLETION}\n"
        f"COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}\n"
        "_nested_kvm; echo \"${COMPREPLY[*]}\"\n"
    )
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expect


@pytest.mark.parametrize(
    "words,expect",
    [
        *OPTION_CASES,
        (["nested-kvm", "check", "--root", "ro"], "rootdir"),
        (["nested-kvm", "report", "-o", "re"], "report.md"),
    ],
)
def test_completion_completes_without_bash_completion(words, expect, tmp_path):
    """A reader without the bash-completion package sources the file from ~/.bashrc:
    no _init_completion or _filedir is defined, and completion still works (walk)."""
    from tests.cli.conftest import complete_without_bash_completion

    (tmp_path / "rootdir").mkdir()
    (tmp_path / "report.md").write_text("")
    assert " ".join(complete_without_bash_completion(words, tmp_path)) == expect
