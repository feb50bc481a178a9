# Ticketing — every developer command. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV ?= uv
RUN := $(UV) run --frozen
PY_SRC := libs/svckit/src services/catalog/src services/inventory/src services/booking/src \
          services/payment/src services/payment_simulator/src services/waitingroom/src gateway/src

# Local infrastructure (override on the command line or in the environment).
DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/ticketing
AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672/
export DATABASE_URL AMQP_URL

# `make run REPLICAS=2`: every service twice (ports 7051-7055, 7061-7065, …), two gateway workers.
REPLICAS ?= 1

# Tests use these servers when reachable; otherwise tests/conftest.py starts containers.
LOCAL_PG := postgresql://postgres@127.0.0.1:5432/postgres
LOCAL_AMQP := amqp://guest:guest@127.0.0.1:5672/

# `make token USER=<uuid>`: $(USER) is also the login name, so only a command-line USER counts.
ifeq ($(origin USER),command line)
TOKEN_USER := $(USER)
else
TOKEN_USER := 11111111-1111-4111-8111-111111111111
endif

.PHONY: help install protos protos-check lint format test test-unit test-integration test-e2e \
        run migrate seed token bench bench-smoke bench-chaos up down clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

install: ## create .venv with every package and tool from the lock file
	@command -v $(UV) >/dev/null || { echo "uv not found: installing it with pip"; python3 -m pip install -q 'uv>=0.9'; }
	$(UV) sync --frozen

protos: install ## regenerate libs/ticketing from protos/
	$(RUN) python libs/ticketing/generate.py

protos-check: install ## fail if libs/ticketing drifted from protos/
	$(RUN) python libs/ticketing/generate.py --check

lint: install ## ruff (format check + lint), mypy, import-linter
	$(RUN) ruff format --check .
	$(RUN) ruff check .
	$(RUN) mypy $(PY_SRC)
	$(RUN) lint-imports

format: install ## apply ruff formatting and safe fixes
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

test: install lint protos-check ## lint, check the stubs, run every test against real PostgreSQL and RabbitMQ
	@eval "$$($(RUN) python deploy/local/preflight.py --test-env)"; \
	  $(RUN) pytest $(PYTEST_ARGS)

test-unit: install ## unit tests only
	$(RUN) pytest -m unit $(PYTEST_ARGS)

test-integration: install ## integration tests only
	@eval "$$($(RUN) python deploy/local/preflight.py --test-env)"; \
	  $(RUN) pytest -m integration $(PYTEST_ARGS)

test-e2e: install ## end-to-end tests only (the whole system as processes)
	@eval "$$($(RUN) python deploy/local/preflight.py --test-env)"; \
	  $(RUN) pytest -m e2e $(PYTEST_ARGS)

migrate: install ## create the database if missing and migrate every schema
	$(RUN) python deploy/local/preflight.py
	$(RUN) python deploy/local/setup_db.py

run: migrate ## set up and run the whole system with demo data (REPLICAS=2: two of every service; Ctrl-C stops it)
	@mkdir -p .run
	$(RUN) python deploy/local/procfile.py --replicas $(REPLICAS) > .run/Procfile
	$(RUN) honcho -f .run/Procfile -e deploy/local/dev.env -d . start

seed: install ## load the demo catalog (idempotent; needs catalog and inventory running)
	$(RUN) python -m catalog seed

token: install ## print a development JWT: make token USER=<uuid> [ROLE=admin]
	@$(RUN) python -m gateway token --user $(TOKEN_USER) $(if $(ROLE),--role $(ROLE))

bench: install ## benchmark workloads a-g through the gateway (BENCH_URL= to use a running system)
	@$(RUN) python deploy/local/preflight.py >/dev/null
	$(RUN) python -m tests.load.bench $(BENCH_ARGS)

bench-smoke: install ## a few seconds per benchmark workload; asserts correctness only
	@$(RUN) python deploy/local/preflight.py >/dev/null
	$(RUN) python -m tests.load.bench --smoke $(BENCH_ARGS)

bench-chaos: install ## two replicas of everything under load while processes and connections are killed (CHAOS_ARGS=)
	@eval "$$($(RUN) python deploy/local/preflight.py --test-env)"; \
	  $(RUN) python -m tests.chaos $(CHAOS_ARGS)

up: ## run the whole system in containers (Docker)
	docker compose up -d --build

down: ## stop the containers
	docker compose down

clean: ## remove caches and the virtual environment
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache bench-results
