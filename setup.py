"""The doc-test kit's wheel: every file under nested_snippets/ except the checker's.

The checker (``nested-kvm``) is its own distribution, ``checker/pyproject.toml``, built
from the same sources; ``tools/checker_files.py`` expands that file's selection, and
this build leaves exactly those files out, so the two wheels never ship the same file.
Metadata and dependencies are in ``pyproject.toml``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "tools"))
import checker_files  # noqa: E402

CHECKER = set(checker_files.files(HERE))


def _ours(path: str) -> bool:
    rel = Path(path).resolve().relative_to(HERE).as_posix()
    return rel not in CHECKER


class KitBuildPy(build_py):
    """build_py that leaves the checker's modules and data to ``nested-kvm``."""

    def find_package_modules(self, package, package_dir):
        return [m for m in super().find_package_modules(package, package_dir) if _ours(m[2])]

    def find_data_files(self, package, src_dir):
        return [f for f in super().find_data_files(package, src_dir) if _ours(f)]


# Packages wholly the checker's are left out; the others (nested_snippets itself
# included) are filtered file by file above.
whole = set(checker_files.load(HERE / "checker/pyproject.toml").packages)
setup(
    packages=[p for p in find_packages(include=["nested_snippets*"]) if p not in whole],
    cmdclass={"build_py": KitBuildPy},
)
