// Failures on the way to a running pod, through the real engine: a pod that goes FAILED, one that
// does not settle within its timeout, and a create whose answer is lost. In every case the pod the
// cloud made is in the state (so the next `up` repairs or replaces it, and `destroy` reaches it)
// and no pod bills outside the state.
import * as yotta from "pulumi-yotta";
import type { TimeoutsArgs } from "pulumi-yotta";
import {
  collectOutput,
  createYottaStack,
  stateResources,
  type YottaStack,
  failureOf,
} from "../support/yotta-stack";
import type { EmulatorOptions } from "../../emulator";

function trainerStack(name: string, emulator: EmulatorOptions, timeouts?: TimeoutsArgs) {
  return createYottaStack({
    name,
    emulator,
    program: async () => {
      const pod = new yotta.Pod("trainer", {
        image: "pytorch/pytorch:2.4.0",
        gpuType: "NVIDIA_RTX_4090_24G",
        gpuCount: 1,
        regions: ["us-east-1"],
        timeouts,
      });
      return { id: pod.id };
    },
  });
}

/** The error text of an `up` that must fail. */
async function failedUp(t: YottaStack): Promise<string> {
  return failureOf(t.stack.up());
}

/** Every pod the cloud has not terminated is one the state knows: nothing bills untracked. */
async function expectNoUntrackedPod(t: YottaStack): Promise<void> {
  const tracked = new Set([...(await stateResources(t)).values()].map((r) => r.id));
  const live = t.emulator.admin.list("pod").filter((p) => p.status !== "TERMINATED");
  expect(
    live.filter((p) => !tracked.has(p.id)).map((p) => `${p.name} (${p.id}) ${p.status}`),
  ).toEqual([]);
}

describe("a pod that goes FAILED", () => {
  let t: YottaStack;
  let failedId: string;

  beforeAll(async () => {
    t = await trainerStack("e2e-failure-failed", { faults: [{ type: "podFails", times: 1 }] });
  });
  afterAll(() => t?.dispose());

  test("up fails naming the pod and its status, and the pod is in the state", async () => {
    const message = await failedUp(t);

    const said =
      /pod (trainer-[0-9a-f]+) \((\d+)\) did not become RUNNING: gave up waiting for pod trainer-[0-9a-f]+ to start: status FAILED/.exec(
        message,
      );
    expect(said).not.toBeNull();
    failedId = said![2]!;
    expect(t.emulator.admin.get("pod", failedId)).toMatchObject({
      name: said![1],
      status: "FAILED",
    });
    const recorded = (await stateResources(t)).get("trainer");
    expect(recorded).toMatchObject({ id: failedId, outputs: { status: "FAILED" } });
    expect(recorded?.initErrors).toEqual([expect.stringContaining("status FAILED")]);
    await expectNoUntrackedPod(t);
  });

  test("the next up replaces it: a new pod runs and the FAILED one is deleted", async () => {
    t.emulator.admin.clearRequests();
    const up = await t.stack.up();

    expect(up.summary.resourceChanges).toEqual({ replace: 1, same: 2 });
    const newId = String(up.outputs.id?.value);
    expect(newId).not.toBe(failedId);
    expect(t.emulator.admin.get("pod", newId)?.status).toBe("RUNNING");
    expect(t.emulator.admin.get("pod", failedId)?.status).toBe("TERMINATED");
    expect(t.emulator.admin.requests({ method: "DELETE" }).map((r) => r.path)).toEqual([
      `/v2/pods/${failedId}`,
    ]);
    expect((await stateResources(t)).get("trainer")?.initErrors).toBeUndefined();
    await expectNoUntrackedPod(t);
  });
});

describe("a pod that does not settle within its create timeout", () => {
  let t: YottaStack;
  let podId: string;
  // Long enough that only moving the emulator's clock brings the pod up.
  const initializingMs = 600_000;

  beforeAll(async () => {
    t = await trainerStack(
      "e2e-failure-timeout",
      { timing: { podInitializingMs: initializingMs } },
      { create: "2s" },
    );
  });
  afterAll(() => t?.dispose());

  test("up fails after the timeout naming the pod and its last status, and the pod is in the state", async () => {
    const started = Date.now();
    const message = await failedUp(t);

    expect(Date.now() - started).toBeLessThan(60_000);
    const said =
      /pod trainer-[0-9a-f]+ \((\d+)\) did not become RUNNING: timed out waiting for pod trainer-[0-9a-f]+ to start; last status INITIALIZING/.exec(
        message,
      );
    expect(said).not.toBeNull();
    podId = said![1]!;
    expect(t.emulator.admin.get("pod", podId)?.status).toBe("INITIALIZING");
    expect((await stateResources(t)).get("trainer")).toMatchObject({
      id: podId,
      outputs: { status: "INITIALIZING" },
    });
    await expectNoUntrackedPod(t);
  });

  test("the next up waits for the same pod to run instead of making another", async () => {
    t.emulator.admin.clearRequests();
    const up = t.stack.up();

    // The update polls the pod, still INITIALIZING; then the cloud gets there.
    const polled = () =>
      t.emulator.admin.requests({ method: "GET", path: `/v2/pods/${podId}` }).length > 0;
    const deadline = Date.now() + 60_000;
    while (!polled() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(polled()).toBe(true);
    expect(t.emulator.admin.get("pod", podId)?.status).toBe("INITIALIZING");
    t.emulator.admin.advance(initializingMs);

    const result = await up;
    expect(result.summary.resourceChanges).toEqual({ update: 1, same: 2 });
    expect(result.outputs.id?.value).toBe(podId);
    expect(t.emulator.admin.get("pod", podId)?.status).toBe("RUNNING");
    expect(t.emulator.admin.requests({ method: "POST" })).toEqual([]);
    expect((await stateResources(t)).get("trainer")).toMatchObject({
      id: podId,
      outputs: { status: "RUNNING" },
    });
    await expectNoUntrackedPod(t);
  });
});

describe("a pod create whose answer is lost", () => {
  let t: YottaStack;

  beforeAll(async () => {
    t = await trainerStack("e2e-failure-dropped", {
      faults: [{ type: "dropResponse", route: "POST /v2/pods", times: 1 }],
    });
  });
  afterAll(() => t?.dispose());

  test("up finds the pod the lost create made and records it: exactly one pod", async () => {
    const output = collectOutput();
    const up = await t.stack.up({ onOutput: output.onOutput });

    expect(up.summary.resourceChanges).toEqual({ create: 3 });
    const pods = t.emulator.admin.list("pod");
    expect(pods).toHaveLength(1);
    expect(pods[0]).toMatchObject({ id: up.outputs.id?.value, status: "RUNNING" });
    expect((await stateResources(t)).get("trainer")?.id).toBe(pods[0]!.id);
    // One create was sent, and its connection was cut after the pod was made.
    const creates = t.emulator.admin.requests({ method: "POST", route: "/v2/pods" });
    expect(creates).toEqual([expect.objectContaining({ fault: "dropResponse", status: null })]);
    expect(output.text()).toMatch(/the create call failed, but it made pod \d+: kept/);
    await expectNoUntrackedPod(t);
  });
});
