// Reading a refresh preview's events into drift: which resources, which fields, what is hidden.
import { cleanMessage, displayType, findingsFromEvents, nameOf } from "../../../sdk/drift/events";
import { bookkeeping, diagnostic, refreshed, secretValue, urnOf } from "./fixtures";

const pod = { image: "pytorch:2.4", gpuCount: 1, running: true, autonamePrefix: "trainer" };

describe("findingsFromEvents", () => {
  it("finds nothing when every resource is the same, and counts only managed resources", () => {
    const findings = findingsFromEvents([
      ...bookkeeping(),
      refreshed({ type: "Pod", name: "a", op: "same", inputs: pod, outputs: pod }),
      refreshed({ type: "Pod", name: "b", op: "same", inputs: pod, outputs: pod }),
    ]);

    expect(findings).toEqual({ checked: 2, resources: [], errors: [] });
  });

  it("counts a resource once when the engine sends its outputs twice, the last one deciding", () => {
    const findings = findingsFromEvents([
      refreshed({ type: "Pod", name: "a", op: "same", inputs: pod, outputs: pod }),
      refreshed({ type: "Pod", name: "b", op: "same", inputs: pod, outputs: pod }),
      refreshed({
        type: "Pod",
        name: "a",
        op: "update",
        inputs: pod,
        outputs: { ...pod, running: false },
      }),
    ]);

    expect(findings.checked).toBe(2);
    expect(findings.resources.map((r) => [r.name, r.kind])).toEqual([["a", "changed"]]);
  });

  it("reports a changed input with its last applied and its live value", () => {
    const findings = findingsFromEvents([
      refreshed({
        type: "Pod",
        name: "trainer",
        id: "1839274650182736451",
        op: "update",
        inputs: pod,
        outputs: { ...pod, running: false, status: "PAUSED" },
      }),
    ]);

    expect(findings.resources).toEqual([
      {
        urn: urnOf("Pod", "trainer"),
        type: "yotta:Pod",
        name: "trainer",
        id: "1839274650182736451",
        kind: "changed",
        fields: [{ path: "running", expected: true, actual: false, secret: false }],
      },
    ]);
  });

  it("reports a resource that read found gone as deleted", () => {
    const findings = findingsFromEvents([
      refreshed({ type: "Volume", name: "datasets", op: "delete", inputs: { sizeInGb: 100 } }),
    ]);

    expect(findings.resources).toEqual([
      expect.objectContaining({
        type: "yotta:Volume",
        name: "datasets",
        kind: "deleted",
        fields: [],
      }),
    ]);
  });

  it("ignores output-only fields, the serialized provider and inputs read does not report", () => {
    const findings = findingsFromEvents([
      refreshed({
        type: "Pod",
        name: "trainer",
        op: "update",
        inputs: { ...pod, timeouts: { create: "20m" } },
        // status and createdAt are outputs; timeouts is not reported back by read.
        outputs: { ...pod, gpuCount: 2, status: "RUNNING", createdAt: "2025-01-01T00:00:00Z" },
      }),
    ]);

    expect(findings.resources[0]?.fields.map((f) => f.path)).toEqual(["gpuCount"]);
  });

  it("names nested fields by path and compares arrays whole", () => {
    const inputs = {
      resources: { gpuType: "H100", gpuCount: 8 },
      ports: [{ port: 22, protocol: "SSH" }],
    };
    const findings = findingsFromEvents([
      refreshed({
        type: "Endpoint",
        name: "inference",
        op: "update",
        inputs,
        outputs: {
          resources: { gpuType: "H100", gpuCount: 4, region: "us-east" },
          ports: [
            { port: 22, protocol: "SSH" },
            { port: 8080, protocol: "HTTP" },
          ],
        },
      }),
    ]);

    expect(findings.resources[0]?.fields).toEqual([
      {
        path: "ports",
        expected: [{ port: 22, protocol: "SSH" }],
        actual: [
          { port: 22, protocol: "SSH" },
          { port: 8080, protocol: "HTTP" },
        ],
        secret: false,
      },
      { path: "resources.gpuCount", expected: 8, actual: 4, secret: false },
      { path: "resources.region", expected: undefined, actual: "us-east", secret: false },
    ]);
  });

  it("never shows a value that is secret on either side, nor the plaintext beside it", () => {
    const findings = findingsFromEvents([
      refreshed({
        type: "Endpoint",
        name: "inference",
        op: "update",
        // Stored as a plain input, reported back as a secret output (additionalSecretOutputs).
        inputs: { workers: 2, environment: { TOKEN: "hunter2-plaintext" } },
        outputs: { workers: 5, environment: secretValue },
      }),
    ]);

    expect(findings.resources[0]?.fields).toEqual([
      { path: "workers", expected: 2, actual: 5, secret: false },
      { path: "environment", expected: "[secret]", actual: "[secret]", secret: true },
    ]);
    expect(JSON.stringify(findings)).not.toContain("hunter2-plaintext");
  });

  it("lists the secret fields as possibly changed when a visible field changed too", () => {
    const findings = findingsFromEvents([
      refreshed({
        type: "Credential",
        name: "registry",
        op: "update",
        inputs: { username: "ci", password: secretValue },
        outputs: { username: "deploy", password: secretValue },
      }),
    ]);

    // The provider's diff cannot say whether the password changed beside the username: the
    // report must not claim it did not.
    expect(findings.resources[0]).toEqual({
      urn: urnOf("Credential", "registry"),
      type: "yotta:Credential",
      name: "registry",
      id: "registry-id",
      kind: "changed",
      fields: [
        { path: "username", expected: "ci", actual: "deploy", secret: false },
        { path: "password", expected: "[secret]", actual: "[secret]", secret: true },
      ],
      note: expect.stringContaining("may have changed"),
    });
  });

  it("names the secret fields when only a secret can explain the change", () => {
    const findings = findingsFromEvents([
      refreshed({
        type: "Credential",
        name: "registry",
        op: "update",
        inputs: { username: "ci", password: secretValue },
        outputs: { username: "ci", password: secretValue },
      }),
    ]);

    expect(findings.resources[0]).toMatchObject({
      kind: "changed",
      fields: [{ path: "password", expected: "[secret]", actual: "[secret]", secret: true }],
      note: expect.stringContaining("secret"),
    });
  });

  it("sorts resources and errors by URN, whatever order the engine read them in", () => {
    const findings = findingsFromEvents([
      refreshed({ type: "Vm", name: "z", op: "delete", inputs: {} }),
      refreshed({ type: "Pod", name: "a", op: "delete", inputs: {} }),
      diagnostic("error", "Preview failed: boom z\n", urnOf("Vm", "z")),
      diagnostic("error", "Preview failed: boom a\n", urnOf("Pod", "a")),
    ]);

    expect(findings.resources.map((r) => r.name)).toEqual(["a", "z"]);
    expect(findings.errors.map((e) => e.name)).toEqual(["a", "z"]);
  });

  it("keeps a provider's error message and drops stack traces and the engine's summary line", () => {
    const findings = findingsFromEvents([
      diagnostic("error", "Preview failed: connect ECONNREFUSED 127.0.0.1:1\n", urnOf("Pod", "a")),
      diagnostic("info#err", "Error: connect ECONNREFUSED\n    at read (<anonymous>:26:19)\n"),
      diagnostic("warning", "a warning is not a failure\n"),
      diagnostic("error", "preview failed\n"),
    ]);

    expect(findings.errors).toEqual([
      {
        urn: urnOf("Pod", "a"),
        type: "yotta:Pod",
        name: "a",
        message: "connect ECONNREFUSED 127.0.0.1:1",
      },
    ]);
  });

  it("keeps an error that names no resource when it is the only one", () => {
    const findings = findingsFromEvents([
      diagnostic("error", "getting stack configuration: incorrect passphrase\n"),
    ]);

    expect(findings.errors).toEqual([
      { message: "getting stack configuration: incorrect passphrase" },
    ]);
  });
});

