# Two commands a newcomer needs: `make run` and `make test`. Everything else is a step they depend on.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app register
VENDOR := register/static/vendor
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup assets translations extract check-python clean bench

run: setup
	$(FLASK) db upgrade heads
	$(FLASK) catalogs load
	$(FLASK) demo --if-empty
	@echo ""
	@echo "  Register kører på http://$(HOST):$(PORT)/"
	@$(FLASK) demo --logins
	@echo ""
	$(FLASK) run --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/ruff check register tests bench wsgi.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: check-python $(VENV)/.installed assets translations

check-python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Register needs Python 3.11 or newer"' \
	  || { echo "Python 3.11 or newer is required (set PYTHON=...)"; exit 1; }

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Det Fælles Designsystem (neutral theme, IBM Plex fonts) and htmx, from the npm registry, served locally.
assets: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/dkfds/css $(VENDOR)/dkfds/js $(VENDOR)/htmx
	# Only what the pages load (the neutral theme, minified; fonts and images): no source maps or sources.
	cp node_modules/dkfds/dist/css/dkfds.min.css $(VENDOR)/dkfds/css/
	cp node_modules/dkfds/dist/js/dkfds.min.js $(VENDOR)/dkfds/js/
	cp -r node_modules/dkfds/dist/fonts node_modules/dkfds/dist/img $(VENDOR)/dkfds/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d register/translations -D messages >/dev/null

# Refresh the English catalogue after adding or changing Danish source strings; then translate the empty
# msgstr entries in register/translations/en/LC_MESSAGES/messages.po and run `make translations`.
# The .pot is a by-product (not committed); tests/test_translations.py lists what is still untranslated.
extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.* __pycache__ node_modules' \
	  -o register/translations/messages.pot .
	$(BIN)/pybabel update -i register/translations/messages.pot -d register/translations -l en \
	  --no-fuzzy-matching --width=110

bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache
