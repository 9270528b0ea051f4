import { isNotFound, isPodPaused, waitFor, type Pod } from "../../../client";
import { harness, POLL, type Harness } from "./helpers";

const spec = {
  name: "train",
  image: "pytorch/pytorch",
  gpuType: "NVIDIA_RTX_4090_24G",
  gpuCount: 1,
};

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());
beforeEach(() => h.cloud.admin.reset());

function running(id: string): Promise<Pod> {
  return waitFor(() => h.client.pods.get(id), { done: (p) => p.status === "RUNNING", ...POLL });
}

describe("pods over HTTP", () => {
  it("create, get, list, pause, resume, delete", async () => {
    const { pods } = h.client;
    const created = await pods.create({
      ...spec,
      environmentVars: [{ key: "MODE", value: "fast" }],
      expose: [{ port: 22, protocol: "SSH" }],
    });
    expect(created).toMatchObject({
      name: "train",
      gpuCount: 1,
      environmentVars: [{ key: "MODE", value: "fast" }],
    });
    expect(created.id).toMatch(/^\d{18,19}$/);

    const up = await running(created.id);
    expect(up.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect((await pods.list()).map((p) => p.id)).toEqual([created.id]);
    expect(await pods.list({ statuses: ["PAUSED"] })).toEqual([]);
    expect(await pods.list({ statuses: ["RUNNING"], regions: [up.region!] })).toHaveLength(1);

    await pods.pause(created.id);
    const paused = await waitFor(() => pods.get(created.id), { done: isPodPaused, ...POLL });
    expect(paused.status).toBe("PAUSED");

    await pods.resume(created.id);
    await running(created.id);

    await pods.delete(created.id);
    const gone = await waitFor(() => pods.get(created.id), {
      done: (p) => p.status === "TERMINATED",
      ...POLL,
    });
    expect(gone.status).toBe("TERMINATED");

    const sent = h.cloud.admin.requests().map((r) => `${r.method} ${r.route}`);
    expect(sent).toEqual(
      expect.arrayContaining([
        "POST /v2/pods",
        "GET /v2/pods",
        "GET /v2/pods/{id}",
        "POST /v2/pods/{id}/pause",
        "POST /v2/pods/{id}/resume",
        "DELETE /v2/pods/{id}",
      ]),
    );
    expect(h.cloud.admin.requests({ method: "GET", route: "/v2/pods" })[1]?.query).toMatchObject({
      statusList: "PAUSED",
    });
  });

  it("findByName finds every pod of that name and nothing else", async () => {
    const a = await h.client.pods.create(spec);
    const b = await h.client.pods.create(spec);
    await h.client.pods.create({ ...spec, name: "other" });
    expect((await h.client.pods.findByName("train")).map((p) => p.id).sort()).toEqual(
      [a.id, b.id].sort(),
    );
    expect(await h.client.pods.findByName("nope")).toEqual([]);
  });

  it("attaches a volume, sending both id spellings as bare numbers", async () => {
    const volume = await h.client.volumes.create({
      name: "data",
      storageType: "CEPH",
      region: "us-east-1",
      sizeInGb: 10,
    });
    await waitFor(() => h.client.volumes.get(volume.id), {
      done: (v) => v.status === "active",
      ...POLL,
    });
    const pod = await h.client.pods.create({
      ...spec,
      regions: ["us-east-1"],
      persistentVolumes: [{ volumeId: volume.id, volumeType: "CEPH", mountPath: "/data" }],
    });
    expect(pod.persistentVolumes?.[0]).toMatchObject({ id: volume.id, mountPath: "/data" });
    const [create] = h.cloud.admin.requests({ method: "POST", route: "/v2/pods" });
    expect(create?.rawBody).toContain(`"id":${volume.id},"volumeId":${volume.id}`);
  });

  it("a pod that is not there is not found (13000)", async () => {
    const error = await h.client.pods.get("123456789012345678").catch((e: unknown) => e);
    expect(isNotFound(error)).toBe(true);
    expect(error).toMatchObject({ code: 13000, call: "pods.get" });
  });

  it("encodes ids as one path segment", async () => {
    await h.client.pods.get("1/../../v2/vms").catch(() => undefined);
    const [request] = h.cloud.admin.requests();
    expect(request?.path).toBe("/v2/pods/1%2F..%2F..%2Fv2%2Fvms");
  });

  it("a pause while not RUNNING is busy (12001), and not retried", async () => {
    const pod = await h.client.pods.create(spec);
    const error = await h.client.pods.pause(pod.id).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "busy", code: 12001 });
    expect(h.cloud.admin.requests({ method: "POST", route: "/v2/pods/{id}/pause" })).toHaveLength(
      1,
    );
  });
});

describe("pod quirks", () => {
  it.each([
    { quirk: { numericIds: true }, check: (p: Pod, id: string) => expect(p.id).toBe(id) },
    { quirk: { stringNumbers: true }, check: (p: Pod) => expect(p.gpuCount).toBe(1) },
    { quirk: { timestamps: "iso" as const }, check: (p: Pod) => expect(p.createdAt).toMatch(/Z$/) },
    { quirk: { createReturnsId: true }, check: (p: Pod) => expect(p.name).toBe("train") },
  ])("$quirk", async ({ quirk, check }) => {
    const plain = await h.client.pods.create(spec);
    h.cloud.admin.setQuirks(quirk);
    const created = await h.client.pods.create(spec);
    const read = await h.client.pods.get(plain.id);
    check(created, created.id);
    check(read, plain.id);
    expect(created.id).toMatch(/^\d{18,19}$/);
    expect(read).toMatchObject({ id: plain.id, name: "train", gpuCount: 1 });
    expect(read.createdAt).toBe(plain.createdAt);
  });

  it("numericIds: the raw body carries bare numbers beyond 2^53, the client keeps them exact", async () => {
    h.cloud.admin.setQuirks({ numericIds: true });
    const pod = await h.client.pods.create(spec);
    expect(BigInt(pod.id)).toBeGreaterThan(2n ** 53n);
    expect(h.cloud.admin.get("pod", pod.id)).toBeDefined();
    const listed = await h.client.pods.list();
    expect(listed[0]?.id).toBe(pod.id);
  });

  it("INITIALIZE reads as INITIALIZING and STOPPED counts as paused", async () => {
    h.cloud.admin.setQuirks({ initializingPodStatus: "INITIALIZE", pausedPodStatus: "STOPPED" });
    h.cloud.admin.freezeClock();
    const pod = await h.client.pods.create(spec);
    h.cloud.admin.advance(25);
    expect((await h.client.pods.get(pod.id)).status).toBe("INITIALIZING");
    h.cloud.admin.settle();
    await h.client.pods.pause(pod.id);
    h.cloud.admin.settle();
    const paused = await h.client.pods.get(pod.id);
    expect(paused.status).toBe("STOPPED");
    expect(isPodPaused(paused)).toBe(true);
    h.cloud.admin.unfreezeClock();
  });
});
