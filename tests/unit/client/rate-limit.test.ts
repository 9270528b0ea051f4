/**
 * Rate limits over real loopback HTTP, on virtual time: the transport's clock and pause are
 * injected, so these tests never wait for (or race) the wall clock.
 */
import { Agent } from "undici";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_RETRY_POLICY,
  Pods,
  type RetryPolicy,
} from "../../../client";
import { PACE_MIN_MS, Transport } from "../../../client/core/http";
import { envelope, stubServer, type Stub, type StubReply } from "./helpers";

const POD = { id: "1", name: "p", status: "RUNNING" };
const spec = { name: "p", image: "i", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 };

/**
 * Virtual time. `sleep` either moves the clock at once (`auto`) or registers a timer that the
 * test fires with {@link fireNext}, moving the clock to it.
 */
class VirtualTime {
  now = Date.parse("2026-01-01T00:00:00Z");
  readonly slept: number[] = [];
  #timers: { at: number; resolve: () => void }[] = [];

  constructor(readonly auto: boolean) {}

  readonly clock = (): number => this.now;
  readonly sleep = (ms: number): Promise<void> => {
    this.slept.push(ms);
    if (this.auto) {
      this.now += ms;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#timers.push({ at: this.now + ms, resolve }));
  };

  get waiting(): number {
    return this.#timers.length;
  }

  fireNext(): void {
    this.#timers.sort((a, b) => a.at - b.at);
    const timer = this.#timers.shift();
    if (timer === undefined) throw new Error("no timer is waiting");
    this.now = Math.max(this.now, timer.at);
    timer.resolve();
  }
}

/** Lets real I/O happen until `condition` holds (bounded, so a broken test ends). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 10_000) throw new Error("the condition never held");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Fires timers one by one until every promise has settled. */
async function runUntilSettled(time: VirtualTime, calls: Promise<unknown>[]): Promise<void> {
  let settled = 0;
  for (const call of calls)
    void call.then(
      () => settled++,
      () => settled++,
    );
  while (settled < calls.length) {
    await until(() => time.waiting > 0 || settled === calls.length);
    if (time.waiting > 0) {
      time.fireNext();
      // A woken call reaches the dispatcher through promise jobs alone: let them all run
      // before the clock moves on.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

interface Rig {
  stub: Stub;
  pods: Pods;
  /** The virtual time each request was sent at. */
  sentAt: number[];
  close(): Promise<void>;
}

const rigs: Rig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.close()));
});

/** A stub answering `reply(n)` to its n-th request (0-based) and the pods API of one client. */
async function rig(
  time: VirtualTime,
  reply: (n: number) => StubReply,
  options: { retry?: Partial<RetryPolicy>; random?: () => number } = {},
): Promise<Rig> {
  const sentAt: number[] = [];
  let received = 0;
  const stub = await stubServer(() => reply(received++));
  const agent = new Agent();
  const dispatcher = agent.compose((dispatch) => (request, handler) => {
    sentAt.push(time.now);
    return dispatch(request, handler);
  });
  const transport = new Transport({
    apiKey: "k",
    baseUrl: new URL(stub.url),
    timeoutMs: 10_000,
    retry: { ...DEFAULT_RETRY_POLICY, maxRetries: 3, ...options.retry },
    dispatcher,
    userAgent: "test",
    maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
    now: time.clock,
    sleep: time.sleep,
    random: options.random ?? (() => 0.5),
  });
  const made: Rig = {
    stub,
    pods: new Pods(transport),
    sentAt,
    close: async () => {
      await agent.close();
      await stub.close();
    },
  };
  rigs.push(made);
  return made;
}

const tooMany = (shape: "http" | "code", retryAfterSeconds = 1): StubReply => ({
  status: shape === "http" ? 429 : 200,
  headers: { "retry-after": String(retryAfterSeconds) },
  body: envelope(429, null, "too many requests"),
});
const ok = (data: unknown = POD): StubReply => ({ body: envelope(10000, data) });

