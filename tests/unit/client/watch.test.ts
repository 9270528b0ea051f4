// The watcher (client/core/watch.ts): what its rounds call, and when. A fake source counts the
// calls; jest's fake timers drive both the watcher and waitFor, so nothing races the wall clock.
import {
  DEFAULT_MIN_GAP_MS,
  NotFoundError,
  ServerError,
  Watcher,
  waitFor,
  type RequestOptions,
  type WatchSource,
} from "../../../client";

interface Thing {
  id: string;
  status: string;
}

/** A kind whose records the test edits, with every call counted. */
class FakeKind implements WatchSource<Thing> {
  readonly records = new Map<string, Thing>();
  /** Ids the list leaves out (a lagging list), though a GET finds them. */
  readonly unlisted = new Set<string>();
  lists = 0;
  gets: string[] = [];
  failLists = false;
  /** Resolves the list calls by hand when set. */
  holdLists: (() => void)[] | undefined;

  /** The deadline each call was given. */
  readonly deadlines: (number | undefined)[] = [];

  async list(options?: RequestOptions): Promise<Thing[]> {
    this.lists++;
    this.deadlines.push(options?.deadline);
    if (this.holdLists) await new Promise<void>((resolve) => this.holdLists!.push(resolve));
    if (this.failLists) throw new ServerError("things.list: HTTP 502", { status: 502 });
    return [...this.records.values()]
      .filter((r) => !this.unlisted.has(r.id))
      .map((r) => ({ ...r }));
  }

  async get(id: string, options?: RequestOptions): Promise<Thing> {
    this.gets.push(id);
    this.deadlines.push(options?.deadline);
    const found = this.records.get(id);
    if (!found) throw new NotFoundError(`things.get: ${id} not found`, { code: 13000 });
    return { ...found };
  }

  idOf(thing: Thing): string {
    return thing.id;
  }

  add(...ids: string[]): void {
    for (const id of ids) this.records.set(id, { id, status: "PENDING" });
  }
}

const INTERVAL = { initialMs: 1_000, maxMs: 10_000, factor: 1.5 };

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** Lets the timers run for `ms`, settling the promises between them. */
const pass = (ms: number) => jest.advanceTimersByTimeAsync(ms);

test("N waiters cost one list per interval, and no GET", async () => {
  const kind = new FakeKind();
  const watcher = new Watcher(kind);
  const ids = Array.from({ length: 50 }, (_, i) => `p${i}`);
  kind.add(...ids);
  const polls: number[] = [];
  const waits = ids.map((id) =>
    waitFor(watcher.of(id), {
      done: (t) => t.status === "RUNNING",
      interval: INTERVAL,
      onProgress: () => polls.push(Date.now()),
    }),
  );
  // One waiter alone would poll at 0, 1, 2.5, 4.75, 8.13 and 13.2 s: six calls in 14 s.
  await pass(14_000);
  expect(kind.lists).toBe(6);
  expect(kind.gets).toEqual([]);
  for (const id of ids) kind.records.get(id)!.status = "RUNNING";
  await pass(10_000);
  await expect(Promise.all(waits)).resolves.toHaveLength(50);
  expect(kind.lists).toBe(7);
  expect(kind.gets).toEqual([]);
});

test("waiters that joined at different times are served together from then on", async () => {
  const kind = new FakeKind();
  const watcher = new Watcher(kind);
  kind.add("early", "late");
  const wait = (id: string) =>
    waitFor(watcher.of(id), { done: (t) => t.status === "RUNNING", interval: INTERVAL });
  const early = wait("early");
  await pass(6_000); // early: polls at 0, 1, 2.5, 4.75 s (GETs: it is alone)
  expect(kind.gets).toHaveLength(4);
  const late = wait("late");
  await pass(60_000);
  // From the late one's first poll on, every round reads both with one list: the rounds follow
  // the late one's shorter pauses, and the early one is served by each.
  const listsAfterJoin = kind.lists;
  expect(kind.gets).toHaveLength(4);
  for (const id of ["early", "late"]) kind.records.get(id)!.status = "RUNNING";
  await pass(10_000);
  await Promise.all([early, late]);
  expect(kind.lists).toBe(listsAfterJoin + 1);
  expect(kind.gets).toHaveLength(4);
});

