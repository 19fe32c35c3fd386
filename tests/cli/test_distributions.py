"""Two distributions from one tree: nested-kvm (the checker, standard library only) and
nested-kvm-guide (the doc-test kit, its imports declared).  Both wheels are built from a
copy of the tree; the checker's is installed alone into a fresh virtual environment."""

from __future__ import annotations

import ast
import email
import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import nested_snippets
from tests.conftest import REPO, copy_tracked, tracked

sys.path.insert(0, str(REPO / "tools"))
import checker_files  # noqa: E402

CHECKER = set(checker_files.files())
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def _name(requirement: str) -> str:
    """The canonical distribution name of a requirement ('Sphinx>=8' -> 'sphinx')."""
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement)[0]).lower()


def _module(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("").as_posix().replace("/", ".")
    return rel.removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """Absolute names a file imports, ``from a import b`` as ``a.b``; plus extensions it
    loads by name (``app.setup_extension("x")``)."""
    tree = ast.parse(path.read_text(), str(path))
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            out.update(f"{base}.{a.name}" for a in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "setup_extension"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            out.add(node.args[0].value)
    return out


def _third_party(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names} - STDLIB - {"nested_snippets", "tests"}


def _distributions(modules: set[str]) -> dict[str, str]:
    """Top-level import name -> canonical distribution name (from what is installed)."""
    found = importlib.metadata.packages_distributions()
    missing = sorted(m for m in modules if m not in found)
    assert not missing, f"imported but installed by no distribution: {missing}"
    return {m: _name(found[m][0]) for m in modules}


KIT = [REPO / f for f in tracked("nested_snippets") if f.endswith(".py") and f not in CHECKER]


# ------------------------------------------------------------------ the imports
def test_the_checker_imports_only_the_standard_library_and_itself():
    known = checker_files.load().module_names()
    problems = []
    for rel in sorted(f for f in CHECKER if f.endswith(".py")):
        for name in sorted(_imports(REPO / rel)):
            top = name.split(".")[0]
            # "from nested_snippets.cli import main" names a function: its module counts
            inside = name in known or name.rpartition(".")[0] in known
            if top not in STDLIB and not (top == "nested_snippets" and inside):
                problems.append(f"{rel} imports {name}")
    assert not problems, (
        "the checker must need nothing but itself (a nested_snippets module it needs goes "
        "into checker/pyproject.toml, standard library only):\n" + "\n".join(problems)
    )


def test_the_kit_declares_exactly_what_it_imports():
    used = _distributions(_third_party(set().union(*(_imports(p) for p in KIT))))
    declared = {_name(r) for r in PYPROJECT["dependencies"]} - {"nested-kvm"}
    undeclared = sorted(f"{m} ({d})" for m, d in used.items() if d not in declared)
    unused = sorted(declared - set(used.values()))
    assert not undeclared, f"pyproject.toml dependencies lack: {undeclared}"
    assert not unused, f"pyproject.toml declares what no kit module imports: {unused}"


def test_the_kit_depends_on_this_very_checker():
    uses_checker = any(
        n in CHECKER or n.rpartition(".")[0] in checker_files.load().module_names()
        for p in KIT
        for n in _imports(p)
    )
    pins = [r for r in PYPROJECT["dependencies"] if _name(r) == "nested-kvm"]
    assert uses_checker
    assert pins == [f"nested-kvm=={nested_snippets.__version__}"]


def test_the_guide_build_and_the_tests_declare_what_they_import():
    extras = PYPROJECT["optional-dependencies"]
    declared = {_name(r) for r in [*PYPROJECT["dependencies"], *extras["docs"], *extras["test"]]}
    conf = REPO / "conf.py"
    names = _imports(conf)
    tree = ast.parse(conf.read_text())
    for node in tree.body:  # extensions = [...] and html_theme = "..." load by name
        if isinstance(node, ast.Assign) and node.targets[0].id in ("extensions", "html_theme"):
            names |= {c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant)}
    for sub in ("tests", "tools"):
        for path in sorted((REPO / sub).rglob("*.py")):
            names |= _imports(path)
    local = {p.stem for p in [*REPO.glob("*.py"), *(REPO / "tools").glob("*.py")]}
    used = _distributions(_third_party(names) - local)
    undeclared = sorted(f"{m} ({d})" for m, d in used.items() if d not in declared)
    assert not undeclared, f"pyproject.toml (dependencies or extras) lacks: {undeclared}"


# ------------------------------------------------------------------ the wheels
SOURCES = ("pyproject.toml", "setup.py", "README.rst", "checker", "tools/checker_files.py")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> dict[str, Path]:
    """Both wheels, built offline from a copy of the tracked sources (the worktree gets
    no build/ or egg-info from it)."""
    tree = tmp_path_factory.mktemp("tree")
    copy_tracked(tree, "nested_snippets", *SOURCES)
    out = tmp_path_factory.mktemp("wheels")
    cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    proc = subprocess.run(
        [*cmd, "--no-index", "-w", str(out), "./checker", "."],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = {w.name.split("-")[0]: w for w in out.glob("*.whl")}
    assert sorted(found) == ["nested_kvm", "nested_kvm_guide"], sorted(found)
    return found


def _contents(wheel: Path) -> tuple[set[str], email.message.Message, str]:
    """(files outside .dist-info, METADATA, entry_points.txt)"""
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(z.read(f"{info}/METADATA"))
        points_file = f"{info}/entry_points.txt"
        points = z.read(points_file).decode() if points_file in names else ""
    return {n for n in names if ".dist-info/" not in n}, meta, points


def test_the_checker_wheel_is_the_checker_and_needs_nothing(wheels):
    files, meta, points = _contents(wheels["nested_kvm"])
    assert files == CHECKER
    assert not any(n.startswith(("nested_snippets/fakehost", "nested_snippets/sphinxext"))
                   for n in files)  # fmt: skip
    assert meta.get_all("Requires-Dist") is None
    assert meta["Requires-Python"] == ">=3.9"
    assert "nested-kvm = nested_snippets.cli:main" in points


def test_the_kit_wheel_declares_its_dependencies_and_ships_no_checker_file(wheels):
    files, meta, points = _contents(wheels["nested_kvm_guide"])
    assert not files & CHECKER, sorted(files & CHECKER)
    requires = meta.get_all("Requires-Dist") or []
    assert {_name(r) for r in requires if "extra ==" not in r} >= {
        "nested-kvm",
        "bashlex",
        "sphinx",
        "sphinx-tabs",
        "docutils",
        "pytest",
    }
    assert f"nested-kvm=={nested_snippets.__version__}" in requires
    assert "nested-kvm" not in points


def test_every_tracked_file_of_the_package_is_in_exactly_one_wheel(wheels):
    checker, _, _ = _contents(wheels["nested_kvm"])
    kit, _, _ = _contents(wheels["nested_kvm_guide"])
    files = set(tracked("nested_snippets"))
    assert not checker & kit
    assert sorted(files - (checker | kit)) == [], "shipped by neither wheel"
    assert sorted((checker | kit) - files) == [], "shipped but not tracked"


def test_the_checker_wheel_runs_alone_in_a_fresh_environment(wheels, make_host, tmp_path):
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin/python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    subprocess.run([*install, "--no-index", "--no-deps", str(wheels["nested_kvm"])], check=True)
    site = next(env_dir.glob("lib/python3*/site-packages"))
    assert sorted(p.name for p in site.glob("*.dist-info")) == [
        f"nested_kvm-{nested_snippets.__version__}.dist-info"
    ]
    env = {"PATH": f"{env_dir}/bin:/usr/bin:/bin", "LC_ALL": "C"}  # no PYTHONPATH

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            argv, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
        )

    r = run("nested-kvm", "--help")
    assert r.returncode == 0, r.stderr
    assert "check" in r.stdout and "params" in r.stdout
    root = make_host("amd", nested=True)
    r = run("nested-kvm", "check", "--root", str(root), "--no-probe", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["verdict"]["l0_nested_ready"] is True
    r = run("nested-kvm", "params", "--module", "kvm_amd", "--kernel", "6.6", "--json")
    assert r.returncode == 0, r.stderr
    # the kit is not there: the checker ran without it
    r = run(str(python), "-c", "import nested_snippets.fakehost")
    assert "No module named 'nested_snippets.fakehost'" in r.stderr


def test_a_definition_naming_what_is_not_there_is_one_clear_error(tmp_path):
    (tmp_path / "nested_snippets").mkdir()
    (tmp_path / "nested_snippets/__init__.py").write_text("")
    project = tmp_path / "checker/pyproject.toml"
    project.parent.mkdir()
    project.write_text(
        '[tool.setuptools]\npackage-dir = { "" = ".." }\npy-modules = ["nested_snippets.nope"]\n'
    )
    with pytest.raises(checker_files.DefinitionError, match=r"nested_snippets\.nope: no "):
        checker_files.files(tmp_path)
    project.write_text("[tool.setuptools\n")
    with pytest.raises(checker_files.DefinitionError, match="no .tool.setuptools. table"):
        checker_files.files(tmp_path)