describe.each(["http", "code"] as const)("a 429 storm (429 as %s)", (shape) => {
  it("a call succeeds after more than maxRetries 429s when its deadline allows", async () => {
    const time = new VirtualTime(true);
    const r = await rig(time, (n) => (n < 6 ? tooMany(shape) : ok()));
    const pod = await r.pods.get("1", { deadline: time.now + 60_000 });
    expect(pod.id).toBe("1");
    expect(r.stub.requests).toHaveLength(7);
    // Each retry came after the server's second, plus the jitter (0.5 of 20%).
    expect(r.sentAt.slice(1).map((t, i) => t - r.sentAt[i]!)).toEqual(Array(6).fill(1_100));
  });

  it("fails with the rate-limit error, naming the call, once the deadline would pass", async () => {
    const time = new VirtualTime(true);
    const r = await rig(time, () => tooMany(shape));
    const started = time.now;
    const error = await r.pods.get("1", { deadline: started + 3_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "rate_limited", call: "pods.get", code: 429 });
    expect((error as Error).message).toMatch(
      /^pods\.get \(GET \/v2\/pods\/1\) failed with HTTP (429|200), code 429: too many requests; still rate limited: the next attempt would start after the call's deadline$/,
    );
    // Sent at 0, 1.1 and 2.2 s; a fourth would start at 3.3 s, past the deadline.
    expect(r.sentAt.map((t) => t - started)).toEqual([0, 1_100, 2_200]);
  });
});

describe("rate limits without a deadline", () => {
  it("are retried for rateLimitBudgetMs (default 5 minutes) from the call's start", async () => {
    const time = new VirtualTime(true);
    const r = await rig(time, () => tooMany("http", 30));
    const started = time.now;
    await expect(r.pods.get("1")).rejects.toMatchObject({ kind: "rate_limited" });
    // 33 s apart (30 s and its jitter): the eleventh would start at 330 s, past 300 s.
    expect(r.sentAt.map((t) => t - started)).toEqual(
      Array.from({ length: 10 }, (_, i) => i * 33_000),
    );
  });

  it("a budget of 0 sends once", async () => {
    const time = new VirtualTime(true);
    const r = await rig(time, () => tooMany("http"), { retry: { rateLimitBudgetMs: 0 } });
    await expect(r.pods.get("1")).rejects.toMatchObject({ kind: "rate_limited" });
    expect(r.stub.requests).toHaveLength(1);
  });
});

describe("other failures keep their bounds", () => {
  it("a 5xx is retried maxRetries times however far the deadline", async () => {
    const time = new VirtualTime(true);
    const r = await rig(time, () => ({ status: 500, body: envelope(10002) }));
    await expect(r.pods.get("1", { deadline: time.now + 3_600_000 })).rejects.toMatchObject({
      kind: "server",
    });
    expect(r.stub.requests).toHaveLength(4);
  });

  it("a create is retried through a 429 storm, making one request that lands", async () => {
    const time = new VirtualTime(true);
    const r = await rig(time, (n) => (n < 5 ? tooMany("http") : ok()));
    await expect(r.pods.create(spec, { deadline: time.now + 60_000 })).resolves.toMatchObject({
      id: "1",
    });
    expect(r.stub.requests.map((q) => `${q.method} ${q.url}`)).toEqual(
      Array(6).fill("POST /v2/pods"),
    );
  });

  it("a create is never sent again after an ambiguous failure, even with time left", async () => {
    const time = new VirtualTime(true);
    const r = await rig(time, () => ({ status: 500, body: envelope(10002) }));
    await expect(r.pods.create(spec, { deadline: time.now + 60_000 })).rejects.toMatchObject({
      kind: "server",
    });
    expect(r.stub.requests).toHaveLength(1);
  });
});

