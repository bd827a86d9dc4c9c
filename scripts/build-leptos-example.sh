#!/usr/bin/env bash
# Builds the Leptos example (examples/leptos-chat) into examples/leptos-chat/dist/: its
# index.html and pkg/ (wasm-pack's --target web output, which index.html imports).
set -euo pipefail
cd "$(dirname "$0")/.."
# npm's wasm-opt (binaryen) first: Debian's corrupts wasm-bindgen output.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

example=examples/leptos-chat
rm -rf "$example/dist"
# The example is its own cargo workspace, so it builds into its own target/ directory.
(cd "$example" && wasm-pack build --release --target web --out-dir dist/pkg --out-name leptos_chat --no-pack)
rm -f "$example/dist/pkg/.gitignore"
cp "$example/index.html" "$example/dist/"
echo "$example/dist ready: $(du -sh --apparent-size "$example/dist/pkg/leptos_chat_bg.wasm" | cut -f1) of wasm"
