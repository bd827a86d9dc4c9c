#!/usr/bin/env bash
# Prints the shipped size of the package in pkg/: the wasm (already wasm-opt'ed) and the JS
# glue minified with terser, each gzip -9, and their sum against the 20 KB budget.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
pkg=${1:-pkg}
budget=20480
gz() { gzip -9c | wc -c; }
wasm=$(gz < "$pkg/wasm_sse_bg.wasm")
glue_files=("$pkg/wasm_sse.js" "$pkg"/snippets/*/src/js/glue.js)
glue=0
for f in "${glue_files[@]}"; do
  n=$(terser "$f" --module --compress --mangle | gz)
  glue=$((glue + n))
done
total=$((wasm + glue))
printf 'wasm %d B raw, %d B gzip\n' "$(wc -c < "$pkg/wasm_sse_bg.wasm")" "$wasm"
printf 'glue (wasm_sse.js + snippets) %d B min+gzip\n' "$glue"
printf 'total %d B min+gzip (budget %d B)\n' "$total" "$budget"
if [ "$total" -gt "$budget" ]; then
  echo "over the size budget by $((total - budget)) B" >&2
  exit 1
fi