describe("the whole client slows down after a 429 with Retry-After", () => {
  it("a second call waits at the gate until the server's time, without sending", async () => {
    const time = new VirtualTime(false);
    const r = await rig(time, (n) => (n === 0 ? tooMany("http", 2) : ok()));
    const limitedAt = time.now;
    const first = r.pods.get("1");
    await until(() => time.waiting === 1); // the 429 came back; the first call waits to retry

    const second = r.pods.get("2");
    await until(() => time.waiting === 2); // the second call waits too...
    expect(r.stub.requests).toHaveLength(1); // ...without having sent anything

    await runUntilSettled(time, [first, second]);
    await expect(first).resolves.toMatchObject({ id: "1" });
    await expect(second).resolves.toMatchObject({ id: "1" });
    expect(r.stub.requests.map((q) => q.url).sort()).toEqual([
      "/v2/pods/1",
      "/v2/pods/1",
      "/v2/pods/2",
    ]);
    for (const t of r.sentAt.slice(1)) expect(t).toBeGreaterThanOrEqual(limitedAt + 2_000);
  });

  it("a call whose deadline comes before the gate opens fails at once, unsent", async () => {
    const time = new VirtualTime(false);
    const r = await rig(time, (n) => (n === 0 ? tooMany("http", 10) : ok()));
    const first = r.pods.get("1");
    await until(() => time.waiting === 1);

    const error = await r.pods.get("2", { deadline: time.now + 5_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "rate_limited", call: "pods.get" });
    expect((error as Error).message).toContain("not sent");
    expect(r.stub.requests).toHaveLength(1);
    await runUntilSettled(time, [first]);
  });

  it("calls turned away together come back spread out, none before the server's time", async () => {
    const time = new VirtualTime(false);
    let draws = 0;
    const random = () => (draws++ % 12) / 12;
    const r = await rig(time, (n) => (n < 12 ? tooMany("http", 1) : ok()), { random });
    const limitedAt = time.now;
    const calls = Array.from({ length: 12 }, (_, i) => r.pods.get(String(i)));
    await until(() => time.waiting === 12);
    await runUntilSettled(time, calls);

    const retriedAt = r.sentAt.slice(12).map((t) => t - limitedAt);
    expect(retriedAt).toHaveLength(12);
    expect(new Set(retriedAt).size).toBe(12);
    expect(Math.min(...retriedAt)).toBeGreaterThanOrEqual(1_000);
    // Past the gate, the client paces itself: one send per PACE_MIN_MS at most.
    const sorted = [...retriedAt].sort((a, b) => a - b);
    for (const [i, t] of sorted.slice(1).entries()) {
      // (less a little: each answer that is not a 429 narrows the spacing)
      expect(t - sorted[i]!).toBeGreaterThan(PACE_MIN_MS / 2);
    }
    expect(Math.max(...retriedAt)).toBeLessThanOrEqual(1_200 + 11 * PACE_MIN_MS);
  });
});

describe("after a 429 the client paces itself, then eases back", () => {
  it("spaces its sends, widening once per window however many were refused together", async () => {
    const time = new VirtualTime(false);
    const r = await rig(time, (n) => (n < 8 ? tooMany("http", 1) : ok()));
    const first = Array.from({ length: 8 }, (_, i) => r.pods.get(String(i)));
    await until(() => time.waiting === 8);
    await runUntilSettled(time, first);
    // Eight refusals at once widen the spacing once: to PACE_MIN_MS, not 2^8 times that.
    const retried = r.sentAt.slice(8).sort((a, b) => a - b);
    const gaps = retried.slice(1).map((t, i) => t - retried[i]!);
    expect(Math.max(...gaps)).toBeLessThan(2 * PACE_MIN_MS);
    expect(Math.min(...gaps)).toBeGreaterThan(PACE_MIN_MS / 2);
  });

  it("narrows the spacing with each answer that is not a 429, back to none", async () => {
    const time = new VirtualTime(true);
    const r = await rig(time, (n) => (n === 0 ? tooMany("http", 1) : ok()));
    await r.pods.get("1");
    const retried = time.slept.length;
    await r.pods.get("1");
    // Paced: the next call waited for its turn.
    const paced = time.slept.length - retried;
    for (let i = 0; i < 30; i++) await r.pods.get("1");
    const before = time.slept.length;
    await Promise.all(Array.from({ length: 5 }, () => r.pods.get("1")));
    // 0.95^30 of 50 ms is under half of it: the spacing is gone, nobody waits.
    expect(paced).toBe(1);
    expect(time.slept.length).toBe(before);
  });
});
