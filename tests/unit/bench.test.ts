// The benchmark's own arithmetic, without the engine: which request counts in which row, what a
// pod's state entry weighs, and the table it prints.
import {
  countRequests,
  formatTable,
  podState,
  POD_TYPE,
  STORED_POD_MODULE,
  type Column,
  type FleetRun,
  type Phase,
  type RequestCounts,
} from "../../scripts/bench";

describe("countRequests", () => {
  test.each([
    ["a create", "POST", "/v2/pods", "creates"],
    ["a status poll", "GET", "/v2/pods/{id}", "gets"],
    ["a list", "GET", "/v2/pods", "lists"],
    ["a delete", "DELETE", "/v2/pods/{id}", "others"],
    ["a pause", "POST", "/v2/pods/{id}/pause", "others"],
    ["another kind's list", "GET", "/v2/volumes", "others"],
    ["a path no route matched", "GET", null, "others"],
  ] as const)("%s counts as %s", (_, method, route, row) => {
    const counts = countRequests([{ method, route }]);
    expect(counts).toEqual({ total: 1, creates: 0, gets: 0, lists: 0, others: 0, [row]: 1 });
  });

  test("the rows add up to the total", () => {
    const log = [
      { method: "POST", route: "/v2/pods" },
      { method: "GET", route: "/v2/pods/{id}" },
      { method: "GET", route: "/v2/pods/{id}" },
      { method: "GET", route: "/v2/pods" },
      { method: "DELETE", route: "/v2/pods/{id}" },
    ];
    expect(countRequests(log)).toEqual({ total: 5, creates: 1, gets: 2, lists: 1, others: 1 });
  });
});

describe("podState", () => {
  const provider = "exports.handler = __f0;"; // 23 bytes
  const pod = (name: string) => ({
    urn: `urn:pulumi:test::bench::${POD_TYPE}::${name}`,
    type: POD_TYPE,
    inputs: { __provider: provider, image: "x" },
    outputs: { __provider: provider, image: "x", status: "RUNNING" },
  });

  test("averages the compact JSON of the pod entries only, and finds the provider text twice", () => {
    const stack = {
      urn: "urn:pulumi:test::bench::pulumi:pulumi:Stack::bench-test",
      type: "pulumi:pulumi:Stack",
    };
    const pods = [pod("pod-0"), pod("pod-10")];
    const sizes = pods.map((p) => JSON.stringify(p).length);
    expect(sizes[1]! - sizes[0]!).toBe(1);
    expect(podState([stack, ...pods])).toEqual({
      bytes: Math.round((sizes[0]! + sizes[1]!) / 2),
      providerBytes: 23,
      providerCopies: 2,
      providerRequired: false,
    });
  });

  test.each([
    ["the short form", `exports.handler = require("${STORED_POD_MODULE}");`, true],
    ["the whole object", provider, false],
    [
      "another resource's module",
      'exports.handler = require("pulumi-yotta/provider/stored/vm");',
      false,
    ],
  ])("tells %s of the provider text by its require", (_, text, required) => {
    const entry = { type: POD_TYPE, inputs: { __provider: text }, outputs: { __provider: text } };
    expect(podState([entry])?.providerRequired).toBe(required);
  });

  test("counts bytes, not characters", () => {
    const entry = { type: POD_TYPE, outputs: { __provider: "é" } };
    expect(podState([entry])).toEqual({
      bytes: JSON.stringify(entry).length + 1,
      providerBytes: 2,
      providerCopies: 1,
      providerRequired: false,
    });
  });

  test("a deployment without pods has no figure", () => {
    expect(podState([{ type: "pulumi:pulumi:Stack" }])).toBeUndefined();
  });
});

describe("formatTable", () => {
  const requests = (total: number, gets = 0): RequestCounts => ({
    total,
    creates: 0,
    gets,
    lists: 0,
    others: total - gets,
  });
  const phase = (ms: number, total: number, extra: Partial<Phase> = {}): Phase => ({
    ms,
    requests: requests(total, total),
    failed: 0,
    refused: 0,
    ...extra,
  });
  const run = (upMs: number, pods: number): FleetRun => ({
    up: phase(upMs, 5 * pods),
    refresh: phase(1_000, pods),
    destroy: phase(4_000, 4 * pods),
    state: { bytes: 2_520, providerBytes: 272, providerCopies: 2, providerRequired: true },
  });
  const columns: Column[] = [
    { pods: 1, free: run(10_000, 1) },
    {
      pods: 50,
      free: run(9_000, 50),
      limited: {
        up: phase(27_000, 300, { failed: 12, refused: 80 }),
        destroy: phase(6_000, 200, { failed: 3, refused: 20 }),
      },
    },
  ];
  const table = formatTable(columns);
  const row = (label: string) => {
    const line = table.split("\n").find((l) => l.startsWith(`| ${label} `));
    if (!line) throw new Error(`no row ${label} in\n${table}`);
    return line
      .split("|")
      .slice(1, -1)
      .map((cell) => cell.trim());
  };

  test("one column per fleet size, then the goals", () => {
    expect(row("")).toEqual(["", "1 pod", "50 pods", "goal (50 pods)"]);
  });

  test("wall times in seconds and the ratio to the first fleet", () => {
    expect(row("`up` wall time (s)")).toEqual(["`up` wall time (s)", "10.0", "9.0", ""]);
    expect(row("`up` wall time ÷ the 1-pod `up`").slice(1)).toEqual(["1.00", "0.90", "≤ 1.2"]);
  });

  test("requests are divided by the fleet's pods, the breakdown under each total", () => {
    expect(row("`up`: API requests per pod, create → RUNNING").slice(1)).toEqual([
      "5.00",
      "5.00",
      "≤ 1.3",
    ]);
    const lines = table.split("\n");
    const destroy = lines.findIndex((l) => l.startsWith("| `destroy`: API requests per pod "));
    expect(lines[destroy + 2]).toMatch(/^\| ↳ GET \/v2\/pods\/\{id\} +\| +4\.00 \| +4\.00 \|/);
  });

  test("state in bytes, the provider text with its copies", () => {
    expect(row("state bytes per pod resource").slice(1, 3)).toEqual(["2,520 B", "2,520 B"]);
    expect(row("↳ of which the serialized provider, × copies")[2]).toBe("272 B × 2");
    expect(row(`↳ that text is \`require("${STORED_POD_MODULE}")\``).slice(1)).toEqual([
      "yes",
      "yes",
      "yes",
    ]);
  });

  test("the rate-limited figures only where that fleet ran, against its own unlimited run", () => {
    expect(row("at 10 requests/s: failed operations in `up`").slice(1)).toEqual(["—", "12", "0"]);
    expect(row("at 10 requests/s: failed operations in `destroy`")[2]).toBe("3");
    expect(row("at 10 requests/s: `up` wall time ÷ unlimited")[2]).toBe("3.00");
    expect(row("at 10 requests/s: `destroy` wall time ÷ unlimited")[2]).toBe("1.50");
    expect(row("at 10 requests/s: requests refused with 429, `up` / `destroy`")[2]).toBe("80 / 20");
  });

  test("every line is as wide as the header, so the columns line up", () => {
    const widths = new Set(table.split("\n").map((l) => [...l].length));
    expect(widths.size).toBe(1);
  });
});
