#!/bin/bash
# What npm test runs before the first test, in another checkout (its typecheck, lint and build in a
# row) beside this one (scripts/checks.mjs, then build --no-check), alternating, 3 rounds, no tsc cache.
# Run: BENCH_TOOLING_BASE=/tmp/base bash bench/tooling-time.sh
set -u
BASE=${BENCH_TOOLING_BASE:?set BENCH_TOOLING_BASE to another checkout with node_modules}
HERE=$(cd "$(dirname "$0")/.." && pwd)
run() { ( cd "$1" && rm -rf node_modules/.cache/tsc && /usr/bin/time -f "%e" bash -c "$2" >/dev/null 2>/tmp/pdm-tooling.err; tail -1 /tmp/pdm-tooling.err ); }
for i in 1 2 3; do
  b=$(run "$BASE" "npm run -s typecheck && npm run -s lint && npm run -s build")
  n=$(run "$HERE" "node scripts/checks.mjs && node scripts/build.mjs --no-check")
  echo "round $i: other checkout ${b} s, this one ${n} s"
done
