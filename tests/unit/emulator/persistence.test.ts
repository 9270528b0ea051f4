import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StateFileError, startEmulator } from "../../../emulator";
import { CEPH_VOLUME, ENDPOINT, POD, startApi } from "./helpers";

let dir: string;
let statePath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "yotta-emulator-"));
  statePath = join(dir, "state", "cloud.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("state file", () => {
  test("the cloud survives a restart, lifecycles and ids carry on", async () => {
    const first = await startApi({ statePath, timing: { podInitializingMs: 60_000 } });
    const volume = await first.ok("POST", "/v2/volumes", CEPH_VOLUME);
    first.emulator.admin.settle();
    const running = await first.ok("POST", "/v2/pods", {
      ...POD,
      persistentVolumes: [{ volumeId: volume.id, mountPath: "/d" }],
    });
    const endpoint = await first.ok("POST", "/v2/serverless", ENDPOINT);
    first.emulator.admin.settle();
    const starting = await first.ok("POST", "/v2/pods", POD);
    await first.close();

    const second = await startApi({ statePath, timing: { podInitializingMs: 60_000 } });
    expect((await second.ok("GET", `/v2/pods/${running.id}`)).status).toBe("RUNNING");
    expect((await second.ok("GET", `/v2/volumes/${volume.id}`)).mountCount).toBe(1);
    expect(await second.ok("GET", `/v2/serverless/${endpoint.id}`)).toMatchObject({
      status: "RUNNING",
      runningWorkers: 2,
    });
    // The pod that was starting finishes on its original timeline.
    expect((await second.ok("GET", `/v2/pods/${starting.id}`)).status).not.toBe("RUNNING");
    second.emulator.admin.settle();
    expect((await second.ok("GET", `/v2/pods/${starting.id}`)).status).toBe("RUNNING");
    const next = await second.ok("POST", "/v2/pods", POD);
    expect(BigInt(next.id) > BigInt(starting.id)).toBe(true);
    await second.close();
  });

  test("every change is on disk before the answer, written atomically", async () => {
    const api = await startApi({ statePath });
    const pod = await api.ok("POST", "/v2/pods", POD);
    const saved = JSON.parse(readFileSync(statePath, "utf8"));
    expect(saved).toMatchObject({ format: "yotta-emulator-state", version: 1 });
    expect(saved.records.pod.map((p: { id: string }) => p.id)).toEqual([pod.id]);
    api.emulator.admin.rename("pod", pod.id, "drifted");
    expect(JSON.parse(readFileSync(statePath, "utf8")).records.pod[0].name).toBe("drifted");
    // No temporary file is left; the lock is the running emulator's own (released on close).
    expect(readdirSync(join(dir, "state")).sort()).toEqual(["cloud.json", "cloud.json.lock"]);
    await api.close();
  });

  test("a task input with an integer beyond 2^53 round-trips exactly", async () => {
    const api = await startApi({ statePath });
    const e = await api.ok("POST", "/v2/serverless", ENDPOINT);
    await api.call(
      "POST",
      `/v2/serverless/${e.id}/tasks`,
      '{"taskId":"big","input":{"n":378888638324150969},"workerPort":80,"processUri":"/"}',
    );
    await api.close();
    const again = await startApi({ statePath });
    const reply = await again.call("GET", `/v2/serverless/${e.id}/tasks/big`);
    expect(reply.text).toContain('"input":{"n":378888638324150969}');
    await again.close();
  });

  test.each([
    ["not JSON", "{ truncated", /not JSON/],
    ["another format", JSON.stringify({ hello: 1 }), /format is not yotta-emulator-state/],
    [
      "a later version",
      JSON.stringify({ format: "yotta-emulator-state", version: 9 }),
      /unsupported version 9/,
    ],
    [
      "a malformed record",
      JSON.stringify({
        format: "yotta-emulator-state",
        version: 1,
        clockOffsetMs: 0,
        lastId: "1",
        records: {
          pod: [{ kind: "pod", id: "12", createdAt: 1, updatedAt: 1, pending: [] }],
          endpoint: [],
          volume: [],
          credential: [],
          vm: [],
        },
      }),
      /records\.pod\[0\]\.name is not a string/,
    ],
  ])(
    "a state file with %s is a startup error, never a silent reset",
    async (_label, text, reason) => {
      const path = join(dir, "bad.json");
      writeFileSync(path, text);
      await expect(startEmulator({ statePath: path })).rejects.toThrow(StateFileError);
      await expect(startEmulator({ statePath: path })).rejects.toThrow(reason);
      expect(readFileSync(path, "utf8")).toBe(text);
    },
  );
});

describe("one emulator per state file", () => {
  test("a second emulator on a held state file is refused, naming the holder; after close it starts", async () => {
    const first = await startEmulator({ statePath });
    try {
      const refused = startEmulator({ statePath });
      await expect(refused).rejects.toThrow(StateFileError);
      await expect(startEmulator({ statePath })).rejects.toThrow(
        new RegExp(
          `another emulator holds it \\(process ${process.pid} serving ${first.url.replace(/[.]/g, "\\.")}`,
        ),
      );
      // The holder's records are intact and it still serves.
      await first.admin.idle();
    } finally {
      await first.close();
    }
    const second = await startEmulator({ statePath });
    await second.close();
    expect(readdirSync(join(dir, "state"))).toEqual(["cloud.json"]);
  });

  test("a lock left by a process that is gone is taken over", async () => {
    mkdirSync(join(dir, "state"), { recursive: true });
    // A pid no process has: beyond the kernel's limit.
    writeFileSync(`${statePath}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, startedAt: "then" }));
    const api = await startEmulator({ statePath });
    expect(JSON.parse(readFileSync(`${statePath}.lock`, "utf8")).pid).toBe(process.pid);
    await api.close();
  });
});
