import { isBusy, isNotFound, waitFor } from "../../../client";
import { harness, POLL, type Harness } from "./helpers";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());
beforeEach(() => h.cloud.admin.reset());

const ceph = { name: "data", storageType: "CEPH" as const, region: "us-east-1", sizeInGb: 10 };

describe("volumes over HTTP", () => {
  it("create, get, rename, resize, delete", async () => {
    const { volumes } = h.client;
    const created = await volumes.create(ceph);
    expect(created).toMatchObject({
      name: "data",
      storageType: "CEPH",
      sizeInGb: 10,
      mountCount: 0,
    });
    await waitFor(() => volumes.get(created.id), { done: (v) => v.status === "active", ...POLL });

    await volumes.rename(created.id, "data2");
    expect((await volumes.get(created.id)).name).toBe("data2");

    await volumes.resize(created.id, 20);
    const resized = await waitFor(() => volumes.get(created.id), {
      done: (v) => v.status === "active" && v.sizeInGb === 20,
      ...POLL,
    });
    expect(resized.sizeInGb).toBe(20);

    await volumes.delete(created.id);
    await waitFor(
      () =>
        volumes
          .get(created.id)
          .catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e))),
      {
        done: (v) => v === undefined,
        ...POLL,
      },
    );
    expect(
      h.cloud.admin.requests({ method: "POST", route: "/v2/volumes/{id}/name" })[0]?.body,
    ).toEqual({ name: "data2" });
    expect(
      h.cloud.admin.requests({ method: "POST", route: "/v2/volumes/{id}/resize" })[0]?.body,
    ).toEqual({ sizeInGb: 20 });
  });

  it("a resize while creating is busy", async () => {
    h.cloud.admin.freezeClock();
    const created = await h.client.volumes.create(ceph);
    expect(isBusy(await h.client.volumes.resize(created.id, 20).catch((e: unknown) => e))).toBe(
      true,
    );
    h.cloud.admin.unfreezeClock();
  });

  it("lists every page, one request per page, storage type required", async () => {
    for (let i = 0; i < 25; i++) await h.client.volumes.create({ ...ceph, name: `v${i}` });
    await h.client.volumes.create({ name: "bucket", storageType: "S3" });
    h.cloud.admin.clearRequests();

    const names: string[] = [];
    for await (const volume of h.client.volumes.list({ storageType: "CEPH", pageSize: 10 }))
      names.push(volume.name);
    expect(names).toEqual(Array.from({ length: 25 }, (_, i) => `v${i}`));
    expect(h.cloud.admin.requests().map((r) => r.query)).toEqual([
      { storageType: "CEPH", page: "1", size: "10" },
      { storageType: "CEPH", page: "2", size: "10" },
      { storageType: "CEPH", page: "3", size: "10" },
    ]);
    expect(() => h.client.volumes.list({} as never)).toThrow(/storageType/);

    const pages = [];
    for await (const page of h.client.volumes.list({ storageType: "S3" }).pages()) pages.push(page);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({
      total: 1,
      pages: 1,
      items: [{ name: "bucket", storageType: "S3" }],
    });
  });

  it("findByName looks in one storage type, or in all of them", async () => {
    const bucket = await h.client.volumes.create({ name: "bucket", storageType: "R2" });
    await h.client.volumes.create(ceph);
    expect((await h.client.volumes.findByName("bucket")).map((v) => v.id)).toEqual([bucket.id]);
    expect(await h.client.volumes.findByName("bucket", "CEPH")).toEqual([]);
  });

  it.each([
    { volumeTypeField: "type" as const },
    { numericIds: true },
    { stringNumbers: true },
    { timestamps: "iso" as const },
  ])("quirk %o reads the same volume", async (quirk) => {
    const plain = await h.client.volumes.create(ceph);
    h.cloud.admin.settle();
    const before = await h.client.volumes.get(plain.id);
    h.cloud.admin.setQuirks(quirk);
    expect(await h.client.volumes.get(plain.id)).toEqual(before);
  });

  it("an unknown volume is not found (10007)", async () => {
    const error = await h.client.volumes.get("123456789012345678").catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "not_found", code: 10007, call: "volumes.get" });
  });
});
