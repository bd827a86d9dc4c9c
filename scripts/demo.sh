#!/usr/bin/env bash
# `make demo`: builds the package and the Next.js app, starts the bundled agent backend and
# the app on 127.0.0.1, prints the URL, and runs until interrupted (both are stopped by PID).
# BACKEND_URL=<full SSE endpoint URL> uses another backend instead of the bundled one.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
app_port=${DEMO_PORT:-3000}
backend_port=${BACKEND_PORT:-8787}
started=$(date +%s)

bash scripts/make-pkg.sh
bash scripts/build-www.sh
cargo build --quiet --release -p wasm-sse-testserver

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if [ -z "${BACKEND_URL:-}" ]; then
  setsid target/release/wasm-sse-testserver --host 127.0.0.1 --port "$backend_port" &
  pids+=($!)
  export BACKEND_URL="http://127.0.0.1:$backend_port/agent"
fi
(cd www && NEXT_TELEMETRY_DISABLED=1 exec setsid npm run --silent start -- -p "$app_port") &
pids+=($!)

for _ in $(seq 1 300); do
  curl -sf -o /dev/null "http://127.0.0.1:$app_port/" && break
  sleep 0.2
done
echo
echo "wasm-sse demo: http://127.0.0.1:$app_port  (backend: $BACKEND_URL; ready in $(( $(date +%s) - started )) s)"
echo "Press Ctrl-C to stop."
wait -n
