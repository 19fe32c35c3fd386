# nested-kvm-guide tasks.  Without an active virtual environment the Makefile
# creates .venv from pyproject.toml on first use and reuses it afterwards.

PYTHON   ?= python3
SPHINX_J ?= auto
ifdef VIRTUAL_ENV
  BIN := $(VIRTUAL_ENV)/bin
else
  BIN := .venv/bin
endif
STAMP    := $(BIN)/.nested-kvm-guide-installed
SPHINX   := $(BIN)/sphinx-build -c . -j $(SPHINX_J) -W --keep-going -n
PYTEST   := $(BIN)/python -m pytest

.PHONY: help html open doctest docstrings test lint linkcheck livehtml man singlehtml epub clean bench bench-matrix pyz wheels freshness

help:
	@echo "make html       build the guide into build/html (zero warnings allowed)"
	@echo "make test       everything CI runs: lint, doctest, snippet matrix, browser tests"
	@echo "make doctest    the pages' examples (Sphinx doctest), make docstrings, the snippet suite"
	@echo "make docstrings the examples in the Python modules' docstrings (pytest-sphinx)"
	@echo "make linkcheck  every link; external ones when there is a network (else counted)"
	@echo "make livehtml   rebuild and reload in the browser on every edit"
	@echo "make man        the nested-kvm(1) man page;  make singlehtml / epub"
	@echo "make bench      run the committed benchmarks (prints ratios)"
	@echo "make bench-matrix  only the snippet matrix (-n 2): wall, CPU, load, items, releases"
	@echo "make pyz        build/nested-kvm.pyz: the checker as one file (runs on python3 >= 3.9)"
	@echo "make wheels     build/wheels: nested-kvm (the checker) and nested-kvm-guide (the kit)"
	@echo "make freshness  Debian kernels and QEMU newer than the data and the pins (not in test)"

# Two distributions from this tree: nested-kvm (the checker, checker/pyproject.toml)
# and nested-kvm-guide (the doc-test kit, pyproject.toml + setup.py), both editable.
# The kit is removed first: before the split it owned bin/nested-kvm, and replacing it
# after the checker is installed would delete the checker's script.
$(STAMP): pyproject.toml setup.py checker/pyproject.toml tools/checker_files.py
	@test -x $(BIN)/python || $(PYTHON) -m venv .venv
	$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip uninstall --quiet --yes nested-kvm-guide 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -e ./checker -e '.[docs,test]'
	@touch $@

html: $(STAMP)
	$(SPHINX) -b html -d build/doctrees source build/html
	@echo
	@echo "The guide is built. Open: file://$(CURDIR)/build/html/index.html"

open: html
	@$(BIN)/python -m webbrowser -t "file://$(CURDIR)/build/html/index.html" >/dev/null 2>&1 || true

# Each example runs once, by one tool:
#  - Sphinx's doctest builder runs the pages' examples (testcode/testoutput and doctest
#    blocks under source/, reST and MyST); conf.py loads no autodoc, so it never reads
#    a module's docstring;
#  - pytest-sphinx runs the examples in the Python modules' docstrings (make docstrings):
#    their testcode/testoutput blocks, and pytest's own doctest, which pytest-sphinx
#    builds on, their ">>>" lines; no page is given to it.
doctest: $(STAMP)
	$(SPHINX) -b doctest -d build/doctrees-doctest source build/doctest
	@$(MAKE) --no-print-directory docstrings
	$(PYTEST) nested_snippets/snippets -q -n 2 --dist worksteal

DOCSTRING_DIRS := nested_snippets tools
docstrings: $(STAMP)
	@files=$$(grep -rlE --include='*.py' '^\s*(>>> |\.\. testcode::)' $(DOCSTRING_DIRS)); \
	if [ -z "$$files" ]; then echo "make docstrings: no examples in $(DOCSTRING_DIRS)" >&2; exit 1; fi; \
	echo "pytest-sphinx: "$$files; \
	$(PYTEST) -p sphinx --doctest-modules -o addopts="" -o testpaths="" -q $(DOCSTRING_OPTS) $$files

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/sphinx-lint source README.rst

# External links are fetched when git.kernel.org answers; without a network they are
# listed, counted and reported as not checked (tools/linkcheck.py, conf.py).
linkcheck: $(STAMP)
	@offline=$$($(BIN)/python tools/linkcheck.py probe); export NESTED_KVM_LINKCHECK_OFFLINE=$$offline; \
	$(SPHINX) -b linkcheck -d build/doctrees-linkcheck source build/linkcheck; status=$$?; \
	$(BIN)/python tools/linkcheck.py report build/linkcheck/output.json || status=1; exit $$status
	$(SPHINX) -b html -d build/doctrees source build/html
	$(BIN)/python tests/test_site_build.py build/html build/linkcheck/output.json

# Builders that are not HTML keep their own doctrees: sphinx-tabs decides at read
# time whether to emit (HTML-only) tabs, so doctrees read by doctest or linkcheck
# would give HTML pages without tabs, and the HTML build's would hide all but one
# vendor's panel in the EPUB and give the man writer nodes it cannot write.  (Should
# two kinds share a directory anyway, sphinxext/readmode.py re-reads every page.)
man: $(STAMP)
	$(SPHINX) -b man -d build/doctrees-man source build/man

singlehtml: $(STAMP)
	$(SPHINX) -b singlehtml -d build/doctrees source build/singlehtml

epub: $(STAMP)
	$(SPHINX) -b epub -d build/doctrees-epub source build/epub

livehtml: $(STAMP)
	$(BIN)/sphinx-autobuild -c . source build/html --watch nested_snippets

test: $(STAMP) lint doctest
	$(PYTEST) tests -q -n 2

bench: $(STAMP)
	$(BIN)/python tools/bench.py

bench-matrix: $(STAMP)
	$(BIN)/python tools/bench.py --only-matrix

pyz:
	$(PYTHON) tools/build_pyz.py build/nested-kvm.pyz

# Both wheels; the checker's holds the files checker/pyproject.toml selects, the kit's
# every other file under nested_snippets/ (setup.py).
wheels: $(STAMP)
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation -w build/wheels ./checker .

freshness: $(STAMP)
	$(BIN)/python tools/freshness.py

clean:
	rm -rf build .pytest_cache
