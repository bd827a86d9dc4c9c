# wasm-sse — `make test` and `make demo` set up everything they need on a fresh Debian
# machine (scripts/bootstrap.sh checks first, then installs what is missing).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# npm's wasm-opt (binaryen) must come first: Debian's corrupts wasm-bindgen output.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

WASM_TARGET := wasm32-unknown-unknown
FUZZ_SECONDS ?= 600
FUZZ_TARGETS := sse_feed ndjson_feed decode_event protocol_decode
# The last release of the old package layout (index.js + wasm.js + wasm/wasm_sse.wasm):
# `make bench` measures it beside pkg/, built once into OLD_PKG.
OLD_RELEASE := f8fef2e
OLD_PKG := target/old-pkg

.PHONY: leptos-example test lint docs publish-check native-test browser-test react-test pkg demo e2e types size bench bench-native \
	bench-browser bench-old-pkg bench-smoke bench-deps fuzz \
	setup-native setup-wasm setup-browser clean

## test: everything CI runs — formatting, clippy (native and wasm32), native tests, the
## browser tests in headless Chromium against the test server (the Rust API and the JS API:
## one client), the React unit tests, the TypeScript checks, the package and the demo end
## to end in Chromium, and the size report.
test: lint native-test browser-test react-test types e2e bench-smoke size docs publish-check
	@echo "make test: all checks passed"

setup-native:
	@bash scripts/bootstrap.sh native

setup-wasm:
	@bash scripts/bootstrap.sh wasm

setup-browser:
	@bash scripts/bootstrap.sh browser

lint: setup-wasm
	cargo fmt --all --check
	bash scripts/check-test-modules.sh
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --lib --tests --target $(WASM_TARGET) -- -D warnings
	# The npm build's SIMD scans (scripts/make-pkg.sh enables simd128).
	RUSTFLAGS="-C target-feature=+simd128" cargo clippy --lib --tests --target $(WASM_TARGET) --features talc -- -D warnings
	# The pure core alone (default-features = false): no wasm-bindgen, web-sys, serde.
	cargo clippy --lib --target $(WASM_TARGET) --no-default-features -- -D warnings
	cd examples/leptos-chat && cargo fmt --check && cargo clippy --target $(WASM_TARGET) -- -D warnings

native-test: setup-native
	cargo test --workspace
	cargo test --bench throughput -- --smoke

## browser-test: the wasm-bindgen tests in headless Chromium and Firefox against the test server on a
## free loopback port (stopped by PID when they end): the Rust API (window and dedicated
## worker) and the JS API's startStream, which run the same client; stall detection. The
## runner's limit is for a whole test binary (20 s by default), hence the longer one. The
## packed package is tested in e2e/ (make e2e).
## They build with WebAssembly SIMD, as the npm package does (scripts/make-pkg.sh); --lib
## runs the SIMD scans against byte loops.
BROWSER_TESTS := --lib --test browser --test worker --test js_api --test stall --test protocols --features talc
SIMD := RUSTFLAGS="-C target-feature=+simd128"
browser-test: setup-browser
	$(SIMD) WASM_BINDGEN_TEST_TIMEOUT=180 bash scripts/with-testserver.sh wasm-pack test --headless --chrome $(BROWSER_TESTS)
	$(SIMD) WASM_BINDGEN_TEST_TIMEOUT=180 bash scripts/with-testserver.sh wasm-pack test --headless --firefox $(BROWSER_TESTS)

## react-test: the store and hook unit tests (vitest; the hook in jsdom).
react-test: setup-browser
	@bash scripts/npm-deps.sh react
	npm --prefix react test

## pkg: the npm package in pkg/ (wasm-pack build of the client with its JS API, the lazy
## entry, React hooks), packed as pkg/wasm-sse.tgz.
pkg: setup-browser
	bash scripts/make-pkg.sh

## demo: builds everything and serves the Next.js demo on http://127.0.0.1:3000.
demo: setup-browser
	bash scripts/demo.sh

