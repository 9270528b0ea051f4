import fc from "fast-check";
import { UNKNOWN } from "../../../provider/check";
import { ResourceInitError } from "../../../provider/init-error";
import * as vm from "../../../provider/vm";
import {
  startProviderHarness,
  withProvider,
  type ProviderHarness,
} from "../../support/provider-harness";

const GPU = "NVIDIA_RTX_4090_24G";
// Where the emulator's catalog sells that GPU (emulator/catalog.ts).
const GPU_REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-central-2", "eu-2"];
const VM = { name: "workstation", gpuType: GPU, region: "us-east-1" };

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

async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const result = await vm.check(olds, news);
  expect(result.failures).toEqual([]);
  return withProvider(result.inputs);
}

async function created(news: Record<string, unknown> = VM) {
  const inputs = await checked(news);
  const { id, outs } = await vm.create(inputs);
  return { id, inputs, outs: outs as Record<string, unknown> };
}

function writes(): string[] {
  return h.emulator.admin
    .requests()
    .filter((r) => r.method !== "GET")
    .map((r) => `${r.method} ${r.route}`);
}

/** The id the types call gives for a GPU type in a region. */
async function vmTypeIdOf(gpuType: string, region: string): Promise<string | undefined> {
  const types = await h.client.vms.types();
  return types.find((t) => t.gpuType === gpuType)?.regions.find((r) => r.region === region)
    ?.vmTypeId;
}

describe("check", () => {
  test.each([
    { name: "gpuType required", news: { ...VM, gpuType: undefined }, property: "gpuType" },
    { name: "gpuType not empty", news: { ...VM, gpuType: "" }, property: "gpuType" },
    { name: "region required", news: { ...VM, region: undefined }, property: "region" },
    { name: "isSpot is a boolean", news: { ...VM, isSpot: 1 }, property: "isSpot" },
    { name: "name not empty", news: { ...VM, name: "" }, property: "name" },
    { name: "name at most 255", news: { ...VM, name: "v".repeat(256) }, property: "name" },
    {
      name: "mount keys are volume ids",
      news: { ...VM, volumeMountPaths: { "vol-1": "/data" } },
      property: "volumeMountPaths.vol-1",
    },
    {
      name: "mount paths are absolute",
      news: { ...VM, volumeMountPaths: { "1": "data" } },
      property: "volumeMountPaths.1",
    },
    {
      name: "one path per volume",
      news: { ...VM, volumeMountPaths: { "1": "/data", "2": "/data" } },
      property: "volumeMountPaths",
    },
    { name: "adoptId is an id", news: { ...VM, adoptId: "vm-1" }, property: "adoptId" },
    {
      name: "timeouts are durations",
      news: { ...VM, timeouts: { delete: "1 day" } },
      property: "timeouts.delete",
    },
  ])("$name", async ({ news, property }) => {
    const { failures } = await vm.check({}, news);
    expect(failures.map((f) => f.property)).toEqual([property]);
  });

  test("fills defaults and orders the mounts by volume id", async () => {
    const inputs = await checked({ ...VM, volumeMountPaths: { "20": "/b", "10": "/a" } });
    expect(inputs.isSpot).toBe(false);
    expect(Object.keys(inputs.volumeMountPaths as object)).toEqual(["10", "20"]);
    expect((await checked(VM)).volumeMountPaths).toEqual({});
  });

  test("makes no API call: availability is checked at create", async () => {
    await vm.check({}, { ...VM, region: "us-east-3" });
    expect(h.emulator.admin.requests()).toEqual([]);
  });

  test("an unknown GPU code is a warning, not a failure", async () => {
    await checked({ ...VM, gpuType: "NVIDIA_Z9000_1T" });
    expect(printed).toEqual([
      "yotta vm workstation: gpuType NVIDIA_Z9000_1T is not a known code; the service decides.",
    ]);
  });

  test("a typo of a known GPU code is a warning that names the code meant, once per resource name", async () => {
    await checked({ ...VM, gpuType: "NVIDIA_RTX4090_24G", autonamePrefix: "workstation" });
    expect(printed).toEqual([
      "yotta vm workstation: gpuType NVIDIA_RTX4090_24G is not a known code; the service decides. Did you mean NVIDIA_RTX_4090_24G?",
    ]);
  });

  test("tolerates unknown values during preview", async () => {
    expect((await vm.check({}, { ...VM, volumeMountPaths: UNKNOWN })).failures).toEqual([]);
  });

  test("a GPU type not known yet (preview) is no warning", async () => {
    expect((await vm.check({}, { ...VM, gpuType: UNKNOWN })).failures).toEqual([]);
    expect(printed).toEqual([]);
  });

  test("derives a name and keeps it across updates", async () => {
    const news = { gpuType: GPU, region: "eu-2", autonamePrefix: "dev box" };
    const first = await checked(news);
    expect(first.name).toMatch(/^dev-box-[0-9a-f]{7}$/);
    expect((await checked(news, first)).name).toBe(first.name);
  });
});

