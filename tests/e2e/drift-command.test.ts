// `pulumi-yotta drift`, the real command against the real engine: stacks are deployed, changed
// behind Pulumi's back, and checked by running sdk/cli.ts in its own process with nothing but the
// environment a user would have. First over small file-backed resources defined here (every
// kind of drift, a secret, a failing read), then over each Yotta resource type against the
// emulator.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { DriftReport } from "../../sdk/drift";
import { MAYBE_SECRET_NOTE } from "../../sdk/drift/events";
import * as yotta from "pulumi-yotta";
import { createTestStack, engineEnv, repoRoot, type TestStack } from "../support/engine";
import { createYottaStack, type YottaStack } from "../support/yotta-stack";

interface NoteInputs {
  /** The note's file: the "cloud" this resource lives in. */
  file: string;
  content: string;
  labels: Record<string, string>;
  token: string;
}

// A stand-in for a cloud resource with the shape of ours: `read` returns the live desired-state
// fields plus an output that changes on every read, `diff` compares only the desired fields.
// Runs in the dynamic-provider process from serialized text, hence `require` inside the methods
// (see engine-smoke.test.ts).
/* eslint-disable @typescript-eslint/no-require-imports -- see above */
const noteProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: NoteInputs) {
    const fsp = require("node:fs/promises") as typeof import("node:fs/promises");
    const { content, labels, token } = inputs;
    await fsp.writeFile(inputs.file, JSON.stringify({ content, labels, token }));
    return { id: inputs.file, outs: { ...inputs, readAt: new Date().toISOString() } };
  },
  async read(id: string, props: NoteInputs) {
    const fsp = require("node:fs/promises") as typeof import("node:fs/promises");
    if (process.env.NOTES_API_DOWN) {
      // Deliberately careless, like a provider that puts its credentials in an error: the drift
      // command must not print them.
      throw new Error(
        `cannot reach the notes API at http://127.0.0.1:9 with key ${process.env.YOTTA_API_KEY}`,
      );
    }
    let live: Pick<NoteInputs, "content" | "labels" | "token">;
    try {
      live = JSON.parse(await fsp.readFile(id, "utf8"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw err;
    }
    return { id, props: { ...props, ...live, readAt: new Date().toISOString() } };
  },
  async diff(_id: string, olds: NoteInputs, news: NoteInputs) {
    const { isDeepStrictEqual } = require("node:util") as typeof import("node:util");
    const fields = ["content", "labels", "token"] as const;
    return { changes: fields.some((f) => !isDeepStrictEqual(olds[f], news[f])) };
  },
  async delete(id: string) {
    const fsp = require("node:fs/promises") as typeof import("node:fs/promises");
    await fsp.rm(id, { force: true });
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */

class Note extends pulumi.dynamic.Resource {
  constructor(name: string, args: { [K in keyof NoteInputs]: pulumi.Input<NoteInputs[K]> }) {
    super(noteProvider, name, { readAt: undefined, ...args }, {}, "test", "Note");
  }
}

const API_KEY = "yk-live-7f3a9c2e41d8";
const ORIGINAL_TOKEN = "tok-c-original-5d1e";

const cli = path.join(repoRoot, "sdk", "cli.ts");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The command in its own process, as `npx pulumi-yotta drift ...` would run it. */
function runDrift(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--require", "ts-node/register/transpile-only", cli, "drift", ...args],
      { cwd: repoRoot, env: { ...process.env, ...env } },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("pulumi-yotta drift", () => {
  let test: TestStack;
  let cloud: string;
  let userEnv: Record<string, string>;

  const noteFile = (name: string) => path.join(cloud, `${name}.json`);
  const readNote = (name: string) => JSON.parse(fs.readFileSync(noteFile(name), "utf8"));
  const writeNote = (name: string, note: object) =>
    fs.writeFileSync(noteFile(name), JSON.stringify(note));

  const drift = (args: string[], env: Record<string, string> = {}) =>
    runDrift(args, { ...userEnv, ...env });

  async function driftJson(
    env?: Record<string, string>,
  ): Promise<{ run: Run; report: DriftReport }> {
    const run = await drift(["--stack", "test", "--cwd", test.workDir, "--format", "json"], env);
    return { run, report: JSON.parse(run.stdout) as DriftReport };
  }

  const urn = (name: string) =>
    `urn:pulumi:test::drift-command::pulumi-nodejs:dynamic/test:Note::${name}`;

  beforeAll(async () => {
    test = await createTestStack({
      name: "drift-command",
      program: async () => {
        new Note("a", {
          file: noteFile("a"),
          content: "alpha",
          labels: { team: "ml", tier: "gold" },
          token: "tok-a",
        });
        new Note("b", { file: noteFile("b"), content: "beta", labels: {}, token: "tok-b" });
        new Note("c", {
          file: noteFile("c"),
          content: "gamma",
          labels: {},
          token: pulumi.secret(ORIGINAL_TOKEN),
        });
      },
    });
    cloud = path.join(test.workDir, "cloud");
    fs.mkdirSync(cloud);
    // What a user's shell or CI job has: the backend, the passphrase, `pulumi` on PATH, the key.
    userEnv = {
      ...engineEnv({ backendDir: path.join(test.workDir, ".pulumi-state") }),
      YOTTA_API_KEY: API_KEY,
    };
    const up = await test.stack.up();
    expect(up.summary.result).toBe("succeeded");
    // A second stack, selected: the check of "test" must not change which stack is selected.
    await test.stack.workspace.createStack("other");
  });

  afterAll(async () => {
    if (!test) return;
    await test.stack.destroy();
    await test.cleanup();
  });

  it("exits 0 when the cloud matches, though outputs such as readAt change on every read", async () => {
    const { run, report } = await driftJson();

    expect(run.code).toBe(0);
    expect(report).toEqual({
      stack: "test",
      status: "in-sync",
      checked: 3,
      resources: [],
      errors: [],
    });
    expect(run.stderr).toContain("Checking stack test for drift");
  });

  it("exits 2 naming each changed field with its expected and actual value", async () => {
    writeNote("a", { ...readNote("a"), content: "ALPHA", labels: { team: "infra", tier: "gold" } });

    const { run, report } = await driftJson();

    expect(run.code).toBe(2);
    expect(report).toEqual({
      stack: "test",
      status: "drift",
      checked: 3,
      resources: [
        {
          urn: urn("a"),
          type: "test:Note",
          name: "a",
          id: noteFile("a"),
          kind: "changed",
          fields: [
            { path: "content", expected: "alpha", actual: "ALPHA", secret: false },
            { path: "labels.team", expected: "ml", actual: "infra", secret: false },
          ],
        },
      ],
      errors: [],
    });
  });

  it("prints the same drift as text and as markdown, and leaves the state alone", async () => {
    const text = await drift(["--stack", "test", "--cwd", test.workDir]);
    const markdown = await drift(["-s", "test", "-C", test.workDir, "--format", "markdown"]);

    expect(text.code).toBe(2);
    expect(text.stdout).toContain("Stack test: 1 of 3 resources drifted");
    expect(text.stdout).toContain(
      ["    content", '      expected: "alpha"', '      actual:   "ALPHA"'].join("\n"),
    );
    expect(markdown.code).toBe(2);
    expect(markdown.stdout).toContain(
      '| `test:Note` a | changed | `content` | `"alpha"` | `"ALPHA"` |',
    );
    // A preview: the state still holds what was deployed.
    const state = await test.stack.exportStack();
    const a = state.deployment.resources.find((r: { urn: string }) => r.urn === urn("a"));
    expect(a.outputs.content).toBe("alpha");
  });

  it("exits 2 reporting a resource deleted outside Pulumi", async () => {
    writeNote("a", { ...readNote("a"), content: "alpha", labels: { team: "ml", tier: "gold" } });
    const b = readNote("b");
    fs.rmSync(noteFile("b"));

    const { run, report } = await driftJson();
    writeNote("b", b);

    expect(run.code).toBe(2);
    expect(report.resources).toEqual([
      {
        urn: urn("b"),
        type: "test:Note",
        name: "b",
        id: noteFile("b"),
        kind: "deleted",
        fields: [],
      },
    ]);
  });

  it("exits 2 for a changed secret without ever printing its old or new value", async () => {
    writeNote("c", { ...readNote("c"), token: "tok-c-rotated-88e0" });

    // One after the other: two refreshes of one stack at once could meet the backend's lock.
    const { run, report } = await driftJson();
    const text = await drift(["--stack", "test", "--cwd", test.workDir]);
    const markdown = await drift([
      "--stack",
      "test",
      "--cwd",
      test.workDir,
      "--format",
      "markdown",
    ]);
    writeNote("c", { ...readNote("c"), token: ORIGINAL_TOKEN });

    expect(run.code).toBe(2);
    expect(report.resources).toEqual([
      expect.objectContaining({
        name: "c",
        kind: "changed",
        fields: [{ path: "token", expected: "[secret]", actual: "[secret]", secret: true }],
      }),
    ]);
    for (const { stdout, stderr } of [run, text, markdown]) {
      expect(stdout + stderr).not.toContain(ORIGINAL_TOKEN);
      expect(stdout + stderr).not.toContain("tok-c-rotated-88e0");
    }
  });

  it("is back to 0 once the cloud matches again", async () => {
    const { run, report } = await driftJson();

    expect(run.code).toBe(0);
    expect(report.status).toBe("in-sync");
  });

  it("exits 1 when the API is unreachable, with the reason, no stack trace and no API key", async () => {
    const { run, report } = await driftJson({ NOTES_API_DOWN: "1" });

    expect(run.code).toBe(1);
    expect(report.status).toBe("error");
    expect(report.errors.map((e) => e.name)).toEqual(["a", "b", "c"]);
    expect(report.errors[0]?.message).toBe(
      "cannot reach the notes API at http://127.0.0.1:9 with key ***",
    );
    expect(run.stdout + run.stderr).not.toContain(API_KEY);
    expect(run.stdout + run.stderr).not.toMatch(/^\s+at /m);
  });

  it("exits 1 naming a stack that does not exist", async () => {
    const run = await drift(["--stack", "nope", "--cwd", test.workDir]);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      "Stack nope: the drift check failed.\n\nErrors:\n  no stack named 'nope' found\n",
    );
  });

  it("has not changed which stack is selected", async () => {
    const selected = await test.stack.workspace.stack();

    expect(selected?.name).toBe("other");
  });
});

// The same command over a Yotta pod, against the emulator: the provider's own read and diff.
describe("pulumi-yotta drift over a pod", () => {
  let t: YottaStack;
  let podId: string;

  function driftPod(): Promise<{ run: Run; report: DriftReport }> {
    const env = {
      ...engineEnv({ backendDir: path.join(t.workDir, ".pulumi-state") }),
      // The emulator's key reaches the provider through the stack's secret config; this one is
      // a decoy that must not appear either.
      YOTTA_API_KEY: API_KEY,
    };
    return runDrift(["--stack", "test", "--cwd", t.workDir, "--format", "json"], env).then(
      (run) => ({ run, report: JSON.parse(run.stdout) as DriftReport }),
    );
  }

  async function waitForStatus(status: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while ((await t.client.pods.get(podId)).status !== status) {
      if (Date.now() > deadline) throw new Error(`pod ${podId} did not become ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const podUrn = "urn:pulumi:test::drift-pod::pulumi-nodejs:dynamic/yotta:Pod::trainer";

  beforeAll(async () => {
    t = await createYottaStack({
      name: "drift-pod",
      program: async () => {
        const pod = new yotta.Pod("trainer", {
          image: "pytorch/pytorch:2.4.0",
          gpuType: "NVIDIA_RTX_4090_24G",
          gpuCount: 1,
          regions: ["us-east-1"],
          environment: { HF_TOKEN: "hf-secret-value" },
          expose: [{ port: 22, protocol: "SSH" }],
        });
        return { id: pod.id };
      },
    });
    const up = await t.stack.up();
    podId = String(up.outputs.id?.value);
  });

  afterAll(() => t?.dispose());

  it("exits 0 on the pod as deployed", async () => {
    const { run, report } = await driftPod();

    expect(run.code).toBe(0);
    expect(report).toMatchObject({ status: "in-sync", checked: 1 });
  });

  it("exits 2 when the pod was paused from the console", async () => {
    await t.client.pods.pause(podId);
    await waitForStatus("PAUSED");

    const { run, report } = await driftPod();

    expect(run.code).toBe(2);
    expect(report.resources).toEqual([
      {
        urn: podUrn,
        type: "yotta:Pod",
        name: "trainer",
        id: podId,
        kind: "changed",
        // The environment is secret: the pause does not rule out a change there.
        fields: [
          { path: "running", expected: true, actual: false, secret: false },
          { path: "environment", expected: "[secret]", actual: "[secret]", secret: true },
        ],
        note: MAYBE_SECRET_NOTE,
      },
    ]);
    expect(run.stdout).not.toContain("hf-secret-value");
  });

  it("exits 2 when the pod was terminated from the console", async () => {
    await t.client.pods.resume(podId);
    await waitForStatus("RUNNING");
    await t.client.pods.delete(podId);

    const { run, report } = await driftPod();

    expect(run.code).toBe(2);
    expect(report.resources).toEqual([
      { urn: podUrn, type: "yotta:Pod", name: "trainer", id: podId, kind: "deleted", fields: [] },
    ]);
  });

  it("exits 1 when the API is unreachable, naming the pod, without the API key", async () => {
    // Every connection to the API dropped before an answer, after the client's retries too.
    // (Pointing yotta:apiUrl elsewhere would not do: refresh uses the config of the last up.)
    t.emulator.admin.setFaults([{ type: "reset" }]);
    let result: { run: Run; report: DriftReport };
    try {
      result = await driftPod();
    } finally {
      t.emulator.admin.clearFaults();
    }

    expect(result.run.code).toBe(1);
    expect(result.report.status).toBe("error");
    expect(result.report.errors).toEqual([
      {
        urn: podUrn,
        type: "yotta:Pod",
        name: "trainer",
        message: expect.stringMatching(/^pods\.get \(GET \/v2\/pods\/\d+\): connection failed/),
      },
    ]);
    const output = result.run.stdout + result.run.stderr;
    expect(output).not.toContain(t.emulator.apiKey);
    expect(output).not.toContain(API_KEY);
    expect(output).not.toMatch(/^\s+at /m);
  });
});

// The other four resource types in one stack: each kind of out-of-band change to each type is
// reported alone (the change is undone after each check), then all four deleted at once.
describe("pulumi-yotta drift over an endpoint, a volume, a credential and a VM", () => {
  let t: YottaStack;
  const ids: Record<string, string> = {};
  const names: Record<string, string> = {};

  function driftStack(): Promise<{ run: Run; report: DriftReport }> {
    const env = {
      ...engineEnv({ backendDir: path.join(t.workDir, ".pulumi-state") }),
      YOTTA_API_KEY: API_KEY,
    };
    return runDrift(["--stack", "test", "--cwd", t.workDir, "--format", "json"], env).then(
      (run) => ({ run, report: JSON.parse(run.stdout) as DriftReport }),
    );
  }

  const urn = (type: string, name: string) =>
    `urn:pulumi:test::drift-types::pulumi-nodejs:dynamic/yotta:${type}::${name}`;

  /** The one resource the report must list as changed, with the one field that differs. */
  function changed(type: string, name: string, key: string, field: object) {
    return [
      {
        urn: urn(type, name),
        type: `yotta:${type}`,
        name,
        id: ids[key],
        kind: "changed",
        fields: [{ ...field, secret: false }],
      },
    ];
  }

  beforeAll(async () => {
    t = await createYottaStack({
      name: "drift-types",
      program: async () => {
        const endpoint = new yotta.Endpoint("server", {
          image: "vllm/vllm-openai:v0.6.0",
          resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
          workers: 1,
          containerVolumeInGb: 20,
          serviceMode: "QUEUE",
        });
        const volume = new yotta.Volume("data", {
          storageType: "CEPH",
          region: "us-east-1",
          sizeInGb: 20,
        });
        const credential = new yotta.Credential("registry", {
          username: "ci-bot",
          password: "registry-pass-91d0",
        });
        const vm = new yotta.Vm("box", { gpuType: "NVIDIA_RTX_4090_24G", region: "us-east-1" });
        return Object.fromEntries(
          Object.entries({ endpoint, volume, credential, vm }).flatMap(([key, r]) => [
            [`${key}Id`, r.id],
            [`${key}Name`, r.name],
          ]),
        );
      },
    });
    const up = await t.stack.up();
    for (const key of ["endpoint", "volume", "credential", "vm"]) {
      ids[key] = String(up.outputs[`${key}Id`]?.value);
      names[key] = String(up.outputs[`${key}Name`]?.value);
    }
  });

  afterAll(() => t?.dispose());

  it("exits 0 on the stack as deployed", async () => {
    const { run, report } = await driftStack();

    expect(run.code).toBe(0);
    expect(report).toEqual({
      stack: "test",
      status: "in-sync",
      checked: 4,
      resources: [],
      errors: [],
    });
  });

  it("exits 2 when the endpoint was scaled from the console", async () => {
    t.emulator.admin.scaleWorkers(ids.endpoint!, 3);
    const { run, report } = await driftStack();
    t.emulator.admin.scaleWorkers(ids.endpoint!, 1);

    expect(run.code).toBe(2);
    const [endpoint] = changed("Endpoint", "server", "endpoint", {
      path: "workers",
      expected: 1,
      actual: 3,
    });
    // The environment is secret: the scale does not rule out a change there.
    expect(report.resources).toEqual([
      {
        ...endpoint!,
        fields: [
          ...endpoint!.fields,
          { path: "environment", expected: "[secret]", actual: "[secret]", secret: true },
        ],
        note: MAYBE_SECRET_NOTE,
      },
    ]);
  });

  it("exits 2 when the volume was resized from the console", async () => {
    t.emulator.admin.resize(ids.volume!, 30);
    const { run, report } = await driftStack();
    t.emulator.admin.resize(ids.volume!, 20);

    expect(run.code).toBe(2);
    expect(report.resources).toEqual(
      changed("Volume", "data", "volume", { path: "sizeInGb", expected: 20, actual: 30 }),
    );
  });

  it("exits 2 when the credential was renamed from the console", async () => {
    t.emulator.admin.rename("credential", ids.credential!, "renamedRegistry");
    const { run, report } = await driftStack();
    t.emulator.admin.rename("credential", ids.credential!, names.credential!);

    expect(run.code).toBe(2);
    const [credential] = changed("Credential", "registry", "credential", {
      path: "name",
      expected: names.credential,
      actual: "renamedRegistry",
    });
    // The password is secret: the rename does not rule out a change there.
    expect(report.resources).toEqual([
      {
        ...credential!,
        fields: [
          ...credential!.fields,
          { path: "password", expected: "[secret]", actual: "[secret]", secret: true },
        ],
        note: MAYBE_SECRET_NOTE,
      },
    ]);
  });

  it("exits 2 when the VM was turned into a spot VM behind Pulumi's back", async () => {
    t.emulator.admin.patch("vm", ids.vm!, { isSpot: true });
    const { run, report } = await driftStack();
    t.emulator.admin.patch("vm", ids.vm!, { isSpot: false });

    expect(run.code).toBe(2);
    expect(report.resources).toEqual(
      changed("Vm", "box", "vm", { path: "isSpot", expected: false, actual: true }),
    );
  });

  it("exits 2 reporting each of the four deleted from the console", async () => {
    // The checks above undid their changes: the stack is in sync again.
    expect((await driftStack()).run.code).toBe(0);
    for (const kind of ["endpoint", "volume", "credential", "vm"] as const) {
      t.emulator.admin.deleteResource(kind, ids[kind]!);
    }

    const { run, report } = await driftStack();

    expect(run.code).toBe(2);
    const deleted = (type: string, name: string, key: string) => ({
      urn: urn(type, name),
      type: `yotta:${type}`,
      name,
      id: ids[key],
      kind: "deleted",
      fields: [],
    });
    expect(report).toMatchObject({ status: "drift", checked: 4, errors: [] });
    expect(report.resources).toEqual([
      deleted("Credential", "registry", "credential"),
      deleted("Endpoint", "server", "endpoint"),
      deleted("Vm", "box", "vm"),
      deleted("Volume", "data", "volume"),
    ]);
  });
});
