# shoplake: `make demo` runs the whole pipeline on the embedded profile,
# `make test` runs the tests. Both set up a fresh machine first.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
JAVA_HOME ?= /usr/lib/jvm/java-17-openjdk-amd64
export JAVA_HOME
export SPARK_LOCAL_IP := 127.0.0.1
PYTEST_ARGS ?=

.PHONY: setup jars demo test test-unit bench reliability lint up down stack-up stack-down clean

setup: $(VENV)/.installed jars

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel setuptools
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

jars: .cache/jars/.fetched

.cache/jars/.fetched: pom.xml
	mvn -q -f pom.xml dependency:copy-dependencies -DoutputDirectory=.cache/jars -DincludeScope=runtime
	touch $@

demo: setup
	$(BIN)/shoplake pipeline demo

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: setup
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench

reliability: setup
	$(BIN)/python -m pytest tests/reliability $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy shoplake services sample_data spark_jobs warehouse powerbi dags

stack-up: setup
	$(BIN)/shoplake stack up

stack-down:
	$(BIN)/shoplake stack down

up:
	docker compose up -d --wait

down:
	docker compose down

clean:
	-$(BIN)/shoplake stack down
	rm -rf .cache .shoplake
