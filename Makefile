# Project tooling for the crm_sequence Odoo 19 addon (this repository's root IS the addon).
#   make run   - install what is missing, create the demo database once, serve Odoo on :8069
#   make test  - run every test of the addon in a throwaway database (last line: "N passed, N failed")
#   make lint  - ruff
# The logic lives in tools/*.py (standard library only) so that it can check and explain.

PYTHON    ?= python3
# Addon to run/test; override to try the tooling on another addon folder.
ADDON_DIR ?= $(CURDIR)
# Odoo --test-tags, e.g. TEST_TAGS=/crm_sequence:TestEnrollment
TEST_TAGS ?= /crm_sequence
PORT      ?= 8069
DEMO_DB   ?= crm_sequence_demo

.PHONY: run test lint reset-demo clean

run:
	$(PYTHON) tools/serve.py --addon-dir "$(ADDON_DIR)" --db "$(DEMO_DB)" --port "$(PORT)"

# Not depending on lint: a style nit must not fail the test run.
test:
	$(PYTHON) tools/run_tests.py --addon-dir "$(ADDON_DIR)" --test-tags "$(TEST_TAGS)"

lint:
	@$(PYTHON) -m ruff --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet ruff
	$(PYTHON) -m ruff check .

# Drop the demo database (and its filestore); the next `make run` recreates it.
reset-demo:
	$(PYTHON) tools/serve.py --db "$(DEMO_DB)" --drop

clean:
	rm -rf .build
