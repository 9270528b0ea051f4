import { inspect } from "node:util";
import { ConfigError, YottaClient, redact } from "../../../client";
import { debugSinkFromEnv } from "../../../client/core/logging";
import { envelope, harness, withStub, type Harness } from "./helpers";

const KEY = "yk-live-5ecret-4f9c2b7e";
const WRONG_KEY = "yk-wrong-5ecret-91aa03";
const PASSWORD = "pw-5ecret-registry";
const ENV_VALUE = "env-5ecret-value";
const BEARER = "Bearer tok-5ecret";

/** Every way an error can end up printed or serialized, cause chain included. */
function renderings(error: unknown): string[] {
  const out = [
    inspect(error, { depth: Infinity, showHidden: true }),
    String(error),
    JSON.stringify(error) ?? "",
  ];
  for (let e: unknown = error; e instanceof Error; e = e.cause) out.push(e.message, e.stack ?? "");
  return out;
}

function expectNoSecret(texts: string[], secrets: string[]): void {
  for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
}

describe("the API key never leaves its header", () => {
  let h: Harness;
  beforeAll(async () => {
    // A frozen clock keeps the new pod PENDING however slow the machine is, so its pause is
    // refused (busy) every time instead of succeeding once the pod has had time to start.
    h = await harness({ emulator: { apiKey: KEY, frozenClock: true }, client: { maxRetries: 1 } });
  });
  afterAll(() => h.close());

  it("appears in no error, no debug line and no rendering of the client", async () => {
    const errors: unknown[] = [];
    const fail = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => errors.push(e),
      );
    const { client, cloud } = h;

    const pod = await client.pods.create({
      name: "p",
      image: "i",
      gpuType: "NVIDIA_RTX_4090_24G",
      gpuCount: 1,
    });
    await fail(client.pods.get("123456789012345678"));
    await fail(client.pods.pause(pod.id));
    await fail(client.pods.create({ name: "p", image: "i", gpuType: "NOT_A_GPU", gpuCount: 1 }));
    await fail(client.pods.create({ name: "p", image: "i", gpuType: "G", gpuCount: 3 }));
    cloud.admin.setFaults([{ type: "serverError", route: "GET /v2/pods" }]);
    await fail(client.pods.list());
    cloud.admin.setFaults([{ type: "reset", route: "GET /v2/pods" }]);
    await fail(client.pods.list());
    cloud.admin.setFaults([{ type: "rateLimit", route: "GET /v2/pods" }]);
    await fail(client.pods.list({}, { deadline: Date.now() + 100 }));
    cloud.admin.setFaults([{ type: "latency", ms: 200, route: "GET /v2/pods" }]);
    await fail(client.pods.list({}, { timeoutMs: 20 }));
    cloud.admin.clearFaults();
    const wrong = h.clientWith({ apiKey: WRONG_KEY });
    await fail(wrong.pods.list());

    expect(errors.map((e) => (e as { kind: string }).kind)).toEqual([
      "not_found",
      "busy",
      "invalid_params",
      "invalid_params",
      "server",
      "connection",
      "rate_limited",
      "timeout",
      "auth",
    ]);
    expectNoSecret(errors.flatMap(renderings), [KEY, WRONG_KEY]);
    expect(h.lines.length).toBeGreaterThan(10);
    expectNoSecret(h.lines, [KEY, WRONG_KEY]);
    expectNoSecret(
      [inspect(client, { depth: Infinity, showHidden: true }), JSON.stringify(client)],
      [KEY],
    );
    for (const request of cloud.admin.requests()) {
      expectNoSecret(
        [request.path, JSON.stringify(request.query), request.rawBody],
        [KEY, WRONG_KEY],
      );
    }
  });

  it("is scrubbed from a server message that echoes it", async () => {
    const lines: string[] = [];
    await withStub(
      () => ({ body: envelope(10001, null, `api key ${KEY} is not valid here`) }),
      async (_stub, client) => {
        const error = await client.pods.get("1").catch((e: unknown) => e);
        expect((error as Error).message).toContain("api key [redacted] is not valid here");
        expectNoSecret([...renderings(error), ...lines], [KEY]);
      },
      { apiKey: KEY, debug: (l) => lines.push(l) },
    );
    expect(lines.length).toBeGreaterThan(0);
  });

  it("is not echoed by set-up errors", () => {
    const attempts = [
      () => new YottaClient({ apiKey: `${KEY}\n`, baseUrl: "https://api.example.test" }),
      () => new YottaClient({ apiKey: KEY, baseUrl: "http://api.example.test" }),
      () => new YottaClient({ apiKey: KEY, baseUrl: `https://user:${KEY}@api.example.test` }),
      // The key given where the URL goes: not a URL, a "URL" whose scheme is the key, a host.
      () => new YottaClient({ apiKey: "https://api.yottalabs.ai", baseUrl: KEY }),
      () => new YottaClient({ apiKey: KEY, baseUrl: `${KEY}:443` }),
      () => new YottaClient({ apiKey: KEY, baseUrl: `http://${KEY}.example.test` }),
    ];
    for (const attempt of attempts) {
      let error: unknown;
      try {
        attempt();
      } catch (e) {
        error = e;
      }
      expect(ConfigError.isInstance(error)).toBe(true);
      expectNoSecret(renderings(error), [KEY]);
    }
  });

  it("is not echoed when YOTTA_API_KEY and YOTTA_API_URL are swapped", () => {
    const saved = { key: process.env.YOTTA_API_KEY, url: process.env.YOTTA_API_URL };
    process.env.YOTTA_API_KEY = "https://api.yottalabs.ai";
    process.env.YOTTA_API_URL = KEY;
    let error: unknown;
    try {
      new YottaClient();
    } catch (e) {
      error = e;
    } finally {
      for (const [name, value] of [
        ["YOTTA_API_KEY", saved.key],
        ["YOTTA_API_URL", saved.url],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    expect(error).toMatchObject({ kind: "config", message: expect.stringContaining("not a URL") });
    expectNoSecret(renderings(error), [KEY]);
  });
});

describe("debug output is redacted", () => {
  it("hides passwords, environment values and forwarded headers, keeps what helps", async () => {
    const h = await harness();
    const { client } = h;
    try {
      await client.credentials.create({ name: "hub", username: "me", password: PASSWORD });
      const credential = (await client.credentials.findByName("hub"))[0]!;
      await client.credentials.update(credential.id, { password: PASSWORD });
      const pod = await client.pods.create({
        name: "p",
        image: "i",
        gpuType: "NVIDIA_RTX_4090_24G",
        gpuCount: 1,
        environmentVars: [{ key: "HF_TOKEN", value: ENV_VALUE }],
      });
      await client.pods.get(pod.id);
      const endpoint = await client.endpoints.create({
        name: "e",
        image: "i",
        resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
        workers: 1,
        containerVolumeInGb: 20,
        serviceMode: "QUEUE",
        environmentVars: [{ key: "HF_TOKEN", value: ENV_VALUE }],
      });
      await client.endpoints.get(endpoint.id);
      await client.endpoints.tasks.submit(endpoint.id, {
        taskId: "t1",
        input: { q: 1 },
        workerPort: 80,
        processUri: "/",
        webhookAuthKey: PASSWORD,
        headers: { Authorization: BEARER },
      });
      h.cloud.admin.settle();
      await client.endpoints.tasks.get(endpoint.id, "t1");
    } finally {
      await h.close();
    }

    const log = h.lines.join("\n");
    expectNoSecret(h.lines, [PASSWORD, ENV_VALUE, BEARER, h.cloud.apiKey]);
    expect(log).toContain('{"key":"HF_TOKEN","value":"[redacted]"}');
    expect(log).toContain('"password":"[redacted]"');
    expect(log).toContain('"Authorization":"[redacted]"');
    expect(log).toContain("yotta → POST /v2/pods");
    expect(log).toMatch(/yotta ← 200 code 10000 GET \/v2\/pods\/\d+ \(\d+ ms\)/);
  });

  it("redact leaves its input untouched", () => {
    const body = {
      name: "x",
      password: "p",
      environmentVars: [{ key: "A", value: "v" }],
      nested: { apiKey: "k" },
    };
    const copy = structuredClone(body);
    expect(redact(body)).toEqual({
      name: "x",
      password: "[redacted]",
      environmentVars: [{ key: "A", value: "[redacted]" }],
      nested: { apiKey: "[redacted]" },
    });
    expect(body).toEqual(copy);
  });

  it("redact hides what carries secrets by use: start commands, usernames, webhook queries", () => {
    expect(
      redact({
        initializationCommand: "huggingface-cli login --token hf_5ecret",
        username: "ci-bot",
        webhook: "https://hooks.example.com/yotta?token=wh-5ecret#frag",
        nested: [{ webhook: "https://user:pw-5ecret@hooks.example.com/path" }],
        name: "kept",
      }),
    ).toEqual({
      initializationCommand: "[redacted]",
      username: "[redacted]",
      webhook: "https://hooks.example.com/yotta?[redacted]",
      nested: [{ webhook: "https://[redacted]@hooks.example.com/path" }],
      name: "kept",
    });
  });

  test.each([
    { value: "1", on: true },
    { value: "true", on: true },
    { value: "0", on: false },
    { value: "false", on: false },
    { value: "", on: false },
    { value: undefined, on: false },
  ])("YOTTA_DEBUG=$value → on: $on", ({ value, on }) => {
    expect(debugSinkFromEnv({ YOTTA_DEBUG: value }) !== undefined).toBe(on);
  });

  it("YOTTA_DEBUG=1 writes redacted lines to stderr when no debug option is given", async () => {
    const written: string[] = [];
    const saved = process.env.YOTTA_DEBUG;
    process.env.YOTTA_DEBUG = "1";
    const spy = jest
      .spyOn(process.stderr, "write")
      .mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    try {
      await withStub(
        () => ({ body: envelope(10000, []) }),
        (_stub, client) => client.credentials.list(),
        { apiKey: KEY },
      );
    } finally {
      spy.mockRestore();
      if (saved === undefined) delete process.env.YOTTA_DEBUG;
      else process.env.YOTTA_DEBUG = saved;
    }
    expect(written.join("")).toContain("yotta → GET /v2/container-registry-auths");
    expectNoSecret(written, [KEY]);
  });
});

describe("base URL", () => {
  test.each([
    "https://api.yottalabs.ai",
    "https://api.yottalabs.ai/",
    "https://proxy.example.test/yotta",
    "http://127.0.0.1:8080",
    "http://127.42.0.9",
    "http://localhost:3000",
    "http://[::1]:9000",
  ])("accepts %s", (baseUrl) => {
    expect(() => new YottaClient({ apiKey: "k", baseUrl })).not.toThrow();
  });

  test.each([
    { baseUrl: "http://api.yottalabs.ai", says: "plain HTTP" },
    { baseUrl: "http://10.0.0.1:8080", says: "plain HTTP" },
    { baseUrl: "http://localhost.example.com", says: "plain HTTP" },
    { baseUrl: "http://128.0.0.1", says: "plain HTTP" },
    { baseUrl: "ftp://api.yottalabs.ai", says: "https" },
    { baseUrl: "https://u:p@api.yottalabs.ai", says: "credentials" },
    { baseUrl: "https://api.yottalabs.ai/?key=1", says: "query" },
    { baseUrl: "api.yottalabs.ai", says: "not a URL" },
  ])("refuses $baseUrl", ({ baseUrl, says }) => {
    expect(() => new YottaClient({ apiKey: "k", baseUrl })).toThrow(says);
  });

  it("needs a key", () => {
    const saved = process.env.YOTTA_API_KEY;
    delete process.env.YOTTA_API_KEY;
    try {
      expect(() => new YottaClient({ baseUrl: "https://api.yottalabs.ai" })).toThrow("no API key");
    } finally {
      if (saved !== undefined) process.env.YOTTA_API_KEY = saved;
    }
  });
});
