import * as pulumi from "@pulumi/pulumi";
import { GpuFleet, type GpuFleetArgs } from "../../../sdk/fleet";
import { mockCloud, settled } from "./mock-cloud";

const H100 = "NVIDIA_H100_80G";
const A100 = "NVIDIA_A100_80G";

function args(extra: Partial<GpuFleetArgs> = {}): GpuFleetArgs {
  return {
    replicas: 3,
    template: {
      image: "pytorch/pytorch:2.4.0",
      gpuCount: 2,
      expose: [{ port: 22, protocol: "SSH" }],
    },
    placements: [
      { gpuType: H100, regions: ["us-east-1"] },
      { gpuType: H100, regions: ["us-west-2"] },
    ],
    ...extra,
  };
}

/** Lets the SDK finish every registration the program started. */
async function drain(fleet: GpuFleet): Promise<void> {
  await settled(pulumi.all(fleet.pods.map((p) => p.urn)));
}

describe("GpuFleet registers one pod per replica", () => {
  test("stable names, parented to the fleet, every placement in order", async () => {
    const cloud = await mockCloud();
    const fleet = new GpuFleet("names", args());
    await drain(fleet);
    expect(cloud.pods().map((p) => p.name)).toEqual(["names-0", "names-1", "names-2"]);
    const component = cloud.registrations.find((r) => r.type === "yotta:index:GpuFleet");
    expect(component?.name).toBe("names");
    for (const pod of cloud.pods()) {
      expect(pod.parent).toMatch(/yotta:index:GpuFleet::names$/);
      expect(pod.inputs).toMatchObject({
        image: "pytorch/pytorch:2.4.0",
        gpuCount: 2,
        placements: args().placements,
      });
      expect(pod.inputs.gpuType).toBeUndefined();
      expect(pod.inputs.regions).toBeUndefined();
    }
  });

  test("one at a time: each replica waits for the one before it and replaces delete-first", async () => {
    const cloud = await mockCloud({ delayMs: 5 });
    const fleet = new GpuFleet("serial", args());
    await drain(fleet);
    const pods = cloud.pods();
    expect(pods.map((p) => p.deleteBeforeReplace)).toEqual([true, true, true]);
    // Besides the stack's key, which every resource waits for (sdk/internal/stack-key.ts).
    const replicaDeps = (i: number) =>
      pods[i]?.dependencies.filter((urn) => !urn.endsWith("yotta:StackKey::yotta-stack-key"));
    expect(pods[0]?.dependencies).toEqual([expect.stringMatching(/::yotta-stack-key$/)]);
    expect(replicaDeps(0)).toEqual([]);
    expect(replicaDeps(1)).toEqual([expect.stringMatching(/::serial-0$/)]);
    expect(replicaDeps(2)).toEqual([expect.stringMatching(/::serial-1$/)]);
    const at = (e: string) => cloud.events.indexOf(e);
    expect(at("start:serial-1")).toBeGreaterThan(at("end:serial-0"));
    expect(at("start:serial-2")).toBeGreaterThan(at("end:serial-1"));
  });

  test("parallelism 2: two lanes, replica i waits for replica i-2", async () => {
    const cloud = await mockCloud({ delayMs: 5 });
    const fleet = new GpuFleet("lanes", args({ replicas: 4, parallelism: 2 }));
    await drain(fleet);
    const at = (e: string) => cloud.events.indexOf(e);
    expect(at("start:lanes-1")).toBeLessThan(at("end:lanes-0"));
    expect(at("start:lanes-2")).toBeGreaterThan(at("end:lanes-0"));
    expect(at("start:lanes-3")).toBeGreaterThan(at("end:lanes-1"));
  });

  test("spread: replica i starts at placement i mod n, and still falls back to the rest", async () => {
    const cloud = await mockCloud();
    const fleet = new GpuFleet("spread", args({ replicas: 4, spread: true }));
    await drain(fleet);
    const [east, west] = args().placements;
    expect(cloud.pods().map((p) => p.inputs.placements)).toEqual([
      [east, west],
      [west, east],
      [east, west],
      [west, east],
    ]);
    const replicas = await settled(fleet.replicas);
    expect(replicas.map((r) => [r.region, r.placementIndex])).toEqual([
      ["us-east-1", 0],
      ["us-west-2", 1],
      ["us-east-1", 0],
      ["us-west-2", 1],
    ]);
  });

  test("outputs: what each replica got, in the fleet's own placement numbering", async () => {
    await mockCloud({ full: ["us-east-1"], prices: { [H100]: 2.5 } });
    const fleet = new GpuFleet("outputs", args({ replicas: 2, spread: true }));
    const replicas = await settled(fleet.replicas);
    expect(replicas).toEqual([
      expect.objectContaining({
        name: "outputs-0-a1b2c3d",
        id: "outputs-0-id",
        region: "us-west-2",
        gpuType: H100,
        placementIndex: 1,
        sshCommand: "ssh root@outputs-0.invalid",
        hourlyPrice: 5,
      }),
      expect.objectContaining({ region: "us-west-2", placementIndex: 1 }),
    ]);
    expect(await settled(fleet.totalHourlyCost)).toBe(10);
    expect(await settled(fleet.totalGpus)).toBe(4);
  });

  test("the template's own volumes are kept; the shared one is added, in its region", async () => {
    const cloud = await mockCloud();
    const fleet = new GpuFleet(
      "shared",
      args({
        template: {
          image: "x",
          gpuCount: 1,
          volumes: [{ volumeId: "42", mountPath: "/models" }],
        },
        placements: [{ gpuType: H100, regions: ["us-west-2", "us-east-1"] }, { gpuType: A100 }],
        sharedVolume: { sizeInGb: 100, mountPath: "/data", region: "us-east-1" },
      }),
    );
    await drain(fleet);
    const volume = cloud.registrations.find((r) => r.type.endsWith(":Volume"));
    expect(volume).toMatchObject({
      name: "shared-shared",
      inputs: { storageType: "CEPH", region: "us-east-1", sizeInGb: 100 },
    });
    for (const pod of cloud.pods()) {
      expect(pod.inputs.volumes).toEqual([
        { volumeId: "42", mountPath: "/models" },
        { volumeId: "shared-shared-id", mountPath: "/data", volumeType: "CEPH" },
      ]);
      // A CEPH volume mounts only in its region: every placement narrows to it.
      expect(pod.inputs.placements).toEqual([
        { gpuType: H100, regions: ["us-east-1"] },
        { gpuType: A100, regions: ["us-east-1"] },
      ]);
    }
  });

  test("a shared volume defaults to the first placement's first region", async () => {
    const cloud = await mockCloud();
    const fleet = new GpuFleet(
      "defaulted",
      args({
        placements: [{ gpuType: H100, regions: ["eu-3"] }, { gpuType: A100 }],
        sharedVolume: { sizeInGb: 10, mountPath: "/data" },
      }),
    );
    await drain(fleet);
    expect(cloud.registrations.find((r) => r.type.endsWith(":Volume"))?.inputs.region).toBe("eu-3");
  });

  test("scaling to 0 keeps the component and registers no pod", async () => {
    const cloud = await mockCloud();
    const fleet = new GpuFleet("empty", args({ replicas: 0 }));
    expect(await settled(fleet.totalHourlyCost)).toBe(0);
    expect(cloud.pods()).toEqual([]);
  });
});

