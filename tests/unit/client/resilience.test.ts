import {
  ConnectionError,
  ServerError,
  TimeoutError,
  isRateLimited,
  type YottaClient,
} from "../../../client";
import { FAST_RETRY, harness, type Harness } from "./helpers";

const spec = { name: "train", image: "img", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 };

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());
beforeEach(() => h.cloud.admin.reset());

/** A pod made before the faults are armed, and the log cleared. */
async function existingPod(): Promise<string> {
  const pod = await h.client.pods.create(spec);
  h.cloud.admin.clearRequests();
  return pod.id;
}

const count = (method: string, route: string) => h.cloud.admin.requests({ method, route }).length;

/** The emulator logs a delayed request once it handles it: wait until nothing is in flight. */
const latencyPassed = (): Promise<void> => h.cloud.admin.idle();

/** Resolves once `condition` holds, checking as the event loop turns. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe("retries of reads, deletes, updates and actions", () => {
  test.each([
    { name: "HTTP 500 with the envelope", fault: { type: "serverError" as const, status: 500 } },
    { name: "HTTP 200 with code 10002", fault: { type: "serverError" as const, status: 200 } },
    {
      name: "HTTP 502 with an HTML page",
      fault: { type: "serverError" as const, status: 502, body: "html" as const },
    },
    {
      name: "HTTP 503 with no body",
      fault: { type: "serverError" as const, status: 503, body: "empty" as const },
    },
    { name: "HTTP 429", fault: { type: "rateLimit" as const } },
    { name: "code 429 in HTTP 200", fault: { type: "rateLimit" as const, status: 200 as const } },
    { name: "a reset connection", fault: { type: "reset" as const } },
  ])("a read survives two of: $name", async ({ fault }) => {
    const id = await existingPod();
    h.cloud.admin.setFaults([{ ...fault, route: "GET /v2/pods/{id}", times: 2 }]);
    expect((await h.client.pods.get(id)).id).toBe(id);
    expect(count("GET", "/v2/pods/{id}")).toBe(3);
  });

  it("gives up after maxRetries retries with the last error", async () => {
    const id = await existingPod();
    h.cloud.admin.setFaults([{ type: "serverError", route: "GET /v2/pods/{id}" }]);
    const error = await h.client.pods.get(id).catch((e: unknown) => e);
    expect(ServerError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 500, code: 10002, call: "pods.get" });
    expect(count("GET", "/v2/pods/{id}")).toBe(4);

    h.cloud.admin.clearRequests();
    const once = h.clientWith({ maxRetries: 0 });
    await expect(once.pods.get(id)).rejects.toMatchObject({ kind: "server" });
    expect(count("GET", "/v2/pods/{id}")).toBe(1);
  });

  test.each([
    {
      call: "pods.pause",
      method: "POST",
      route: "/v2/pods/{id}/pause",
      run: (c: YottaClient, id: string) => c.pods.pause(id),
    },
    {
      call: "pods.delete",
      method: "DELETE",
      route: "/v2/pods/{id}",
      run: (c: YottaClient, id: string) => c.pods.delete(id),
    },
    { call: "pods.list", method: "GET", route: "/v2/pods", run: (c: YottaClient) => c.pods.list() },
  ])("$call is retried", async ({ method, route, run }) => {
    const id = await existingPod();
    h.cloud.admin.settle();
    h.cloud.admin.setFaults([{ type: "serverError", route: `${method} ${route}`, times: 1 }]);
    await run(h.client, id);
    expect(count(method, route)).toBe(2);
  });

  it("a PATCH and a PUT are retried", async () => {
    const credential = await h.client.credentials.create({
      name: "c",
      username: "u",
      password: "p",
    });
    h.cloud.admin.setFaults([
      { type: "reset", route: "PATCH /v2/container-registry-auths/{id}", times: 1 },
    ]);
    await h.client.credentials.update(credential.id, { name: "d" });
    expect(count("PATCH", "/v2/container-registry-auths/{id}")).toBe(2);

    const endpoint = await h.client.endpoints.create({
      name: "e",
      image: "i",
      resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
      workers: 1,
      containerVolumeInGb: 20,
      serviceMode: "ALB",
    });
    h.cloud.admin.settle();
    h.cloud.admin.setFaults([
      { type: "serverError", route: "PUT /v2/serverless/{id}/workers", times: 1 },
    ]);
    await h.client.endpoints.scaleWorkers(endpoint.id, 2);
    expect(count("PUT", "/v2/serverless/{id}/workers")).toBe(2);
  });
});

describe("creates are not retried blindly", () => {
  test.each([
    { name: "a 500", fault: { type: "serverError" as const }, kind: "server" },
    {
      name: "a 10002 in HTTP 200",
      fault: { type: "serverError" as const, status: 200 },
      kind: "server",
    },
    { name: "a reset connection", fault: { type: "reset" as const }, kind: "connection" },
  ])("after $name: one request, the error goes to the caller", async ({ fault, kind }) => {
    h.cloud.admin.setFaults([{ ...fault, route: "POST /v2/pods", times: 1 }]);
    await expect(h.client.pods.create(spec)).rejects.toMatchObject({ kind, call: "pods.create" });
    expect(count("POST", "/v2/pods")).toBe(1);
    expect(h.cloud.admin.list("pod")).toHaveLength(0);
  });

  it("a response lost after the commit: one request, and findByName shows the pod was made", async () => {
    h.cloud.admin.setFaults([{ type: "dropResponse", route: "POST /v2/pods", times: 1 }]);
    const error = await h.client.pods.create(spec).catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect(count("POST", "/v2/pods")).toBe(1);
    const found = await h.client.pods.findByName("train");
    expect(found).toHaveLength(1);
    expect(h.cloud.admin.list("pod").map((p) => p.id)).toEqual([found[0]?.id]);
  });

  it("the same holds for every resource's create", async () => {
    const creates = [
      () => h.client.volumes.create({ name: "v", storageType: "S3" }),
      () => h.client.credentials.create({ name: "c", username: "u", password: "p" }),
      () =>
        h.client.endpoints.create({
          name: "e",
          image: "i",
          resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
          workers: 1,
          containerVolumeInGb: 20,
          serviceMode: "ALB",
        }),
      () => h.client.vms.create({ vmTypeId: "1000", region: "us-east-1", name: "v" }),
    ];
    for (const create of creates) {
      h.cloud.admin.clearRequests();
      h.cloud.admin.setFaults([{ type: "serverError", route: "POST /v2/*", times: 1 }]);
      await expect(create()).rejects.toMatchObject({ kind: "server" });
      expect(h.cloud.admin.requests({ method: "POST" })).toHaveLength(1);
    }
  });

  it("a rate-limit answer (the request was turned away unprocessed) is retried, making one pod", async () => {
    h.cloud.admin.setFaults([{ type: "rateLimit", route: "POST /v2/pods", times: 1 }]);
    await h.client.pods.create(spec);
    expect(count("POST", "/v2/pods")).toBe(2);
    expect(h.cloud.admin.list("pod")).toHaveLength(1);
  });
});

describe("Retry-After", () => {
  it("is honoured", async () => {
    const id = await existingPod();
    const patient = h.clientWith({
      retry: { baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 5_000 },
    });
    h.cloud.admin.setFaults([
      { type: "rateLimit", retryAfterSeconds: 0.25, route: "GET /v2/pods/{id}", times: 1 },
    ]);
    const started = Date.now();
    await patient.pods.get(id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it("is capped at maxRetryAfterMs", async () => {
    const id = await existingPod();
    h.cloud.admin.setFaults([
      { type: "rateLimit", retryAfterSeconds: 30, route: "GET /v2/pods/{id}", times: 2 },
    ]);
    const started = Date.now();
    await h.client.pods.get(id);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(count("GET", "/v2/pods/{id}")).toBe(3);
  });

  it("a lasting rate limit ends as a rate-limit error carrying the server's delay", async () => {
    const id = await existingPod();
    // A client of its own, whose gate no earlier 429 has closed; the server's delay lies far past
    // the deadline, and the deadline far past the first send, so a loaded machine still sends
    // once and gets the 429 before giving up.
    h.cloud.admin.setFaults([
      { type: "rateLimit", retryAfterSeconds: 60, route: "GET /v2/pods/{id}" },
    ]);
    const error = await h
      .clientWith({ retry: { ...FAST_RETRY, maxRetryAfterMs: 120_000 } })
      .pods.get(id, { deadline: Date.now() + 5_000 })
      .catch((e: unknown) => e);
    expect(isRateLimited(error)).toBe(true);
    expect(error).toMatchObject({ retryAfterMs: 60_000, status: 429, code: 429, call: "pods.get" });
    expect((error as Error).message).toContain("deadline");
  });
});

describe("timeouts", () => {
  it("a read with no answer in time times out, and is retried", async () => {
    const id = await existingPod();
    const hasty = h.clientWith({ timeoutMs: 50, maxRetries: 1 });
    h.cloud.admin.setFaults([{ type: "latency", ms: 300, route: "GET /v2/pods/{id}" }]);
    const started = Date.now();
    const error = await hasty.pods.get(id).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("no response within 50 ms");
    expect(Date.now() - started).toBeLessThan(300);
    await latencyPassed();
    expect(count("GET", "/v2/pods/{id}")).toBe(2);
  });

  it("a create that times out is not sent again", async () => {
    const hasty = h.clientWith({ timeoutMs: 50 });
    h.cloud.admin.setFaults([{ type: "latency", ms: 300, route: "POST /v2/pods" }]);
    await expect(hasty.pods.create(spec)).rejects.toMatchObject({ kind: "timeout" });
    await latencyPassed();
    expect(count("POST", "/v2/pods")).toBe(1);
  });

  it("a per-call timeout overrides the client's", async () => {
    const id = await existingPod();
    h.cloud.admin.setFaults([{ type: "latency", ms: 300, route: "GET /v2/pods/{id}" }]);
    await expect(h.client.pods.get(id, { timeoutMs: 30 })).rejects.toMatchObject({
      kind: "timeout",
    });
    await latencyPassed();
    expect(count("GET", "/v2/pods/{id}")).toBe(4);
  });

  it("an aborted call stops at once and is not retried", async () => {
    const id = await existingPod();
    h.cloud.admin.setFaults([{ type: "latency", ms: 300, route: "GET /v2/pods/{id}" }]);
    const controller = new AbortController();
    const call = h.client.pods.get(id, { signal: controller.signal });
    // Aborted while the emulator holds the request, whatever the machine's load.
    await until(() => h.cloud.admin.faultsFired().byType.latency === 1);
    controller.abort();
    await expect(call).rejects.toMatchObject({ kind: "aborted" });
    await latencyPassed();
    expect(count("GET", "/v2/pods/{id}")).toBe(1);
  });
});
