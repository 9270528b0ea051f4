import { CEPH_VOLUME, POD, startApi, type Api } from "./helpers";

let api: Api;
beforeEach(async () => {
  api = await startApi({ frozenClock: true });
});
afterEach(() => api.close());

const get = (id: string) => api.ok("GET", `/v2/volumes/${id}`);

describe("volumes", () => {
  test.each([
    [
      { name: "b", storageType: "S3" },
      { region: null, sizeInGb: null, cost: 0 },
    ],
    [
      { name: "r", storageType: "R2", region: "eu-2" },
      { region: "eu-2", sizeInGb: null },
    ],
    [CEPH_VOLUME, { region: "us-east-1", sizeInGb: 100, vendorVolumeType: null, cost: 0.007 }],
    [
      { name: "v", storageType: "VENDOR", region: "eu-3", sizeInGb: 20, vendorVolumeType: "NVMe" },
      { vendorVolumeType: "NVMe", cost: 0.002 },
    ],
  ])("create %o: creating, then active", async (body, expected) => {
    const { admin } = api.emulator;
    const created = await api.ok("POST", "/v2/volumes", body);
    expect(created).toMatchObject({
      ...expected,
      name: body.name,
      storageType: body.storageType,
      status: "creating",
      mountCount: 0,
    });
    expect(typeof created.createdAt).toBe("number");
    admin.advance(admin.config().timing.volumeCreatingMs);
    expect((await get(created.id)).status).toBe("active");
  });

  test("list is paginated per storage type and region", async () => {
    for (let i = 0; i < 12; i++) {
      await api.ok("POST", "/v2/volumes", {
        ...CEPH_VOLUME,
        name: `v${i}`,
        region: i < 9 ? "us-east-1" : "eu-2",
      });
    }
    await api.ok("POST", "/v2/volumes", { name: "bucket", storageType: "S3" });
    const first = await api.ok("GET", "/v2/volumes?storageType=CEPH");
    expect(first).toMatchObject({ page: 1, size: 10, total: 12, pages: 2 });
    expect(first.items.map((v: { name: string }) => v.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `v${i}`),
    );
    const second = await api.ok("GET", "/v2/volumes?storageType=CEPH&page=2&size=10");
    expect(second.items.map((v: { name: string }) => v.name)).toEqual(["v10", "v11"]);
    expect(await api.ok("GET", "/v2/volumes?storageType=CEPH&region=eu-2&size=2")).toMatchObject({
      total: 3,
      pages: 2,
    });
    expect((await api.ok("GET", "/v2/volumes?storageType=S3")).total).toBe(1);
    expect(await api.ok("GET", "/v2/volumes?storageType=CEPH&page=5")).toMatchObject({
      items: [],
      total: 12,
    });
  });

  test("get of an unknown volume is 10007", async () => {
    const reply = await api.call("GET", "/v2/volumes/378888638324150969");
    expect(reply.body).toEqual({ message: "record does not exist", code: 10007, data: null });
  });

  test("rename", async () => {
    const v = await api.ok("POST", "/v2/volumes", CEPH_VOLUME);
    expect((await api.ok("POST", `/v2/volumes/${v.id}/name`, { name: "renamed" })).name).toBe(
      "renamed",
    );
    expect((await get(v.id)).name).toBe("renamed");
  });

  test("resize: resizing, then active at the new size", async () => {
    const { admin } = api.emulator;
    const v = await api.ok("POST", "/v2/volumes", CEPH_VOLUME);
    const early = await api.call("POST", `/v2/volumes/${v.id}/resize`, { sizeInGb: 200 });
    expect(early.body.code).toBe(12001);
    admin.settle();
    const resizing = await api.ok("POST", `/v2/volumes/${v.id}/resize`, { sizeInGb: 200 });
    expect(resizing).toMatchObject({ status: "resizing", sizeInGb: 100 });
    expect(
      (await api.call("POST", `/v2/volumes/${v.id}/resize`, { sizeInGb: 300 })).body.code,
    ).toBe(12001);
    admin.advance(admin.config().timing.volumeResizingMs);
    expect(await get(v.id)).toMatchObject({ status: "active", sizeInGb: 200 });
  });

  test("a mounted volume can be neither resized nor deleted (12001)", async () => {
    const { admin } = api.emulator;
    const v = await api.ok("POST", "/v2/volumes", CEPH_VOLUME);
    admin.settle();
    const pod = await api.ok("POST", "/v2/pods", {
      ...POD,
      persistentVolumes: [{ volumeId: v.id, mountPath: "/data" }],
    });
    const resize = await api.call("POST", `/v2/volumes/${v.id}/resize`, { sizeInGb: 200 });
    expect(resize.body.code).toBe(12001);
    expect(resize.body.message).toContain("mounted");
    const remove = await api.call("DELETE", `/v2/volumes/${v.id}`);
    expect(remove.body.code).toBe(12001);
    expect(remove.body.message).toContain("mountCount 1");
    await api.ok("DELETE", `/v2/pods/${pod.id}`);
    admin.settle();
    await api.ok("DELETE", `/v2/volumes/${v.id}`);
  });

  test("delete: deleting, then gone", async () => {
    const { admin } = api.emulator;
    const v = await api.ok("POST", "/v2/volumes", CEPH_VOLUME);
    expect((await api.call("DELETE", `/v2/volumes/${v.id}`)).body.code).toBe(12001);
    admin.settle();
    await api.ok("DELETE", `/v2/volumes/${v.id}`);
    expect((await get(v.id)).status).toBe("deleting");
    await api.ok("DELETE", `/v2/volumes/${v.id}`);
    admin.settle();
    expect((await api.call("GET", `/v2/volumes/${v.id}`)).body.code).toBe(10007);
    expect((await api.ok("GET", "/v2/volumes?storageType=CEPH")).total).toBe(0);
  });
});
