import { ConfigError, type Fault } from "../../../emulator";
import { CEPH_VOLUME, ENDPOINT, POD, startApi, type Api } from "./helpers";

let api: Api;
beforeEach(async () => {
  api = await startApi({ frozenClock: true });
});
afterEach(() => api.close());

const podCount = async (): Promise<number> => api.emulator.admin.list("pod").length;

describe("request faults", () => {
  test("serverError: HTTP 500 with code 10002 on the chosen route only; nothing happens", async () => {
    api.emulator.admin.setFaults([{ type: "serverError", route: "POST /v2/pods" }]);
    const reply = await api.call("POST", "/v2/pods", POD);
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ message: "system error", code: 10002, data: null });
    expect(await podCount()).toBe(0);
    expect((await api.call("GET", "/v2/pods")).status).toBe(200);
  });

  test("serverError variants: a gateway's HTML page, an empty body, HTTP 200 with 10002", async () => {
    const { admin } = api.emulator;
    admin.setFaults([{ type: "serverError", status: 502, body: "html", times: 1 }]);
    const html = await api.call("GET", "/v2/pods");
    expect(html.status).toBe(502);
    expect(html.headers.get("content-type")).toBe("text/html");
    expect(html.text).toContain("502");
    admin.setFaults([{ type: "serverError", status: 503, body: "empty", times: 1 }]);
    const empty = await api.call("GET", "/v2/pods");
    expect([empty.status, empty.text]).toEqual([503, ""]);
    admin.setFaults([{ type: "serverError", status: 200, times: 1 }]);
    const business = await api.call("GET", "/v2/pods");
    expect([business.status, business.body.code]).toEqual([200, 10002]);
    expect((await api.call("GET", "/v2/pods")).body.code).toBe(10000);
  });

  const CREATES = {
    pod: { path: "/v2/pods", body: POD },
    volume: { path: "/v2/volumes", body: CEPH_VOLUME },
  } as const;

  test.each<[string, "pod" | "volume", Partial<Fault>, number, string, number]>([
    ["a pod, before handling: nothing is made", "pod", {}, 500, "serverError 500", 0],
    ["a pod, after: the pod is made", "pod", { after: true }, 500, "serverError 500 after", 1],
    [
      "a pod, after, HTTP 200 with code 10002",
      "pod",
      { after: true, status: 200 },
      200,
      "serverError 200 after",
      1,
    ],
    ["a volume, before handling: nothing is made", "volume", {}, 503, "serverError 503", 0],
    [
      "a volume, after: the volume is made",
      "volume",
      { after: true },
      503,
      "serverError 503 after",
      1,
    ],
  ])("serverError on a create, %s", async (_label, kind, options, status, fault, made) => {
    const { path, body } = CREATES[kind];
    api.emulator.admin.setFaults([
      { type: "serverError", route: `POST ${path}`, status, ...options } as Fault,
    ]);
    const reply = await api.call("POST", path, body);
    expect(reply.status).toBe(status);
    expect(reply.body).toEqual({ message: "system error", code: 10002, data: null });
    expect(api.emulator.admin.list(kind)).toHaveLength(made);
    expect(api.emulator.admin.requests({ method: "POST" })).toEqual([
      expect.objectContaining({ status, code: 10002, fault }),
    ]);
  });

  test("serverError after, with an HTML body: the answer is the gateway's page", async () => {
    api.emulator.admin.setFaults([
      { type: "serverError", route: "POST /v2/pods", status: 502, body: "html", after: true },
    ]);
    const reply = await api.call("POST", "/v2/pods", POD);
    expect([reply.status, reply.headers.get("content-type")]).toEqual([502, "text/html"]);
    expect(await podCount()).toBe(1);
  });

  test.each<[string, "pod" | "volume", boolean, string]>([
    ["a pod, before handling: it keeps running", "pod", false, "RUNNING"],
    ["a pod, after: it is terminating", "pod", true, "TERMINATING"],
    ["a volume, before handling: it stays active", "volume", false, "active"],
    ["a volume, after: it is being deleted", "volume", true, "deleting"],
  ])("serverError on a delete, %s", async (_label, kind, after, status) => {
    const { admin } = api.emulator;
    const { path, body } = CREATES[kind];
    const made = await api.ok("POST", path, body);
    admin.settle();
    admin.setFaults([{ type: "serverError", route: `DELETE ${path}/{id}`, after }]);
    expect((await api.call("DELETE", `${path}/${made.id}`)).status).toBe(500);
    expect((admin.get(kind, made.id) as { status: string }).status).toBe(status);
  });

  test("rateLimit: a burst of 429s with Retry-After, then normal answers", async () => {
    api.emulator.admin.setFaults([{ type: "rateLimit", times: 2, retryAfterSeconds: 3 }]);
    for (let i = 0; i < 2; i++) {
      const limited = await api.call("GET", "/v2/pods");
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("3");
      expect(limited.body).toEqual({ message: "too many requests", code: 429, data: null });
    }
    expect((await api.call("GET", "/v2/pods")).status).toBe(200);
  });

  test("rateLimit as code 429 on HTTP 200", async () => {
    api.emulator.admin.setFaults([{ type: "rateLimit", status: 200, times: 1 }]);
    const reply = await api.call("GET", "/v2/pods");
    expect([reply.status, reply.body.code]).toEqual([200, 429]);
  });

  test("latency delays the answer", async () => {
    api.emulator.admin.setFaults([{ type: "latency", ms: 150, route: "GET /v2/pods" }]);
    const start = Date.now();
    await api.ok("GET", "/v2/pods");
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
  });

  test("latency: a create whose client gave up during the delay still commits when it ends", async () => {
    const { admin } = api.emulator;
    admin.setFaults([{ type: "latency", ms: 1000, route: "POST /v2/pods" }]);
    const request = fetch(`${api.emulator.url}/v2/pods`, {
      method: "POST",
      headers: { "x-api-key": api.emulator.apiKey, "content-type": "application/json" },
      body: JSON.stringify(POD),
      signal: AbortSignal.timeout(50),
    });
    await expect(request).rejects.toThrow();
    expect(await podCount()).toBe(0);
    await admin.idle();
    expect(admin.list("pod").map((p) => p.name)).toEqual([POD.name]);
    expect(admin.requests({ method: "POST" })).toEqual([
      expect.objectContaining({ status: 200, code: 10000 }),
    ]);
  });

  test("reset: the connection dies before the request is handled", async () => {
    api.emulator.admin.setFaults([{ type: "reset", route: "POST /v2/pods", times: 1 }]);
    await expect(api.call("POST", "/v2/pods", POD)).rejects.toThrow();
    expect(await podCount()).toBe(0);
    expect(api.emulator.admin.requests({ route: "/v2/pods" })).toEqual([
      expect.objectContaining({ method: "POST", status: null, code: null, fault: "reset" }),
    ]);
    await api.ok("POST", "/v2/pods", POD);
  });

  test("dropResponse: the create commits, then the connection dies without an answer", async () => {
    api.emulator.admin.setFaults([{ type: "dropResponse", route: "POST /v2/pods", times: 1 }]);
    await expect(api.call("POST", "/v2/pods", POD)).rejects.toThrow();
    const pods = await api.ok("GET", "/v2/pods");
    expect(pods).toHaveLength(1);
    expect(pods[0].name).toBe(POD.name);
    expect(api.emulator.admin.requests({ method: "POST" })[0]).toMatchObject({
      status: null,
      fault: "dropResponse",
    });
  });

  test("hold: the create commits, is logged at once, and is never answered", async () => {
    api.emulator.admin.setFaults([{ type: "hold", route: "POST /v2/pods", times: 1 }]);
    const controller = new AbortController();
    const held = fetch(`${api.emulator.url}/v2/pods`, {
      method: "POST",
      headers: { "x-api-key": api.emulator.apiKey, "content-type": "application/json" },
      body: JSON.stringify(POD),
      signal: controller.signal,
    });
    // The log shows it before any answer could: that is where a test kills the caller.
    while (api.emulator.admin.requests({ method: "POST" }).length === 0) {
      await new Promise((r) => setImmediate(r));
    }
    expect(api.emulator.admin.requests({ method: "POST" })[0]).toMatchObject({
      status: null,
      fault: "hold",
    });
    const pods = await api.ok("GET", "/v2/pods");
    expect(pods.map((p: { name: string }) => p.name)).toEqual([POD.name]);
    controller.abort();
    await expect(held).rejects.toThrow();
    // Only the one request was held: the next is answered.
    expect((await api.call("POST", "/v2/pods", POD)).status).toBe(200);
  });

  test("route patterns: method and template, any method, a prefix", async () => {
    const { admin } = api.emulator;
    const pod = await api.ok("POST", "/v2/pods", POD);
    admin.setFaults([{ type: "serverError", route: "/v2/pods/{id}" }]);
    expect((await api.call("GET", `/v2/pods/${pod.id}`)).status).toBe(500);
    expect((await api.call("DELETE", `/v2/pods/${pod.id}`)).status).toBe(500);
    expect((await api.call("GET", "/v2/pods")).status).toBe(200);
    admin.setFaults([{ type: "serverError", route: "GET /v2/serverless*" }]);
    expect((await api.call("GET", "/v2/serverless")).status).toBe(500);
    expect((await api.call("GET", "/v2/serverless/378888638324150969/workers")).status).toBe(500);
    expect((await api.call("POST", "/v2/serverless", ENDPOINT)).status).toBe(200);
  });

  test("a rate draws from the seeded generator: the same seed replays the same failures", async () => {
    const pattern = async (seed: number): Promise<number[]> => {
      const other = await startApi({ seed, faults: [{ type: "serverError", rate: 0.5 }] });
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) statuses.push((await other.call("GET", "/v2/pods")).status);
      await other.close();
      return statuses;
    };
    const first = await pattern(42);
    expect(await pattern(42)).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await pattern(7)).not.toEqual(first);
    // reseed restarts the sequence in a running emulator.
    api.emulator.admin.setFaults([{ type: "serverError", rate: 0.5 }]);
    api.emulator.admin.reseed(42);
    const again: number[] = [];
    for (let i = 0; i < 24; i++) again.push((await api.call("GET", "/v2/pods")).status);
    expect(again).toEqual(first);
  });
});

