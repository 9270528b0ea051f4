import fc from "fast-check";
import { UNKNOWN } from "../../../provider/check";
import * as credential from "../../../provider/credential";
import { STRICT_NAME } from "../../../provider/naming";
import {
  startProviderHarness,
  withProvider,
  type ProviderHarness,
} from "../../support/provider-harness";

const PASSWORD = "hunter2-registry-token";
const CRED = { name: "dockerhub", type: "DOCKER_HUB", username: "me", password: PASSWORD };

let h: ProviderHarness;
let printed: string[];

beforeAll(async () => {
  h = await startProviderHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.emulator.admin.reset();
  printed = [];
  jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    printed.push(args.join(" "));
  });
});
afterEach(() => {
  // The secret never reaches a progress line, whatever the test did.
  expect(printed.join("\n")).not.toContain(PASSWORD);
  jest.restoreAllMocks();
});

async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const result = await credential.check(olds, news);
  expect(result.failures).toEqual([]);
  return withProvider(result.inputs);
}

async function created(news: Record<string, unknown> = CRED) {
  const inputs = await checked(news);
  const { id, outs } = await credential.create(inputs);
  return { id, inputs, outs: outs as Record<string, unknown> };
}

function writes(): { call: string; body: unknown }[] {
  return h.emulator.admin
    .requests()
    .filter((r) => r.method !== "GET")
    .map((r) => ({ call: `${r.method} ${r.route}`, body: r.body }));
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).not.toContain(PASSWORD);
  return error as Error;
}

describe("check", () => {
  test.each([
    { name: "name starts with a letter", news: { ...CRED, name: "1registry" }, property: "name" },
    { name: "name at most 20", news: { ...CRED, name: "a".repeat(21) }, property: "name" },
    { name: "name characters", news: { ...CRED, name: "my registry" }, property: "name" },
    { name: "name not empty", news: { ...CRED, name: "" }, property: "name" },
    { name: "username required", news: { ...CRED, username: undefined }, property: "username" },
    { name: "username not empty", news: { ...CRED, username: "" }, property: "username" },
    {
      name: "username at most 255",
      news: { ...CRED, username: "u".repeat(256) },
      property: "username",
    },
    { name: "password required", news: { ...CRED, password: undefined }, property: "password" },
    { name: "password not empty", news: { ...CRED, password: "" }, property: "password" },
    {
      name: "password at most 255",
      news: { ...CRED, password: "p".repeat(256) },
      property: "password",
    },
    { name: "type is a known registry", news: { ...CRED, type: "QUAY" }, property: "type" },
    { name: "adoptId is an id", news: { ...CRED, adoptId: "cred-1" }, property: "adoptId" },
  ])("$name", async ({ news, property }) => {
    const { failures } = await credential.check({}, news);
    expect(failures.map((f) => f.property)).toEqual([property]);
    expect(failures.map((f) => f.reason).join()).not.toContain(PASSWORD);
  });

  test.each(["DOCKER_HUB", "GCR", "ECR", "ACR", "PRIVATE"])("accepts type %s", async (type) => {
    expect((await credential.check({}, { ...CRED, type })).failures).toEqual([]);
  });

  test("type is optional and gets no default", async () => {
    const inputs = await checked({ ...CRED, type: undefined });
    expect(inputs.type).toBeUndefined();
  });

  test("tolerates an unknown password during preview", async () => {
    const result = await credential.check({}, { ...CRED, password: UNKNOWN });
    expect(result.failures).toEqual([]);
  });

  test("property: derived names always satisfy the strict name rule, and are stable", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 60 }), async (logical) => {
        const news = { username: "u", password: "p", autonamePrefix: logical };
        const first = await checked(news);
        expect(first.name).toMatch(STRICT_NAME);
        expect((await checked(news, first)).name).toBe(first.name);
      }),
    );
  });

  test("an explicit name marks the inputs as user-named", async () => {
    expect(await checked({ ...CRED, autonamePrefix: "hub" })).not.toHaveProperty("autonamePrefix");
    expect(await checked({ ...CRED, name: undefined, autonamePrefix: "hub" })).toHaveProperty(
      "autonamePrefix",
      "hub",
    );
  });
});

