import { isNotAllowed, isNotFound, waitFor, type Endpoint } from "../../../client";
import { harness, POLL, type Harness } from "./helpers";

const resources = [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }];
const spec = {
  name: "llama",
  image: "vllm/vllm-openai",
  resources,
  workers: 2,
  containerVolumeInGb: 40,
  serviceMode: "QUEUE" as const,
  environmentVars: [{ key: "MODEL", value: "llama-3-8b" }],
  expose: { port: 8000, protocol: "http" },
};

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());
beforeEach(() => h.cloud.admin.reset());

async function runningEndpoint(overrides: Partial<typeof spec> = {}): Promise<Endpoint> {
  const created = await h.client.endpoints.create({ ...spec, ...overrides });
  return waitFor(() => h.client.endpoints.get(created.id), {
    done: (e) => e.status === "RUNNING",
    ...POLL,
  });
}

describe("endpoints over HTTP", () => {
  it("create, get, list, update, scale, stop, start, delete", async () => {
    const { endpoints } = h.client;
    const endpoint = await runningEndpoint();
    expect(endpoint).toMatchObject({
      name: "llama",
      serviceMode: "QUEUE",
      totalWorkers: 2,
      environmentVars: [{ key: "MODEL", value: "llama-3-8b" }],
      expose: { port: 8000 },
    });
    expect(endpoint.createdAt).toMatch(/Z$/);
    expect((await endpoints.list()).map((e) => e.id)).toEqual([endpoint.id]);
    expect(await endpoints.list({ statuses: ["STOPPED"] })).toEqual([]);

    const updated = await endpoints.update(endpoint.id, {
      name: "llama2",
      resources,
      workers: 2,
      containerVolumeInGb: 40,
      environmentVars: [{ key: "MODEL", value: "llama-3-70b" }],
    });
    expect(updated).toMatchObject({ id: endpoint.id, name: "llama2" });
    expect((await endpoints.get(endpoint.id)).environmentVars).toEqual([
      { key: "MODEL", value: "llama-3-70b" },
    ]);

    await waitFor(() => endpoints.get(endpoint.id), {
      done: (e) => e.status === "RUNNING",
      ...POLL,
    });
    await endpoints.scaleWorkers(endpoint.id, 3);
    expect((await endpoints.get(endpoint.id)).totalWorkers).toBe(3);
    expect(h.cloud.admin.requests({ method: "PUT" })[0]?.query).toEqual({ count: "3" });

    const deleteRunning = await endpoints.delete(endpoint.id).catch((e: unknown) => e);
    expect(isNotAllowed(deleteRunning)).toBe(true);
    expect(deleteRunning).toMatchObject({ code: 24002 });

    await endpoints.stop(endpoint.id);
    await waitFor(() => endpoints.get(endpoint.id), {
      done: (e) => e.status === "STOPPED",
      ...POLL,
    });
    await endpoints.start(endpoint.id);
    await waitFor(() => endpoints.get(endpoint.id), {
      done: (e) => e.status === "RUNNING",
      ...POLL,
    });
    await endpoints.stop(endpoint.id);
    await waitFor(() => endpoints.get(endpoint.id), {
      done: (e) => e.status === "STOPPED",
      ...POLL,
    });
    await endpoints.delete(endpoint.id);
    expect(isNotFound(await endpoints.get(endpoint.id).catch((e: unknown) => e))).toBe(true);
  });

  it("workers and their logs, page by page", async () => {
    const endpoint = await runningEndpoint();
    const workers = await h.client.endpoints.listWorkers(endpoint.id);
    expect(workers).toHaveLength(2);
    expect(workers[0]?.workerId).toMatch(/^\d+$/);
    expect(await h.client.endpoints.listWorkers(endpoint.id, { statuses: ["FAILED"] })).toEqual([]);

    const workerId = workers[0]!.workerId;
    const all = await h.client.endpoints.workerLogs(endpoint.id, workerId, { pageSize: 1000 });
    expect(all.logs.length).toBeGreaterThan(1);
    expect(all.logs[0]?.timestamp).toMatch(/Z$/);

    const lines: string[] = [];
    let page = await h.client.endpoints.workerLogs(endpoint.id, workerId, { pageSize: 1 });
    lines.push(...page.logs.map((l) => l.log));
    while (page.hasMore) {
      page = await h.client.endpoints.workerLogs(endpoint.id, workerId, {
        pageSize: 1,
        searchAfterTime: page.nextSearchAfterTime,
        searchAfterOffset: page.nextSearchAfterOffset,
      });
      lines.push(...page.logs.map((l) => l.log));
    }
    expect(lines).toEqual(all.logs.map((l) => l.log));
  });

  it("tasks: submit, get, list across pages, count", async () => {
    const endpoint = await runningEndpoint();
    const { tasks } = h.client.endpoints;
    const submitted = await tasks.submit(endpoint.id, {
      taskId: "task_1",
      input: { prompt: "hi" },
      workerPort: 8000,
      processUri: "/v1/chat",
    });
    expect(submitted).toEqual({ taskId: "task_1" });
    for (let i = 2; i <= 5; i++) {
      await tasks.submit(endpoint.id, {
        taskId: `task_${i}`,
        input: {},
        workerPort: 8000,
        processUri: "/",
      });
    }
    const count = await tasks.count(endpoint.id);
    expect(count.processing).toBeGreaterThanOrEqual(0);

    const done = await waitFor(() => tasks.get(endpoint.id, "task_1"), {
      done: (t) => t.status === "SUCCESS",
      ...POLL,
    });
    expect(done).toMatchObject({
      taskId: "task_1",
      endpointId: endpoint.id,
      input: { prompt: "hi" },
    });

    h.cloud.admin.clearRequests();
    const listed = await tasks.list(endpoint.id, { pageSize: 2 }).toArray();
    expect(listed.map((t) => t.taskId)).toEqual(["task_1", "task_2", "task_3", "task_4", "task_5"]);
    const pages = h.cloud.admin.requests({ method: "GET", route: "/v2/serverless/{id}/tasks" });
    expect(pages.map((r) => r.query)).toEqual([
      { pageNumber: "1", pageSize: "2" },
      { pageNumber: "2", pageSize: "2" },
      { pageNumber: "3", pageSize: "2" },
    ]);

    const missing = await tasks.get(endpoint.id, "nope").catch((e: unknown) => e);
    expect(missing).toMatchObject({ kind: "not_found", code: 24011 });
  });

  it("findByName", async () => {
    const endpoint = await h.client.endpoints.create(spec);
    await h.client.endpoints.create({ ...spec, name: "other" });
    expect((await h.client.endpoints.findByName("llama")).map((e) => e.id)).toEqual([endpoint.id]);
  });
});

