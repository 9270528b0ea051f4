import fc from "fast-check";
import { startEmulator, type Quirks, type RunningEmulator } from "../../../emulator";
import { PROVIDER_KEY, UNKNOWN } from "../../../provider/check";
import { yotta } from "../../../provider/config";
import * as endpoint from "../../../provider/endpoint";
import { ResourceInitError } from "../../../provider/init-error";
import { STRICT_NAME } from "../../../provider/naming";

type Props = Record<string, unknown>;

interface State {
  id: string;
  inputs: Props;
  outs: Props;
}

const PROVIDER = "serialized-provider";
const GPU = "NVIDIA_RTX_4090_24G";

const ARGS = {
  name: "llm",
  image: "vllm/vllm-openai:latest",
  resources: [{ region: "us-east-1", gpuType: GPU, gpuCount: 1 }],
  workers: 2,
  containerVolumeInGb: 40,
  serviceMode: "ALB",
};

/** Every optional field set, so removals and every read-back can be tested. */
const FULL = {
  ...ARGS,
  resources: [
    { region: "us-west-1", gpuType: GPU, gpuCount: 1 },
    { region: "us-east-1", gpuType: GPU, gpuCount: 1 },
  ],
  minSingleCardVramInGb: 16,
  minSingleCardRamInGb: 32,
  minSingleCardVcpu: 4,
  initializationCommand: "python -m server",
  environment: { MODEL: "llama", HF_TOKEN: "hf_secret" },
  expose: { port: 8000, protocol: "HTTP" },
  webhook: "https://hooks.example/yotta",
};

let cloud: RunningEmulator;

beforeAll(async () => {
  process.env.YOTTA_POLL_INTERVAL_MS = "5";
  cloud = await startEmulator();
  process.env.YOTTA_API_KEY = cloud.apiKey;
  process.env.YOTTA_API_URL = cloud.url;
  // Progress lines are for the CLI user; keep the test output readable.
  jest.spyOn(console, "log").mockImplementation(() => undefined);
});

afterAll(async () => {
  await yotta().close();
  await cloud.close();
});

beforeEach(() => cloud.admin.reset());

async function checked(news: Props, olds: Props = {}): Promise<Props> {
  const { inputs, failures } = await endpoint.check(olds, { ...news, [PROVIDER_KEY]: PROVIDER });
  expect(failures).toEqual([]);
  return inputs;
}

/** `create` as the engine runs it: checked inputs in, the provider added to the outputs. */
async function up(news: Props = ARGS): Promise<State> {
  const inputs = await checked(news);
  const { id, outs } = await endpoint.create(inputs);
  return { id, inputs, outs: { ...outs, [PROVIDER_KEY]: PROVIDER } };
}

/** `diff` then `update`, with the request log cleared in between. */
async function change(state: State, news: Props) {
  const inputs = await checked(news, state.inputs);
  const diff = await endpoint.diff(state.id, state.outs, inputs);
  cloud.admin.clearRequests();
  const { outs } = await endpoint.update(state.id, state.outs, inputs);
  return { diff, state: { id: state.id, inputs, outs: { ...outs, [PROVIDER_KEY]: PROVIDER } } };
}

/** The calls that change something, in order: `PATCH /v2/serverless/{id}`. */
function writes(): string[] {
  return cloud.admin
    .requests()
    .filter((r) => r.method !== "GET")
    .map((r) => `${r.method} ${r.route}`);
}

async function initError(promise: Promise<unknown>): Promise<ResourceInitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ResourceInitError);
  return error as ResourceInitError;
}

