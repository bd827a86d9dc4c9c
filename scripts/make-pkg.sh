#!/usr/bin/env bash
# Assembles the npm package in pkg/: the client built by wasm-pack, the entry (js/),
# the React hooks compiled from react/ (pkg/react), package.json and README; then packs it
# into pkg/wasm-sse.tgz for apps to install.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
rm -rf pkg
# The client with its JS API, built with the crate's default features (what npm ships is
# what a Rust user gets by default) and one more, `talc`: the allocator. A library must not
# choose its users' global allocator, so it is off by default; for the package it is the
# smaller and faster one (docs/size.md). wasm-pack writes wasm_sse.js (wasm-bindgen's glue),
# wasm_sse_bg.wasm, the crate's snippets (snippets/) and wasm_sse.d.ts; its own wasm-opt
# step is off (Cargo.toml) because the one below needs its flags.
# Opt-level 3 without loop unrolling and with a lower inlining threshold (190, not 250):
# measured on the decoder, 1.6 KB smaller gzipped and decoding within 5 % as fast.
export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128 -C llvm-args=-unroll-threshold=0 -C llvm-args=-inline-threshold=190"
wasm=pkg/wasm_sse_bg.wasm
# wasm-opt (npm binaryen) must be told which post-MVP features rustc emits by default.
features=(--enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals
  --enable-multivalue --enable-reference-types)
if [ "${1:-}" = --profiling ]; then
  # For `node bench/run.mjs --profile`: function names kept, so profiles name wasm frames.
  wasm-pack build --profiling --target web --out-dir pkg --out-name wasm_sse --no-pack -- --features talc
  wasm-opt -O -g --strip-dwarf "${features[@]}" "$wasm" -o "$wasm"
else
  wasm-pack build --release --target web --out-dir pkg --out-name wasm_sse --no-pack -- --features talc
  # -O3 --converge: measured on the decoder, smaller gzipped than -Oz and faster.
  wasm-opt -O3 --converge --strip-debug --strip-producers "${features[@]}" "$wasm" -o "$wasm"
fi
rm -f pkg/.gitignore pkg/README.md
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
  "files": ["index.js", "index.d.ts", "wasm_sse.js", "wasm_sse.d.ts", "wasm_sse_bg.wasm", "wasm_sse_bg.wasm.d.ts", "snippets/", "react/", "README.md", "LICENSE-MIT", "LICENSE-APACHE"],
  "peerDependencies": { "react": ">=18" },
  "peerDependenciesMeta": { "react": { "optional": true } },
  "keywords": ["sse", "server-sent-events", "eventsource", "ndjson", "streaming", "llm", "wasm", "react"]
}
JSON
cp js/README.md pkg/README.md
cp LICENSE-MIT LICENSE-APACHE pkg/
(cd pkg && npm pack --silent >/dev/null && mv "wasm-sse-$version.tgz" wasm-sse.tgz)
echo "pkg/ ready: $(cd pkg && du -sh --apparent-size wasm-sse.tgz | cut -f1) tarball at pkg/wasm-sse.tgz"