describe("cloud faults", () => {
  test("podFails: the pod starts, then ends FAILED", async () => {
    const { admin } = api.emulator;
    admin.setFaults([{ type: "podFails", times: 1 }]);
    const failing = await api.ok("POST", "/v2/pods", POD);
    const healthy = await api.ok("POST", "/v2/pods", POD);
    admin.advance(admin.config().timing.podPendingMs);
    expect((await api.ok("GET", `/v2/pods/${failing.id}`)).status).toBe("INITIALIZING");
    admin.settle();
    expect((await api.ok("GET", `/v2/pods/${failing.id}`)).status).toBe("FAILED");
    expect((await api.ok("GET", `/v2/pods/${healthy.id}`)).status).toBe("RUNNING");
    // A FAILED pod can still be deleted.
    await api.ok("DELETE", `/v2/pods/${failing.id}`);
    admin.settle();
    expect((await api.ok("GET", `/v2/pods/${failing.id}`)).status).toBe("TERMINATED");
  });

  test("noCapacity: a region without room is skipped, and no room anywhere refuses the pod", async () => {
    const { admin } = api.emulator;
    admin.setFaults([{ type: "noCapacity", region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G" }]);
    const regions = ["us-east-1", "us-east-2"];
    expect((await api.ok("POST", "/v2/pods", { ...POD, regions })).region).toBe("us-east-2");
    expect(
      (await api.ok("POST", "/v2/pods", { ...POD, gpuType: "NVIDIA_RTX_5090_32G", regions }))
        .region,
    ).toBe("us-east-1");
    admin.addFault({ type: "noCapacity", region: "us-east-2" });
    const refused = await api.call("POST", "/v2/pods", { ...POD, regions });
    expect(refused.body.code).toBe(10001);
    expect(refused.body.message).toBe(
      "regions: no capacity for gpu type [NVIDIA_RTX_4090_24G] in [us-east-1, us-east-2]",
    );
  });

  test.each([
    ["imagePull", /Failed to pull image "vllm\/vllm-openai:latest"/],
    ["crash", /CrashLoopBackOff/],
    ["oom", /OOMKilled/],
  ] as const)(
    "workersFail (%s): workers FAILED, endpoint FAILED, logs say why",
    async (reason, logLine) => {
      const { admin } = api.emulator;
      admin.setFaults([{ type: "workersFail", reason }]);
      const e = await api.ok("POST", "/v2/serverless", ENDPOINT);
      admin.settle();
      expect(await api.ok("GET", `/v2/serverless/${e.id}`)).toMatchObject({
        status: "FAILED",
        totalWorkers: 2,
        runningWorkers: 0,
      });
      const failed = await api.ok("GET", `/v2/serverless/${e.id}/workers?statusList=FAILED`);
      expect(failed).toHaveLength(2);
      const logs = await api.ok("GET", `/v2/serverless/${e.id}/workers/${failed[0].workerId}/logs`);
      expect(logs.logs.map((l: { log: string }) => l.log).join("\n")).toMatch(logLine);
    },
  );

  test("workersFail with a rate: a RUNNING endpoint with fewer running workers", async () => {
    const { admin } = api.emulator;
    admin.setFaults([{ type: "workersFail", times: 1 }]);
    const e = await api.ok("POST", "/v2/serverless", { ...ENDPOINT, workers: 3 });
    admin.settle();
    expect(await api.ok("GET", `/v2/serverless/${e.id}`)).toMatchObject({
      status: "RUNNING",
      totalWorkers: 3,
      runningWorkers: 2,
    });
    expect(await api.ok("GET", `/v2/serverless/${e.id}/workers?statusList=FAILED`)).toHaveLength(1);
  });
});

describe("faults fired", () => {
  const NONE = {
    serverError: 0,
    rateLimit: 0,
    latency: 0,
    reset: 0,
    dropResponse: 0,
    hold: 0,
    podFails: 0,
    workersFail: 0,
    requestsPerSecond: 0,
  };
  const calls = async (n: number, method = "GET", path = "/v2/pods", body?: unknown) => {
    for (let i = 0; i < n; i++) await api.call(method, path, body).catch(() => undefined);
  };

  test.each<[string, Fault, () => Promise<void>, Partial<typeof NONE>]>([
    [
      "serverError, twice of three",
      { type: "serverError", times: 2 },
      () => calls(3),
      { serverError: 2 },
    ],
    [
      "serverError after handling",
      { type: "serverError", after: true },
      () => calls(1, "POST", "/v2/pods", POD),
      { serverError: 1 },
    ],
    ["rateLimit", { type: "rateLimit", times: 1 }, () => calls(2), { rateLimit: 1 }],
    ["latency", { type: "latency", ms: 0 }, () => calls(3), { latency: 3 }],
    ["reset", { type: "reset", times: 1 }, () => calls(2), { reset: 1 }],
    ["dropResponse", { type: "dropResponse", times: 1 }, () => calls(2), { dropResponse: 1 }],
    [
      "podFails, per pod",
      { type: "podFails" },
      () => calls(2, "POST", "/v2/pods", POD),
      { podFails: 2 },
    ],
    [
      "workersFail, per worker",
      { type: "workersFail" },
      async () => {
        await calls(1, "POST", "/v2/serverless", ENDPOINT);
        api.emulator.admin.settle();
      },
      { workersFail: 2 },
    ],
    [
      "a route that never matches",
      { type: "serverError", route: "DELETE /v2/pods/{id}" },
      () => calls(3),
      {},
    ],
  ])("%s", async (_label, fault, act, fired) => {
    api.emulator.admin.setFaults([fault]);
    await act();
    expect(api.emulator.admin.faultsFired().byType).toEqual({ ...NONE, ...fired });
  });

  test("per type across fault changes; per active fault since it was set; reset and DELETE restart", async () => {
    const { admin } = api.emulator;
    admin.setFaults([{ type: "serverError", times: 1 }]);
    await calls(2);
    admin.setFaults([
      { type: "serverError", times: 1 },
      { type: "latency", ms: 0 },
    ]);
    await calls(2);
    expect(admin.faultsFired()).toEqual({
      byType: { ...NONE, serverError: 2, latency: 2 },
      active: [
        { type: "serverError", times: 1, fired: 1 },
        { type: "latency", ms: 0, fired: 2 },
      ],
    });
    const http = async (method: string) =>
      (await fetch(`${api.emulator.url}/_emulator/faults/fired`, { method })).json();
    expect(await http("GET")).toEqual(admin.faultsFired());
    expect(((await http("DELETE")) as { byType: unknown }).byType).toEqual(NONE);
    await calls(1);
    expect(admin.faultsFired().byType).toEqual({ ...NONE, latency: 1 });
    admin.reset();
    expect(admin.faultsFired()).toEqual({ byType: NONE, active: [] });
  });

  test("requests refused by limits.requestsPerSecond are counted", async () => {
    api.emulator.admin.setLimits({ requestsPerSecond: 1 });
    await calls(4);
    expect(api.emulator.admin.faultsFired().byType).toEqual({ ...NONE, requestsPerSecond: 3 });
  });
});

test.each<[string, unknown]>([
  ["an unknown type", { type: "meteor" }],
  ["a rate above 1", { type: "serverError", rate: 2 }],
  ["latency without ms", { type: "latency" }],
  ["serverError after that is not a boolean", { type: "serverError", after: "yes" }],
  ["an unknown region", { type: "noCapacity", region: "mars-1" }],
  ["an unknown worker failure", { type: "workersFail", reason: "gremlins" }],
])("a fault with %s is refused", (_label, fault) => {
  expect(() => api.emulator.admin.setFaults([fault as Fault])).toThrow(ConfigError);
});
