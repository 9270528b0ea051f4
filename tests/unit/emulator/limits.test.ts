import { ConfigError, type EmulatorOptions } from "../../../emulator";
import { POD, startApi, type Api, type Reply } from "./helpers";

const OTHER_KEY = "second-key";

let api: Api;
afterEach(() => api.close());

async function start(options: EmulatorOptions = {}): Promise<void> {
  api = await startApi({ frozenClock: true, apiKeys: [OTHER_KEY], ...options });
}

const create = (key?: string): Promise<Reply> =>
  api.call("POST", "/v2/pods", POD, key === undefined ? {} : { "x-api-key": key });

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${api.emulator.url}/_emulator${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe("limits.requestsPerSecond", () => {
  test("a token bucket per key on the emulator clock: a burst, 429 with Retry-After, refill", async () => {
    await start({ limits: { requestsPerSecond: 2, burst: 2 } });
    const { admin: a } = api.emulator;
    // [what happens, key, ms to advance first, HTTP status, Retry-After, pods afterwards]
    const steps: Array<[string, string | undefined, number, number, string | null, number]> = [
      ["1st request takes a token", undefined, 0, 200, null, 1],
      ["2nd request empties the bucket", undefined, 0, 200, null, 2],
      ["3rd request is refused before anything is made", undefined, 0, 429, "1", 2],
      ["another key has its own bucket", OTHER_KEY, 0, 200, null, 3],
      ["499 ms later no token is back yet", undefined, 499, 429, "1", 3],
      ["500 ms after the burst one token is back", undefined, 1, 200, null, 4],
      ["and spent again at once", undefined, 0, 429, "1", 4],
      ["a second later two are back", undefined, 1000, 200, null, 5],
    ];
    for (const [what, key, advanceMs, status, retryAfter, pods] of steps) {
      a.advance(advanceMs);
      const reply = await create(key);
      expect({ what, status: reply.status, retryAfter: reply.headers.get("retry-after") }).toEqual({
        what,
        status,
        retryAfter,
      });
      if (status === 429) {
        expect(reply.body).toEqual({ message: "too many requests", code: 429, data: null });
      }
      expect({ what, pods: a.list("pod").length }).toEqual({ what, pods });
    }
    expect(await create()).toMatchObject({ status: 200 });
  });

  test.each<[string, Partial<EmulatorOptions["limits"]>, number, string]>([
    ["2/s: the next token in half a second", { requestsPerSecond: 2, burst: 2 }, 2, "1"],
    ["burst defaults to requestsPerSecond", { requestsPerSecond: 3 }, 3, "1"],
    ["a quarter a second: 4 s to the next token", { requestsPerSecond: 0.25 }, 1, "4"],
    ["0.4 a second: 2.5 s, rounded up", { requestsPerSecond: 0.4, burst: 1 }, 1, "3"],
    ["a burst larger than the rate", { requestsPerSecond: 1, burst: 5 }, 5, "1"],
  ])("%s", async (_label, limits, passing, retryAfter) => {
    await start({ limits });
    for (let i = 0; i < passing; i++) expect((await api.call("GET", "/v2/pods")).status).toBe(200);
    const refused = await api.call("GET", "/v2/pods");
    expect([refused.status, refused.headers.get("retry-after")]).toEqual([429, retryAfter]);
  });

  test("off by default and at 0: every request passes", async () => {
    await start();
    expect(api.emulator.admin.config().limits).toMatchObject({ requestsPerSecond: 0, burst: 0 });
    for (let i = 0; i < 20; i++) expect((await api.call("GET", "/v2/pods")).status).toBe(200);
  });

  test("refusals are labelled in the request log; a key that is not accepted stays 401", async () => {
    await start({ limits: { requestsPerSecond: 1 } });
    await create();
    await create();
    expect((await create("wrong-key")).status).toBe(401);
    expect(api.emulator.admin.requests().map((r) => [r.status, r.code, r.fault])).toEqual([
      [200, 10000, null],
      [429, 429, "requestsPerSecond"],
      [401, 401, null],
    ]);
    expect(api.emulator.admin.requests()[1]?.rawBody).toBe(JSON.stringify(POD));
  });

  test("a refused request draws no fault: a one-time fault waits for a request that passes", async () => {
    await start({
      limits: { requestsPerSecond: 1 },
      faults: [{ type: "serverError", times: 1, route: "GET /v2/pods" }],
    });
    expect((await api.call("GET", "/v2/pods")).status).toBe(500);
    expect((await api.call("GET", "/v2/pods")).status).toBe(429);
    api.emulator.admin.advance(1000);
    expect((await api.call("GET", "/v2/pods")).status).toBe(200);
  });

  test("set through PATCH /limits; the admin API itself is never limited", async () => {
    await start();
    const patched = await admin("PATCH", "/limits", { requestsPerSecond: 1, burst: 1 });
    expect(await patched.json()).toMatchObject({ requestsPerSecond: 1, burst: 1 });
    expect((await create()).status).toBe(200);
    expect((await create()).status).toBe(429);
    for (let i = 0; i < 5; i++) expect((await admin("GET", "/config")).status).toBe(200);
    expect((await admin("PATCH", "/limits", { requestsPerSecond: 0 })).status).toBe(200);
    expect((await create()).status).toBe(200);
  });

  test.each<[string, unknown]>([
    ["a negative rate", { requestsPerSecond: -1 }],
    ["a burst that is not a number", { burst: "10" }],
  ])("a limit with %s is refused", async (_label, limits) => {
    await start();
    expect(() => api.emulator.admin.setLimits(limits as object)).toThrow(ConfigError);
    expect((await admin("PATCH", "/limits", limits)).status).toBe(400);
  });
});
