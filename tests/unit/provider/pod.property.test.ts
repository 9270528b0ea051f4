/**
 * Pods: `check` passes exactly when the client accepts the create request built from the inputs,
 * and the emulator (the other reading of the API) accepts every request whose inputs passed.
 */
import fc from "fast-check";
import { PodCreate } from "../../../client";
import * as pod from "../../../provider/pod";
import {
  BAD_COUNTS,
  BAD_GPU_COUNTS,
  BAD_IDS,
  BAD_IMAGES,
  BAD_NAMES,
  EMULATOR_RUNS,
  OFFLINE_RUNS,
  agreesWithClient,
  emulatorAndClient,
  envValue,
  goodId,
  goodImage,
  goodName,
  goodPath,
  gpu,
  gpuCode,
  gpuCount,
  maybe,
  mostly,
  regionCode,
  roughEnvKey,
  sendIfChecked,
} from "./inputs.arbitraries";

type Inputs = Record<string, unknown>;

/** The create request for `inputs`, as the provider builds it (one placement). */
function request(inputs: Inputs) {
  const typed = inputs as pod.PodInputs;
  return pod.createBody(typed, { gpuType: typed.gpuType!, regions: typed.regions });
}

const count = (min: number, max: number) => mostly(fc.integer({ min, max }), ...BAD_COUNTS);

/**
 * Inputs mostly good, now and then bad. Only what reaches the request varies: `running`,
 * `timeouts`, `placements` and `adoptId` are the provider's own and have their own tests. Ports
 * always carry a protocol, which `check` requires and the request schema leaves optional.
 */
const roughPod = fc.record({
  name: mostly(goodName, ...BAD_NAMES),
  image: mostly(goodImage, ...BAD_IMAGES),
  imageRegistry: maybe(mostly(fc.constantFrom("ghcr.io", "registry.example:5000"), "ghcr .io")),
  imagePublicType: maybe(mostly(fc.constantFrom("PUBLIC", "PRIVATE"), "private")),
  credentialId: maybe(mostly(goodId, ...BAD_IDS)),
  resourceType: maybe(mostly(fc.constantFrom("GPU", "CPU"), "TPU")),
  gpuType: mostly(gpuCode, ""),
  gpuCount: mostly(gpuCount, ...BAD_GPU_COUNTS),
  regions: maybe(
    mostly(fc.uniqueArray(regionCode, { minLength: 1, maxLength: 3 }), ["eu-2", "eu-2"], [""]),
  ),
  minSingleCardVramInGb: maybe(count(0, 80)),
  minSingleCardRamInGb: maybe(count(0, 256)),
  minSingleCardVcpu: maybe(count(0, 64)),
  shmInGb: maybe(count(1, 64)),
  containerVolumeInGb: maybe(count(1, 500)),
  persistentVolumeInGb: maybe(count(0, 100)),
  persistentMountPath: maybe(mostly(goodPath, "data", "", "/a\nb")),
  initializationCommand: maybe(fc.string({ maxLength: 20 })),
  environment: fc.dictionary(roughEnvKey, mostly(fc.string({ minLength: 1 }), "", 1), {
    maxKeys: 3,
  }),
  expose: maybe(
    fc.array(
      fc.record({
        port: mostly(fc.constantFrom(22, 80, 8080, 8888), -1, 70000, 1.5),
        protocol: mostly(fc.constantFrom("SSH", "HTTP", "TCP"), "UDP", "ssh"),
      }),
      { maxLength: 3 },
    ),
  ),
  volumes: fc.array(
    fc.record({
      volumeId: mostly(goodId, ...BAD_IDS),
      mountPath: mostly(goodPath, "data", ""),
      volumeType: maybe(mostly(fc.constantFrom("CEPH", "VENDOR"), "NFS")),
      needBackup: maybe(fc.boolean()),
    }),
    { maxLength: 3 },
  ),
});

describe("pod: check and the client agree", () => {
  it("check passes exactly when the client would send the create request", async () => {
    await fc.assert(
      fc.asyncProperty(roughPod, agreesWithClient(pod.check, PodCreate, request)),
      OFFLINE_RUNS,
    );
  });
});

