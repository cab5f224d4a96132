# The two commands of the README: `make demo` (first run on a fresh machine) and `make test`.
# Everything runs from the project's virtualenv; `make bootstrap` creates or refreshes it.

VENV := .venv/bin
BOOTSTRAP := bash -c 'source infra/bootstrap.sh && mca_bootstrap'
PYTEST_TIMEOUT ?= 600

.PHONY: bootstrap demo test test-unit lint typecheck stack-up stack-down

bootstrap:
	$(BOOTSTRAP)

demo: bootstrap
	$(VENV)/mca demo

test: lint typecheck
	$(VENV)/pytest tests --timeout=$(PYTEST_TIMEOUT)

test-unit:
	$(VENV)/pytest tests/unit

lint:
	$(VENV)/ruff check .

typecheck:
	$(VENV)/mypy

stack-up: bootstrap
	$(VENV)/mca stack up

stack-down:
	$(VENV)/mca stack down