describe("diff", () => {
  const olds = { ...CRED, id: "1", createdAt: "2025-01-01T00:00:00.000Z" };

  test.each([
    { name: "name updates in place", news: { name: "ghcr" }, replaces: [] },
    { name: "username updates in place", news: { username: "you" }, replaces: [] },
    { name: "a new password is an update (rotation)", news: { password: "other" }, replaces: [] },
    { name: "type replaces", news: { type: "GCR" }, replaces: ["type"] },
    { name: "adopting another credential replaces", news: { adoptId: "2" }, replaces: ["adoptId"] },
  ])("$name", async ({ news, replaces }) => {
    const result = await credential.diff("1", olds, { ...CRED, ...news });
    expect(result.changes).toBe(true);
    expect(result.replaces).toEqual(replaces);
  });

  test("timestamps and the provider text are not changes", async () => {
    const result = await credential.diff(
      "1",
      { ...olds, __provider: "a" },
      { ...CRED, __provider: "b" },
    );
    expect(result.changes).toBe(false);
  });

  test("a replacement keeps a user's name only by deleting first", async () => {
    expect((await credential.diff("1", olds, { ...CRED, type: "GCR" })).deleteBeforeReplace).toBe(
      true,
    );
    const auto = { ...CRED, type: "GCR", autonamePrefix: "hub" };
    expect((await credential.diff("1", olds, auto)).deleteBeforeReplace).toBe(false);
  });

  test("property: diff(x, x) is no change", async () => {
    const anyCredential = fc.record({
      name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9@._-]{0,19}$/),
      type: fc.option(fc.constantFrom("DOCKER_HUB", "GCR", "ECR", "ACR", "PRIVATE"), {
        nil: undefined,
      }),
      username: fc.string({ minLength: 1, maxLength: 255 }),
      password: fc.string({ minLength: 1, maxLength: 255 }),
    });
    await fc.assert(
      fc.asyncProperty(anyCredential, async (c) => {
        const inputs = await checked(c);
        const result = await credential.diff("1", { ...inputs, id: "1" }, inputs);
        expect(result).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
      }),
    );
  });
});

