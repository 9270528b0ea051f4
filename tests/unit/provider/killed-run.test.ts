// A run killed while its creates were in flight (docs/design.md, "A killed run"). The engine
// records nothing of such a create; the next run creates the resource again with the same inputs.
// Each resource carries an owner key derived from the stack's key, which keys its auto-name and
// its create token, so the next run's create finds what the killed one made and keeps it. Here
// the killed run is a create that completed in an earlier provider process whose answer the
// engine never recorded: the next process (`nextRun`) knows nothing of it, as after a SIGKILL.
// tests/e2e/killed-run.test.ts kills the real engine.
import { call } from "../../../provider/dispatch";
import { UNKNOWN } from "../../../provider/check";
import { CREATE_TOKEN_VAR } from "../../../provider/ownership";
import {
  checked,
  create,
  failure,
  nextRun,
  startProviderHarness,
  withProvider,
  type ProviderHarness,
} from "../../support/provider-harness";

type Props = Record<string, unknown>;

const KEY = "a".repeat(64);
const OTHER_KEY = "b".repeat(64);

const POD = {
  image: "pytorch/pytorch:2.4.0",
  gpuType: "NVIDIA_RTX_4090_24G",
  gpuCount: 1,
  regions: ["us-east-1"],
};

/** Inputs as the SDK sends them for a resource named `logical` with no name of its own. */
const autonamed = (logical: string, spec: Props, ownerKey = KEY): Props => ({
  ...spec,
  autonamePrefix: logical,
  ownerKey,
});

