#!/usr/bin/env bash
# Runs every suite (lint and types; vitest: kernels, model, CLI; Playwright: the page in headless
# Chromium) and ends with one line `N passed, N failed` summing them. Exit status is non-zero if
# anything failed. Checks outside the two runners (lint, types, a clone that set-up or the tests
# changed) count as one failed check each.
set -uo pipefail
cd "$(dirname "$0")/.."

# What git sees of the working tree: status (untracked paths that .gitignore covers are not shown),
# plus a hash of the tracked changes and of untracked files, so that a file already modified before
# the run and modified again by it is noticed too. On a clean clone it is just empty status.
tree_state() {
  git status --porcelain=v1 --untracked-files=all
  { git diff HEAD --binary; git ls-files -z --others --exclude-standard | xargs -0 -r sha1sum; } | sha1sum | sed 's/^/content /'
}
in_git=0
git rev-parse --is-inside-work-tree >/dev/null 2>&1 && in_git=1
[ $in_git = 1 ] && tree_state >/tmp/test-all-before.$$
# Fails (returns 1, says why) when the working tree is not as it was before set-up.
tree_unchanged() {
  [ $in_git = 1 ] || return 0
  tree_state >/tmp/test-all-after.$$
  if ! cmp -s /tmp/test-all-before.$$ /tmp/test-all-after.$$; then
    echo "FAILED: $1 changed the clone (git status before / after; a tracked file must not change, an untracked one must be in .gitignore):"
    diff /tmp/test-all-before.$$ /tmp/test-all-after.$$ | grep '^[<>]' | grep -v ' content ' | sed 's/^/  /'
    diff -q <(grep '^content' /tmp/test-all-before.$$) <(grep '^content' /tmp/test-all-after.$$) >/dev/null ||
      echo "  (contents of changed or untracked files differ)"
    return 1
  fi
}

bash scripts/setup.sh --system || { echo "set-up failed"; echo "0 passed, 1 failed"; exit 1; }
tree_unchanged "set-up"; setup_dirty=$?
rm -rf test-results && mkdir -p test-results

# Lint (import boundaries, cycles) and types first: each is a failed check of its own.
npm run --silent lint; lint_rc=$?
# tsc -b: every target of tsconfig.json (page, worker, Node, Node + page), each with its own globals.
npx tsc -b; tsc_rc=$?
npx vitest run; vitest_rc=$?
npx playwright test; e2e_rc=$?
tree_unchanged "the tests"; tests_dirty=$?
rm -f /tmp/test-all-before.$$ /tmp/test-all-after.$$

extra_failed=$((setup_dirty + tests_dirty))
[ $lint_rc -ne 0 ] && { echo "FAILED: npm run lint"; extra_failed=$((extra_failed + 1)); }
[ $tsc_rc -ne 0 ] && { echo "FAILED: type check (tsc)"; extra_failed=$((extra_failed + 1)); }
node scripts/sum-results.mjs --extra-failed $extra_failed test-results/vitest.json test-results/playwright.json
sum_rc=$?
if [ $extra_failed -ne 0 ] || [ $vitest_rc -ne 0 ] || [ $e2e_rc -ne 0 ] || [ $sum_rc -ne 0 ]; then exit 1; fi
