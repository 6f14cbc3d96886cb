# Project tooling for the crm_sequence Odoo 19 addon (this repository's root IS the addon).
#   make run   - install what is missing, create the demo database once, serve Odoo on :8069
#   make test  - pytest-odoo runs every test of the addon, browser tours included, in a throwaway
#                database; the last line is pytest's summary ("N passed in Ns"). One class or test:
#                make test K=TestTiming  (pytest -k); more pytest options: PYTEST_ARGS="-x -v"
#   make lint  - ruff
# The logic lives in tools/*.py (standard library only) so that it can check and explain;
# tests/conftest.py holds make test's pytest hooks (a skipped test or a logged error fails the run).

PYTHON      ?= python3
# Addon to run/test; override to try the tooling on another addon folder.
ADDON_DIR   ?= $(CURDIR)
# make test: pytest -k expression (K=TestTiming, K="TestTiming and dst") and other pytest options.
K           ?=
PYTEST_ARGS ?=
PORT        ?= 8069
DEMO_DB     ?= crm_sequence_demo

.PHONY: run test lint reset-demo clean

run:
	$(PYTHON) tools/serve.py --addon-dir "$(ADDON_DIR)" --db "$(DEMO_DB)" --port "$(PORT)"

# Not depending on lint: a style nit must not fail the test run.
test:
	@if [ -n "$(TEST_TAGS)" ]; then echo "TEST_TAGS is gone with Odoo's test runner: make test K=TestTiming (pytest -k)" >&2; exit 2; fi
	$(PYTHON) tools/odoo_env.py test --addon-dir "$(ADDON_DIR)" -- $(if $(K),-k "$(K)") $(PYTEST_ARGS)

lint:
	@$(PYTHON) -m ruff --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet ruff
	$(PYTHON) -m ruff check .

# Drop the demo database (and its filestore); the next `make run` recreates it.
reset-demo:
	$(PYTHON) tools/serve.py --db "$(DEMO_DB)" --drop

clean:
	rm -rf .build
