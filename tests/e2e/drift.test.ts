// Drift: one resource of each type, changed behind Pulumi's back through the emulator's admin API
// the way the Yotta console or the platform would change it. Each kind of change must be seen by
// the drift library (naming the resource and the field) and by the CLI's own
// `preview --refresh --expect-no-changes`, and `up --refresh` must put the cloud back to what the
// program declares, after which a refresh finds nothing.
import * as yotta from "pulumi-yotta";
import type { DriftedResource } from "../../sdk/drift";
import { MAYBE_SECRET_NOTE } from "../../sdk/drift/events";
import {
  createYottaStack,
  driftReportOf,
  stateResources,
  type YottaStack,
  failureOf,
} from "../support/yotta-stack";

const ENV = { MODEL: "llama-3-8b" };

describe("drift found and put back", () => {
  let t: YottaStack;
  // The volume's declared size: the one thing the program changes, to accept a grown volume.
  const spec = { volumeSizeInGb: 20 };
  const ids: Record<string, string> = {};
  const names: Record<string, string> = {};

  const urn = (type: string, name: string) =>
    `urn:pulumi:test::e2e-drift::pulumi-nodejs:dynamic/yotta:${type}::${name}`;

  beforeAll(async () => {
    t = await createYottaStack({
      name: "e2e-drift",
      program: async () => {
        const pod = new yotta.Pod("trainer", {
          image: "pytorch/pytorch:2.4.0",
          gpuType: "NVIDIA_RTX_4090_24G",
          gpuCount: 1,
          regions: ["us-east-1"],
        });
        const endpoint = new yotta.Endpoint("server", {
          image: "vllm/vllm-openai:v0.6.0",
          resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
          workers: 1,
          containerVolumeInGb: 20,
          serviceMode: "ALB",
          environment: ENV,
        });
        const volume = new yotta.Volume("data", {
          storageType: "CEPH",
          region: "us-east-1",
          sizeInGb: spec.volumeSizeInGb,
        });
        const credential = new yotta.Credential("registry", {
          username: "ci-bot",
          password: "registry-pass-0b1c",
        });
        const vm = new yotta.Vm("box", { gpuType: "NVIDIA_RTX_4090_24G", region: "us-east-1" });
        return Object.fromEntries(
          Object.entries({ pod, endpoint, volume, credential, vm }).flatMap(([key, r]) => [
            [`${key}Id`, r.id],
            [`${key}Name`, r.name],
          ]),
        );
      },
    });
    const up = await t.stack.up();
    for (const key of ["pod", "endpoint", "volume", "credential", "vm"]) {
      ids[key] = String(up.outputs[`${key}Id`]?.value);
      names[key] = String(up.outputs[`${key}Name`]?.value);
    }
  });

  afterAll(() => t?.dispose());

  /**
   * The drift library reports exactly these resources, and the CLI's expect-no-changes preview
   * with a refresh fails, proposing `op` (update, or create for a deleted one) for each of them.
   */
  async function expectDrift(expected: DriftedResource[], op = "update"): Promise<void> {
    const report = await driftReportOf(t);
    expect(report).toMatchObject({ status: "drift", checked: 5, errors: [] });
    expect(report.resources).toEqual(expected);

    const message = await failureOf(t.stack.preview({ refresh: true, expectNoChanges: true }));
    expect(message).toContain("no changes were expected for preview but changes were proposed");
    for (const { type, name } of expected) {
      expect(message).toMatch(new RegExp(`dynamic/${type} ${name} ${op}\\b`));
    }
    expect(message).toMatch(
      new RegExp(`${op === "create" ? "\\+" : "~"} ${expected.length} to ${op}`),
    );
  }

  /** `up --refresh`, then a refresh that must find nothing left to change. */
  async function upRefreshThenInSync(): Promise<Record<string, number> | undefined> {
    const up = await t.stack.up({ refresh: true });
    expect(up.summary.result).toBe("succeeded");
    const refresh = await t.stack.refresh({ expectNoChanges: true });
    expect(refresh.summary.result).toBe("succeeded");
    return up.summary.resourceChanges;
  }

  test("the stack as deployed is in sync", async () => {
    const report = await driftReportOf(t);
    expect(report).toEqual({
      stack: "test",
      status: "in-sync",
      checked: 5,
      resources: [],
      errors: [],
    });
    await t.stack.preview({ refresh: true, expectNoChanges: true });
  });

  test("an endpoint scaled from the console is scaled back", async () => {
    t.emulator.admin.scaleWorkers(ids.endpoint!, 3);

    await expectDrift([
      {
        urn: urn("Endpoint", "server"),
        type: "yotta:Endpoint",
        name: "server",
        id: ids.endpoint!,
        kind: "changed",
        // The environment is secret: a visible change does not rule out one there.
        fields: [
          { path: "workers", expected: 1, actual: 3, secret: false },
          { path: "environment", expected: "[secret]", actual: "[secret]", secret: true },
        ],
        note: MAYBE_SECRET_NOTE,
      },
    ]);

    t.emulator.admin.clearRequests();
    const changes = await upRefreshThenInSync();
    expect(changes).toMatchObject({ update: 1 });
    // Workers alone: the scale call, not a PATCH that would redeploy every worker.
    const writes = t.emulator.admin.requests().filter((r) => r.method !== "GET");
    expect(writes.map((r) => `${r.method} ${r.route}`)).toEqual([
      "PUT /v2/serverless/{id}/workers",
    ]);
    const endpoint = t.emulator.admin.get("endpoint", ids.endpoint!);
    expect(endpoint).toMatchObject({ workers: 1, status: "RUNNING" });
  });

  test("an endpoint's environment changed from the console is put back, its values never shown", async () => {
    t.emulator.admin.setEnv("endpoint", ids.endpoint!, [{ key: "MODEL", value: "mistral-7b" }]);

    await expectDrift([
      {
        urn: urn("Endpoint", "server"),
        type: "yotta:Endpoint",
        name: "server",
        id: ids.endpoint!,
        kind: "changed",
        fields: [{ path: "environment", expected: "[secret]", actual: "[secret]", secret: true }],
        note: expect.stringContaining("it is in a secret field"),
      },
    ]);

    t.emulator.admin.clearRequests();
    expect(await upRefreshThenInSync()).toMatchObject({ update: 1 });
    expect(t.emulator.admin.requests({ method: "PATCH" })).toHaveLength(1);
    expect(t.emulator.admin.get("endpoint", ids.endpoint!)?.environmentVars).toEqual([
      { key: "MODEL", value: ENV.MODEL },
    ]);
  });

  test("a volume, a credential and a VM renamed from the console get their names back", async () => {
    t.emulator.admin.rename("volume", ids.volume!, "data-renamed");
    t.emulator.admin.rename("credential", ids.credential!, "registryRenamed");
    t.emulator.admin.rename("vm", ids.vm!, "box-renamed");

    const renamed = (type: string, name: string, key: string, actual: string) => ({
      urn: urn(type, name),
      type: `yotta:${type}`,
      name,
      id: ids[key]!,
      kind: "changed" as const,
      fields: [{ path: "name", expected: names[key], actual, secret: false }],
    });
    const credential = renamed("Credential", "registry", "credential", "registryRenamed");
    await expectDrift([
      {
        ...credential,
        // The password is secret: the rename does not rule out a change there.
        fields: [
          ...credential.fields,
          { path: "password", expected: "[secret]", actual: "[secret]", secret: true },
        ],
        note: MAYBE_SECRET_NOTE,
      },
      renamed("Vm", "box", "vm", "box-renamed"),
      renamed("Volume", "data", "volume", "data-renamed"),
    ]);

    expect(await upRefreshThenInSync()).toMatchObject({ update: 3 });
    expect(t.emulator.admin.get("volume", ids.volume!)?.name).toBe(names.volume);
    expect(t.emulator.admin.get("credential", ids.credential!)?.name).toBe(names.credential);
    expect(t.emulator.admin.get("vm", ids.vm!)?.name).toBe(names.vm);
  });

  test("a pod paused from the console runs again", async () => {
    t.emulator.admin.pausePod(ids.pod!);

    await expectDrift([
      {
        urn: urn("Pod", "trainer"),
        type: "yotta:Pod",
        name: "trainer",
        id: ids.pod!,
        kind: "changed",
        // The environment is secret: the pause does not rule out a change there.
        fields: [
          { path: "running", expected: true, actual: false, secret: false },
          { path: "environment", expected: "[secret]", actual: "[secret]", secret: true },
        ],
        note: MAYBE_SECRET_NOTE,
      },
    ]);

    expect(await upRefreshThenInSync()).toMatchObject({ update: 1 });
    // Resumed in place: the same pod, running.
    expect(t.emulator.admin.get("pod", ids.pod!)?.status).toBe("RUNNING");
    expect((await stateResources(t)).get("trainer")?.id).toBe(ids.pod);
  });

  test("a volume grown from the console is never shrunk back: the program must accept the size", async () => {
    t.emulator.admin.resize(ids.volume!, 40);

    await expectDrift([
      {
        urn: urn("Volume", "data"),
        type: "yotta:Volume",
        name: "data",
        id: ids.volume!,
        kind: "changed",
        fields: [{ path: "sizeInGb", expected: 20, actual: 40, secret: false }],
      },
    ]);

    // Shrinking would destroy data: `up --refresh` refuses it before any change is sent.
    t.emulator.admin.clearRequests();
    expect(await failureOf(t.stack.up({ refresh: true }))).toMatch(
      /volume data-\w+ \(\d+\): sizeInGb cannot shrink from 40 GB to 20 GB: shrinking would destroy data/,
    );
    expect(t.emulator.admin.requests().filter((r) => r.method !== "GET")).toEqual([]);
    expect(t.emulator.admin.get("volume", ids.volume!)?.sizeInGb).toBe(40);

    // What docs/drift.md says to do to keep a change made in the cloud: declare it.
    spec.volumeSizeInGb = 40;
    await upRefreshThenInSync();
    expect(t.emulator.admin.get("volume", ids.volume!)).toMatchObject({
      sizeInGb: 40,
      status: "active",
    });
  });

  test("a pod and a credential deleted from the console are made again", async () => {
    t.emulator.admin.deletePod(ids.pod!);
    t.emulator.admin.deleteResource("credential", ids.credential!);

    const deleted = (type: string, name: string, key: string) => ({
      urn: urn(type, name),
      type: `yotta:${type}`,
      name,
      id: ids[key]!,
      kind: "deleted" as const,
      fields: [],
    });
    await expectDrift(
      [deleted("Credential", "registry", "credential"), deleted("Pod", "trainer", "pod")],
      "create",
    );

    expect(await upRefreshThenInSync()).toMatchObject({ create: 2 });
    const state = await stateResources(t);
    const pod = state.get("trainer")!;
    const credential = state.get("registry")!;
    expect(pod.id).not.toBe(ids.pod);
    expect(credential.id).not.toBe(ids.credential);
    expect(t.emulator.admin.get("pod", pod.id!)?.status).toBe("RUNNING");
    expect(t.emulator.admin.get("credential", credential.id!)?.name).toBe(credential.outputs.name);
    // The old pod is terminated, not billing beside the new one.
    const live = t.emulator.admin.list("pod").filter((p) => p.status !== "TERMINATED");
    expect(live.map((p) => p.id)).toEqual([pod.id]);
  });
});
