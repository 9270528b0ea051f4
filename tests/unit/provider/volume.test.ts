import fc from "fast-check";
import { UNKNOWN } from "../../../provider/check";
import { ResourceInitError } from "../../../provider/init-error";
import * as volume from "../../../provider/volume";
import {
  startProviderHarness,
  withProvider,
  type ProviderHarness,
} from "../../support/provider-harness";

let h: ProviderHarness;
/** Progress lines the provider printed during the test. */
let printed: string[];

beforeAll(async () => {
  h = await startProviderHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.emulator.admin.reset();
  h.emulator.admin.unfreezeClock();
  printed = [];
  jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    printed.push(args.join(" "));
  });
});
afterEach(() => jest.restoreAllMocks());

const CEPH = { name: "data", storageType: "CEPH", region: "us-east-1", sizeInGb: 100 };

/** Runs `check` as the engine does for a new resource and expects it to pass. */
async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const result = await volume.check(olds, news);
  expect(result.failures).toEqual([]);
  return withProvider(result.inputs);
}

async function created(news: Record<string, unknown> = CEPH) {
  const inputs = await checked(news);
  const { id, outs } = await volume.create(inputs);
  return { id, inputs, outs: outs as Record<string, unknown> };
}

/** The calls that change something (every method but GET), as `METHOD route`. */
function writes(): string[] {
  return h.emulator.admin
    .requests()
    .filter((r) => r.method !== "GET")
    .map((r) => `${r.method} ${r.route}`);
}

describe("check", () => {
  test.each([
    { name: "storageType missing", news: { name: "v" }, property: "storageType" },
    {
      name: "storageType unknown",
      news: { name: "v", storageType: "NFS" },
      property: "storageType",
    },
    { name: "CEPH needs region", news: { ...CEPH, region: undefined }, property: "region" },
    { name: "CEPH needs sizeInGb", news: { ...CEPH, sizeInGb: undefined }, property: "sizeInGb" },
    {
      name: "CEPH takes no vendorVolumeType",
      news: { ...CEPH, vendorVolumeType: "NVMe" },
      property: "vendorVolumeType",
    },
    {
      name: "VENDOR needs vendorVolumeType",
      news: { ...CEPH, storageType: "VENDOR" },
      property: "vendorVolumeType",
    },
    {
      name: "vendorVolumeType is NVMe or HDD",
      news: { ...CEPH, storageType: "VENDOR", vendorVolumeType: "SSD" },
      property: "vendorVolumeType",
    },
    {
      name: "S3 takes no region",
      news: { name: "v", storageType: "S3", region: "us-east-1" },
      property: "region",
    },
    {
      name: "S3 takes no sizeInGb",
      news: { name: "v", storageType: "S3", sizeInGb: 10 },
      property: "sizeInGb",
    },
    {
      name: "R2 takes no sizeInGb",
      news: { name: "v", storageType: "R2", sizeInGb: 10 },
      property: "sizeInGb",
    },
    { name: "sizeInGb at least 1", news: { ...CEPH, sizeInGb: 0 }, property: "sizeInGb" },
    { name: "sizeInGb at most 10240", news: { ...CEPH, sizeInGb: 10241 }, property: "sizeInGb" },
    { name: "sizeInGb whole", news: { ...CEPH, sizeInGb: 1.5 }, property: "sizeInGb" },
    { name: "name not empty", news: { ...CEPH, name: "" }, property: "name" },
    { name: "name at most 255", news: { ...CEPH, name: "n".repeat(256) }, property: "name" },
    { name: "adoptId is an id", news: { ...CEPH, adoptId: "vol-1" }, property: "adoptId" },
    {
      name: "timeouts are durations",
      news: { ...CEPH, timeouts: { create: "soon" } },
      property: "timeouts.create",
    },
  ])("$name", async ({ news, property }) => {
    const { failures } = await volume.check({}, news);
    expect(failures.map((f) => f.property)).toEqual([property]);
  });

  test.each([
    { name: "S3 with a name only", news: { name: "v", storageType: "S3" } },
    { name: "R2 with a region", news: { name: "v", storageType: "R2", region: "eu-2" } },
    { name: "CEPH", news: CEPH },
    {
      name: "VENDOR",
      news: { ...CEPH, storageType: "VENDOR", vendorVolumeType: "HDD", sizeInGb: 10240 },
    },
  ])("accepts $name", async ({ news }) => {
    expect((await volume.check({}, news)).failures).toEqual([]);
  });

  test("refuses a smaller size for a volume that is kept, naming sizeInGb", async () => {
    const olds = await checked(CEPH);
    const { failures } = await volume.check(olds, { ...CEPH, sizeInGb: 50 });
    expect(failures).toEqual([
      {
        property: "sizeInGb",
        reason: "cannot shrink from 100 GB to 50 GB: shrinking would destroy data",
      },
    ]);
  });

  test("allows a smaller size when the volume is replaced anyway", async () => {
    const olds = await checked(CEPH);
    const news = { ...CEPH, region: "eu-2", sizeInGb: 50 };
    expect((await volume.check(olds, news)).failures).toEqual([]);
  });

  test("a larger size passes", async () => {
    const olds = await checked(CEPH);
    expect((await volume.check(olds, { ...CEPH, sizeInGb: 200 })).failures).toEqual([]);
  });

  test("tolerates unknown values and checks them once known", async () => {
    const olds = await checked(CEPH);
    const result = await volume.check(olds, { ...CEPH, region: UNKNOWN, sizeInGb: UNKNOWN });
    expect(result.failures).toEqual([]);
  });

  test("derives a name from the Pulumi name and keeps it across updates", async () => {
    const news = { storageType: "S3", autonamePrefix: "datasets" };
    const first = await checked(news);
    expect(first.name).toMatch(/^datasets-[0-9a-f]{7}$/);
    expect(first.autonamePrefix).toBe("datasets");
    expect((await checked(news, first)).name).toBe(first.name);
  });

  test("an explicit name is kept and marks the inputs as user-named", async () => {
    const inputs = await checked({ ...CEPH, autonamePrefix: "data" });
    expect(inputs.name).toBe("data");
    expect(inputs).not.toHaveProperty("autonamePrefix");
  });
});

