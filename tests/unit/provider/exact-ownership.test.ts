// Exact ownership: a record claims only what its own request made. Each case calls the provider
// the way the serialized provider does (`dispatch.call(kind, method, args)`) against the emulator
// over real HTTP, with the engine's order of calls written out where a step has several.
import { call } from "../../../provider/dispatch";
import { attemptOf, isPendingId, PENDING_KEY } from "../../../provider/pending";
import { CREATE_TOKEN_VAR } from "../../../provider/ownership";
import { ResourceInitError } from "../../../provider/init-error";
import { yotta } from "../../../provider/config";
import {
  checked,
  create,
  failure,
  nextRun,
  startProviderHarness,
  withProvider,
  type ProviderHarness,
} from "../../support/provider-harness";

// The client gives up on an answer after 300 ms here (30 s in real use), and what an ambiguous
// create made shows up within the look window or never.
process.env.YOTTA_REQUEST_TIMEOUT_MS = "300";
process.env.YOTTA_LOOK_WINDOW_MS = "1500";

type Props = Record<string, unknown>;

const POD = {
  name: "dup",
  image: "pytorch/pytorch:2.4.0",
  gpuType: "NVIDIA_RTX_4090_24G",
  gpuCount: 1,
  regions: ["us-east-1"],
};
const VOLUME = { name: "data", storageType: "CEPH", region: "us-east-1", sizeInGb: 10 };
const VM = { name: "box", gpuType: "NVIDIA_RTX_4090_24G", region: "us-east-1" };

/** A create that fails with its outcome unknown: the pending record the engine would keep. */
async function pending(work: Promise<unknown>): Promise<ResourceInitError> {
  const error = (await failure(work)) as ResourceInitError;
  expect(ResourceInitError.isInstance(error)).toBe(true);
  expect(isPendingId(error.id)).toBe(true);
  return error;
}

/** Until the record's look window has passed on our clock (waiting, never racing it). */
async function pastWindow(record: ResourceInitError): Promise<void> {
  const settledBy = attemptOf(record.properties)!.settledBy;
  while (Date.now() <= settledBy)
    await new Promise((r) => setTimeout(r, settledBy + 5 - Date.now()));
}

