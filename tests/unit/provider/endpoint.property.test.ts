/**
 * Endpoints: `check` passes exactly when the client accepts the create request built from the
 * inputs (and then accepts the update request too), and the emulator accepts every create and
 * update whose inputs passed.
 */
import fc from "fast-check";
import { EndpointCreate, EndpointUpdate } from "../../../client";
import * as endpoint from "../../../provider/endpoint";
import {
  BAD_COUNTS,
  BAD_GPU_COUNTS,
  BAD_IDS,
  BAD_IMAGES,
  EMULATOR_RUNS,
  GPU_CODES,
  OFFLINE_RUNS,
  agreesWithClient,
  clientRefusal,
  emulatorAndClient,
  goodId,
  goodImage,
  gpu,
  gpuCount,
  maybe,
  mostly,
  regionCode,
  roughEnvKey,
  sendIfChecked,
  shortName,
} from "./inputs.arbitraries";

type Inputs = Record<string, unknown>;

const create = (inputs: Inputs) => endpoint.createBody(inputs as endpoint.EndpointInputs);
const update = (before: Inputs, after: Inputs) =>
  endpoint.patchBody(before as endpoint.EndpointInputs, after as endpoint.EndpointInputs);

const count = (min: number, max: number) => mostly(fc.integer({ min, max }), ...BAD_COUNTS);
const place = (region: string, gpuType: string, gpuCount: unknown) => ({
  region,
  gpuType,
  gpuCount,
});

/** One gpuCount for every entry, each region and GPU type once; now and then not. */
const roughResources = mostly(
  fc
    .tuple(
      fc.uniqueArray(fc.tuple(regionCode, fc.constantFrom(...GPU_CODES.slice(0, 4))), {
        selector: ([r, g]) => `${r}/${g}`,
        minLength: 1,
        maxLength: 3,
      }),
      mostly(gpuCount, ...BAD_GPU_COUNTS),
    )
    .map(([places, n]) => places.map(([r, g]) => place(r, g, n))),
  [],
  [place("us-east-1", GPU_CODES[0]!, 1), place("us-west-1", GPU_CODES[0]!, 2)],
  [place("us-east-1", GPU_CODES[0]!, 1), place("us-east-1", GPU_CODES[0]!, 1)],
  [place("", GPU_CODES[0]!, 1)],
  [{ ...place("us-east-1", GPU_CODES[0]!, 1), zone: "a" }],
);

/** Only what reaches the requests varies; `running`, `timeouts` and `adoptId` have own tests. */
const roughEndpoint = fc.record({
  name: mostly(shortName, "", "9lives", "a".repeat(21), "my llm", " "),
  image: mostly(goodImage, ...BAD_IMAGES),
  imageRegistry: maybe(mostly(fc.constantFrom("ghcr.io", "registry.example:5000"), "ghcr .io")),
  credentialId: maybe(mostly(goodId, ...BAD_IDS)),
  resources: roughResources,
  workers: count(1, 100),
  containerVolumeInGb: mostly(fc.integer({ min: 20, max: 500 }), 19, 0, 2 ** 31, 1e300),
  minSingleCardVramInGb: maybe(count(0, 24)),
  minSingleCardRamInGb: maybe(count(0, 256)),
  minSingleCardVcpu: maybe(count(0, 64)),
  initializationCommand: maybe(fc.string({ maxLength: 20 })),
  environment: fc.dictionary(roughEnvKey, mostly(fc.string({ minLength: 1 }), "", 1), {
    maxKeys: 3,
  }),
  expose: maybe(
    mostly(
      fc.record({
        port: fc.integer({ min: 1, max: 65535 }),
        protocol: fc.constantFrom("http", "tcp", "HTTP", "Tcp"),
      }),
      { port: 0, protocol: "http" },
      { port: 70000, protocol: "tcp" },
      { port: 80, protocol: "udp" },
      [{ port: 80, protocol: "http" }],
    ),
  ),
  serviceMode: mostly(fc.constantFrom("ALB", "QUEUE", "CUSTOM"), "LB", "alb"),
  webhook: maybe(mostly(fc.string({ maxLength: 40 }), "w".repeat(513))),
});