test.each([
  { token: "pulumi-nodejs:dynamic/yotta:Pod", shown: "yotta:Pod" },
  { token: "pulumi-nodejs:dynamic:Resource", shown: "pulumi-nodejs:dynamic:Resource" },
  { token: "aws:s3/bucket:Bucket", shown: "aws:s3/bucket:Bucket" },
])("displayType($token) is $shown", ({ token, shown }) => {
  expect(displayType(token)).toBe(shown);
});

test.each([
  { urn: urnOf("Pod", "trainer"), name: "trainer" },
  { urn: "urn:pulumi:prod::fleet::yotta:Pod::odd::name", name: "odd::name" },
])("nameOf($urn) is $name", ({ urn, name }) => {
  expect(nameOf(urn)).toBe(name);
});

test("cleanMessage drops the engine prefix and every stack-trace line", () => {
  const message = [
    "Preview failed: pod 18 not reachable",
    "    at Object.read (/app/node_modules/pulumi-yotta/dist/provider/pod.js:12:3)",
    "    at processTicksAndRejections (node:internal/process/task_queues:95:5)",
    "",
  ].join("\n");

  expect(cleanMessage(message)).toBe("pod 18 not reachable");
});

describe("a record whose create had an unknown outcome (a pending record)", () => {
  const attempt = { kind: "pod", name: "trainer-1a2b3c4", reason: "connection failed" };
  const stored = { ...pod, name: "trainer-1a2b3c4", __pendingCreate: attempt };

  it("is pending, never 'no drift', when the attempt made a pod that runs and bills", () => {
    // `read` put what the attempt made in the record's place; the diff of that pod against the
    // stored inputs finds nothing, so the engine says "same".
    const findings = findingsFromEvents([
      refreshed({
        type: "Pod",
        name: "trainer",
        id: "pending-0f1e2d3c4b5a6978",
        op: "same",
        inputs: stored,
        outputs: { ...pod, id: "1839274650182736451", status: "RUNNING", hourlyPrice: 2.5 },
      }),
    ]);
    expect(findings.resources).toEqual([
      expect.objectContaining({ kind: "pending", id: "pending-0f1e2d3c4b5a6978", fields: [] }),
    ]);
    expect(findings.resources[0]!.note).toMatch(
      /it made 1839274650182736451 \(live, RUNNING, billing 2.5 USD an hour\), which `pulumi refresh` records/,
    );
  });

  it("is pending, not a secret change, while the outcome is still unknown", () => {
    const findings = findingsFromEvents([
      refreshed({
        type: "Pod",
        name: "trainer",
        id: "pending-0f1e2d3c4b5a6978",
        op: "update",
        inputs: { ...stored, environment: secretValue },
        outputs: { ...stored, environment: secretValue },
      }),
    ]);
    expect(findings.resources).toEqual([expect.objectContaining({ kind: "pending", fields: [] })]);
    expect(findings.resources[0]!.note).toMatch(/\(connection failed\), and it is still unknown/);
  });

  it("is pending, not 'deleted outside Pulumi', when the attempt made nothing", () => {
    const findings = findingsFromEvents([
      refreshed({ type: "Pod", name: "trainer", op: "delete", inputs: stored }),
    ]);
    expect(findings.resources).toEqual([expect.objectContaining({ kind: "pending" })]);
    expect(findings.resources[0]!.note).toMatch(
      /it made nothing, and `pulumi refresh` drops the record/,
    );
  });
});

test("the stack's key is not a managed resource: it is neither checked nor ever drift", () => {
  const events = [
    refreshed({ type: "StackKey", name: "yotta-stack-key", op: "delete", inputs: {} }),
  ];
  expect(findingsFromEvents(events)).toEqual({ checked: 0, resources: [], errors: [] });
});
