#!/usr/bin/env bash
# Runs a command with the test server listening on a free loopback port, exported as
# WASM_SSE_TEST_SERVER. The server is stopped by its PID when the command ends, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet -p wasm-sse-testserver
log=$(mktemp)
target/debug/wasm-sse-testserver --host 127.0.0.1 --port "${TESTSERVER_PORT:-0}" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 1 100); do
  url=$(sed -n 's/^listening on //p' "$log")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "test server exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "test server did not start within 10 s" >&2; exit 1; }
echo "[with-testserver] $url (pid $pid)"
export WASM_SSE_TEST_SERVER="$url"
"$@"
