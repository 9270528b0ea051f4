// Seeds in child processes: each its own Node process running scripts/soak.ts for one seed.
//
// Why not in process: the Pulumi runtime behind inline programs is global to a process (so two
// seeds cannot share one), and a failed deployment can leave a late gRPC rejection in the
// program's runtime. In a plain Node process `failureOf` absorbs it; under jest it cannot,
// because jest reports unhandled rejections from the real process, which the test's own
// `process` object does not reach. A child process keeps both out of the caller.
import { spawn } from "node:child_process";
import * as path from "node:path";
import { repoRoot } from "../engine";
import type { SeedReport } from "./run";

/** The line a child prints its report on, as JSON after this prefix. */
export const REPORT_PREFIX = "SOAK-REPORT ";

export interface ChildOptions {
  keep?: boolean;
  /** Each progress line a child prints. */
  onLine?: (seed: number, line: string) => void;
}

export function runSeedInChild(seed: number, options: ChildOptions = {}): Promise<SeedReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        path.join(repoRoot, "scripts", "soak.ts"),
        "--seed",
        String(seed),
        "--json",
        ...(options.keep ? ["--keep"] : []),
      ],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
    );
    let buffer = "";
    let errors = "";
    let report: SeedReport | undefined;
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (errors += chunk));
    child.stdout.on("data", (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith(REPORT_PREFIX)) {
          report = JSON.parse(line.slice(REPORT_PREFIX.length)) as SeedReport;
        } else if (line !== "") {
          options.onLine?.(seed, line);
        }
      }
    });
    child.on("error", reject);
    child.on("close", (code) =>
      report
        ? resolve(report)
        : reject(new Error(`seed ${seed}: the soak process exited ${code}\n${errors.trim()}`)),
    );
  });
}

/**
 * Runs the seeds `parallel` at a time, each next seed going to the first free process; each
 * promise settles with its own seed's report.
 */
export function runSeedsInChildren(
  seeds: readonly number[],
  parallel: number,
  options: ChildOptions = {},
): Map<number, Promise<SeedReport>> {
  const settle = new Map<number, { resolve(r: SeedReport): void; reject(e: unknown): void }>();
  const results = new Map<number, Promise<SeedReport>>();
  for (const seed of seeds) {
    results.set(seed, new Promise((resolve, reject) => settle.set(seed, { resolve, reject })));
  }
  const queue = [...seeds];
  const worker = async (): Promise<void> => {
    for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
      const { resolve, reject } = settle.get(seed)!;
      await runSeedInChild(seed, options).then(resolve, reject);
    }
  };
  for (let i = 0; i < Math.min(parallel, seeds.length); i++) void worker();
  return results;
}