describe("GpuFleet refuses before registering anything", () => {
  test.each([
    {
      name: "a fractional replica count",
      extra: { replicas: 2.5 },
      message: /replicas must be a whole number of at least 0.*2\.5/,
    },
    {
      name: "a replica count that is an output",
      extra: { replicas: pulumi.output(3) as unknown as number },
      message: /replicas must be .* known when the program runs, not an output/,
    },
    {
      name: "gpuCount not a power of two",
      extra: { template: { image: "x", gpuCount: 3 } },
      message: /template\.gpuCount must be a power of two/,
    },
    { name: "no placements", extra: { placements: [] }, message: /at least one/ },
    {
      name: "parallelism 0",
      extra: { parallelism: 0 },
      message: /parallelism must be a whole number of at least 1/,
    },
    {
      name: "a placement that cannot reach the shared volume",
      extra: { sharedVolume: { sizeInGb: 10, mountPath: "/d", region: "us-east-1" } },
      message:
        /placements\[1\] \(NVIDIA_H100_80G in \[us-west-2\]\) cannot mount the shared volume in us-east-1/,
    },
    {
      name: "a shared volume with nowhere to go",
      extra: {
        placements: [{ gpuType: H100 }],
        sharedVolume: { sizeInGb: 10, mountPath: "/d" },
      },
      message: /sharedVolume\.region is required/,
    },
    {
      name: "a negative budget",
      extra: { budget: { maxHourlyCost: -1 } },
      message: /budget\.maxHourlyCost must be a number of at least 0/,
    },
    {
      name: "too many GPUs",
      extra: { replicas: 6, budget: { maxGpus: 8 } },
      message:
        /over budget, so nothing was created:\n {2}- fleet f needs 12 GPUs \(6 × 2 GPUs\), over budget\.maxGpus 8/,
    },
    {
      name: "a GPU type outside the allowed ones",
      extra: {
        placements: [{ gpuType: H100 }, { gpuType: A100 }],
        budget: { allowedGpuTypes: [H100] },
      },
      message:
        /fleet f may use NVIDIA_A100_80G, not in budget\.allowedGpuTypes \[NVIDIA_H100_80G\]/,
    },
    {
      name: "a worst case over the hourly limit",
      extra: {
        placements: [{ gpuType: A100 }, { gpuType: H100 }],
        budget: { maxHourlyCost: 12, prices: { [A100]: 1.8, [H100]: 2.5 } },
      },
      message:
        /fleet f could cost up to \$15\.00\/h \(3 pods × \(2 × NVIDIA_H100_80G at \$2\.50\/GPU-h\)/,
    },
  ])("$name", async ({ extra, message }) => {
    const cloud = await mockCloud();
    expect(() => new GpuFleet("f", args(extra as Partial<GpuFleetArgs>))).toThrow(message);
    expect(cloud.registrations).toEqual([]);
  });

  test("every problem is named at once", async () => {
    await mockCloud();
    expect(() => new GpuFleet("f", args({ replicas: -1, parallelism: 0 }))).toThrow(
      /replicas must .*; parallelism must/,
    );
  });

  test("within every limit, the fleet is created", async () => {
    const cloud = await mockCloud({ prices: { [H100]: 2.5 } });
    const fleet = new GpuFleet(
      "fits",
      args({
        budget: {
          maxGpus: 6,
          allowedGpuTypes: [H100],
          maxHourlyCost: 15,
          prices: { [H100]: 2.5 },
        },
      }),
    );
    expect(await settled(fleet.totalHourlyCost)).toBe(15);
    expect(cloud.pods()).toHaveLength(3);
  });
});

// A price over the limit fails the program through an unhandled rejection, the SDK's way of
// failing a program, which jest would pin on whichever test runs at that moment: those cases run
// through the real engine in tests/e2e/fleet.test.ts, and costOverrun's arithmetic in budget.test.ts.
describe("GpuFleet counts prices it learns only after creation", () => {
  test("without budget.prices: a warning, then the total is what the replicas report", async () => {
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    await mockCloud({ prices: { [H100]: 2.5 } });
    const fleet = new GpuFleet("reported", args({ budget: { maxHourlyCost: 15 } }));
    expect(await settled(fleet.totalHourlyCost)).toBe(15);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /fleet reported: no price in budget\.prices for NVIDIA_H100_80G; budget\.maxHourlyCost is checked once/,
      ),
    );
    warn.mockRestore();
  });

  test("a price the API does not report falls back to budget.prices", async () => {
    await mockCloud({ prices: {} });
    const fleet = new GpuFleet(
      "fallback",
      args({ replicas: 2, budget: { maxHourlyCost: 100, prices: { [H100]: 3 } } }),
    );
    expect(await settled(fleet.totalHourlyCost)).toBe(12);
  });
});
