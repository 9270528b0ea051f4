// examples/ci/drift.yml: its check step publishes the report and fails the job on drift or error.
// The step's script runs here under bash as GitHub runs it, with a stand-in `npx` on PATH.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../support/engine";

const workflow = fs.readFileSync(path.join(repoRoot, "examples", "ci", "drift.yml"), "utf8");

/** The block scalar under `run: |` of the named step. */
function stepScript(name: string): string {
  const lines = workflow.split("\n");
  const start = lines.findIndex((line) => line.trim() === `- name: ${name}`);
  const run = lines.findIndex((line, i) => i > start && /^\s+run: \|$/.test(line));
  if (start < 0 || run < 0) throw new Error(`no step "${name}" with a run block`);
  const indent = lines[run]!.search(/\S/);
  const body: string[] = [];
  for (const line of lines.slice(run + 1)) {
    if (line.trim() !== "" && line.search(/\S/) <= indent) break;
    body.push(line);
  }
  const common = Math.min(...body.filter((l) => l.trim()).map((l) => l.search(/\S/)));
  return body.map((line) => line.slice(common)).join("\n");
}

const script = stepScript("Check stack prod for drift");

function runStep(status: number, body = script) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-workflow-"));
  try {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    // Records its arguments and answers as the drift command would, with the given status.
    fs.writeFileSync(
      path.join(bin, "npx"),
      `#!/bin/sh\necho "$@" > "${dir}/args"\necho "## Drift check: stack \\\`prod\\\`"\nexit ${status}\n`,
      { mode: 0o755 },
    );
    const summary = path.join(dir, "summary.md");
    // `bash -e` is what GitHub runs a step's script with by default.
    const result = spawnSync("bash", ["-e", "-c", body], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, GITHUB_STEP_SUMMARY: summary },
    });
    return {
      status: result.status,
      stdout: result.stdout,
      summary: fs.readFileSync(summary, "utf8"),
      args: fs.readFileSync(path.join(dir, "args"), "utf8").trim(),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("runs the drift command on prod with the markdown report", () => {
  expect(runStep(0).args).toBe("pulumi-yotta drift --stack prod --format markdown");
});

test.each([
  { name: "no drift", status: 0, annotation: undefined },
  { name: "drift", status: 2, annotation: "::error title=Drift::" },
  { name: "a failed check", status: 1, annotation: "::error title=Drift check failed::" },
])("on $name: the report reaches the job summary and the step exits $status", (row) => {
  const step = runStep(row.status);

  expect(step.status).toBe(row.status);
  expect(step.summary).toBe("## Drift check: stack `prod`\n");
  if (row.annotation) expect(step.stdout).toContain(row.annotation);
  else expect(step.stdout).not.toContain("::error");
});

test("runs on a schedule and by hand", () => {
  expect(workflow).toMatch(/^on:\n\s+schedule:\n\s+#.*\n\s+- cron: "[^"]+"/m);
  expect(workflow).toMatch(/^\s+workflow_dispatch:/m);
});

describe("the unmanaged step", () => {
  const unmanaged = stepScript("List what no stack records");

  test("runs the unmanaged command on prod with the markdown report, also after drift", () => {
    expect(runStep(0, unmanaged).args).toBe(
      "pulumi-yotta unmanaged --stack prod --format markdown",
    );
    expect(workflow).toMatch(/- name: List what no stack records\n\s+#.*\n\s+if: always\(\)/);
  });

  test.each([
    { name: "nothing unmanaged", status: 0, annotation: undefined },
    { name: "unmanaged resources", status: 2, annotation: "::error title=Unmanaged resources::" },
    { name: "a failed scan", status: 1, annotation: "::error title=Unmanaged check failed::" },
  ])("on $name: the report reaches the job summary and the step exits $status", (row) => {
    const step = runStep(row.status, unmanaged);
    expect(step.status).toBe(row.status);
    expect(step.summary).toBe("## Drift check: stack `prod`\n");
    if (row.annotation) expect(step.stdout).toContain(row.annotation);
    else expect(step.stdout).not.toContain("::error");
  });
});
