import { CEPH_VOLUME, CREDENTIAL, POD, startApi, type Api } from "./helpers";

let api: Api;
beforeEach(async () => {
  // Frozen: on a live clock a loaded machine could move a record on before the next call.
  api = await startApi({ frozenClock: true });
});
afterEach(() => api.close());

const status = async (id: string): Promise<string> =>
  (await api.ok("GET", `/v2/pods/${id}`)).status;

describe("pods", () => {
  test("create answers the pod, PENDING, with an int64 id beyond 2^53", async () => {
    const pod = await api.ok("POST", "/v2/pods", {
      ...POD,
      expose: [{ port: 22, protocol: "SSH" }],
    });
    expect(pod.id).toMatch(/^\d{18,19}$/);
    expect(BigInt(pod.id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    // Never a double-exact value, so a client parsing it as a number gets it visibly wrong.
    expect(BigInt(Number(pod.id))).not.toBe(BigInt(pod.id));
    expect(pod).toMatchObject({
      name: POD.name,
      status: "PENDING",
      desiredState: "RUNNING",
      gpuType: "NVIDIA_RTX_4090_24G",
      gpuDisplayName: "RTX 4090",
      gpuCount: 1,
      singleCardPrice: 0.75,
      singleCardVramInGb: 24,
      imagePublicType: "PUBLIC",
      resourceType: "GPU",
      containerVolumeInGb: 50,
      persistentVolumeInGb: 0,
      environmentVars: [],
      persistentVolumes: [],
    });
    expect(typeof pod.createdAt).toBe("number");
    expect(pod.expose[0]).toMatchObject({ port: 22, protocol: "SSH", healthy: false });
    expect(pod.sshCmd).toBe(`ssh root@${pod.expose[0].host} -p ${pod.expose[0].proxyPort}`);
  });

  test("ids are unique and increasing", async () => {
    const ids: bigint[] = [];
    for (let i = 0; i < 5; i++) ids.push(BigInt((await api.ok("POST", "/v2/pods", POD)).id));
    expect(new Set(ids).size).toBe(5);
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
  });

  test("PENDING → INITIALIZING → RUNNING on the configured timing, ports healthy after", async () => {
    const { admin } = api.emulator;
    admin.freezeClock();
    admin.setTiming({ podPendingMs: 1000, podInitializingMs: 2000, podPortsHealthyMs: 500 });
    const pod = await api.ok("POST", "/v2/pods", {
      ...POD,
      expose: [{ port: 8888, protocol: "HTTP" }],
    });
    admin.advance(999);
    expect(await status(pod.id)).toBe("PENDING");
    admin.advance(1);
    expect(await status(pod.id)).toBe("INITIALIZING");
    admin.advance(2000);
    const running = await api.ok("GET", `/v2/pods/${pod.id}`);
    expect(running.status).toBe("RUNNING");
    expect(running.expose[0].healthy).toBe(false);
    admin.advance(500);
    const healthy = await api.ok("GET", `/v2/pods/${pod.id}`);
    expect(healthy.expose[0].healthy).toBe(true);
    expect(healthy.expose[0].ingressUrl).toMatch(/^https:\/\//);
    expect(healthy.updatedAt).toBeGreaterThan(pod.createdAt);
  });

  test("with the library's default timing a pod is RUNNING within a fraction of a second", async () => {
    const pod = await api.ok("POST", "/v2/pods", POD);
    expect(api.emulator.admin.settle()).toBeLessThan(200);
    expect(await status(pod.id)).toBe("RUNNING");
  });

  test("get of an unknown pod is 13000; a non-numeric id cannot be bound (HTTP 400)", async () => {
    const missing = await api.call("GET", "/v2/pods/378888638324150969");
    expect(missing.status).toBe(200);
    expect(missing.body).toEqual({ message: "pod not found", code: 13000, data: null });
    const bad = await api.call("GET", "/v2/pods/abc");
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(10001);
  });

  test("list filters by regionList and statusList, comma-separated or repeated", async () => {
    const east = await api.ok("POST", "/v2/pods", { ...POD, regions: ["us-east-2"] });
    const west = await api.ok("POST", "/v2/pods", { ...POD, regions: ["us-west-1"] });
    api.emulator.admin.settle();
    await api.ok("POST", `/v2/pods/${west.id}/pause`);
    api.emulator.admin.settle();
    const ids = (pods: Array<{ id: string }>) => pods.map((p) => p.id).sort();
    expect(ids(await api.ok("GET", "/v2/pods"))).toEqual(ids([east, west]));
    expect(ids(await api.ok("GET", "/v2/pods?regionList=us-east-2"))).toEqual([east.id]);
    expect(ids(await api.ok("GET", "/v2/pods?statusList=PAUSED"))).toEqual([west.id]);
    expect(ids(await api.ok("GET", "/v2/pods?statusList=RUNNING,PAUSED"))).toEqual(
      ids([east, west]),
    );
    expect(ids(await api.ok("GET", "/v2/pods?statusList=RUNNING&statusList=PAUSED"))).toEqual(
      ids([east, west]),
    );
    expect(await api.ok("GET", "/v2/pods?regionList=us-west-1&statusList=RUNNING")).toEqual([]);
    const unknown = await api.call("GET", "/v2/pods?statusList=SLEEPING");
    expect(unknown.body.code).toBe(10001);
    expect(unknown.body.message).toContain("statusList");
  });

  test("pause: RUNNING → PAUSING → PAUSED; resume: PAUSED → INITIALIZING → RUNNING", async () => {
    const { admin } = api.emulator;
    const pod = await api.ok("POST", "/v2/pods", POD);
    admin.settle();
    expect(await api.ok("POST", `/v2/pods/${pod.id}/pause`)).toBeNull();
    const pausing = await api.ok("GET", `/v2/pods/${pod.id}`);
    expect(pausing).toMatchObject({ status: "PAUSING", desiredState: "PAUSED" });
    admin.advance(admin.config().timing.podPausingMs);
    expect(await status(pod.id)).toBe("PAUSED");
    await api.ok("POST", `/v2/pods/${pod.id}/resume`);
    const resuming = await api.ok("GET", `/v2/pods/${pod.id}`);
    expect(resuming).toMatchObject({ status: "INITIALIZING", desiredState: "RUNNING" });
    admin.advance(admin.config().timing.podResumingMs);
    expect(await status(pod.id)).toBe("RUNNING");
  });

  test.each([
    ["pause", "PENDING"],
    ["resume", "PENDING"],
    ["resume", "RUNNING"],
  ])("%s of a %s pod is refused with 12001", async (action, state) => {
    const pod = await api.ok("POST", "/v2/pods", POD);
    if (state === "RUNNING") api.emulator.admin.settle();
    const reply = await api.call("POST", `/v2/pods/${pod.id}/${action}`);
    expect(reply.body.code).toBe(12001);
    expect(reply.body.message).toContain(state);
  });

  test.each(["pause", "resume", "delete"])("%s of an unknown pod is 13000", async (action) => {
    const reply =
      action === "delete"
        ? await api.call("DELETE", "/v2/pods/378888638324150969")
        : await api.call("POST", `/v2/pods/378888638324150969/${action}`);
    expect(reply.body.code).toBe(13000);
  });

  test("delete: TERMINATING → TERMINATED, listed for the retention period, then gone", async () => {
    const { admin } = api.emulator;
    admin.freezeClock();
    admin.setTiming({ podRetentionMs: 60_000 });
    const pod = await api.ok("POST", "/v2/pods", POD);
    admin.settle();
    await api.ok("DELETE", `/v2/pods/${pod.id}`);
    expect(await status(pod.id)).toBe("TERMINATING");
    await api.ok("DELETE", `/v2/pods/${pod.id}`); // a second delete changes nothing
    admin.settle();
    expect(await status(pod.id)).toBe("TERMINATED");
    expect(
      (await api.ok("GET", "/v2/pods?statusList=TERMINATED")).map((p: { id: string }) => p.id),
    ).toEqual([pod.id]);
    admin.advance(59_000);
    expect(await status(pod.id)).toBe("TERMINATED");
    admin.advance(1_000);
    expect((await api.call("GET", `/v2/pods/${pod.id}`)).body.code).toBe(13000);
    expect(await api.ok("GET", "/v2/pods")).toEqual([]);
  });

  test("a pod deleted while starting never becomes RUNNING", async () => {
    const pod = await api.ok("POST", "/v2/pods", POD);
    await api.ok("DELETE", `/v2/pods/${pod.id}`);
    api.emulator.admin.settle();
    expect(await status(pod.id)).toBe("TERMINATED");
  });

  test("attached volumes count the pod in mountCount until it is TERMINATED", async () => {
    const { admin } = api.emulator;
    const volume = await api.ok("POST", "/v2/volumes", CEPH_VOLUME);
    admin.settle();
    const body = {
      ...POD,
      persistentVolumes: [
        { id: volume.id, volumeId: volume.id, volumeType: "CEPH", mountPath: "/data" },
      ],
    };
    const first = await api.ok("POST", "/v2/pods", body);
    // The guide's shape works as well.
    const second = await api.ok("POST", "/v2/pods", {
      ...POD,
      persistentVolumes: [{ volumeId: volume.id, mountPath: "/data", needBackup: true }],
    });
    expect(first.region).toBe("us-east-1");
    expect(first.persistentVolumes).toEqual([
      expect.objectContaining({
        id: volume.id,
        mountPath: "/data",
        volumeType: "CEPH",
        name: "data",
      }),
    ]);
    expect((await api.ok("GET", `/v2/volumes/${volume.id}`)).mountCount).toBe(2);
    await api.ok("DELETE", `/v2/pods/${first.id}`);
    expect((await api.ok("GET", `/v2/volumes/${volume.id}`)).mountCount).toBe(2);
    admin.settle();
    expect((await api.ok("GET", `/v2/volumes/${volume.id}`)).mountCount).toBe(1);
    await api.ok("DELETE", `/v2/pods/${second.id}`);
    admin.settle();
    expect((await api.ok("GET", `/v2/volumes/${volume.id}`)).mountCount).toBe(0);
  });

  test("a pod follows its CEPH volume's region and cannot be sent elsewhere", async () => {
    const volume = await api.ok("POST", "/v2/volumes", { ...CEPH_VOLUME, region: "us-east-2" });
    api.emulator.admin.settle();
    const mount = { persistentVolumes: [{ volumeId: volume.id, mountPath: "/data" }] };
    expect((await api.ok("POST", "/v2/pods", { ...POD, ...mount })).region).toBe("us-east-2");
    const elsewhere = await api.call("POST", "/v2/pods", {
      ...POD,
      ...mount,
      regions: ["us-west-1"],
    });
    expect(elsewhere.body.code).toBe(10001);
    expect(elsewhere.body.message).toContain("persistentVolumes[0]");
  });

  test("a volume still creating cannot be attached (12001)", async () => {
    const volume = await api.ok("POST", "/v2/volumes", CEPH_VOLUME);
    const reply = await api.call("POST", "/v2/pods", {
      ...POD,
      persistentVolumes: [{ volumeId: volume.id, mountPath: "/data" }],
    });
    expect(reply.body.code).toBe(12001);
  });

  test("a private image needs an existing credential, which the pod then holds", async () => {
    const credential = await api.ok("POST", "/v2/container-registry-auths", CREDENTIAL);
    const pod = await api.ok("POST", "/v2/pods", {
      ...POD,
      imagePublicType: "PRIVATE",
      containerRegistryAuthId: credential.id,
    });
    expect(pod.containerRegistryAuthId).toBe(credential.id);
    const refused = await api.call("DELETE", `/v2/container-registry-auths/${credential.id}`);
    expect(refused.body.code).toBe(12001);
    expect(refused.body.message).toContain(pod.id);
    await api.ok("DELETE", `/v2/pods/${pod.id}`);
    api.emulator.admin.settle();
    await api.ok("DELETE", `/v2/container-registry-auths/${credential.id}`);
  });

  test("the pod is placed in the first asked-for region that offers the GPU", async () => {
    const pod = await api.ok("POST", "/v2/pods", {
      ...POD,
      gpuType: "NVIDIA_H100_80G",
      regions: ["us-east-2", "us-east-3", "us-east-4"],
    });
    // us-east-2 sells no H100 in the catalog.
    expect(pod.region).toBe("us-east-3");
    expect(pod.singleCardPrice).toBe(2.5);
  });
});
