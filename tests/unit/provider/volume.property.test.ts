/**
 * Volumes: `check` passes exactly when the client accepts the create request built from the
 * inputs, and the emulator accepts every create whose inputs passed.
 */
import fc from "fast-check";
import { VolumeCreate } from "../../../client";
import * as volume from "../../../provider/volume";
import {
  BAD_IDS,
  BAD_NAMES,
  EMULATOR_RUNS,
  OFFLINE_RUNS,
  agreesWithClient,
  emulatorAndClient,
  goodId,
  goodName,
  maybe,
  mostly,
  regionCode,
  sendIfChecked,
} from "./inputs.arbitraries";

type Inputs = Record<string, unknown>;

const request = (inputs: Inputs) => volume.createBody(inputs as volume.VolumeInputs);

const STORAGE = ["S3", "R2", "CEPH", "VENDOR"] as const;

/** `adoptId` and `timeouts` are the provider's own; a bad adoptId is the one input besides. */
const roughVolume = fc.record({
  name: mostly(goodName, ...BAD_NAMES),
  storageType: mostly(fc.constantFrom(...STORAGE), "NFS", "ceph"),
  region: maybe(mostly(regionCode, "")),
  sizeInGb: maybe(mostly(fc.integer({ min: 1, max: 10240 }), 0, 10241, 1.5, 1e300)),
  vendorVolumeType: maybe(mostly(fc.constantFrom("NVMe", "HDD"), "SSD")),
});

describe("volume: check and the client agree", () => {
  it("check passes exactly when the client would send the create request", async () => {
    await fc.assert(
      fc.asyncProperty(roughVolume, agreesWithClient(volume.check, VolumeCreate, request)),
      OFFLINE_RUNS,
    );
  });

  it("an id to adopt passes check exactly when it is an id", async () => {
    await fc.assert(
      fc.asyncProperty(mostly(goodId, ...BAD_IDS), async (adoptId) => {
        const base = { name: "v", storageType: "S3" };
        const { inputs, failures } = await volume.check({}, { ...base, adoptId });
        const good =
          typeof adoptId === "string"
            ? /^[1-9]\d{0,18}$/.test(adoptId) && BigInt(adoptId) < 2n ** 63n
            : Number.isSafeInteger(adoptId) && (adoptId as number) > 0;
        expect(failures.map((f) => f.property)).toEqual(good ? [] : ["adoptId"]);
        if (good) expect(inputs.adoptId).toBe(String(adoptId));
      }),
      OFFLINE_RUNS,
    );
  });
});

describe("volume: the emulator accepts what check passed", () => {
  const env = emulatorAndClient();

  /** Regions come from the catalogue; whatever else `check` passes, the emulator must accept. */
  it("accepts every create request whose inputs passed check", async () => {
    await fc.assert(
      fc.asyncProperty(roughVolume, async (raw: Inputs) => {
        // Names are unique per account: each run starts from an empty one.
        env.cloud.admin.reset();
        const made = await sendIfChecked(volume.check, raw, (i) =>
          env.client.volumes.create(request(i)),
        );
        if (made) expect(made.sent).toMatchObject({ name: raw.name });
      }),
      EMULATOR_RUNS,
    );
  });
});
