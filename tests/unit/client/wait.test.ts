import { AbortedError, WaitFailedError, WaitTimeoutError, waitFor } from "../../../client";

/** A resource whose status walks through `statuses`, one per poll, then stays on the last. */
function walk(statuses: string[]) {
  let polls = 0;
  const times: number[] = [];
  const get = async () => {
    times.push(Date.now());
    const status = statuses[Math.min(polls, statuses.length - 1)] as string;
    polls++;
    return { id: "1", status };
  };
  return { get, polls: () => polls, times };
}

describe("waitFor", () => {
  it("returns the value once done, reporting each status change once", async () => {
    const resource = walk(["PENDING", "PENDING", "INITIALIZING", "INITIALIZING", "RUNNING"]);
    const seen: string[] = [];
    const pod = await waitFor(resource.get, {
      done: (p) => p.status === "RUNNING",
      interval: 1,
      onProgress: (p, status) => {
        expect(p.status).toBe(status);
        seen.push(status);
      },
    });
    expect(pod.status).toBe("RUNNING");
    expect(resource.polls()).toBe(5);
    expect(seen).toEqual(["PENDING", "INITIALIZING", "RUNNING"]);
  });

  it("throws WaitFailedError with the status when `failed` says so", async () => {
    const resource = walk(["PENDING", "FAILED"]);
    const error = await waitFor(resource.get, {
      done: (p) => p.status === "RUNNING",
      failed: (p) => p.status === "FAILED" && "the image could not be pulled",
      describe: "pod web to start",
      interval: 1,
    }).catch((e: unknown) => e);
    expect(WaitFailedError.isInstance(error)).toBe(true);
    expect((error as WaitFailedError).lastStatus).toBe("FAILED");
    expect((error as Error).message).toBe(
      "gave up waiting for pod web to start: status FAILED: the image could not be pulled",
    );
  });

  it("fails at once on a status that is neither done, failed nor pending", async () => {
    const resource = walk(["PENDING", "TERMINATED", "RUNNING"]);
    const error = await waitFor(resource.get, {
      done: (p) => p.status === "RUNNING",
      pending: (p) => p.status === "PENDING",
      interval: 1,
    }).catch((e: unknown) => e);
    expect((error as WaitFailedError).kind).toBe("wait_failed");
    expect((error as Error).message).toContain("unexpected status TERMINATED");
    expect(resource.polls()).toBe(2);
  });

  it("times out naming what it waited for and the last status seen", async () => {
    const resource = walk(["PENDING", "INITIALIZING"]);
    const started = Date.now();
    const error = await waitFor(resource.get, {
      done: (p) => p.status === "RUNNING",
      describe: "pod web to start",
      timeoutMs: 120,
      interval: 20,
    }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(WaitTimeoutError.isInstance(error)).toBe(true);
    expect((error as WaitTimeoutError).lastStatus).toBe("INITIALIZING");
    expect((error as WaitTimeoutError).what).toBe("pod web to start");
    expect((error as Error).message).toBe(
      "timed out waiting for pod web to start; last status INITIALIZING",
    );
    expect(elapsed).toBeGreaterThanOrEqual(115);
    expect(elapsed).toBeLessThan(1_000);
  });

  it("polls one last time at the deadline instead of giving up early", async () => {
    const times: number[] = [];
    const deadline = Date.now() + 100;
    const result = await waitFor(
      async () => {
        times.push(Date.now());
        return { status: times.length >= 2 ? "RUNNING" : "PENDING" };
      },
      { done: (p) => p.status === "RUNNING", deadline, interval: 1_000 },
    );
    expect(result.status).toBe("RUNNING");
    expect(times).toHaveLength(2);
    // The 1 s pause is cut to the deadline: the second poll comes at it (timers may fire a
    // millisecond early), not a second later.
    expect(times[1]).toBeGreaterThanOrEqual(deadline - 2);
    expect(times[1]).toBeLessThan(deadline + 500);
  });

  it("takes the earlier of deadline and timeoutMs", async () => {
    const resource = walk(["PENDING"]);
    const started = Date.now();
    await expect(
      waitFor(resource.get, {
        done: () => false,
        deadline: new Date(Date.now() + 60_000),
        timeoutMs: 50,
        interval: 10,
      }),
    ).rejects.toThrow(/timed out/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("backs off: the pause grows by the factor up to the cap", async () => {
    const resource = walk(["PENDING", "PENDING", "PENDING", "PENDING", "PENDING", "RUNNING"]);
    await waitFor(resource.get, {
      done: (p) => p.status === "RUNNING",
      interval: { initialMs: 20, factor: 2, maxMs: 60 },
    });
    const gaps = resource.times.slice(1).map((t, i) => t - (resource.times[i] as number));
    // Timers never fire early by more than a millisecond; late is fine on a busy machine.
    const floors = [20, 40, 60, 60, 60];
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual((floors[i] as number) - 1));
    expect(gaps[2]! - gaps[0]!).toBeGreaterThan(20);
  });

  it("stops when the signal aborts, during a pause", async () => {
    const resource = walk(["PENDING"]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const error = await waitFor(resource.get, {
      done: () => false,
      interval: 10_000,
      signal: controller.signal,
      describe: "endpoint e to stop",
    }).catch((e: unknown) => e);
    expect(AbortedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      "stopped waiting for endpoint e to stop: aborted; last status PENDING",
    );
    expect(resource.polls()).toBe(1);
  });

  it("does not poll at all with an already aborted signal", async () => {
    const resource = walk(["RUNNING"]);
    await expect(
      waitFor(resource.get, { done: () => true, signal: AbortSignal.abort() }),
    ).rejects.toThrow(/aborted/);
    expect(resource.polls()).toBe(0);
  });

  it("passes errors from get through untouched", async () => {
    const boom = new Error("boom");
    await expect(waitFor(() => Promise.reject(boom), { done: () => true })).rejects.toBe(boom);
  });

  it("describes values without a status field, and absent ones", async () => {
    const seen: string[] = [];
    const values = [undefined, "gone"];
    let i = 0;
    await waitFor(async () => values[i++], {
      done: (v) => v === "gone",
      interval: 1,
      onProgress: (_v, status) => seen.push(status),
    });
    expect(seen).toEqual(["absent", "gone"]);
  });
});
