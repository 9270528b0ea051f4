/**
 * VMs: `check` passes exactly when the client accepts the create request built from the inputs,
 * and the emulator accepts every create whose inputs passed.
 */
import fc from "fast-check";
import { VmCreate } from "../../../client";
import type { VmCreate as VmRequest } from "../../../client";
import * as vm from "../../../provider/vm";
import {
  BAD_NAMES,
  EMULATOR_RUNS,
  OFFLINE_RUNS,
  agreesWithClient,
  emulatorAndClient,
  goodName,
  goodPath,
  gpu,
  gpuCode,
  maybe,
  mostly,
  regionCode,
  sendIfChecked,
} from "./inputs.arbitraries";

type Inputs = Record<string, unknown>;

/**
 * The create request, as `create` builds it (inline there). `create` resolves the GPU type and
 * region to a VM type id through the types call, so that id is a stand-in here, and `gpuType`
 * (which only that lookup reads) is always good.
 */
function request(inputs: Inputs, vmTypeId = "1000"): VmRequest {
  const mounts = (inputs.volumeMountPaths ?? {}) as Record<string, unknown>;
  return {
    vmTypeId,
    region: inputs.region,
    name: inputs.name,
    isSpot: inputs.isSpot,
    ...(Object.keys(mounts).length > 0 ? { volumeMountPaths: mounts } : {}),
  } as VmRequest;
}

const volumeKey = fc.oneof(
  { arbitrary: fc.constantFrom("5", "6", "7"), weight: 10 },
  { arbitrary: fc.stringMatching(/^[1-9]\d{0,18}$/), weight: 5 },
  { arbitrary: fc.constantFrom("vol-1", "0", "07", "9223372036854775808"), weight: 1 },
);

const roughVm = fc.record({
  name: mostly(goodName, ...BAD_NAMES),
  gpuType: gpuCode,
  region: mostly(regionCode, ""),
  isSpot: maybe(mostly(fc.boolean(), 1, "true")),
  volumeMountPaths: maybe(
    fc.dictionary(volumeKey, mostly(goodPath, "data", "", "/a\nb"), { maxKeys: 3 }),
  ),
});

describe("vm: check and the client agree", () => {
  it("check passes exactly when the client would send the create request", async () => {
    await fc.assert(
      fc.asyncProperty(
        roughVm,
        agreesWithClient(vm.check, VmCreate, (i) => request(i)),
      ),
      OFFLINE_RUNS,
    );
  });
});

describe("vm: the emulator accepts what check passed", () => {
  const env = emulatorAndClient();

  /**
   * Inputs within the catalogue (a GPU type in a region that sells it, volumes that exist there),
   * with now and then a value the documents rule out: whatever `check` passes, the emulator must
   * accept.
   */
  const catalogued = gpu.chain((g) =>
    fc.record({
      name: mostly(goodName, ...BAD_NAMES),
      gpuType: fc.constant(g.code),
      region: fc.constantFrom(...g.regions),
      isSpot: maybe(mostly(fc.boolean(), 1)),
      // Volumes to make and mount: a path each (repeats come up), now and then a bad key.
      mounts: fc.array(
        fc.tuple(mostly(goodPath, "data", "/a\nb"), maybe(fc.constantFrom("0", "07", "vol-1"))),
        {
          maxLength: 3,
        },
      ),
    }),
  );

  it("accepts every create request whose inputs passed check", async () => {
    const { client, cloud } = env;
    const types = await client.vms.types();
    await fc.assert(
      fc.asyncProperty(catalogued, async ({ mounts, ...raw }) => {
        const volumeMountPaths: Record<string, unknown> = {};
        for (const [i, [path, badKey]] of mounts.entries()) {
          const v = await client.volumes.create({
            name: `v${cloud.admin.now()}-${i}`,
            storageType: "CEPH",
            region: raw.region,
            sizeInGb: 10,
          });
          volumeMountPaths[badKey ?? v.id] = path;
        }
        cloud.admin.settle();
        const vmTypeId = types
          .find((t) => t.gpuType === raw.gpuType)
          ?.regions.find((r) => r.region === raw.region)?.vmTypeId;
        const made = await sendIfChecked(vm.check, { ...raw, volumeMountPaths }, (i) =>
          client.vms.create(request(i, vmTypeId)),
        );
        if (made) expect(made.sent).toMatchObject({ name: raw.name });
      }),
      EMULATOR_RUNS,
    );
  });
});
