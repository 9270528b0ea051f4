import { isBusy } from "../../../client";
import { harness, type Harness } from "./helpers";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());
beforeEach(() => h.cloud.admin.reset());

const spec = {
  name: "hub",
  type: "DOCKER_HUB" as const,
  username: "me",
  password: "dckr_pat_secret",
};

describe("credentials over HTTP", () => {
  it("create, get, list, update, delete; the password goes out and never comes back", async () => {
    const { credentials } = h.client;
    const created = await credentials.create(spec);
    expect(created).toMatchObject({ name: "hub", type: "DOCKER_HUB" });
    expect(created.createdAt).toMatch(/Z$/);
    expect(JSON.stringify(created)).not.toContain("dckr_pat_secret");
    expect(h.cloud.admin.get("credential", created.id)?.password).toBe("dckr_pat_secret");

    expect(await credentials.get(created.id)).toEqual(created);
    expect(await credentials.list()).toEqual([created]);

    await credentials.update(created.id, { password: "rotated_secret" });
    expect(h.cloud.admin.get("credential", created.id)?.password).toBe("rotated_secret");
    expect(h.cloud.admin.requests({ method: "PATCH" })[0]?.body).toEqual({
      password: "rotated_secret",
    });
    await credentials.update(created.id, { name: "hub2" });
    expect((await credentials.findByName("hub2")).map((c) => c.id)).toEqual([created.id]);
    expect(await credentials.findByName("hub")).toEqual([]);

    await credentials.delete(created.id);
    expect(await credentials.get(created.id).catch((e: unknown) => e)).toMatchObject({
      kind: "not_found",
      code: 10007,
    });
  });

  it("a credential in use cannot be deleted", async () => {
    const credential = await h.client.credentials.create(spec);
    await h.client.pods.create({
      name: "p",
      image: "me/private",
      imagePublicType: "PRIVATE",
      containerRegistryAuthId: credential.id,
      gpuType: "NVIDIA_RTX_4090_24G",
      gpuCount: 1,
    });
    expect(isBusy(await h.client.credentials.delete(credential.id).catch((e: unknown) => e))).toBe(
      true,
    );
  });

  it.each([{ numericIds: true }, { timestamps: "epoch" as const }, { createReturnsId: true }])(
    "quirk %o",
    async (quirk) => {
      const plain = await h.client.credentials.create(spec);
      h.cloud.admin.setQuirks(quirk);
      expect(await h.client.credentials.get(plain.id)).toEqual(plain);
      expect(await h.client.credentials.create({ ...spec, name: "hub2" })).toMatchObject({
        name: "hub2",
        type: "DOCKER_HUB",
      });
    },
  );
});
