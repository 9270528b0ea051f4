/**
 * A create answered with code 10000 made the resource, which bills whether or not its `data`
 * fits the schema: the id is read as leniently as possible and the resource read back by it.
 * The exact requests are the point here, so the server is an undici MockAgent.
 */
import { MockAgent } from "undici";
import { ResponseValidationError, YottaClient } from "../../../client";

const ORIGIN = "https://api.example.test";
const BIG_ID = "378888638324150969";
const POD = { id: BIG_ID, name: "p", status: "PENDING", gpuCount: 1, createdAt: 1751624996000 };
const spec = { name: "p", image: "i", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 };
const SENT = '{"name":"p","image":"i","gpuType":"NVIDIA_RTX_4090_24G","gpuCount":1}';

interface Seen {
  method: string;
  path: string;
  body: string;
}

/** A client over a MockAgent answering POST /v2/pods with `created` and GETs with `read`. */
function mockApi(created: string, read: string = success(POD)) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const seen: Seen[] = [];
  const pool = agent.get(ORIGIN);
  const record = (options: { method: string; path: string; body?: unknown }) =>
    seen.push({
      method: options.method,
      path: options.path,
      body: options.body === undefined || options.body === null ? "" : String(options.body),
    });
  pool
    .intercept({ path: "/v2/pods", method: "POST" })
    .reply((options) => (record(options), { statusCode: 200, data: created }));
  pool
    .intercept({ path: (p) => p.startsWith("/v2/pods/"), method: "GET" })
    .reply((options) => (record(options), { statusCode: 200, data: read }))
    .persist();
  const client = new YottaClient({
    apiKey: "k",
    baseUrl: ORIGIN,
    dispatcher: agent,
    maxRetries: 0,
  });
  return { client, seen, close: () => agent.close() };
}

/** A success envelope written by hand, so a bare int64 id stays digit for digit. */
function success(data: unknown, id?: string): string {
  const text = JSON.stringify({ message: "success", code: 10000, data });
  return id === undefined ? text : text.replace(`"id":"${id}"`, `"id":${id}`);
}

const BAD_SHAPES = [
  { name: "status null", data: { ...POD, status: null } },
  { name: "createdAt in another format", data: { ...POD, createdAt: "04/07/2025 10:29 PM" } },
  { name: 'singleCardPrice ""', data: { ...POD, singleCardPrice: "" } },
];

describe("a create whose data does not fit, with an id", () => {
  describe.each(BAD_SHAPES)("$name", ({ data }) => {
    test.each([
      { form: "a string id", body: success(data), id: BIG_ID },
      { form: "a bare int64 id", body: success(data, BIG_ID), id: BIG_ID },
      { form: "a small numeric id", body: success({ ...data, id: 42 }), id: "42" },
    ])("with $form: read back by that id", async ({ body, id }) => {
      const api = mockApi(body, success({ ...POD, id }));
      try {
        const pod = await api.client.pods.create(spec);
        expect(pod).toMatchObject({ id, name: "p", status: "PENDING" });
        expect(api.seen).toEqual([
          { method: "POST", path: "/v2/pods", body: SENT },
          { method: "GET", path: `/v2/pods/${id}`, body: "" },
        ]);
      } finally {
        await api.close();
      }
    });

    it("when the read-back does not fit either: the validation error carries createdId", async () => {
      const api = mockApi(success(data), success(data));
      try {
        const error = await api.client.pods.create(spec).catch((e: unknown) => e);
        expect(ResponseValidationError.isInstance(error)).toBe(true);
        expect(error).toMatchObject({
          kind: "response_validation",
          call: "pods.create",
          code: 10000,
          createdId: BIG_ID,
        });
        expect((error as Error).message).toMatch(
          new RegExp(
            `^pods\\.create \\(POST /v2/pods\\): unexpected response: data\\..+; created ${BIG_ID}, but reading it back failed: pods\\.get \\(GET /v2/pods/${BIG_ID}\\): unexpected response: data\\.`,
          ),
        );
        expect(api.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
          "POST /v2/pods",
          `GET /v2/pods/${BIG_ID}`,
        ]);
      } finally {
        await api.close();
      }
    });
  });

  it("when the read-back fails otherwise (not found yet): createdId all the same", async () => {
    const api = mockApi(
      success({ ...POD, status: null }),
      JSON.stringify({ message: "pod not found", code: 13000, data: null }),
    );
    try {
      const error = await api.client.pods.create(spec).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: "response_validation", createdId: BIG_ID });
      expect((error as Error).cause).toMatchObject({ kind: "not_found", code: 13000 });
    } finally {
      await api.close();
    }
  });

  it("a bare id (v1) whose read-back fails carries createdId", async () => {
    const api = mockApi(`{"message":"success","code":10000,"data":${BIG_ID}}`, success(null));
    try {
      const error = await api.client.pods.create(spec).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: "response_validation", createdId: BIG_ID });
      expect((error as Error).message).toMatch(
        new RegExp(`^pods\\.create \\(POST /v2/pods\\): created ${BIG_ID}, but reading it back`),
      );
    } finally {
      await api.close();
    }
  });
});

