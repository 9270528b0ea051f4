// A fleet under the service's rate limit, through the real engine: the emulator's token bucket
// turns away everything past 10 requests a second with 429 and Retry-After. A 429 is a refusal
// made before any work, so the provider waits and sends again until the operation's own deadline:
// a 50-pod fleet deploys and is destroyed with no failed operation.
import * as yotta from "pulumi-yotta";
import { collectOutput, createYottaStack, type YottaStack } from "../support/yotta-stack";

const REPLICAS = 50;

describe(`a ${REPLICAS}-pod fleet at 10 requests a second`, () => {
  let t: YottaStack;

  beforeAll(async () => {
    t = await createYottaStack({
      name: "e2e-rate-limit",
      // A burst of one: any two requests less than 100 ms apart meet the limit, as the fleet's 50
      // creates and 50 deletes, sent by the engine at once, always are (the pods' polls share a
      // list per round and would not).
      emulator: { limits: { requestsPerSecond: 10, burst: 1 } },
      env: { YOTTA_POLL_INTERVAL_MS: "200" },
      program: async () => {
        const fleet = new yotta.GpuFleet("limited", {
          replicas: REPLICAS,
          template: { image: "pytorch/pytorch:2.4.0", gpuCount: 1 },
          placements: [{ gpuType: "NVIDIA_RTX_4090_24G", regions: ["us-east-1"] }],
        });
        return { replicas: fleet.replicas };
      },
    });
  });
  afterAll(() => t?.dispose());

  const refused = () => t.emulator.admin.faultsFired().byType.requestsPerSecond ?? 0;

  test("up: every pod RUNNING, no failed operation, though the limit refused requests", async () => {
    const output = collectOutput();
    const up = await t.stack.up({ onOutput: output.onOutput, parallel: 64 });
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges?.create).toBe(REPLICAS + 3); // the pods, the fleet, the stack and its key
    const running = t.emulator.admin
      .list("pod")
      .filter((p) => p.name.startsWith("limited") && p.status === "RUNNING");
    expect(running).toHaveLength(REPLICAS);
    expect(refused()).toBeGreaterThan(0);
    console.info(`up of ${REPLICAS} pods: ${refused()} requests refused with 429`);
    expect(output.text()).not.toMatch(/too many requests/i);
  });

  test("destroy: every pod terminated, no failed operation", async () => {
    const before = refused();
    const destroy = await t.stack.destroy({ parallel: 64 });
    expect(destroy.summary.result).toBe("succeeded");
    const live = t.emulator.admin
      .list("pod")
      .filter((p) => p.status !== "TERMINATING" && p.status !== "TERMINATED");
    expect(live).toEqual([]);
    expect(refused()).toBeGreaterThan(before);
    console.info(`destroy of ${REPLICAS} pods: ${refused() - before} requests refused with 429`);
  });
});
