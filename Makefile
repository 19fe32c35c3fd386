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

.PHONY: help html open doctest test lint linkcheck livehtml man singlehtml epub clean bench freshness

help:
	@echo "make html       build the guide into build/html (zero warnings allowed)"
	@echo "make test       everything CI runs: lint, doctest, snippet matrix, browser tests"
	@echo "make doctest    Sphinx doctest, pytest-sphinx testcode blocks, then the snippet suite"
	@echo "make linkcheck  internal links and anchors (external links are listed, not fetched)"
	@echo "make livehtml   rebuild and reload in the browser on every edit"
	@echo "make man        the nested-kvm(1) man page;  make singlehtml / epub"
	@echo "make bench      run the committed benchmarks (prints ratios)"
	@echo "make freshness  Debian kernels and QEMU newer than the data and the pins (not in test)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv .venv
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[docs,test]'
	@touch $@

html: $(STAMP)
	$(SPHINX) -b html -d build/doctrees source build/html
	@echo
	@echo "The guide is built. Open: file://$(CURDIR)/build/html/index.html"

open: html
	@$(BIN)/python -m webbrowser -t "file://$(CURDIR)/build/html/index.html" >/dev/null 2>&1 || true

doctest: $(STAMP)
	$(SPHINX) -b doctest -d build/doctrees source build/doctest
	@files=$$(grep -rl --include='*.rst' '^\.\. testcode::' source); \
	if [ -z "$$files" ]; then echo "make doctest: no testcode blocks under source/" >&2; exit 1; fi; \
	echo "pytest-sphinx: $$files"; \
	$(PYTEST) -p sphinx -o addopts="" -o testpaths="" -q $$files
	$(PYTEST) nested_snippets/snippets -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/sphinx-lint source README.rst

linkcheck: $(STAMP)
	$(SPHINX) -b linkcheck -d build/doctrees source build/linkcheck
	$(SPHINX) -b html -d build/doctrees source build/html
	$(BIN)/python tests/test_site_build.py build/html build/linkcheck/output.json

# man and epub keep their own doctrees: sphinx-tabs decides at read time whether to
# emit (HTML-only) tabs, so sharing the HTML build's doctrees would hide all but one
# vendor's panel in the EPUB and give the man writer nodes it cannot write.
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

freshness: $(STAMP)
	$(BIN)/python tools/freshness.py

clean:
	rm -rf build .pytest_cache
