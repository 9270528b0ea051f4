// scripts/ci-summary.js is what CI's log reader sees of the test run: its line and exit status.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../support/engine";

const script = path.join(repoRoot, "scripts", "ci-summary.js");

const counts = {
  success: true,
  numPassedTests: 0,
  numFailedTests: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  numRuntimeErrorTestSuites: 0,
};

function summarize(results: object | undefined): { line: string; status: number | null } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-summary-"));
  try {
    const file = path.join(dir, "results.json");
    if (results) fs.writeFileSync(file, JSON.stringify(results));
    const run = spawnSync(process.execPath, [script, file], { encoding: "utf8" });
    return { line: run.stdout.trim().split("\n").pop() ?? "", status: run.status };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test.each([
  {
    name: "all passed",
    results: { ...counts, numPassedTests: 57 },
    line: "jest: 57 passed, 0 failed, 0 skipped",
    status: 0,
  },
  {
    name: "skipped and todo tests count as skipped",
    results: { ...counts, numPassedTests: 3, numPendingTests: 1, numTodoTests: 1 },
    line: "jest: 3 passed, 0 failed, 2 skipped",
    status: 0,
  },
  {
    name: "a failed test",
    results: { ...counts, success: false, numPassedTests: 3, numFailedTests: 1 },
    line: "jest: 3 passed, 1 failed, 0 skipped",
    status: 1,
  },
  {
    name: "a suite that could not run counts as a failure",
    results: { ...counts, success: false, numPassedTests: 3, numRuntimeErrorTestSuites: 1 },
    line: "jest: 3 passed, 1 failed, 0 skipped",
    status: 1,
  },
  {
    name: "no test ran",
    results: counts,
    line: "jest: 0 passed, 0 failed, 0 skipped",
    status: 1,
  },
  {
    name: "jest wrote nothing",
    results: undefined,
    line: "jest: 0 passed, 0 failed, 0 skipped",
    status: 1,
  },
])("$name", ({ results, line, status }) => {
  expect(summarize(results)).toEqual({ line, status });
});
