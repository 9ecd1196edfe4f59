# Vitrine — the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
WEB_PORT ?= 8000
DISCORD_SANDBOX_PORT ?= 8600
MERCADOPAGO_SANDBOX_PORT ?= 8700
STRIPE_SANDBOX_PORT ?= 8800
SMM_SANDBOX_PORT ?= 8900
export WEB_PORT DISCORD_SANDBOX_PORT MERCADOPAGO_SANDBOX_PORT STRIPE_SANDBOX_PORT SMM_SANDBOX_PORT

# The embedded default: no environment needed, Discord and Mercado Pago are the sandboxes.
# Anything set in the shell wins.
DISCORD_SANDBOX := http://127.0.0.1:$(DISCORD_SANDBOX_PORT)
RUN_ENV := DEBUG=$${DEBUG:-1} HTTPS=$${HTTPS:-0} \
  PUBLIC_URL=$${PUBLIC_URL:-http://127.0.0.1:$(WEB_PORT)} \
  DISCORD_API_BASE_URL=$${DISCORD_API_BASE_URL:-$(DISCORD_SANDBOX)/api} \
  DISCORD_OAUTH_AUTHORIZE_URL=$${DISCORD_OAUTH_AUTHORIZE_URL:-$(DISCORD_SANDBOX)/oauth2/authorize} \
  DISCORD_CLIENT_ID=$${DISCORD_CLIENT_ID:-$$($(PY) -c 'from sandbox.discord.demo import demo_client_id; print(demo_client_id())')} \
  DISCORD_CLIENT_SECRET=$${DISCORD_CLIENT_SECRET:-sandbox-demo-client-secret} \
  MERCADOPAGO_API_BASE_URL=$${MERCADOPAGO_API_BASE_URL:-http://127.0.0.1:$(MERCADOPAGO_SANDBOX_PORT)} \
  MERCADOPAGO_ACCESS_TOKEN=$${MERCADOPAGO_ACCESS_TOKEN:-TEST-vitrine-demo} \
  MERCADOPAGO_WEBHOOK_SECRET=$${MERCADOPAGO_WEBHOOK_SECRET:-sandbox-webhook-secret} \
  MERCADOPAGO_CLIENT_ID=$${MERCADOPAGO_CLIENT_ID:-8031202612345678} \
  MERCADOPAGO_CLIENT_SECRET=$${MERCADOPAGO_CLIENT_SECRET:-sandbox-app-secret} \
  MERCADOPAGO_OAUTH_AUTHORIZE_URL=$${MERCADOPAGO_OAUTH_AUTHORIZE_URL:-http://127.0.0.1:$(MERCADOPAGO_SANDBOX_PORT)/authorization} \
  STRIPE_API_BASE_URL=$${STRIPE_API_BASE_URL:-http://127.0.0.1:$(STRIPE_SANDBOX_PORT)} \
  STRIPE_SECRET_KEY=$${STRIPE_SECRET_KEY:-sk_test_vitrine_demo} \
  STRIPE_WEBHOOK_SECRETS=$${STRIPE_WEBHOOK_SECRETS:-whsec_sandbox} \
  MERCADOPAGO_SANDBOX=$${MERCADOPAGO_SANDBOX:-1}

.PHONY: run test lint migrations-check pytest fuzz install install-dev demo bench bench-smoke messages vendor clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: set up and start web, worker, beat (and the sandboxes) on embedded defaults.
# The environment is long: recipes print what they do, not it (`make -n run` shows it all).
run: install
	@mkdir -p var
	@echo "make run: migrate, load the demo, start honcho (Procfile)"
	@$(RUN_ENV) $(PY) manage.py migrate --no-input -v 0
	@$(RUN_ENV) $(PY) manage.py load_demo
	@$(RUN_ENV) $(PY) manage.py banner
	@$(RUN_ENV) exec $(VENV)/bin/honcho start -f Procfile

demo: install
	@$(RUN_ENV) $(PY) manage.py load_demo

## make test: lint (ruff, import contracts), migration check, the whole suite on PostgreSQL and Redis,
## then bench-smoke.
test: install-dev lint migrations-check pytest bench-smoke

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

migrations-check: install-dev
	$(PY) manage.py makemigrations --check --dry-run

pytest: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

## make fuzz: the boundary fuzzers at length (300 examples per boundary, schemathesis' coverage
## phase on); `make test` runs the same fuzzers with a few examples each. FUZZ_EXAMPLES=n to tune.
fuzz: install-dev
	VITRINE_FUZZ=1 $(PY) -m pytest -p no:cacheprovider tests/boundaries $(PYTEST_ARGS)

## make bench: every benchmark at full size; each one's JSON lines go to var/bench/<name>.jsonl
## and one markdown table of every figure with its baseline (and target, met or not) to
## var/bench/summary.md. One failing benchmark does not hide the others' figures: the table is
## written, its Missing list names what did not print, and make exits 1.
bench: install-dev
	@mkdir -p var/bench && rm -f var/bench/*.jsonl var/bench/summary.md
	@export DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/vitrine_bench}; \
	export REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/14}; \
	$(PY) benchmarks/_database.py || exit 1; failed=""; \
	for script in $$(ls benchmarks/*.py | grep -v '/_'); do echo "# $$script" >&2; \
	  $(PY) $$script > var/bench/$$(basename $$script .py).jsonl \
	    || failed="$$failed $$script"; cat var/bench/$$(basename $$script .py).jsonl; done; \
	$(PY) benchmarks/_summary.py var/bench >/dev/null && echo "# var/bench/summary.md" >&2; \
	if [ -n "$$failed" ]; then echo "# failed:$$failed" >&2; exit 1; fi

## make bench-smoke: every benchmark in a tiny run (--smoke: the correctness checks, no timing
## claims), part of make test. A benchmark without --smoke fails here: none may rot unnoticed.
# BENCH_SMOKE_SKIP: a regex of scripts to leave out (a local escape hatch); by default none.
BENCH_SMOKE_SKIP ?= ^$$
bench-smoke: install-dev
	@export DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/vitrine_bench}; \
	export REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/14}; \
	$(PY) benchmarks/_database.py || exit 1; \
	for script in $$(ls benchmarks/*.py | grep -v '/_' | grep -v -E '$(BENCH_SMOKE_SKIP)'); do \
	  grep -q -- '--smoke' $$script || { echo "$$script has no --smoke mode" >&2; exit 1; }; \
	  echo "# $$script --smoke" >&2; $(PY) $$script --smoke || exit 1; done

## make messages: refresh the translation catalogs after changing strings.
messages: install
	$(PY) manage.py makemessages -l pt_BR -l en --no-obsolete --ignore '.venv/*' --ignore 'sandbox/*' --ignore 'bot/*' --ignore 'tests/*' --ignore 'var/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

## make vendor: copy front-end assets from npm into portal/static/vendor (committed).
vendor:
	npm install --no-audit --no-fund
	cp node_modules/htmx.org/dist/htmx.min.js portal/static/vendor/htmx/
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map portal/static/vendor/chartjs/
	cp node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2 \
	   node_modules/@fontsource-variable/inter/files/inter-latin-ext-wght-normal.woff2 portal/static/vendor/inter/
	for icon in portal/icons/*.svg; do cp node_modules/lucide-static/icons/$$(basename $$icon) $$icon; done

clean:
	rm -rf var/broker var/static
