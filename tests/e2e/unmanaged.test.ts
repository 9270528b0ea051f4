// `pulumi-yotta unmanaged`, the real command against the real engine and the emulator: a stack
// that records some resources, one record whose create had an unknown outcome, and resources left
// behind on purpose. The command must list exactly what no record holds, and nothing once the
// leftovers are gone. The drift command must show the pending record as pending.
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as yotta from "pulumi-yotta";
import type { DriftReport } from "../../sdk/drift";
import type { UnmanagedReport } from "../../sdk/unmanaged/scan";
import { engineEnv, repoRoot } from "../support/engine";
import {
  createYottaStack,
  failureOf,
  liveRecords,
  stateResources,
  type YottaStack,
} from "../support/yotta-stack";

const cli = path.join(repoRoot, "sdk", "cli.ts");

interface Run<T> {
  code: number | null;
  report: T;
  stdout: string;
}

/** The command in its own process, as `npx pulumi-yotta ...` would run it. */
function run<T>(args: string[], env: Record<string, string>): Promise<Run<T>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--require", "ts-node/register/transpile-only", cli, ...args, "--format", "json"],
      { cwd: repoRoot, env: { ...process.env, ...env } },
    );
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.resume();
    child.on("error", reject);
    child.on("close", (code) => {
      try {
        resolve({ code, stdout, report: JSON.parse(stdout) as T });
      } catch (error) {
        reject(new Error(`not JSON (exit ${code}): ${stdout}\n${String(error)}`));
      }
    });
  });
}

const POD = {
  image: "pytorch/pytorch:2.4.0",
  gpuType: "NVIDIA_RTX_4090_24G",
  gpuCount: 1,
  regions: ["us-east-1"],
};

describe("pulumi-yotta unmanaged", () => {
  let t: YottaStack;
  let withLost = false;
  let env: Record<string, string>;
  const unmanaged = () =>
    run<UnmanagedReport>(["unmanaged", "--stack", "test", "--cwd", t.workDir], env);
  const drift = () => run<DriftReport>(["drift", "--stack", "test", "--cwd", t.workDir], env);
  const names = (report: UnmanagedReport) => report.resources.map((r) => `${r.kind} ${r.name}`);

  beforeAll(async () => {
    t = await createYottaStack({
      name: "unmanaged",
      program: async () => {
        new yotta.Pod("kept", POD);
        new yotta.Volume("data", { storageType: "CEPH", region: "us-east-1", sizeInGb: 20 });
        if (withLost) new yotta.Pod("lost", POD);
      },
      env: { YOTTA_LOOK_WINDOW_MS: "1500" },
    });
    env = engineEnv({ backendDir: path.join(t.workDir, ".pulumi-state") });
    await t.stack.up();
  });

  afterAll(() => t?.dispose());

  it("finds nothing while every live resource is recorded", async () => {
    const { code, report } = await unmanaged();
    expect(report).toMatchObject({ status: "none", records: 2, resources: [] });
    expect(code).toBe(0);
  });

  it("lists what is left behind, holds a pending record's pod, and drift calls the record pending", async () => {
    // The next create commits, its answer is lost, and the list lags past the look window: the
    // outcome stays unknown and the record is pending.
    t.emulator.admin.freezeClock();
    t.emulator.admin.setTiming({ listLagMs: 3_600_000 });
    t.emulator.admin.addFault({ type: "dropResponse", route: "POST /v2/pods", times: 1 });
    withLost = true;
    expect(await failureOf(t.stack.up())).toMatch(/whether it made the pod is still unknown/);
    t.emulator.admin.setTiming({ listLagMs: 0 });
    t.emulator.admin.unfreezeClock();
    const lost = liveRecords(t.emulator.admin).find(
      (r) => r.kind === "pod" && r.name.startsWith("lost-"),
    );
    expect(lost).toBeDefined();

    // Left behind on purpose: a pod and a volume made outside Pulumi.
    await t.client.pods.create({ ...POD, name: "stray" } as never);
    await t.client.volumes.create({ name: "stray-data", storageType: "S3" } as never);

    const found = await unmanaged();
    expect(found.code).toBe(2);
    expect(found.report.status).toBe("found");
    expect(names(found.report)).toEqual(["pod stray", "volume stray-data"]);
    expect(found.report.resources[0]).toMatchObject({
      status: expect.any(String),
      hourlyPrice: expect.any(Number),
    });

    const drifted = await drift();
    expect(drifted.code).toBe(2);
    const pending = drifted.report.resources.find((r) => r.name === "lost");
    expect(pending).toMatchObject({ kind: "pending", id: expect.stringMatching(/^pending-/) });
    expect(pending?.note).toContain(`it made ${lost!.id} (live`);

    // `pulumi refresh`, as the report advises: the record takes the pod's real id.
    await t.stack.refresh();
    expect((await stateResources(t)).get("lost")?.id).toBe(lost!.id);
    expect(names((await unmanaged()).report)).toEqual(["pod stray", "volume stray-data"]);

    // A record lost from the state (`pulumi state delete`): its pod is unmanaged now.
    const state = await t.stack.exportStack();
    state.deployment.resources = state.deployment.resources.filter(
      (r: { urn: string }) => !r.urn.endsWith("::lost"),
    );
    await t.stack.importStack(state);
    expect(names((await unmanaged()).report)).toEqual([
      `pod ${lost!.name}`,
      "pod stray",
      "volume stray-data",
    ]);
  });

  it("finds nothing again once the leftovers are deleted, and after destroy", async () => {
    for (const r of (await unmanaged()).report.resources) {
      if (r.kind === "pod") await t.client.pods.delete(r.id);
      if (r.kind === "volume") await t.client.volumes.delete(r.id);
    }
    t.emulator.admin.settle();
    withLost = false;
    const after = await unmanaged();
    expect(after.report).toMatchObject({ status: "none", resources: [] });
    expect(after.code).toBe(0);

    await t.stack.destroy();
    const empty = await unmanaged();
    expect(empty.report).toMatchObject({ status: "none", records: 0 });
    expect(liveRecords(t.emulator.admin)).toEqual([]);
  });
});
