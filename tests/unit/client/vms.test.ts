import { isNotAllowed, isNotFound, waitFor } from "../../../client";
import { harness, POLL, type Harness } from "./helpers";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());
beforeEach(() => h.cloud.admin.reset());

async function vmType() {
  const types = await h.client.vms.types();
  const region = types.flatMap((t) => t.regions).find((r) => r.available);
  if (!region) throw new Error("no VM type available");
  return region;
}

describe("VMs over HTTP", () => {
  it("types, create, get, list, rename, terminate", async () => {
    const { vms } = h.client;
    const type = await vmType();
    expect(type.vmTypeId).toMatch(/^\d+$/);
    const created = await vms.create({
      vmTypeId: type.vmTypeId,
      region: type.region,
      name: "box",
      isSpot: true,
    });
    expect(created).toMatchObject({ name: "box", region: type.region, isSpot: true });
    expect(h.cloud.admin.requests({ method: "POST" })[0]?.rawBody).toContain(
      `"vmTypeId":${type.vmTypeId}`,
    );
    expect(typeof created.memoryInGb).toBe("number");

    const up = await waitFor(() => vms.get(created.id), {
      done: (v) => v.status === "running",
      ...POLL,
    });
    expect(up.createdAt).toMatch(/Z$/);

    await vms.rename(created.id, "box2");
    expect((await vms.get(created.id)).name).toBe("box2");
    expect(h.cloud.admin.requests({ method: "PATCH" })[0]?.body).toEqual({ name: "box2" });

    expect((await vms.list().toArray()).map((v) => v.id)).toEqual([created.id]);
    expect(await vms.list({ status: "terminated" }).toArray()).toEqual([]);
    expect((await vms.findByName("box2")).map((v) => v.id)).toEqual([created.id]);

    await vms.terminate(created.id);
    expect((await vms.get(created.id)).status).toBe("terminated");
  });

  it("mounts volumes by id", async () => {
    const type = await vmType();
    const volume = await h.client.volumes.create({
      name: "d",
      storageType: "CEPH",
      region: type.region,
      sizeInGb: 5,
    });
    h.cloud.admin.settle();
    await h.client.vms.create({
      vmTypeId: type.vmTypeId,
      region: type.region,
      name: "v",
      volumeMountPaths: { [volume.id]: "/mnt/d" },
    });
    expect((await h.client.volumes.get(volume.id)).mountCount).toBe(1);
  });

  it("paginates", async () => {
    const type = await vmType();
    for (let i = 0; i < 5; i++)
      await h.client.vms.create({ vmTypeId: type.vmTypeId, region: type.region, name: `v${i}` });
    h.cloud.admin.clearRequests();
    expect(await h.client.vms.list({ pageSize: 2 }).toArray()).toHaveLength(5);
    expect(h.cloud.admin.requests({ method: "GET", route: "/v2/vms" })).toHaveLength(3);
  });

  it("quirks: capitalized status and numeric ids read the same", async () => {
    const type = await vmType();
    const created = await h.client.vms.create({
      vmTypeId: type.vmTypeId,
      region: type.region,
      name: "v",
    });
    h.cloud.admin.settle();
    const before = await h.client.vms.get(created.id);
    h.cloud.admin.setQuirks({ vmStatusCase: "capitalized", numericIds: true, stringNumbers: true });
    expect(await h.client.vms.get(created.id)).toEqual(before);
  });

  it("11002 is not allowed, 11000 not found", async () => {
    const type = await vmType();
    const vm = await h.client.vms.create({
      vmTypeId: type.vmTypeId,
      region: type.region,
      name: "v",
    });
    h.cloud.admin.patch("vm", vm.id, { terminationProtected: true });
    const refused = await h.client.vms.terminate(vm.id).catch((e: unknown) => e);
    expect(isNotAllowed(refused)).toBe(true);
    expect(refused).toMatchObject({ code: 11002 });
    h.cloud.admin.deleteResource("vm", vm.id, { purge: true });
    const gone = await h.client.vms.get(vm.id).catch((e: unknown) => e);
    expect(isNotFound(gone)).toBe(true);
    expect(gone).toMatchObject({ code: 11000 });
  });
});
