import { MockAgent } from "undici";
import { YottaClient, type ErrorKind } from "../../../client";
import { FAST_RETRY, envelope, stubServer, withStub, type Stub } from "./helpers";

describe("ids beyond 2^53 over the wire", () => {
  it("keeps 378888638324150969 sent as a raw JSON number", async () => {
    const body =
      '{"message":"success","code":10000,"data":{"id":378888638324150969,"name":"p","status":"RUNNING",' +
      '"containerRegistryAuthId":378888638324150971,"persistentVolumes":[{"id":378888638324150973,"mountPath":"/d"}]}}';
    await withStub(
      () => ({ body }),
      async (_stub, client) => {
        const pod = await client.pods.get("378888638324150969");
        expect(pod.id).toBe("378888638324150969");
        expect(pod.containerRegistryAuthId).toBe("378888638324150971");
        expect(pod.persistentVolumes?.[0]?.id).toBe("378888638324150973");
      },
    );
  });

  it("reads a create that answers with the bare id (v1) by reading the resource back", async () => {
    await withStub(
      (r) =>
        r.method === "POST"
          ? { body: '{"message":"success","code":10000,"data":378888638324150969}' }
          : { body: envelope(10000, { id: "378888638324150969", name: "c", type: "GCR" }) },
      async (stub, client) => {
        const credential = await client.credentials.create({
          name: "c",
          username: "u",
          password: "p",
        });
        expect(credential).toMatchObject({ id: "378888638324150969", type: "GCR" });
        expect(stub.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
          "POST /v2/container-registry-auths",
          "GET /v2/container-registry-auths/378888638324150969",
        ]);
      },
    );
  });
});

describe("every response code maps to its error, over HTTP", () => {
  let stub: Stub;
  let reply: { status: number; body: string; headers?: Record<string, string> };
  let client: YottaClient;
  beforeAll(async () => {
    stub = await stubServer(() => reply);
    // No time for rate-limit retries: they are bounded by a deadline, not by maxRetries (see
    // rate-limit.test.ts), and here each answer is sent once more only where maxRetries says.
    client = new YottaClient({
      apiKey: "k",
      baseUrl: stub.url,
      retry: { ...FAST_RETRY, rateLimitBudgetMs: 0 },
      maxRetries: 1,
    });
  });
  afterAll(async () => {
    await client.close();
    await stub.close();
  });
  beforeEach(() => stub.requests.splice(0));

  test.each<{
    name: string;
    status: number;
    code?: number;
    body?: string;
    kind: ErrorKind;
    sends: number;
  }>([
    { name: "10001 invalid params", status: 200, code: 10001, kind: "invalid_params", sends: 1 },
    { name: "10001 in HTTP 400", status: 400, code: 10001, kind: "invalid_params", sends: 1 },
    { name: "10002 system error", status: 200, code: 10002, kind: "server", sends: 2 },
    { name: "10007 record does not exist", status: 200, code: 10007, kind: "not_found", sends: 1 },
    { name: "11000 VM not found", status: 200, code: 11000, kind: "not_found", sends: 1 },
    { name: "11001 VM status invalid", status: 200, code: 11001, kind: "busy", sends: 1 },
    {
      name: "11002 no terminate permission",
      status: 200,
      code: 11002,
      kind: "not_allowed",
      sends: 1,
    },
    { name: "12001 resource status invalid", status: 200, code: 12001, kind: "busy", sends: 1 },
    { name: "13000 pod not found", status: 200, code: 13000, kind: "not_found", sends: 1 },
    { name: "14000 endpoint not found", status: 200, code: 14000, kind: "not_found", sends: 1 },
    { name: "24000 serverless unavailable", status: 200, code: 24000, kind: "server", sends: 2 },
    {
      name: "24001 serverless does not exist",
      status: 200,
      code: 24001,
      kind: "not_found",
      sends: 1,
    },
    { name: "24002 action not allowed", status: 200, code: 24002, kind: "not_allowed", sends: 1 },
    { name: "24011 task does not exist", status: 200, code: 24011, kind: "not_found", sends: 1 },
    { name: "code 429", status: 200, code: 429, kind: "rate_limited", sends: 1 },
    { name: "HTTP 429 without a body", status: 429, body: "", kind: "rate_limited", sends: 1 },
    { name: "HTTP 500 with the envelope", status: 500, code: 10002, kind: "server", sends: 2 },
    {
      name: "HTTP 504 gateway page",
      status: 504,
      body: "<html>timeout</html>",
      kind: "server",
      sends: 2,
    },
    { name: "HTTP 401", status: 401, code: 401, kind: "auth", sends: 1 },
    { name: "HTTP 404 for an unknown route", status: 404, code: 404, kind: "api", sends: 1 },
    { name: "an unknown code", status: 200, code: 31337, kind: "api", sends: 1 },
    {
      name: "a success that is not an envelope",
      status: 200,
      body: '{"ok":true}',
      kind: "response_validation",
      sends: 1,
    },
    {
      name: "a success that is not JSON",
      status: 200,
      body: "<html></html>",
      kind: "response_validation",
      sends: 1,
    },
  ])("$name → $kind after $sends request(s)", async ({ status, code, body, kind, sends }) => {
    reply = { status, body: body ?? envelope(code ?? 10000, null, `the server says ${code}`) };
    const error = await client.pods.get("42").catch((e: unknown) => e);
    expect(error).toMatchObject({ kind, status, call: "pods.get" });
    if (code !== undefined && kind !== "response_validation") {
      expect(error).toMatchObject({ code });
      expect((error as Error).message).toContain(`the server says ${code}`);
    }
    expect((error as Error).message).toContain("pods.get (GET /v2/pods/42)");
    expect(stub.requests).toHaveLength(sends);
  });

  it("a response that does not fit names the call and the field", async () => {
    reply = {
      status: 200,
      body: envelope(10000, { id: "1", name: "p", status: "RUNNING", gpuCount: "many" }),
    };
    await expect(client.pods.get("1")).rejects.toMatchObject({
      kind: "response_validation",
      message: expect.stringMatching(
        /^pods\.get \(GET \/v2\/pods\/1\): unexpected response: data\.gpuCount: expected a whole number, got "many"/,
      ),
    });
  });
});

