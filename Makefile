# peiling — the two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/peiling

.PHONY: demo test lint test-sqlite test-postgres clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	PEILING_SECURE=0 DEBUG=0 $(BIN)/peiling demo --serve

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test-sqlite: $(VENV)/.installed-test
	$(BIN)/pytest

test-postgres: $(VENV)/.installed-test
	PEILING_TEST_POSTGRES=1 PEILING_TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest

test: lint test-sqlite
	@if [ -n "$$PEILING_TEST_POSTGRES" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "(PostgreSQL run skipped: set PEILING_TEST_POSTGRES=1 to run the suite on PostgreSQL too)"; fi

messages: $(VENV)/.installed
	cd src/peiling && ../../$(BIN)/peiling manage makemessages -l nl --no-obsolete && ../../$(BIN)/peiling manage compilemessages

clean:
	rm -rf $(VENV) var/test
