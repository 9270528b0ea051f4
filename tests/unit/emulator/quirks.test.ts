import { ConfigError, startEmulator } from "../../../emulator";
import { CEPH_VOLUME, CREDENTIAL, ENDPOINT, POD, startApi, type Api } from "./helpers";

let api: Api;
beforeEach(async () => {
  api = await startApi({ frozenClock: true });
});
afterEach(() => api.close());

describe("quirks", () => {
  test("the default shape: ids as strings", async () => {
    const reply = await api.call("POST", "/v2/pods", POD);
    expect(reply.text).toMatch(/"id":"\d{18,19}"/);
  });

  test("numericIds: ids and id references are bare JSON numbers, exact beyond 2^53", async () => {
    api.emulator.admin.setQuirks({ numericIds: true });
    const credential = await api.call("POST", "/v2/container-registry-auths", CREDENTIAL);
    const credentialId = credential.body.data.id;
    expect(typeof credentialId).toBe("bigint");
    expect(credential.text).toContain(`"id":${credentialId}`);
    const pod = await api.call("POST", "/v2/pods", {
      ...POD,
      imagePublicType: "PRIVATE",
      containerRegistryAuthId: credentialId.toString(),
    });
    expect(pod.text).toContain(`"containerRegistryAuthId":${credentialId}`);
    const id = pod.body.data.id as bigint;
    // The stored record has the same id, written without loss.
    expect(api.emulator.admin.get("pod", id.toString())?.id).toBe(id.toString());
    expect(pod.text).toMatch(new RegExp(`"orgId":\\d+`));
    // Requests may carry ids as bare numbers too.
    const byNumber = await api.call(
      "POST",
      "/v2/pods",
      `{"name":"n","image":"i","gpuType":"NVIDIA_RTX_4090_24G","gpuCount":1,"containerRegistryAuthId":${credentialId}}`,
    );
    expect(byNumber.body.code).toBe(10000);
    expect(byNumber.body.data.containerRegistryAuthId).toBe(credentialId);
  });

  test("endpointEnvField: endpoints answer envVars", async () => {
    api.emulator.admin.setQuirks({ endpointEnvField: "envVars" });
    const e = await api.ok("POST", "/v2/serverless", {
      ...ENDPOINT,
      environmentVars: [{ key: "A", value: "1" }],
    });
    expect(e.envVars).toEqual([{ key: "A", value: "1" }]);
    expect(e).not.toHaveProperty("environmentVars");
  });

  test("pausedPodStatus: paused pods say STOPPED, and statusList filters by it", async () => {
    const { admin } = api.emulator;
    admin.setQuirks({ pausedPodStatus: "STOPPED" });
    const pod = await api.ok("POST", "/v2/pods", POD);
    admin.settle();
    await api.ok("POST", `/v2/pods/${pod.id}/pause`);
    admin.settle();
    expect(await api.ok("GET", `/v2/pods/${pod.id}`)).toMatchObject({
      status: "STOPPED",
      desiredState: "PAUSED",
    });
    expect(await api.ok("GET", "/v2/pods?statusList=STOPPED")).toHaveLength(1);
    expect(await api.ok("GET", "/v2/pods?statusList=PAUSED")).toHaveLength(0);
  });

  test("initializingPodStatus: the v1 spelling INITIALIZE", async () => {
    const { admin } = api.emulator;
    admin.setQuirks({ initializingPodStatus: "INITIALIZE" });
    const pod = await api.ok("POST", "/v2/pods", POD);
    admin.advance(admin.config().timing.podPendingMs);
    expect((await api.ok("GET", `/v2/pods/${pod.id}`)).status).toBe("INITIALIZE");
  });

  test("stringNumbers: every number inside data is a string; the envelope's code stays a number", async () => {
    api.emulator.admin.setQuirks({ stringNumbers: true });
    const reply = await api.call("POST", "/v2/pods", {
      ...POD,
      expose: [{ port: 22, protocol: "SSH" }],
    });
    expect(reply.body.code).toBe(10000);
    const pod = reply.body.data;
    expect(pod).toMatchObject({
      gpuCount: "1",
      singleCardPrice: "0.75",
      containerVolumeInGb: "50",
    });
    expect(pod.expose[0].port).toBe("22");
    expect(typeof pod.createdAt).toBe("string");
    const numbers: unknown[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === "number") numbers.push(value);
      else if (value && typeof value === "object") Object.values(value).forEach(collect);
    };
    collect(pod);
    expect(numbers).toEqual([]);
  });

  test.each([
    ["documented", "number", "string"],
    ["epoch", "number", "number"],
    ["iso", "string", "string"],
  ] as const)(
    "timestamps %s: pods %s, credentials %s",
    async (timestamps, podType, credentialType) => {
      api.emulator.admin.setQuirks({ timestamps });
      const pod = await api.ok("POST", "/v2/pods", POD);
      const credential = await api.ok("POST", "/v2/container-registry-auths", CREDENTIAL);
      expect(typeof pod.createdAt).toBe(podType);
      expect(typeof credential.createdAt).toBe(credentialType);
      const iso =
        typeof pod.createdAt === "string" ? pod.createdAt : new Date(pod.createdAt).toISOString();
      expect(Date.parse(iso)).toBe(api.emulator.admin.get("pod", pod.id)?.createdAt);
    },
  );

  test("endpointNotFoundCode: 14000 instead of 24001", async () => {
    api.emulator.admin.setQuirks({ endpointNotFoundCode: 14000 });
    const reply = await api.call("GET", "/v2/serverless/378888638324150969");
    expect(reply.body).toEqual({ message: "endpoint not found", code: 14000, data: null });
  });

  test("volumeTypeField: the newer schema's `type`", async () => {
    api.emulator.admin.setQuirks({ volumeTypeField: "type" });
    const volume = await api.ok("POST", "/v2/volumes", CEPH_VOLUME);
    expect(volume.type).toBe("CEPH");
    expect(volume).not.toHaveProperty("storageType");
  });

  test("vmStatusCase: capitalized like a v1 response", async () => {
    api.emulator.admin.setQuirks({ vmStatusCase: "capitalized" });
    const vm = await api.ok("POST", "/v2/vms", {
      vmTypeId: 1000,
      region: "us-east-1",
      name: "box",
    });
    expect(vm.status).toBe("Initializing");
    await api.ok("DELETE", `/v2/vms/${vm.id}`);
    expect((await api.ok("GET", `/v2/vms/${vm.id}`)).status).toBe("Terminated");
  });

  test("createReturnsId: a create answers the id alone", async () => {
    api.emulator.admin.setQuirks({ createReturnsId: true, numericIds: true });
    const reply = await api.call("POST", "/v2/pods", POD);
    expect(reply.text).toMatch(/^\{"message":"success","code":10000,"data":\d{18,19}\}$/);
    expect(api.emulator.admin.get("pod", String(reply.body.data))).toBeDefined();
  });

  test("quirks can be given at start and are checked", async () => {
    const quirky = await startEmulator({ quirks: { pausedPodStatus: "STOPPED" } });
    expect(quirky.admin.config().quirks.pausedPodStatus).toBe("STOPPED");
    await quirky.close();
    expect(() => api.emulator.admin.setQuirks({ timestamps: "julian" as "iso" })).toThrow(
      ConfigError,
    );
    expect(() => api.emulator.admin.setQuirks({ colour: "blue" } as never)).toThrow(
      "unknown quirk colour",
    );
  });
});