describe("diff", () => {
  const base = { ...CEPH, id: "1", status: "active", mountCount: 0 };

  test.each([
    { name: "name renames in place", news: { name: "data2" }, replaces: [] },
    { name: "a larger size resizes in place", news: { sizeInGb: 200 }, replaces: [] },
    // A refresh can find a volume grown out of band: never replace (and lose) it over that.
    { name: "a smaller size is never a replacement", news: { sizeInGb: 50 }, replaces: [] },
    { name: "storageType replaces", news: { storageType: "VENDOR" }, replaces: ["storageType"] },
    { name: "region replaces", news: { region: "eu-2" }, replaces: ["region"] },
    {
      name: "vendorVolumeType replaces",
      news: { vendorVolumeType: "HDD" },
      replaces: ["vendorVolumeType"],
    },
    { name: "adopting another volume replaces", news: { adoptId: "2" }, replaces: ["adoptId"] },
    { name: "naming the volume already managed", news: { adoptId: "1" }, replaces: [] },
    { name: "timeouts alone update in place", news: { timeouts: { create: "1m" } }, replaces: [] },
  ])("$name", async ({ news, replaces }) => {
    const result = await volume.diff("1", base, { ...CEPH, ...news });
    expect(result.changes).toBe(true);
    expect(result.replaces).toEqual(replaces);
  });

  test.each([
    { name: "status, cost and timestamps", news: {}, olds: { status: "resizing", cost: 3 } },
  ])("no change: $name", async ({ news, olds }) => {
    const result = await volume.diff("1", { ...base, ...olds }, { ...CEPH, ...news });
    expect(result.changes).toBe(false);
  });

  test("a replacement keeping the user's name deletes the old volume first", async () => {
    const result = await volume.diff("1", base, { ...CEPH, region: "eu-2" });
    expect(result.deleteBeforeReplace).toBe(true);
  });

  test("an auto-named replacement is made first (it gets a fresh name)", async () => {
    const news = { ...CEPH, region: "eu-2", autonamePrefix: "data" };
    const result = await volume.diff("1", { ...base, autonamePrefix: "data" }, news);
    expect(result.deleteBeforeReplace).toBe(false);
  });

  const anyVolume = fc.oneof(
    fc.record({ storageType: fc.constant("S3") }),
    fc.record({ storageType: fc.constant("R2"), region: fc.constantFrom("eu-2", "us-east-1") }),
    fc.record({
      storageType: fc.constant("CEPH"),
      region: fc.constantFrom("eu-2", "us-east-1"),
      sizeInGb: fc.integer({ min: 1, max: 10240 }),
    }),
    fc.record({
      storageType: fc.constant("VENDOR"),
      region: fc.constantFrom("eu-2", "us-east-1"),
      sizeInGb: fc.integer({ min: 1, max: 10240 }),
      vendorVolumeType: fc.constantFrom("NVMe", "HDD"),
    }),
  );

  test("property: diff(x, x) is no change", async () => {
    await fc.assert(
      fc.asyncProperty(
        anyVolume,
        fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,38}[\x21-\x7e])?$/),
        async (v, name) => {
          const inputs = await checked({ ...v, name });
          const result = await volume.diff("1", { ...inputs, id: "1", status: "active" }, inputs);
          expect(result).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
        },
      ),
    );
  });
});

