// What a fleet costs the API: the pod provider called through the dispatch entry, as the
// serialized provider calls it, for many pods at once, against the emulator on a frozen clock.
// Waits, reads and name lookups of the process share the pods watcher's rounds: a round serves
// every pod with one list (client/core/watch.ts).
import { call } from "../../../provider/dispatch";
import {
  startProviderHarness,
  withProvider,
  type ProviderHarness,
} from "../../support/provider-harness";

const FLEET = 20;
const pod = (i: number) => ({
  name: `fleet-${i}`,
  image: "pytorch/pytorch:2.4.0",
  gpuType: "NVIDIA_RTX_4090_24G",
  gpuCount: 1,
  regions: ["us-east-1"],
});

type Props = Record<string, unknown>;

async function checked(news: Props): Promise<Props> {
  const result = (await call("pod", "check", [{}, withProvider(news)])) as { inputs: Props };
  return result.inputs;
}

/** Resolves once `condition` holds, checking as the event loop turns (no clock involved). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe("a fleet of pods against the emulator", () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProviderHarness({ frozenClock: true });
  });
  afterAll(() => h.close());
  beforeEach(() => h.emulator.admin.reset());

  const log = () => h.emulator.admin.requests();
  const count = (route: string, from = 0) =>
    log()
      .slice(from)
      .filter((r) => `${r.method} ${r.route}` === route).length;

  async function deploy(): Promise<{ id: string; outs: Props }[]> {
    const inputs = await Promise.all(Array.from({ length: FLEET }, (_, i) => checked(pod(i))));
    const creates = Promise.all(
      inputs.map((i) => call("pod", "create", [i]) as Promise<{ id: string; outs: Props }>),
    );
    await until(() => count("POST /v2/pods") === FLEET);
    const afterPosts = log().length;
    // Every pod is PENDING on the frozen clock: its provider waits, polling.
    await until(() => count("GET /v2/pods", afterPosts) >= 5);
    h.emulator.admin.settle();
    const created = await creates;
    // From the last create on, every poll of every pod was part of a shared list.
    expect(count("GET /v2/pods/{id}", afterPosts)).toBe(0);
    return created;
  }

  test("N waiting pods cost one list per round, not one GET each", async () => {
    const created = await deploy();
    expect(created.map((c) => c.outs.status)).toEqual(Array(FLEET).fill("RUNNING"));
    // The name lookups before the creates shared lists too: far fewer than one per pod.
    const firstPost = log().findIndex((r) => r.method === "POST");
    expect(count("GET /v2/pods") - count("GET /v2/pods", firstPost)).toBeLessThan(FLEET / 2);
  });

  test("a refresh of N pods makes one list", async () => {
    const created = await deploy();
    const before = log().length;
    const reads = (await Promise.all(created.map((c) => call("pod", "read", [c.id, c.outs])))) as {
      id?: string;
    }[];
    expect(reads.map((r) => r.id)).toEqual(created.map((c) => c.id));
    expect(
      log()
        .slice(before)
        .map((r) => `${r.method} ${r.route}`),
    ).toEqual(["GET /v2/pods"]);
  });

  test("a pod missing from the list is confirmed by a GET before it is reported gone", async () => {
    const [deleted, ...others] = await deploy();
    // A pod really gone, and one so new that the list does not show it yet: both are missing
    // from the list, and only a GET tells them apart.
    h.emulator.admin.deleteResource("pod", deleted!.id, { purge: true });
    h.emulator.admin.advance(120_000);
    h.emulator.admin.setTiming({ listLagMs: 60_000 });
    const creating = call("pod", "create", [await checked(pod(FLEET))]) as Promise<{
      id: string;
      outs: Props;
    }>;
    await until(() => count("POST /v2/pods") === FLEET + 1);
    h.emulator.admin.settle();
    const lagging = await creating;
    const before = log().length;
    const reads = (await Promise.all(
      [deleted!, ...others, lagging].map((c) => call("pod", "read", [c.id, c.outs])),
    )) as { id?: string }[];
    expect(reads.map((r) => r.id)).toEqual([undefined, ...others.map((c) => c.id), lagging.id]);
    expect(
      log()
        .slice(before)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([`GET /v2/pods/${lagging.id}`, `GET /v2/pods/${deleted!.id}`, "GET /v2/pods"].sort());
  });

  test("a destroy of N pods waits for them with shared lists", async () => {
    const created = await deploy();
    const before = log().length;
    const removes = Promise.all(created.map((c) => call("pod", "remove", [c.id, c.outs])));
    await until(() => count("DELETE /v2/pods/{id}", before) === FLEET);
    const afterDeletes = log().length;
    await until(() => count("GET /v2/pods", afterDeletes) >= 3);
    h.emulator.admin.settle();
    await removes;
    expect(count("GET /v2/pods/{id}", afterDeletes)).toBe(0);
    expect(h.emulator.admin.list("pod").map((p) => p.status)).toEqual(
      Array(FLEET).fill("TERMINATED"),
    );
  });
});
