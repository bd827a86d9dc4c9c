#!/usr/bin/env bash
# Installs the demo app's dependencies and the freshly packed wasm-sse tarball (the way an
# app installs it from npm), then runs `next build`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/npm-deps.sh www
cd www
# Not in package.json: the tarball's hash changes with every build, which `npm ci` rejects.
npm install --no-save --no-audit --no-fund --loglevel=error ../pkg/wasm-sse.tgz
NEXT_TELEMETRY_DISABLED=1 npm run --silent build