describe("a run killed while its creates were in flight", () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProviderHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => {
    nextRun();
    h.emulator.admin.reset();
  });

  const posts = (path: string) => h.emulator.admin.requests({ method: "POST", path }).length;
  const deletes = () => h.emulator.admin.requests({ method: "DELETE" }).length;

  test("the same key and state name a resource alike in every run; without a known key, the name is unknown", async () => {
    const first = await checked("pod", autonamed("trainer", POD));
    nextRun();
    const again = await checked("pod", autonamed("trainer", POD));
    expect(again.name).toBe(first.name);
    expect(first.name).toMatch(/^trainer-[0-9a-f]{7}$/);
    expect((await checked("pod", autonamed("trainer", POD, OTHER_KEY))).name).not.toBe(first.name);
    // A preview before the stack's key exists: the name is not known yet either.
    const preview = (await call("pod", "check", [
      {},
      withProvider(autonamed("trainer", POD, UNKNOWN)),
    ])) as { inputs: Props; failures: unknown[] };
    expect(preview.failures).toEqual([]);
    expect(preview.inputs.name).toBe(UNKNOWN);
  });

  test("a preview before the stack's key exists (the first after an upgrade) sees no change in a recorded resource", async () => {
    const spec = { ...POD, name: "older" };
    const olds = await checked("pod", spec);
    const made = (await call("pod", "create", [olds])) as { id: string; outs: Props };
    const preview = (await call("pod", "check", [
      olds,
      withProvider({ ...spec, ownerKey: UNKNOWN }),
    ])) as { inputs: Props; failures: unknown[] };
    expect(preview.failures).toEqual([]);
    expect(preview.inputs.environment).toEqual({}); // normalized, as without the key
    const diff = (await call("pod", "diff", [made.id, made.outs, preview.inputs])) as {
      changes: boolean;
    };
    expect(diff.changes).toBe(false);
  });

  test.each<[string, string, Props, string]>([
    ["pod", "an auto-named pod", autonamed("trainer", POD), "/v2/pods"],
    ["pod", "a pod named by the user", { ...POD, name: "crash-named", ownerKey: KEY }, "/v2/pods"],
    [
      "endpoint",
      "an endpoint named by the user",
      {
        name: "llm",
        image: "vllm/vllm-openai:latest",
        resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
        workers: 1,
        containerVolumeInGb: 40,
        serviceMode: "ALB",
        ownerKey: KEY,
      },
      "/v2/serverless",
    ],
    [
      "volume",
      "an auto-named volume",
      autonamed("data", { storageType: "CEPH", region: "us-east-1", sizeInGb: 10 }),
      "/v2/volumes",
    ],
    [
      "credential",
      "an auto-named credential",
      autonamed("registry", { type: "DOCKER_HUB", username: "me", password: "pw-secret" }),
      "/v2/container-registry-auths",
    ],
    [
      "vm",
      "an auto-named VM",
      autonamed("box", { gpuType: "NVIDIA_RTX_4090_24G", region: "us-east-1" }),
      "/v2/vms",
    ],
  ])(
    "%s: what the killed run made for %s is kept, and nothing is sent",
    async (kind, _what, news, path) => {
      const killed = await create(kind as "pod", news);
      h.emulator.admin.settle();
      nextRun();
      const next = await create(kind as "pod", news);
      expect(next.id).toBe(killed.id);
      expect(posts(path)).toBe(1);
      expect(deletes()).toBe(0);
    },
  );

  test("a pod another stack made under the same name is not ours: a pod of our own is made", async () => {
    const theirs = await create("pod", { ...POD, name: "shared", ownerKey: OTHER_KEY });
    h.emulator.admin.settle();
    nextRun();
    const ours = await create("pod", { ...POD, name: "shared", ownerKey: KEY });
    expect(ours.id).not.toBe(theirs.id);
    expect(posts("/v2/pods")).toBe(2);
    // Nor is a pod made by hand, or by an older release, whose token is not ours.
    nextRun();
    await h.client.pods.create({
      ...POD,
      name: "by-hand",
      environmentVars: [{ key: CREATE_TOKEN_VAR, value: "0123456789abcdef" }],
    } as never);
    const mine = await create("pod", { ...POD, name: "by-hand", ownerKey: KEY });
    expect(h.emulator.admin.list("pod").filter((p) => p.name === "by-hand")).toHaveLength(2);
    expect(mine.id).toBeDefined();
  });

  test("a leftover that no longer matches the program is left alone; the message names it, its price and what settles it", async () => {
    const killed = await create("pod", autonamed("trainer", POD));
    h.emulator.admin.settle();
    nextRun();
    const changed = autonamed("trainer", { ...POD, image: "pytorch/pytorch:2.5.0" });
    const error = await failure(create("pod", changed));
    expect(error.message).toContain(`pod ${killed.id} (billing `);
    expect(error.message).toMatch(/USD an hour\) was made for this resource by an earlier run/);
    expect(error.message).toContain(`Delete pod ${killed.id} and run \`pulumi up\` again`);
    expect(posts("/v2/pods")).toBe(1);
    expect(deletes()).toBe(0);
    expect(h.emulator.admin.list("pod").map((p) => p.id)).toEqual([killed.id]);

    // Taking the first step it names: the pod is deleted, and the next create makes one.
    await h.client.pods.delete(killed.id);
    h.emulator.admin.settle();
    const made = await create("pod", changed);
    expect(made.id).not.toBe(killed.id);
    // Or the second: declared as it was made, the leftover would have been kept (above).
  });

  test("two leftovers with the proof (two killed runs): none is kept until the user deletes one, then the other is", async () => {
    const inputs = await checked("pod", { ...POD, name: "twice", ownerKey: KEY });
    const first = (await call("pod", "create", [inputs])) as { id: string; outs: Props };
    h.emulator.admin.settle();
    nextRun();
    // A second killed run's create, carrying the same proof (as the first never got recorded).
    const live = h.emulator.admin.get("pod", first.id) as unknown as {
      environmentVars: { key: string; value: string }[];
    };
    const second = await h.client.pods.create({
      ...POD,
      name: "twice",
      environmentVars: live.environmentVars,
    } as never);
    h.emulator.admin.settle();
    const error = await failure(call("pod", "create", [inputs]));
    expect(error.message).toContain(`pod ${first.id} (billing `);
    expect(error.message).toContain(`pod ${second.id} (billing `);
    expect(error.message).toContain("Delete all but the one to keep");
    expect(posts("/v2/pods")).toBe(2);

    // The step it names.
    await h.client.pods.delete(second.id);
    h.emulator.admin.settle();
    const kept = (await call("pod", "create", [inputs])) as { id: string };
    expect(kept.id).toBe(first.id);
    expect(posts("/v2/pods")).toBe(2);
  });

  test("a replacement killed after its create: the next run keeps the replacement beside the record it replaces", async () => {
    const volume = autonamed("data", { storageType: "CEPH", region: "us-east-1", sizeInGb: 10 });
    const recorded = await create("volume", volume);
    h.emulator.admin.settle();

    // The engine's order for a replacement: diff of the record, then check without old inputs.
    const replace = async () => {
      await call("volume", "diff", [recorded.id, recorded.outs, withProvider(volume)]);
      return checked("volume", { ...volume, region: "us-west-2" });
    };
    nextRun();
    const inputs = await replace();
    expect(inputs.name).not.toBe(recorded.outs.name); // the old one holds its name
    const killed = (await call("volume", "create", [inputs])) as { id: string };
    h.emulator.admin.settle();

    nextRun();
    const again = await replace();
    expect(again.name).toBe(inputs.name);
    const next = (await call("volume", "create", [again])) as { id: string };
    expect(next.id).toBe(killed.id);
    expect(posts("/v2/volumes")).toBe(2);
  });

  test("a replacement forced without diff (`pulumi up --replace`) that would take its predecessor's name is refused, saying what works", async () => {
    const volume = autonamed("data", { storageType: "CEPH", region: "us-east-1", sizeInGb: 10 });
    const recorded = await create("volume", volume);
    h.emulator.admin.settle();
    nextRun();
    // The engine's order for a targeted replacement: check without old inputs first, then diff.
    const inputs = await checked("volume", volume);
    await call("volume", "diff", [recorded.id, recorded.outs, withProvider(volume)]);
    const error = await failure(call("volume", "create", [inputs]));
    expect(error.message).toContain(`the name belongs to volume ${recorded.id}`);
    expect(error.message).toContain("Set deleteBeforeReplace");
    expect(posts("/v2/volumes")).toBe(1);

    // The step it names: with deleteBeforeReplace the engine deletes the old volume first.
    await call("volume", "remove", [recorded.id, recorded.outs]);
    const made = (await call("volume", "create", [inputs])) as { id: string; outs: Props };
    expect(made.outs.name).toBe(recorded.outs.name);
    expect(made.id).not.toBe(recorded.id);
  });

  test("a VM name the user chose that another VM holds is refused before anything is sent, naming it", async () => {
    const stray = await h.client.vms.create({
      vmTypeId: (await h.client.vms.types())[0]!.regions[0]!.vmTypeId,
      region: "us-east-1",
      name: "box",
      isSpot: false,
    } as never);
    h.emulator.admin.settle();
    const before = posts("/v2/vms");
    const error = await failure(
      create("vm", {
        name: "box",
        gpuType: "NVIDIA_RTX_4090_24G",
        region: "us-east-1",
        ownerKey: KEY,
      }),
    );
    expect(error.message).toContain(`vm name "box" is already taken by vm ${stray.id}`);
    expect(error.message).toContain(`set adoptId: "${stray.id}"`);
    expect(posts("/v2/vms")).toBe(before);
  });

  test("the stack's key: made once, 256 random bits, never changed or replaced", async () => {
    const made = (await call("stack-key", "create", [{}])) as { id: string; outs: Props };
    expect(made.outs.key).toMatch(/^[0-9a-f]{64}$/);
    const other = (await call("stack-key", "create", [{}])) as { outs: Props };
    expect(other.outs.key).not.toBe(made.outs.key);
    expect(await call("stack-key", "diff", [made.id, made.outs, {}])).toEqual({ changes: false });
    expect(await call("stack-key", "read", [made.id, made.outs])).toEqual({
      id: made.id,
      props: made.outs,
    });
    expect(h.emulator.admin.requests({})).toEqual([]);
  });
});