async function eventually(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met within 5 s");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe("check", () => {
  const gpu = (region: string, gpuCount = 1) => ({ region, gpuType: GPU, gpuCount });

  test.each([
    { rule: "name starts with a letter", args: { name: "9lives" }, property: "name" },
    { rule: "name is at most 20 characters", args: { name: "a".repeat(21) }, property: "name" },
    { rule: "name uses A-Z a-z 0-9 @ . _ -", args: { name: "my llm" }, property: "name" },
    { rule: "image is not empty", args: { image: "" }, property: "image" },
    { rule: "image is at most 255", args: { image: "i".repeat(256) }, property: "image" },
    {
      rule: "imageRegistry is at most 255",
      args: { imageRegistry: "r".repeat(256) },
      property: "imageRegistry",
    },
    { rule: "credentialId is an id", args: { credentialId: "hub" }, property: "credentialId" },
    { rule: "resources are required", args: { resources: undefined }, property: "resources" },
    { rule: "resources are not empty", args: { resources: [] }, property: "resources" },
    {
      rule: "gpuCount is a power of two",
      args: { resources: [gpu("us-east-1", 3)] },
      property: "resources[0].gpuCount",
    },
    {
      rule: "entries share one gpuCount",
      args: { resources: [gpu("us-east-1", 1), gpu("us-west-1", 2)] },
      property: "resources",
    },
    {
      rule: "a region and gpuType pair appears once",
      args: { resources: [gpu("us-east-1"), gpu("us-east-1")] },
      property: "resources",
    },
    {
      rule: "region is not empty",
      args: { resources: [gpu("")] },
      property: "resources[0].region",
    },
    {
      rule: "an entry has only region, gpuType, gpuCount",
      args: { resources: [{ ...gpu("us-east-1"), zone: "a" }] },
      property: "resources[0].zone",
    },
    { rule: "workers is at least 1", args: { workers: 0 }, property: "workers" },
    { rule: "workers is whole", args: { workers: 1.5 }, property: "workers" },
    {
      rule: "containerVolumeInGb is at least 20",
      args: { containerVolumeInGb: 19 },
      property: "containerVolumeInGb",
    },
    {
      rule: "minSingleCardVcpu is not negative",
      args: { minSingleCardVcpu: -1 },
      property: "minSingleCardVcpu",
    },
    {
      rule: "environment values are not empty",
      args: { environment: { MODEL: "" } },
      property: "environment.MODEL",
    },
    {
      rule: "expose.port ≥ 1",
      args: { expose: { port: 0, protocol: "http" } },
      property: "expose.port",
    },
    {
      rule: "expose.port ≤ 65535",
      args: { expose: { port: 65536, protocol: "http" } },
      property: "expose.port",
    },
    {
      rule: "expose.protocol is http or tcp",
      args: { expose: { port: 80, protocol: "udp" } },
      property: "expose.protocol",
    },
    {
      rule: "expose is one object",
      args: { expose: [{ port: 80, protocol: "http" }] },
      property: "expose",
    },
    {
      rule: "serviceMode is ALB, QUEUE or CUSTOM",
      args: { serviceMode: "LB" },
      property: "serviceMode",
    },
    { rule: "webhook is at most 512", args: { webhook: "w".repeat(513) }, property: "webhook" },
    { rule: "running is a boolean", args: { running: "yes" }, property: "running" },
    {
      rule: "timeouts are durations",
      args: { timeouts: { create: "soon" } },
      property: "timeouts.create",
    },
    { rule: "adoptId is an id", args: { adoptId: "ep-1" }, property: "adoptId" },
  ])("$rule", async ({ args, property }) => {
    const { failures } = await endpoint.check({}, { ...ARGS, ...args });
    expect(failures.map((f) => f.property)).toEqual([property]);
    expect(failures[0]?.reason).toMatch(/\w/);
  });

  test("an unknown input is refused, naming it", async () => {
    const { failures } = await endpoint.check({}, { ...ARGS, gpuType: GPU });
    expect(failures).toHaveLength(1);
    expect(failures[0]?.reason).toContain("gpuType");
  });

  test("fills defaults, sorts the resources, lowercases the protocol, keeps the provider", async () => {
    const inputs = await checked(FULL);
    expect(inputs).toMatchObject({
      running: true,
      resources: [gpu("us-east-1"), gpu("us-west-1")],
      expose: { port: 8000, protocol: "http" },
      environment: { HF_TOKEN: "hf_secret", MODEL: "llama" },
      [PROVIDER_KEY]: PROVIDER,
    });
    expect(Object.keys(inputs.environment as object)).toEqual(["HF_TOKEN", "MODEL"]);
    expect((await checked(ARGS)).environment).toEqual({});
  });

  test("names: derived within the rule, kept across updates, explicit wins", async () => {
    const { name: _omit, ...unnamed } = ARGS;
    const first = await checked({ ...unnamed, autonamePrefix: "a-very-long-inference-endpoint" });
    expect(first.name).toMatch(STRICT_NAME);
    expect(first.name).toMatch(/^a-very-long-[0-9a-f]+$/);
    const again = await checked(
      { ...unnamed, autonamePrefix: "a-very-long-inference-endpoint" },
      first,
    );
    expect(again.name).toBe(first.name);
    expect((await checked({ ...ARGS, autonamePrefix: "x" }, first)).name).toBe("llm");
    const digitFirst = await checked({ ...unnamed, autonamePrefix: "7b-model" });
    expect(digitFirst.name).toMatch(/^y7b-model-/);
  });

  test("unknown values pass during preview", async () => {
    const news = {
      ...ARGS,
      resources: UNKNOWN,
      workers: UNKNOWN,
      expose: { port: UNKNOWN, protocol: "http" },
    };
    const { failures } = await endpoint.check({}, news);
    expect(failures).toEqual([]);
  });
});

