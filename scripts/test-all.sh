#!/usr/bin/env bash
# Runs every suite (vitest: kernels, model, CLI; Playwright: the page in headless Chromium) and
# ends with one line `N passed, N failed` summing them. Exit status is non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system || { echo "set-up failed"; echo "0 passed, 1 failed"; exit 1; }
rm -rf test-results && mkdir -p test-results

# Types first: a type error is a failure of its own (counted as one failed check).
npx tsc --noEmit -p tsconfig.json; tsc_rc=$?
npx vitest run; vitest_rc=$?
npx playwright test; e2e_rc=$?

extra_failed=0
[ $tsc_rc -ne 0 ] && extra_failed=1
node scripts/sum-results.mjs --extra-failed $extra_failed test-results/vitest.json test-results/playwright.json
sum_rc=$?
if [ $tsc_rc -ne 0 ] || [ $vitest_rc -ne 0 ] || [ $e2e_rc -ne 0 ] || [ $sum_rc -ne 0 ]; then exit 1; fi
