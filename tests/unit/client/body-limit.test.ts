import { createServer, type ServerResponse } from "node:http";
import { DEFAULT_MAX_RESPONSE_BYTES, YottaClient } from "../../../client";
import { envelope, listening, withStub } from "./helpers";

const MiB = 1024 * 1024;

/**
 * A loopback server whose every answer is a body that never ends: it writes as fast as the
 * client reads, until the client hangs up. So that it stops by itself, it gives up after
 * `capBytes` (far beyond any limit under test) or 20 s.
 */
async function endlessServer(capBytes: number) {
  const chunk = Buffer.alloc(64 * 1024, "a");
  let written = 0;
  let ended: (bytes: number) => void = () => undefined;
  const hungUp = new Promise<number>((resolve) => (ended = resolve));
  const stream = (res: ServerResponse): void => {
    const started = Date.now();
    const pump = (): void => {
      while (written < capBytes && Date.now() - started < 20_000 && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    res.on("close", () => ended(written));
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"code":10000,"message":"success","data":"');
    pump();
  };
  return { ...(await listening(createServer((_req, res) => stream(res)))), hungUp };
}

describe("response bodies are read up to maxResponseBytes", () => {
  it("a body that never ends fails with the limit named, and memory stays bounded", async () => {
    const server = await endlessServer(256 * MiB);
    // A timeout far away: what stops the call must be the limit, not the clock.
    const client = new YottaClient({ apiKey: "k", baseUrl: server.url, timeoutMs: 120_000 });
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    try {
      const error = await client.pods.get("1").catch((e: unknown) => e);
      const written = await server.hungUp;
      peak = Math.max(peak, process.memoryUsage().rss);

      expect(error).toMatchObject({ kind: "response_validation", call: "pods.get", status: 200 });
      expect((error as Error).message).toBe(
        `pods.get (GET /v2/pods/1): unexpected response: the body is larger than ${DEFAULT_MAX_RESPONSE_BYTES} bytes (maxResponseBytes) and was not read further`,
      );
      // The client hung up soon after the limit (socket buffers hold a few MiB more), long
      // before the server's own cap.
      expect(written).toBeGreaterThan(DEFAULT_MAX_RESPONSE_BYTES);
      expect(written).toBeLessThan(DEFAULT_MAX_RESPONSE_BYTES + 48 * MiB);
      expect(peak - baseline).toBeLessThan(160 * MiB);
    } finally {
      clearInterval(sampler);
      await client.close();
      await server.close();
    }
  }, 60_000);

  it("a body declared longer than the limit is not read, and the call is not retried", async () => {
    await withStub(
      () => ({
        body: envelope(10000, { id: "1", name: "p", status: "RUNNING", x: "y".repeat(900) }),
      }),
      async (stub, client) => {
        const error = await client.pods.get("1").catch((e: unknown) => e);
        expect(error).toMatchObject({ kind: "response_validation", call: "pods.get" });
        expect((error as Error).message).toContain("larger than 512 bytes (maxResponseBytes)");
        expect((error as Error).message).not.toContain("yyyy");
        expect(stub.requests).toHaveLength(1);
      },
      { maxResponseBytes: 512 },
    );
  });

  it("a body of exactly the limit is read", async () => {
    const body = envelope(10000, { id: "1", name: "p", status: "RUNNING" });
    await withStub(
      () => ({ body }),
      async (_stub, client) => {
        await expect(client.pods.get("1")).resolves.toMatchObject({ id: "1" });
      },
      { maxResponseBytes: Buffer.byteLength(body) },
    );
  });

  it("an error status with a body over the limit is still the error its status says", async () => {
    await withStub(
      () => ({ status: 502, body: `<html>${"x".repeat(4096)}</html>` }),
      async (stub, client) => {
        await expect(client.pods.get("1")).rejects.toMatchObject({ kind: "server", status: 502 });
        expect(stub.requests).toHaveLength(2);
      },
      { maxResponseBytes: 1024, maxRetries: 1, retry: { baseDelayMs: 1, maxDelayMs: 1 } },
    );
  });

  test.each([0, -1, 1.5, Number.NaN])("maxResponseBytes %p is refused", (maxResponseBytes) => {
    expect(
      () => new YottaClient({ apiKey: "k", baseUrl: "https://api.example.test", maxResponseBytes }),
    ).toThrow("maxResponseBytes must be a whole number");
  });
});
