// The examples as a user runs them, through the real engine against the emulator: up succeeds
// with the outputs their READMEs describe, a second preview changes nothing, destroy leaves
// nothing live. The serverless-queue example's client script then runs as its README says.
import { spawn } from "node:child_process";
import * as path from "node:path";
import gpuFleet from "../../examples/gpu-fleet/index";
import quickstart from "../../examples/quickstart/index";
import serverlessQueue from "../../examples/serverless-queue/index";
import { repoRoot } from "../support/engine";
import {
  createYottaStack,
  liveRecords,
  readStateFile,
  type YottaStack,
} from "../support/yotta-stack";

/** A stack's outputs as plain values. */
function values(outputs: Record<string, { value: unknown }>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
}

describe("examples/quickstart", () => {
  let t: YottaStack;

  beforeAll(async () => {
    t = await createYottaStack({ name: "e2e-example-quickstart", program: quickstart });
  });
  afterAll(() => t?.dispose());

  test("up makes one running pod with SSH and exports podId, region, ssh and hourlyPrice", async () => {
    const result = await t.stack.up();
    expect(result.summary.resourceChanges).toEqual({ create: 3 });
    const [pod] = await t.client.pods.list();
    expect(pod).toMatchObject({ status: "RUNNING", gpuType: "NVIDIA_RTX_4090_24G" });
    expect(values(result.outputs)).toEqual({
      podId: pod?.id,
      region: pod?.region,
      ssh: pod?.sshCmd,
      hourlyPrice: pod?.singleCardPrice,
    });
    expect(["us-east-1", "us-east-2"]).toContain(pod?.region);
    expect(pod?.sshCmd).toMatch(/^ssh /);
    expect(pod?.singleCardPrice).toBeGreaterThan(0);
  });

  test("a second preview shows no changes", async () => {
    expect((await t.stack.preview()).changeSummary).toEqual({ same: 3 });
  });

  test("destroy leaves nothing live", async () => {
    const result = await t.stack.destroy();
    expect(result.summary.resourceChanges).toEqual({ delete: 3 });
    expect(liveRecords(t.emulator.admin)).toEqual([]);
  });
});

