#!/usr/bin/env bash
# Installs what `make test` / `make demo` need on a fresh Debian machine: check first, then
# install only what is missing. Each step says what it is doing; re-running is cheap.
set -euo pipefail

want="${1:-all}"   # native | wasm | browser | all

log() { printf '[bootstrap] %s\n' "$*"; }

apt_install() {
  # apt-get update once per run, only if something is actually missing.
  if [ -z "${APT_UPDATED:-}" ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

native() {
  command -v cargo >/dev/null || { log "cargo not found: install Rust with rustup first"; exit 1; }
  for c in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || { log "rustup component add $c"; rustup component add "$c"; }
  done
}

wasm() {
  native
  rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || { log "rustup target add wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown; }
  # The npm wasm-pack package downloads a binary at install time, which fails here: build it.
  command -v wasm-pack >/dev/null \
    || { log "cargo install wasm-pack (about 2 min)"; cargo install wasm-pack --locked --quiet; }
}

browser() {
  wasm
  command -v node >/dev/null || apt_install nodejs npm
  command -v curl >/dev/null || apt_install curl ca-certificates
  { command -v chromium >/dev/null && command -v chromedriver >/dev/null; } \
    || apt_install chromium chromium-driver
  # The other two engines: Firefox ESR (geckodriver from crates.io: the npm one downloads a
  # binary) and WebKitGTK's WebDriver with its MiniBrowser, which needs an X server (Xvfb).
  command -v firefox-esr >/dev/null || apt_install firefox-esr
  command -v WebKitWebDriver >/dev/null || apt_install webkit2gtk-driver
  command -v xvfb-run >/dev/null || apt_install xvfb xauth
  command -v geckodriver >/dev/null \
    || { log "cargo install geckodriver (about 2 min)"; cargo install geckodriver --locked --quiet; }
  # Dev tools from npm (wasm-opt from binaryen, tsc, terser, playwright-core), pinned by the lock file.
  bash "$(dirname "$0")/npm-deps.sh" .
}

case "$want" in
  native) native ;;
  wasm) wasm ;;
  browser|all) browser ;;
  *) log "unknown target '$want' (native | wasm | browser | all)"; exit 2 ;;
esac
log "ok ($want)"
