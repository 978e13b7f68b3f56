# Two entry points for a newcomer (see README.md):
#   make demo   set up, then run hpm's main job on the bundled example registry
#   make test   set up, then run the linters (ruff, mypy) and the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DEMO    = build/demo

.PHONY: demo test bench clean

$(BIN)/hpm: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/hpm
	rm -rf $(DEMO) && mkdir -p build && cp -R examples/demo $(DEMO)
	$(BIN)/hpm --project $(DEMO) group add inference --option vlm-adapter-qwen
	$(BIN)/hpm --project $(DEMO) group add metrics
	$(BIN)/hpm --project $(DEMO) check || true
	$(BIN)/hpm --project $(DEMO) sync --auto
	$(DEMO)/.venv/bin/python -c "import vlm_adapter_qwen as m; print('imported', m.NAME)"
	$(BIN)/hpm --project $(DEMO) group add inference --option vlm-adapter-deepseek
	$(BIN)/hpm --project $(DEMO) sync
	$(DEMO)/.venv/bin/python -c "import vlm_adapter_deepseek as m; print('imported', m.NAME)"
	$(BIN)/hpm --project $(DEMO) explain metrics
	$(BIN)/hpm --project $(DEMO) machine
	$(BIN)/hpm --project $(DEMO) group add accelerator
	$(BIN)/hpm --project $(DEMO) sync --auto
	$(DEMO)/.venv/bin/python -c "import torch; print('torch', torch.VERSION)"
	$(BIN)/hpm --project $(DEMO) explain accelerator
	$(BIN)/hpm --project $(DEMO) group add accelerator --option cu124 --machine cuda=12.8
	$(BIN)/hpm --project $(DEMO) sync --machine cuda=12.8
	$(DEMO)/.venv/bin/python -c "import torch; print('torch', torch.VERSION)"
	$(BIN)/hpm --project $(DEMO) group add accelerator --option cpu
	$(BIN)/hpm --project $(DEMO) sync
	$(DEMO)/.venv/bin/python -c "import torch; print('torch', torch.VERSION)"
	@echo; echo "The project is in $(DEMO): look at its pyproject.toml, uv.lock and hpm.lock."

# pytest -n auto: one worker per core (pytest-xdist); on two cores it halves the wall time.
# Compiled modules are kept in build/pycache (PYTHONPYCACHEPREFIX), even where the environment
# says PYTHONDONTWRITEBYTECODE: else the workers and each of the suite's hpm processes compile
# hpm (and the workers every test module) from source on every run. Nothing lands in the tree.
# The tests' temporary directories go to a RAM disk where there is one with 1 GB free (a run
# peaks at ~30 MB there): TEST_TMPDIR, /dev/shm on Linux; `make test TEST_TMPDIR=` keeps the
# default. The suite's fsyncs and unlinks (real uv, real git, hpm's journal) wait for no disk
# there: the same tests make the same calls.
TEST_TMPDIR ?= $(shell df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 && $$4 > 1048576 {print "/dev/shm"}')
test: $(BIN)/hpm
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(CURDIR)/build/pycache \
		$(if $(TEST_TMPDIR),TMPDIR=$(TEST_TMPDIR)) $(BIN)/python -m pytest -n auto

bench: $(BIN)/hpm
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf build $(VENV)