describe("endpoint quirks", () => {
  it.each([
    { quirk: { endpointEnvField: "envVars" as const } },
    { quirk: { numericIds: true } },
    { quirk: { stringNumbers: true } },
    { quirk: { timestamps: "epoch" as const } },
    { quirk: { createReturnsId: true } },
  ])("$quirk reads the same endpoint", async ({ quirk }) => {
    const plain = await h.client.endpoints.get((await h.client.endpoints.create(spec)).id);
    h.cloud.admin.setQuirks(quirk);
    const read = await h.client.endpoints.get(plain.id);
    expect(read).toEqual({
      ...plain,
      updatedAt: read.updatedAt,
      status: read.status,
      runningWorkers: read.runningWorkers,
      cost: read.cost,
    });
    expect(read.environmentVars).toEqual([{ key: "MODEL", value: "llama-3-8b" }]);
    const created = await h.client.endpoints.create({ ...spec, name: "second" });
    expect(created).toMatchObject({ name: "second", containerVolumeInGb: 40 });
  });

  it.each([24001, 14000] as const)("unknown endpoint code %s is not found", async (code) => {
    h.cloud.admin.setQuirks({ endpointNotFoundCode: code });
    const error = await h.client.endpoints.get("123456789012345678").catch((e: unknown) => e);
    expect(isNotFound(error)).toBe(true);
    expect(error).toMatchObject({ code });
  });
});
