"""What the ``nested-kvm`` checker is: the files that ``checker/pyproject.toml`` selects.

That file's ``[tool.setuptools]`` table (packages, single modules, package data) is the
one definition; this module expands it into repository paths for the zipapp
(``tools/build_pyz.py``), for the doc-test kit (``setup.py`` leaves these files out of
its wheel) and for the tests.  Standard library only.

.. testcode::

   selected = files()
   print("nested_snippets/cli/__init__.py" in selected, "nested_snippets/model.py" in selected)

.. testoutput::

   True False
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT = REPO / "checker" / "pyproject.toml"


class DefinitionError(Exception):
    """checker/pyproject.toml selects something that is not there (one line)."""


@dataclass(frozen=True)
class Checker:
    packages: tuple[str, ...]
    """Whole packages: every ``*.py`` directly in their directory."""
    modules: tuple[str, ...]
    """Single modules; their package's ``__init__.py`` comes along."""
    data: dict[str, tuple[str, ...]]
    """package -> glob patterns of data files, relative to the package directory."""

    def files(self, repo: Path = REPO) -> list[str]:
        """Every file of the checker, as sorted POSIX paths relative to ``repo``."""
        out: set[Path] = set()
        for pkg in self.packages:
            found = sorted(_package_dir(repo, pkg).glob("*.py"))
            _require(found, f"package {pkg} has no modules")
            out.update(found)
        for mod in self.modules:
            package, _, name = mod.rpartition(".")
            path = _package_dir(repo, package) / f"{name}.py"
            _require(path.is_file(), f"module {mod}: no {path.relative_to(repo)}")
            out.add(path)
        for pkg in {*self.packages, *(m.rpartition(".")[0] for m in self.modules)}:
            parts = pkg.split(".")
            for i in range(1, len(parts) + 1):  # the package and its parents' __init__.py
                init = _package_dir(repo, ".".join(parts[:i])) / "__init__.py"
                _require(init.is_file(), f"package {pkg}: no {init.relative_to(repo)}")
                out.add(init)
        for pkg, patterns in self.data.items():
            for pattern in patterns:
                found = sorted(p for p in _package_dir(repo, pkg).glob(pattern) if p.is_file())
                _require(found, f"package-data {pkg}: nothing matches {pattern}")
                out.update(found)
        return sorted(p.relative_to(repo).as_posix() for p in out)

    def module_names(self, repo: Path = REPO) -> set[str]:
        """Dotted names of every module in the checker (packages by their own name)."""
        names = set()
        for rel in self.files(repo):
            if rel.endswith(".py"):
                name = rel[: -len(".py")].replace("/", ".")
                names.add(name.removesuffix(".__init__"))
        return names


def _package_dir(repo: Path, package: str) -> Path:
    return repo.joinpath(*package.split("."))


def _read(project: Path, keys: tuple[str, ...], what: str):
    """The value at ``keys`` in the TOML file ``project``; a DefinitionError naming
    ``what`` when the file or the value is missing."""
    try:
        with project.open("rb") as f:
            value = tomllib.load(f)
        for key in keys:
            value = value[key]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise DefinitionError(f"{project}: no {what} ({exc})") from None
    return value


def _require(cond: object, problem: str) -> None:
    if not cond:
        raise DefinitionError(f"{PROJECT.relative_to(REPO)}: {problem}")


def load(project: Path = PROJECT) -> Checker:
    """The checker as ``project`` (``checker/pyproject.toml``) defines it."""
    table = _read(project, ("tool", "setuptools"), "[tool.setuptools] table")
    _require(table.get("package-dir") == {"": ".."}, "package-dir must be {'' = '..'}")
    return Checker(
        packages=tuple(table.get("packages", ())),
        modules=tuple(table.get("py-modules", ())),
        data={k: tuple(v) for k, v in table.get("package-data", {}).items()},
    )


def files(repo: Path = REPO) -> list[str]:
    """Every file of the checker in ``repo`` (see :meth:`Checker.files`)."""
    return load(repo / PROJECT.relative_to(REPO)).files(repo)


def requires_python(project: Path = PROJECT) -> str:
    """The ``X.Y`` of the checker's ``requires-python = ">=X.Y"``."""
    spec = _read(project, ("project", "requires-python"), "[project] requires-python")
    version = spec.strip().removeprefix(">=").strip()
    _require(re.fullmatch(r"\d+\.\d+", version), f"requires-python {spec!r} is not '>=X.Y'")
    return version
