# Outil partagé du contrat de ville — commandes de base (voir README.md)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run setup test lint bench worker chromium

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_territories
	$(MANAGE) load_contract
	$(MANAGE) load_evaluation
	$(MANAGE) load_directory
	$(MANAGE) load_meetings
	$(MANAGE) import_qpv --if-available
	$(MANAGE) ensure_admin

run: setup
	@echo "Démarrage du travailleur de tâches, des tâches planifiées et du serveur sur http://$(HOST):$(PORT)"
	@$(MANAGE) run_worker --queue-name default & WORKER=$$!; \
	$(MANAGE) run_scheduler & SCHEDULER=$$!; \
	trap 'kill $$WORKER $$SCHEDULER 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver $(HOST):$(PORT)

worker: install
	$(MANAGE) run_worker

test: install
	CDVS_ENV=test $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	CDVS_ENV=test $(MANAGE) makemigrations --check --dry-run

bench: install
	$(BIN)/python -m bench

# Debian's Chromium for the browser tests (axe-core accessibility checks); no download by Playwright
chromium:
	@test -x /usr/bin/chromium || { \
	  echo "Installation de Chromium (paquet Debian) pour les tests dans le navigateur"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }
