// A whole stack through the real engine: a registry credential, a CEPH volume, two pods mounting
// it (one paused), a queue endpoint and a VM. Deployed, previewed and refreshed without false
// drift, under the documented API shape and under every variant of it the emulator knows, then
// destroyed down to nothing live.
import * as pulumi from "@pulumi/pulumi";
import * as yotta from "pulumi-yotta";
import { DEFAULT_QUIRKS, type Quirks } from "../../emulator";
import {
  apiCalls,
  apiWrites,
  createYottaStack,
  liveRecords,
  readOf,
  stateResources,
  type YottaStack,
} from "../support/yotta-stack";

const REGION = "us-east-1";
const GPU = "NVIDIA_RTX_4090_24G";

/** The full stack: every resource type, every reference between them the API knows. */
function fleet(): Record<string, unknown> {
  const registry = new yotta.Credential("registry", {
    type: "DOCKER_HUB",
    username: "ml-platform",
    password: "registry-password-1",
  });
  const weights = new yotta.Volume("weights", {
    storageType: "CEPH",
    region: REGION,
    sizeInGb: 100,
  });
  const trainers = ["trainer-a", "trainer-b"].map(
    (name, i) =>
      new yotta.Pod(name, {
        image: "ml-platform/trainer:1.4.0",
        imagePublicType: "PRIVATE",
        credentialId: registry.id,
        gpuType: GPU,
        gpuCount: 1,
        regions: [REGION],
        volumes: [{ volumeId: weights.id, mountPath: "/weights" }],
        environment: { WANDB_PROJECT: "fleet", RANK: String(i) },
        expose: [{ port: 22, protocol: "SSH" }],
        // The second trainer waits paused: a paused pod must read back as paused, whatever the
        // service calls the status.
        running: i === 0,
      }),
  );
  const inference = new yotta.Endpoint("inference", {
    image: "ml-platform/serve:1.4.0",
    credentialId: registry.id,
    serviceMode: "QUEUE",
    // Out of canonical order and in upper case on purpose: normalization must make the service's
    // answer compare equal.
    resources: [
      { region: "us-east-2", gpuType: GPU, gpuCount: 1 },
      { region: REGION, gpuType: GPU, gpuCount: 1 },
    ],
    workers: 2,
    containerVolumeInGb: 40,
    environment: { MODEL_DIR: "/models/current", LOG_LEVEL: "info" },
    expose: { port: 8000, protocol: "HTTP" },
  });
  const devbox = new yotta.Vm("devbox", {
    gpuType: GPU,
    region: REGION,
    volumeMountPaths: weights.id.apply((id) => ({ [id]: "/home/ubuntu/weights" })),
  });
  return {
    credentialId: registry.id,
    volumeId: weights.id,
    // Stack outputs may nest: the engine resolves the outputs inside.
    trainers: trainers.map((p) => ({
      id: p.id,
      status: p.status,
      ssh: p.sshCommand,
      region: p.region,
    })),
    endpoint: {
      id: inference.id,
      status: inference.status,
      domain: inference.domain,
      runningWorkers: inference.runningWorkers,
    },
    vm: { id: devbox.id, status: devbox.status, ssh: devbox.sshTemplate },
  };
}

/** The outputs of each resource in the state, without the serialized provider. */
async function recordedOutputs(t: YottaStack): Promise<Record<string, Record<string, unknown>>> {
  const resources = await stateResources(t);
  return Object.fromEntries(
    [...resources.values()].map((r) => {
      const { __provider: _provider, ...outputs } = r.outputs;
      return [r.name, { id: r.id, ...outputs }];
    }),
  );
}

/** Each quirk switch on its own, as the emulator documents them. */
const QUIRK_SETS: [string, Partial<Quirks>][] = [
  ["ids as bare JSON numbers", { numericIds: true }],
  ["endpoint environment as envVars", { endpointEnvField: "envVars" }],
  ["paused pods reported as STOPPED", { pausedPodStatus: "STOPPED" }],
  ["v1's INITIALIZE pod status", { initializingPodStatus: "INITIALIZE" }],
  ["numbers as strings", { stringNumbers: true }],
  ["every timestamp ISO 8601", { timestamps: "iso" }],
  ["every timestamp epoch ms", { timestamps: "epoch" }],
  ["unknown endpoint as 14000", { endpointNotFoundCode: 14000 }],
  ["volume type as `type`", { volumeTypeField: "type" }],
  ["capitalized VM statuses", { vmStatusCase: "capitalized" }],
  ["creates answering the id alone", { createReturnsId: true }],
];