test("one waiter alone is read by id, not by a list", async () => {
  const kind = new FakeKind();
  const watcher = new Watcher(kind);
  kind.add("solo");
  const wait = waitFor(watcher.of("solo"), {
    done: (t) => t.status === "RUNNING",
    interval: INTERVAL,
  });
  await pass(3_000);
  kind.records.get("solo")!.status = "RUNNING";
  await pass(3_000);
  await wait;
  expect(kind.lists).toBe(0);
  expect(kind.gets).toEqual(["solo", "solo", "solo", "solo"]);
});

test("reads arriving together share one list; nothing is kept for the next read", async () => {
  const kind = new FakeKind();
  const watcher = new Watcher(kind, { gatherMs: 20 });
  kind.add("a", "b", "c");
  const reads = Promise.all(["a", "b", "c"].map((id) => watcher.get(id)));
  await pass(20);
  expect(await reads).toEqual(["a", "b", "c"].map((id) => ({ id, status: "PENDING" })));
  expect(kind.lists).toBe(1);

  kind.records.get("a")!.status = "RUNNING";
  const again = Promise.all([watcher.get("a"), watcher.get("b")]);
  await pass(DEFAULT_MIN_GAP_MS);
  expect((await again).map((t) => t.status)).toEqual(["RUNNING", "PENDING"]);
  expect(kind.lists).toBe(2);
  expect(kind.gets).toEqual([]);
});

test("rounds start at least minGapMs apart: reads arriving one after another share them", async () => {
  const kind = new FakeKind();
  const watcher = new Watcher(kind, { gatherMs: 20, minGapMs: 500 });
  const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
  kind.add(...ids);
  const startedAt: number[] = [];
  const list = kind.list.bind(kind);
  kind.list = () => {
    startedAt.push(Date.now());
    return list();
  };
  // One read every 100 ms for two seconds: each would start a round of its own 20 ms later.
  const reads: Promise<Thing>[] = [];
  for (const id of ids) {
    reads.push(watcher.get(id));
    await pass(100);
  }
  await pass(1_000);
  await expect(Promise.all(reads)).resolves.toHaveLength(20);
  const rounds = kind.lists + kind.gets.length;
  expect(rounds).toBeLessThanOrEqual(5);
  for (const [i, t] of startedAt.slice(1).entries()) {
    expect(t - startedAt[i]!).toBeGreaterThanOrEqual(500);
  }
});

test("a resource missing from the list is read by id before it counts as gone", async () => {
  const kind = new FakeKind();
  const watcher = new Watcher(kind);
  kind.add("listed", "lagging");
  kind.unlisted.add("lagging");
  const reads = Promise.all([
    watcher.ofOrGone("listed").get(),
    watcher.ofOrGone("lagging").get(),
    watcher.ofOrGone("deleted").get(),
  ]);
  await pass(20);
  expect(await reads).toEqual([
    { id: "listed", status: "PENDING" },
    { id: "lagging", status: "PENDING" },
    undefined,
  ]);
  expect(kind.lists).toBe(1);
  expect(kind.gets.sort()).toEqual(["deleted", "lagging"]);
  // Without `OrGone`, a gone resource rejects as the client's own get does.
  const gone = watcher.get("deleted");
  const rejected = expect(gone).rejects.toBeInstanceOf(NotFoundError);
  await pass(DEFAULT_MIN_GAP_MS);
  await rejected;
});

test("when the list call fails, each id gets the outcome of its own GET", async () => {
  const kind = new FakeKind();
  const watcher = new Watcher(kind);
  kind.add("a", "b");
  kind.failLists = true;
  const reads = Promise.allSettled([watcher.get("a"), watcher.get("b"), watcher.get("nope")]);
  const whole = watcher.list().catch((e: unknown) => e);
  await pass(20);
  const [a, b, nope] = await reads;
  expect(a).toEqual({ status: "fulfilled", value: { id: "a", status: "PENDING" } });
  expect(b).toEqual({ status: "fulfilled", value: { id: "b", status: "PENDING" } });
  expect(nope.status === "rejected" && NotFoundError.isInstance(nope.reason)).toBe(true);
  expect(ServerError.isInstance(await whole)).toBe(true);
  expect(kind.lists).toBe(1);
});

