# dlintro: `make lesson-xor` trains a lesson, `make test` runs the tests.
# Both create the virtual environment .venv from pyproject.toml the first time.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PORT ?= 6006
RUNS ?= runs
# The lessons, in course order, read from the registry without importing TensorFlow.
LESSONS := $(shell $(PYTHON) -c 'from dlintro.lessons import NAMES; print(*NAMES)')

.PHONY: setup list lessons test tensorboard screenshots report bench clean-venv

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

setup: $(INSTALLED)

list: $(INSTALLED)
	@$(PY) -m dlintro list

# make lesson-xor ARGS="--epochs 800 --seed 3"
lesson-%: $(INSTALLED)
	@$(PY) -m dlintro run $* --runs-dir $(RUNS) $(ARGS)

lessons: $(addprefix lesson-,$(LESSONS))

test: $(INSTALLED)
	$(PY) -m pytest -q $(PYTEST_ARGS)

# TensorBoard keeps only 10 pictures per tag unless told otherwise; the step sliders need them all.
tensorboard: $(INSTALLED)
	@echo "TensorBoard on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	@$(VENV)/bin/tensorboard --logdir $(RUNS) --host 127.0.0.1 --port $(PORT) --samples_per_plugin images=1000

# Trains every lesson (default configs) into a temporary directory, serves it, and saves the
# dashboards that tell each lesson's story to docs/screenshots/ with headless Chromium.
screenshots: $(INSTALLED)
	@$(PY) -m dlintro.screenshots $(ARGS)

# One self-contained HTML page for the latest run of each lesson under $(RUNS).
report: $(INSTALLED)
	@$(PY) -m dlintro.report --runs-dir $(RUNS) $(if $(OUTPUT),--output $(OUTPUT))

bench: $(INSTALLED)
	@$(PY) -m dlintro.bench

clean-venv:
	rm -rf $(VENV)