describe("diff", () => {
  const BASE = { ...FULL, credentialId: "123", expose: { port: 8000, protocol: "http" } };

  async function diffOf(news: Props, olds: Props = BASE, status = "RUNNING") {
    const before = { ...(await checked(olds)), id: "1", status };
    return endpoint.diff("1", before, await checked(news, before));
  }

  test.each([
    { field: "image", news: { image: "vllm/vllm-openai:v2" }, replaces: ["image"] },
    { field: "imageRegistry", news: { imageRegistry: "ghcr.io" }, replaces: ["imageRegistry"] },
    { field: "serviceMode", news: { serviceMode: "QUEUE" }, replaces: ["serviceMode"] },
    { field: "name", news: { name: "llm2" }, replaces: [] },
    { field: "workers", news: { workers: 5 }, replaces: [] },
    {
      field: "resources",
      news: { resources: [{ region: "eu-2", gpuType: GPU, gpuCount: 1 }] },
      replaces: [],
    },
    { field: "containerVolumeInGb", news: { containerVolumeInGb: 80 }, replaces: [] },
    { field: "minSingleCardVramInGb", news: { minSingleCardVramInGb: 20 }, replaces: [] },
    { field: "minSingleCardVcpu removed", news: { minSingleCardVcpu: undefined }, replaces: [] },
    { field: "initializationCommand", news: { initializationCommand: "serve" }, replaces: [] },
    { field: "environment", news: { environment: { MODEL: "mistral" } }, replaces: [] },
    { field: "webhook removed", news: { webhook: undefined }, replaces: [] },
    { field: "expose port", news: { expose: { port: 9000, protocol: "tcp" } }, replaces: [] },
    { field: "expose removed", news: { expose: undefined }, replaces: ["expose"] },
    { field: "credentialId", news: { credentialId: "456" }, replaces: [] },
    {
      field: "credentialId removed",
      news: { credentialId: undefined },
      replaces: ["credentialId"],
    },
    { field: "running", news: { running: false }, replaces: [] },
    { field: "timeouts", news: { timeouts: { create: "1h" } }, replaces: [] },
    { field: "adoptId of another endpoint", news: { adoptId: "999" }, replaces: ["adoptId"] },
  ])("$field", async ({ news, replaces }) => {
    const result = await diffOf({ ...BASE, ...news });
    expect(result.changes).toBe(true);
    expect(result.replaces).toEqual(replaces);
  });

  test("the same resources in another order are no change", async () => {
    const result = await diffOf({ ...BASE, resources: [...BASE.resources].reverse() });
    expect(result.changes).toBe(false);
  });

  test("adoptId naming the endpoint itself is no replacement", async () => {
    const result = await diffOf({ ...BASE, adoptId: "1" });
    expect(result.replaces).toEqual([]);
  });

  test("a FAILED endpoint is a change, repaired in place", async () => {
    const result = await diffOf(BASE, BASE, "FAILED");
    expect(result).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  test.each([
    { case: "an explicit name kept", olds: ARGS, news: { image: "x:2" }, dbr: true },
    {
      case: "an explicit name changed",
      olds: ARGS,
      news: { image: "x:2", name: "llm2" },
      dbr: false,
    },
    { case: "an update, not a replacement", olds: ARGS, news: { workers: 4 }, dbr: false },
  ])("deleteBeforeReplace with $case: $dbr", async ({ olds, news, dbr }) => {
    const result = await diffOf({ ...olds, ...news }, olds);
    expect(result.deleteBeforeReplace).toBe(dbr);
  });

  test("an auto-named replacement is made before the old endpoint goes", async () => {
    const { name: _omit, ...unnamed } = ARGS;
    const olds: Props = { ...(await checked({ ...unnamed, autonamePrefix: "llm" })), id: "1" };
    const news = await checked({ ...unnamed, image: "x:2", autonamePrefix: "llm" }, olds);
    expect(news.name).toBe(olds.name);
    const result = await endpoint.diff("1", olds, news);
    expect(result.replaces).toEqual(["image"]);
    expect(result.deleteBeforeReplace).toBe(false);
  });

  const region = fc.constantFrom("us-east-1", "us-east-2", "us-west-1", "eu-2", "us-central-2");
  const args = fc.record(
    {
      name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9@._-]{0,19}$/),
      image: fc.stringMatching(/^[\x21-\x7e]{1,40}$/),
      gpuCount: fc.constantFrom(1, 2, 4, 8),
      regions: fc.uniqueArray(region, { minLength: 1, maxLength: 4 }),
      workers: fc.integer({ min: 1, max: 100 }),
      containerVolumeInGb: fc.integer({ min: 20, max: 2000 }),
      serviceMode: fc.constantFrom("ALB", "QUEUE", "CUSTOM"),
      environment: fc.dictionary(
        fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}$/),
        fc.string({ minLength: 1, maxLength: 8 }),
      ),
      expose: fc.record({
        port: fc.integer({ min: 1, max: 65535 }),
        protocol: fc.constantFrom("http", "TCP"),
      }),
      webhook: fc.string({ maxLength: 20 }),
      running: fc.boolean(),
    },
    {
      requiredKeys: [
        "name",
        "image",
        "gpuCount",
        "regions",
        "workers",
        "containerVolumeInGb",
        "serviceMode",
      ],
    },
  );

  test("property: diff(x, x) is no change, whatever the order of the resources", async () => {
    await fc.assert(
      fc.asyncProperty(args, async ({ gpuCount, regions, ...rest }) => {
        const resources = regions.map((r) => ({ region: r, gpuType: GPU, gpuCount }));
        const inputs = await checked({ ...rest, resources });
        const olds = { ...inputs, id: "1", status: "RUNNING" };
        expect((await endpoint.diff("1", olds, inputs)).changes).toBe(false);
        const shuffled = await checked({ ...rest, resources: [...resources].reverse() }, olds);
        expect((await endpoint.diff("1", olds, shuffled)).changes).toBe(false);
      }),
    );
  });
});

