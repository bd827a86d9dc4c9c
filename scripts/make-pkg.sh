#!/usr/bin/env bash
# Assembles the npm package in pkg/: the wasm-pack output (pkg/wasm), the JS entry (js/),
# the React hooks compiled from react/ (pkg/react), package.json and README; then packs it
# into pkg/wasm-sse.tgz for apps to install.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
rm -rf pkg
if [ "${1:-}" = --profiling ]; then
  # For `node bench/run.mjs --profile`: function names kept, so profiles name wasm frames.
  CARGO_PROFILE_RELEASE_STRIP=false wasm-pack build --target web --profiling --weak-refs --out-dir pkg/wasm --out-name wasm_sse
else
  wasm-pack build --target web --release --weak-refs --out-dir pkg/wasm --out-name wasm_sse
fi
# Only the files the glue needs; pkg/package.json describes the whole package.
rm -f pkg/wasm/package.json pkg/wasm/.gitignore pkg/wasm/README.md
cp js/index.js js/index.d.ts pkg/

bash scripts/npm-deps.sh react
npm --prefix react run --silent build
mkdir -p pkg/react
cp react/dist/*.js react/dist/*.d.ts pkg/react/
# The hooks import the API by package name in source; inside the package it is one level up.
sed -i "s#from 'wasm-sse'#from '../index.js'#; s#from \"wasm-sse\"#from \"../index.js\"#" pkg/react/*.js pkg/react/*.d.ts

cat > pkg/package.json <<JSON
{
  "name": "wasm-sse",
  "version": "$version",
  "description": "Server-Sent Events and NDJSON streaming for the browser: a WHATWG-exact parser in Rust/WebAssembly, typed agent events, cancellation and resumable reconnects.",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "main": "./index.js",
  "types": "./index.d.ts",
  "exports": {
    ".": { "types": "./index.d.ts", "default": "./index.js" },
    "./react": { "types": "./react/index.d.ts", "default": "./react/index.js" },
    "./package.json": "./package.json"
  },
  "sideEffects": false,
  "files": ["index.js", "index.d.ts", "wasm/", "react/", "README.md"],
  "peerDependencies": { "react": ">=18" },
  "peerDependenciesMeta": { "react": { "optional": true } },
  "keywords": ["sse", "server-sent-events", "eventsource", "ndjson", "streaming", "llm", "wasm", "react"]
}
JSON
cp js/README.md pkg/README.md
(cd pkg && npm pack --silent >/dev/null && mv "wasm-sse-$version.tgz" wasm-sse.tgz)
echo "pkg/ ready: $(cd pkg && du -sh --apparent-size wasm-sse.tgz | cut -f1) tarball at pkg/wasm-sse.tgz"
