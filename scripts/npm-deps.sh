#!/usr/bin/env bash
# Installs DIR's npm dependencies from its lock file when they are missing or older than
# the lock (check, then install), so every entry point installs the same way.
set -euo pipefail
dir=${1:?usage: scripts/npm-deps.sh DIR}
if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
  echo "[npm-deps] npm ci in $dir"
  npm --prefix "$dir" ci --no-audit --no-fund --loglevel=error
fi
