// The three report formats, as snapshots a reviewer can read in __snapshots__/format.test.ts.snap:
// a stack with drift of every kind, one in sync, and a failed check.
import {
  formatJson,
  formatMarkdown,
  formatReport,
  formatText,
  type DriftReport,
} from "../../../sdk/drift";
import { findingsFromEvents } from "../../../sdk/drift/events";
import { refreshed, secretValue, urnOf } from "./fixtures";

const drift: DriftReport = {
  stack: "prod",
  status: "drift",
  checked: 6,
  resources: [
    {
      urn: urnOf("Credential", "registry"),
      type: "yotta:Credential",
      name: "registry",
      id: "1839274650182736400",
      kind: "changed",
      fields: [{ path: "password", expected: "[secret]", actual: "[secret]", secret: true }],
      note:
        "The provider reports a change that no visible field explains: it is in a secret " +
        "field, whose values are never shown.",
    },
    {
      urn: urnOf("Endpoint", "inference"),
      type: "yotta:Endpoint",
      name: "inference",
      id: "1839274650182736422",
      kind: "changed",
      fields: [
        { path: "resources.gpuCount", expected: 2, actual: 1, secret: false },
        {
          path: "webhook",
          expected: undefined,
          actual: "https://hooks.example.com/a|b",
          secret: false,
        },
        { path: "workers", expected: 2, actual: 5, secret: false },
        { path: "environment", expected: "[secret]", actual: "[secret]", secret: true },
      ],
      note:
        "The fields shown as [secret] may have changed too: their values are never shown, so " +
        "the report cannot tell.",
    },
    {
      urn: urnOf("Pod", "trainer"),
      type: "yotta:Pod",
      name: "trainer",
      id: "1839274650182736451",
      kind: "changed",
      fields: [
        { path: "ports", expected: [{ port: 22, protocol: "SSH" }], actual: [], secret: false },
        { path: "running", expected: true, actual: false, secret: false },
      ],
    },
    {
      urn: urnOf("Volume", "datasets"),
      type: "yotta:Volume",
      name: "datasets",
      id: "1839274650182736477",
      kind: "deleted",
      fields: [],
    },
  ],
  errors: [],
};

const inSync: DriftReport = {
  stack: "prod",
  status: "in-sync",
  checked: 6,
  resources: [],
  errors: [],
};

// The API stopped answering part-way: what was read before is still reported.
const failed: DriftReport = {
  stack: "prod",
  status: "error",
  checked: 1,
  resources: [drift.resources[3]!],
  errors: [
    {
      urn: urnOf("Pod", "trainer"),
      type: "yotta:Pod",
      name: "trainer",
      message: "cannot reach the Yotta API at https://api.yottalabs.ai: connect ECONNREFUSED",
    },
  ],
};

describe.each([
  { format: "text", render: formatText },
  { format: "markdown", render: formatMarkdown },
  { format: "json", render: formatJson },
] as const)("the $format report", ({ format, render }) => {
  it("of drift lists each resource, field, expected and actual value", () => {
    expect(render(drift)).toMatchSnapshot();
  });

  it("of a stack in sync says so", () => {
    expect(render(inSync)).toMatchSnapshot();
  });

  it("of a failed check gives the reasons", () => {
    expect(render(failed)).toMatchSnapshot();
  });

  it("is what formatReport gives for the name", () => {
    expect(formatReport(drift, format)).toBe(render(drift));
  });

  it("never shows a secret's plaintext, even when only one side was secret", () => {
    const findings = findingsFromEvents([
      refreshed({
        type: "Endpoint",
        name: "inference",
        op: "update",
        inputs: { environment: { HF_TOKEN: "hf_plaintext_token" }, workers: 2 },
        outputs: { environment: secretValue, workers: 2 },
      }),
    ]);
    const report: DriftReport = { stack: "prod", status: "drift", ...findings };

    const output = render(report);

    expect(output).not.toContain("hf_plaintext_token");
    expect(output).toContain("[secret]");
  });
});

test("the JSON report writes a value that is not set as null, so the field stays visible", () => {
  const parsed = JSON.parse(formatJson(drift)) as DriftReport;

  expect(parsed.resources[1]?.fields[1]).toEqual({
    path: "webhook",
    expected: null,
    actual: "https://hooks.example.com/a|b",
    secret: false,
  });
});

test("a markdown table cell keeps a pipe and a backtick inside its value", () => {
  const report: DriftReport = {
    ...drift,
    resources: [
      {
        ...drift.resources[2]!,
        fields: [{ path: "command", expected: "a | b", actual: "echo `x`", secret: false }],
      },
    ],
  };

  const row = formatMarkdown(report)
    .split("\n")
    .find((line) => line.includes("command"));

  expect(row).toBe('| `yotta:Pod` trainer | changed | `command` | `"a \\| b"` | ``"echo `x`"`` |');
});

test("a volume grown outside Pulumi: the remedy says to grow the program's value, since `up --refresh` cannot shrink it", () => {
  const report: DriftReport = {
    stack: "prod",
    status: "drift",
    checked: 1,
    errors: [],
    resources: [
      {
        urn: urnOf("Volume", "data"),
        type: "yotta:Volume",
        name: "data",
        id: "917",
        kind: "changed",
        fields: [{ path: "sizeInGb", expected: 200, actual: 300, secret: false }],
      },
    ],
  };
  const text = formatText(report);
  expect(text).toContain(
    "Volume data was grown to 300 GB outside Pulumi and cannot shrink back: set sizeInGb: 300 (or more) in the program",
  );
  expect(formatMarkdown(report)).toContain("set `sizeInGb: 300` (or more)");
  // A volume the program grows is restored by the refresh as usual: no such line.
  const smaller = {
    ...report.resources[0]!,
    fields: [{ path: "sizeInGb", expected: 300, actual: 200, secret: false }],
  };
  expect(formatText({ ...report, resources: [smaller] })).not.toContain("cannot shrink back");
});
