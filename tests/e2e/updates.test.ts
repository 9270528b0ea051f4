// Changes to a deployed stack through the real engine: each input change takes the path
// docs/resources.md promises (scale call, one PATCH, resize, pause/resume, replacement), and the
// emulator's request log shows exactly the calls that path makes and no other.
import * as pulumi from "@pulumi/pulumi";
import * as yotta from "pulumi-yotta";
import {
  apiCalls,
  apiWrites,
  createYottaStack,
  readStateFile,
  type YottaStack,
  failureOf,
} from "../support/yotta-stack";

const REGION = "us-east-1";
const GPU = "NVIDIA_RTX_4090_24G";

interface Spec {
  credential: { name: string; password: string };
  endpoint: { image: string; workers: number; environment: Record<string, string> };
  volumeSizeInGb: number;
  pod: { image: string; running: boolean };
}

interface Ids {
  credential: string;
  endpoint: string;
  volume: string;
  pod: string;
}

describe("updates through the real engine", () => {
  let t: YottaStack;
  const spec: Spec = {
    credential: { name: "registry-main", password: "registry-password-1" },
    endpoint: {
      image: "ml-platform/serve:1.4.0",
      workers: 1,
      environment: { MODEL_DIR: "/models/v1" },
    },
    volumeSizeInGb: 100,
    pod: { image: "pytorch/pytorch:2.4.0", running: true },
  };

  beforeAll(async () => {
    t = await createYottaStack({
      name: "e2e-updates",
      program: async () => {
        const registry = new yotta.Credential("registry", {
          name: spec.credential.name,
          type: "DOCKER_HUB",
          username: "ml-platform",
          password: spec.credential.password,
        });
        const endpoint = new yotta.Endpoint("inference", {
          image: spec.endpoint.image,
          credentialId: registry.id,
          serviceMode: "ALB",
          resources: [{ region: REGION, gpuType: GPU, gpuCount: 1 }],
          workers: spec.endpoint.workers,
          containerVolumeInGb: 40,
          environment: spec.endpoint.environment,
          expose: { port: 8000, protocol: "http" },
        });
        // Not mounted by anything: a mounted volume cannot be resized.
        const volume = new yotta.Volume("datasets", {
          storageType: "CEPH",
          region: REGION,
          sizeInGb: spec.volumeSizeInGb,
        });
        const pod = new yotta.Pod("notebook", {
          image: spec.pod.image,
          gpuType: GPU,
          gpuCount: 1,
          regions: [REGION],
          running: spec.pod.running,
        });
        return {
          ids: pulumi.all({
            credential: registry.id,
            endpoint: endpoint.id,
            volume: volume.id,
            pod: pod.id,
          }),
          workers: endpoint.runningWorkers,
          sizeInGb: volume.sizeInGb,
          podStatus: pod.status,
        };
      },
    });
  });
  afterAll(() => t?.dispose());

  /** Runs `up` with an empty request log, so the test sees only this update's calls. */
  async function up() {
    t.emulator.admin.clearRequests();
    return t.stack.up();
  }

  async function ids(): Promise<Ids> {
    return (await t.stack.outputs()).ids?.value as Ids;
  }

  test("up creates the stack", async () => {
    const result = await up();
    expect(result.summary.resourceChanges).toEqual({ create: 6 });
    expect(result.outputs.workers?.value).toBe(1);
  });

  describe("endpoint", () => {
    test("workers 1 → 3 is the scale call, not a PATCH or a replacement", async () => {
      const before = await ids();
      spec.endpoint.workers = 3;
      const result = await up();

      expect(result.summary.resourceChanges).toEqual({ same: 5, update: 1 });
      expect(apiWrites(t.emulator.admin)).toEqual([
        `PUT /v2/serverless/${before.endpoint}/workers`,
      ]);
      expect(t.emulator.admin.requests({ method: "PUT" })[0]?.query).toEqual({ count: "3" });
      expect(await ids()).toEqual(before);
      expect(result.outputs.workers?.value).toBe(3);
      const live = t.emulator.admin.get("endpoint", before.endpoint);
      expect(live?.workers).toBe(3);
      expect(live?.workerList.filter((w) => w.status === "RUNNING")).toHaveLength(3);
    });

    test("an environment change is one PATCH with the full desired set", async () => {
      const before = await ids();
      spec.endpoint.environment = { MODEL_DIR: "/models/v2" };
      const result = await up();

      expect(result.summary.resourceChanges).toEqual({ same: 5, update: 1 });
      expect(apiWrites(t.emulator.admin)).toEqual([`PATCH /v2/serverless/${before.endpoint}`]);
      const [patch] = t.emulator.admin.requests({ method: "PATCH" });
      expect(patch?.body).toMatchObject({
        environmentVars: [{ key: "MODEL_DIR", value: "/models/v2" }],
        workers: 3,
        containerVolumeInGb: 40,
      });
      expect(await ids()).toEqual(before);
      const live = t.emulator.admin.get("endpoint", before.endpoint);
      expect(live?.environmentVars).toEqual([{ key: "MODEL_DIR", value: "/models/v2" }]);
      // The PATCH redeploys every worker; up waited for all three again.
      expect(live?.status).toBe("RUNNING");
      expect(live?.workerList.filter((w) => w.status === "RUNNING")).toHaveLength(3);
    });

    test("an image change replaces it: the new one first, the old one stopped, then deleted", async () => {
      const before = await ids();
      spec.endpoint.image = "ml-platform/serve:1.5.0";
      const result = await up();

      expect(result.summary.resourceChanges).toEqual({ same: 5, replace: 1 });
      const after = await ids();
      expect(after.endpoint).not.toBe(before.endpoint);
      expect({ ...after, endpoint: before.endpoint }).toEqual(before);

      const endpoints = t.emulator.admin.list("endpoint");
      expect(endpoints.map((e) => [e.id, e.image, e.status, e.workers])).toEqual([
        [after.endpoint, "ml-platform/serve:1.5.0", "RUNNING", 3],
      ]);
      // The declared variables, and the create's token (provider/ownership.ts).
      expect(endpoints[0]?.environmentVars).toEqual([
        { key: "MODEL_DIR", value: "/models/v2" },
        { key: "PULUMI_YOTTA_CREATE_TOKEN", value: expect.stringMatching(/^[0-9a-f]{16}$/) },
      ]);
      expect(apiWrites(t.emulator.admin)).toEqual([
        "POST /v2/serverless",
        `POST /v2/serverless/${before.endpoint}/stop`,
        `DELETE /v2/serverless/${before.endpoint}`,
      ]);
    });
  });

  describe("volume", () => {
    test("100 → 200 GB resizes it in place", async () => {
      const before = await ids();
      spec.volumeSizeInGb = 200;
      const result = await up();

      expect(result.summary.resourceChanges).toEqual({ same: 5, update: 1 });
      expect(apiWrites(t.emulator.admin)).toEqual([`POST /v2/volumes/${before.volume}/resize`]);
      expect(t.emulator.admin.requests({ method: "POST" })[0]?.body).toEqual({ sizeInGb: 200 });
      expect(await ids()).toEqual(before);
      expect(result.outputs.sizeInGb?.value).toBe(200);
      expect(t.emulator.admin.get("volume", before.volume)).toMatchObject({
        sizeInGb: 200,
        status: "active",
      });
    });

    test("a shrink fails the preview naming sizeInGb, before any API call", async () => {
      const before = await ids();
      spec.volumeSizeInGb = 150;
      try {
        t.emulator.admin.clearRequests();
        expect(await failureOf(t.stack.preview())).toMatch(
          /sizeInGb.*cannot shrink from 200 GB to 150 GB: shrinking would destroy data/,
        );
        expect(apiCalls(t.emulator.admin)).toEqual([]);

        // `up` refuses it at the same point.
        expect(await failureOf(up())).toMatch(/sizeInGb.*cannot shrink/);
        expect(apiCalls(t.emulator.admin)).toEqual([]);
      } finally {
        spec.volumeSizeInGb = 200;
      }
      expect(t.emulator.admin.get("volume", before.volume)?.sizeInGb).toBe(200);
      expect((await t.stack.preview()).changeSummary).toEqual({ same: 6 });
    });
  });

  describe("pod", () => {
    test("running: false pauses it and true resumes it, in place", async () => {
      const before = await ids();
      spec.pod.running = false;
      const paused = await up();
      expect(paused.summary.resourceChanges).toEqual({ same: 5, update: 1 });
      expect(apiWrites(t.emulator.admin)).toEqual([`POST /v2/pods/${before.pod}/pause`]);
      expect(paused.outputs.podStatus?.value).toBe("PAUSED");
      expect(t.emulator.admin.get("pod", before.pod)?.status).toBe("PAUSED");

      spec.pod.running = true;
      const resumed = await up();
      expect(resumed.summary.resourceChanges).toEqual({ same: 5, update: 1 });
      expect(apiWrites(t.emulator.admin)).toEqual([`POST /v2/pods/${before.pod}/resume`]);
      expect(resumed.outputs.podStatus?.value).toBe("RUNNING");
      expect(t.emulator.admin.get("pod", before.pod)?.status).toBe("RUNNING");
      expect(await ids()).toEqual(before);
    });

    test("an image change replaces it, the new pod first", async () => {
      const before = await ids();
      spec.pod.image = "pytorch/pytorch:2.5.0";
      const result = await up();

      expect(result.summary.resourceChanges).toEqual({ same: 5, replace: 1 });
      const after = await ids();
      expect(after.pod).not.toBe(before.pod);
      expect(apiWrites(t.emulator.admin)).toEqual([
        "POST /v2/pods",
        `DELETE /v2/pods/${before.pod}`,
      ]);
      const pods = t.emulator.admin.list("pod").map((p) => [p.id, p.image, p.status]);
      expect(pods).toEqual([
        [before.pod, "pytorch/pytorch:2.4.0", "TERMINATED"],
        [after.pod, "pytorch/pytorch:2.5.0", "RUNNING"],
      ]);
    });
  });

  describe("credential", () => {
    test("a password rotation is a PATCH of the password alone", async () => {
      const before = await ids();
      spec.credential.password = "registry-password-2";
      const result = await up();

      expect(result.summary.resourceChanges).toEqual({ same: 5, update: 1 });
      expect(apiWrites(t.emulator.admin)).toEqual([
        `PATCH /v2/container-registry-auths/${before.credential}`,
      ]);
      expect(t.emulator.admin.requests({ method: "PATCH" })[0]?.body).toEqual({
        password: "registry-password-2",
      });
      expect(await ids()).toEqual(before);
      expect(t.emulator.admin.get("credential", before.credential)).toMatchObject({
        name: "registry-main",
        password: "registry-password-2",
      });
      // The new secret is encrypted in the state like the old one.
      const state = readStateFile(t.workDir);
      expect(state).not.toContain("registry-password-2");
      expect(state).not.toContain("registry-password-1");
    });

    test("a rename is a PATCH of the name alone, without the secret", async () => {
      const before = await ids();
      spec.credential.name = "registry-prod";
      const result = await up();

      expect(result.summary.resourceChanges).toEqual({ same: 5, update: 1 });
      expect(apiWrites(t.emulator.admin)).toEqual([
        `PATCH /v2/container-registry-auths/${before.credential}`,
      ]);
      expect(t.emulator.admin.requests({ method: "PATCH" })[0]?.body).toEqual({
        name: "registry-prod",
      });
      expect(await ids()).toEqual(before);
      expect(t.emulator.admin.get("credential", before.credential)).toMatchObject({
        name: "registry-prod",
        password: "registry-password-2",
      });
    });
  });

  test("after every change, refresh finds no drift", async () => {
    const result = await t.stack.refresh({ expectNoChanges: true });
    expect(result.summary.resourceChanges).toEqual({ same: 6 });
  });
});