describe("diff", () => {
  const olds = { ...VM, isSpot: false, volumeMountPaths: {}, id: "1", status: "running" };

  test.each([
    { name: "name renames in place", news: { name: "renamed" }, replaces: [] },
    { name: "gpuType replaces", news: { gpuType: "NVIDIA_H100_80G" }, replaces: ["gpuType"] },
    { name: "region replaces", news: { region: "eu-2" }, replaces: ["region"] },
    { name: "isSpot replaces", news: { isSpot: true }, replaces: ["isSpot"] },
    {
      name: "mounts replace",
      news: { volumeMountPaths: { "1": "/data" } },
      replaces: ["volumeMountPaths"],
    },
    { name: "adopting another VM replaces", news: { adoptId: "2" }, replaces: ["adoptId"] },
  ])("$name", async ({ news, replaces }) => {
    const result = await vm.diff("1", olds, { ...olds, ...news, id: undefined });
    expect(result).toEqual({ changes: true, replaces, deleteBeforeReplace: false });
  });

  test("what the cloud reports is not a change", async () => {
    const live = { ...olds, status: "stopped", ipAddress: "198.51.100.7", vmTypeId: "1001" };
    const news = { ...VM, isSpot: false, volumeMountPaths: {} };
    expect((await vm.diff("1", live, news)).changes).toBe(false);
  });

  const anyVm = fc.record({
    name: fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,58}[\x21-\x7e])?$/),
    gpuType: fc.constantFrom(GPU, "NVIDIA_H100_80G"),
    region: fc.constantFrom(...GPU_REGIONS),
    isSpot: fc.boolean(),
    volumeMountPaths: fc.dictionary(
      fc.stringMatching(/^[1-9]\d{0,17}$/),
      fc.stringMatching(/^\/[a-z]{1,12}$/),
      { maxKeys: 3 },
    ),
  });

  test("property: diff(x, x) is no change", async () => {
    await fc.assert(
      fc.asyncProperty(anyVm, async (v) => {
        const unique = new Set(Object.values(v.volumeMountPaths)).size;
        fc.pre(unique === Object.keys(v.volumeMountPaths).length);
        const inputs = await checked(v);
        const result = await vm.diff("1", { ...inputs, id: "1", status: "running" }, inputs);
        expect(result).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
      }),
    );
  });
});

