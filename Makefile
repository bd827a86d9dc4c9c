# wasm-sse — `make test` and `make demo` set up everything they need on a fresh Debian
# machine (scripts/bootstrap.sh checks first, then installs what is missing).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)

WASM_TARGET := wasm32-unknown-unknown
FUZZ_SECONDS ?= 600
FUZZ_TARGETS := sse_feed ndjson_feed decode_event

.PHONY: test lint native-test wasm-build bench bench-native fuzz setup-native setup-wasm clean

## test: everything CI runs — formatting, clippy (native and wasm32), native tests, wasm build.
test: lint native-test wasm-build
	@echo "make test: all checks passed"

setup-native:
	@bash scripts/bootstrap.sh native

setup-wasm:
	@bash scripts/bootstrap.sh wasm

lint: setup-wasm
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target $(WASM_TARGET) -- -D warnings

native-test: setup-native
	cargo test

wasm-build: setup-wasm
	cargo build --lib --release --target $(WASM_TARGET)

## bench: throughput of the pure core on this machine.
bench: bench-native

bench-native: setup-native
	cargo bench --bench throughput

## fuzz: every fuzz target for FUZZ_SECONDS each (default 600). Needs cargo-fuzz; uses the
## nightly toolchain when installed, else RUSTC_BOOTSTRAP on the stable one.
fuzz: setup-native
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	@tc=$$(rustup toolchain list | grep -q '^nightly' && echo +nightly || true); \
	for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
	  RUSTC_BOOTSTRAP=1 cargo $$tc fuzz run --fuzz-dir fuzz $$t -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 2>&1 \
	    | tee fuzz/last-$$t.log | grep -E '^(#[0-9]+ +DONE|Done|==[0-9]+== ERROR)' || true; \
	  grep -qE 'Done [0-9]+ runs' fuzz/last-$$t.log; \
	done

clean:
	cargo clean
