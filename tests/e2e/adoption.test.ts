// Adoption: resources made outside Pulumi (here through the client, as a console or a script would
// make them) taken under management with `adoptId`, our stand-in for `pulumi import`, which the
// engine does not support for dynamic resources. Nothing may be created for them, the next preview
// must be empty, and an id whose resource does not match the program must fail before anything
// is made.
import * as yotta from "pulumi-yotta";
import {
  createYottaStack,
  failureOf,
  stateResources,
  type YottaStack,
} from "../support/yotta-stack";

const GPU = "NVIDIA_RTX_4090_24G";
const REGION = "us-east-1";

/** The routes whose POST makes a new resource. */
const CREATE_ROUTES = [
  "/v2/pods",
  "/v2/serverless",
  "/v2/volumes",
  "/v2/container-registry-auths",
  "/v2/vms",
];

interface Existing {
  pod: string;
  endpoint: string;
  volume: string;
  credential: string;
  vm: string;
  /** A pod nobody declares: the target of a mismatched adoption. */
  stranger: string;
}

describe("adopting existing resources", () => {
  let t: YottaStack;
  const existing = {} as Existing;
  // Adds, when set, a pod whose declared image is not the one the existing pod runs.
  const spec = { mismatched: false };

  beforeAll(async () => {
    t = await createYottaStack({
      name: "e2e-adoption",
      program: async () => {
        const pod = new yotta.Pod("trainer", {
          adoptId: existing.pod,
          name: "console-trainer",
          image: "pytorch/pytorch:2.4.0",
          gpuType: GPU,
          gpuCount: 1,
          regions: [REGION],
        });
        const endpoint = new yotta.Endpoint("server", {
          adoptId: existing.endpoint,
          name: "consoleServer",
          image: "vllm/vllm-openai:v0.6.0",
          resources: [{ region: REGION, gpuType: GPU, gpuCount: 1 }],
          workers: 1,
          containerVolumeInGb: 20,
          serviceMode: "ALB",
        });
        const volume = new yotta.Volume("data", {
          adoptId: existing.volume,
          name: "console-data",
          storageType: "CEPH",
          region: REGION,
          sizeInGb: 50,
        });
        const credential = new yotta.Credential("registry", {
          adoptId: existing.credential,
          name: "consoleRegistry",
          username: "ci-bot",
          password: "registry-pass-5e2a",
        });
        const vm = new yotta.Vm("box", {
          adoptId: existing.vm,
          name: "console-box",
          gpuType: GPU,
          region: REGION,
        });
        const impostor = spec.mismatched
          ? new yotta.Pod("impostor", {
              adoptId: existing.stranger,
              name: "console-stranger",
              image: "pytorch/pytorch:2.5.0",
              gpuType: GPU,
              gpuCount: 1,
            })
          : undefined;
        const ids = Object.fromEntries(
          Object.entries({ pod, endpoint, volume, credential, vm }).map(([k, r]) => [k, r.id]),
        );
        // Known once the engine has answered the impostor's registration, failed or not.
        return impostor ? { ...ids, impostor: impostor.urn } : ids;
      },
    });

    // Made directly through the API, as someone in the console would have made them.
    const client = t.client;
    const pod = (name: string, image: string) =>
      client.pods.create({ name, image, gpuType: GPU, gpuCount: 1, regions: [REGION] });
    existing.pod = (await pod("console-trainer", "pytorch/pytorch:2.4.0")).id;
    existing.stranger = (await pod("console-stranger", "pytorch/pytorch:2.4.0")).id;
    existing.endpoint = (
      await client.endpoints.create({
        name: "consoleServer",
        image: "vllm/vllm-openai:v0.6.0",
        resources: [{ region: REGION, gpuType: GPU, gpuCount: 1 }],
        workers: 1,
        containerVolumeInGb: 20,
        serviceMode: "ALB",
      })
    ).id;
    existing.volume = (
      await client.volumes.create({
        name: "console-data",
        storageType: "CEPH",
        region: REGION,
        sizeInGb: 50,
      })
    ).id;
    existing.credential = (
      await client.credentials.create({
        name: "consoleRegistry",
        username: "someone-else",
        password: "old-pass",
      })
    ).id;
    const types = await client.vms.types();
    const vmTypeId = types
      .find((type) => type.gpuType === GPU)!
      .regions.find((r) => r.region === REGION)!.vmTypeId;
    existing.vm = (await client.vms.create({ vmTypeId, region: REGION, name: "console-box" })).id;
    t.emulator.admin.settle();
  });

  afterAll(() => t?.dispose());

  test("up adopts all five without creating anything", async () => {
    t.emulator.admin.clearRequests();
    const up = await t.stack.up();

    expect(up.summary.resourceChanges).toEqual({ create: 7 });
    const { stranger: _notDeclared, ...declared } = existing;
    for (const [key, id] of Object.entries(declared)) expect(up.outputs[key]?.value).toBe(id);

    const creates = t.emulator.admin
      .requests({ method: "POST" })
      .filter((r) => CREATE_ROUTES.includes(r.route ?? ""));
    expect(creates).toEqual([]);
    // The one write: the credential's username and password set as declared, since the secret
    // cannot be read back to compare.
    const writes = t.emulator.admin.requests().filter((r) => r.method !== "GET");
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PATCH /v2/container-registry-auths/${existing.credential}`,
    ]);
    expect(t.emulator.admin.get("credential", existing.credential)).toMatchObject({
      username: "ci-bot",
      password: "registry-pass-5e2a",
    });
    // Nothing else was made either.
    expect(t.emulator.admin.list("pod")).toHaveLength(2);
    for (const kind of ["endpoint", "volume", "credential", "vm"] as const) {
      expect(t.emulator.admin.list(kind)).toHaveLength(1);
    }
  });

  test("the next preview and a refresh show no changes", async () => {
    const preview = await t.stack.preview();
    expect(preview.changeSummary).toEqual({ same: 7 });

    t.emulator.admin.clearRequests();
    const refresh = await t.stack.refresh({ expectNoChanges: true });
    expect(refresh.summary.result).toBe("succeeded");
    expect(t.emulator.admin.requests().filter((r) => r.method !== "GET")).toEqual([]);
  });

  test("adopting a pod that does not match the program fails and makes nothing", async () => {
    spec.mismatched = true;
    t.emulator.admin.clearRequests();
    try {
      // Without continueOnError the engine stops at the failed create and exits without waiting
      // for the program, which runs in this process with its calls still in flight. With it, the
      // engine answers the failed registration and ends only after the program has finished.
      const message = await failureOf(t.stack.up({ continueOnError: true }));

      expect(message).toContain(
        `adoptId: pod ${existing.stranger} does not match the declared inputs: ` +
          'image is "pytorch/pytorch:2.4.0", declared "pytorch/pytorch:2.5.0"',
      );
      // The outputs the program registered last, after the failure, reached the state: nothing of
      // the program was left running when the engine ended.
      expect((await t.stack.outputs()).impostor?.value).toMatch(/::impostor$/);
    } finally {
      spec.mismatched = false;
    }
    expect(t.emulator.admin.requests().filter((r) => r.method !== "GET")).toEqual([]);
    expect(t.emulator.admin.list("pod").map((p) => [p.id, p.status])).toEqual([
      [existing.pod, "RUNNING"],
      [existing.stranger, "RUNNING"],
    ]);
    const state = await stateResources(t);
    expect(state.has("impostor")).toBe(false);
    expect(state.get("trainer")?.id).toBe(existing.pod);
  });
});
