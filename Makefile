# recotrack: `make run` serves the API on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev migrate seed lint clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Pinned, hash-checked dependencies from the lock files; the project itself without deps.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/recotrack db upgrade

seed: migrate
	$(BIN)/recotrack seed

run: seed
	@echo "Serving recotrack on http://$(HOST):$(PORT) (API docs at /docs)"
	@echo "Writes need a key; create the first admin key with: $(BIN)/recotrack keys create --name admin --role admin"
	$(BIN)/recotrack serve --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# recotrack beside Datasette at 10k, 200k and 1M rows, and PostgreSQL with 4 workers; writes
# bench/RESULTS.md. BENCH_ARGS=--quick skips the 1M rows; --profile adds py-spy profiles.
bench: install-dev
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lint: install-dev
	$(BIN)/python -m ruff check app tests migrations

clean:
	rm -rf $(VENV) data .pytest_cache
