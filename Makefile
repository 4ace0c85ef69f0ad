# dlintro: `make lesson-xor` trains a lesson, `make test` runs the tests.
# Both create the virtual environment .venv from pyproject.toml the first time.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PORT ?= 6006
RUNS ?= runs
# The language: `make lesson-xor LANG=ko` (or LANG=en) on any target below; without LANG= on the
# command line, the locale's (ko_KR.UTF-8 gives Korean). A LANG given here reaches dlintro as
# --lang, and the command runs under the C.UTF-8 locale, since a bare "ko" is no locale.
ifeq ($(origin LANG),command line)
LANG_FLAG := --lang $(firstword $(subst _, ,$(subst ., ,$(LANG))))
LOCALE := LANG=C.UTF-8
endif
# The lessons, in course order, read from the registry without importing TensorFlow.
LESSONS := $(shell $(PYTHON) -c 'from dlintro.lessons import NAMES; print(*NAMES)')

.PHONY: setup list lessons test tensorboard screenshots report bench numbers exercise-seeds glossary notebooks notebook clean-venv

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

# The tests also run the callbacks on Keras's JAX backend; lessons do not need JAX.
JAX_INSTALLED := $(VENV)/.installed-jax
$(JAX_INSTALLED): $(INSTALLED)
	$(PY) -m pip install --quiet -e '.[jax]'
	touch $(JAX_INSTALLED)

setup: $(INSTALLED)

list: $(INSTALLED)
	@$(LOCALE) $(PY) -m dlintro list $(LANG_FLAG)

# make lesson-xor ARGS="--epochs 800 --seed 3"; make lesson-xor EXERCISE=one_unit
lesson-%: $(INSTALLED)
	@$(LOCALE) $(PY) -m dlintro run $* --runs-dir $(RUNS) $(if $(EXERCISE),--exercise $(EXERCISE)) $(LANG_FLAG) $(ARGS)

# make exercises-xor: the lesson's exercises, name and question
exercises-%: $(INSTALLED)
	@$(LOCALE) $(PY) -m dlintro exercises $* $(LANG_FLAG)

lessons: $(addprefix lesson-,$(LESSONS))

test: $(JAX_INSTALLED)
	$(PY) -m pytest -q $(PYTEST_ARGS)

# make tensorboard LESSON=xor: the newest completed run of one lesson; make tensorboard: of each
# lesson; make tensorboard ALL=1: everything under runs/. Always on 127.0.0.1.
tensorboard: $(INSTALLED)
	@$(LOCALE) $(PY) -m dlintro tensorboard $(LESSON) $(if $(ALL),--all) --runs-dir $(RUNS) --port $(PORT) $(LANG_FLAG)

# Trains every lesson (default configs) into a temporary directory, serves it, and saves the
# dashboards that tell each lesson's story to docs/screenshots/ (LANG=ko: docs/screenshots/ko/)
# with headless Chromium.
screenshots: $(INSTALLED)
	@$(LOCALE) $(PY) -m dlintro.screenshots $(LANG_FLAG) $(ARGS)

# One self-contained HTML page for the latest run of each lesson under $(RUNS).
report: $(INSTALLED)
	@$(LOCALE) $(PY) -m dlintro.report --runs-dir $(RUNS) $(if $(OUTPUT),--output $(OUTPUT)) $(LANG_FLAG)

bench: $(INSTALLED)
	@$(PY) -m dlintro.bench

# The numbers the lesson texts show without a run (`show`, the README): every lesson's default run.
numbers: $(INSTALLED)
	@$(PY) -m dlintro.numbers $(ARGS)
	@$(PY) -m dlintro.notebooks

# Every exercise on seeds 0-9: how many seeds hold, as a table (also written into the README).
exercise-seeds: $(INSTALLED)
	@$(PY) -m dlintro.exercise_seeds $(ARGS)

# The course glossary: every term, the lesson that introduces it, what it means.
glossary: $(INSTALLED)
	@$(LOCALE) $(PY) -m dlintro glossary $(LANG_FLAG)

# make notebooks: writes notebooks/<lesson>.<lang>.ipynb from the lessons, their texts and their
# by-hand modules (ARGS=--check only compares, exit 1 if one is stale). make numbers runs it too.
notebooks: $(INSTALLED)
	@$(PY) -m dlintro.notebooks $(ARGS)

# make notebook: Jupyter Lab on 127.0.0.1, in notebooks/mine/, your own copies of the notebooks
# (copied once; yours are never overwritten, so delete one to get it afresh). The notebook extra
# (Jupyter Lab) is installed the first time.
NOTEBOOK_INSTALLED := $(VENV)/.installed-notebook
$(NOTEBOOK_INSTALLED): $(INSTALLED)
	$(PY) -m pip install --quiet -e '.[notebook]'
	touch $(NOTEBOOK_INSTALLED)
JUPYTER_PORT ?= 8888
notebook: $(NOTEBOOK_INSTALLED)
	@mkdir -p notebooks/mine && cp -n notebooks/*.ipynb notebooks/mine/
	$(PY) -m jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(JUPYTER_PORT) --ServerApp.root_dir=notebooks/mine $(if $(filter 0,$(shell id -u)),--allow-root) $(ARGS)

clean-venv:
	rm -rf $(VENV)
