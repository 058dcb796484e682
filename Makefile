# Two commands for a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A development machine: the public development key and /dev/mailbox are allowed (they
# are refused everywhere else, see docs/DEPLOY.md).
FLASK := PORTAL_DEVELOPMENT=1 $(BIN)/flask --app wsgi

AXE := tests/a11y/node_modules/axe-core/axe.min.js

.PHONY: run test lint demo-reset worker bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(BIN)/.installed $(AXE)
	$(BIN)/pytest $(PYTEST_ARGS)

# axe-core for tests/a11y, from npm at the locked version; without npm that test skips.
$(AXE): tests/a11y/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: tests/a11y/test_axe.py will be skipped"; fi

lint: $(BIN)/.installed
	$(BIN)/ruff check portal workers tests bench
	$(BIN)/mypy

demo-reset: $(BIN)/.installed
	$(FLASK) db upgrade
	$(FLASK) demo --reset

worker: $(BIN)/.installed
	$(FLASK) worker

bench: $(BIN)/.installed
	$(BIN)/python -m bench
