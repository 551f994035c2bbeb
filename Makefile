# Two commands for a fresh machine: `make demo` (summarize the shipped sample) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_VERBOSITY := error
export TOKENIZERS_PARALLELISM := false

.PHONY: install demo test clean

# torch is pinned to the CPU wheel: an unpinned torch pulls a CUDA build of several GB.
$(BIN)/recsum: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,peers]'
	touch $@

install: $(BIN)/recsum

demo: install
	$(BIN)/recsum summarize data/sample-report.md --max-words 150

test: install
	$(BIN)/ruff check recsum tests
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis outputs
