#!/usr/bin/env bash
# `make demo`: builds the package and the Next.js app, starts the bundled agent backend and
# the app on 127.0.0.1, prints the URL, and runs until interrupted (both are stopped by PID).
# The page's Protocol selector: agent (the default) and auto stream the bundled agent; a
# provider (openai, anthropic, …) streams that provider's shape from the bundled server's
# /provider/{name}, through the app's route (www/app/api/run_sse), so the browser only talks
# to its own origin.
# Environment (read by the app's route, on the server; none reaches the browser):
#   BACKEND_URL=<full SSE endpoint URL>  another agent backend instead of the bundled one; or an
#       OpenAI-compatible chat-completions endpoint (a path ending in /chat/completions, e.g.
#       http://127.0.0.1:11434/v1/chat/completions for Ollama), which the route sends
#       {model, messages, stream: true, stream_options: {include_usage: true}}: choose the
#       protocol openai or auto on the page.
#   BACKEND_API_KEY  sent to such an endpoint as `Authorization: Bearer <key>` (unset: none).
#   BACKEND_MODEL    the `model` of those requests (default gpt-4o-mini; Ollama: e.g. llama3.2).
#   DEMO_PORT, BACKEND_PORT  the app's port (3000) and the bundled backend's (8787).
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
