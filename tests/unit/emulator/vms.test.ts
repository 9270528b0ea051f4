import { GPU_TYPES } from "../../../emulator";
import { CEPH_VOLUME, startApi, type Api } from "./helpers";

let api: Api;
beforeEach(async () => {
  api = await startApi({ frozenClock: true });
});
afterEach(() => api.close());

const VM = { vmTypeId: 1000, region: "us-east-1", name: "box", isSpot: 0 };

describe("vms", () => {
  test("types list every GPU type with its regions, availability and vmTypeId", async () => {
    const types = await api.ok("GET", "/v2/vms/types");
    expect(types.map((t: { gpuType: string }) => t.gpuType)).toEqual(GPU_TYPES.map((g) => g.code));
    const rtx = types.find((t: { gpuType: string }) => t.gpuType === "NVIDIA_RTX_4090_24G");
    expect(rtx.regions[0]).toEqual({
      region: "us-east-1",
      regionName: "US East 1 (Virginia)",
      available: true,
      vmTypeId: 1000,
    });
    const ids = types.flatMap((t: { regions: Array<{ vmTypeId: number }> }) =>
      t.regions.map((r) => r.vmTypeId),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("a region without capacity shows unavailable and refuses VMs", async () => {
    api.emulator.admin.addFault({
      type: "noCapacity",
      region: "us-east-1",
      gpuType: "NVIDIA_RTX_4090_24G",
    });
    const types = await api.ok("GET", "/v2/vms/types");
    const rtx = types.find((t: { gpuType: string }) => t.gpuType === "NVIDIA_RTX_4090_24G");
    expect(rtx.regions[0].available).toBe(false);
    expect(rtx.regions[1].available).toBe(true);
    const reply = await api.call("POST", "/v2/vms", VM);
    expect(reply.body.code).toBe(10001);
    expect(reply.body.message).toContain("no capacity");
  });

  test("create: initializing, then running; fields as documented", async () => {
    const { admin } = api.emulator;
    const vm = await api.ok("POST", "/v2/vms", VM);
    expect(vm).toMatchObject({
      name: "box",
      status: "initializing",
      region: "us-east-1",
      gpuDisplayName: "RTX 4090",
      gpuCount: 1,
      isSpot: 0,
      memoryInGb: "48",
      gpuMemoryInGb: "24",
      storageInGb: "500",
    });
    expect(vm.sshTemplate).toBe(`ssh ubuntu@${vm.ipAddress}`);
    expect(vm.createdAt).toMatch(/T.*Z$/);
    admin.advance(admin.config().timing.vmInitializingMs);
    expect((await api.ok("GET", `/v2/vms/${vm.id}`)).status).toBe("running");
    expect((await api.ok("POST", "/v2/vms", { ...VM, isSpot: true })).isSpot).toBe(1);
  });

  test("list is paginated and filtered by status", async () => {
    const { admin } = api.emulator;
    for (let i = 0; i < 3; i++) await api.ok("POST", "/v2/vms", { ...VM, name: `vm${i}` });
    admin.settle();
    await api.ok("POST", "/v2/vms", { ...VM, name: "new" });
    expect(await api.ok("GET", "/v2/vms?size=2")).toMatchObject({
      page: 1,
      size: 2,
      total: 4,
      pages: 2,
    });
    const running = await api.ok("GET", "/v2/vms?status=running");
    expect(running.items.map((v: { name: string }) => v.name)).toEqual(["vm0", "vm1", "vm2"]);
    expect((await api.ok("GET", "/v2/vms?status=initializing")).total).toBe(1);
  });

  test("rename by PATCH {name}", async () => {
    const vm = await api.ok("POST", "/v2/vms", VM);
    expect((await api.ok("PATCH", `/v2/vms/${vm.id}`, { name: "renamed" })).name).toBe("renamed");
  });

  test("terminate: terminated at once, listed for the retention period, then 11000", async () => {
    const { admin } = api.emulator;
    admin.setTiming({ vmRetentionMs: 10_000 });
    const vm = await api.ok("POST", "/v2/vms", VM);
    await api.ok("DELETE", `/v2/vms/${vm.id}`);
    expect((await api.ok("GET", `/v2/vms/${vm.id}`)).status).toBe("terminated");
    expect((await api.call("DELETE", `/v2/vms/${vm.id}`)).body.code).toBe(11001);
    expect((await api.call("PATCH", `/v2/vms/${vm.id}`, { name: "x" })).body.code).toBe(11001);
    admin.advance(10_000);
    expect((await api.call("GET", `/v2/vms/${vm.id}`)).body).toEqual({
      message: "vm not found",
      code: 11000,
      data: null,
    });
  });

  test("a VM without terminate permission answers 11002", async () => {
    const vm = await api.ok("POST", "/v2/vms", VM);
    api.emulator.admin.patch("vm", vm.id, { terminationProtected: true });
    expect((await api.call("DELETE", `/v2/vms/${vm.id}`)).body.code).toBe(11002);
  });

  test("mounted volumes count the VM until it terminates", async () => {
    const { admin } = api.emulator;
    const volume = await api.ok("POST", "/v2/volumes", CEPH_VOLUME);
    admin.settle();
    const vm = await api.ok("POST", "/v2/vms", {
      ...VM,
      volumeMountPaths: { [volume.id]: "/data" },
    });
    expect((await api.ok("GET", `/v2/volumes/${volume.id}`)).mountCount).toBe(1);
    const wrongRegion = await api.call("POST", "/v2/vms", {
      ...VM,
      vmTypeId: 1001,
      region: "us-east-2",
      volumeMountPaths: { [volume.id]: "/data" },
    });
    expect(wrongRegion.body.message).toContain("is in region [us-east-1]");
    await api.ok("DELETE", `/v2/vms/${vm.id}`);
    expect((await api.ok("GET", `/v2/volumes/${volume.id}`)).mountCount).toBe(0);
  });
});
