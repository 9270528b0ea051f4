import { AdminError } from "../../../emulator";
import { isLoopback } from "../../../emulator/server";
import { CEPH_VOLUME, ENDPOINT, POD, startApi, type Api, type Reply } from "./helpers";

let api: Api;
beforeEach(async () => {
  api = await startApi({ frozenClock: true });
});
afterEach(() => api.close());

/** Calls the HTTP admin API. */
async function admin(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Reply["body"]["data"] }> {
  const response = await fetch(`${api.emulator.url}/_emulator${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

describe("request log", () => {
  test("records method, path, query, body, status and code of every API call", async () => {
    await api.call("POST", "/v2/pods", { ...POD, gpuCount: 3 });
    await api.call("GET", "/v2/pods?statusList=RUNNING&statusList=PAUSED");
    await fetch(`${api.emulator.url}/v2/pods`);
    const log = api.emulator.admin.requests();
    expect(log).toEqual([
      expect.objectContaining({
        seq: 1,
        method: "POST",
        path: "/v2/pods",
        route: "/v2/pods",
        body: { ...POD, gpuCount: 3 },
        status: 200,
        code: 10001,
        fault: null,
      }),
      expect.objectContaining({
        seq: 2,
        method: "GET",
        query: { statusList: "RUNNING,PAUSED" },
        status: 200,
        code: 10000,
      }),
      expect.objectContaining({ seq: 3, method: "GET", status: 401, code: 401 }),
    ]);
    expect(log[0]?.rawBody).toBe(JSON.stringify({ ...POD, gpuCount: 3 }));
    expect(api.emulator.admin.requests({ method: "get" })).toHaveLength(2);
    expect(api.emulator.admin.requests({ path: /^\/v2\/pods$/ })).toHaveLength(3);
    api.emulator.admin.clearRequests();
    expect(api.emulator.admin.requests()).toEqual([]);
  });

  test("keeps a bounded number of entries", async () => {
    api.emulator.admin.setLimits({ requestLogSize: 3 });
    for (let i = 0; i < 5; i++) await api.call("GET", "/v2/pods");
    expect(api.emulator.admin.requests().map((r) => r.seq)).toEqual([3, 4, 5]);
  });

  test("admin calls are not logged", async () => {
    await admin("GET", "/config");
    expect(api.emulator.admin.requests()).toEqual([]);
  });
});

describe("drift", () => {
  test("deleteResource: a pod goes TERMINATING → TERMINATED; purge makes it vanish", async () => {
    const { admin: a } = api.emulator;
    const [one, two] = [
      await api.ok("POST", "/v2/pods", POD),
      await api.ok("POST", "/v2/pods", POD),
    ];
    a.settle();
    a.deletePod(one.id);
    expect((await api.ok("GET", `/v2/pods/${one.id}`)).status).toBe("TERMINATING");
    a.deleteResource("pod", two.id, { purge: true });
    expect((await api.call("GET", `/v2/pods/${two.id}`)).body.code).toBe(13000);
    a.settle();
    expect(a.list("pod").map((p) => [p.id, p.status])).toEqual([[one.id, "TERMINATED"]]);
  });

  test("deleteResource removes an endpoint whatever its status, and releases a purged pod's volumes", async () => {
    const { admin: a } = api.emulator;
    const e = await api.ok("POST", "/v2/serverless", ENDPOINT);
    a.deleteResource("endpoint", e.id);
    expect((await api.call("GET", `/v2/serverless/${e.id}`)).body.code).toBe(24001);
    const volume = await api.ok("POST", "/v2/volumes", CEPH_VOLUME);
    a.settle();
    const pod = await api.ok("POST", "/v2/pods", {
      ...POD,
      persistentVolumes: [{ volumeId: volume.id, mountPath: "/d" }],
    });
    a.deleteResource("pod", pod.id, { purge: true });
    expect((await api.ok("GET", `/v2/volumes/${volume.id}`)).mountCount).toBe(0);
  });

  test("scaleWorkers, setEnv, rename, resize, pausePod, setStatus, patch", async () => {
    const { admin: a } = api.emulator;
    const e = await api.ok("POST", "/v2/serverless", ENDPOINT);
    const pod = await api.ok("POST", "/v2/pods", POD);
    const volume = await api.ok("POST", "/v2/volumes", CEPH_VOLUME);
    a.settle();

    a.scaleWorkers(e.id, 5);
    expect((await api.ok("GET", `/v2/serverless/${e.id}`)).totalWorkers).toBe(5);
    a.setEnv("endpoint", e.id, [{ key: "MODEL", value: "other" }]);
    expect((await api.ok("GET", `/v2/serverless/${e.id}`)).environmentVars).toEqual([
      { key: "MODEL", value: "other" },
    ]);
    a.setEnv("pod", pod.id, [{ key: "X", value: "1" }]);
    expect((await api.ok("GET", `/v2/pods/${pod.id}`)).environmentVars).toEqual([
      { key: "X", value: "1" },
    ]);
    a.rename("volume", volume.id, "renamed");
    a.resize(volume.id, 512);
    expect(await api.ok("GET", `/v2/volumes/${volume.id}`)).toMatchObject({
      name: "renamed",
      sizeInGb: 512,
      status: "active",
    });
    a.pausePod(pod.id);
    a.settle();
    expect((await api.ok("GET", `/v2/pods/${pod.id}`)).status).toBe("PAUSED");
    expect(() => a.pausePod(pod.id)).toThrow(AdminError);
    a.setStatus("pod", pod.id, "FAILED");
    expect((await api.ok("GET", `/v2/pods/${pod.id}`)).status).toBe("FAILED");
    a.patch("pod", pod.id, { image: "changed:1" });
    expect((await api.ok("GET", `/v2/pods/${pod.id}`)).image).toBe("changed:1");
    expect(() => a.patch("pod", pod.id, { id: "1" })).toThrow("no patchable field id");
    expect(() => a.patch("pod", pod.id, { colour: "blue" })).toThrow("no patchable field colour");
    expect(() => a.rename("pod", "1", "x")).toThrow("no pod 1");
  });

  test("get shows the stored record with its pending steps", async () => {
    const pod = await api.ok("POST", "/v2/pods", POD);
    const stored = api.emulator.admin.get("pod", pod.id);
    expect(stored?.pending.map((s) => s.action)).toEqual(["INITIALIZING", "RUNNING"]);
    // A copy: changing it changes nothing.
    stored!.name = "changed";
    expect((await api.ok("GET", `/v2/pods/${pod.id}`)).name).toBe(POD.name);
  });
});

describe("clock", () => {
  test("settle runs lifecycles to the end and says how far the clock moved", async () => {
    const { admin: a } = api.emulator;
    const t = a.config().timing;
    await api.ok("POST", "/v2/pods", POD);
    const before = a.now();
    expect(a.settle()).toBe(t.podPendingMs + t.podInitializingMs + t.podPortsHealthyMs);
    expect(a.now()).toBe(before + t.podPendingMs + t.podInitializingMs + t.podPortsHealthyMs);
    expect(a.settle()).toBe(0);
  });

  test("a frozen clock stands still until advanced; unfrozen, it runs on from there", async () => {
    const { admin: a } = api.emulator;
    const frozen = a.now();
    await new Promise((r) => setTimeout(r, 20));
    expect(a.now()).toBe(frozen);
    a.advance(1000);
    a.unfreezeClock();
    await new Promise((r) => setTimeout(r, 20));
    expect(a.now()).toBeGreaterThan(frozen + 1000);
  });

  test("reset empties the cloud and restores the start-up settings", async () => {
    const { admin: a } = api.emulator;
    await api.ok("POST", "/v2/pods", POD);
    a.setQuirks({ numericIds: true });
    a.setTiming({ podPendingMs: 5 });
    a.setFaults([{ type: "reset" }]);
    a.reset();
    expect(a.list("pod")).toEqual([]);
    expect(a.requests()).toEqual([]);
    expect(a.config()).toMatchObject({ quirks: { numericIds: false }, faults: [] });
    expect(a.config().timing.podPendingMs).toBe(20);
    expect(await api.ok("GET", "/v2/pods")).toEqual([]);
  });
});

describe("HTTP admin API", () => {
  test("mirrors the in-process admin", async () => {
    expect(await admin("GET", "/health")).toEqual({ status: 200, json: { ok: true } });
    expect(await admin("GET", "/idle")).toEqual({ status: 200, json: { ok: true } });
    expect((await admin("PATCH", "/timing", { podPendingMs: 5 })).json.podPendingMs).toBe(5);
    expect(
      (await admin("PATCH", "/quirks", { pausedPodStatus: "STOPPED" })).json.pausedPodStatus,
    ).toBe("STOPPED");
    expect((await admin("PATCH", "/limits", { maxWorkers: 3 })).json.maxWorkers).toBe(3);
    expect((await admin("PUT", "/faults", [{ type: "latency", ms: 1 }])).json).toEqual([
      { type: "latency", ms: 1 },
    ]);
    expect(
      (await admin("POST", "/faults", { type: "reset", route: "DELETE /v2/pods/{id}" })).json,
    ).toHaveLength(2);
    expect((await admin("DELETE", "/faults")).json).toEqual([]);
    expect((await admin("GET", "/config")).json).toMatchObject({
      timing: { podPendingMs: 5 },
      faults: [],
    });

    const pod = await api.ok("POST", "/v2/pods", POD);
    expect((await admin("GET", "/requests?method=POST")).json).toEqual([
      expect.objectContaining({ method: "POST", path: "/v2/pods", status: 200, code: 10000 }),
    ]);
    expect((await admin("GET", "/resources/pod")).json.map((p: { id: string }) => p.id)).toEqual([
      pod.id,
    ]);
    expect((await admin("GET", `/resources/pod/${pod.id}`)).json.status).toBe("PENDING");
    expect((await admin("POST", "/settle")).json.advancedMs).toBeGreaterThan(0);
    expect((await admin("POST", `/resources/pod/${pod.id}/pause`)).json.status).toBe("PAUSING");
    const now = (await admin("GET", "/now")).json.now;
    expect((await admin("POST", "/advance", { ms: 10_000 })).json.now).toBe(now + 10_000);
    expect((await api.ok("GET", `/v2/pods/${pod.id}`)).status).toBe("STOPPED");
    expect(
      (
        await admin("POST", `/resources/pod/${pod.id}/env`, {
          environmentVars: [{ key: "A", value: "b" }],
        })
      ).json.environmentVars,
    ).toEqual([{ key: "A", value: "b" }]);
    expect((await admin("PATCH", `/resources/pod/${pod.id}`, { name: "drifted" })).json.name).toBe(
      "drifted",
    );
    expect(
      (await admin("POST", `/resources/pod/${pod.id}/status`, { status: "FAILED" })).json.status,
    ).toBe("FAILED");
    expect((await admin("DELETE", `/resources/pod/${pod.id}?purge=true`)).status).toBe(200);
    expect((await admin("GET", `/resources/pod/${pod.id}`)).status).toBe(404);

    const volume = await api.ok("POST", "/v2/volumes", CEPH_VOLUME);
    expect(
      (await admin("POST", `/resources/volume/${volume.id}/resize`, { sizeInGb: 300 })).json
        .sizeInGb,
    ).toBe(300);
    expect(
      (await admin("POST", `/resources/volume/${volume.id}/rename`, { name: "v2" })).json.name,
    ).toBe("v2");
    const e = await api.ok("POST", "/v2/serverless", ENDPOINT);
    expect(
      (await admin("POST", `/resources/endpoint/${e.id}/scale`, { workers: 3 })).json.workers,
    ).toBe(3);

    expect((await admin("DELETE", "/requests")).json).toEqual({ ok: true });
    expect((await admin("GET", "/requests")).json).toEqual([]);
    expect((await admin("POST", "/reset")).json).toEqual({ ok: true });
    expect((await admin("GET", "/resources/volume")).json).toEqual([]);
  });

  test.each([
    ["PATCH", "/timing", { podPendingMs: -1 }, 400],
    ["PATCH", "/quirks", { numericIds: "yes" }, 400],
    ["PUT", "/faults", [{ type: "meteor" }], 400],
    ["GET", "/resources/planet", undefined, 400],
    ["POST", "/resources/pod/1/pause", undefined, 404],
    ["POST", "/advance", { ms: -5 }, 400],
    ["GET", "/nowhere", undefined, 404],
  ])("%s %s is refused with HTTP %s", async (method, path, body, status) => {
    const reply = await admin(method, path, body);
    expect(reply.status).toBe(status);
    expect(typeof reply.json.error).toBe("string");
  });

  test("a conflicting drift operation answers 409", async () => {
    const pod = await api.ok("POST", "/v2/pods", POD);
    const reply = await admin("POST", `/resources/pod/${pod.id}/pause`);
    expect(reply.status).toBe(409);
    expect(reply.json.error).toContain("PENDING");
  });
});

test.each([
  ["127.0.0.1", true],
  ["::1", true],
  ["::ffff:127.0.0.1", true],
  ["10.0.0.5", false],
  ["::ffff:192.168.1.2", false],
  [undefined, false],
])("the admin API serves %s: %s", (address, allowed) => {
  expect(isLoopback(address)).toBe(allowed);
});