describe("create", () => {
  test("waits for the workers and records what the cloud reports", async () => {
    const credential = await yotta().credentials.create({
      name: "hub",
      username: "me",
      password: "pw",
    });
    const { id, outs } = await up({ ...FULL, credentialId: credential.id });

    expect(id).toMatch(/^\d{18,}$/);
    expect(outs).toMatchObject({
      id,
      name: "llm",
      status: "RUNNING",
      totalWorkers: 2,
      runningWorkers: 2,
      perHourPrice: 0.75,
      cost: 1.5,
      domain: expect.stringContaining(id),
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      environment: FULL.environment,
      credentialId: credential.id,
    });

    const posts = cloud.admin.requests({ method: "POST", route: "/v2/serverless" });
    expect(posts).toHaveLength(1);
    const body = posts[0]?.body as Props;
    expect(String(body.containerRegistryAuthId)).toBe(credential.id);
    // The user's variables, and the create's token: the proof of which endpoint it made.
    expect(body.environmentVars).toEqual([
      { key: "HF_TOKEN", value: "hf_secret" },
      { key: "MODEL", value: "llama" },
      { key: "PULUMI_YOTTA_CREATE_TOKEN", value: expect.stringMatching(/^[0-9a-f]{16}$/) },
    ]);
    expect(body).not.toHaveProperty("envVars");
    expect(body.expose).toEqual({ port: 8000, protocol: "http" });
  });

  test("running: false ends STOPPED", async () => {
    const { outs } = await up({ ...ARGS, running: false });
    expect(outs).toMatchObject({ status: "STOPPED", running: false });
    expect(writes()).toEqual(["POST /v2/serverless", "POST /v2/serverless/{id}/stop"]);
  });

  test("a lost create response adopts the endpoint it made, not a same-named other one", async () => {
    const other = await yotta().endpoints.create({
      ...ARGS,
      image: "someone/else:1",
      serviceMode: "ALB",
    });
    cloud.admin.addFault({ type: "dropResponse", route: "POST /v2/serverless", times: 1 });

    const { id, outs } = await up(ARGS);

    const all = cloud.admin.list("endpoint");
    expect(all.map((e) => e.id).sort()).toEqual([id, other.id].sort());
    expect(id).not.toBe(other.id);
    expect(outs).toMatchObject({ image: ARGS.image, status: "RUNNING" });
    const posts = cloud.admin.requests({ method: "POST", route: "/v2/serverless" });
    expect(posts.map((p) => p.fault)).toEqual([null, "dropResponse"]);
  });

  test("workers that fail: the error records the endpoint and quotes their logs", async () => {
    cloud.admin.addFault({ type: "workersFail", reason: "crash" });
    const error = await initError(up(ARGS));

    const [only] = cloud.admin.list("endpoint");
    expect(error.id).toBe(only?.id);
    expect(error.properties).toMatchObject({ id: only?.id, status: "FAILED", name: "llm" });
    expect(error.properties[PROVIDER_KEY]).toBe(PROVIDER);
    expect(error.message).toContain("ModuleNotFoundError: No module named 'vllm'");
    expect(error.message.match(/^ {2}worker \d+:$/gm)).toHaveLength(2);
  });

  test("one worker of two failing is an error without waiting for the timeout", async () => {
    cloud.admin.addFault({ type: "workersFail", times: 1 });
    const started = Date.now();
    const error = await initError(up({ ...ARGS, timeouts: { create: "1m" } }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error.message).toContain("1 worker(s) failed to start");
    expect(error.message).toContain("ErrImagePull");
    expect(error.properties).toMatchObject({ status: "RUNNING", runningWorkers: 1 });
  });

  test("logs of at most 3 workers, at most 10 lines each", async () => {
    cloud.admin.addFault({ type: "workersFail", reason: "crash" });
    const error = await initError(up({ ...ARGS, workers: 5 }));
    const tails = error.message.split(/^ {2}worker \d+:$/m).slice(1);
    expect(tails).toHaveLength(3);
    for (const tail of tails) {
      expect(tail.split("\n").filter((l) => l.startsWith("    ")).length).toBeLessThanOrEqual(10);
    }
    expect(error.message).toContain("2 more failed worker(s) not shown");
  });

  test("a timeout records the endpoint with its last status", async () => {
    cloud.admin.setTiming({ endpointInitializingMs: 60_000 });
    const error = await initError(up({ ...ARGS, timeouts: { create: "1s" } }));
    expect(error.id).toBe(cloud.admin.list("endpoint")[0]?.id);
    expect(error.message).toMatch(/timed out .* INITIALIZING/);
    expect(error.properties.status).toBe("INITIALIZING");
  });
});

describe("adoption", () => {
  async function existing(workers: number) {
    return yotta().endpoints.create({
      name: ARGS.name,
      image: ARGS.image,
      resources: ARGS.resources,
      workers,
      containerVolumeInGb: ARGS.containerVolumeInGb,
      serviceMode: "ALB",
    });
  }

  test("adopts a matching endpoint and brings the workers to the declared count", async () => {
    const live = await existing(1);
    cloud.admin.settle();
    cloud.admin.clearRequests();

    const { id, inputs, outs } = await up({ ...ARGS, adoptId: live.id });

    expect(id).toBe(live.id);
    expect(writes()).toEqual(["PUT /v2/serverless/{id}/workers"]);
    expect(outs).toMatchObject({ runningWorkers: 2, status: "RUNNING" });
    const refreshed = await endpoint.read(id, outs);
    expect((await endpoint.diff(id, refreshed.props!, inputs)).changes).toBe(false);
  });

  test.each([
    { case: "another image", news: { image: "other/image:1" }, message: /image is "vllm/ },
    { case: "another name", news: { name: "other" }, message: /name is "llm"/ },
    { case: "another service mode", news: { serviceMode: "QUEUE" }, message: /serviceMode/ },
  ])("refuses $case", async ({ news, message }) => {
    const live = await existing(2);
    await expect(up({ ...ARGS, ...news, adoptId: live.id })).rejects.toThrow(message);
    expect(cloud.admin.list("endpoint")).toHaveLength(1);
  });

  test("refuses an id that does not exist", async () => {
    await expect(up({ ...ARGS, adoptId: "123456789012345678" })).rejects.toThrow(/does not exist/);
    expect(cloud.admin.list("endpoint")).toHaveLength(0);
  });
});

describe("update", () => {
  test("workers alone: the scale call, no PATCH", async () => {
    const { diff, state } = await change(await up(), { ...ARGS, workers: 3 });
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    expect(writes()).toEqual(["PUT /v2/serverless/{id}/workers"]);
    expect(cloud.admin.requests({ method: "PUT" })[0]?.query).toEqual({ count: "3" });
    expect(state.outs).toMatchObject({ workers: 3, runningWorkers: 3, status: "RUNNING" });
  });

  test("another field: one PATCH with the full desired set, no scale call", async () => {
    const { state } = await change(await up(FULL), {
      ...FULL,
      environment: { MODEL: "mistral" },
      workers: 3,
    });
    expect(writes()).toEqual(["PATCH /v2/serverless/{id}"]);
    expect(cloud.admin.requests({ method: "PATCH" })[0]?.body).toEqual({
      name: "llm",
      resources: [
        { region: "us-east-1", gpuType: GPU, gpuCount: 1 },
        { region: "us-west-1", gpuType: GPU, gpuCount: 1 },
      ],
      workers: 3,
      containerVolumeInGb: 40,
      minSingleCardVramInGb: 16,
      minSingleCardRamInGb: 32,
      minSingleCardVcpu: 4,
      initializationCommand: "python -m server",
      environmentVars: [{ key: "MODEL", value: "mistral" }],
      expose: { port: 8000, protocol: "http" },
      webhook: "https://hooks.example/yotta",
    });
    expect(state.outs).toMatchObject({ runningWorkers: 3, environment: { MODEL: "mistral" } });
  });

  test("a rename is a PATCH", async () => {
    const { state } = await change(await up(), { ...ARGS, name: "llm-v2" });
    expect(writes()).toEqual(["PATCH /v2/serverless/{id}"]);
    expect(cloud.admin.get("endpoint", state.id)?.name).toBe("llm-v2");
  });

  test("removed optional fields are sent empty, and read back as no drift", async () => {
    const { webhook: _w, initializationCommand: _i, minSingleCardVcpu: _m, ...rest } = FULL;
    const { state } = await change(await up(FULL), { ...rest, environment: {} });
    const body = cloud.admin.requests({ method: "PATCH" })[0]?.body as Props;
    expect(body).toMatchObject({
      webhook: "",
      initializationCommand: "",
      minSingleCardVcpu: 0,
      environmentVars: [],
    });
    const record = cloud.admin.get("endpoint", state.id);
    expect(record).toMatchObject({ webhook: "", environmentVars: [] });
    const refreshed = await endpoint.read(state.id, state.outs);
    expect((await endpoint.diff(state.id, refreshed.props!, state.inputs)).changes).toBe(false);
  });

  test("running false stops, true starts again", async () => {
    const stopped = await change(await up(), { ...ARGS, running: false });
    expect(writes()).toEqual(["POST /v2/serverless/{id}/stop"]);
    expect(stopped.state.outs).toMatchObject({ status: "STOPPED", running: false });

    const started = await change(stopped.state, ARGS);
    expect(writes()).toEqual(["POST /v2/serverless/{id}/start"]);
    expect(started.state.outs).toMatchObject({ status: "RUNNING", runningWorkers: 2 });
  });

  test("stop with a spec change: PATCH first, then stop", async () => {
    await change(await up(), { ...ARGS, running: false, environment: { A: "1" } });
    expect(writes()).toEqual(["PATCH /v2/serverless/{id}", "POST /v2/serverless/{id}/stop"]);
  });

  test("start with a spec change: PATCH while stopped, then start, so the new spec deploys once", async () => {
    const stopped = await up({ ...ARGS, running: false });
    const { state } = await change(stopped, { ...ARGS, environment: { A: "1" }, workers: 3 });
    expect(writes()).toEqual(["PATCH /v2/serverless/{id}", "POST /v2/serverless/{id}/start"]);
    expect(state.outs).toMatchObject({ status: "RUNNING", runningWorkers: 3 });
    expect(cloud.admin.get("endpoint", state.id)?.environmentVars).toEqual([
      { key: "A", value: "1" },
    ]);
  });

  test("timeouts alone call nothing", async () => {
    await change(await up(), { ...ARGS, timeouts: { update: "1h" } });
    expect(writes()).toEqual([]);
  });

  test("a FAILED endpoint is restarted", async () => {
    cloud.admin.addFault({ type: "workersFail", reason: "oom" });
    const error = await initError(up(ARGS));
    cloud.admin.clearFaults();
    const failed = { id: error.id, inputs: await checked(ARGS), outs: error.properties };

    const { diff, state } = await change(failed, ARGS);
    expect(diff.changes).toBe(true);
    expect(writes()).toEqual(["POST /v2/serverless/{id}/stop", "POST /v2/serverless/{id}/start"]);
    expect(state.outs).toMatchObject({ status: "RUNNING", runningWorkers: 2 });
  });

  test("workers failing after a PATCH: the error records the new inputs", async () => {
    const state = await up();
    cloud.admin.addFault({ type: "workersFail", reason: "imagePull" });
    const error = await initError(change(state, { ...ARGS, environment: { A: "1" } }));
    expect(error.id).toBe(state.id);
    expect(error.properties).toMatchObject({ environment: { A: "1" }, status: "FAILED" });
    expect(error.message).toContain("ErrImagePull");
  });

  test("a refused PATCH is a plain error: nothing changed", async () => {
    const state = await up();
    const bad = { ...ARGS, resources: [{ region: "us-east-3", gpuType: GPU, gpuCount: 1 }] };
    const error = await change(state, bad).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ResourceInitError);
    expect(String(error)).toContain("offers no gpu type");
  });
});

describe("read", () => {
  const quirks: { name: string; quirks: Partial<Quirks> }[] = [
    { name: "documented", quirks: {} },
    { name: "numeric ids", quirks: { numericIds: true } },
    { name: "envVars spelling", quirks: { endpointEnvField: "envVars" } },
    { name: "numbers as strings", quirks: { stringNumbers: true } },
    { name: "epoch timestamps", quirks: { timestamps: "epoch" } },
    { name: "ISO timestamps", quirks: { timestamps: "iso" } },
  ];

  test.each(quirks)("$name: the refreshed endpoint shows no drift", async ({ quirks: q }) => {
    const credential = await yotta().credentials.create({
      name: "hub",
      username: "u",
      password: "p",
    });
    const state = await up({ ...FULL, credentialId: credential.id });
    cloud.admin.setQuirks(q);

    const { id, props } = await endpoint.read(state.id, state.outs);

    expect(id).toBe(state.id);
    expect(props).toMatchObject({
      id: state.id,
      credentialId: credential.id,
      environment: FULL.environment,
      workers: 2,
      runningWorkers: 2,
      perHourPrice: 0.75,
      createdAt: state.outs.createdAt,
    });
    expect((await endpoint.diff(state.id, props!, state.inputs)).changes).toBe(false);
  });

  test("a value the user never set is not drift", async () => {
    const state = await up();
    cloud.admin.patch("endpoint", state.id, { minSingleCardVcpu: 8, webhook: "https://x" });
    const { props } = await endpoint.read(state.id, state.outs);
    expect(props).not.toHaveProperty("minSingleCardVcpu");
    expect((await endpoint.diff(state.id, props!, state.inputs)).changes).toBe(false);
  });

  test.each([
    {
      drift: "environment edited",
      act: (id: string) => cloud.admin.setEnv("endpoint", id, [{ key: "X", value: "1" }]),
      expected: { environment: { X: "1" } },
      replaces: [],
    },
    {
      drift: "scaled",
      act: (id: string) => cloud.admin.scaleWorkers(id, 5),
      expected: { workers: 5 },
      replaces: [],
    },
    {
      drift: "renamed",
      act: (id: string) => cloud.admin.rename("endpoint", id, "renamed"),
      expected: { name: "renamed" },
      replaces: [],
    },
    {
      drift: "stopped",
      act: (id: string) => cloud.admin.setStatus("endpoint", id, "STOPPED"),
      expected: { running: false, status: "STOPPED" },
      replaces: [],
    },
    {
      drift: "image changed",
      act: (id: string) => cloud.admin.patch("endpoint", id, { image: "other:1" }),
      expected: { image: "other:1" },
      replaces: ["image"],
    },
  ])("drift is seen: $drift", async ({ act, expected, replaces }) => {
    const state = await up();
    act(state.id);
    const { props } = await endpoint.read(state.id, state.outs);
    expect(props).toMatchObject(expected);
    const diff = await endpoint.diff(state.id, props!, state.inputs);
    expect(diff.changes).toBe(true);
    expect(diff.replaces).toEqual(replaces);
  });

  test.each([24001, 14000] as const)("gone (code %i) reads as {}", async (code) => {
    const state = await up();
    cloud.admin.setQuirks({ endpointNotFoundCode: code });
    cloud.admin.deleteResource("endpoint", state.id);
    expect(await endpoint.read(state.id, state.outs)).toEqual({});
  });
});

describe("remove", () => {
  test("stops, waits for STOPPED, deletes", async () => {
    const state = await up();
    cloud.admin.clearRequests();
    await endpoint.remove(state.id, state.outs);
    expect(writes()).toEqual(["POST /v2/serverless/{id}/stop", "DELETE /v2/serverless/{id}"]);
    expect(cloud.admin.list("endpoint")).toEqual([]);
  });

  test("a stopped endpoint is deleted at once", async () => {
    const state = await up({ ...ARGS, running: false });
    cloud.admin.clearRequests();
    await endpoint.remove(state.id, state.outs);
    expect(writes()).toEqual(["DELETE /v2/serverless/{id}"]);
  });

  test("already gone is success", async () => {
    const state = await up();
    cloud.admin.deleteResource("endpoint", state.id);
    cloud.admin.clearRequests();
    await expect(endpoint.remove(state.id, state.outs)).resolves.toBeUndefined();
    expect(writes()).toEqual([]);
  });

  test("stale state does not block it", async () => {
    const state = await up();
    await endpoint.remove(state.id, { timeouts: "not an object", name: 42 });
    expect(cloud.admin.list("endpoint")).toEqual([]);
  });

  test("24002 (started again meanwhile): stops again and retries", async () => {
    const state = await up({ ...ARGS, running: false });
    cloud.admin.clearRequests();
    cloud.admin.addFault({
      type: "latency",
      route: "DELETE /v2/serverless/{id}",
      ms: 300,
      times: 1,
    });

    const removing = endpoint.remove(state.id, state.outs);
    // The DELETE is held back; someone starts the endpoint before it is handled.
    await eventually(() => cloud.admin.requests({ method: "GET" }).length > 0);
    cloud.admin.setStatus("endpoint", state.id, "RUNNING");
    await removing;

    const calls = cloud.admin.requests().filter((r) => r.method !== "GET");
    expect(calls.map((r) => `${r.method} ${r.route} ${r.code}`)).toEqual([
      "DELETE /v2/serverless/{id} 24002",
      "POST /v2/serverless/{id}/stop 10000",
      "DELETE /v2/serverless/{id} 10000",
    ]);
    expect(cloud.admin.list("endpoint")).toEqual([]);
  });
});