/**
 * The variants a refresh of a settled stack cannot show: the answers to creates, the statuses
 * pods pass through while they start and pause, and the error for an endpoint already deleted.
 * The others change only how a settled resource reads, which the refreshes cover.
 */
const DEPLOY_QUIRK_SETS: [string, Partial<Quirks>][] = [
  ["ids as bare JSON numbers", { numericIds: true }],
  ["numbers as strings", { stringNumbers: true }],
  ["creates answering the id alone", { createReturnsId: true }],
  [
    "v1's pod statuses (INITIALIZE, paused as STOPPED)",
    { initializingPodStatus: "INITIALIZE", pausedPodStatus: "STOPPED" },
  ],
  ["unknown endpoint as 14000", { endpointNotFoundCode: 14000 }],
];

describe("a full stack through the real engine", () => {
  let t: YottaStack;

  beforeAll(async () => {
    t = await createYottaStack({ name: "e2e-deploy", program: async () => fleet() });
  });
  afterAll(() => t?.dispose());

  test("up creates every resource, wired together, and exports their outputs", async () => {
    const result = await t.stack.up();
    expect(result.summary.resourceChanges).toEqual({ create: 8 });

    const admin = t.emulator.admin;
    const [credential] = admin.list("credential");
    const [volume] = admin.list("volume");
    // Created in parallel: in the order of their names, trainer-a first.
    const pods = admin.list("pod").sort((a, b) => a.name.localeCompare(b.name));
    const [endpoint] = admin.list("endpoint");
    const [vm] = admin.list("vm");
    expect(admin.list("credential")).toHaveLength(1);
    expect(credential).toMatchObject({ username: "ml-platform", password: "registry-password-1" });
    expect(volume).toMatchObject({ storageType: "CEPH", sizeInGb: 100, status: "active" });
    // Both pods and the VM hold the volume.
    expect(volume?.mountedBy.sort()).toEqual([...pods.map((p) => p.id), vm?.id].sort());
    expect(
      pods.map((p) => [p.status, p.containerRegistryAuthId, p.persistentVolumes[0]?.id]),
    ).toEqual([
      ["RUNNING", credential?.id, volume?.id],
      ["PAUSED", credential?.id, volume?.id],
    ]);
    expect(endpoint).toMatchObject({
      status: "RUNNING",
      serviceMode: "QUEUE",
      workers: 2,
      containerRegistryAuthId: credential?.id,
      expose: { port: 8000, protocol: "http" },
    });
    expect(endpoint?.workerList.filter((w) => w.status === "RUNNING")).toHaveLength(2);
    expect(vm).toMatchObject({
      status: "running",
      region: REGION,
      volumeMountPaths: { [volume!.id]: "/home/ubuntu/weights" },
    });

    const outputs = Object.fromEntries(
      Object.entries(result.outputs).map(([k, v]) => [k, v.value]),
    );
    const live = await t.client.pods.list();
    expect(outputs).toEqual({
      credentialId: credential?.id,
      volumeId: volume?.id,
      trainers: pods.map((p) => ({
        id: p.id,
        status: p.status,
        ssh: live.find((l) => l.id === p.id)?.sshCmd,
        region: REGION,
      })),
      endpoint: {
        id: endpoint?.id,
        status: "RUNNING",
        domain: (await t.client.endpoints.get(endpoint!.id)).domain,
        runningWorkers: 2,
      },
      vm: { id: vm?.id, status: "running", ssh: `ssh ubuntu@${vm?.ipAddress}` },
    });
    // The running trainer is reachable.
    expect((outputs.trainers as { ssh?: string }[])[0]?.ssh).toMatch(/^ssh /);
  });

  test("a second preview reports no changes and makes no API call", async () => {
    t.emulator.admin.clearRequests();
    const result = await t.stack.preview();
    expect(result.changeSummary).toEqual({ same: 8 });
    // check and diff stay off the network; a preview reads nothing.
    expect(apiCalls(t.emulator.admin)).toEqual([]);
  });

  test("refresh with expect-no-changes finds no drift and only reads", async () => {
    t.emulator.admin.clearRequests();
    const result = await t.stack.refresh({ expectNoChanges: true });
    expect(result.summary.result).toBe("succeeded");
    expect(result.summary.resourceChanges).toEqual({ same: 8 });
    // Each resource was read from the service, by its own GET or by its kind's list (the two
    // pods' reads share one), and nothing was changed there.
    const admin = t.emulator.admin;
    const calls = apiCalls(admin);
    const kinds = ["credential", "volume", "pod", "endpoint", "vm"] as const;
    const unread = kinds.flatMap((kind) =>
      admin
        .list(kind)
        .filter((r) => readOf(calls, kind, r.id) === undefined)
        .map((r) => `${kind} ${r.id}`),
    );
    expect(unread).toEqual([]);
    expect(calls.length).toBeLessThanOrEqual(6);
    expect(apiWrites(admin)).toEqual([]);
  });

  describe("refreshed under each variant of the API", () => {
    let baseline: Record<string, Record<string, unknown>>;

    beforeAll(async () => {
      // What a refresh under the documented shape recorded: every variant must read back the
      // same, ids, numbers and timestamps included.
      baseline = await recordedOutputs(t);
    });
    afterEach(() => {
      t.emulator.admin.setQuirks(DEFAULT_QUIRKS);
    });

    test.each(QUIRK_SETS)("%s", async (_name, quirks) => {
      t.emulator.admin.setQuirks(quirks);
      t.emulator.admin.clearRequests();
      const result = await t.stack.refresh({ expectNoChanges: true });
      expect(result.summary.resourceChanges).toEqual({ same: 8 });
      expect(apiWrites(t.emulator.admin)).toEqual([]);
      // The one output that differs by design: a pod's status keeps the service's spelling
      // (the client reads STOPPED as paused, and a caller can still see which word was used).
      const pausedAs = quirks.pausedPodStatus ?? "PAUSED";
      const expected = structuredClone(baseline);
      expected["trainer-b"]!.status = pausedAs;
      expect(await recordedOutputs(t)).toEqual(expected);
    });
  });

  test("destroy stops the endpoint before deleting it and leaves nothing live", async () => {
    const admin = t.emulator.admin;
    const endpointId = admin.list("endpoint")[0]!.id;
    const podIds = admin.list("pod").map((p) => p.id);
    const volumeId = admin.list("volume")[0]!.id;
    const credentialId = admin.list("credential")[0]!.id;
    const vmId = admin.list("vm")[0]!.id;
    admin.clearRequests();

    const result = await t.stack.destroy();
    expect(result.summary.resourceChanges).toEqual({ delete: 8 });

    expect(liveRecords(admin)).toEqual([]);
    expect(admin.list("pod").map((p) => p.status)).toEqual(["TERMINATED", "TERMINATED"]);
    expect(admin.list("vm").map((v) => v.status)).toEqual(["terminated"]);
    expect(admin.list("endpoint")).toEqual([]);
    expect(admin.list("volume")).toEqual([]);
    expect(admin.list("credential")).toEqual([]);

    // One call per resource, and the stop the service requires before an endpoint's delete.
    const podDeletes = podIds.map((p) => `DELETE /v2/pods/${p}`);
    const writes = apiWrites(admin);
    expect([...writes].sort()).toEqual(
      [
        `POST /v2/serverless/${endpointId}/stop`,
        `DELETE /v2/serverless/${endpointId}`,
        ...podDeletes,
        `DELETE /v2/vms/${vmId}`,
        `DELETE /v2/volumes/${volumeId}`,
        `DELETE /v2/container-registry-auths/${credentialId}`,
      ].sort(),
    );
    const before = (first: string, then: string) =>
      expect(writes.indexOf(first)).toBeLessThan(writes.indexOf(then));
    before(`POST /v2/serverless/${endpointId}/stop`, `DELETE /v2/serverless/${endpointId}`);
    // A mounted volume cannot be deleted, nor a credential in use.
    for (const user of [...podDeletes, `DELETE /v2/vms/${vmId}`]) {
      before(user, `DELETE /v2/volumes/${volumeId}`);
    }
    for (const user of [...podDeletes, `DELETE /v2/serverless/${endpointId}`]) {
      before(user, `DELETE /v2/container-registry-auths/${credentialId}`);
    }
  });
});

