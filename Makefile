# Every target runs inside one Python environment: the active virtualenv/conda env if there is one
# (VIRTUAL_ENV / CONDA_PREFIX), otherwise ./.venv, which `make install` creates.
SHELL := /bin/bash
ifdef VIRTUAL_ENV
ENV_DIR := $(VIRTUAL_ENV)
else ifdef CONDA_PREFIX
ENV_DIR := $(CONDA_PREFIX)
else
ENV_DIR := $(CURDIR)/.venv
endif
export PATH := $(ENV_DIR)/bin:$(PATH)
PYTHON := $(ENV_DIR)/bin/python
# Unit tests run CPU-only by default; `make test DEVICE_TESTS=1` keeps accelerators visible.
PYTEST_ARGS ?= -q

.PHONY: help install demo test bench gpu-check clean

help:
	@echo "make install  - create/refresh the environment (torch, mmcv with ops, mmpose, mmpose_ext)"
	@echo "make demo     - synthetic crowd data -> train a small MIPNet on the CPU -> AP table + picture"
	@echo "make test     - the test suite (CPU)"
	@echo "make bench    - params, GFLOPs, throughput: demo HRNet vs MIPNet (shared prefix / reference way)"
	@echo "make gpu-check - on a GPU machine: W48 benchmark table at fp32/fp16/bf16, real training img/s, tool tests"

install:
	@bash tools/install/install.sh

demo: install
	$(PYTHON) tools/demo.py

test: install
	$(PYTHON) -m pytest $(PYTEST_ARGS)

bench: install
	mkdir -p work_dirs
	$(PYTHON) tools/analysis/benchmark.py configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py \
		configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py \
		configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py::model.backbone.shared_prefix=False \
		--out work_dirs/bench.json

# No install prerequisite: on a GPU machine without the package registry the script sets the stack up from .whl/.
gpu-check:
	bash tools/analysis/gpu_check.sh

clean:
	rm -rf work_dirs .pytest_cache