## e2e: the JS API and the demo end to end against the test server: in headless Chromium
## (the API in a page and a worker; next build + next start, next dev; a Vite app), and the
## package's API in Chromium, Firefox and WebKit over WebDriver (e2e/engines.test.mjs).
e2e: pkg leptos-example
	bash scripts/build-www.sh
	cargo build --quiet -p wasm-sse-testserver
	node --test --test-concurrency=1 e2e/

## docs: the API reference, from what ships: TypeDoc of the package's .d.ts into
## target/docs/js, rustdoc of the crate into target/docs/rust (for wasm32, so the browser
## client is in it, as on docs.rs). Warnings are errors in both.
docs: pkg
	typedoc --options docs/typedoc.json
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --lib -p wasm-sse --target $(WASM_TARGET)
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --lib -p wasm-sse --no-default-features
	rm -rf target/docs/rust && cp -R target/$(WASM_TARGET)/doc target/docs/rust
	@echo "API reference: target/docs/js/index.html, target/docs/rust/wasm_sse/index.html"

## publish-check: what crates.io and npm would take, without publishing: cargo publish
## --dry-run, npm publish --dry-run on pkg/, and publint on pkg/ (exports, types, files).
publish-check: pkg
	cargo publish -p wasm-sse --dry-run --allow-dirty
	cd pkg && npm publish --dry-run
	publint pkg

## leptos-example: the Leptos example (examples/leptos-chat: its own cargo workspace and
## target/) built into its dist/ for e2e/leptos.test.mjs: about 2 min the first time on 2
## cores, seconds after.
leptos-example: setup-browser
	bash scripts/build-leptos-example.sh

## types: a consumer snippet type-checks against the generated declarations.
types: pkg
	tsc -p tests/ts
	npm --prefix react run --silent typecheck

## size: min+gzip of the shipped wasm + JS; fails over the budget (scripts/size.sh).
size: pkg
	bash scripts/size.sh

## bench: the native core's throughput, then the browser benchmark against
## eventsource-parser, fetch-event-source, native EventSource and the package as released
## at OLD_RELEASE (bench/results/).
bench: bench-native bench-browser

bench-browser: pkg bench-deps bench-old-pkg
	node bench/run.mjs --old-pkg $(OLD_PKG) --old-rev $(OLD_RELEASE)

## bench-old-pkg: the package as released at OLD_RELEASE, in OLD_PKG unless already there:
## built by that commit's own scripts/make-pkg.sh in a temporary git worktree, which is
## removed afterwards, failed or not. Its make-pkg.sh writes target/... under the worktree,
## so CARGO_TARGET_DIR is unset; npm's wasm-opt comes from this checkout (PATH above).
bench-old-pkg: setup-browser
	@if [ ! -f $(OLD_PKG)/index.js ]; then \
	  tmp=$$(mktemp -d); \
	  trap 'git worktree remove --force "$$tmp/src" || true; git worktree prune; rm -rf "$$tmp"' EXIT; \
	  echo "== building the wasm-sse package of $(OLD_RELEASE) in $$tmp/src"; \
	  git worktree add --detach "$$tmp/src" $(OLD_RELEASE); \
	  (cd "$$tmp/src" && env -u CARGO_TARGET_DIR bash scripts/make-pkg.sh); \
	  rm -rf $(OLD_PKG) $(OLD_PKG).tmp; \
	  mkdir -p $(dir $(OLD_PKG)); \
	  cp -R "$$tmp/src/pkg" $(OLD_PKG).tmp; \
	  mv $(OLD_PKG).tmp $(OLD_PKG); \
	fi

## bench-smoke: the browser benchmark with tiny inputs; fails on any wrong decoded event.
bench-smoke: pkg bench-deps
	node bench/run.mjs --smoke

bench-deps: setup-browser
	@bash scripts/npm-deps.sh bench

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
