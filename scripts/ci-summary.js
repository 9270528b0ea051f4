// Turns jest's --json results into one plain line, `jest: N passed, N failed, N skipped`, for log
// readers that do not know jest, and exits non-zero unless tests ran and all of them passed.
"use strict";
const fs = require("node:fs");

const file = process.argv[2];
if (!file) {
  console.error("usage: node scripts/ci-summary.js <jest results.json>");
  process.exit(2);
}

let results;
try {
  results = JSON.parse(fs.readFileSync(file, "utf8"));
} catch (err) {
  console.error(`jest wrote no usable results to ${file}: ${err.message}`);
  results = {};
}

const passed = results.numPassedTests ?? 0;
// A suite that could not run (a syntax error, a failing import) has no tests to count as failed,
// yet it is a failure.
const brokenSuites = results.numRuntimeErrorTestSuites ?? 0;
const failed = (results.numFailedTests ?? 0) + brokenSuites;
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
const total = passed + failed + skipped;

if (brokenSuites > 0) console.error(`${brokenSuites} test suite(s) failed to run`);
if (total === 0) console.error("no tests ran");
console.log(`jest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && passed > 0 && results.success === true ? 0 : 1);
