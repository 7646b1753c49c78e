# peiling — the two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/peiling
NODE   := node_modules/.package-lock.json
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint test-sqlite test-postgres clean messages chromium cluster-drill

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# deduce (names in open answers) builds its lookup tables once, on first use: 1-2 minutes.
DEDUCE := $(BIN)/python -c "from peiling.openanswers.privacy import prepare; prepare()"

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(DEDUCE)
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(DEDUCE)
	@touch $@ $(VENV)/.installed

# NL Design System CSS (respondent pages) and axe-core (browser tests), pinned in package.json.
$(NODE): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
chromium:
	@[ -x /usr/bin/chromium ] || { echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

demo: $(VENV)/.installed $(NODE)
	PEILING_SECURE=0 DEBUG=0 $(BIN)/peiling demo --serve

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Browser tests (marker `browser`) run once, here; PostgreSQL adds nothing to what they test.
test-sqlite: $(VENV)/.installed-test $(NODE) chromium
	env -u PEILING_TEST_POSTGRES PEILING_REQUIRE_BROWSER=1 $(BIN)/pytest

test-postgres: $(VENV)/.installed-test $(NODE)
	PEILING_TEST_POSTGRES=1 PEILING_TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser"

# With PEILING_TEST_POSTGRES=1 both runs go at once, one per core (each its own var dir and
# database); --output-sync prints each run's output whole when it ends.
test: lint
	@if [ -n "$$PEILING_TEST_POSTGRES" ]; then \
	  $(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres; \
	else $(MAKE) --no-print-directory test-sqlite; \
	  echo "(PostgreSQL run skipped: set PEILING_TEST_POSTGRES=1 to run the suite on PostgreSQL too)"; fi

# The multi-host proof (deploy/, issue 24): the cluster in network namespaces, one app host
# killed under respondents, one worker host killed while invitations go out, the backup and
# restore drill. Needs root, Debian's haproxy and PostgreSQL 15; about five minutes.
cluster-drill: $(VENV)/.installed-test
	$(BIN)/python deploy/scenarios.py respondents --respondents 100 --kill-at 8
	$(BIN)/python deploy/scenarios.py invitations --members 6000 --kill-after 2000
	$(BIN)/python deploy/scenarios.py backup --respondents 50

messages: $(VENV)/.installed
	cd src/peiling && ../../$(BIN)/peiling manage makemessages -l nl --no-obsolete && ../../$(BIN)/peiling manage compilemessages

clean:
	rm -rf $(VENV) var/test var/test-postgres