describe("deployed under each variant of the API", () => {
  let t: YottaStack;

  beforeAll(async () => {
    // Fewer resources than above, but one of each kind and each reference: every create path
    // reads the service's answer under the variant, and destroy waits on it.
    t = await createYottaStack({
      name: "e2e-deploy-quirks",
      program: async () => {
        const registry = new yotta.Credential("registry", {
          username: "ml-platform",
          password: "registry-password-1",
        });
        const scratch = new yotta.Volume("scratch", {
          storageType: "CEPH",
          region: REGION,
          sizeInGb: 50,
        });
        const pod = new yotta.Pod("notebook", {
          image: "ml-platform/notebook:2.0",
          credentialId: registry.id,
          gpuType: GPU,
          gpuCount: 1,
          regions: [REGION],
          volumes: [{ volumeId: scratch.id, mountPath: "/scratch" }],
          running: false,
        });
        const queue = new yotta.Endpoint("queue", {
          image: "ml-platform/serve:1.4.0",
          credentialId: registry.id,
          serviceMode: "QUEUE",
          resources: [{ region: REGION, gpuType: GPU, gpuCount: 1 }],
          workers: 1,
          containerVolumeInGb: 20,
          environment: { MODEL_DIR: "/models" },
        });
        const vm = new yotta.Vm("devbox", {
          gpuType: GPU,
          region: REGION,
          volumeMountPaths: scratch.id.apply((id) => ({ [id]: "/data" })),
        });
        return {
          ids: pulumi.all([registry.id, scratch.id, pod.id, queue.id, vm.id]),
          statuses: pulumi.all([scratch.status, pod.status, queue.status, vm.status]),
          sizeInGb: scratch.sizeInGb,
          workers: queue.runningWorkers,
        };
      },
    });
  });
  afterEach(() => {
    t.emulator.admin.setQuirks(DEFAULT_QUIRKS);
  });
  afterAll(() => t?.dispose());

  test.each(DEPLOY_QUIRK_SETS)("%s", async (_name, quirks) => {
    const admin = t.emulator.admin;
    admin.setQuirks(quirks);

    const up = await t.stack.up();
    expect(up.summary.resourceChanges).toEqual({ create: 7 });
    const ids = [
      admin.list("credential")[0]?.id,
      admin.list("volume")[0]?.id,
      admin.list("pod").find((p) => p.status !== "TERMINATED")?.id,
      admin.list("endpoint")[0]?.id,
      admin.list("vm").find((v) => v.status !== "terminated")?.id,
    ];
    // Exact ids (an int64 read as a double would be off in its last digits), numbers as
    // numbers, statuses normalized (a paused pod keeps the service's word for it).
    expect(up.outputs.ids?.value).toEqual(ids);
    const pausedAs = quirks.pausedPodStatus ?? "PAUSED";
    expect(up.outputs.statuses?.value).toEqual(["active", pausedAs, "RUNNING", "running"]);
    expect(up.outputs.sizeInGb?.value).toBe(50);
    expect(up.outputs.workers?.value).toBe(1);

    const refresh = await t.stack.refresh({ expectNoChanges: true });
    expect(refresh.summary.resourceChanges).toEqual({ same: 7 });

    admin.clearRequests();
    const destroy = await t.stack.destroy();
    expect(destroy.summary.resourceChanges).toEqual({ delete: 7 });
    expect(liveRecords(admin)).toEqual([]);
    expect(apiWrites(admin)).toContain(`DELETE /v2/serverless/${ids[3]}`);
  });
});