describe("create", () => {
  test("stores the credential and records it, password included", async () => {
    const { id, outs } = await created();
    expect(outs).toMatchObject({ ...CRED, id });
    expect(outs.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(writes()).toEqual([{ call: "POST /v2/container-registry-auths", body: CRED }]);
  });

  test("a lost response: finds the credential it made, never a second one", async () => {
    h.emulator.admin.addFault({
      type: "dropResponse",
      route: "POST /v2/container-registry-auths",
      times: 1,
    });
    const { id } = await created();
    expect(h.emulator.admin.list("credential").map((c) => c.id)).toEqual([id]);
    expect(h.emulator.admin.requests({ method: "POST" }).map((r) => r.status)).toEqual([null]);
  });

  test("a name another credential holds is refused before sending, without the password", async () => {
    const other = await h.client.credentials.create({ ...CRED, type: "DOCKER_HUB" });
    const error = await failure(credential.create(await checked(CRED)));
    expect(error.message).toContain(`is already taken by credential ${other.id}`);
    expect(error.message).not.toContain(CRED.password);
    expect(h.emulator.admin.requests({ method: "POST" })).toHaveLength(1);
  });
});

describe("adoption", () => {
  test("adopts a matching credential and sets the declared secret on it", async () => {
    const existing = await h.client.credentials.create({
      ...CRED,
      type: "DOCKER_HUB",
      password: "old",
    });
    h.emulator.admin.clearRequests();
    const { id, outs } = await created({ ...CRED, adoptId: existing.id });
    expect(id).toBe(existing.id);
    expect(outs).toMatchObject({ name: "dockerhub", password: PASSWORD });
    expect(writes()).toEqual([
      {
        call: "PATCH /v2/container-registry-auths/{id}",
        body: { username: "me", password: PASSWORD },
      },
    ]);
    expect(h.emulator.admin.get("credential", id)?.password).toBe(PASSWORD);
  });

  test.each([
    { name: "type", declared: { type: "GCR" }, says: /type is "DOCKER_HUB", declared "GCR"/ },
    { name: "name", declared: { name: "other" }, says: /name is "dockerhub", declared "other"/ },
  ])("refuses a credential that does not match: $name", async ({ declared, says }) => {
    const existing = await h.client.credentials.create({ ...CRED, type: "DOCKER_HUB" });
    h.emulator.admin.clearRequests();
    const error = await failure(
      credential.create(await checked({ ...CRED, ...declared, adoptId: existing.id })),
    );
    expect(error.message).toMatch(says);
    expect(writes()).toEqual([]);
  });

  test("refuses an id that does not exist", async () => {
    const error = await failure(
      credential.create(await checked({ ...CRED, adoptId: "123456789012345678" })),
    );
    expect(error.message).toMatch(/credential 123456789012345678 does not exist/);
  });
});

describe("read", () => {
  test.each([
    { name: "documented shape", quirks: {} },
    { name: "numeric ids", quirks: { numericIds: true } },
    { name: "string numbers", quirks: { stringNumbers: true } },
    { name: "epoch timestamps", quirks: { timestamps: "epoch" as const } },
    { name: "ISO timestamps", quirks: { timestamps: "iso" as const } },
  ])("an unchanged credential reads back without a diff: $name", async ({ quirks }) => {
    const { id, inputs, outs } = await created();
    h.emulator.admin.setQuirks(quirks);
    const read = await credential.read(id, outs);
    expect(read).toMatchObject({ id, props: { ...CRED, id, createdAt: outs.createdAt } });
    expect((await credential.diff(id, read.props!, inputs)).changes).toBe(false);
  });

  test("a type in another case is the same type", async () => {
    const { id, inputs, outs } = await created();
    h.emulator.admin.patch("credential", id, { type: "docker_hub" });
    const read = await credential.read(id, outs);
    expect(read.props?.type).toBe("DOCKER_HUB");
    expect((await credential.diff(id, read.props!, inputs)).changes).toBe(false);
  });

  test("an unset type stays unset although the service reports its default", async () => {
    const { id, inputs, outs } = await created({ ...CRED, type: undefined });
    const read = await credential.read(id, outs);
    expect(read.props?.type).toBeUndefined();
    expect((await credential.diff(id, read.props!, inputs)).changes).toBe(false);
  });

  test("the password keeps its stored value: a change outside Pulumi cannot be seen", async () => {
    const { id, inputs, outs } = await created();
    h.emulator.admin.patch("credential", id, { password: "changed-elsewhere" });
    const read = await credential.read(id, outs);
    expect(read.props?.password).toBe(PASSWORD);
    expect((await credential.diff(id, read.props!, inputs)).changes).toBe(false);
  });

  test("a rename outside Pulumi shows as a rename back", async () => {
    const { id, inputs, outs } = await created();
    h.emulator.admin.rename("credential", id, "renamed");
    const read = await credential.read(id, outs);
    expect(await credential.diff(id, read.props!, inputs)).toMatchObject({
      changes: true,
      replaces: [],
    });
  });

  test("a credential deleted outside Pulumi reads as gone", async () => {
    const { id, outs } = await created();
    h.emulator.admin.deleteResource("credential", id);
    expect(await credential.read(id, outs)).toEqual({});
  });
});

describe("update", () => {
  test.each([
    { name: "rename", change: { name: "ghcr" }, body: { name: "ghcr" } },
    { name: "password rotation", change: { password: "rotated" }, body: { password: "rotated" } },
    {
      name: "username and password",
      change: { username: "bot", password: "rotated" },
      body: { username: "bot", password: "rotated" },
    },
  ])("$name: one PATCH with only what changed", async ({ change, body }) => {
    const { id, inputs, outs } = await created();
    h.emulator.admin.clearRequests();
    const news = await checked({ ...CRED, ...change }, inputs);
    const result = await credential.update(id, outs, news);
    expect(writes()).toEqual([{ call: "PATCH /v2/container-registry-auths/{id}", body }]);
    expect(result.outs).toMatchObject({ ...CRED, ...change, id });
    const stored = h.emulator.admin.get("credential", id);
    expect(stored).toMatchObject({ ...CRED, ...change });
  });

  test("timeouts alone call nothing", async () => {
    const { id, inputs, outs } = await created();
    h.emulator.admin.clearRequests();
    await credential.update(
      id,
      outs,
      await checked({ ...CRED, timeouts: { create: "1m" } }, inputs),
    );
    expect(writes()).toEqual([]);
  });

  test("a refused update does not show the password", async () => {
    await h.client.credentials.create({ ...CRED, name: "taken", type: "DOCKER_HUB" });
    const { id, inputs, outs } = await created();
    const news = await checked({ ...CRED, name: "taken", password: "rotated" }, inputs);
    const error = await failure(credential.update(id, outs, news));
    expect(error.message).not.toContain("rotated");
  });
});

describe("remove", () => {
  test("deletes the credential", async () => {
    const { id, outs } = await created();
    await credential.remove(id, outs);
    expect(h.emulator.admin.list("credential")).toEqual([]);
  });

  test("a credential already gone is a success", async () => {
    const { id, outs } = await created();
    h.emulator.admin.deleteResource("credential", id);
    await expect(credential.remove(id, outs)).resolves.toBeUndefined();
  });

  test("in use by a pod and an endpoint: says which, and what to do", async () => {
    const { id, outs } = await created();
    const pod = await h.client.pods.create({
      name: "private-app",
      image: "me/app:1",
      imagePublicType: "PRIVATE",
      containerRegistryAuthId: id,
      gpuType: "NVIDIA_RTX_4090_24G",
      gpuCount: 1,
    });
    const endpoint = await h.client.endpoints.create({
      name: "private-api",
      image: "me/api:1",
      containerRegistryAuthId: id,
      resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
      workers: 1,
      containerVolumeInGb: 20,
      serviceMode: "ALB",
    });
    const error = await failure(credential.remove(id, outs));
    expect(error.message).toBe(
      `credential dockerhub (${id}) is in use by pod private-app (${pod.id}), endpoint private-api (${endpoint.id}). ` +
        "Delete them or switch them to another credential first.",
    );
    expect(h.emulator.admin.list("credential")).toHaveLength(1);
  });
});