describe("create", () => {
  test("resolves the VM type, waits until running and records what the VM offers", async () => {
    const { id, outs } = await created();
    const vmTypeId = await vmTypeIdOf(GPU, "us-east-1");
    expect(outs).toMatchObject({ ...VM, id, vmTypeId, status: "running", isSpot: false });
    expect(outs.sshTemplate).toMatch(/^ssh /);
    expect(outs.ipAddress).toEqual(expect.any(String));
    expect(outs.gpuDisplayName).toBe("RTX 4090");
    for (const field of ["cpuCores", "memoryInGb", "gpuCount", "gpuMemoryInGb", "storageInGb"]) {
      expect(outs[field]).toEqual(expect.any(Number));
    }
    expect(outs.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(writes()).toEqual(["POST /v2/vms"]);
    expect(h.emulator.admin.requests({ method: "POST" })[0]?.body).toEqual({
      vmTypeId: Number(vmTypeId),
      region: "us-east-1",
      name: "workstation",
      isSpot: 0,
    });
  });

  test("sends the mounts and the spot flag", async () => {
    const volume = await h.client.volumes.create({
      name: "home",
      storageType: "CEPH",
      region: "us-east-1",
      sizeInGb: 50,
    });
    h.emulator.admin.settle();
    await created({ ...VM, isSpot: true, volumeMountPaths: { [volume.id]: "/home/ubuntu" } });
    const body = h.emulator.admin.requests({ method: "POST", route: "/v2/vms" })[0]?.body;
    expect(body).toMatchObject({ isSpot: 1, volumeMountPaths: { [volume.id]: "/home/ubuntu" } });
    expect((await h.client.volumes.get(volume.id)).mountCount).toBe(1);
  });

  test.each([
    {
      name: "a region that does not offer the GPU type",
      inputs: { ...VM, region: "us-east-3" },
      says: `gpuType ${GPU} is not offered in region us-east-3; it is available in ${GPU_REGIONS.join(", ")}`,
    },
    {
      name: "a GPU type no VM offers",
      inputs: { ...VM, gpuType: "NVIDIA_Z9000_1T" },
      says: /^gpuType NVIDIA_Z9000_1T is not offered for VMs; GPU types available now: .*NVIDIA_RTX_4090_24G/,
    },
  ])("fails before any create on $name", async ({ inputs, says }) => {
    await expect(vm.create(await checked(inputs))).rejects.toThrow(says);
    expect(writes()).toEqual([]);
  });

  test("a region out of capacity: fails listing where the GPU type is available", async () => {
    h.emulator.admin.addFault({ type: "noCapacity", region: "us-east-1", gpuType: GPU });
    const others = GPU_REGIONS.filter((r) => r !== "us-east-1");
    await expect(vm.create(await checked(VM))).rejects.toThrow(
      `gpuType ${GPU} is not available now in region us-east-1; it is available in ${others.join(", ")}`,
    );
    expect(writes()).toEqual([]);
  });

  test("a lost response: finds the VM it made and adopts it, never a second one", async () => {
    h.emulator.admin.addFault({ type: "dropResponse", route: "POST /v2/vms", times: 1 });
    const { id } = await created();
    expect(h.emulator.admin.list("vm").map((v) => v.id)).toEqual([id]);
    expect(h.emulator.admin.requests({ method: "POST" }).map((r) => r.status)).toEqual([null]);
  });

  test("not running in time: a ResourceInitError carrying the id, so the VM is recorded", async () => {
    h.emulator.admin.setTiming({ vmInitializingMs: 60_000 });
    const error = await vm
      .create(await checked({ ...VM, timeouts: { create: "1s" } }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceInitError);
    const [record] = h.emulator.admin.list("vm");
    expect((error as ResourceInitError).id).toBe(record?.id);
    expect((error as ResourceInitError).properties).toMatchObject({
      id: record?.id,
      status: "initializing",
      name: "workstation",
    });
    expect((error as Error).message).toMatch(/did not become running.*last status initializing/);
  });

  test("a VM that stops while starting is recorded and fails at once", async () => {
    h.emulator.admin.freezeClock();
    const pending = vm.create(await checked(VM)).catch((e: unknown) => e);
    const id = await until(() => h.emulator.admin.list("vm")[0]?.id);
    h.emulator.admin.setStatus("vm", id, "stopped");
    const error = await pending;
    expect(error).toBeInstanceOf(ResourceInitError);
    expect((error as ResourceInitError).id).toBe(id);
    expect((error as Error).message).toMatch(/status stopped/);
  });
});

describe("adoption", () => {
  async function existing(gpuType = GPU) {
    const vmTypeId = (await vmTypeIdOf(gpuType, "us-east-1"))!;
    const made = await h.client.vms.create({ vmTypeId, region: "us-east-1", name: VM.name });
    h.emulator.admin.settle();
    h.emulator.admin.clearRequests();
    return made.id;
  }

  test("adopts a matching VM instead of creating one", async () => {
    const adoptId = await existing();
    const { id, outs } = await created({ ...VM, adoptId });
    expect(id).toBe(adoptId);
    expect(outs).toMatchObject({ status: "running", vmTypeId: await vmTypeIdOf(GPU, "us-east-1") });
    expect(writes()).toEqual([]);
  });

  test.each([
    {
      name: "another GPU type",
      made: "NVIDIA_RTX_A6000_48G",
      declared: {},
      says: `gpuType is "NVIDIA_RTX_A6000_48G", declared "${GPU}"`,
    },
    { name: "another name", made: GPU, declared: { name: "other" }, says: 'name is "workstation"' },
    { name: "a spot flag", made: GPU, declared: { isSpot: true }, says: "isSpot is false" },
  ])("refuses $name", async ({ made, declared, says }) => {
    const adoptId = await existing(made);
    await expect(vm.create(await checked({ ...VM, ...declared, adoptId }))).rejects.toThrow(says);
    expect(writes()).toEqual([]);
  });

  test("refuses a terminated VM", async () => {
    const adoptId = await existing();
    h.emulator.admin.deleteResource("vm", adoptId);
    await expect(vm.create(await checked({ ...VM, adoptId }))).rejects.toThrow(
      `adoptId: vm ${adoptId} does not exist (or is terminated)`,
    );
  });
});

describe("read", () => {
  test.each([
    { name: "documented shape", quirks: {} },
    { name: "numeric ids", quirks: { numericIds: true } },
    { name: "string numbers", quirks: { stringNumbers: true } },
    { name: "epoch timestamps", quirks: { timestamps: "epoch" as const } },
    { name: "capitalized status", quirks: { vmStatusCase: "capitalized" as const } },
    {
      name: "every variant at once",
      quirks: { numericIds: true, stringNumbers: true, vmStatusCase: "capitalized" as const },
    },
  ])("an unchanged VM reads back without a diff: $name", async ({ quirks }) => {
    const { id, inputs, outs } = await created({ ...VM, isSpot: true });
    h.emulator.admin.setQuirks(quirks);
    const read = await vm.read(id, outs);
    expect(read.props).toMatchObject({
      ...VM,
      id,
      isSpot: true,
      status: "running",
      vmTypeId: outs.vmTypeId,
      memoryInGb: outs.memoryInGb,
      createdAt: outs.createdAt,
    });
    expect((await vm.diff(id, read.props!, inputs)).changes).toBe(false);
  });

  test("a rename outside Pulumi shows as a rename back", async () => {
    const { id, inputs, outs } = await created();
    h.emulator.admin.rename("vm", id, "elsewhere");
    const read = await vm.read(id, outs);
    expect(await vm.diff(id, read.props!, inputs)).toMatchObject({ changes: true, replaces: [] });
  });

  test.each([
    { name: "terminated", purge: false },
    { name: "purged", purge: true },
  ])("a VM $name outside Pulumi reads as gone", async ({ purge }) => {
    const { id, outs } = await created();
    h.emulator.admin.deleteResource("vm", id, { purge });
    expect(await vm.read(id, outs)).toEqual({});
  });
});

describe("update", () => {
  test("a rename is one PATCH with the name", async () => {
    const { id, inputs, outs } = await created();
    h.emulator.admin.clearRequests();
    const news = await checked({ ...VM, name: "renamed" }, inputs);
    const result = await vm.update(id, outs, news);
    expect(writes()).toEqual(["PATCH /v2/vms/{id}"]);
    expect(h.emulator.admin.requests({ method: "PATCH" })[0]?.body).toEqual({ name: "renamed" });
    expect(result.outs).toMatchObject({ name: "renamed", vmTypeId: outs.vmTypeId });
  });

  test("timeouts alone call nothing", async () => {
    const { id, inputs, outs } = await created();
    h.emulator.admin.clearRequests();
    await vm.update(id, outs, await checked({ ...VM, timeouts: { create: "5m" } }, inputs));
    expect(writes()).toEqual([]);
  });
});

describe("remove", () => {
  test("terminates and waits until terminated", async () => {
    const { id, outs } = await created();
    h.emulator.admin.clearRequests();
    await vm.remove(id, outs);
    expect(h.emulator.admin.get("vm", id)?.status).toBe("terminated");
    expect(writes()).toEqual(["DELETE /v2/vms/{id}"]);
  });

  test.each([
    { name: "terminated", purge: false },
    { name: "purged", purge: true },
  ])("a VM already $name is a success", async ({ purge }) => {
    const { id, outs } = await created();
    h.emulator.admin.deleteResource("vm", id, { purge });
    await expect(vm.remove(id, outs)).resolves.toBeUndefined();
  });

  test("stale state (no name, unreadable timeouts) does not block the delete", async () => {
    const { id } = await created();
    await vm.remove(id, { timeouts: 5 });
    expect(h.emulator.admin.get("vm", id)?.status).toBe("terminated");
  });

  test("a VM that may not be terminated says so", async () => {
    const { id, outs } = await created();
    h.emulator.admin.patch("vm", id, { terminationProtected: true });
    await expect(vm.remove(id, outs)).rejects.toThrow(
      `vm workstation (${id}) may not be terminated by this API key`,
    );
  });
});

async function until<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("condition never held");
}
