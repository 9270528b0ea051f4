import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "../../..");

function run(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "emulator/cli.ts", ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolveLine(out.split("\n")[0] as string);
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code}`)));
  });
}

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((r) => child.once("exit", (code) => r(code)));

test("yotta-emulator --port 0 prints its URL, answers the envelope, stops on SIGTERM", async () => {
  const child = run(["--port", "0"], { YOTTA_API_KEY: "k" });
  const line = await firstLine(child);
  const match = /^Yotta emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
  expect(match).not.toBeNull();
  const url = match?.[1] as string;
  const ok = await fetch(`${url}/v2/pods`, { headers: { "X-Api-Key": "k" } });
  expect(await ok.json()).toEqual({ message: "success", code: 10000, data: [] });
  const wrong = await fetch(`${url}/v2/pods`, { headers: { "X-Api-Key": "test-key" } });
  expect(wrong.status).toBe(401);
  child.kill("SIGTERM");
  expect(await exited(child)).toBe(0);
}, 30_000);

test("a corrupt state file stops the command with a clear message", async () => {
  const dir = mkdtempSync(join(tmpdir(), "yotta-cli-"));
  try {
    const path = join(dir, "state.json");
    writeFileSync(path, "{ nope");
    const child = run(["--port", "0", "--state", path]);
    let err = "";
    child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
    expect(await exited(child)).toBe(1);
    expect(err).toContain(`state file ${path} cannot be used: not JSON`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