describe("pod: the emulator accepts what check passed", () => {
  const env = emulatorAndClient();
  let credentialId: string;
  /** Active CEPH volumes in us-east-1. */
  let volumeIds: string[];
  const VOLUME_REGION = "us-east-1";

  beforeAll(async () => {
    const { client, cloud } = env;
    credentialId = (await client.credentials.create({ name: "reg", username: "u", password: "p" }))
      .id;
    volumeIds = [];
    for (const name of ["v1", "v2", "v3"]) {
      const v = await client.volumes.create({
        name,
        storageType: "CEPH",
        region: VOLUME_REGION,
        sizeInGb: 10,
      });
      volumeIds.push(v.id);
    }
    cloud.admin.settle();
  });

  /**
   * Inputs within the catalogue (a GPU type in regions that sell it, at most 8 of them, the
   * volumes and credential that exist, volumes where the pod can run), with now and then a value
   * the documents rule out: whatever `check` passes, the emulator must accept.
   */
  const catalogued = () =>
    gpu.chain((g) => {
      const nearVolumes = g.regions.includes(VOLUME_REGION);
      return fc.record({
        name: mostly(goodName, ...BAD_NAMES),
        image: mostly(goodImage, ...BAD_IMAGES),
        imageRegistry: maybe(
          mostly(fc.constantFrom("ghcr.io", "registry.example:5000"), "ghcr .io"),
        ),
        credential: fc.constantFrom("none", "ours", "bad"),
        badCredential: fc.constantFrom(...BAD_IDS),
        imagePublicType: maybe(mostly(fc.constantFrom("PUBLIC", "PRIVATE"), "private")),
        resourceType: maybe(mostly(fc.constantFrom("GPU", "CPU"), "TPU")),
        gpuType: fc.constant(g.code),
        gpuCount: mostly(gpuCount, ...BAD_GPU_COUNTS),
        regions: maybe(
          mostly(fc.uniqueArray(fc.constantFrom(...g.regions), { minLength: 1 }), [
            g.regions[0],
            g.regions[0],
          ]),
        ),
        minSingleCardVramInGb: maybe(mostly(fc.integer({ min: 0, max: g.vramGb }), ...BAD_COUNTS)),
        minSingleCardRamInGb: maybe(count(0, 512)),
        minSingleCardVcpu: maybe(count(0, 64)),
        shmInGb: maybe(count(1, 64)),
        containerVolumeInGb: maybe(count(1, 500)),
        disk: maybe(count(0, 100)),
        diskPath: maybe(mostly(goodPath, "data", "/a\nb")),
        initializationCommand: maybe(fc.string({ maxLength: 20 })),
        environment: fc.dictionary(roughEnvKey, mostly(envValue, ""), { maxKeys: 3 }),
        expose: fc.array(
          fc.record({
            port: mostly(fc.integer({ min: 0, max: 65535 }), -1, 70000),
            protocol: mostly(fc.constantFrom("SSH", "HTTP", "TCP"), "UDP"),
          }),
          { maxLength: 3 },
        ),
        // Indexes into the volumes (repeats come up), each at one of a few paths.
        attached: nearVolumes
          ? fc.array(fc.tuple(fc.constantFrom(0, 1, 2), mostly(goodPath, "data")), { maxLength: 3 })
          : fc.constant([] as [number, unknown][]),
        needBackup: maybe(fc.boolean()),
      });
    });

  it("accepts every create request whose inputs passed check", async () => {
    await fc.assert(
      fc.asyncProperty(catalogued(), async (g) => {
        const { credential, badCredential, disk, diskPath, attached, needBackup, ...rest } = g;
        const regions = rest.regions as string[] | undefined;
        const raw: Inputs = {
          ...rest,
          credentialId:
            credential === "ours" ? credentialId : credential === "bad" ? badCredential : undefined,
          // With volumes attached, the pod must be able to run where they are.
          regions:
            attached.length > 0 && Array.isArray(regions) && !regions.includes(VOLUME_REGION)
              ? [...regions, VOLUME_REGION]
              : regions,
          persistentVolumeInGb: disk,
          persistentMountPath: diskPath,
          volumes: attached.map(([i, mountPath]) => ({
            volumeId: volumeIds[i],
            mountPath,
            needBackup,
          })),
        };
        const made = await sendIfChecked(pod.check, raw, (i) => env.client.pods.create(request(i)));
        if (made) expect(made.sent).toMatchObject({ name: rest.name });
      }),
      EMULATOR_RUNS,
    );
  });
});
