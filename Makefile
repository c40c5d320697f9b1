# Everyday commands. `make run` serves the site with demo data; `make test` runs the suite.
# Both create .venv on first use and reinstall dependencies when pyproject.toml changes.

SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
CHROMIUM := /usr/bin/chromium

# Dummy values for `manage.py check --deploy` with production settings (never used to serve).
CHECK_ENV := DJANGO_SETTINGS_MODULE=partystats.settings.production \
	SECRET_KEY=check-only-7Qm2vXr9LpTz4Wk8NbYc3HsJd6FgAe5UuZ1oIyRtEwKqPlMnBvCx0 \
	ALLOWED_HOSTS=partystats.example \
	DATABASE_URL=postgres://partystats@127.0.0.1:5432/partystats

.PHONY: run test screenshots lint check deps dev-deps chromium messages catalogue

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The project has no importable packages of its own ([tool.setuptools] packages = []):
# installing it installs its dependencies. The stamps record what was installed and when.
$(VENV)/.deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(VENV)/.dev-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(VENV)/.deps $@

deps: $(VENV)/.deps

dev-deps: $(VENV)/.dev-deps

run: export DJANGO_SETTINGS_MODULE = partystats.settings.local
run: deps messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/gunicorn partystats.wsgi --bind $(HOST):$(PORT) --access-logfile - --no-control-socket

# Translations: compile locale/**/*.po to .mo when the project has any (msgfmt comes from
# Debian's gettext package). compilemessages skips catalogues whose .mo is already newer.
messages: deps
	@if compgen -G 'locale/*/LC_MESSAGES/*.po' >/dev/null \
		|| compgen -G '*/locale/*/LC_MESSAGES/*.po' >/dev/null; then \
		if ! command -v msgfmt >/dev/null; then \
			if [ "$$(id -u)" = 0 ]; then \
				apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gettext; \
			else \
				echo "msgfmt is missing: install Debian's gettext package (sudo apt-get install gettext)" >&2; \
				exit 1; \
			fi; \
		fi; \
		echo "$(BIN)/python manage.py compilemessages"; \
		$(BIN)/python manage.py compilemessages --ignore .venv --ignore node_modules --ignore staticfiles; \
	fi

# The Vietnamese catalogue made again from the code's strings (new ones added untranslated,
# those gone dropped), then compiled. tests/partystats/test_catalogue.py fails until it is run
# after a translated string changes, and while a string has no Vietnamese.
catalogue: deps
	$(BIN)/python manage.py makemessages -l vi --no-obsolete --add-location file
	$(MAKE) messages

# Browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
		else \
			echo "$(CHROMIUM) is missing: install Debian's chromium package (sudo apt-get install chromium)" >&2; \
			exit 1; \
		fi; \
	fi

# DATABASE_URL from the environment is honoured (PostgreSQL: see scripts/pg_test_cluster.sh).
# pytest's exit code 5 (no test collected) is a failure like any other non-zero code.
# axe-core (npm) is injected into pages by the accessibility tests; the lock file pins it.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# PYTEST_ARGS narrows the run, e.g. make test PYTEST_ARGS='-m "not soak"' (markers in
# pyproject.toml); without it, the whole suite.
test: dev-deps chromium messages node_modules/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

# The README's screenshots (docs/screenshots/) taken afresh on the demo data by the browser tests
# that take them; any other run writes them to a temporary folder (tests/screenshots.py).
SCREENSHOT_TESTS := tests/units/web/test_browser_quality.py tests/units/web/test_browser_paragraph.py \
	tests/units/web/test_browser_embed.py tests/imports/test_browser_publish.py

screenshots: dev-deps chromium messages node_modules/.installed
	SCREENSHOTS_UPDATE=1 $(BIN)/pytest -m browser $(SCREENSHOT_TESTS)

lint: dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: deps
	DJANGO_SETTINGS_MODULE=partystats.settings.local $(BIN)/python manage.py makemigrations --check --dry-run
	$(CHECK_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING
