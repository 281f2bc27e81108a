# velarun: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install engine chromium registry test test-podman lint typecheck unit demo bench clean-venv

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# A Docker Engine that answers, and the locally built test image (never pulled).
engine:
	bash .ci/ensure-docker
	bash .ci/build-test-image

# Headless Chromium, for the HTML report's integration test (never skipped).
chromium:
	bash .ci/ensure-chromium

# Debian's docker-registry, which the pull-progress tests start on a loopback port.
registry:
	bash .ci/ensure-registry

lint: install
	$(BIN)/ruff check velarun tests
	$(BIN)/ruff format --check velarun tests

typecheck: install
	$(BIN)/mypy velarun

# Every test but those only for Podman (marked `podman` and not `docker`: test-podman's).
unit: install
	$(BIN)/pytest -q -m "docker or not podman"

test: install engine chromium registry lint typecheck unit test-podman

# The second pass: the real-engine tests marked `podman`, on Podman's Docker-compatible service
# (installed, started and given the test images by .ci/ensure-podman), chosen by DOCKER_HOST.
PODMAN_HOST := unix:///run/podman/podman.sock
test-podman: install
	bash .ci/ensure-podman
	DOCKER_HOST=$(PODMAN_HOST) $(BIN)/pytest -q -m podman tests/integration

# The most complete thing velarun does: exec of a fixture on the locally built test image.
demo: install engine
	cd fixtures/demo && ../../$(BIN)/velarun exec --branch main

# The comparison suite (tests/bench/run.py): floor, parallelism, gitlab-ci-local, plan, start-up.
# Writes tests/bench/results/results.md and chart.png. Not part of `make test`.
PEER := tests/bench/.peer
bench: install engine
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	command -v rsync >/dev/null || (apt-get update -qq && apt-get install -y -qq rsync)
	test -x $(PEER)/node_modules/.bin/gitlab-ci-local || \
		npm install --silent --no-audit --no-fund --prefix $(PEER) gitlab-ci-local@4.65.0
	$(BIN)/python -m tests.bench.run

clean-venv:
	rm -rf $(VENV)
