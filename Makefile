# CLIR Studio: `make run` installs what is missing and starts the app; `make test` installs and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_PIN := torch==2.13.0
# Local CPU wheels when the machine has them; otherwise PyTorch's CPU index (never the multi-GB CUDA build).
TORCH_SOURCE := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,--index-url https://download.pytorch.org/whl/cpu)
STAMP := $(VENV)/.installed

.PHONY: run test install clean-venv

run: $(STAMP)
	$(BIN)/clir-studio ui

test: $(STAMP)
	$(BIN)/python -m pytest

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip uv

# Reinstalls only when the dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --python $(BIN)/python $(TORCH_SOURCE) "$(TORCH_PIN)"
	$(BIN)/uv pip install --python $(BIN)/python $(if $(wildcard /opt/wheels),--find-links /opt/wheels,) "$(TORCH_PIN)" -e ".[test]"
	touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
