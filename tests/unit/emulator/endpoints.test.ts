import { CREDENTIAL, ENDPOINT, startApi, type Api } from "./helpers";

let api: Api;
beforeEach(async () => {
  api = await startApi({ frozenClock: true });
});
afterEach(() => api.close());

const get = (id: string) => api.ok("GET", `/v2/serverless/${id}`);
const workers = (id: string, query = "") => api.ok("GET", `/v2/serverless/${id}/workers${query}`);

describe("endpoints", () => {
  test("create: INITIALIZING, then RUNNING with every worker running", async () => {
    const { admin } = api.emulator;
    const created = await api.ok("POST", "/v2/serverless", {
      ...ENDPOINT,
      environmentVars: [{ key: "MODEL", value: "llama-3-8b" }],
      expose: { port: 8000, protocol: "http" },
    });
    expect(created).toMatchObject({
      name: ENDPOINT.name,
      status: "INITIALIZING",
      totalWorkers: 2,
      runningWorkers: 0,
      serviceMode: "QUEUE",
      webhook: null,
      environmentVars: [{ key: "MODEL", value: "llama-3-8b" }],
      expose: { port: 8000, protocol: "http" },
      perHourPrice: 0.75,
      cost: 0,
    });
    expect(typeof created.id).toBe("string");
    expect(created.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await workers(created.id)).toEqual([
      expect.objectContaining({ status: "INITIALIZING" }),
      expect.objectContaining({ status: "INITIALIZING" }),
    ]);
    admin.advance(admin.config().timing.endpointInitializingMs);
    // The documents' example: two RTX 4090 workers cost 1.5 an hour.
    expect(await get(created.id)).toMatchObject({
      status: "RUNNING",
      totalWorkers: 2,
      runningWorkers: 2,
      cost: 1.5,
    });
    const running = await workers(created.id, "?statusList=RUNNING");
    expect(running).toHaveLength(2);
    expect(running[0].workerId).toMatch(/^\d+$/);
    expect(typeof running[0].createdAt).toBe("number");
  });

  test("list filters by statusList; get of an unknown endpoint is 24001", async () => {
    const a = await api.ok("POST", "/v2/serverless", ENDPOINT);
    api.emulator.admin.settle();
    const b = await api.ok("POST", "/v2/serverless", { ...ENDPOINT, name: "second" });
    expect(
      (await api.ok("GET", "/v2/serverless?statusList=RUNNING")).map((e: { id: string }) => e.id),
    ).toEqual([a.id]);
    expect((await api.ok("GET", "/v2/serverless?statusList=INITIALIZING,RUNNING")).length).toBe(2);
    expect((await api.ok("GET", "/v2/serverless")).map((e: { id: string }) => e.id)).toEqual([
      a.id,
      b.id,
    ]);
    const missing = await api.call("GET", "/v2/serverless/378888638324150969");
    expect(missing.body).toEqual({ message: "serverless does not exist", code: 24001, data: null });
  });

  test("stop → STOPPING → STOPPED without workers; start brings them back", async () => {
    const { admin } = api.emulator;
    const e = await api.ok("POST", "/v2/serverless", ENDPOINT);
    admin.settle();
    await api.ok("POST", `/v2/serverless/${e.id}/stop`);
    expect(await get(e.id)).toMatchObject({ status: "STOPPING", runningWorkers: 0 });
    expect((await workers(e.id)).map((w: { status: string }) => w.status)).toEqual([
      "TERMINATING",
      "TERMINATING",
    ]);
    expect((await api.call("POST", `/v2/serverless/${e.id}/stop`)).body.code).toBe(24002);
    admin.settle();
    expect(await get(e.id)).toMatchObject({
      status: "STOPPED",
      totalWorkers: 2,
      runningWorkers: 0,
      cost: 0,
    });
    expect(await workers(e.id)).toEqual([]);
    await api.ok("POST", `/v2/serverless/${e.id}/start`);
    expect((await get(e.id)).status).toBe("INITIALIZING");
    expect((await api.call("POST", `/v2/serverless/${e.id}/start`)).body.code).toBe(24002);
    admin.settle();
    expect(await get(e.id)).toMatchObject({ status: "RUNNING", runningWorkers: 2 });
  });

  test("delete is refused with 24002 unless STOPPED", async () => {
    const { admin } = api.emulator;
    const e = await api.ok("POST", "/v2/serverless", ENDPOINT);
    for (const expected of ["INITIALIZING", "RUNNING"]) {
      const refused = await api.call("DELETE", `/v2/serverless/${e.id}`);
      expect(refused.body.code).toBe(24002);
      expect(refused.body.message).toContain(expected);
      admin.settle();
    }
    await api.ok("POST", `/v2/serverless/${e.id}/stop`);
    expect((await api.call("DELETE", `/v2/serverless/${e.id}`)).body.code).toBe(24002);
    admin.settle();
    expect(await api.ok("DELETE", `/v2/serverless/${e.id}`)).toBeNull();
    expect((await api.call("GET", `/v2/serverless/${e.id}`)).body.code).toBe(24001);
  });

  test("scale applies at once to a running endpoint; new workers start after workerStartMs", async () => {
    const { admin } = api.emulator;
    const e = await api.ok("POST", "/v2/serverless", ENDPOINT);
    admin.settle();
    const scaled = await api.ok("PUT", `/v2/serverless/${e.id}/workers?count=4`);
    expect(scaled).toMatchObject({ status: "RUNNING", totalWorkers: 4, runningWorkers: 2 });
    admin.advance(admin.config().timing.workerStartMs);
    expect(await get(e.id)).toMatchObject({ totalWorkers: 4, runningWorkers: 4, cost: 3 });
    await api.ok("PUT", `/v2/serverless/${e.id}/workers?count=1`);
    expect(await get(e.id)).toMatchObject({ totalWorkers: 1, runningWorkers: 1 });
    expect(await workers(e.id)).toHaveLength(1);
  });

  test("scaling a stopped endpoint only records the count", async () => {
    const { admin } = api.emulator;
    const e = await api.ok("POST", "/v2/serverless", ENDPOINT);
    admin.settle();
    await api.ok("POST", `/v2/serverless/${e.id}/stop`);
    admin.settle();
    await api.ok("PUT", `/v2/serverless/${e.id}/workers?count=3`);
    expect(await get(e.id)).toMatchObject({
      status: "STOPPED",
      totalWorkers: 3,
      runningWorkers: 0,
    });
    await api.ok("POST", `/v2/serverless/${e.id}/start`);
    admin.settle();
    expect(await get(e.id)).toMatchObject({ status: "RUNNING", runningWorkers: 3 });
  });

  test("PATCH: a new worker spec redeploys; name, webhook and workers alone do not", async () => {
    const { admin } = api.emulator;
    const credential = await api.ok("POST", "/v2/container-registry-auths", CREDENTIAL);
    const e = await api.ok("POST", "/v2/serverless", {
      ...ENDPOINT,
      environmentVars: [{ key: "A", value: "1" }],
    });
    admin.settle();
    const body = {
      name: "renamed",
      resources: ENDPOINT.resources,
      workers: 3,
      containerVolumeInGb: 120,
      webhook: "https://hooks.example.com/status",
    };
    const renamed = await api.ok("PATCH", `/v2/serverless/${e.id}`, body);
    expect(renamed).toMatchObject({
      name: "renamed",
      status: "RUNNING",
      totalWorkers: 3,
      runningWorkers: 2,
      webhook: body.webhook,
      // Absent optional fields keep their values.
      environmentVars: [{ key: "A", value: "1" }],
    });
    admin.settle();
    // `envVars` is accepted on input; the credential is `credentialId` in a PATCH.
    const redeployed = await api.ok("PATCH", `/v2/serverless/${e.id}`, {
      ...body,
      envVars: [{ key: "A", value: "2" }],
      credentialId: credential.id,
    });
    expect(redeployed).toMatchObject({
      status: "INITIALIZING",
      runningWorkers: 0,
      environmentVars: [{ key: "A", value: "2" }],
      containerRegistryAuthId: credential.id,
    });
    // Only `credentialId` is read: the create-time name is ignored in a PATCH.
    const other = await api.ok("POST", "/v2/container-registry-auths", {
      ...CREDENTIAL,
      name: "other",
    });
    expect(
      (
        await api.call("PATCH", `/v2/serverless/${e.id}`, {
          ...body,
          containerRegistryAuthId: other.id,
        })
      ).body.code,
    ).toBe(12001);
    admin.settle();
    const kept = await api.ok("PATCH", `/v2/serverless/${e.id}`, {
      ...body,
      containerRegistryAuthId: other.id,
    });
    expect(kept.containerRegistryAuthId).toBe(credential.id);
    expect(kept.status).toBe("RUNNING");
  });

  test("image and serviceMode are not updatable", async () => {
    const e = await api.ok("POST", "/v2/serverless", ENDPOINT);
    api.emulator.admin.settle();
    const patched = await api.ok("PATCH", `/v2/serverless/${e.id}`, {
      name: ENDPOINT.name,
      resources: ENDPOINT.resources,
      workers: 2,
      containerVolumeInGb: 120,
      image: "other:latest",
      serviceMode: "ALB",
    });
    expect(patched).toMatchObject({
      image: ENDPOINT.image,
      serviceMode: "QUEUE",
      status: "RUNNING",
    });
  });

  test("a credential used by an endpoint cannot be deleted (12001)", async () => {
    const credential = await api.ok("POST", "/v2/container-registry-auths", CREDENTIAL);
    await api.ok("POST", "/v2/serverless", { ...ENDPOINT, containerRegistryAuthId: credential.id });
    const reply = await api.call("DELETE", `/v2/container-registry-auths/${credential.id}`);
    expect(reply.body.code).toBe(12001);
    expect(reply.body.message).toContain("endpoint");
  });

  test("workers spread over the resources; a region without capacity is skipped", async () => {
    const { admin } = api.emulator;
    const resources = [
      { region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 },
      { region: "us-east-2", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 },
    ];
    const spread = await api.ok("POST", "/v2/serverless", { ...ENDPOINT, resources, workers: 2 });
    expect(admin.get("endpoint", spread.id)?.workerList.map((w) => w.region)).toEqual([
      "us-east-1",
      "us-east-2",
    ]);
    admin.addFault({ type: "noCapacity", region: "us-east-1" });
    const skipped = await api.ok("POST", "/v2/serverless", {
      ...ENDPOINT,
      name: "skip",
      resources,
      workers: 2,
    });
    expect(admin.get("endpoint", skipped.id)?.workerList.map((w) => w.region)).toEqual([
      "us-east-2",
      "us-east-2",
    ]);
  });

  test("no capacity anywhere: workers fail, the endpoint is FAILED, the logs say why", async () => {
    const { admin } = api.emulator;
    admin.addFault({ type: "noCapacity", region: "us-east-1" });
    const e = await api.ok("POST", "/v2/serverless", ENDPOINT);
    admin.settle();
    expect(await get(e.id)).toMatchObject({ status: "FAILED", runningWorkers: 0 });
    const [worker] = await workers(e.id);
    const logs = await api.ok("GET", `/v2/serverless/${e.id}/workers/${worker.workerId}/logs`);
    expect(logs.logs.map((l: { log: string }) => l.log).join("\n")).toContain("no capacity");
    // A FAILED endpoint can be stopped (and then deleted) or started again.
    admin.clearFaults();
    await api.ok("POST", `/v2/serverless/${e.id}/start`);
    admin.settle();
    expect((await get(e.id)).status).toBe("RUNNING");
  });

  test("worker logs page forwards and backwards with the search-after cursor", async () => {
    const { admin } = api.emulator;
    const e = await api.ok("POST", "/v2/serverless", {
      ...ENDPOINT,
      workers: 1,
      initializationCommand: "bash start.sh",
    });
    admin.settle();
    for (let i = 0; i < 3; i++) {
      await api.ok("POST", `/v2/serverless/${e.id}/tasks`, {
        input: { i },
        workerPort: 8000,
        processUri: "/run",
      });
    }
    admin.settle();
    const [worker] = await workers(e.id);
    const base = `/v2/serverless/${e.id}/workers/${worker.workerId}/logs`;
    const all = await api.ok("GET", base);
    expect(all.hasMore).toBe(false);
    expect(all.logs.length).toBeGreaterThanOrEqual(8);
    const offsets = all.logs.map((l: { offset: number }) => l.offset);
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    expect(all.logs[0].timestamp).toMatch(/Z$/);

    const pages: string[] = [];
    let cursor = "";
    for (;;) {
      const page = await api.ok("GET", `${base}?pageSize=3${cursor}`);
      pages.push(...page.logs.map((l: { log: string }) => l.log));
      if (!page.hasMore) break;
      cursor = `&searchAfterTime=${page.nextSearchAfterTime}&searchAfterOffset=${page.nextSearchAfterOffset}`;
    }
    expect(pages).toEqual(all.logs.map((l: { log: string }) => l.log));

    const backward = await api.ok("GET", `${base}?direction=Backward&pageSize=2`);
    expect(backward.logs.map((l: { log: string }) => l.log)).toEqual(
      all.logs
        .slice(-2)
        .reverse()
        .map((l: { log: string }) => l.log),
    );
    expect(backward.hasMore).toBe(true);
    const older = await api.ok(
      "GET",
      `${base}?direction=Backward&pageSize=2&searchAfterTime=${backward.nextSearchAfterTime}&searchAfterOffset=${backward.nextSearchAfterOffset}`,
    );
    expect(older.logs[0].offset).toBeLessThan(backward.logs[1].offset);

    const keyword = await api.ok("GET", `${base}?keyword=initialization`);
    expect(keyword.logs.map((l: { log: string }) => l.log)).toEqual([
      "Running initialization command: bash start.sh",
    ]);
    const future = await api.ok(
      "GET",
      `${base}?startTime=${new Date(admin.now() + 1000).toISOString()}`,
    );
    expect(future).toEqual({
      logs: [],
      hasMore: false,
      nextSearchAfterTime: null,
      nextSearchAfterOffset: null,
    });
    expect((await api.call("GET", `/v2/serverless/${e.id}/workers/1/logs`)).body.code).toBe(10007);
  });
});

