#!/usr/bin/env bash
# The whole test suite from a fresh clone: system packages, npm packages, build, tests, coverage
# floor. Ends with the line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
npx tap --reporter=tap "$@" 2>&1 | tee "$log" || status=$?

# tap's closing summary looks like "# { total: 120, pass: 118, fail: 2, skip: 1 }".
summary=$(grep -E '^# \{ total: [0-9]+' "$log" | tail -n 1 || true)
count() { sed -nE "s/.*[{ ,]$1: ([0-9]+).*/\1/p" <<<"$summary"; }
pass=$(count pass); fail=$(count fail); skip=$(count skip)
if [ -z "$summary" ]; then
    echo "test: no tap summary found" >&2
    pass=0; fail=1
    [ "$status" -ne 0 ] || status=1
fi
[ "${fail:-0}" -eq 0 ] || [ "$status" -ne 0 ] || status=1
if [ "$status" -ne 0 ] && [ "${fail:-0}" -eq 0 ]; then
    # Every assertion passed but tap failed: the coverage floor (.taprc) or a test file that crashed.
    echo "test: tap exited with status $status although no assertion failed (coverage floor? see above)" >&2
    fail=1
fi
echo "${pass:-0} passed, ${fail:-0} failed${skip:+, $skip skipped}"
exit "$status"
