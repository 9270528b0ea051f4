import fc from "fast-check";
import * as pod from "../../../provider/pod";
import { PROVIDER_KEY, UNKNOWN } from "../../../provider/check";
import { ResourceInitError } from "../../../provider/init-error";
import {
  startProviderHarness,
  withProvider,
  type ProviderHarness,
} from "../../support/provider-harness";

const BASE = {
  autonamePrefix: "trainer",
  image: "pytorch/pytorch:2.4.0",
  gpuType: "NVIDIA_RTX_4090_24G",
  gpuCount: 1,
  regions: ["us-east-1"],
  environment: { B: "2", A: "1" },
  expose: [
    { port: 8888, protocol: "HTTP" },
    { port: 22, protocol: "SSH" },
  ],
};

async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const result = await pod.check(olds, withProvider(news));
  expect(result.failures).toEqual([]);
  return result.inputs;
}

describe("pod check", () => {
  test.each([
    { name: "image missing", news: { image: undefined }, property: "image" },
    { name: "image empty", news: { image: "" }, property: "image" },
    { name: "gpuCount not a power of two", news: { gpuCount: 3 }, property: "gpuCount" },
    { name: "gpuCount zero", news: { gpuCount: 0 }, property: "gpuCount" },
    { name: "gpuType missing", news: { gpuType: undefined }, property: "gpuType" },
    { name: "repeated region", news: { regions: ["eu-2", "eu-2"] }, property: "regions" },
    {
      name: "port out of range",
      news: { expose: [{ port: 70000, protocol: "TCP" }] },
      property: "expose[0].port",
    },
    {
      name: "unknown protocol",
      news: { expose: [{ port: 80, protocol: "UDP" }] },
      property: "expose[0].protocol",
    },
    {
      name: "same port twice",
      news: {
        expose: [
          { port: 22, protocol: "SSH" },
          { port: 22, protocol: "SSH" },
        ],
      },
      property: "expose",
    },
    { name: "empty env value", news: { environment: { A: "" } }, property: "environment.A" },
    {
      name: "persistent volume without mount path",
      news: { persistentVolumeInGb: 50 },
      property: "persistentMountPath",
    },
    {
      name: "negative container disk",
      news: { containerVolumeInGb: -1 },
      property: "containerVolumeInGb",
    },
    { name: "adoptId not an id", news: { adoptId: "pod-1" }, property: "adoptId" },
    { name: "bad timeout", news: { timeouts: { create: "soon" } }, property: "timeouts.create" },
    { name: "misspelled input", news: { gpuTpye: "x" }, property: "gpuTpye" },
    { name: "name too long", news: { name: "x".repeat(256) }, property: "name" },
  ])("$name → fails on $property", async ({ news, property }) => {
    const { failures } = await pod.check({}, withProvider({ ...BASE, ...news }));
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]?.property).toBe(property);
    expect(failures[0]?.reason).toMatch(/\w/);
  });

  test("normalizes: defaults, sorted env and ports, auto-name, provider kept", async () => {
    const inputs = await checked(BASE);
    expect(inputs).toMatchObject({
      resourceType: "GPU",
      imagePublicType: "PUBLIC",
      running: true,
      volumes: [],
      [PROVIDER_KEY]: "serialized provider text",
    });
    expect(Object.keys(inputs.environment as object)).toEqual(["A", "B"]);
    expect((inputs.expose as { port: number }[]).map((p) => p.port)).toEqual([22, 8888]);
    expect(inputs.name).toMatch(/^trainer-[0-9a-f]{7}$/);
  });

  test("a private image is the default with a credential", async () => {
    const inputs = await checked({ ...BASE, credentialId: "378888638324150969" });
    expect(inputs.imagePublicType).toBe("PRIVATE");
  });

  test("the auto-name stays across updates, an explicit name wins", async () => {
    const first = await checked(BASE);
    const again = await checked(BASE, first);
    expect(again.name).toBe(first.name);
    expect((await checked({ ...BASE, name: "mine" }, first)).name).toBe("mine");
  });

  test("unknown values pass during preview", async () => {
    const { failures } = await pod.check(
      {},
      withProvider({ ...BASE, image: UNKNOWN, credentialId: UNKNOWN }),
    );
    expect(failures).toEqual([]);
  });
});

