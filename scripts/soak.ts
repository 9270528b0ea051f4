// The fault soak: random programs through the real engine against the emulator under random
// faults, every invariant checked after every step (docs/soak.md).
//
//   npm run soak -- --seed 7                    one seed, with its steps as they run
//   npm run soak -- --seeds 20 [--from 100]     seeds 100..119 (default from 1)
//   npm run soak -- --seeds 20 --parallel 2     two seeds at a time, each in its own process
//   --keep                                      keep each seed's work directory (its state)
//   --plan                                      print what the seeds would do, run nothing
//
// Exits 1 when any invariant was violated, printing the seeds and the command that replays each.
import { runPulumiCliScript } from "./engine";
import { runSeed, type SeedReport } from "../tests/support/soak/run";
import { soakTable } from "../tests/support/soak/report";
import { emulatorFeatures } from "../tests/support/soak/cloud";
import { REPORT_PREFIX, runSeedsInChildren } from "../tests/support/soak/child";
import { describePlan, planSeed } from "../tests/support/soak/plan";

interface Args {
  seeds: number[];
  parallel: number;
  keep: boolean;
  plan: boolean;
  /** Internal: run one seed and print its report as JSON, for a parent running seeds in parallel. */
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const value = (flag: string): number | undefined => {
    const i = argv.indexOf(flag);
    if (i === -1) return undefined;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number`);
    return n;
  };
  const known = new Set([
    "--seed",
    "--seeds",
    "--from",
    "--parallel",
    "--keep",
    "--plan",
    "--json",
  ]);
  for (const a of argv) {
    if (a.startsWith("--") && !known.has(a)) throw new Error(`unknown option ${a}`);
  }
  const one = value("--seed");
  const count = value("--seeds");
  const from = value("--from") ?? 1;
  const seeds = one !== undefined ? [one] : Array.from({ length: count ?? 10 }, (_, i) => from + i);
  return {
    seeds,
    parallel: Math.max(1, value("--parallel") ?? 1),
    keep: argv.includes("--keep"),
    plan: argv.includes("--plan"),
    json: argv.includes("--json"),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const reports: SeedReport[] = [];

  if (args.plan) {
    const features = await emulatorFeatures();
    console.log(`emulator features: ${JSON.stringify(features)}`);
    for (const seed of args.seeds) {
      console.log(`seed ${seed}\n  ${describePlan(planSeed(seed, features)).join("\n  ")}`);
    }
    return;
  }

  if (args.json) {
    const report = await runSeed(args.seeds[0]!, { log: console.log, keep: args.keep });
    console.log(`${REPORT_PREFIX}${JSON.stringify(report)}`);
    return;
  }

  // Once here, with its messages (a first build takes minutes); the seeds find it cached.
  runPulumiCliScript();
  if (args.parallel > 1) {
    const results = runSeedsInChildren(args.seeds, args.parallel, {
      keep: args.keep,
      onLine: (seed, line) => console.log(`[seed ${seed}] ${line}`),
    });
    for (const result of results.values()) reports.push(await result);
  } else {
    for (const seed of args.seeds) {
      console.log(`seed ${seed}`);
      const report = await runSeed(seed, { log: console.log, keep: args.keep });
      console.log(
        `seed ${seed}: ${report.violations.length} violation(s), ${(report.ms / 1000).toFixed(1)}s`,
      );
      reports.push(report);
    }
  }

  console.log(`\n${soakTable(reports, Date.now() - started)}`);
  if (reports.some((r) => r.violations.length > 0)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 2;
});