describe("tasks", () => {
  let endpointId: string;
  beforeEach(async () => {
    endpointId = (await api.ok("POST", "/v2/serverless", ENDPOINT)).id;
  });

  test("submit, get, list and count through PROCESSING → SUCCESS / DELIVERED", async () => {
    const { admin } = api.emulator;
    const tasks = `/v2/serverless/${endpointId}/tasks`;
    const plain = await api.ok("POST", tasks, {
      taskId: "my_task_001",
      input: { prompt: "Hello, world!" },
      workerPort: 8000,
      processUri: "/v1/chat/completions",
      headers: { Authorization: "Bearer token123" },
    });
    expect(plain).toEqual({ taskId: "my_task_001" });
    const hooked = await api.ok("POST", tasks, {
      input: [1, 2],
      workerPort: 8000,
      processUri: "/run",
      webhook: "https://hooks.example.com/done",
    });
    expect(hooked.taskId).toMatch(/^[0-9a-f-]{36}$/);
    // Queued while no worker runs.
    expect(await api.ok("GET", `${tasks}/count`)).toEqual({ processing: 2 });
    const queued = await api.ok("GET", `${tasks}/my_task_001`);
    expect(queued).toMatchObject({
      status: "PROCESSING",
      workerUrl: null,
      deliveryStatus: "INIT",
      input: { prompt: "Hello, world!" },
    });
    admin.settle();
    expect(await api.ok("GET", `${tasks}/count`)).toEqual({ processing: 0 });
    const done = await api.ok("GET", `${tasks}/my_task_001`);
    expect(done).toMatchObject({
      taskId: "my_task_001",
      endpointId,
      endpointName: ENDPOINT.name,
      status: "SUCCESS",
      deliveryStatus: "INIT",
      deliveryAttempts: 0,
      error: null,
      headers: { Authorization: "Bearer token123" },
      deliveredAt: null,
    });
    expect(done.workerUrl).toMatch(/^http:\/\/10\.200\.\d+\.\d+:8000$/);
    expect(done.output).toBeTruthy();
    expect(typeof done.createdAt).toBe("number");
    const delivered = await api.ok("GET", `${tasks}/${hooked.taskId}`);
    expect(delivered).toMatchObject({
      status: "DELIVERED",
      deliveryStatus: "SUCCESS",
      deliveryAttempts: 1,
    });
    expect(typeof delivered.deliveredAt).toBe("number");

    const page = await api.ok("GET", `${tasks}?status=SUCCESS`);
    expect(page).toMatchObject({ page: 1, size: 10, total: 1, pages: 1 });
    expect(page.items[0]).not.toHaveProperty("input");
    const all = await api.ok("GET", `${tasks}?pageNumber=2&pageSize=1`);
    expect(all).toMatchObject({ page: 2, size: 1, total: 2, pages: 2 });
    expect(all.items[0].taskId).toBe(hooked.taskId);
    expect((await api.call("GET", `${tasks}/nope`)).body.code).toBe(24011);
  });

  test("a stopped endpoint takes no tasks (24000)", async () => {
    const { admin } = api.emulator;
    admin.settle();
    await api.ok("POST", `/v2/serverless/${endpointId}/stop`);
    const reply = await api.call("POST", `/v2/serverless/${endpointId}/tasks`, {
      input: {},
      workerPort: 80,
      processUri: "/",
    });
    expect(reply.body.code).toBe(24000);
  });

  test("task submissions beyond the per-second limit get 429 with Retry-After", async () => {
    api.emulator.admin.setLimits({ taskSubmitsPerSecond: 3 });
    const tasks = `/v2/serverless/${endpointId}/tasks`;
    const replies = [];
    for (let i = 0; i < 4; i++)
      replies.push(await api.call("POST", tasks, { input: {}, workerPort: 80, processUri: "/" }));
    expect(replies.slice(0, 3).map((r) => r.body.code)).toEqual([10000, 10000, 10000]);
    expect(replies[3]?.status).toBe(429);
    expect(replies[3]?.body).toEqual({ message: "too many requests", code: 429, data: null });
    expect(replies[3]?.headers.get("retry-after")).toBe("1");
    // Reads have their own budget.
    expect((await api.call("GET", `${tasks}/count`)).body.code).toBe(10000);
  });
});