describe("exact ownership", () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProviderHarness();
  });
  afterAll(() => h.close());
  const spies: jest.SpyInstance[] = [];
  beforeEach(() => {
    h.emulator.admin.reset();
    nextRun();
  });
  afterEach(() => {
    h.emulator.admin.unfreezeClock();
    for (const spy of spies.splice(0)) spy.mockRestore();
  });

  const ended = (status: string) => /^(TERMINATING|TERMINATED|terminated)$/.test(status);
  const live = async (kind: "pods" | "vms", name: string): Promise<{ id: string }[]> =>
    kind === "pods"
      ? (await h.client.pods.list()).filter((r) => r.name === name && !ended(r.status))
      : (await h.client.vms.findByName(name)).filter((r) => !ended(r.status));
  const livePodIds = async (name = "dup") => (await live("pods", name)).map((p) => p.id).sort();
  const vmTypeId = async () =>
    (await h.client.vms.types())
      .find((t) => t.gpuType === VM.gpuType)!
      .regions.find((r) => r.region === VM.region)!.vmTypeId;

  /** Arms `after` the moment the provider's next create of `kind` has been answered or failed. */
  function afterCreate(kind: "pods" | "vms", after: () => void | Promise<void>): Promise<void> {
    const collection = yotta()[kind];
    const real = collection.create.bind(collection) as (...a: unknown[]) => Promise<unknown>;
    return new Promise((armed) => {
      const spy = jest.spyOn(collection, "create");
      spies.push(spy);
      spy.mockImplementationOnce((async (...args: unknown[]) => {
        try {
          return await real(...args);
        } finally {
          await after();
          armed();
        }
      }) as never);
    });
  }

  async function recordThatMadeAPod(): Promise<{ record: ResourceInitError; made: string }> {
    // The create commits, its answer is lost, and every lookup fails until the deadline.
    h.emulator.admin.addFault({ type: "dropResponse", route: "POST /v2/pods", times: 1 });
    const lookupsFail = afterCreate("pods", () =>
      h.emulator.admin.addFault({ type: "serverError", route: "GET /v2/pods" }),
    );
    const record = await pending(create("pod", POD));
    await lookupsFail;
    h.emulator.admin.clearFaults();
    const [made] = await livePodIds();
    expect(made).toBeDefined();
    return { record, made: made! };
  }

  describe("a pending record never claims what another owner made", () => {
    test("pod: another owner's pod of the same name and spec, made after the look window", async () => {
      h.emulator.admin.addFault({ type: "reset", route: "POST /v2/pods", times: 1 });
      const record = await pending(create("pod", POD));
      expect(await livePodIds()).toEqual([]); // the reset came before the service made anything
      await pastWindow(record);
      h.emulator.admin.advance(10_000);
      const foreign = await h.client.pods.create({ ...POD } as never);
      h.emulator.admin.settle();

      nextRun(); // `pulumi refresh`: the record is dropped, the foreign pod is not taken
      expect(await call("pod", "read", [record.id, record.properties])).toEqual({});
      nextRun(); // `pulumi destroy` instead: nothing is deleted
      await call("pod", "remove", [record.id, record.properties]);
      expect(await livePodIds()).toEqual([foreign.id]);
    });

    test("volume: another owner's CEPH volume of the name, made after the look window", async () => {
      // The first send and both re-sends are reset: the outcome stays unknown.
      h.emulator.admin.addFault({ type: "reset", route: "POST /v2/volumes", times: 3 });
      const record = await pending(create("volume", VOLUME));
      await pastWindow(record);
      h.emulator.admin.advance(10_000);
      const foreign = await h.client.volumes.create(VOLUME as never);
      h.emulator.admin.settle();

      nextRun();
      expect(await call("volume", "read", [record.id, record.properties])).toEqual({});
      nextRun();
      await call("volume", "remove", [record.id, record.properties]);
      expect((await h.client.volumes.get(foreign.id)).status).toBe("active");
    });
  });

  describe("one cloud resource, one record", () => {
    test("two pods of one program with one name: the reset create never takes its sibling's pod", async () => {
      h.emulator.admin.addFault({ type: "reset", route: "POST /v2/pods", times: 1 });
      const [first, second] = await Promise.allSettled([create("pod", POD), create("pod", POD)]);
      const made = [first, second].filter((r) => r.status === "fulfilled");
      const failed = [first, second].filter((r) => r.status === "rejected");
      expect(made).toHaveLength(1);
      expect(failed).toHaveLength(1);
      const sibling = (made[0] as PromiseFulfilledResult<{ id: string }>).value;
      const record = (failed[0] as PromiseRejectedResult).reason as ResourceInitError;
      expect(isPendingId(record.id)).toBe(true);
      expect(await livePodIds()).toEqual([sibling.id]);

      // The next `up` replaces the record, deleting first: the sibling's pod is left alone.
      nextRun();
      await call("pod", "diff", [sibling.id, {}, {}]); // the engine diffs the sibling's record too
      await call("pod", "remove", [record.id, record.properties]);
      expect(await livePodIds()).toEqual([sibling.id]);
    });

    test("an answer dropped after the commit and a reset, with a lagging list: each record settles on its own", async () => {
      // The list shows a pod only a minute after it was made, on the emulator's clock.
      h.emulator.admin.freezeClock();
      h.emulator.admin.setTiming({ listLagMs: 60_000 });
      h.emulator.admin.addFault({ type: "dropResponse", route: "POST /v2/pods", times: 1 });
      const firstPost = afterCreate("pods", () =>
        h.emulator.admin.addFault({ type: "reset", route: "POST /v2/pods", times: 1 }),
      );
      const first = pending(create("pod", POD));
      await firstPost;
      const second = pending(create("pod", POD));
      const [dropped, reset] = await Promise.all([first, second]);
      h.emulator.admin.advance(120_000); // the list catches up
      expect(await livePodIds()).toHaveLength(1); // the dropped answer's pod
      const [made] = await livePodIds();

      nextRun(); // `pulumi refresh`
      const settled = await Promise.all([
        call("pod", "read", [dropped.id, dropped.properties]),
        call("pod", "read", [reset.id, reset.properties]),
      ]);
      expect(settled[0]).toMatchObject({ id: made });
      expect(settled[1]).toEqual({});
    });
  });

  describe("adoptId on a pending record adopts, and never deletes, the resource it names", () => {
    test("in the engine's order: diff, delete the record first, then the create adopts", async () => {
      const { record, made } = await recordThatMadeAPod();
      nextRun(); // the next `up`, with adoptId: the pod the attempt made
      const news = await checked("pod", { ...POD, adoptId: made });
      const diff = (await call("pod", "diff", [record.id, record.properties, news])) as {
        replaces: string[];
        deleteBeforeReplace: boolean;
      };
      expect(diff.replaces).toEqual([PENDING_KEY]);
      expect(diff.deleteBeforeReplace).toBe(true);
      await call("pod", "remove", [record.id, record.properties]);
      expect(await livePodIds()).toEqual([made]);
      const adopted = (await call("pod", "create", [news])) as { id: string };
      expect(adopted.id).toBe(made);
      expect(await livePodIds()).toEqual([made]);
    });

    test("killed between the delete and the create: the next run's create adopts", async () => {
      const { record, made } = await recordThatMadeAPod();
      nextRun();
      const news = await checked("pod", { ...POD, adoptId: made });
      await call("pod", "diff", [record.id, record.properties, news]);
      await call("pod", "remove", [record.id, record.properties]);
      nextRun(); // killed here; the state holds no record of the pod, the program still says adoptId
      const adopted = (await call("pod", "create", [
        await checked("pod", { ...POD, adoptId: made }),
      ])) as { id: string };
      expect(adopted.id).toBe(made);
      expect(await livePodIds()).toEqual([made]);
    });

    test("without adoptId the same replacement deletes what the attempt made, then creates once", async () => {
      const { record, made } = await recordThatMadeAPod();
      nextRun();
      const news = await checked("pod", POD);
      await call("pod", "diff", [record.id, record.properties, news]);
      await call("pod", "remove", [record.id, record.properties]);
      expect(await livePodIds()).toEqual([]);
      const fresh = (await call("pod", "create", [news])) as { id: string };
      expect(fresh.id).not.toBe(made);
      expect(await livePodIds()).toEqual([fresh.id]);
    });
  });

  describe("a pending record whose stored inputs today's rules refuse", () => {
    async function oldRecord(): Promise<{ record: ResourceInitError; props: Props; made: string }> {
      const { record, made } = await recordThatMadeAPod();
      // As an older release may have written it: a value today's image rule refuses.
      return { record, props: { ...record.properties, image: "pytorch pytorch" }, made };
    }

    test("refresh records the pod its attempt made under its real id", async () => {
      const { record, props, made } = await oldRecord();
      nextRun();
      expect(await call("pod", "read", [record.id, props])).toMatchObject({ id: made });
    });

    test("destroy deletes the pod its attempt made", async () => {
      const { record, props } = await oldRecord();
      nextRun();
      await call("pod", "remove", [record.id, props]);
      expect(await livePodIds()).toEqual([]);
    });

    test("up replaces it: the delete, then one create", async () => {
      const { record, props } = await oldRecord();
      nextRun();
      const news = await checked("pod", POD);
      expect(await call("pod", "diff", [record.id, props, news])).toMatchObject({
        deleteBeforeReplace: true,
      });
      await call("pod", "remove", [record.id, props]);
      const fresh = (await call("pod", "create", [news])) as { id: string };
      expect(await livePodIds()).toEqual([fresh.id]);
    });
  });

  describe("the token, and what the messages advise", () => {
    test("a pod carries its create's token, which drift and the outputs never show", async () => {
      const made = await create("pod", { ...POD, environment: { MODEL: "llama" } });
      const body = h.emulator.admin.requests({ method: "POST", path: "/v2/pods" })[0]!.body as {
        environmentVars: { key: string; value: string }[];
      };
      expect(body.environmentVars).toEqual([
        { key: "MODEL", value: "llama" },
        { key: CREATE_TOKEN_VAR, value: expect.stringMatching(/^[0-9a-f]{16}$/) },
      ]);
      expect(made.outs.environment).toEqual({ MODEL: "llama" });
      const read = (await call("pod", "read", [made.id, made.outs])) as { props: Props };
      expect(read.props.environment).toEqual({ MODEL: "llama" });
      expect(
        await call("pod", "diff", [
          made.id,
          read.props,
          await checked("pod", { ...POD, environment: { MODEL: "llama" } }),
        ]),
      ).toMatchObject({ changes: false });
    });

    test("the token's variable is the provider's own: check refuses it, naming the field", async () => {
      const result = (await call("pod", "check", [
        {},
        withProvider({ ...POD, environment: { [CREATE_TOKEN_VAR]: "mine" } }),
      ])) as { failures: { property: string; reason: string }[] };
      expect(result.failures).toEqual([
        {
          property: `environment.${CREATE_TOKEN_VAR}`,
          reason: expect.stringContaining("is set by pulumi-yotta itself"),
        },
      ]);
    });

    test("a pending delete while the outcome is unknown: 'run the command again later', which then works", async () => {
      const { record, made } = await recordThatMadeAPod();
      // The same record while its look window is still open, and every lookup failing.
      const attempt = attemptOf(record.properties)!;
      const open = {
        ...record.properties,
        [PENDING_KEY]: { ...attempt, settledBy: Date.now() + 300 },
      };
      h.emulator.admin.addFault({ type: "serverError", route: "GET /v2/pods" });
      nextRun();
      const early = await failure(call("pod", "remove", [record.id, open]));
      expect(early.message).toMatch(
        /pod dup: whether the earlier create made it is still unknown .*nothing was deleted\. Run the command again later\./s,
      );
      h.emulator.admin.clearFaults();
      expect(await livePodIds()).toEqual([made]);

      // Later, as advised: the same delete finds the pod by its token and deletes it.
      nextRun();
      await call("pod", "remove", [record.id, record.properties]);
      expect(await livePodIds()).toEqual([]);
    });

    test("several VMs of the name appear in the window: none taken; deleting the others and setting adoptId works", async () => {
      const typeId = await vmTypeId();
      h.emulator.admin.addFault({ type: "dropResponse", route: "POST /v2/vms", times: 1 });
      let foreignId = "";
      const arranged = afterCreate("vms", async () => {
        // Another owner makes a VM of the name and type while ours is in doubt.
        foreignId = (
          await h.client.vms.create({ vmTypeId: typeId, region: VM.region, name: VM.name } as never)
        ).id;
      });
      const error = await failure(create("vm", VM));
      await arranged;
      expect(error).not.toBeInstanceOf(ResourceInitError);
      expect(error.message).toMatch(
        /2 vms with this name and spec appeared .*None was adopted\. Delete the ones you do not want, then set adoptId to the one to keep\./s,
      );
      const ids = (await live("vms", VM.name)).map((v) => v.id);
      expect(ids).toHaveLength(2);
      const ours = ids.find((id) => id !== foreignId)!;

      // The advice, followed: the foreign one is deleted (by its owner), ours adopted.
      await h.client.vms.terminate(foreignId);
      h.emulator.admin.settle();
      nextRun();
      const adopted = (await call("vm", "create", [
        await checked("vm", { ...VM, adoptId: ours }),
      ])) as { id: string };
      expect(adopted.id).toBe(ours);
    });

    test("two VMs of one program with one name: the reset create never takes its sibling's VM", async () => {
      h.emulator.admin.addFault({ type: "reset", route: "POST /v2/vms", times: 1 });
      const results = await Promise.allSettled([create("vm", VM), create("vm", VM)]);
      const made = results.filter((r) => r.status === "fulfilled");
      expect(made).toHaveLength(1);
      const sibling = (made[0] as PromiseFulfilledResult<{ id: string }>).value;
      const record = (results.find((r) => r.status === "rejected") as PromiseRejectedResult)
        .reason as ResourceInitError;
      expect(isPendingId(record.id)).toBe(true);
      expect((await live("vms", VM.name)).map((v) => v.id)).toEqual([sibling.id]);
    });
  });
});