describe("endpoint: check and the client agree", () => {
  it("check passes exactly when the client would send the create request", async () => {
    await fc.assert(
      fc.asyncProperty(roughEndpoint, agreesWithClient(endpoint.check, EndpointCreate, create)),
      OFFLINE_RUNS,
    );
  });

  it("an update between inputs that passed check is a request the client sends", async () => {
    await fc.assert(
      fc.asyncProperty(roughEndpoint, roughEndpoint, async (a, b) => {
        const before = await endpoint.check({}, a);
        const after = await endpoint.check({}, b);
        fc.pre(before.failures.length === 0 && after.failures.length === 0);
        expect(clientRefusal(EndpointUpdate, update(before.inputs, after.inputs))).toBeUndefined();
      }),
      OFFLINE_RUNS,
    );
  });
});

describe("endpoint: the emulator accepts what check passed", () => {
  const env = emulatorAndClient();
  let credentialId: string;

  beforeAll(async () => {
    const made = await env.client.credentials.create({ name: "reg", username: "u", password: "p" });
    credentialId = made.id;
  });

  /**
   * Inputs within the catalogue (each GPU type in regions that sell it, at most 8 GPUs and 100
   * workers, the credential that exists), with now and then a value the documents rule out:
   * whatever `check` passes, the emulator must accept.
   */
  const catalogued = fc
    .uniqueArray(gpu, { selector: (g) => g.code, minLength: 1, maxLength: 2 })
    .chain((gpus) =>
      fc.record({
        name: mostly(shortName, "9lives", "a".repeat(21), " "),
        image: mostly(goodImage, ...BAD_IMAGES),
        imageRegistry: maybe(mostly(fc.constantFrom("ghcr.io", "registry.example:5000"), "r e")),
        credential: fc.constantFrom("none", "ours", "bad"),
        badCredential: fc.constantFrom(...BAD_IDS),
        resources: fc
          .tuple(
            ...gpus.map((g) =>
              fc.uniqueArray(fc.constantFrom(...g.regions), { minLength: 1, maxLength: 2 }),
            ),
            mostly(gpuCount, ...BAD_GPU_COUNTS),
          )
          .map((parts) => {
            const n = parts[parts.length - 1];
            return gpus.flatMap((g, i) =>
              (parts[i] as string[]).map((region) => place(region, g.code, n)),
            );
          }),
        workers: mostly(fc.integer({ min: 1, max: 100 }), ...BAD_COUNTS),
        containerVolumeInGb: mostly(fc.integer({ min: 20, max: 500 }), 19, 2 ** 31, 1e300),
        minSingleCardVramInGb: maybe(
          mostly(
            fc.integer({ min: 0, max: Math.min(...gpus.map((g) => g.vramGb)) }),
            ...BAD_COUNTS,
          ),
        ),
        minSingleCardRamInGb: maybe(count(0, 256)),
        minSingleCardVcpu: maybe(count(0, 64)),
        initializationCommand: maybe(fc.string({ maxLength: 20 })),
        environment: fc.dictionary(roughEnvKey, mostly(fc.string({ minLength: 1 }), ""), {
          maxKeys: 3,
        }),
        expose: maybe(
          fc.record({
            port: mostly(fc.integer({ min: 1, max: 65535 }), 0, 70000),
            protocol: mostly(fc.constantFrom("http", "tcp", "HTTP"), "udp"),
          }),
        ),
        serviceMode: mostly(fc.constantFrom("ALB", "QUEUE", "CUSTOM"), "LB"),
        webhook: maybe(mostly(fc.string({ maxLength: 40 }), "w".repeat(513))),
      }),
    )
    .map(({ credential, badCredential, ...rest }): Inputs => ({
      ...rest,
      credentialId:
        credential === "ours" ? credentialId : credential === "bad" ? badCredential : undefined,
    }));

  it("accepts every create, and every update, whose inputs passed check", async () => {
    await fc.assert(
      fc.asyncProperty(catalogued, catalogued, async (a, b) => {
        const { client, cloud } = env;
        const made = await sendIfChecked(endpoint.check, a, (i) =>
          client.endpoints.create(create(i)),
        );
        if (!made) return;
        // The service refuses a PATCH while the endpoint is starting; let it start.
        cloud.admin.settle();
        const { id } = made.sent;
        const changed = await sendIfChecked(
          endpoint.check,
          { ...b, name: a.name },
          (i) => client.endpoints.update(id, update(made.inputs, i)),
          made.inputs,
        );
        if (changed) expect(changed.sent).toMatchObject({ id });
      }),
      EMULATOR_RUNS,
    );
  });
});