describe("pod diff", () => {
  let base: Record<string, unknown>;
  beforeAll(async () => {
    base = await checked({ ...BASE, name: "p" });
  });

  test.each([
    ["name", "q"],
    ["image", "pytorch/pytorch:2.5.0"],
    ["imageRegistry", "ghcr.io"],
    ["credentialId", "1"],
    ["gpuType", "NVIDIA_H100_80G"],
    ["gpuCount", 2],
    ["regions", ["eu-2"]],
    ["minSingleCardVramInGb", 24],
    ["shmInGb", 8],
    ["containerVolumeInGb", 50],
    ["persistentMountPath", "/data"],
    ["initializationCommand", "sleep 1"],
    ["environment", { A: "9" }],
    ["expose", [{ port: 22, protocol: "SSH" }]],
    ["volumes", [{ volumeId: "5", mountPath: "/v", volumeType: "CEPH" }]],
  ])("%s replaces", async (field, value) => {
    const result = await pod.diff("1", base, { ...base, [field]: value });
    expect(result).toEqual({ changes: true, replaces: [field], deleteBeforeReplace: false });
  });

  test.each([
    ["running", false],
    ["timeouts", { create: "5m" }],
  ])("%s updates in place", async (field, value) => {
    const result = await pod.diff("1", base, { ...base, [field]: value });
    expect(result).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  test("adopting another pod replaces; dropping adoptId does not", async () => {
    const adopted = { ...base, id: "7", adoptId: "7" };
    expect((await pod.diff("7", adopted, { ...base, adoptId: "8" })).replaces).toEqual(["adoptId"]);
    expect((await pod.diff("7", adopted, { ...base })).replaces).toEqual([]);
  });

  test("a FAILED pod is replaced", async () => {
    const result = await pod.diff("1", { ...base, status: "FAILED" }, base);
    expect(result.changes).toBe(true);
    expect(result.replaces).toContain("status");
  });

  test("outputs never count: status, prices, ports, provider", async () => {
    const olds = { ...base, status: "RUNNING", hourlyPrice: 1, ports: [], [PROVIDER_KEY]: "old" };
    expect(await pod.diff("1", olds, base)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("property: diff(x, x) never changes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          image: fc.stringMatching(/^[\x21-\x7e]{1,30}$/),
          gpuCount: fc.constantFrom(1, 2, 4, 8),
          environment: fc.dictionary(
            fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,4}$/),
            fc.string({ minLength: 1, maxLength: 5 }),
          ),
          running: fc.boolean(),
        }),
        async (spec) => {
          const inputs = await checked({ ...BASE, ...spec, name: "p" });
          expect((await pod.diff("1", inputs, inputs)).changes).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("pod lifecycle against the emulator", () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProviderHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.emulator.admin.reset();
  });

  async function createPod(extra: Record<string, unknown> = {}) {
    const inputs = withProvider(await checked({ ...BASE, ...extra }));
    const created = await pod.create(inputs);
    return { inputs, created, outs: created.outs as Record<string, unknown> };
  }

  test("create waits for RUNNING and reports where, how and what it costs", async () => {
    const { created, outs } = await createPod({ gpuCount: 2 });
    const live = await h.client.pods.get(created.id);
    expect(live.status).toBe("RUNNING");
    expect(outs).toMatchObject({ status: "RUNNING", region: "us-east-1", gpuCount: 2 });
    expect(outs.hourlyPrice).toBeCloseTo((live.singleCardPrice ?? NaN) * 2);
    expect(outs.sshCommand).toBe(live.sshCmd);
    expect(h.emulator.admin.requests({ method: "POST", path: "/v2/pods" })).toHaveLength(1);
  });

  test("running: false creates, then pauses; true resumes in place", async () => {
    const { created, inputs } = await createPod({ running: false });
    expect((await h.client.pods.get(created.id)).status).toBe("PAUSED");
    const news = { ...inputs, running: true };
    const updated = await pod.update(created.id, created.outs, news);
    expect((updated.outs as Record<string, unknown>).status).toBe("RUNNING");
    const calls = h.emulator.admin.requests({ method: "POST" }).map((r) => r.path);
    expect(calls).toEqual([
      "/v2/pods",
      `/v2/pods/${created.id}/pause`,
      `/v2/pods/${created.id}/resume`,
    ]);
  });

  test.each([
    { name: "documented shape", quirks: {} },
    { name: "numeric ids", quirks: { numericIds: true } },
    { name: "numbers as strings", quirks: { stringNumbers: true } },
    { name: "ISO timestamps", quirks: { timestamps: "iso" } },
    { name: "v1 INITIALIZE", quirks: { initializingPodStatus: "INITIALIZE" } },
  ] as const)("read of an unchanged pod shows no drift: $name", async ({ quirks }) => {
    h.emulator.admin.setQuirks(quirks);
    const { created, inputs } = await createPod();
    const read = await pod.read(created.id, created.outs);
    expect(read.id).toBe(created.id);
    expect(await pod.diff(created.id, read.props as Record<string, unknown>, inputs)).toMatchObject(
      { changes: false },
    );
  });

  test("a paused pod reported as STOPPED reads as running: false", async () => {
    h.emulator.admin.setQuirks({ pausedPodStatus: "STOPPED" });
    const { created, inputs } = await createPod({ running: false });
    const read = await pod.read(created.id, created.outs);
    expect((read.props as Record<string, unknown>).running).toBe(false);
    expect(
      (await pod.diff(created.id, read.props as Record<string, unknown>, inputs)).changes,
    ).toBe(false);
  });

  test("out-of-band pause and env change show as drift", async () => {
    const { created, inputs } = await createPod();
    h.emulator.admin.pausePod(created.id);
    h.emulator.admin.setEnv("pod", created.id, [{ key: "A", value: "changed" }]);
    h.emulator.admin.settle();
    const read = await pod.read(created.id, created.outs);
    const props = read.props as Record<string, unknown>;
    expect(props.running).toBe(false);
    expect(props.environment).toEqual({ A: "changed" });
    expect(await pod.diff(created.id, props, inputs)).toMatchObject({
      changes: true,
      replaces: ["environment"],
    });
  });

  test("read of a pod deleted out of band returns no id", async () => {
    const { created } = await createPod();
    h.emulator.admin.deletePod(created.id);
    expect(await pod.read(created.id, created.outs)).toEqual({});
    h.emulator.admin.deletePod(created.id, { purge: true });
    expect(await pod.read(created.id, created.outs)).toEqual({});
  });

  test("delete waits for TERMINATED; deleting a gone pod succeeds", async () => {
    const { created } = await createPod();
    await pod.remove(created.id, created.outs);
    expect((await h.client.pods.get(created.id)).status).toBe("TERMINATED");
    await expect(pod.remove(created.id, created.outs)).resolves.toBeUndefined();
    await expect(pod.remove("378888638324150969", {})).resolves.toBeUndefined();
  });

  test("a create whose response is lost is adopted, never duplicated", async () => {
    h.emulator.admin.addFault({ type: "dropResponse", route: "POST /v2/pods", times: 1 });
    const { created, inputs } = await createPod();
    const named = (await h.client.pods.list()).filter((p) => p.name === inputs.name);
    expect(named.map((p) => p.id)).toEqual([created.id]);
    expect(h.emulator.admin.requests({ method: "POST", path: "/v2/pods" })).toHaveLength(1);
  });

  test("a create answered with a 5xx is never sent again: the attempt is recorded", async () => {
    // Pod names are not unique, and a 5xx does not prove the pod was not made.
    process.env.YOTTA_LOOK_WINDOW_MS = "200";
    try {
      h.emulator.admin.addFault({ type: "serverError", route: "POST /v2/pods", times: 1 });
      const error = await createPod().catch((e: unknown) => e as ResourceInitError);
      expect(ResourceInitError.isInstance(error)).toBe(true);
      expect((error as ResourceInitError).id).toMatch(/^pending-/);
      expect(h.emulator.admin.requests({ method: "POST", path: "/v2/pods" })).toHaveLength(1);
      expect(await h.client.pods.list()).toEqual([]);
    } finally {
      delete process.env.YOTTA_LOOK_WINDOW_MS;
    }
  });

  test("a pod that goes FAILED is recorded with its id, and the next diff replaces it", async () => {
    h.emulator.admin.addFault({ type: "podFails", times: 1 });
    const inputs = withProvider(await checked(BASE));
    const error = await pod.create(inputs).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ResourceInitError);
    const init = error as ResourceInitError;
    expect(init.message).toMatch(/FAILED/);
    expect((await h.client.pods.get(init.id)).status).toBe("FAILED");
    expect(init.properties[PROVIDER_KEY]).toBe("serialized provider text");
    expect((await pod.diff(init.id, init.properties, inputs)).replaces).toContain("status");
  });

  test("a pod still starting at its timeout is recorded; the next update waits it out", async () => {
    h.emulator.admin.setTiming({ podInitializingMs: 60_000 });
    const inputs = withProvider(await checked({ ...BASE, timeouts: { create: "1s" } }));
    const error = (await pod.create(inputs).catch((e: unknown) => e)) as ResourceInitError;
    expect(error).toBeInstanceOf(ResourceInitError);
    expect(error.message).toMatch(/timed out.*INITIALIZING/);
    h.emulator.admin.setTiming({ podInitializingMs: 30 });
    h.emulator.admin.advance(60_000);
    const repaired = await pod.update(error.id, error.properties, inputs);
    expect((repaired.outs as Record<string, unknown>).status).toBe("RUNNING");
    expect(await h.client.pods.list()).toHaveLength(1);
  });

  test("adoptId takes an existing pod under management", async () => {
    const existing = await h.client.pods.create({
      name: "legacy",
      image: BASE.image,
      gpuType: BASE.gpuType,
      gpuCount: 1,
    });
    h.emulator.admin.settle();
    const inputs = withProvider(await checked({ ...BASE, name: "legacy", adoptId: existing.id }));
    const adopted = await pod.create(inputs);
    expect(adopted.id).toBe(existing.id);
    expect(h.emulator.admin.requests({ method: "POST", path: "/v2/pods" })).toHaveLength(1);
  });

  test("adoptId refuses a pod that does not match", async () => {
    const existing = await h.client.pods.create({
      name: "legacy",
      image: "other:1",
      gpuType: BASE.gpuType,
      gpuCount: 1,
    });
    const inputs = withProvider(await checked({ ...BASE, name: "legacy", adoptId: existing.id }));
    await expect(pod.create(inputs)).rejects.toThrow(
      /adoptId: pod \d+ does not match.*image is "other:1"/,
    );
    await expect(
      pod.create(withProvider(await checked({ ...BASE, adoptId: "12345" }))),
    ).rejects.toThrow(/does not exist/);
  });
});