describe("examples/gpu-fleet", () => {
  let t: YottaStack;
  const registryPassword = "fleet-registry-token-31d7";

  beforeAll(async () => {
    t = await createYottaStack({ name: "e2e-example-gpu-fleet", program: gpuFleet });
    // The program's own config namespace, as `pulumi config set registryPassword --secret`.
    await t.stack.setConfig("registryPassword", { value: registryPassword, secret: true });
  });
  afterAll(() => t?.dispose());

  test("up makes the credential, the volume, both trainers and the endpoint, and exports them", async () => {
    const result = await t.stack.up();
    expect(result.summary.resourceChanges).toEqual({ create: 7 });

    const admin = t.emulator.admin;
    const [credential] = admin.list("credential");
    const [volume] = admin.list("volume");
    const [endpoint] = admin.list("endpoint");
    const pods = (await t.client.pods.list()).sort((a, b) => a.name.localeCompare(b.name));
    expect(credential?.password).toBe(registryPassword);
    expect(volume).toMatchObject({ storageType: "CEPH", sizeInGb: 100, status: "active" });
    expect(pods.map((p) => [p.name.replace(/-[0-9a-f]+$/, ""), p.status, p.gpuCount])).toEqual([
      ["trainer-a", "RUNNING", 2],
      ["trainer-b", "RUNNING", 2],
    ]);
    for (const pod of pods) {
      expect(pod.containerRegistryAuthId).toBe(credential?.id);
      expect(pod.persistentVolumes?.map((v) => [v.id, v.mountPath])).toEqual([
        [volume?.id, "/weights"],
      ]);
    }
    expect(endpoint).toMatchObject({
      serviceMode: "QUEUE",
      status: "RUNNING",
      containerRegistryAuthId: credential?.id,
    });

    const live = await t.client.endpoints.get(endpoint!.id);
    const podsPerHour = pods.reduce(
      (sum, p) => sum + (p.singleCardPrice ?? 0) * (p.gpuCount ?? 0),
      0,
    );
    expect(values(result.outputs)).toEqual({
      ssh: { "trainer-0": pods[0]?.sshCmd, "trainer-1": pods[1]?.sshCmd },
      weightsVolumeId: volume?.id,
      endpointId: endpoint?.id,
      endpointDomain: live.domain,
      endpointStatus: "RUNNING",
      hourlyCost: Math.round((podsPerHour + (live.perHourPrice ?? 0)) * 100) / 100,
    });
    expect(live.domain).toBeTruthy();
    expect(result.outputs.hourlyCost?.value).toBeGreaterThan(0);
    // The registry password is encrypted in the state, config and outputs alike.
    expect(readStateFile(t.workDir)).not.toContain(registryPassword);
  });

  test("a second preview shows no changes", async () => {
    expect((await t.stack.preview()).changeSummary).toEqual({ same: 7 });
  });

  test("destroy leaves nothing live", async () => {
    const result = await t.stack.destroy();
    expect(result.summary.resourceChanges).toEqual({ delete: 7 });
    expect(liveRecords(t.emulator.admin)).toEqual([]);
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The example's submit script in its own process, as its README runs it. */
function runSubmitScript(args: string[], env: Record<string, string>): Promise<Run> {
  const example = path.join(repoRoot, "examples", "serverless-queue");
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--require", "ts-node/register/transpile-only", "submit-task.ts", ...args],
      { cwd: example, env: { ...process.env, ...env } },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("examples/serverless-queue", () => {
  let t: YottaStack;

  beforeAll(async () => {
    t = await createYottaStack({ name: "e2e-example-serverless-queue", program: serverlessQueue });
  });
  afterAll(() => t?.dispose());

  test("up makes a running queue endpoint and exports what the README lists", async () => {
    const result = await t.stack.up();
    expect(result.summary.resourceChanges).toEqual({ create: 3 });
    const [endpoint] = await t.client.endpoints.list();
    expect(endpoint).toMatchObject({ serviceMode: "QUEUE", status: "RUNNING", runningWorkers: 1 });
    expect(values(result.outputs)).toEqual({
      endpointId: endpoint?.id,
      endpointName: endpoint?.name,
      status: "RUNNING",
      runningWorkers: 1,
      perHourPrice: endpoint?.perHourPrice,
    });
    expect(endpoint?.perHourPrice).toBeGreaterThan(0);
  });

  test("a second preview shows no changes", async () => {
    expect((await t.stack.preview()).changeSummary).toEqual({ same: 3 });
  });

  test("the submit script queues a task on the deployed endpoint and prints its result", async () => {
    const endpointId = (await t.stack.outputs()).endpointId?.value as string;
    const input = { texts: ["hello", "world"] };
    const run = await runSubmitScript([endpointId, JSON.stringify(input)], {
      YOTTA_API_KEY: t.emulator.apiKey,
      YOTTA_API_URL: t.emulator.url,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as { taskId: string; status: string; output: unknown };
    expect(printed.status).toBe("SUCCESS");

    // The emulator's own record: one task, finished by a worker of this endpoint, on the port
    // the endpoint exposes.
    const record = t.emulator.admin.get("endpoint", endpointId);
    expect(record?.tasks).toHaveLength(1);
    const [task] = record!.tasks;
    expect(task).toMatchObject({
      taskId: printed.taskId,
      status: "SUCCESS",
      input,
      workerPort: record?.expose?.port,
      processUri: "/v1/embeddings",
    });
    expect(record?.workerList.map((w) => w.workerId)).toContain(task?.workerId);
    expect(printed.output).toEqual(task?.output);
  });

  test("destroy leaves nothing live", async () => {
    const result = await t.stack.destroy();
    expect(result.summary.resourceChanges).toEqual({ delete: 3 });
    expect(liveRecords(t.emulator.admin)).toEqual([]);
  });
});
