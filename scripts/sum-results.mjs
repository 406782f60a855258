// Sums the JSON reports of vitest and Playwright into the one line CI reads: `N passed, N failed`.
// A missing or unreadable report counts as one failure (a suite that did not run has not passed).
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
const args = process.argv.slice(2);
const extra = args.indexOf('--extra-failed');
if (extra >= 0) {
  failed += Number(args[extra + 1]) || 0; // checks outside the two runners (lint, types, a clone left changed)
  args.splice(extra, 2);
}
for (const file of args) {
  let json;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    console.error(`no report at ${file}: counting the suite as failed`);
    failed += 1;
    continue;
  }
  if (typeof json.numPassedTests === 'number') {
    // vitest (jest-compatible JSON); a file that failed to load counts too.
    passed += json.numPassedTests;
    failed += json.numFailedTests + (json.numFailedTestSuites > 0 && json.numFailedTests === 0 ? json.numFailedTestSuites : 0);
    if (json.numTotalTests === 0) failed += 1;
  } else if (json.stats) {
    // Playwright: expected = passed, unexpected = failed, flaky passed on retry.
    passed += json.stats.expected + json.stats.flaky;
    failed += json.stats.unexpected;
    if (json.stats.expected + json.stats.unexpected + json.stats.flaky === 0) failed += 1;
    if (Array.isArray(json.errors) && json.errors.length > 0) failed += json.errors.length;
  } else {
    console.error(`unrecognised report ${file}`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
