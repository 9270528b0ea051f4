import { startEmulator, type RunningEmulator } from "../../emulator";
import { YottaClient } from "../../client";
import {
  getGpuTypes,
  listCredentials,
  listEndpoints,
  listPods,
  listVolumes,
} from "../../sdk/lookups";

describe("lookups", () => {
  let emulator: RunningEmulator;
  let options: { apiKey: string; apiUrl: string };

  beforeAll(async () => {
    emulator = await startEmulator();
    options = { apiKey: emulator.apiKey, apiUrl: emulator.url };
    const client = new YottaClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
    await client.pods.create({
      name: "a",
      image: "img",
      gpuType: "NVIDIA_RTX_4090_24G",
      gpuCount: 1,
    });
    await client.volumes.create({
      name: "v",
      storageType: "CEPH",
      region: "us-east-1",
      sizeInGb: 10,
    });
    await client.volumes.create({ name: "s", storageType: "S3" });
    await client.credentials.create({ name: "reg", username: "u", password: "p" });
    await client.close();
  });
  afterAll(() => emulator.close());

  test("GPU types with the regions that have capacity now", async () => {
    emulator.admin.addFault({
      type: "noCapacity",
      region: "us-east-1",
      gpuType: "NVIDIA_H100_80G",
    });
    const types = await getGpuTypes(options);
    const h100 = types.find((t) => t.gpuType === "NVIDIA_H100_80G");
    expect(h100?.regions.map((r) => r.region)).toContain("us-east-1");
    expect(h100?.availableRegions).not.toContain("us-east-1");
    expect(h100?.availableRegions.length).toBeGreaterThan(0);
  });

  test("lists what the account holds", async () => {
    expect((await listPods(options)).map((p) => p.name)).toEqual(["a"]);
    expect((await listEndpoints(options)).length).toBe(0);
    expect((await listVolumes(options)).map((v) => v.name).sort()).toEqual(["s", "v"]);
    expect((await listVolumes({ ...options, storageType: "S3" })).map((v) => v.name)).toEqual([
      "s",
    ]);
    expect((await listCredentials(options)).map((c) => c.name)).toEqual(["reg"]);
  });

  test("outside a program, the environment supplies the key and URL", async () => {
    process.env.YOTTA_API_KEY = emulator.apiKey;
    process.env.YOTTA_API_URL = emulator.url;
    expect((await listPods()).length).toBe(1);
  });
});
