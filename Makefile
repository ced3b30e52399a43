# cakupan: two commands on a fresh machine, `make run` and `make test`.
# Everything installs from pyproject.toml + uv.lock; uv itself comes from PyPI if missing.
# Bytecode is compiled at install (as pip does; uv does not by default): every process of the
# pipeline imports Dagster and Great Expectations, which take 17 s to import from source on
# the 2-core machine when Python may not write its cache (PYTHONDONTWRITEBYTECODE), 7 s from
# bytecode.

SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen
export DAGSTER_HOME ?= $(CURDIR)/dagster_home
export CAKUPAN_LANDING_DIR ?= data/landing
export CAKUPAN_WAREHOUSE_DIR ?= data/warehouse
DEMO_PERSONS ?= 50000

# The top-level packages are declared once, in pyproject.toml's hatch wheel `packages`;
# their bytecode is compiled from that list (tests/test_layers.py holds import-linter's
# root_packages and mypy's files to it).
define COMPILE_PACKAGES
import compileall, sys, tomllib
packages = tomllib.load(open("pyproject.toml", "rb"))["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
sys.exit(not all([compileall.compile_dir(p, quiet=1) for p in packages]))
endef
export COMPILE_PACKAGES

.PHONY: setup run run-national national-data run-distributed run-national-distributed demo-data test test-fast lint format typecheck bench ui dashboard clean

setup: .venv/.synced

.venv/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet uv
	$(UV) sync --frozen --compile-bytecode
	$(RUN) python -c "$$COMPILE_PACKAGES"
	@touch $@

demo-data: setup
	@if [ -d "$(CAKUPAN_LANDING_DIR)/enrollment" ]; then \
		echo "landing zone $(CAKUPAN_LANDING_DIR) exists: keeping it (make clean to regenerate)"; \
	else \
		$(RUN) cakupan demo-data --out "$(CAKUPAN_LANDING_DIR)" --persons $(DEMO_PERSONS); \
	fi

run: demo-data
	$(RUN) cakupan run

# The five Kalimantan provinces (61-65) in one deployment, in process, from a landing zone of
# their own (docs/provinces.md, "Try it"): each province's summary, then the national periods.
NATIONAL_LANDING ?= data/landing-kalimantan
NATIONAL_PERSONS ?= 20000
NATIONAL := CAKUPAN_PROVINCES=61,62,63,64,65 CAKUPAN_LANDING_DIR="$(NATIONAL_LANDING)"
national-data: setup
	@if [ -d "$(NATIONAL_LANDING)/enrollment" ]; then \
		echo "landing zone $(NATIONAL_LANDING) exists: keeping it (make clean to regenerate)"; \
	else \
		$(RUN) cakupan demo-data --out "$(NATIONAL_LANDING)" --persons $(NATIONAL_PERSONS) \
			--provinces 61,62,63,64,65; \
	fi

run-national: national-data
	$(NATIONAL) CAKUPAN_WAREHOUSE_DIR=data/warehouse-kalimantan $(RUN) cakupan run

# The demo in the distributed mode on this machine (docs/deploy.md): a fresh database on the
# local PostgreSQL, the daemon and two Celery workers on the local Redis, then `cakupan run`
# (the runs go through the queue) prints where each step ran. Everything stops at the end.
# The landing sensor is stopped first: its runs would repeat `cakupan run`'s.
DIST_DB ?= cakupan_demo
DIST_HOME := $(CURDIR)/data/dagster_distributed
define DISTRIBUTED
mkdir -p "$(DIST_HOME)" && cp deploy/dagster.yaml "$(DIST_HOME)/"; \
psql -h 127.0.0.1 -d postgres -qc "DROP DATABASE IF EXISTS $(DIST_DB) WITH (FORCE)" \
	-c "CREATE DATABASE $(DIST_DB)" || exit 1; \
export DAGSTER_HOME="$(DIST_HOME)" CAKUPAN_EXECUTOR=celery \
	CAKUPAN_POSTGRES_URL="$${CAKUPAN_POSTGRES_URL:-postgresql://root@127.0.0.1:5432/$(DIST_DB)}" \
	CAKUPAN_BROKER_URL="$${CAKUPAN_BROKER_URL:-redis://127.0.0.1:6379/0}"; \
trap 'kill $$pids 2>/dev/null; wait' EXIT; \
$(RUN) dagster sensor stop landing_sensor -w workspace.yaml > "$(DIST_HOME)/sensor.log" 2>&1; \
$(RUN) dagster-daemon run -w workspace.yaml > "$(DIST_HOME)/daemon.log" 2>&1 & pids="$$!"; \
$(RUN) cakupan worker --queue dagster --name worker-1 > "$(DIST_HOME)/worker-1.log" 2>&1 & pids="$$pids $$!"; \
$(RUN) cakupan worker --queue dagster --name worker-2 > "$(DIST_HOME)/worker-2.log" 2>&1 & pids="$$pids $$!";
endef
run-distributed: demo-data
	$(DISTRIBUTED) $(RUN) cakupan run

# The five provinces in the distributed mode: the same cluster; `cakupan run` runs each
# period's provinces side by side, the placement between, and prints where each province's
# steps ran (period, province or national, worker). The daemon and the workers get the same
# provinces as `cakupan run` (their code location has the national job only then).
run-national-distributed: national-data
	export $(NATIONAL) CAKUPAN_WAREHOUSE_DIR=data/warehouse-kalimantan-distributed; \
		$(DISTRIBUTED) $(RUN) cakupan run

# The whole suite: lint, types, the code location as `dg` loads it, every test.
test: setup lint typecheck
	$(RUN) dg check defs
	$(RUN) pytest -n 2 --dist loadgroup --durations=15

# The inner loop (under two minutes on two cores): one test per contract rule on tiny inputs, the layers,
# the definitions; no Dagster runs, no GX, no webserver.
test-fast: setup
	$(RUN) pytest -n 2 -m "not slow and not e2e and not ui"

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: setup
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

typecheck: setup
	$(RUN) mypy

bench: setup
	$(RUN) python -m tools.bench

ui: demo-data
	@mkdir -p "$(DAGSTER_HOME)"
	@test -f "$(DAGSTER_HOME)/dagster.yaml" || cp dagster_home/dagster.yaml "$(DAGSTER_HOME)/"
	@echo "Dagster UI on http://127.0.0.1:$(or $(UI_PORT),3000)  (Ctrl-C or SIGTERM stops it)"
	@echo "  webserver + daemon: the nightly schedule (01:00 WITA), the landing sensor and the"
	@echo "  freshness sensor run; runs queue and write the warehouse one at a time."
	@echo "  DAGSTER_HOME=$(DAGSTER_HOME)  landing=$(CAKUPAN_LANDING_DIR)  warehouse=$(CAKUPAN_WAREHOUSE_DIR)"
	$(RUN) python -m pipelines.ui -w workspace.yaml -h 127.0.0.1 -p $(or $(UI_PORT),3000)

# The live dashboard (Streamlit) on the published file: http://127.0.0.1:8501
dashboard: setup
	$(RUN) cakupan dashboard --port $(or $(DASHBOARD_PORT),8501)

clean:
	rm -rf data .venv/.synced