describe("create", () => {
  test("waits until active and records the cloud's view", async () => {
    const { id, outs } = await created();
    expect(outs).toMatchObject({ ...CEPH, id, status: "active", mountCount: 0 });
    expect(outs.cost).toBeGreaterThan(0);
    expect(outs.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(writes()).toEqual(["POST /v2/volumes"]);
    expect(h.emulator.admin.requests({ method: "POST" })[0]?.body).toEqual({
      name: "data",
      storageType: "CEPH",
      region: "us-east-1",
      sizeInGb: 100,
    });
  });

  test("an S3 volume sends no region or size", async () => {
    await created({ name: "objects", storageType: "S3" });
    expect(h.emulator.admin.requests({ method: "POST" })[0]?.body).toEqual({
      name: "objects",
      storageType: "S3",
    });
  });

  test("a lost response: finds the volume it made and adopts it, never a second one", async () => {
    h.emulator.admin.addFault({ type: "dropResponse", route: "POST /v2/volumes", times: 1 });
    const { id } = await created();
    const volumes = h.emulator.admin.list("volume");
    expect(volumes.map((v) => v.id)).toEqual([id]);
    // One create, answered by a cut connection: the fault fired and nothing was sent again.
    expect(h.emulator.admin.requests({ method: "POST" }).map((r) => r.status)).toEqual([null]);
    expect(printed).toContain(
      `yotta volume data: the create call failed, but it made volume ${id}: kept`,
    );
  });

  test("not active in time: a ResourceInitError carrying the id, so the volume is recorded", async () => {
    h.emulator.admin.setTiming({ volumeCreatingMs: 60_000 });
    const inputs = await checked({ ...CEPH, timeouts: { create: "1s" } });
    const error = await volume.create(inputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceInitError);
    const [record] = h.emulator.admin.list("volume");
    expect((error as ResourceInitError).id).toBe(record?.id);
    expect((error as ResourceInitError).properties).toMatchObject({
      id: record?.id,
      status: "creating",
      name: "data",
    });
    expect((error as Error).message).toMatch(/did not become active.*last status creating/);
  });

  test("a volume that goes to error is recorded too", async () => {
    h.emulator.admin.freezeClock();
    const inputs = await checked(CEPH);
    const pending = volume.create(inputs).catch((e: unknown) => e);
    const id = await until(() => h.emulator.admin.list("volume")[0]?.id);
    h.emulator.admin.setStatus("volume", id, "error");
    const error = await pending;
    expect(error).toBeInstanceOf(ResourceInitError);
    expect((error as ResourceInitError).id).toBe(id);
    expect((error as ResourceInitError).properties.status).toBe("error");
  });
});

describe("adoption", () => {
  test("adopts a matching volume instead of creating one", async () => {
    const existing = await h.client.volumes.create({ ...CEPH, storageType: "CEPH" });
    h.emulator.admin.clearRequests();
    const { id, outs } = await created({ ...CEPH, adoptId: existing.id });
    expect(id).toBe(existing.id);
    expect(outs).toMatchObject({ status: "active", sizeInGb: 100 });
    expect(writes()).toEqual([]);
  });

  test.each([
    { name: "size", declared: { sizeInGb: 200 }, says: /sizeInGb is 100, declared 200/ },
    { name: "name", declared: { name: "other" }, says: /name is "data", declared "other"/ },
    { name: "region", declared: { region: "eu-2" }, says: /region is "us-east-1"/ },
  ])("refuses a volume that does not match: $name", async ({ declared, says }) => {
    const existing = await h.client.volumes.create({ ...CEPH, storageType: "CEPH" });
    const inputs = await checked({ ...CEPH, ...declared, adoptId: existing.id });
    await expect(volume.create(inputs)).rejects.toThrow(says);
    expect(h.emulator.admin.list("volume")).toHaveLength(1);
  });

  test("refuses an id that does not exist", async () => {
    const inputs = await checked({ ...CEPH, adoptId: "123456789012345678" });
    await expect(volume.create(inputs)).rejects.toThrow(/volume 123456789012345678 does not exist/);
  });
});

describe("read", () => {
  test.each([
    { name: "documented shape", quirks: {} },
    { name: "numeric ids", quirks: { numericIds: true } },
    { name: "string numbers", quirks: { stringNumbers: true } },
    { name: "ISO timestamps", quirks: { timestamps: "iso" as const } },
    { name: "epoch timestamps", quirks: { timestamps: "epoch" as const } },
    { name: "`type` for storageType", quirks: { volumeTypeField: "type" as const } },
    {
      name: "every variant at once",
      quirks: { numericIds: true, stringNumbers: true, volumeTypeField: "type" as const },
    },
  ])("an unchanged volume reads back without a diff: $name", async ({ quirks }) => {
    const vendor = { ...CEPH, storageType: "VENDOR", vendorVolumeType: "NVMe" };
    const { id, inputs, outs } = await created(vendor);
    h.emulator.admin.setQuirks(quirks);
    const read = await volume.read(id, outs);
    expect(read.id).toBe(id);
    expect(read.props).toMatchObject({ ...vendor, id, status: "active", mountCount: 0 });
    expect(read.props?.createdAt).toBe(outs.createdAt);
    expect((await volume.diff(id, read.props!, inputs)).changes).toBe(false);
  });

  test("an S3 volume's unset region and size stay unset", async () => {
    const { id, inputs, outs } = await created({ name: "objects", storageType: "S3" });
    const read = await volume.read(id, outs);
    expect(read.props).not.toHaveProperty("region");
    expect(read.props?.sizeInGb).toBeUndefined();
    expect((await volume.diff(id, read.props!, inputs)).changes).toBe(false);
  });

  test("a rename out of band shows as a rename back", async () => {
    const { id, inputs, outs } = await created();
    h.emulator.admin.rename("volume", id, "renamed");
    const read = await volume.read(id, outs);
    expect(read.props?.name).toBe("renamed");
    expect(await volume.diff(id, read.props!, inputs)).toMatchObject({
      changes: true,
      replaces: [],
    });
  });

  test("a volume grown out of band is an update, never a replacement", async () => {
    const { id, inputs, outs } = await created();
    h.emulator.admin.resize(id, 300);
    const read = await volume.read(id, outs);
    expect(read.props?.sizeInGb).toBe(300);
    expect(await volume.diff(id, read.props!, inputs)).toMatchObject({
      changes: true,
      replaces: [],
    });
  });

  test("a volume deleted out of band reads as gone", async () => {
    const { id, outs } = await created();
    h.emulator.admin.deleteResource("volume", id);
    expect(await volume.read(id, outs)).toEqual({});
  });
});

describe("update", () => {
  test("a rename is one rename call", async () => {
    const { id, inputs } = await created();
    h.emulator.admin.clearRequests();
    const news = await checked({ ...CEPH, name: "data2" }, inputs);
    const { outs } = await volume.update(id, inputs, news);
    expect(writes()).toEqual(["POST /v2/volumes/{id}/name"]);
    expect(h.emulator.admin.get("volume", id)?.name).toBe("data2");
    expect(outs).toMatchObject({ name: "data2", status: "active" });
  });

  test("a larger size is one resize call, waited until active at the new size", async () => {
    const { id, inputs } = await created();
    h.emulator.admin.clearRequests();
    const news = await checked({ ...CEPH, sizeInGb: 250 }, inputs);
    const { outs } = await volume.update(id, inputs, news);
    expect(writes()).toEqual(["POST /v2/volumes/{id}/resize"]);
    expect(h.emulator.admin.requests({ method: "POST" })[0]?.body).toEqual({ sizeInGb: 250 });
    expect(outs).toMatchObject({ sizeInGb: 250, status: "active" });
    expect(printed).toContain("yotta volume data: resizing from 100 GB to 250 GB");
  });

  test("rename and resize together", async () => {
    const { id, inputs } = await created();
    h.emulator.admin.clearRequests();
    const news = await checked({ ...CEPH, name: "bigger", sizeInGb: 150 }, inputs);
    await volume.update(id, inputs, news);
    expect(writes()).toEqual(["POST /v2/volumes/{id}/name", "POST /v2/volumes/{id}/resize"]);
  });

  test("grows from the recorded size when the service leaves the size out", async () => {
    const { id, inputs, outs } = await created();
    h.emulator.admin.patch("volume", id, { sizeInGb: null });
    h.emulator.admin.clearRequests();
    const news = await checked({ ...CEPH, sizeInGb: 120 }, inputs);
    const result = await volume.update(id, outs, news);
    expect(writes()).toEqual(["POST /v2/volumes/{id}/resize"]);
    expect(result.outs).toMatchObject({ sizeInGb: 120, status: "active" });
  });

  test("a smaller size than the live one is refused without a call", async () => {
    const { id, inputs, outs } = await created();
    h.emulator.admin.resize(id, 300);
    h.emulator.admin.clearRequests();
    await expect(volume.update(id, outs, inputs)).rejects.toThrow(
      "volume data (" +
        id +
        "): sizeInGb cannot shrink from 300 GB to 100 GB: shrinking would destroy data; set it to 300 or more",
    );
    expect(writes()).toEqual([]);
  });

  test("a mounted volume is not resized (nor renamed); the error names the pod", async () => {
    const { id, inputs } = await created();
    const pod = await mountIn(id);
    h.emulator.admin.clearRequests();
    const news = await checked({ ...CEPH, name: "data2", sizeInGb: 200 }, inputs);
    await expect(volume.update(id, inputs, news)).rejects.toThrow(
      `volume data2 (${id}) cannot be resized while mounted; it is mounted by pod trainer (${pod})`,
    );
    expect(writes()).toEqual([]);
  });
});

describe("remove", () => {
  test("deletes and waits until the volume is gone", async () => {
    const { id, outs } = await created();
    await volume.remove(id, outs);
    expect(h.emulator.admin.list("volume")).toEqual([]);
    expect(writes()).toEqual(["POST /v2/volumes", "DELETE /v2/volumes/{id}"]);
  });

  test("a volume already gone is a success", async () => {
    const { id, outs } = await created();
    h.emulator.admin.deleteResource("volume", id);
    await expect(volume.remove(id, outs)).resolves.toBeUndefined();
  });

  test("stale state (an unreadable timeouts field) does not block the delete", async () => {
    const { id, outs } = await created();
    await volume.remove(id, { ...outs, timeouts: "yes" });
    expect(h.emulator.admin.list("volume")).toEqual([]);
  });

  test("a mounted volume is not deleted; the error names what mounts it", async () => {
    const { id, outs } = await created();
    const pod = await mountIn(id);
    await expect(volume.remove(id, outs)).rejects.toThrow(
      `volume data (${id}) cannot be deleted while mounted; it is mounted by pod trainer (${pod})`,
    );
    expect(h.emulator.admin.list("volume")).toHaveLength(1);
  });

  test("a volume still being created is deleted once it is active", async () => {
    h.emulator.admin.freezeClock();
    const { id } = await h.client.volumes.create({ ...CEPH, storageType: "CEPH" });
    const pending = volume.remove(id, { name: "data" });
    await until(() =>
      h.emulator.admin.requests({ method: "DELETE" }).find((r) => r.code === 12001),
    );
    h.emulator.admin.unfreezeClock();
    await pending;
    expect(h.emulator.admin.list("volume")).toEqual([]);
    expect(h.emulator.admin.requests({ method: "DELETE" }).map((r) => r.code)).toEqual([
      12001, 10000,
    ]);
  });
});

/** A pod mounting the volume, made behind the provider's back; its id. */
async function mountIn(volumeId: string): Promise<string> {
  const pod = await h.client.pods.create({
    name: "trainer",
    image: "pytorch/pytorch",
    gpuType: "NVIDIA_RTX_4090_24G",
    gpuCount: 1,
    regions: ["us-east-1"],
    persistentVolumes: [{ volumeId, volumeType: "CEPH", mountPath: "/data" }],
  });
  return pod.id;
}

async function until<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("condition never held");
}
