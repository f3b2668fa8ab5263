# Two commands do everything: `make demo` and `make test` (each sets up .venv first).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

# A 5-minute low-energy session: played when a sound output works, else written to a file.
demo: $(STAMP)
	@if $(BIN)/companion devices >/dev/null 2>&1; then \
		$(BIN)/companion play --energy low --minutes 5; \
	else \
		$(BIN)/companion render --energy low --minutes 5 -o demo-session.mp3 && \
		echo "No sound output on this machine: the session is in $(CURDIR)/demo-session.mp3"; \
	fi

# The tests run on every core (pytest-xdist); the voice cache is warmed once and shared.
test: $(STAMP)
	$(BIN)/pytest -q -n auto

lint: $(STAMP)
	$(BIN)/ruff check companion tests benchmarks
	$(BIN)/ruff format --check companion tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/loudness.py

clean:
	rm -rf $(VENV) build dist demo-session.mp3
