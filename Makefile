# The two commands in the README: `make demo` (the local emulator) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two stamps: the runtime alone (what `make demo` needs) and the dev tools on top of it
# (what `make test` needs), so trying the app does not install the linters and pytest.
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
# Exact versions of every dependency, so tests and CI install what was last tested.
CONSTRAINTS := constraints.txt

.PHONY: install demo test pytest lint docs bench mutation lock clean

$(RUNTIME_STAMP): pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c 'import sys; sys.exit("idealoop needs Python 3.11+, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e .
	touch $(RUNTIME_STAMP)

$(DEV_STAMP): $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e ".[dev]"
	touch $(DEV_STAMP)

install: $(DEV_STAMP)

demo: $(RUNTIME_STAMP)
	$(BIN)/idealoop shell

# Lint, layer rules, types and the docs site beside the tests (SQLite and PostgreSQL) on
# parallel workers: `make test` fails if any of them does. Most tests wait on HTTP, child
# processes and PostgreSQL, so 4 workers beat 2 on these 2 cores; --dist worksteal lets an
# idle worker take tests from a busy one, so one file of slow tests (the fault tests) does
# not leave the others waiting at the end. `make test TEST_WORKERS=0` runs them in this
# process, one after another; PYTEST_ARGS adds options (`make test PYTEST_ARGS="-k digest"`).
TEST_WORKERS ?= 4
test: $(DEV_STAMP)
	bash scripts/ensure-postgres.sh
	$(MAKE) --no-print-directory -j 3 lint docs pytest

# Each worker imports every test module, which pytest first rewrites for its assertion
# messages: on a fresh clone (or wherever PYTHONDONTWRITEBYTECODE is set, when nothing is
# ever cached) every worker rewrote all of them, 38 s of CPU for 4 workers. One collection
# first writes them (and the packages' bytecode) to __pycache__ for all workers: 25 s in
# all. Its errors, if any, are the run's own to report.
pytest: $(DEV_STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest --collect-only -q $(PYTEST_ARGS) >/dev/null || true
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

# The docs site (docs/, mkdocs.yml): --strict fails on a broken link or a page left out
# of the nav. Offline: no web fonts, no plugin that downloads. The site goes to site/.
docs: $(DEV_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

bench: $(DEV_STAMP)
	bash scripts/ensure-postgres.sh
	$(BIN)/python -m bench

# Break each guard listed in bench/mutants.toml in a copy of the tree and run the tests
# that should notice (several minutes); prints what was killed and the kill rate.
mutation: $(DEV_STAMP)
	bash scripts/ensure-postgres.sh
	$(BIN)/python -m bench.mutation

# Re-resolve every dependency to the newest versions pyproject.toml allows, in a
# throw-away virtualenv, and pin them in constraints.txt. Run `make test` after.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e ".[dev,postgres]"
	{ echo "# Exact versions for \`make test\` and CI; \`make lock\` regenerates this file."; \
	  .lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v "^pip=="; } > $(CONSTRAINTS)
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .lock-venv site .pytest_cache .ruff_cache .mypy_cache .import_linter_cache \
	  .grimp_cache *.egg-info
