# The two commands of the README: `make run` and `make test`. Everything else serves them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/facettes_test


.PHONY: install browser translations catalog run test test-sqlite test-postgres lint bench

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt scripts/system-deps.sh
	./scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

browser:
	./scripts/system-deps.sh --with-browser

translations: install
	$(BIN)/pybabel -q compile -d app/translations -f

# Installs, migrates the embedded SQLite database, loads the demo cooperative, serves on :5000.
run: translations
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# The whole suite on SQLite, then again on PostgreSQL (local server, its own database).
test: test-sqlite test-postgres

test-sqlite: translations browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: translations browser
	TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check app tests bench

# Refresh the message catalogues after changing interface strings, then translate the new
# French entries in app/translations/fr/LC_MESSAGES/messages.po.
catalog: install
	$(BIN)/pybabel -q extract --no-wrap -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(BIN)/pybabel -q update --no-wrap -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

# Every benchmark on loopback (PostgreSQL and Redis for the two-worker run), one JSON each in bench/results/.
bench: translations
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)
