# Two commands for a fresh machine: `make demo` (summarize the shipped sample) and `make test`.
# The demo installs recsum alone; the tests also install the extras and, as root, Chromium.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_VERBOSITY := error
export TOKENIZERS_PARALLELISM := false

.PHONY: install browser demo test test-fast clean

# torch is pinned to the CPU wheel: an unpinned torch pulls a CUDA build of several GB. The demo
# needs recsum and its dependencies only; `make test` adds the extras (pytest, the peer
# baselines, the web page, Ray). pip prints errors only (-qq): its warnings about a machine's own
# settings (an extra index folder that is missing) came one a package, over a hundred lines.
PIP := $(BIN)/pip install -qq

$(BIN)/recsum: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) torch==2.13.0
	$(PIP) -e .
	touch $@

$(VENV)/.extras: $(BIN)/recsum
	$(PIP) -e '.[dev,peers,web,ray]'
	touch $@

# The browser test of `recsum serve` drives Debian's Chromium through its chromedriver (never a
# browser download). Installed with apt when missing and we are root (CI is); skipped if present.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium and chromium-driver with apt"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "chromium or chromedriver missing: as root, apt-get install chromium chromium-driver" \
	         "(the browser test skips without them, and fails under CI=true)"; \
	  fi; \
	fi

install: $(VENV)/.extras browser

demo: $(BIN)/recsum
	$(BIN)/recsum summarize data/sample-report.md --max-words 150

# Everything, as CI runs it (slow tests included: real stories, cold starts, kill -9, Chromium).
test: install
	$(BIN)/ruff check recsum tests
	$(BIN)/python -m pytest -q

# The fast tier while iterating: tests marked slow are left out (under a minute on 2 cores).
test-fast: install
	$(BIN)/ruff check recsum tests
	$(BIN)/python -m pytest -q -m "not slow"

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis outputs
