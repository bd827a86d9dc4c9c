#!/usr/bin/env bash
# Prints the shipped size of the package in pkg/ (make pkg): the wasm (already wasm-opt'ed)
# and the JS it loads (index.js + wasm.js) minified with terser, each
# gzip -9, their sum against the 20 KB budget, and the React entry on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
pkg=${1:-pkg}
budget=20480
gz() { gzip -9c | wc -c; }
min_gz() { cat "$@" | terser --module --compress --mangle | gz; }
wasm=$(gz < "$pkg/wasm/wasm_sse.wasm")
glue=$(min_gz "$pkg/index.js" "$pkg/wasm.js")
react=$(min_gz "$pkg"/react/*.js)
total=$((wasm + glue))
printf 'wasm %d B raw, %d B gzip\n' "$(wc -c < "$pkg/wasm/wasm_sse.wasm")" "$wasm"
printf 'JS for "wasm-sse" (index.js + wasm.js) %d B min+gzip\n' "$glue"
printf '"wasm-sse/react" entry %d B min+gzip (loads "wasm-sse" above)\n' "$react"
printf 'total %d B min+gzip (budget %d B)\n' "$total" "$budget"
if [ "$total" -gt "$budget" ]; then
  echo "over the size budget by $((total - budget)) B" >&2
  exit 1
fi
