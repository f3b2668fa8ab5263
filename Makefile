# Two commands do everything: `make demo` and `make test` (each sets up .venv first).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AXE := $(VENV)/node/node_modules/axe-core/axe.min.js

.PHONY: demo test test-fast lint bench clean system system-test screenshots docs

# System packages (PortAudio; for the tests ffmpeg and strace): installed as root or with sudo,
# else one line says what to run. The demo goes on without sound output (it writes a file).
system:
	@setup/system-packages.sh || echo "Going on without sound output."

system-test:
	@setup/system-packages.sh test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

# A 5-minute low-energy session: played when a sound output works, else written to a file.
# Meanwhile the voice makes every built-in phrase in the background at low priority, so the
# sessions after this one speak at once.
demo: system $(STAMP)
	@setup/launcher.sh "$(abspath $(BIN))"
	@nice -n 19 $(BIN)/companion voice prepare --quiet >/dev/null 2>&1 &
	@if $(BIN)/companion devices >/dev/null 2>&1; then \
		$(BIN)/companion play --energy low --minutes 5; \
	else \
		$(BIN)/companion render --energy low --minutes 5 -o demo-session.mp3 && \
		echo "No sound output on this machine: the session is in $(CURDIR)/demo-session.mp3"; \
	fi

# Every test, on every core (pytest-xdist): the real voice (its cache warmed once and
# shared), real processes, the sound device, the browser. The slowest are listed at the end.
# The long tests go first (tests/conftest.py) and an idle worker takes half of the other's
# queue (worksteal), so every core stays busy to the end. One worker per core: a third
# worker overlaps the real-time waits (about a third of the suite), but on a loaded
# machine it pressed the timing tests past their bounds; TEST_WORKERS=3 to try it.
TEST_WORKERS ?= $(shell nproc)
test: system-test $(STAMP) $(AXE)
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist worksteal --durations=10

# axe-core, the accessibility checker the browser tests inject into each page (from npm)
$(AXE): $(STAMP)
	npm install --silent --no-audit --no-fund --prefix $(VENV)/node axe-core@4.14.1

# The fast layer alone: no neural voice, no subprocess, no system packages; seconds.
test-fast: $(STAMP)
	$(BIN)/pytest -q -n auto --dist worksteal tests/fast

# The README's pictures of the app, taken by its browser tests
screenshots: system-test $(STAMP) $(AXE)
	COMPANION_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/real/test_app.py

# docs/cli.md's list of every command and option, made from the commands themselves
docs: $(STAMP)
	$(BIN)/python -m tests.docs_reference

lint: $(STAMP)
	$(BIN)/ruff check companion tests benchmarks
	$(BIN)/ruff format --check companion tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	@setup/system-packages.sh bench || echo "Going on without sox: its comparison is skipped."
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/synthesis.py
	$(BIN)/python benchmarks/loudness.py
	$(BIN)/python benchmarks/speakers.py --before d39d241
	$(BIN)/python benchmarks/plot_loudness.py
	$(BIN)/python benchmarks/pack.py
	$(BIN)/python benchmarks/app.py
	$(BIN)/python benchmarks/people.py
	$(BIN)/python benchmarks/pictures.py

clean:
	rm -rf $(VENV) build dist demo-session.mp3
