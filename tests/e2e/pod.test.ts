// One pod through the real engine: the serialized provider, the state file and the CLI's
// preview, refresh and destroy, against the emulator.
import * as yotta from "pulumi-yotta";
import { createYottaStack, readStateFile, type YottaStack } from "../support/yotta-stack";

interface Spec {
  image: string;
  running: boolean;
}

describe("a pod through the real engine", () => {
  let t: YottaStack;
  const spec: Spec = { image: "pytorch/pytorch:2.4.0", running: true };

  beforeAll(async () => {
    t = await createYottaStack({
      name: "e2e-pod",
      program: async () => {
        const pod = new yotta.Pod("trainer", {
          image: spec.image,
          gpuType: "NVIDIA_RTX_4090_24G",
          gpuCount: 1,
          regions: ["us-east-1"],
          environment: { HF_TOKEN: "hf-secret-value" },
          expose: [{ port: 22, protocol: "SSH" }],
          running: spec.running,
        });
        return { id: pod.id, status: pod.status, ssh: pod.sshCommand, price: pod.hourlyPrice };
      },
    });
  });
  afterAll(() => t?.dispose());

  test("up creates one running pod and exports its outputs", async () => {
    const result = await t.stack.up();
    expect(result.summary.result).toBe("succeeded");
    const pods = await t.client.pods.list();
    expect(pods).toHaveLength(1);
    expect(pods[0]).toMatchObject({ status: "RUNNING", image: spec.image });
    expect(result.outputs.id?.value).toBe(pods[0]?.id);
    expect(result.outputs.status?.value).toBe("RUNNING");
    expect(result.outputs.ssh?.value).toBe(pods[0]?.sshCmd);
    expect(result.outputs.price?.value).toBeGreaterThan(0);
  });

  test("a second preview reports no changes", async () => {
    const result = await t.stack.preview();
    expect(result.changeSummary).toEqual({ same: 3 });
  });

  test("refresh finds no drift", async () => {
    const result = await t.stack.refresh({ expectNoChanges: true });
    expect(result.summary.result).toBe("succeeded");
  });

  test("the state holds neither the API key nor the environment in plaintext", async () => {
    // The file on disk, not `stack export`, which the Automation API runs with --show-secrets.
    const state = readStateFile(t.workDir);
    expect(state).toContain("trainer");
    expect(state).not.toContain(t.emulator.apiKey);
    expect(state).not.toContain("hf-secret-value");
  });

  test("running: false pauses in place", async () => {
    spec.running = false;
    const result = await t.stack.up();
    expect(result.summary.resourceChanges).toEqual({ same: 2, update: 1 });
    const [pod] = await t.client.pods.list();
    expect(pod?.status).toBe("PAUSED");
  });

  test("an image change replaces the pod, new one first", async () => {
    spec.running = true;
    spec.image = "pytorch/pytorch:2.5.0";
    const result = await t.stack.up();
    expect(result.summary.resourceChanges).toEqual({ same: 2, replace: 1 });
    const pods = await t.client.pods.list();
    expect(pods.map((p) => [p.image, p.status]).sort()).toEqual([
      ["pytorch/pytorch:2.4.0", "TERMINATED"],
      ["pytorch/pytorch:2.5.0", "RUNNING"],
    ]);
  });

  test("destroy terminates the pod", async () => {
    const result = await t.stack.destroy();
    expect(result.summary.result).toBe("succeeded");
    const live = (await t.client.pods.list()).filter((p) => p.status !== "TERMINATED");
    expect(live).toEqual([]);
  });
});