describe("a success without data", () => {
  const bare = '{"code":10000,"message":"success"}';

  test.each([
    { call: "pods.delete", run: (c: YottaClient) => c.pods.delete("1") },
    { call: "pods.pause", run: (c: YottaClient) => c.pods.pause("1") },
    { call: "endpoints.stop", run: (c: YottaClient) => c.endpoints.stop("1") },
    { call: "volumes.rename", run: (c: YottaClient) => c.volumes.rename("1", "v2") },
    {
      call: "credentials.update",
      run: (c: YottaClient) => c.credentials.update("1", { name: "d" }),
    },
  ])("is accepted where no data is expected: $call", async ({ run }) => {
    await withStub(
      () => ({ body: bare }),
      async (stub, client) => {
        await expect(run(client)).resolves.toBeUndefined();
        expect(stub.requests).toHaveLength(1);
      },
    );
  });

  it("fails clearly where data is needed", async () => {
    await withStub(
      () => ({ body: bare }),
      async (_stub, client) => {
        await expect(client.pods.get("1")).rejects.toMatchObject({
          kind: "response_validation",
          call: "pods.get",
          message: "pods.get (GET /v2/pods/1): unexpected response: code 10000 without data",
        });
      },
    );
  });
});

describe("redirects are not followed", () => {
  it("a 3xx is an error and the target is never requested", async () => {
    await withStub(
      (r) =>
        r.url.startsWith("/v2/pods/1")
          ? { status: 302, headers: { location: "/elsewhere" } }
          : { body: envelope(10000, {}) },
      async (stub, client) => {
        const error = await client.pods.get("1").catch((e: unknown) => e);
        expect(error).toMatchObject({ kind: "api", status: 302 });
        expect((error as Error).message).toContain("redirect");
        expect(stub.requests.map((r) => r.url)).toEqual(["/v2/pods/1"]);
      },
    );
  });
});

describe("the exact request", () => {
  it("sends the key in X-Api-Key only, JSON in, JSON out, and keeps a base path", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    let seen: { path: string; headers: Record<string, string>; body: string } | undefined;
    agent
      .get("https://api.example.test")
      .intercept({ path: "/proxy/v2/pods", method: "POST" })
      .reply((options) => {
        seen = {
          path: options.path,
          headers: options.headers as Record<string, string>,
          body: String(options.body),
        };
        return {
          statusCode: 200,
          data: envelope(10000, { id: "7", name: "p", status: "PENDING" }),
        };
      });
    const client = new YottaClient({
      apiKey: "key-123",
      baseUrl: "https://api.example.test/proxy/",
      dispatcher: agent,
      userAgent: "ci/1.0",
    });
    await client.pods.create({
      name: "p",
      image: "i",
      gpuType: "G",
      gpuCount: 2,
      containerRegistryAuthId: "378888638324150969",
    });
    expect(seen?.path).toBe("/proxy/v2/pods");
    expect(seen?.headers).toMatchObject({
      "x-api-key": "key-123",
      "content-type": "application/json",
      accept: "application/json",
      "user-agent": "pulumi-yotta-client ci/1.0",
    });
    expect(seen?.body).toBe(
      '{"name":"p","image":"i","containerRegistryAuthId":378888638324150969,"gpuType":"G","gpuCount":2}',
    );
    expect(client.baseUrl).toBe("https://api.example.test/proxy");
    await agent.close();
  });

  it("joins list filters with commas and leaves empty ones out", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const paths: string[] = [];
    agent
      .get("https://api.example.test")
      .intercept({ path: (p) => p.startsWith("/v2/pods"), method: "GET" })
      .reply((options) => {
        paths.push(options.path);
        return { statusCode: 200, data: envelope(10000, []) };
      })
      .times(2);
    const client = new YottaClient({
      apiKey: "k",
      baseUrl: "https://api.example.test",
      dispatcher: agent,
    });
    await client.pods.list({ regions: ["us-east-1", "eu-2"], statuses: ["RUNNING"] });
    await client.pods.list({ regions: [] });
    expect(paths).toEqual(["/v2/pods?regionList=us-east-1%2Ceu-2&statusList=RUNNING", "/v2/pods"]);
    await agent.close();
  });
});
