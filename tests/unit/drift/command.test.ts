// The `pulumi-yotta` command line: what it accepts, what it prints where, and its exit status.
import * as path from "node:path";
import {
  parseCommand,
  runCli,
  USAGE,
  UsageError,
  type DetectDriftOptions,
  type DriftReport,
} from "../../../sdk/drift";

const cwd = "/home/me/fleet";

describe("parseCommand", () => {
  test.each([
    {
      name: "the stack alone: text, in the current directory",
      argv: ["drift", "--stack", "prod"],
      command: { kind: "drift", stack: "prod", cwd, format: "text" },
    },
    {
      name: "short options, a relative directory and a format",
      argv: ["drift", "-s", "org/fleet/prod", "-C", "infra", "--format", "markdown"],
      command: {
        kind: "drift",
        stack: "org/fleet/prod",
        cwd: path.join(cwd, "infra"),
        format: "markdown",
      },
    },
    {
      name: "an absolute directory and the = form",
      argv: ["drift", "--stack=prod", "--cwd=/srv/fleet", "--format=json"],
      command: { kind: "drift", stack: "prod", cwd: "/srv/fleet", format: "json" },
    },
    { name: "no command", argv: [], command: { kind: "help" } },
    { name: "--help", argv: ["--help"], command: { kind: "help" } },
    {
      name: "drift --help, even without --stack",
      argv: ["drift", "-h"],
      command: { kind: "help" },
    },
  ])("$name", ({ argv, command }) => {
    expect(parseCommand(argv, cwd)).toEqual(command);
  });

  test.each([
    { name: "an unknown command", argv: ["detect"], message: /unknown command "detect"/ },
    { name: "no --stack", argv: ["drift"], message: /--stack is required/ },
    { name: "--stack without a value", argv: ["drift", "--stack"], message: /--stack/ },
    {
      name: "an unknown format",
      argv: ["drift", "--stack", "prod", "--format", "html"],
      message: /--format must be one of text, markdown, json, not html/,
    },
    { name: "an unknown option", argv: ["drift", "--stack", "prod", "--yes"], message: /--yes/ },
    { name: "a stray argument", argv: ["drift", "--stack", "prod", "extra"], message: /extra/ },
  ])("refuses $name", ({ argv, message }) => {
    const parse = () => parseCommand(argv, cwd);

    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(message);
  });
});

describe("runCli", () => {
  const report = (status: DriftReport["status"]): DriftReport => ({
    stack: "prod",
    status,
    checked: 1,
    resources:
      status === "drift"
        ? [
            {
              urn: "urn:pulumi:prod::fleet::pulumi-nodejs:dynamic/yotta:Pod::trainer",
              type: "yotta:Pod",
              name: "trainer",
              id: "18",
              kind: "deleted",
              fields: [],
            },
          ]
        : [],
    errors: status === "error" ? [{ message: "cannot reach the Yotta API" }] : [],
  });

  async function run(argv: string[], result?: DriftReport) {
    let stdout = "";
    let stderr = "";
    const calls: DetectDriftOptions[] = [];
    const code = await runCli(argv, {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      cwd,
      detect: async (options) => {
        calls.push(options);
        if (!result) throw new Error("detect was not expected to run");
        return result;
      },
    });
    return { code, stdout, stderr, calls };
  }

  test.each([
    { status: "in-sync", code: 0 },
    { status: "drift", code: 2 },
    { status: "error", code: 1 },
  ] as const)("exits $code when the check finds $status", async ({ status, code }) => {
    const result = await run(["drift", "--stack", "prod"], report(status));

    expect(result.code).toBe(code);
    expect(result.calls).toEqual([{ stackName: "prod", workDir: cwd }]);
  });

  it("prints the report on stdout in the format asked for, an error report included", async () => {
    const json = await run(["drift", "--stack", "prod", "--format", "json"], report("error"));
    const markdown = await run(["drift", "-s", "prod", "--format", "markdown"], report("drift"));

    expect(JSON.parse(json.stdout)).toEqual(report("error"));
    expect(markdown.stdout).toMatch(/^## Drift check: stack `prod`/);
    expect(markdown.stdout).toContain("| `yotta:Pod` trainer | deleted |");
  });

  it("says what it is doing on stderr, keeping stdout for the report", async () => {
    const result = await run(["drift", "--stack", "prod"], report("in-sync"));

    expect(result.stderr).toContain("Checking stack prod for drift");
    expect(result.stdout).toBe("Stack prod: no drift; 1 resource matches its last deployment.\n");
  });

  it("exits 1 on a usage error, explaining it and the usage on stderr without running", async () => {
    const result = await run(["drift", "--format", "json"]);

    expect(result.code).toBe(1);
    expect(result.calls).toEqual([]);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`pulumi-yotta: --stack is required\n\n${USAGE}`);
  });

  it("prints the usage on stdout and exits 0 for --help", async () => {
    const result = await run(["--help"]);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(USAGE);
  });

  it("exits 1 with the message alone if the check itself throws", async () => {
    let stderr = "";
    const code = await runCli(["drift", "--stack", "prod"], {
      stdout: () => {},
      stderr: (text) => (stderr += text),
      cwd,
      detect: () => Promise.reject(new Error("unexpected")),
    });

    expect(code).toBe(1);
    expect(stderr).toContain("pulumi-yotta: unexpected\n");
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