describe("a create answer with no readable id: the validation error without createdId", () => {
  test.each([
    { name: "data: null", body: success(null) },
    { name: "no data at all", body: '{"code":10000,"message":"success"}' },
    { name: "a resource without an id", body: success({ name: "p", status: null }) },
    { name: "an id that is not one", body: success({ ...POD, id: { value: 1 }, status: null }) },
    { name: "a rounded id", body: success({ ...POD, status: null }).replace(`"${BIG_ID}"`, "1.5") },
    { name: "an HTML page with HTTP 200", body: "<html><body>Welcome</body></html>" },
    { name: "JSON that is not an envelope", body: '{"ok":true}' },
  ])("$name", async ({ body }) => {
    const api = mockApi(body);
    try {
      const error = await api.client.pods.create(spec).catch((e: unknown) => e);
      expect(ResponseValidationError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ kind: "response_validation", call: "pods.create" });
      expect((error as ResponseValidationError).createdId).toBeUndefined();
      expect((error as Error).message).toMatch(
        /^pods\.create \(POST \/v2\/pods\): unexpected response: /,
      );
      expect(api.seen).toEqual([{ method: "POST", path: "/v2/pods", body: SENT }]);
    } finally {
      await api.close();
    }
  });
});

describe("every resource's create reads a misfit answer back by its id", () => {
  const resources = [
    {
      create: (c: YottaClient) => c.volumes.create({ name: "v", storageType: "S3" }),
      post: "/v2/volumes",
      misfit: { id: "7", name: "v", status: null },
      fit: { id: "7", name: "v", status: "active", storageType: "S3" },
    },
    {
      create: (c: YottaClient) => c.credentials.create({ name: "c", username: "u", password: "p" }),
      post: "/v2/container-registry-auths",
      misfit: { id: "7", name: null },
      fit: { id: "7", name: "c" },
    },
    {
      create: (c: YottaClient) =>
        c.endpoints.create({
          name: "e",
          image: "i",
          resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
          workers: 1,
          containerVolumeInGb: 20,
          serviceMode: "ALB",
        }),
      post: "/v2/serverless",
      misfit: { id: "7", name: "e", status: null },
      fit: { id: "7", name: "e", status: "INITIALIZING" },
    },
    {
      create: (c: YottaClient) =>
        c.vms.create({ vmTypeId: "1000", region: "us-east-1", name: "m" }),
      post: "/v2/vms",
      misfit: { id: "7", name: "m", status: null },
      fit: { id: "7", name: "m", status: "initializing" },
    },
  ];

  test.each(resources)("POST $post", async ({ create, post, misfit, fit }) => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const seen: string[] = [];
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: post, method: "POST" })
      .reply((o) => (seen.push(`POST ${o.path}`), { statusCode: 200, data: success(misfit) }));
    pool
      .intercept({ path: `${post}/7`, method: "GET" })
      .reply((o) => (seen.push(`GET ${o.path}`), { statusCode: 200, data: success(fit) }));
    const client = new YottaClient({ apiKey: "k", baseUrl: ORIGIN, dispatcher: agent });
    try {
      await expect(create(client)).resolves.toMatchObject({ id: "7" });
      expect(seen).toEqual([`POST ${post}`, `GET ${post}/7`]);
    } finally {
      await agent.close();
    }
  });
});
