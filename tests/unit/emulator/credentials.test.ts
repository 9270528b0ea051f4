import { CREDENTIAL, startApi, type Api } from "./helpers";

let api: Api;
beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

const base = "/v2/container-registry-auths";

describe("credentials", () => {
  test("create answers {id, name, type, createdAt} and never the secret", async () => {
    const created = await api.ok("POST", base, CREDENTIAL);
    expect(Object.keys(created).sort()).toEqual(["createdAt", "id", "name", "type"]);
    expect(created).toMatchObject({ name: "dockerhub", type: "DOCKER_HUB" });
    expect(created.createdAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(await api.ok("GET", `${base}/${created.id}`)).toEqual(created);
    expect(await api.ok("GET", base)).toEqual([created]);
  });

  test("type is optional", async () => {
    const { type: _type, ...untyped } = CREDENTIAL;
    expect((await api.ok("POST", base, untyped)).type).toBe("DOCKER_HUB");
  });

  test("PATCH changes only the fields sent; the stored secret is what was sent", async () => {
    const created = await api.ok("POST", base, CREDENTIAL);
    const patched = await api.ok("PATCH", `${base}/${created.id}`, { password: "rotated" });
    expect(patched).toEqual(created);
    const stored = api.emulator.admin.get("credential", created.id);
    expect(stored).toMatchObject({ username: "me", password: "rotated" });
    expect(
      (await api.ok("PATCH", `${base}/${created.id}`, { name: "hub2", username: "you" })).name,
    ).toBe("hub2");
    expect(api.emulator.admin.get("credential", created.id)).toMatchObject({
      name: "hub2",
      username: "you",
      password: "rotated",
    });
  });

  test("delete, then unknown (10007)", async () => {
    const created = await api.ok("POST", base, CREDENTIAL);
    expect(await api.ok("DELETE", `${base}/${created.id}`)).toBeNull();
    for (const [method, body] of [["GET"], ["DELETE"], ["PATCH", { name: "x" }]] as const) {
      expect((await api.call(method, `${base}/${created.id}`, body)).body.code).toBe(10007);
    }
  });
});
