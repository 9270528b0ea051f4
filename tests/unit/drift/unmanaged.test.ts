// `pulumi-yotta unmanaged`: its command line, its reports and its exit status.
import { parseCommand, runCli, UsageError } from "../../../sdk/drift";
import { formatUnmanaged, unmanagedExitCode } from "../../../sdk/unmanaged/format";
import { ageOf, type UnmanagedReport } from "../../../sdk/unmanaged/scan";

const cwd = "/home/me/fleet";

const FOUND: UnmanagedReport = {
  stacks: ["prod", "research"],
  status: "found",
  records: 7,
  resources: [
    {
      kind: "pod",
      id: "378888638324150969",
      name: "trainer-3f9a2c1",
      status: "RUNNING",
      createdAt: "2026-12-06T01:00:00.000Z",
      age: "2h 5m",
      hourlyPrice: 20,
      origin:
        "the create of urn:pulumi:prod::fleet::yotta:Pod::trainer in a run of stack prod that was killed",
    },
    { kind: "volume", id: "12", name: "scratch", status: "active", age: "3d 1h" },
  ],
  errors: [],
};

describe("the unmanaged command line", () => {
  test("takes several stacks", () => {
    expect(
      parseCommand(["unmanaged", "--stack", "prod", "-s", "research", "--format", "markdown"], cwd),
    ).toEqual({ kind: "unmanaged", stacks: ["prod", "research"], cwd, format: "markdown" });
  });

  test("needs one, and drift takes only one", () => {
    expect(() => parseCommand(["unmanaged"], cwd)).toThrow(UsageError);
    expect(() => parseCommand(["drift", "-s", "a", "-s", "b"], cwd)).toThrow(/give --stack once/);
  });

  test.each([
    ["none", 0],
    ["found", 2],
    ["error", 1],
  ] as const)("%s exits %i, and the report goes to stdout", async (status, code) => {
    let stdout = "";
    const exit = await runCli(["unmanaged", "-s", "prod", "--format", "json"], {
      cwd,
      stdout: (text) => (stdout += text),
      stderr: () => undefined,
      scan: async (options) => {
        expect(options).toEqual({ stacks: ["prod"], workDir: cwd });
        return { ...FOUND, status, resources: status === "found" ? FOUND.resources : [] };
      },
    });
    expect(exit).toBe(code);
    expect(unmanagedExitCode({ status })).toBe(code);
    expect(JSON.parse(stdout).status).toBe(status);
  });
});

describe("the unmanaged report", () => {
  test("text: each resource with its kind, id, name, status, age, price and origin", () => {
    const text = formatUnmanaged(FOUND, "text");
    expect(text).toContain(
      "Stacks prod, research: 2 live resources that none of the 7 records holds, about 20 USD an hour.",
    );
    expect(text).toContain(
      '+ pod 378888638324150969 "trainer-3f9a2c1" (RUNNING, 2h 5m old, 20 USD/h)',
    );
    expect(text).toContain("    from the create of urn:pulumi:prod::fleet::yotta:Pod::trainer");
    expect(text).toContain('+ volume 12 "scratch" (active, 3d 1h old)');
    expect(text).toContain('adoptId: "<id>"');
  });

  test("markdown: a table", () => {
    const markdown = formatUnmanaged(FOUND, "markdown");
    expect(markdown).toContain(
      "| pod | `378888638324150969` | trainer-3f9a2c1 | RUNNING | 2h 5m | 20 |",
    );
    expect(markdown).toContain("| volume | `12` | scratch | active | 3d 1h |  |");
  });

  test("none: says so", () => {
    const none = { ...FOUND, status: "none" as const, resources: [] };
    expect(formatUnmanaged(none, "text")).toBe(
      "Stacks prod, research: nothing unmanaged; every live resource of the account is one of the 7 records.\n",
    );
  });

  test.each([
    ["2026-12-06T02:59:00Z", "1m"],
    ["2026-12-06T00:55:00Z", "2h 5m"],
    ["2026-12-03T01:00:00Z", "3d 2h"],
    [undefined, undefined],
    ["yesterday", undefined],
  ])("age of %s", (createdAt, age) => {
    expect(ageOf(createdAt, Date.parse("2026-12-06T03:00:00Z"))).toBe(age);
  });
});
