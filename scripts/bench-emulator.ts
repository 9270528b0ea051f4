/**
 * Benchmark of the emulator (not a test): requests per second for pod create+get over HTTP,
 * and the emulator's memory with 10,000 pods. The emulator runs in its own process, so client
 * and server each have a core.
 *
 *   npx ts-node scripts/bench-emulator.ts [--pods 10000] [--concurrency 16]
 */
import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    pods: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "16" },
  },
});
const PODS = Number(values.pods);
const CONCURRENCY = Number(values.concurrency);
const API_KEY = "bench-key";
const POD = JSON.stringify({
  name: "bench",
  image: "pytorch/pytorch:2.4.0-cuda12.4-cudnn9-runtime",
  gpuType: "NVIDIA_RTX_4090_24G",
  gpuCount: 1,
  environmentVars: [{ key: "MODE", value: "bench" }],
  expose: [{ port: 22, protocol: "SSH" }],
});

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function call(
  base: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const headers: Record<string, string> = { "x-api-key": API_KEY };
    if (body) headers["content-type"] = "application/json";
    const req = request(`${base}${path}`, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
      );
    });
    req.on("error", fail);
    req.end(body);
  });
}

async function createAndGet(base: string, latencies: number[]): Promise<void> {
  const started = process.hrtime.bigint();
  const created = await call(base, "POST", "/v2/pods", POD);
  const id = /"id":"(\d+)"/.exec(created.text)?.[1];
  if (!id) throw new Error(`create failed: ${created.text}`);
  const got = await call(base, "GET", `/v2/pods/${id}`);
  if (!got.text.includes('"code":10000')) throw new Error(`get failed: ${got.text}`);
  latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
}

async function run(base: string, count: number): Promise<{ seconds: number; latencies: number[] }> {
  let next = 0;
  const latencies: number[] = [];
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        await createAndGet(base, latencies);
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, latencies };
}

async function stats(
  base: string,
): Promise<{ records: { pod: number }; memory: NodeJS.MemoryUsage }> {
  const { text } = await call(base, "GET", "/_emulator/stats?gc=true");
  return JSON.parse(text);
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function main(): Promise<void> {
  const root = resolve(__dirname, "..");
  const child = spawn(
    process.execPath,
    [
      "--expose-gc",
      "-r",
      "ts-node/register/transpile-only",
      "emulator/cli.ts",
      "--port",
      "0",
      "--fast",
      "--api-key",
      API_KEY,
    ],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const base = await new Promise<string>((found, fail) => {
      child.stdout.on("data", (chunk: Buffer) => {
        const url = /listening on (\S+)/.exec(chunk.toString())?.[1];
        if (url) found(url);
      });
      child.once("exit", (code) => fail(new Error(`emulator exited with ${code}`)));
    });

    await run(base, 1000); // warm-up: JIT, sockets
    await call(base, "POST", "/_emulator/reset");
    const before = await stats(base);

    const { seconds, latencies } = await run(base, PODS);
    latencies.sort((a, b) => a - b);
    const withLog = await stats(base);
    await call(base, "DELETE", "/_emulator/requests");
    const after = await stats(base);

    const perPod = (after.memory.heapUsed - before.memory.heapUsed) / PODS;
    console.log(
      `emulator benchmark: ${PODS} pods, ${CONCURRENCY} concurrent clients, ${process.version}`,
    );
    console.log(
      `create+get: ${(PODS / seconds).toFixed(0)} pairs/s = ${((2 * PODS) / seconds).toFixed(0)} requests/s (${seconds.toFixed(2)} s)`,
    );
    console.log(
      `pair latency: p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms`,
    );
    console.log(
      `memory, empty cloud: rss ${mb(before.memory.rss)}, heap used ${mb(before.memory.heapUsed)}`,
    );
    console.log(
      `memory, ${after.records.pod} pods + ${2 * PODS} logged requests: rss ${mb(withLog.memory.rss)}, heap used ${mb(withLog.memory.heapUsed)}`,
    );
    console.log(
      `memory, ${after.records.pod} pods, log cleared: rss ${mb(after.memory.rss)}, heap used ${mb(after.memory.heapUsed)} (${(perPod / 1024).toFixed(2)} KB heap per pod)`,
    );
  } finally {
    child.kill("SIGTERM");
    agent.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