test("a request made while a round runs is served by a later round, never by that one", async () => {
  const kind = new FakeKind();
  const watcher = new Watcher(kind);
  kind.add("a", "b");
  kind.holdLists = [];
  const first = Promise.all([watcher.get("a"), watcher.get("b")]);
  await pass(20);
  expect(kind.lists).toBe(1); // the list has started and is held
  kind.records.get("a")!.status = "RUNNING";
  const second = Promise.all([watcher.get("a"), watcher.get("b")]);
  await pass(100);
  expect(kind.lists).toBe(1); // one round at a time
  kind.holdLists.shift()!();
  kind.holdLists = undefined;
  await pass(0);
  // The second requests get a round of their own, which starts after the first one ends.
  await first;
  await pass(DEFAULT_MIN_GAP_MS);
  expect((await second).map((t) => t.status)).toEqual(["RUNNING", "PENDING"]);
  expect(kind.lists).toBe(2);
});

test("an aborted waiter leaves the round without the others noticing", async () => {
  const kind = new FakeKind();
  const watcher = new Watcher(kind);
  kind.add("a", "b");
  const controller = new AbortController();
  const aborted = watcher.next("a", 5_000, { signal: controller.signal }).catch((e: unknown) => e);
  const kept = watcher.next("b", 5_000);
  controller.abort();
  expect(String(await aborted)).toContain("aborted");
  await pass(5_000);
  await expect(kept).resolves.toEqual({ id: "b", status: "PENDING" });
  expect(kind.gets).toEqual(["b"]);
  expect(kind.lists).toBe(0);
});

test("each call carries the latest deadline of the waits it serves, so a 429 is retried until then", async () => {
  const kind = new FakeKind();
  const watcher = new Watcher(kind);
  kind.add("a", "b");
  const start = Date.now();
  const waits = ["a", "b"].map((id, i) =>
    waitFor(watcher.of(id), {
      done: (t) => t.status === "RUNNING",
      interval: INTERVAL,
      timeoutMs: (i + 1) * 60_000,
    }),
  );
  await pass(20);
  expect(kind.deadlines).toEqual([start + 120_000]); // one list, for both
  // A read without a deadline leaves the call to the client's own budget.
  const read = watcher.get("a");
  await pass(1_000);
  await read;
  expect(kind.deadlines.slice(-1)).toEqual([undefined]);
  for (const id of ["a", "b"]) kind.records.get(id)!.status = "RUNNING";
  await pass(10_000);
  await Promise.all(waits);
  // The lone GET for one waiter carries that waiter's own deadline.
  const solo = waitFor(watcher.of("b"), { done: () => true, timeoutMs: 30_000 });
  await pass(20);
  await solo;
  expect(kind.deadlines.slice(-1)).toEqual([Date.now() - 20 + 30_000]);
});

test("a wait that starts from what a create answered makes no call for its first poll", async () => {
  const kind = new FakeKind();
  const watcher = new Watcher(kind);
  kind.add("new");
  const wait = waitFor(watcher.of("new", { known: { id: "new", status: "PENDING" } }), {
    done: (t) => t.status === "RUNNING",
    interval: INTERVAL,
  });
  await pass(500);
  expect(kind.gets).toEqual([]);
  kind.records.get("new")!.status = "RUNNING";
  await pass(1_000);
  await wait;
  expect(kind.gets).toEqual(["new"]);
});

test("a wait after a delete polls first after firstAfterMs, not at once", async () => {
  const kind = new FakeKind();
  const watcher = new Watcher(kind);
  const wait = waitFor(watcher.ofOrGone("gone", { firstAfterMs: 1_000 }), {
    done: (t) => t === undefined,
    interval: INTERVAL,
  });
  await pass(900);
  expect(kind.gets).toEqual([]);
  await pass(200);
  await expect(wait).resolves.toBeUndefined();
  expect(kind.gets).toEqual(["gone"]);
});
