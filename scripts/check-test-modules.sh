#!/usr/bin/env bash
# Each browser test binary may load at most four JS modules (the crate's snippet files plus
# the binary's own `inline_js`/`module` imports and those of tests/common): the test
# runner's server (tiny_http 0.12) can leave a fifth simultaneous connection unserved, and
# the page then hangs for 300 s before any test runs (docs/testing.md).
set -euo pipefail
cd "$(dirname "$0")/.."

count() { grep -hoE 'inline_js *=|module *= *"' "$@" | wc -l; }
crate=$(grep -rhoE 'module *= *"/[^"]+"' src | sort -u | wc -l)
common=$(count tests/common/*.rs || true)
status=0
for test in tests/*.rs; do
  grep -q 'run_in_browser\|run_in_dedicated_worker\|run_in_shared_worker\|run_in_service_worker' "$test" || continue
  own=$(count "$test" || true)
  total=$((crate + common + own))
  if [ "$total" -gt 4 ]; then
    echo "$test loads $total JS modules (crate $crate, tests/common $common, its own $own); at most 4 (docs/testing.md)" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "test modules: every browser test binary loads at most 4 (crate $crate, tests/common $common)"
exit "$status"
